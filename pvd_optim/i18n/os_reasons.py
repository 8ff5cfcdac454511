"""The operating system's reasons in the reader's language: why a file could not be opened,
read, written or renamed.

The OS words its refusals itself (``strerror``, in the C library's language, often
English whatever the locale). The common ones are catalogue messages here, chosen by
``errno``; any other keeps the OS's own text.
"""

from __future__ import annotations

import errno

from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message

#: The common reasons, by ``errno`` (the one owner of their wording).
REASONS: dict[int, str] = {
    errno.ENOENT: N_("no such file or folder"),
    errno.ENOSPC: N_("no space left on the file system"),
    errno.EDQUOT: N_("disk quota exceeded"),
    errno.EFBIG: N_("file too large (the file-size limit, `ulimit -f`, or the file system's)"),
    errno.EROFS: N_("read-only file system"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.ENAMETOOLONG: N_("name too long for the file system"),
    errno.ENOTDIR: N_("a part of the path is a file, not a folder"),
    errno.EISDIR: N_("is a folder"),
    errno.ELOOP: N_("a loop of symbolic links"),
    errno.EXDEV: N_("the temporary and the target are on different file systems"),
}


def os_reason(exc: OSError) -> str:
    """Why the OS refused: a catalogue :class:`Message` for a common ``errno``, else its text."""
    code = exc.errno or 0
    if code in REASONS:
        return Message(REASONS[code])
    return exc.strerror or type(exc).__name__


__all__ = ["REASONS", "os_reason"]
