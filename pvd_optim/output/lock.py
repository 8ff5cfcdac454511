"""One writer per target: a lock held from the check before solving to the final swap.

Two runs into the same ``--out`` must not both succeed (without ``--force``,
the later would silently replace the earlier, since each checked the target
before its solve). :func:`reserve` takes an exclusive ``flock`` on a lock file
beside the target (``.NAME.lock``) without waiting: a second run is refused
at once with the first one's PID. The lock file is removed on release; the
lock is taken again if the file was replaced meanwhile, so removal never lets
two holders in. A process killed while holding it releases it (the kernel drops
``flock`` locks with the process); the file it leaves behind is reused.

Under the lock, leftovers of killed runs are cleaned: temporaries
(``.NAME.tmp-PID-...``) whose process is gone are deleted, and a previous folder
set aside by the fallback replacement (``.NAME.old-PID``) is put back when the
target is missing (else deleted).

Without ``fcntl`` (not POSIX) there is no lock; the writer still never leaves a
half-written folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from pvd_optim.errors import OutputError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.output.names import leftover_pattern, lock_path
from pvd_optim.output.target import Kind, Target, check_target, os_error

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

#: Targets this process holds, by absolute path, with how many ``reserve`` calls hold each.
_HELD: dict[Path, int] = {}


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OverflowError:
        return False
    return True


def clean_leftovers(target: Path) -> None:
    """Delete the temporaries of dead runs beside ``target``; restore a set-aside folder.

    Call only while holding the target's lock.
    """
    pattern = leftover_pattern(target)
    try:
        entries = os.listdir(target.parent)
    except OSError:
        return
    for entry in sorted(entries):
        match = pattern.fullmatch(entry)
        if match is None or _process_alive(int(match["pid"])):
            continue
        leftover = target.parent / entry
        if match["kind"] == "old" and not os.path.lexists(target):
            # The fallback replacement was killed between its two renames: the previous
            # folder is complete, the new one was never reported written.
            os.rename(leftover, target)
        elif os.path.isdir(leftover) and not os.path.islink(leftover):
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(leftover)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return f" (PID {text})"
    return ""


def _acquire(target: Target) -> int | None:
    """The file descriptor holding the lock of ``target``, or ``None`` without ``fcntl``."""
    if fcntl is None:  # pragma: no cover
        return None
    path = lock_path(target.path)
    for _ in range(100):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise os_error(exc, target.given, f"create the lock file {path.name} beside it") \
                from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise OutputError(Message("another pvd-optim run{holder} is writing it now; wait for "
                                      "that run to finish or choose another --out",
                                      holder=holder), file=target.given) from None
        except OSError as exc:
            os.close(fd)
            raise os_error(exc, target.given, f"lock {path.name}") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)  # the holder removed the file as we opened it: take the new one
    raise OutputError(Message("cannot take the lock: it keeps changing"), file=target.given)


def _release(target: Target, fd: int | None) -> None:
    if fd is None:  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        os.unlink(lock_path(target.path))
    os.close(fd)


@contextlib.contextmanager
def reserve(
    path: str | Path,
    *,
    force: bool,
    kind: Kind = "folder",
    expected_bytes: int = 0,
    largest_file_bytes: int = 0,
) -> Iterator[Target]:
    """Check ``path`` (:func:`check_target`), lock it and clean leftovers, for the block.

    Nested calls for the same target in one process (the command line reserves
    before solving, the writer again before writing) share the lock and check
    the target again.
    """
    target = check_target(path, force=force, kind=kind, expected_bytes=expected_bytes,
                          largest_file_bytes=largest_file_bytes)
    if target.path in _HELD:
        _HELD[target.path] += 1
        try:
            yield target
        finally:
            _HELD[target.path] -= 1
        return
    try:
        target.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, target.given, f"create the folder {target.path.parent}") from None
    fd = _acquire(target)
    _HELD[target.path] = 1
    try:
        try:
            clean_leftovers(target.path)
        except OSError as exc:
            raise os_error(exc, target.given, N_("clean the leftovers of an interrupted run")) \
                from None
        # Checked again under the lock: another run may have written it meanwhile.
        target = check_target(path, force=force, kind=kind, expected_bytes=expected_bytes,
                              largest_file_bytes=largest_file_bytes)
        yield target
    finally:
        del _HELD[target.path]
        _release(target, fd)
