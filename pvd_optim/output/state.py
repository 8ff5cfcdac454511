"""``allocation_state.npz``: the exact numbers behind a results folder, versioned, read bounded.

An ``.npz`` is a zip of ``.npy`` arrays; this one holds the allocation's arrays
(``arrays.*``, one slice per model year), the model inputs it was computed on
(``inputs.*``: the first year's; ``years.*``: the fields that differ between years,
one slice per year; ``programme.*``: what links the years) and a JSON ``meta``
record (label, status, solver, shadow prices, the years and the programme's
settings...) with the state format's name and version. No pickles, ever.

Reading never trusts the file: its size is bounded before it is read, each
member's declared size before it is decompressed (a zip bomb is refused, not
expanded), each array's header against the bytes present (a header cannot ask
for more memory than the member holds), and any damage (a truncated or
corrupted zip, a missing member, a bad CRC) is a one-line ``InputError``.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message, message_data

if TYPE_CHECKING:
    from pvd_optim.results import Allocation

#: The state file of a results folder.
STATE_FILE = "allocation_state.npz"
#: Name and version of the state format; a reader refuses any other.
STATE_FORMAT = "pvd-optim allocation state"
STATE_FORMAT_VERSION = 5  # 1: the unversioned state of pvd-optim 0.1.0; 2: one year only;
# 3: binding limits as English text; 4: binding limits as message templates and names;
# 5: the run's notes as message templates and values too (``message_data``)
#: The formats this version reads: format 4's notes are English text and stay English.
READ_FORMAT_VERSIONS = (4, 5)
#: Largest state file read, and largest total of its members once decompressed.
#: All 34,969 communes with 12 themes take about 15 MB decompressed.
MAX_STATE_BYTES = 256 << 20  # 256 MiB
MAX_STATE_UNPACKED_BYTES = 256 << 20  # 256 MiB
_MAX_MEMBERS = 256
#: The allocation's arrays, as stored (with a leading year axis when there are several).
ARRAY_NAMES = ("funding_keur", "days", "covered", "posts", "carry_in_keur", "carry_out_keur",
               "cofunding_keur", "collective_events", "attendance")
#: The programme's array fields, as stored (``programme.*``); its other settings are in meta.
PROGRAMME_ARRAYS = ("carry_over_cap_keur", "horizon_fair_share", "horizon_saturation_keur",
                    "horizon_saturation_days")
PROGRAMME_SETTINGS = ("persistence", "contract_years", "spend_min_scope", "balance_scope")

RERUN = Message("re-run `pvd-optim run` on its scenario to write the folder again")


@dataclass(frozen=True)
class State:
    """A state file's content: the ``meta`` record and its arrays by member name."""

    meta: dict[str, Any]
    members: dict[str, np.ndarray]


def stored_value(value: Any) -> np.ndarray:
    """An input field as stored: an absent figure (``None``) as NaN, never a Python object.

    A record of inputs (a dataclass: the prefects' envelopes) is stored as the JSON text
    of its fields, exact to the last digit of each number.
    """
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return np.asarray(json.dumps({item.name: np.asarray(getattr(value, item.name)).tolist()
                                      for item in dataclasses.fields(value)}, sort_keys=True))
    return np.asarray(np.nan if value is None else value)


def _same_every_year(values: list[Any]) -> bool:
    first = np.asarray(values[0])
    return all(np.asarray(v).shape == first.shape and np.array_equal(np.asarray(v), first)
               for v in values[1:])


def allocation_state(allocation: Allocation) -> bytes:
    """The allocation's inputs and arrays as a compressed ``.npz`` (no pickles)."""
    import dataclasses

    programme = allocation.full_programme
    years = programme.years
    arrays: dict[str, Any] = {}
    for item in dataclasses.fields(years[0]):
        values = [stored_value(getattr(year, item.name)) for year in years]
        arrays[f"inputs.{item.name}"] = values[0]
        if not _same_every_year(values):
            arrays[f"years.{item.name}"] = np.stack(values)
    for name in PROGRAMME_ARRAYS:
        arrays[f"programme.{name}"] = np.asarray(getattr(programme, name))
    for name in ARRAY_NAMES:
        values = [np.asarray(getattr(year, name)) for year in allocation.years_arrays]
        # One year: the arrays as they always were; several: one slice per year.
        arrays[f"arrays.{name}"] = values[0] if len(values) == 1 else np.stack(values)
    meta = {
        "format": STATE_FORMAT, "format_version": STATE_FORMAT_VERSION,
        "label": allocation.label, "scenario_name": allocation.scenario_name,
        "status": allocation.status, "solver": allocation.solver,
        "solver_version": allocation.solver_version, "mip_gap": allocation.mip_gap,
        "solve_seconds": allocation.solve_seconds, "checked": list(allocation.check.checked),
        "solver_objective": allocation.solver_objective,
        "binding": [[item.family, item.template, [list(pair) for pair in item.names],
                     item.year, item.horizon] for item in allocation.binding],
        # Each note's template and values: read back, it renders in the reader's language.
        "notes": [message_data(note) for note in allocation.notes],
        "shadow_prices": (dataclasses.asdict(allocation.shadow_prices)
                          if allocation.shadow_prices is not None else None),
        "years": list(programme.calendar),
        "programme": {name: getattr(programme, name) for name in PROGRAMME_SETTINGS},
    }
    arrays["meta"] = np.asarray(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _damaged(folder: Path, what: str) -> InputError:
    # ``what`` is a technical detail (a member, a header), shown as written.
    return InputError(Message("{state} is damaged ({what}); {rerun}", state=STATE_FILE,
                              what=what, rerun=RERUN), file=folder)


def _load_npy(raw: bytes, member: str, folder: Path) -> np.ndarray:
    """One ``.npy`` member as an array, its header checked against the bytes it has."""
    buffer = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(buffer)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(buffer)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"npy version {version}")
    except (ValueError, SyntaxError, TypeError) as exc:
        raise _damaged(folder, f"{member} has no valid array header: {exc}") from None
    if dtype.hasobject:
        raise _damaged(folder, f"{member} holds Python objects, which are never loaded")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    offset = buffer.tell()
    if count < 0 or count * dtype.itemsize != len(raw) - offset:
        raise _damaged(folder, f"{member} declares {shape} {dtype} but holds "
                               f"{len(raw) - offset:,} bytes")
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C").copy()


def read_state(raw: bytes, folder: Path) -> State:
    """Parse a state file's bytes, bounded; ``InputError`` (one line) for any damage."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise InputError(Message("{state} is not a pvd-optim state file (not a readable .npz: "
                                 "{reason}); {rerun}", state=STATE_FILE, reason=str(exc),
                                 rerun=RERUN), file=folder) from None
    if len(infos) > _MAX_MEMBERS:
        raise _damaged(folder, f"{len(infos)} members, more than the {_MAX_MEMBERS} a state has")
    declared = sum(info.file_size for info in infos)
    if declared > MAX_STATE_UNPACKED_BYTES:
        raise InputError(Message("{state} would decompress to {declared:,} bytes, more than the "
                                 "{limit:,}-byte limit; it is not a state pvd-optim wrote: "
                                 "{rerun}", state=STATE_FILE, declared=declared,
                                 limit=MAX_STATE_UNPACKED_BYTES, rerun=RERUN), file=folder)
    members: dict[str, np.ndarray] = {}
    with archive:
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise _damaged(folder, f"unexpected member {info.filename!r}")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _damaged(folder, f"{info.filename} uses an unexpected compression")
            try:
                with archive.open(info) as handle:
                    data = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                raise _damaged(folder, f"{info.filename}: {exc}") from None
            if len(data) != info.file_size:
                raise _damaged(folder, f"{info.filename} is not the size it declares")
            members[info.filename[:-4]] = _load_npy(data, info.filename, folder)
    meta_array = members.pop("meta", None)
    if meta_array is None or meta_array.ndim != 0 or meta_array.dtype.kind != "U":
        raise InputError(Message("{state} has no meta record: not a pvd-optim state file; "
                                 "{rerun}", state=STATE_FILE, rerun=RERUN), file=folder)
    try:
        meta = json.loads(str(meta_array))
    except ValueError:
        raise _damaged(folder, "its meta record is not valid JSON") from None
    if not isinstance(meta, dict):
        raise _damaged(folder, "its meta record is not a JSON object")
    version = meta.get("format_version")
    if "format" not in meta and "label" in meta:
        raise InputError(Message("{state} was written by an older pvd-optim (unversioned "
                                 "state, this version reads format {expected}); {rerun}",
                                 state=STATE_FILE, expected=STATE_FORMAT_VERSION, rerun=RERUN),
                         file=folder)
    if meta.get("format") != STATE_FORMAT:
        raise InputError(Message("{state} is not a pvd-optim state file (its meta record names "
                                 "no pvd-optim format); {rerun}", state=STATE_FILE, rerun=RERUN),
                         file=folder)
    if version not in READ_FORMAT_VERSIONS:
        newer = isinstance(version, int) and version > STATE_FORMAT_VERSION
        upgrade = Message("upgrade pvd-optim or {rerun}", rerun=RERUN) if newer else RERUN
        raise InputError(Message("{state} has state format {version}, this pvd-optim reads "
                                 "format {expected}; {advice}", state=STATE_FILE,
                                 version=repr(version), expected=STATE_FORMAT_VERSION,
                                 advice=upgrade), file=folder)
    return State(meta, members)
