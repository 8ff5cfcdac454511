"""Reading planners' text files: one set of checks and messages for YAML and CSV alike.

Spreadsheets and editors save text in many ways; each wrong way gets a message
that says what the file is and how to save it properly, with the line where
that can be known.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.i18n.os_reasons import os_reason

#: How to save UTF-8 from the spreadsheet planners use most.
EXCEL_HINT = Message(" (in Excel: 'CSV UTF-8 (comma delimited)')")

#: Largest scenario file read (one file of an ``extends`` chain). The shipped scenarios
#: are under 2 kB; a scenario is a page of settings, never data.
MAX_SCENARIO_BYTES = 1 << 20  # 1 MiB
#: Largest planner CSV read (indicators or scores). All 34,969 communes with 300
#: indicator columns of 8-character numbers take about 85 MB.
MAX_CSV_BYTES = 256 << 20  # 256 MiB


def _size_text(n_bytes: int) -> Message:
    if n_bytes >= 1 << 20:
        return Message("{size:,.1f} MiB", size=n_bytes / (1 << 20))
    return Message("{size:,} bytes", size=n_bytes)


def noun(what: str) -> str:
    """``what`` (an ``N_``-marked noun such as "scenario file") as a catalogue message.

    Text the catalogue does not know is shown as written; text with braces (a path
    inside a phrase) is kept as plain text, never read as a template.
    """
    if isinstance(what, Message) or "{" in what or "}" in what:
        return what
    return Message(what)


def read_regular_file(
    path: str | Path,
    *,
    max_bytes: int,
    what: str,
    error: type[InputError] = InputError,
    field: str | None = None,
) -> bytes:
    """The bytes of ``path``, read once, if it is a readable regular file of at most ``max_bytes``.

    Anything else (missing, a directory, a device, a FIFO, a socket, a loop of
    symbolic links, unreadable, larger than the limit, or growing past it while
    read) is ``error`` naming the file, with ``what`` it should be ("scenario file",
    "planner CSV"...). The size is checked on the opened file (no race between a
    check and the read), and the read stops at ``max_bytes + 1`` bytes whatever
    ``stat`` said, so an endless file cannot exhaust memory.
    """
    file = str(path)
    what = noun(what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file, flags)
    except FileNotFoundError:
        raise error(Message("{what} not found; check the path", what=what), file=file,
                    field=field) from None
    except IsADirectoryError:
        raise error(Message("is a directory, not a {what}", what=what), file=file,
                    field=field) from None
    except PermissionError:
        raise error(Message("cannot read the {what}: permission denied", what=what), file=file,
                    field=field) from None
    except OSError as exc:
        raise error(Message("cannot open the {what}: {reason}", what=what,
                            reason=os_reason(exc)),
                    file=file, field=field) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (Message("a directory") if stat.S_ISDIR(info.st_mode) else
                    Message("a named pipe (FIFO)") if stat.S_ISFIFO(info.st_mode) else
                    Message("a device") if stat.S_ISCHR(info.st_mode)
                    or stat.S_ISBLK(info.st_mode) else
                    Message("a socket") if stat.S_ISSOCK(info.st_mode)
                    else Message("not a regular file"))
            raise error(Message("is {kind}, not a {what}; give the path of a file", kind=kind,
                                what=what), file=file, field=field)
        if info.st_size > max_bytes:
            raise error(Message("the {what} is {size}, more than the {limit} limit; is it the "
                                "right file?", what=what, size=_size_text(info.st_size),
                                limit=_size_text(max_bytes)), file=file, field=field)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise error(Message("the {what} grows past the {limit} limit while being "
                                    "read; give a regular, finished file", what=what,
                                    limit=_size_text(max_bytes)), file=file, field=field)
    except OSError as exc:
        raise error(Message("cannot read the {what}: {reason}", what=what,
                            reason=os_reason(exc)), file=file,
                    field=field) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def decode_text(
    raw: bytes, *, file: str | Path, error: type[InputError] = InputError, hint: str = ""
) -> str:
    """``raw`` as text (UTF-8, with or without BOM), or ``error`` saying how to fix the file.

    ``hint`` is appended to "save it as UTF-8" (e.g. :data:`EXCEL_HINT` for CSV files).
    """
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise error(
            Message("is an Excel workbook, not a text file; in Excel use 'Save as' > "
                    "'CSV UTF-8 (comma delimited)'"),
            file=file,
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4]:
        raise error(
            Message("file is UTF-16 text ('Unicode'), not UTF-8; save it as UTF-8{hint}",
                    hint=hint),
            file=file,
            line=1,
        )
    if b"\x00" in raw:
        raise error(
            Message("file contains NUL bytes: it is not a text file; save it again as "
                    "UTF-8{hint}", hint=hint),
            file=file,
            line=raw[: raw.index(b"\x00")].count(b"\n") + 1,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            Message("file is not valid UTF-8 text (byte 0x{byte}, probably "
                    "Windows-1252/Latin-1); save it as UTF-8{hint}", byte=f"{raw[exc.start]:02x}",
                    hint=hint),
            file=file,
            line=raw[: exc.start].count(b"\n") + 1,
        ) from None
