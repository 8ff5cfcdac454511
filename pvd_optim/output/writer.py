"""Write a run's results folder: tables (CSV + Parquet), summary, explanation, state, manifest.

Every folder goes through :func:`pvd_optim.output.folder.write_folder`, so it
is written atomically, listed in its manifest, and replaces an existing folder
only with ``force`` and only if pvd-optim wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.output.folder import write_folder
from pvd_optim.output.provenance import dumps, manifest, run_provenance, scenario_json
from pvd_optim.output.rounding import for_planners, verify_rounded
from pvd_optim.output.state import STATE_FILE, allocation_state
from pvd_optim.output.target import SCENARIO_FILE

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation
    from pvd_optim.scenario.schema import Scenario


def table_frames(allocation: Allocation) -> dict[str, pd.DataFrame]:
    """The allocation's tables, named as their files, rounded for planners and re-checked."""
    by_town = allocation.by_town
    if allocation.town_info is not None:
        # The town table names its region by code and name already.
        extra = allocation.town_info.drop(
            columns=[c for c in allocation.town_info.columns
                     if c in by_town.columns or c == "region"])
        by_town = by_town.join(extra)
    tables = {
        "allocation_town_theme": allocation.by_town_theme.reset_index(),
        "allocation_town": by_town.reset_index(),
        "allocation_group": allocation.by_group.reset_index(),
        "allocation_region": allocation.by_region,
        "allocation_directorate": allocation.by_directorate.reset_index(),
        "allocation_theme": allocation.by_theme.reset_index(),
        "allocation_funder": allocation.by_funder,
    }
    if allocation.by_department is not None:  # prefects' envelopes held
        tables["allocation_department"] = allocation.by_department.reset_index()
    if (collective := allocation.by_collective) is not None:  # collective actions on
        tables["allocation_collective"] = collective
    rounded = {name: for_planners(frame) for name, frame in tables.items()}
    verify_rounded(allocation, rounded["allocation_town_theme"], rounded["allocation_town"])
    return rounded


def write_allocation(
    allocation: Allocation,
    scenario: Scenario,
    out_dir: str | Path,
    *,
    force: bool = False,
    command: list[str] | None = None,
    extra_files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write an allocation's tables, ``summary.json``, ``explain.md``, its state and manifest."""
    from pvd_optim.explain import explain_markdown

    files: dict[str, bytes | pd.DataFrame] = dict(table_frames(allocation))
    files["summary.json"] = dumps(allocation.summary()).encode()
    files["explain.md"] = explain_markdown(allocation).encode()
    files[SCENARIO_FILE] = scenario_json(scenario)
    files[STATE_FILE] = allocation_state(allocation)
    files.update(extra_files or {})
    return write_folder(Path(out_dir), files, force=force, kind="results",
                        manifest=manifest(scenario, allocation, command))


def write_diagnosis(
    diagnosis_json: bytes,
    explain_md: bytes,
    scenario: Scenario,
    out_dir: str | Path,
    *,
    force: bool = False,
    command: list[str] | None = None,
) -> Path:
    """Write an infeasible run's folder: ``diagnosis.json``, ``explain.md``, its scenario."""
    files: dict[str, bytes | pd.DataFrame] = {
        "diagnosis.json": diagnosis_json,
        "explain.md": explain_md,
        SCENARIO_FILE: scenario_json(scenario),
    }
    provenance: dict[str, Any] = {**run_provenance(scenario, command), "status": "infeasible"}
    return write_folder(Path(out_dir), files, force=force, kind="diagnosis", manifest=provenance)


#: Room a results folder needs, measured on the national run (1,646 towns, 6 themes:
#: 1.48 MB, largest file 0.54 MB) and rounded up by about 40 %: fixed bytes, plus bytes
#: per town and per town and theme.
_FOLDER_FIXED_BYTES, _FOLDER_PER_TOWN, _FOLDER_PER_TOWN_THEME = 64 << 10, 600, 100
_FILE_FIXED_BYTES, _FILE_PER_TOWN, _FILE_PER_TOWN_THEME = 16 << 10, 250, 50


def expected_results_bytes(scenario: Scenario) -> tuple[int, int]:
    """``(folder, largest file)``: the bytes a run of ``scenario`` will write, over-estimated.

    Computed before solving from an upper bound on the eligible towns (the
    listed towns, the official list plus additions, or every commune) and on
    the themes (the built-in ones and those the scenario defines).
    """
    from pvd_optim.themes import DEFAULT_THEMES

    section = scenario.eligibility
    if section.mode == "listed":
        towns = len(section.include)
    else:
        from pvd_optim.data.towns import load_communes

        table = load_communes()
        if section.mode == "official":
            from pvd_optim.data.eligibility import official

            towns = int(official(table).sum()) + len(section.include)
        else:
            towns = len(table)
    themes = len(set(DEFAULT_THEMES) | set(scenario.themes.definitions))
    folder = _FOLDER_FIXED_BYTES + towns * (_FOLDER_PER_TOWN + _FOLDER_PER_TOWN_THEME * themes)
    largest = _FILE_FIXED_BYTES + towns * (_FILE_PER_TOWN + _FILE_PER_TOWN_THEME * themes)
    return folder, largest
