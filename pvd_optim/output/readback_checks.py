"""Is a results folder's data what its run used? (steps 3 and 4 of :mod:`.readback`).

A run computed on other embedded data or other planner CSVs cannot be re-verified here, and
stored model inputs that differ from those derived again mean the folder was edited: each is
a one-line ``InputError`` naming what changed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.output.provenance import embedded_data_hashes, planner_files, sha256_bytes
from pvd_optim.output.state import (
    PROGRAMME_ARRAYS,
    PROGRAMME_SETTINGS,
    RERUN,
    STATE_FILE,
    stored_value,
)
from pvd_optim.output.target import MANIFEST_FILE, SCENARIO_FILE
from pvd_optim.textfiles import MAX_CSV_BYTES, read_regular_file
from pvd_optim.tolerances import STORED_INPUTS_RELATIVE

if TYPE_CHECKING:
    from pvd_optim.inputs import ProgrammeInputs
    from pvd_optim.scenario.schema import Scenario



def check_data(folder: Path, manifest: dict[str, Any], scenario: Scenario) -> None:
    """The embedded data and the planner CSVs the scenario names are the ones the run used."""
    recorded = manifest.get("embedded_data_sha256")
    current = embedded_data_hashes()
    if recorded != current:
        changed = sorted(set(current) ^ set(recorded or {}) | {
            name for name in set(current) & set(recorded or {})
            if current[name] != recorded[name]}) if isinstance(recorded, dict) else ["all"]
        raise InputError(Message(
            "was computed on other embedded data than this pvd-optim's (differs: {changed}), so "
            "it cannot be re-verified here; {rerun}", changed=", ".join(changed[:3]),
            rerun=RERUN), file=folder)
    planner = manifest.get("planner_files_sha256")
    planner = planner if isinstance(planner, dict) else {}
    for path in planner_files(scenario):
        if not path.exists():
            raise InputError(Message("the planner CSV {path} that its scenario names is gone; "
                                     "restore it to re-verify the folder, or {rerun}",
                                     path=str(path), rerun=RERUN), file=folder)
        raw = read_regular_file(path, max_bytes=MAX_CSV_BYTES, what=N_("planner CSV"))
        if planner.get(str(path)) != sha256_bytes(raw):
            raise InputError(Message("the planner CSV {path} changed since the run (its SHA-256 "
                                     "is not the one {manifest} records); restore it, or {rerun}",
                                     path=str(path), manifest=MANIFEST_FILE, rerun=RERUN),
                             file=folder)


def _same(stored: np.ndarray, derived: np.ndarray) -> bool:
    if stored.shape != derived.shape:
        return False
    if derived.dtype.kind == "f" and stored.dtype.kind in "fiu":
        return bool(np.allclose(stored, derived, rtol=STORED_INPUTS_RELATIVE, atol=1e-12,
                                equal_nan=True))
    return bool(stored.tolist() == derived.tolist())


def _edited(folder: Path, name: str) -> InputError:
    return InputError(Message(
        "the model inputs stored in {state} ({name}) differ from those derived again from "
        "{scenario} and the data: the folder was edited, or written by another pvd-optim "
        "version; {rerun}", state=STATE_FILE, name=name, scenario=SCENARIO_FILE, rerun=RERUN),
        file=folder)


def check_stored_inputs(folder: Path, members: dict[str, np.ndarray], meta: dict[str, Any],
                         programme: ProgrammeInputs) -> None:
    """The model inputs stored in the folder equal those derived again from its scenario."""
    count = programme.n_years
    if meta["years"] != list(programme.calendar):
        raise _edited(folder, "years")
    for item in dataclasses.fields(programme.first):
        first = members.get(f"inputs.{item.name}")
        by_year = members.get(f"years.{item.name}")
        if first is None or (by_year is not None and len(by_year) != count):
            raise _edited(folder, item.name)
        for y, year in enumerate(programme.years):
            stored = by_year[y] if by_year is not None else first
            if not _same(stored, stored_value(getattr(year, item.name))):
                raise _edited(folder, item.name)
    for name in PROGRAMME_ARRAYS:
        stored = members.get(f"programme.{name}")
        if stored is None or not _same(stored, np.asarray(getattr(programme, name))):
            raise _edited(folder, name)
    settings = meta["programme"]
    if any(settings.get(name) != getattr(programme, name) for name in PROGRAMME_SETTINGS):
        raise _edited(folder, "programme")
