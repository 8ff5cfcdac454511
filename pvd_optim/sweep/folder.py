"""A sweep's folder: its identity, one compact record per variant, its tables; resumable.

Layout of ``DIR``::

    sweep.json              what this sweep is: base scenario, definition, variants, versions
    base.json               the base scenario's record
    variants/ab/abcdef012345.json   one record per variant (by the first two digits of its id)
    variants.{csv,parquet}  the tidy table      towns.{csv,parquet}   per-town robustness
    regions.{csv,parquet}   per-region summary  sensitivity.{csv,parquet}  the tornado's figures
    report.html             the sweep report (written by ``pvd-optim sweep``)

Every file is written atomically (:func:`pvd_optim.output.write_file_atomic`): a killed
sweep leaves complete records only, and running the same sweep into the same folder
again solves only the variants without one (a new description or other plotted metrics
do not change the variants). A folder holding a different sweep (another base scenario,
other variants, another version of pvd-optim or HiGHS) is refused, as is a folder
that is not a sweep's. Only the process that started the sweep writes here (workers
send their records back), under a lock held for the whole sweep (``.sweep.json.lock``,
an ``flock``): a second sweep into the folder is refused at once.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.errors import InputError, OutputError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message, joined
from pvd_optim.output import dumps, reserve, write_file_atomic
from pvd_optim.output.folder import render_table
from pvd_optim.output.provenance import json_safe
from pvd_optim.sweep.work import RECORD_FORMAT
from pvd_optim.textfiles import read_regular_file

if TYPE_CHECKING:
    import pandas as pd

IDENTITY_FILE = "sweep.json"
BASE_FILE = "base.json"
RECORDS_DIR = "variants"
#: Largest record read back: a variant's per-town figures on all 34,875 communes (~1.5 MB).
MAX_RECORD_BYTES = 64 << 20
MAX_IDENTITY_BYTES = 256 << 20


def record_bytes(record: dict[str, Any]) -> bytes:
    """A record as compact JSON (floats exactly as computed; NaN as null)."""
    return (json.dumps(json_safe(record), separators=(",", ":"), sort_keys=True,
                       ensure_ascii=False, allow_nan=False) + "\n").encode()


class SweepFolder:
    """The folder of one sweep, held (locked) while the sweep runs: use as a context."""

    def __init__(self, path: str | Path, identity: dict[str, Any]) -> None:
        self.given = str(path)
        self.path = Path(path)
        self.identity = identity
        self._held: contextlib.ExitStack | None = None

    # ---- opening ------------------------------------------------------------------------
    def __enter__(self) -> SweepFolder:
        self._refuse_foreign()
        stack = contextlib.ExitStack()
        stack.enter_context(reserve(self.path / IDENTITY_FILE, force=True, kind="file"))
        self._held = stack
        try:
            self._refuse_foreign()  # again under the lock: another sweep may have started
            self._check_identity()
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    def _refuse_foreign(self) -> None:
        path = self.path
        if os.path.islink(path):
            raise OutputError(Message("is a symbolic link; give the sweep folder itself"),
                              file=self.given)
        if not os.path.lexists(path):
            return
        if not path.is_dir():
            raise OutputError(Message("exists and is not a folder; choose another --out"),
                              file=self.given)
        entries = [e for e in os.listdir(path) if not e.startswith(".")]
        if entries and IDENTITY_FILE not in entries:
            raise OutputError(Message("exists and is not a sweep folder (it has no "
                                      "sweep.json); choose another --out"), file=self.given)

    def _check_identity(self) -> None:
        written = self.path / IDENTITY_FILE
        if not written.exists():
            write_file_atomic(written, dumps(self.identity).encode(), force=True)
            return
        try:
            old = json.loads(read_regular_file(written, max_bytes=MAX_IDENTITY_BYTES,
                                               what="sweep identity"))
        except (ValueError, InputError):
            old = None
        if not isinstance(old, dict) or old.get("folder_kind") != "sweep":
            raise OutputError(Message("holds a damaged sweep.json; delete the folder to start "
                                      "the sweep again, or choose another --out"),
                              file=self.given)
        if old.get("sweep_sha256") == self.identity["sweep_sha256"]:
            # The same variants: what is not part of the answers (the description, the
            # metrics plotted) is recorded as given now; the sweep keeps its start time.
            current = {**self.identity, "started_at": old.get("started_at",
                                                            self.identity["started_at"])}
            if current != old:
                write_file_atomic(written, dumps(current).encode(), force=True)
            return
        differs = [Message(what) for what, key in (
            (N_("folder format"), "identity_format"),
            (N_("base scenario"), "base_scenario_sha256"),
            (N_("variants"), "variants"),
            (N_("pvd-optim and HiGHS versions"), "versions"))
            if old.get(key) != self.identity.get(key)]
        raise OutputError(
            Message("holds a different sweep (not the same {differs}); choose another --out, or "
                    "delete the folder to start this sweep in it",
                    differs=joined(differs or [Message(N_("variants"))], N_(" nor the same "))),
            file=self.given)

    # ---- records ------------------------------------------------------------------------
    def record_path(self, variant_id: str) -> Path:
        """Where a variant's record is written."""
        return self.path / RECORDS_DIR / variant_id[:2] / f"{variant_id}.json"

    def _read(self, path: Path, variant_id: str) -> dict[str, Any] | None:
        if not path.is_file():
            return None
        try:
            record = json.loads(read_regular_file(path, max_bytes=MAX_RECORD_BYTES,
                                                  what="sweep record"))
        except (ValueError, InputError):
            return None
        if not (isinstance(record, dict) and record.get("record_format") == RECORD_FORMAT
                and record.get("sweep_sha256") == self.identity["sweep_sha256"]
                and record.get("variant_id") == variant_id):
            return None
        return record

    def read_record(self, variant_id: str, *, transient: bool = False
                    ) -> dict[str, Any] | None:
        """A variant's record if it is complete and of this sweep; else ``None`` (solve again).

        A record of a failure that may not recur (a worker lost, another version on a
        worker) is not kept unless ``transient``: the variant is solved again.
        """
        record = self._read(self.record_path(variant_id), variant_id)
        if record is None or (record.get("transient") and not transient):
            return None
        return record

    def records(self, variant_ids: list[str], *, transient: bool = False
                ) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Each variant id with its record (or ``None``), as :meth:`read_record` reads it."""
        for variant_id in variant_ids:
            yield variant_id, self.read_record(variant_id, transient=transient)

    def read_base(self) -> dict[str, Any] | None:
        """The base scenario's record, if written by this sweep."""
        return self._read(self.path / BASE_FILE, "base")

    def write_record(self, record: dict[str, Any]) -> None:
        """Write one variant's record atomically (replacing a record not kept)."""
        write_file_atomic(self.record_path(str(record["variant_id"])), record_bytes(record),
                          force=True)

    def write_base(self, record: dict[str, Any]) -> None:
        """Write the base scenario's record."""
        write_file_atomic(self.path / BASE_FILE, record_bytes(record), force=True)

    # ---- tables -------------------------------------------------------------------------
    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """``name.csv`` and ``name.parquet``, each atomically (text cells made inert)."""
        for filename, content in render_table(name, frame).items():
            write_file_atomic(self.path / filename, content, force=True)

    def write_file(self, name: str, content: bytes) -> Path:
        """Any other file of the folder (the report), atomically."""
        return write_file_atomic(self.path / name, content, force=True)


__all__ = ["BASE_FILE", "IDENTITY_FILE", "RECORDS_DIR", "SweepFolder", "record_bytes"]
