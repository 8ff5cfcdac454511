"""Read a results folder back whole, and refuse what does not verify.

:func:`read_results` rebuilds the run's ``Allocation``, ``town_info``
included, and trusts nothing stored beside the allocation:

1. the folder must be a run's results (not an infeasible run's diagnosis, not
   compare's tables, not a folder of an older format), its manifest listing its
   files; the files read (``allocation_state.npz``, ``scenario.json``) must
   hash as the manifest says and are read bounded (:mod:`.state`);
2. the scenario is validated again from ``scenario.json``
   (:func:`pvd_optim.scenario.scenario_from_dict`), and its content must hash as
   recorded;
3. the embedded data and the planner's CSVs the scenario names must be the
   ones the run used (their hashes in the manifest): a run computed on other
   data cannot be re-verified on this data, so a difference is an error that
   says what changed, not a note;
4. the model inputs are derived again from that scenario and data
   (:func:`pvd_optim.assemble.prepare`) and must equal the stored ones, so an
   edit of both the allocation and the stored inputs is caught (3 and 4:
   :mod:`.readback_checks`);
5. the allocation is re-verified by the independent checker against those
   derived inputs, on every constraint family its producer promises: any
   violation refuses the folder, naming them.

Every refusal is a one-line ``InputError`` (exit 2) that says what to do.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n import placeholders
from pvd_optim.i18n.message import Message, joined, message_from_data
from pvd_optim.output.folder import (
    FOLDER_FORMAT_VERSION,
    listed_files,
    read_listed,
    read_manifest,
)
from pvd_optim.output.provenance import scenario_hash
from pvd_optim.output.readback_checks import check_data, check_stored_inputs
from pvd_optim.output.state import (
    ARRAY_NAMES,
    MAX_STATE_BYTES,
    RERUN,
    STATE_FILE,
    read_state,
)
from pvd_optim.output.target import MANIFEST_FILE, MAX_JSON_BYTES, SCENARIO_FILE

if TYPE_CHECKING:
    from pvd_optim.inputs import ProgrammeInputs
    from pvd_optim.results import Allocation
    from pvd_optim.scenario.schema import Scenario

DIAGNOSIS_FILE = "diagnosis.json"
_SHOWN_VIOLATIONS = 5


@dataclass(frozen=True, eq=False)
class ReadBack:
    """A results folder read back: the allocation and the scenario, both verified."""

    allocation: Allocation
    scenario: Scenario
    manifest: dict[str, Any]


def _infeasible(folder: Path) -> InputError:
    return InputError(Message("is the folder of an infeasible run: it holds a diagnosis and no "
                              "allocation to compare; read its explain.md, change the scenario "
                              "and run it again"), file=folder)


def interrupted_hint(folder: Path) -> str:
    """Where an interrupted fallback replacement left the previous folder, if it did."""
    from pvd_optim.output.names import leftover_pattern

    target = Path.cwd() / folder
    pattern = leftover_pattern(target)
    try:
        aside = sorted(e for e in os.listdir(target.parent)
                       if (m := pattern.fullmatch(e)) is not None and m["kind"] == "old")
    except OSError:
        return ""
    if not aside:
        return ""
    return Message(" (an interrupted run left the previous one in {aside} beside it; the next "
                   "`pvd-optim run` into it puts it back)", aside=aside[0])


def _results_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a run's results folder, or the error that says what the folder is."""
    if not folder.is_dir():
        raise InputError(Message("no such results folder{hint}", hint=interrupted_hint(folder)),
                         file=folder)
    has_state = (folder / STATE_FILE).exists()
    if (folder / DIAGNOSIS_FILE).exists() and not has_state:
        raise _infeasible(folder)
    if not (folder / MANIFEST_FILE).exists():
        if has_state:
            raise InputError(Message("has {state} but no {manifest}: written by an older "
                                     "pvd-optim or damaged; {rerun}", state=STATE_FILE,
                                     manifest=MANIFEST_FILE, rerun=RERUN), file=folder)
        raise InputError(Message("is not a pvd-optim results folder (no {manifest} or {state}); "
                                 "give a folder written by `pvd-optim run`, or a scenario file",
                                 manifest=MANIFEST_FILE, state=STATE_FILE), file=folder)
    manifest = read_manifest(folder)
    kind = manifest.get("folder_kind")
    if kind is None:
        raise InputError(Message("was written by an older pvd-optim (its {manifest} has no "
                                 "folder format); {rerun}", manifest=MANIFEST_FILE, rerun=RERUN),
                         file=folder)
    if kind == "diagnosis":
        raise _infeasible(folder)
    if kind != "results":
        raise InputError(Message("is not a run's results folder (its {manifest} says {kind}); "
                                 "give a folder written by `pvd-optim run`",
                                 manifest=MANIFEST_FILE, kind=repr(str(kind))), file=folder)
    version = manifest.get("folder_format_version")
    if version != FOLDER_FORMAT_VERSION:
        raise InputError(Message("has folder format {version}, this pvd-optim reads format "
                                 "{expected}; {rerun}", version=repr(version),
                                 expected=FOLDER_FORMAT_VERSION, rerun=RERUN), file=folder)
    return manifest


def _scenario(folder: Path, raw: bytes, manifest: dict[str, Any]) -> Scenario:
    from pvd_optim.scenario import scenario_from_dict

    try:
        data = json.loads(raw)
    except ValueError:
        raise InputError(Message("{name} is not valid JSON; {rerun}", name=SCENARIO_FILE,
                                 rerun=RERUN), file=folder) from None
    if not isinstance(data, dict):
        raise InputError(Message("{name} is not a JSON object; {rerun}", name=SCENARIO_FILE,
                                 rerun=RERUN), file=folder)
    try:
        scenario = scenario_from_dict(data)
    except InputError as exc:
        # The scenario's own error, framed and escaped as its str() is, in English for now.
        raise InputError(Message("{name} is not a valid scenario for this pvd-optim ({problem}); "
                                 "{rerun}", name=SCENARIO_FILE, problem=str(exc), rerun=RERUN),
                         file=folder) from None
    if manifest.get("scenario_content_sha256") != scenario_hash(scenario):
        raise InputError(Message("{name} is not the scenario the run recorded (its content hash "
                                 "differs from {manifest}'s); {rerun}", name=SCENARIO_FILE,
                                 manifest=MANIFEST_FILE, rerun=RERUN), file=folder)
    return scenario


def _arrays(folder: Path, members: dict[str, np.ndarray], programme: ProgrammeInputs) -> Any:
    from pvd_optim.inputs import COLLECTIVE_ACTIONS, AllocationArrays, ProgrammeArrays

    inputs, count = programme.first, programme.n_years
    year_axis = (count,) if count > 1 else ()
    actions = len(COLLECTIVE_ACTIONS)
    shapes = {name: (*year_axis, *shape) for name, shape in (
        ("funding_keur", (inputs.n_towns, inputs.n_themes)),
        ("days", (inputs.n_towns, inputs.n_themes)), ("covered", (inputs.n_towns,)),
        ("posts", (inputs.n_groups,)), ("carry_in_keur", ()), ("carry_out_keur", ()),
        ("cofunding_keur", (2, inputs.n_funders)),
        ("collective_events", (inputs.n_collective_regions, actions)),
        ("attendance", (inputs.n_towns if inputs.collective else 0, actions)))}
    # An allocation made without collective actions (a strategy's) holds none: empty arrays.
    empty = {"collective_events", "attendance"}
    values = {}
    for name in ARRAY_NAMES:
        array = members.get(f"arrays.{name}")
        if array is None:
            raise InputError(Message("{state} is incomplete (no {name}); {rerun}",
                                     state=STATE_FILE, name=name, rerun=RERUN), file=folder)
        if name in empty and array.shape == (*year_axis, 0, actions):
            shapes[name] = array.shape
        if array.dtype.kind not in "fiub" or array.shape != shapes[name]:
            raise InputError(Message("{state}: {name} is {shape} {dtype}, expected {expected} "
                                     "numbers; {rerun}", state=STATE_FILE, name=name,
                                     shape=str(array.shape), dtype=str(array.dtype),
                                     expected=str(shapes[name]), rerun=RERUN), file=folder)
        array = array.astype(np.float64)
        if not np.isfinite(array).all():
            raise InputError(Message("{state}: {name} holds NaN or infinite values; {rerun}",
                                     state=STATE_FILE, name=name, rerun=RERUN), file=folder)
        values[name] = array if count > 1 else array[None]
    return ProgrammeArrays(tuple(
        AllocationArrays(values["funding_keur"][y], values["days"][y], values["covered"][y],
                         values["posts"][y], carry_in_keur=float(values["carry_in_keur"][y]),
                         carry_out_keur=float(values["carry_out_keur"][y]),
                         cofunding_keur=values["cofunding_keur"][y],
                         collective_events=values["collective_events"][y],
                         attendance=values["attendance"][y])
        for y in range(count)))


_META_TYPES: dict[str, tuple[type, ...]] = {
    "label": (str,), "scenario_name": (str,), "status": (str,), "solver": (str,),
    "solver_version": (str,), "mip_gap": (float, int, type(None)),
    "solve_seconds": (float, int), "checked": (list,),
    "solver_objective": (float, int, type(None)), "binding": (list,),
    "shadow_prices": (dict, type(None)), "notes": (list,), "years": (list,),
    "programme": (dict,),
}


def _meta(folder: Path, meta: dict[str, Any]) -> dict[str, Any]:
    from pvd_optim.families import FAMILY_NAMES as ALL_FAMILIES
    from pvd_optim.families import family

    for key, types in _META_TYPES.items():
        value = meta.get(key)
        if key not in meta or isinstance(value, bool) or not isinstance(value, types):
            raise InputError(Message("{state}: its meta record has no valid {key}; {rerun}",
                                     state=STATE_FILE, key=repr(key), rerun=RERUN), file=folder)
    pairs = meta["binding"]
    well_formed = all(_is_binding(x) for x in pairs)
    if not well_formed or not {x[0] for x in pairs} | set(meta["checked"]) <= set(ALL_FAMILIES):
        raise InputError(Message("{state}: its meta record names unknown constraint families; "
                                 "{rerun}", state=STATE_FILE, rerun=RERUN), file=folder)
    for family_name, template, names, _, _ in pairs:
        worded = {text for block in family(family_name).blocks for text in block.wordings}
        if template not in worded or placeholders(template) != {k for k, _ in names}:
            raise InputError(Message("{state}: its binding limit {template} is not a wording of "
                                     "{family} with its names; {rerun}", state=STATE_FILE,
                                     template=repr(template), family=repr(family_name),
                                     rerun=RERUN), file=folder)
    return {**meta, "notes": _notes(folder, meta)}


def _notes(folder: Path, meta: dict[str, Any]) -> tuple[str, ...]:
    """The run's notes, as :class:`Message` s rendered in the reader's language.

    Format 5 keeps each note's catalogue template and values; format 4 kept only
    the English text, so an older folder's notes stay English.
    """
    notes = meta["notes"]
    if meta["format_version"] == 4:
        if not all(isinstance(note, str) for note in notes):
            raise InputError(Message("{state}: its meta record has no valid {key}; {rerun}",
                                     state=STATE_FILE, key=repr("notes"), rerun=RERUN),
                             file=folder)
        return tuple(notes)
    try:
        read = tuple(message_from_data(note) for note in notes)
        if not all(isinstance(note, str) for note in read):
            raise ValueError("a note is a sentence")
    except ValueError:
        raise InputError(Message("{state}: its notes are not messages of this pvd-optim; "
                                 "{rerun}", state=STATE_FILE, rerun=RERUN), file=folder) from None
    return read


def _is_binding(item: Any) -> bool:
    """A stored binding limit: [family, template, [[placeholder, name], ...], year, horizon]."""
    if not (isinstance(item, list) and len(item) == 5):
        return False
    family_name, template, names, year, horizon = item
    return (isinstance(family_name, str) and isinstance(template, str)
            and isinstance(names, list)
            and all(isinstance(n, list) and len(n) == 2 and all(isinstance(v, str) for v in n)
                    for n in names)
            and (year is None or (isinstance(year, int) and not isinstance(year, bool)))
            and isinstance(horizon, bool))


def _shadow_prices(folder: Path, data: dict[str, Any] | None) -> Any:
    from pvd_optim.results import ShadowPrices

    if data is None:
        return None
    try:
        if isinstance(data.get("binding_commitments"), list):  # JSON keeps tuples as lists
            data = {**data, "binding_commitments": tuple(data["binding_commitments"])}
        return ShadowPrices(**data)
    except TypeError:
        raise InputError(Message("{state}: its shadow prices do not have the expected fields; "
                                 "{rerun}", state=STATE_FILE, rerun=RERUN), file=folder) from None


def _families(meta: dict[str, Any]) -> tuple[str, ...]:
    """What the producer promised: a strategy's families, else every family; never fewer."""
    from pvd_optim.families import FAMILY_NAMES as ALL_FAMILIES
    from pvd_optim.strategies import HEURISTIC, PROMISES

    promised = PROMISES[meta["label"]] if (
        meta["status"] == HEURISTIC and meta["label"] in PROMISES) else ALL_FAMILIES
    return tuple(f for f in ALL_FAMILIES if f in promised or f in meta["checked"])


def read_results(folder: str | Path) -> ReadBack:
    """A results folder written by ``pvd-optim run``, read back and re-verified.

    Raises ``InputError`` (one line, exit 2) when the folder is not a run's
    results, is damaged or incomplete, was written by another format, or fails
    re-verification against inputs derived again from its scenario and data.
    """
    from pvd_optim.assemble import prepare
    from pvd_optim.check import check_allocation
    from pvd_optim.families import Binding
    from pvd_optim.results import Allocation, Problem

    folder = Path(folder)
    manifest = _results_manifest(folder)
    files = listed_files(folder, manifest)
    for name in (STATE_FILE, SCENARIO_FILE):
        if name not in files:
            raise InputError(Message("is incomplete: {manifest} lists no {name}; {rerun}",
                                     manifest=MANIFEST_FILE, name=name, rerun=RERUN), file=folder)
    state = read_state(read_listed(folder, STATE_FILE, files[STATE_FILE],
                                   max_bytes=MAX_STATE_BYTES), folder)
    meta = _meta(folder, state.meta)
    scenario = _scenario(folder, read_listed(folder, SCENARIO_FILE, files[SCENARIO_FILE],
                                             max_bytes=MAX_JSON_BYTES), manifest)
    check_data(folder, manifest, scenario)
    from pvd_optim.output.commitments import resolve_commitments

    # An allocation made on top of an earlier one: that one is read back (and verified) too.
    prepared = prepare(scenario, resolve_commitments(scenario))
    programme = prepared.programme
    check_stored_inputs(folder, state.members, meta, programme)
    arrays = _arrays(folder, state.members, programme)
    report = check_allocation(programme, arrays, _families(meta))
    if not report.ok:
        # The violations are the checker's own English (a bug report's words, not a planner's).
        shown = joined(str(v) for v in report.violations[:_SHOWN_VIOLATIONS])
        more = len(report.violations) - _SHOWN_VIOLATIONS
        raise InputError(Message(
            "fails re-verification against its scenario: {count} constraint(s) violated: "
            "{shown}{more}; the allocation was edited or damaged: {rerun}",
            count=len(report.violations), shown=shown, rerun=RERUN,
            more=Message(" (and {count} more)", count=more) if more > 0 else ""),
            file=folder)
    problem = Problem(prepared.inputs, scenario.name, scenario.solver, prepared.towns_frame())
    allocation = Allocation.of(
        problem, meta["label"], arrays, meta["status"], report,
        solver=meta["solver"], solver_version=meta["solver_version"], mip_gap=meta["mip_gap"],
        solve_seconds=meta["solve_seconds"], solver_objective=meta["solver_objective"],
        binding=tuple(Binding(family_name, template, tuple((k, v) for k, v in names), year,
                              horizon)
                      for family_name, template, names, year, horizon in meta["binding"]),
        shadow_prices=_shadow_prices(folder, meta["shadow_prices"]),
        notes=tuple(meta["notes"]),
    )
    return ReadBack(allocation, scenario, manifest)


def read_allocation(folder: str | Path) -> Allocation:
    """Rebuild the ``Allocation`` of a results folder, re-verified (see :func:`read_results`).

    Raises ``InputError`` when the folder is not a pvd-optim results folder, is
    damaged, or does not verify.
    """
    return read_results(folder).allocation
