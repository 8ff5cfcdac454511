"""Write a folder or a file so that its path always holds a complete version.

A folder is written into a temporary sibling (``.NAME.tmp-PID-TOKEN``), every
file and the folder synced to disk, and then swapped in:

* **an exchange** where the system has one: Linux ``renameat2(RENAME_EXCHANGE)``
  swaps the new folder and the old one in one step, so the path holds the old
  folder or the new one at every instant, whatever kills the process; the old
  folder, now under the temporary name, is deleted afterwards.
* **the fallback** elsewhere (other systems, file systems without the
  exchange): the old folder is renamed aside to ``.NAME.old-PID`` and the new
  one renamed in. A kill between those two renames leaves the path missing for
  that instant, with both folders complete beside it; the next write to that
  target (which holds the lock) renames the old one back (:mod:`.lock`).

A new target with nothing at its path is a single rename (``RENAME_NOREPLACE``
where available). A single file is written the same way and moved in with
``os.replace``, which is atomic everywhere.

Files and folders are created with the ordinary permissions (``0o666`` and
``0o777`` less the umask), as the user's other files: results are shared documents.

Fault injection, for tests only: the environment variable ``PVD_OPTIM_FAULT``
(read only here, off unless set) names points of the writer, comma-separated,
where the process kills itself with ``SIGKILL`` (``after-exchange``) or stops
with ``SIGSTOP`` (``before-exchange:stop``); ``no-exchange`` forces the fallback.
Points: ``while-writing`` (some files written), ``before-exchange`` (the new
folder complete, nothing swapped), ``after-aside`` (fallback only: the old folder
set aside, the new one not yet in), ``after-exchange`` (the new folder in place,
the old one not yet deleted).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from pvd_optim.i18n import N_
from pvd_optim.output.lock import reserve
from pvd_optim.output.names import aside_path, temp_path
from pvd_optim.output.target import Target, os_error

FAULT_VARIABLE = "PVD_OPTIM_FAULT"
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


def fault_point(point: str) -> None:
    """Kill or stop this process at ``point`` if ``PVD_OPTIM_FAULT`` asks (tests only)."""
    spec = os.environ.get(FAULT_VARIABLE)
    if not spec:
        return
    for item in spec.split(","):
        name, _, action = item.strip().partition(":")
        if name == point:
            os.kill(os.getpid(), signal.SIGSTOP if action == "stop" else signal.SIGKILL)


def _fallback_forced() -> bool:
    return "no-exchange" in os.environ.get(FAULT_VARIABLE, "").split(",")


def _renameat2(source: Path, destination: Path, flags: int) -> bool:
    """``renameat2(source, destination, flags)``; False when the system lacks it."""
    if not sys.platform.startswith("linux") or _fallback_forced():
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):  # glibc before 2.28, or another C library
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(destination), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # the kernel or this file system does not support the flag
    raise OSError(code, os.strerror(code), str(source), None, str(destination))


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every system can sync a folder
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_new(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def _new_temp(target: Target, content: bytes | None) -> Path:
    """A new temporary beside ``target``: a folder, or a file holding ``content``."""
    for _ in range(100):
        tmp = temp_path(target.path, secrets.token_hex(4))
        try:
            if content is None:
                os.mkdir(tmp, 0o777)
            else:
                _write_new(tmp, content)
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.path))


def _remove(path: Path) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _swap_in(tmp: Path, target: Path) -> None:
    """Put the complete folder ``tmp`` at ``target``; the previous folder (if any) goes."""
    parent = target.parent
    if not os.path.lexists(target):
        if not _renameat2(tmp, target, _RENAME_NOREPLACE):
            os.rename(tmp, target)
        _fsync_dir(parent)
        return
    if _renameat2(tmp, target, _RENAME_EXCHANGE):
        _fsync_dir(parent)
        fault_point("after-exchange")
        _remove(tmp)  # now the previous folder
        return
    aside = aside_path(target)
    os.rename(target, aside)
    fault_point("after-aside")
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(aside, target)
        raise
    _fsync_dir(parent)
    fault_point("after-exchange")
    _remove(aside)


def replace_folder(out_dir: str | Path, files: Mapping[str, bytes], *, force: bool = False
                   ) -> Path:
    """Write ``files`` (name -> bytes) as the folder ``out_dir``, atomically.

    Refuses (``OutputError``) an existing folder without ``force``, and with it
    any folder pvd-optim did not write; a failure while writing leaves the
    previous folder as it was and is an ``OutputError`` with the path and reason.
    """
    with reserve(out_dir, force=force) as target:
        tmp: Path | None = None
        try:
            tmp = _new_temp(target, None)
            for position, (name, content) in enumerate(files.items()):
                _write_new(tmp / name, content)
                if position == 0:
                    fault_point("while-writing")
            _fsync_dir(tmp)
            fault_point("before-exchange")
            _swap_in(tmp, target.path)
            tmp = None
        except OSError as exc:
            raise os_error(exc, target.given, N_("write the folder")) from None
        finally:
            if tmp is not None:
                _remove(tmp)
    return Path(out_dir)


def write_file_atomic(path: str | Path, content: bytes, *, force: bool = False) -> Path:
    """Write one file through a temporary sibling and a rename (never half-written)."""
    with reserve(path, force=force, kind="file") as target:
        tmp: Path | None = None
        try:
            tmp = _new_temp(target, content)
            fault_point("before-exchange")
            os.replace(tmp, target.path)
            tmp = None
            _fsync_dir(target.path.parent)
        except OSError as exc:
            raise os_error(exc, target.given, N_("write the file")) from None
        finally:
            if tmp is not None:
                _remove(tmp)
    return Path(path)
