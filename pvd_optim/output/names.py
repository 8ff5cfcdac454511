"""Names of output folders and files, and of the temporaries and locks beside them.

File systems cap one name at 255 bytes (``NAME_MAX``). A results folder is
written as ``.NAME.tmp-PID-TOKEN`` beside its target and locked through
``.NAME.lock``, so those names are built from a *stem* short enough for the
suffixes: the target's own name when it fits, else its first bytes and a hash
of the whole. Names derived from a scenario (the default ``results/NAME``) are
kept well below the cap.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

#: The name length limit assumed where the file system does not say (Linux, macOS, Windows).
DEFAULT_NAME_MAX = 255
#: Longest folder or file name derived from a scenario name or an input name, in bytes.
MAX_DERIVED_NAME_BYTES = 100
#: Room the temporary suffixes need: ``.`` + ``.tmp-`` + a PID (<= 10 digits) + ``-`` + token.
_SUFFIX_BYTES = 1 + 5 + 10 + 1 + 16

_UNSAFE = re.compile(r"[^\w.-]+")


def name_max(folder: Path) -> int:
    """The longest name (bytes) ``folder``'s file system allows."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return DEFAULT_NAME_MAX


def name_bytes(name: str) -> int:
    """Length of ``name`` as the file system counts it (bytes of its encoding)."""
    return len(os.fsencode(name))


def _shorten(text: str, limit_bytes: int) -> str:
    """``text`` cut to at most ``limit_bytes`` bytes, ending in a hash of the whole when cut."""
    if name_bytes(text) <= limit_bytes:
        return text
    digest = hashlib.sha256(os.fsencode(text)).hexdigest()[:12]
    keep = limit_bytes - len(digest) - 1
    head = os.fsencode(text)[:keep].decode("utf-8", errors="ignore")
    return f"{head}~{digest}"


def safe_name(text: str, *, default: str) -> str:
    """``text`` as one safe folder or file name: no separators, no leading dots, short.

    Runs of characters other than letters, digits, ``.``, ``-`` and ``_`` become
    ``-``; a name longer than :data:`MAX_DERIVED_NAME_BYTES` bytes keeps its first
    bytes and ends in a hash of the whole, so distinct long names stay distinct.
    """
    cleaned = _UNSAFE.sub("-", text).strip(".-")
    return _shorten(cleaned, MAX_DERIVED_NAME_BYTES) if cleaned else default


def stem(target: Path) -> str:
    """The part of the temporary and lock names that stands for ``target``."""
    limit = name_max(target.parent) - _SUFFIX_BYTES
    return _shorten(target.name, max(limit, 32))


def lock_path(target: Path) -> Path:
    """The lock file beside ``target``."""
    return target.with_name(f".{stem(target)}.lock")


def temp_path(target: Path, token: str) -> Path:
    """A temporary beside ``target``, named after this process."""
    return target.with_name(f".{stem(target)}.tmp-{os.getpid()}-{token}")


def aside_path(target: Path) -> Path:
    """Where the fallback replacement puts the previous folder for a moment."""
    return target.with_name(f".{stem(target)}.old-{os.getpid()}")


def leftover_pattern(target: Path) -> re.Pattern[str]:
    """Matches the temporaries and set-aside folders of ``target``; group ``pid`` and ``kind``."""
    return re.compile(rf"\.{re.escape(stem(target))}\.(?P<kind>tmp|old)-(?P<pid>\d+)(?:-\w+)?")
