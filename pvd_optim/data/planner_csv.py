"""The one reader of planners' CSV files keyed by INSEE code: indicators and scores alike.

A planner's file (``data.planner_indicators``, ``themes.scores_csv``) is read
once, as a regular file of bounded size (:func:`pvd_optim.textfiles.read_regular_file`),
decoded as UTF-8, and checked before any value is used: ``,`` or ``;`` as
separator (sniffed from the header line), decimal commas with ``;``, an empty
cell meaning "no value", ``nan`` / ``inf`` refused, every code a current commune
listed once, every other column numeric. Each problem is a :class:`DataError`
naming the file, the line and the column.

Two paths give the same result. Most files (no quotes, plain numbers) are read by
pandas' C parser in one call, after text-level checks that guarantee it splits the
file as the checking path would; anything else - quotes, words, a cell pandas
cannot read as a number, a suspicious value - goes through the checking path, which
walks the file with the :mod:`csv` module and reports the first problem found.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.codes import INSEE_CODE_PATTERN
from pvd_optim.errors import DataError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message, joined
from pvd_optim.textfiles import EXCEL_HINT, MAX_CSV_BYTES, decode_text, noun, read_regular_file

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PlannerCSV", "read_planner_csv"]

_INFINITY_WORDS = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_NAN_WORDS = frozenset({"nan", "-nan", "+nan"})
# The csv module ends a record at \r, \n or \r\n only (str.splitlines knows more breaks).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DECIMAL_COMMA = r"^([+-]?\d+),(\d+)$"
_INSEE_CODE = re.compile(INSEE_CODE_PATTERN)
# Below the header, the fast path takes only digits, signs, points, exponents,
# blanks and separators, and the letters of Corsican codes (2A, 2B).
_NOT_PLAIN = re.compile(r"[^0-9eE+\-.,; \tABab\n]")
# With ';', a comma that is not between the digits of a plain d,d number.
_NOT_DECIMAL_COMMA = re.compile(r"(?<![0-9]),|,(?![0-9])|,[0-9]*[eE.,]|[eE.][0-9]*,")


@dataclass(frozen=True, eq=False)
class PlannerCSV:
    """A checked planner CSV: one row per listed commune, one float64 column per value column.

    Attributes
    ----------
    path:
        The file read.
    separator:
        ``","`` or ``";"``, as sniffed from the header line.
    header_line:
        1-based line of the header.
    values:
        Index ``insee`` (upper-case codes, in file order); the value columns in
        header order, float64, NaN where the cell was empty.
    lines:
        1-based line of each row of ``values``.
    """

    path: Path
    separator: str
    header_line: int
    values: pd.DataFrame
    lines: np.ndarray

    def line_of(self, row: int) -> int:
        """The file line of the ``row``-th row of :attr:`values`."""
        return int(self.lines[row])

    def error(self, message: str, *, row: int | None = None, field: str | None = None
              ) -> DataError:
        """A :class:`DataError` at the line of ``row`` (the header line if ``None``)."""
        line = self.header_line if row is None else self.line_of(row)
        return DataError(message, file=self.path, line=line, field=field)


def _overflows(cell: str) -> bool:
    """Whether ``cell`` is a plain number too large for a float (it reads as infinity)."""
    if "_" in cell or cell.strip().lower().lstrip("+-") in _INFINITY_WORDS:
        return False  # float() reads '1_0' and 'inf', which no planner CSV may hold
    try:
        return bool(np.isinf(float(cell)))
    except ValueError:
        return False


def _sniff_separator(header: str) -> str:
    # The header alone decides: data cells may hold decimal commas.
    return ";" if header.count(";") > header.count(",") else ","


def _split_decimal(row: list[str], key_index: int) -> bool:
    """Whether two neighbouring non-key cells look like the halves of a decimal comma."""
    return any(
        row[j].strip().lstrip("+-").isdigit() and row[j + 1].strip().isdigit()
        for j in range(len(row) - 1)
        if key_index not in (j, j + 1)
    )


def _check_header(header: list[str], *, path: Path, line: int, key: str, sep: str,
                  value_columns: str, expected: Sequence[str] | None,
                  expected_hint: str) -> list[str]:
    if key not in header:
        raise DataError(
            Message("no '{key}' key column in the header (found: {found}); separator detected: "
                    "'{sep}'", key=key, found=", ".join(header), sep=sep),
            file=path, line=line, field=key,
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(Message("column appears twice in the header"), file=path, line=line,
                            field=name)
        if not name:
            raise DataError(Message("a header cell is empty; name every column"), file=path,
                            line=line)
        seen.add(name)
    columns = [c for c in header if c != key]
    if expected is not None:
        missing = [c for c in expected if c not in columns]
        if missing:
            raise DataError(Message("missing column(s) {missing}; expected {expected}",
                                    missing=str(missing), expected=str([key, *expected])),
                            file=path, line=line)
        unexpected = [c for c in columns if c not in expected]
        if unexpected:
            raise DataError(
                Message("unexpected column(s) {unexpected}: the columns are {columns}{hint}; "
                        "remove the others", unexpected=str(unexpected),
                        columns=", ".join([key, *expected]),
                        hint=noun(expected_hint) if expected_hint else ""),
                file=path, line=line, field=unexpected[0],
            )
    if not columns:
        raise DataError(Message("no {columns} besides '{key}'", columns=noun(value_columns),
                                key=key), file=path, line=line)
    return columns


def read_planner_csv(
    path: str | Path,
    *,
    known_codes: pd.Index,
    what: str,
    key: str = "insee",
    field: str | None = None,
    value_columns: str = N_("indicator columns"),
    allow_empty: bool = True,
    expected: Sequence[str] | None = None,
    expected_hint: str = "",
) -> PlannerCSV:
    """Read and check a planner CSV keyed by INSEE code; every problem is a located DataError.

    Parameters
    ----------
    path:
        The CSV file: a regular file of at most :data:`~pvd_optim.textfiles.MAX_CSV_BYTES`.
    known_codes:
        The current communes; a code outside them is an error.
    what:
        What the file is, for messages ("planner indicator file", "score file").
    key:
        The key column (current INSEE codes: 5 characters, digits or ``2A``/``2B``
        then 3 digits; lower-case letters accepted).
    field:
        The setting that named the file, for errors about the file itself
        (not found, not a regular file, too large).
    value_columns:
        What the other columns are, for messages ("indicator columns").
    allow_empty:
        Whether an empty cell is accepted (as NaN: "no value"); if not, it is an error.
    expected:
        If given, the value columns must be exactly these (in any order); a missing
        or an unexpected column is an error at the header, ``expected_hint``
        appended to its message.
    """
    file = Path(path)
    raw = read_regular_file(file, max_bytes=MAX_CSV_BYTES, what=what, error=DataError,
                            field=field)
    text = decode_text(raw, file=file, error=DataError, hint=EXCEL_HINT)
    if not text.strip():
        raise DataError(
            Message("file is empty; expected a header line with an '{key}' column and {columns}",
                    key=key, columns=noun(value_columns)),
            file=file,
        )
    fast = _read_fast(text, file, known_codes=known_codes, key=key)
    if (fast is not None and (allow_empty or not fast.values.isna().to_numpy().any())
            and (expected is None or set(fast.values.columns) == set(expected))):
        return fast
    return _read_checked(text, file, known_codes=known_codes, key=key,
                         value_columns=value_columns, allow_empty=allow_empty,
                         expected=expected, expected_hint=expected_hint)


def _read_fast(text: str, path: Path, *, known_codes: pd.Index, key: str) -> PlannerCSV | None:
    """The file read by pandas' C parser, or ``None`` if the checking path must read it.

    Taken only when the result is the checking path's, by construction:

    * no quote character: every physical line is one record, split at every
      separator, exactly as the :mod:`csv` module splits it;
    * only digits, signs, points, exponents, blanks and separators below the
      header (plus the letters of Corsican codes), so no word (``nan``, ``inf``,
      a unit) can be read as a number;
    * with ``;``, every comma a decimal comma between digits, as the checking
      path reads it;
    * pandas reads every value column as float64 with the routine that
      :func:`pandas.to_numeric` (the checking path) uses, and nothing overflows;
    * every code well-formed, known and listed once.

    Anything else returns ``None``, so the checking path reports the problem.
    ``tests/test_planner_csv.py`` checks on random files that both paths agree.
    """
    import pandas as pd

    if '"' in text:
        return None
    physical = _LINE_BREAK.split(text)
    header_at = next(i for i, line in enumerate(physical) if line.strip())
    sep = _sniff_separator(physical[header_at])
    header = [cell.strip() for cell in physical[header_at].split(sep)]
    if key not in header or len(set(header)) != len(header) or "" in header \
            or len(header) < 2:
        return None
    width = len(header) - 1
    numbers: list[int] = []
    body: list[str] = []
    for number, line in enumerate(physical[header_at + 1:], start=header_at + 2):
        if not line.replace(sep, "").strip():
            continue  # blank, or only separators: skipped by the checking path too
        if line.count(sep) != width:
            return None
        numbers.append(number)
        body.append(line)
    if not body:
        return None
    joined = "\n".join(body)
    if _NOT_PLAIN.search(joined) or (sep == ";" and _NOT_DECIMAL_COMMA.search(joined)):
        return None
    columns = [c for c in header if c != key]
    try:
        frame = pd.read_csv(
            io.StringIO(joined), sep=sep, header=None, names=header, dtype={key: str},
            keep_default_na=False, na_values={c: [""] for c in columns},
            decimal="," if sep == ";" else ".", engine="c",
        )
    except (ValueError, pd.errors.ParserError):
        return None
    if len(frame) != len(body) or any(frame[c].dtype != np.float64 for c in columns):
        return None
    values = frame[columns].to_numpy(dtype=np.float64)
    if np.isinf(values).any():
        return None  # an overflow: the checking path names the cell
    codes = np.char.upper(np.char.strip(frame[key].to_numpy(dtype=str))).tolist()
    index = pd.Index(codes, name="insee")
    if (not all(map(_INSEE_CODE.fullmatch, codes)) or not index.is_unique
            or (known_codes.get_indexer(index) < 0).any()):
        return None
    table = pd.DataFrame(values, index=index, columns=columns)
    return PlannerCSV(path, sep, header_at + 1, table, np.asarray(numbers, dtype=np.int64))


def _read_checked(text: str, path: Path, *, known_codes: pd.Index, key: str,
                  value_columns: str, allow_empty: bool, expected: Sequence[str] | None,
                  expected_hint: str) -> PlannerCSV:
    """The file walked with the :mod:`csv` module, reporting the first problem found."""
    import pandas as pd

    first_line = text.lstrip("\r\n").splitlines()[0]
    sep = _sniff_separator(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    header_line = 1
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header, header_line = [c.strip() for c in row], reader.line_num
                continue
            records.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        # The reason is Python's csv module's own English words.
        raise DataError(Message("unreadable CSV: {reason}", reason=str(exc)), file=path,
                        line=reader.line_num) from None
    if header is None:  # the text is not blank, so this cannot happen; never trust it
        raise DataError(Message("file has no header line"), file=path)
    columns = _check_header(header, path=path, line=header_line, key=key, sep=sep,
                            value_columns=value_columns, expected=expected,
                            expected_hint=expected_hint)
    if not records:
        raise DataError(Message("no data rows after the header"), file=path, line=header_line)
    for row, line in zip(records, lines, strict=True):
        if len(row) != len(header):
            hint: str = ""
            if any("\n" in cell for cell in row):
                hint = Message("; a quoted cell runs over several lines: a quote \" is probably "
                               "not closed")
            elif sep == "," and len(row) > len(header) and _split_decimal(row, header.index(key)):
                hint = Message("; a decimal comma (12,5) needs ';' as separator, or write 12.5")
            raise DataError(
                Message("{cells} cells where the header has {columns} (separator '{sep}'){hint}",
                        cells=len(row), columns=len(header), sep=sep, hint=hint),
                file=path,
                line=line,
            )

    cells = np.char.strip(np.array(records, dtype=str).reshape(len(records), len(header)))
    line_of = np.asarray(lines, dtype=np.int64)
    # Cells as Python strings (numpy's own would show as np.str_('...') in messages).
    codes = pd.Series(np.char.upper(cells[:, header.index(key)]).tolist(), dtype=object)

    def fail(message: Message, row: int, field: str | None = None) -> DataError:
        return DataError(message, file=path, line=int(line_of[row]), field=field)

    malformed = ~codes.str.fullmatch(INSEE_CODE_PATTERN).to_numpy(dtype=bool)
    if malformed.any():
        i = int(np.flatnonzero(malformed)[0])
        zero_hint: str = ""
        if codes.iloc[i].isdigit() and len(codes.iloc[i]) == 4:
            zero_hint = Message(" (a spreadsheet may have dropped a leading zero: store codes "
                                "as text)")
        raise fail(Message(
            "malformed INSEE code {code}: expected 5 characters, digits or 2A/2B then 3 "
            "digits{hint}", code=repr(str(cells[i, header.index(key)])), hint=zero_hint), i, key)
    dup = codes.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        first = codes[dup].iloc[0]
        where = line_of[(codes == first).to_numpy()].tolist()
        raise DataError(
            Message("INSEE code {code} appears twice (lines {lines})", code=first,
                    lines=joined(map(str, where), N_(" and "))),
            file=path, line=int(where[1]), field=key,
        )
    unknown = ~codes.isin(known_codes).to_numpy(dtype=bool)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise fail(Message(
            "INSEE code {code} is not a current commune (COG 2026); a merged commune uses the "
            "code of the commune it joined", code=codes.iloc[i]), i, key)

    advice = (Message("leave the cell empty for a missing value") if allow_empty
              else Message("write a number"))
    values = np.empty((len(records), len(columns)), dtype=np.float64)
    for j, name in enumerate(columns):
        column = pd.Series(cells[:, header.index(name)].tolist(), dtype=object)
        if sep == ";":
            column = column.str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
        lowered = column.str.lower()
        for words, kind in ((_INFINITY_WORDS, Message("infinite")), (_NAN_WORDS, "'nan'")):
            bad = lowered.isin(words).to_numpy(dtype=bool)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise fail(Message(
                    "{kind} value {value} (code {code}) is not accepted; {advice}", kind=kind,
                    value=repr(column.iloc[i]), code=codes.iloc[i], advice=advice), i, name)
        empty = (column == "").to_numpy(dtype=bool)
        if empty.any() and not allow_empty:
            i = int(np.flatnonzero(empty)[0])
            raise fail(Message("empty cell (code {code}); {advice}", code=codes.iloc[i],
                               advice=advice), i, name)
        numbers = pd.to_numeric(column.where(~empty, np.nan), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan, copy=True)  # written into below
        bad = np.isnan(numbers) & ~empty
        # pandas before 3 reads '1e400' as NaN, not infinity: ask Python, so that an
        # overflow is named as such whatever pandas version is installed.
        for at in np.flatnonzero(bad):
            if _overflows(str(column.iloc[int(at)])):
                numbers[at], bad[at] = np.inf, False
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            empty_advice: str = (Message(", or leave the cell empty for a missing value")
                                 if allow_empty else "")
            raise fail(Message(
                "value {value} (code {code}) is not a number; write a plain number (12.5, or "
                "12,5 with ';' as separator) without units, % signs or thousands "
                "separators{empty}", value=repr(column.iloc[i]), code=codes.iloc[i],
                empty=empty_advice), i, name)
        overflow = np.isinf(numbers)
        if overflow.any():
            i = int(np.flatnonzero(overflow)[0])
            raise fail(Message(
                "value {value} (code {code}) is too large to be a number (it overflows to "
                "infinity); check the cell", value=repr(column.iloc[i]), code=codes.iloc[i]),
                i, name)
        values[:, j] = numbers
    table = pd.DataFrame(values, index=pd.Index(codes.to_numpy(), name="insee"),
                         columns=columns)
    return PlannerCSV(path, sep, header_line, table, line_of)
