"""Write results atomically: tables (CSV + Parquet), summary, explanation, manifest.

Results are written into a temporary folder beside the target and renamed into
place, so a run killed while writing leaves the previous results intact. An
existing results folder is replaced only when asked (``force``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation
    from pvd_optim.scenario.schema import Scenario

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells a spreadsheet would run as formulas with a quote.

    Only text cells (and header cells) change; numbers, negative ones included,
    stay numbers.
    """
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype.kind in "biufcmM":
            continue
        as_text = series.map(lambda v: v if not isinstance(v, str) else (
            "'" + v if v.startswith(FORMULA_PREFIXES) else v))
        out[column] = as_text
    def safe(v: object) -> object:
        return "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v

    if not isinstance(out.index, pd.MultiIndex) and out.index.dtype.kind == "O":
        out.index = out.index.map(safe)
    if not isinstance(out.columns, pd.MultiIndex):
        # Header cells are cells too: a scenario named "=1+1" becomes a column name.
        out.columns = [safe(c) for c in out.columns]
    return out


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any) -> str:
    """Stable JSON (sorted keys, NaN written as null)."""
    return json.dumps(_nan_to_none(data), indent=2, sort_keys=True, default=_json_default,
                      ensure_ascii=False) + "\n"


def _nan_to_none(data: Any) -> Any:
    if isinstance(data, float) and data != data:  # NaN
        return None
    if isinstance(data, dict):
        return {k: _nan_to_none(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_nan_to_none(v) for v in data]
    return data


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario's content (paths and order independent of the file)."""
    content = scenario.model_dump(mode="json", exclude={"source"})
    return hashlib.sha256(dumps(content).encode()).hexdigest()


def _versions() -> dict[str, str]:
    out = {}
    for name in ("pvd-optim", "numpy", "pandas", "pydantic", "pulp", "highspy", "pyarrow"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest(scenario: Scenario, allocation: Allocation, command: list[str] | None = None
             ) -> dict[str, Any]:
    """Provenance of a result: inputs' hashes, versions, solver, command."""
    from pvd_optim.data import towns

    data_files = {p.name: sha256_file(p) for p in sorted(towns.FILES_DIR.iterdir())
                  if p.is_file()}
    source = scenario.source
    extra_inputs = {str(p): sha256_file(Path(p)) for p in scenario.data.planner_indicators}
    if scenario.themes.scores_csv is not None:
        extra_inputs[str(scenario.themes.scores_csv)] = sha256_file(scenario.themes.scores_csv)
    return {
        "scenario_name": scenario.name,
        "scenario_file": str(source) if source else None,
        "scenario_file_sha256": sha256_file(Path(source)) if source and Path(source).is_file()
        else None,
        "scenario_content_sha256": scenario_hash(scenario),
        "embedded_data_sha256": data_files,
        "planner_files_sha256": extra_inputs,
        "versions": _versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "solver": allocation.solver,
        "solver_version": allocation.solver_version,
        "status": allocation.status,
        "seeds": "none: the pipeline uses no randomness",
        "command": command if command is not None else sys.argv,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def table_frames(allocation: Allocation) -> dict[str, pd.DataFrame]:
    """The allocation's tables, named as their files."""
    by_town = allocation.by_town
    if allocation.town_info is not None:
        # The town table names its region by code and name already.
        extra = allocation.town_info.drop(
            columns=[c for c in allocation.town_info.columns
                     if c in by_town.columns or c == "region"])
        by_town = by_town.join(extra)
    return {
        "allocation_town_theme": allocation.by_town_theme.reset_index(),
        "allocation_town": by_town.reset_index(),
        "allocation_group": allocation.by_group.reset_index(),
        "allocation_region": allocation.by_region,
        "allocation_directorate": allocation.by_directorate.reset_index(),
        "allocation_theme": allocation.by_theme.reset_index(),
    }


def check_target(out_dir: Path, *, force: bool) -> None:
    """Refuse to overwrite an existing results folder unless ``force``."""
    if out_dir.exists() and not force:
        raise InputError(
            "results folder already exists; choose another --out or pass --force to replace it",
            file=out_dir,
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("exists and is not a folder", file=out_dir)


def write_folder(out_dir: Path, files: Mapping[str, bytes | pd.DataFrame], *,
                 force: bool = False) -> Path:
    """Write ``files`` (name -> bytes, or a DataFrame written as CSV and Parquet) atomically."""
    out_dir = Path(out_dir)
    check_target(out_dir, force=force)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    # mkdtemp makes the folder private (0700); results are shared documents, so give
    # them the permissions an ordinary mkdir would.
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)
    try:
        for name, content in files.items():
            if isinstance(content, bytes | bytearray):
                (tmp / name).write_bytes(content)
                continue
            safe = neutralise_formulas(content)
            safe.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
            content.to_parquet(tmp / f"{name}.parquet", index=False)
        for path in tmp.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def write_allocation(
    allocation: Allocation,
    scenario: Scenario,
    out_dir: str | Path,
    *,
    force: bool = False,
    command: list[str] | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write an allocation's tables, ``summary.json``, ``explain.md`` and ``manifest.json``."""
    from pvd_optim.explain import explain_markdown

    files: dict[str, bytes | pd.DataFrame] = dict(table_frames(allocation))
    files["summary.json"] = dumps(allocation.summary()).encode()
    files["explain.md"] = explain_markdown(allocation).encode()
    files["manifest.json"] = dumps(manifest(scenario, allocation, command)).encode()
    files["scenario.json"] = dumps(scenario.model_dump(mode="json")).encode()
    files[STATE_FILE] = allocation_state(allocation)
    files.update(extra_files or {})
    return write_folder(Path(out_dir), files, force=force)


#: The exact numbers behind a results folder, for ``read_allocation``.
STATE_FILE = "allocation_state.npz"


def allocation_state(allocation: Allocation) -> bytes:
    """The allocation's inputs and arrays as a compressed ``.npz`` (no pickles)."""
    import dataclasses
    import io

    import numpy as np

    arrays: dict[str, Any] = {}
    for item in dataclasses.fields(allocation.inputs):
        value = getattr(allocation.inputs, item.name)
        arrays[f"inputs.{item.name}"] = np.asarray(value)
    for name in ("funding_keur", "days", "covered", "posts"):
        arrays[f"arrays.{name}"] = getattr(allocation.arrays, name)
    meta = {
        "label": allocation.label, "scenario_name": allocation.scenario_name,
        "status": allocation.status, "solver": allocation.solver,
        "solver_version": allocation.solver_version, "mip_gap": allocation.mip_gap,
        "solve_seconds": allocation.solve_seconds, "checked": list(allocation.check.checked),
        "solver_objective": allocation.solver_objective,
        "binding": list(allocation.binding),
        "shadow_prices": (dataclasses.asdict(allocation.shadow_prices)
                          if allocation.shadow_prices is not None else None),
    }
    arrays["meta"] = np.asarray(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def read_allocation(folder: str | Path) -> Allocation:
    """Rebuild the ``Allocation`` of a results folder, re-verified by the checker.

    Raises ``InputError`` when the folder is not a pvd-optim results folder.
    """
    import dataclasses

    import numpy as np

    from pvd_optim.check import AllocationArrays, check_allocation, objective_parts
    from pvd_optim.families import Binding
    from pvd_optim.inputs import ModelInputs
    from pvd_optim.results import Allocation, ShadowPrices

    folder = Path(folder)
    path = folder / STATE_FILE
    if not path.is_file():
        raise InputError(
            f"is not a pvd-optim results folder (no {STATE_FILE}); give a folder written by "
            "`pvd-optim run`, or a scenario file", file=folder)
    try:
        with np.load(path, allow_pickle=False) as data:
            content = {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {STATE_FILE}: {exc}", file=folder) from None
    meta = json.loads(str(content.pop("meta")))
    values: dict[str, Any] = {}
    for item in dataclasses.fields(ModelInputs):
        raw = content[f"inputs.{item.name}"]
        if raw.dtype.kind in "US":
            values[item.name] = (tuple(str(v) for v in raw.tolist()) if raw.ndim
                                 else str(raw))
        elif raw.ndim == 0:
            scalar = raw.item()
            values[item.name] = scalar
        else:
            values[item.name] = raw
    inputs = ModelInputs(**values)
    arrays = AllocationArrays(*(content[f"arrays.{n}"]
                                for n in ("funding_keur", "days", "covered", "posts")))
    report = check_allocation(inputs, arrays, meta["checked"])
    return Allocation(
        label=meta["label"], scenario_name=meta["scenario_name"], inputs=inputs,
        arrays=arrays, status=meta["status"],
        objective=objective_parts(inputs, arrays)["total"],
        objective_parts=objective_parts(inputs, arrays), check=report, solver=meta["solver"],
        solver_version=meta["solver_version"], mip_gap=meta["mip_gap"],
        solve_seconds=meta["solve_seconds"], solver_objective=meta["solver_objective"],
        binding=tuple(Binding(*item) for item in meta["binding"]),
        shadow_prices=(ShadowPrices(**meta["shadow_prices"])
                       if meta["shadow_prices"] is not None else None),
    )
