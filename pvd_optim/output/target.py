"""Output targets checked before any solving: a user mistake is a one-line error, exit 2.

A run can take minutes; a target that cannot be written must be refused before
the solve, not after it. :func:`check_target` refuses, with the path and the
reason: an empty target or one that names the current folder (or a parent of
it), a name longer than the file system allows, a target inside a file, a
symbolic link, a parent that cannot be written (permissions, read-only file
system), a file system without room for the expected size, a file-size limit
(``ulimit -f``) below the largest expected file, an existing target without
``force``, and, with ``force``, a folder that pvd-optim did not write.
:func:`os_error` turns a failure while writing into the same kind of message.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pvd_optim.errors import OutputError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.i18n.os_reasons import os_reason
from pvd_optim.output.names import name_bytes, name_max
from pvd_optim.textfiles import noun, read_regular_file

#: The manifest every folder written by pvd-optim carries; it lists the folder's files.
MANIFEST_FILE = "manifest.json"
#: The run's validated scenario, as JSON, in every results folder (read back to re-verify it).
SCENARIO_FILE = "scenario.json"
#: Largest JSON file of a results folder read back (manifest, scenario, summary).
MAX_JSON_BYTES = 8 << 20  # 8 MiB
#: Files the versions before folders had a file list wrote; recognised for ``--force``.
_LEGACY_NAMES = frozenset({
    "summary.json", "explain.md", "manifest.json", "scenario.json", "allocation_state.npz",
    "diagnosis.json", "tables.xlsx", "tables.md", "report.html"})
_LEGACY_MARKERS = frozenset({"allocation_state.npz", "diagnosis.json", "tables.md"})

Kind = Literal["folder", "file"]


def os_error(exc: OSError, target: Path | str, doing: str) -> OutputError:
    """``exc`` (raised while ``doing`` something to ``target``) as a one-line ``OutputError``."""
    return OutputError(Message("cannot {doing}: {reason}", doing=noun(doing),
                               reason=os_reason(exc)), file=target)


@dataclass(frozen=True)
class Target:
    """An output target: ``given`` as the user wrote it (for messages), ``path`` absolute."""

    given: str
    path: Path
    kind: Kind


def _resolve(path: str | Path, kind: Kind) -> Target:
    given = str(path)
    raw = Path(path)
    if raw.name in ("", ".", ".."):
        raise OutputError(
            Message("names the current folder, a parent or the root, not a new folder; give a "
                    "folder name such as results/NAME") if kind == "folder" else
            Message("names the current folder, a parent or the root, not a new file; give a "
                    "file name such as results/NAME"), file=given)
    parent = (Path.cwd() / raw.parent).resolve()
    absolute = parent / raw.name
    cwd = Path.cwd().resolve()
    if absolute == cwd or absolute in cwd.parents:
        raise OutputError(
            Message("is the current folder or one of its parents; replacing it would delete "
                    "the folder you work in: give a new folder name") if kind == "folder" else
            Message("is the current folder or one of its parents; replacing it would delete "
                    "the folder you work in: give a new file name"), file=given)
    limit = name_max(parent) if parent.is_dir() else 255
    if name_bytes(raw.name) > limit:
        raise OutputError(Message("the name is {length} bytes long, more than the {limit} the "
                                  "file system allows; choose a shorter name",
                                  length=name_bytes(raw.name), limit=limit), file=given)
    return Target(given, absolute, kind)


def _existing_ancestor(target: Target) -> Path:
    ancestor = target.path.parent
    while not os.path.lexists(ancestor):
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(Message("is inside {ancestor}, which is a file, not a folder; choose "
                                  "another path", ancestor=str(ancestor)), file=target.given)
    return ancestor


def _size_text(n_bytes: int) -> Message:
    if n_bytes >= 1 << 20:
        return Message("{size:,.1f} MiB", size=n_bytes / (1 << 20))
    return Message("{size:,} bytes", size=n_bytes)


def _check_room(target: Target, ancestor: Path, expected_bytes: int,
                largest_file_bytes: int) -> None:
    try:
        info: os.statvfs_result | None = os.statvfs(ancestor)
    except (OSError, AttributeError):
        info = None  # no statvfs (not POSIX): the write itself reports a full disk
    if info is not None and info.f_flag & getattr(os, "ST_RDONLY", 1):
        raise OutputError(Message("{ancestor} is on a read-only file system; choose another "
                                  "place", ancestor=str(ancestor)), file=target.given)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(Message("cannot write in {ancestor}: permission denied; choose a "
                                  "folder you can write to", ancestor=str(ancestor)),
                          file=target.given)
    if info is None:
        return
    free = info.f_bavail * info.f_frsize
    if expected_bytes and free < expected_bytes:
        raise OutputError(Message("needs about {needed} but the file system has {free} free; "
                                  "free some space or choose another place",
                                  needed=_size_text(expected_bytes), free=_size_text(free)),
                          file=target.given)
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    except (ImportError, OSError, ValueError):
        return
    if largest_file_bytes and soft != resource.RLIM_INFINITY and soft < largest_file_bytes:
        raise OutputError(Message("the file-size limit (`ulimit -f`) is {limit}, below the "
                                  "about {needed} the largest file needs; raise it (`ulimit -f "
                                  "unlimited`)", limit=_size_text(soft),
                                  needed=_size_text(largest_file_bytes)), file=target.given)


def not_written_by_pvd_optim(folder: Path) -> str | None:
    """Why ``folder`` is not a folder that pvd-optim wrote, or ``None`` when it is one.

    A pvd-optim folder holds only regular files: those its ``manifest.json``
    lists (or, for folders written before manifests listed files, only names
    pvd-optim writes and one of its marker files). An empty folder loses nothing.
    """
    entries = sorted(os.listdir(folder))
    if not entries:
        return None
    odd = [e for e in entries if not stat.S_ISREG(os.lstat(folder / e).st_mode)]
    if odd:
        return Message("it holds {names}, which pvd-optim never writes", names=", ".join(odd[:3]))
    listed: set[str] | None = None
    if MANIFEST_FILE in entries:
        try:
            manifest = json.loads(read_regular_file(folder / MANIFEST_FILE,
                                                    max_bytes=MAX_JSON_BYTES,
                                                    what=N_("manifest")))
            files = manifest.get("files_sha256") if isinstance(manifest, dict) else None
            listed = set(files) | {MANIFEST_FILE} if isinstance(files, dict) else None
        except (ValueError, OSError):
            listed = None
    if listed is not None:
        extra = [e for e in entries if e not in listed]
    else:
        if not _LEGACY_MARKERS & set(entries):
            return Message("it has no manifest.json listing its files")
        extra = [e for e in entries
                 if e not in _LEGACY_NAMES and not e.endswith((".csv", ".parquet"))]
    if extra:
        return Message("it holds files pvd-optim did not write ({names})",
                       names=", ".join(extra[:3]))
    return None


def check_target(
    path: str | Path,
    *,
    force: bool,
    kind: Kind = "folder",
    expected_bytes: int = 0,
    largest_file_bytes: int = 0,
) -> Target:
    """Refuse, with a one-line ``OutputError``, a target that cannot or must not be written.

    ``expected_bytes``: room the output needs on the file system;
    ``largest_file_bytes``: its largest file (against ``ulimit -f``). Neither
    is checked when 0. Returns the resolved target.
    """
    target = _resolve(path, kind)
    where = target.path
    if kind == "folder" and os.path.islink(where):
        # Renaming over a link would replace the link, not the folder it points to.
        raise OutputError(Message("is a symbolic link; give the folder itself"),
                          file=target.given)
    if os.path.lexists(where):
        try:
            mode = os.stat(where).st_mode
        except OSError:  # a dangling link
            mode = os.lstat(where).st_mode
        if kind == "folder":
            if not stat.S_ISDIR(mode):
                raise OutputError(Message("exists and is not a folder; choose another --out"),
                                  file=target.given)
            if not force:
                raise OutputError(Message("results folder already exists; choose another --out "
                                          "or pass --force to replace it"), file=target.given)
            reason = not_written_by_pvd_optim(where)
            if reason is not None:
                raise OutputError(Message("is not a folder pvd-optim wrote: {reason}; --force "
                                          "replaces only pvd-optim's own folders, so choose "
                                          "another --out or move the folder away",
                                          reason=reason), file=target.given)
        else:
            if stat.S_ISDIR(mode):
                raise OutputError(Message("is a folder, expected a file name"),
                                  file=target.given)
            if not stat.S_ISREG(mode):
                raise OutputError(Message("exists and is not a regular file (a device, a pipe "
                                          "or a socket); give the name of a file"),
                                  file=target.given)
            if not force:
                raise OutputError(Message("file already exists; choose another name or pass "
                                          "--force"), file=target.given)
    ancestor = _existing_ancestor(target)
    _check_room(target, ancestor, expected_bytes, largest_file_bytes)
    return target
