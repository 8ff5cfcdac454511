"""Reading planners' text files: one set of checks and messages for YAML and CSV alike.

Spreadsheets and editors save text in many ways; each wrong way gets a message
that says what the file is and how to save it properly, with the line where
that can be known.
"""

from __future__ import annotations

from pathlib import Path

from pvd_optim.errors import InputError

#: How to save UTF-8 from the spreadsheet planners use most.
EXCEL_HINT = " (in Excel: 'CSV UTF-8 (comma delimited)')"


def decode_text(
    raw: bytes, *, file: str | Path, error: type[InputError] = InputError, hint: str = ""
) -> str:
    """``raw`` as text (UTF-8, with or without BOM), or ``error`` saying how to fix the file.

    ``hint`` is appended to "save it as UTF-8" (e.g. :data:`EXCEL_HINT` for CSV files).
    """
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise error(
            "is an Excel workbook, not a text file; in Excel use 'Save as' > "
            "'CSV UTF-8 (comma delimited)'",
            file=file,
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4]:
        raise error(
            f"file is UTF-16 text ('Unicode'), not UTF-8; save it as UTF-8{hint}",
            file=file,
            line=1,
        )
    if b"\x00" in raw:
        raise error(
            f"file contains NUL bytes: it is not a text file; save it again as UTF-8{hint}",
            file=file,
            line=raw[: raw.index(b"\x00")].count(b"\n") + 1,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"file is not valid UTF-8 text (byte 0x{raw[exc.start]:02x}, probably "
            f"Windows-1252/Latin-1); save it as UTF-8{hint}",
            file=file,
            line=raw[: exc.start].count(b"\n") + 1,
        ) from None
