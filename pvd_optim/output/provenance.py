"""Stable JSON and the provenance of a result: hashes of its inputs, versions, command."""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pvd_optim.results import Allocation
    from pvd_optim.scenario.schema import Scenario


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_safe(data: Any) -> Any:
    """``data`` with NaN and infinities as ``None``: JSON has neither (null instead)."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    return data


def dumps(data: Any, *, sort_keys: bool = True) -> str:
    """Stable JSON (sorted keys unless ``sort_keys`` is False, NaN and infinities as null)."""
    return json.dumps(json_safe(data), indent=2, sort_keys=sort_keys,
                      default=_json_default, ensure_ascii=False) + "\n"


def scenario_json(scenario: Scenario) -> bytes:
    """``scenario.json``: the validated scenario in its own key order.

    Not sorted: the order of ``themes.definitions`` is the order of the model's
    themes, so a scenario read back from this file gives the same inputs.
    """
    return dumps(scenario.model_dump(mode="json"), sort_keys=False).encode()


def sha256_bytes(content: bytes) -> str:
    """Hex SHA-256 of ``content``."""
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario's content (paths and order independent of the file).

    The ``output`` section (the language people read) changes no allocation: left out.
    """
    content = scenario.model_dump(mode="json", exclude={"source", "output"})
    return sha256_bytes(dumps(content).encode())


def embedded_data_hashes() -> dict[str, str]:
    """SHA-256 of every embedded data file, by file name."""
    from pvd_optim.data import towns

    return {p.name: sha256_file(p) for p in sorted(towns.FILES_DIR.iterdir()) if p.is_file()}


def planner_files(scenario: Scenario) -> list[Path]:
    """The planner's own files the scenario names (indicator CSVs, scores CSV)."""
    files = [Path(p) for p in scenario.data.planner_indicators]
    if scenario.themes.scores_csv is not None:
        files.append(Path(scenario.themes.scores_csv))
    # The towns running a habitat operation and a CSV of commitments are the planner's too.
    habitat = scenario.resources.engineering.habitat_operation_csv
    if habitat is not None:
        files.append(Path(habitat))
    if scenario.commitments is not None and scenario.commitments.csv is not None:
        files.append(Path(scenario.commitments.csv))
    return files


def _versions() -> dict[str, str]:
    out = {}
    for name in ("pvd-optim", "numpy", "pandas", "pydantic", "pulp", "highspy", "pyarrow"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_provenance(scenario: Scenario, command: list[str] | None = None) -> dict[str, Any]:
    """What any folder a run writes records: the scenario and data hashes, versions, command."""
    source = scenario.source
    return {
        "scenario_name": scenario.name,
        "scenario_file": str(source) if source else None,
        "scenario_file_sha256": sha256_file(Path(source)) if source and Path(source).is_file()
        else None,
        "scenario_content_sha256": scenario_hash(scenario),
        "embedded_data_sha256": embedded_data_hashes(),
        "planner_files_sha256": {str(p): sha256_file(p) for p in planner_files(scenario)},
        "versions": _versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "seeds": "none: the pipeline uses no randomness",
        "command": command if command is not None else sys.argv,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def manifest(scenario: Scenario, allocation: Allocation, command: list[str] | None = None
             ) -> dict[str, Any]:
    """Provenance of a result: inputs' hashes, versions, solver, command."""
    return {
        **run_provenance(scenario, command),
        "solver": allocation.solver,
        "solver_version": allocation.solver_version,
        "status": allocation.status,
    }
