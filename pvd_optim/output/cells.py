"""Text cells a spreadsheet would run as formulas, made inert: the one owner of that rule.

Follows the OWASP guidance on CSV injection
(https://owasp.org/www-community/attacks/CSV_Injection): a text cell that a
spreadsheet could read as a formula gets a leading single quote, which makes
Excel, LibreOffice and Google Sheets show it as text. A cell is formula-like when

* it begins with a tab, a carriage return or a line feed, or
* its first character that is not white space (spaces, tabs, line breaks, the
  no-break and ideographic spaces...) is ``=``, ``+``, ``-``, ``@``, ``|`` or
  ``%``, or a compatibility form of one of them (fullwidth ``＝``, small ``﹦``...:
  anything Unicode NFKC normalisation turns into one of those characters).

Only text cells (and header cells) change; numbers, negative ones included,
stay numbers. Every CSV and Excel writer of the package goes through
:func:`neutralise_formulas`, and every CSV through :func:`csv_text`.
"""

from __future__ import annotations

import csv
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Characters that start a formula (or a DDE call) in a spreadsheet.
FORMULA_STARTS = frozenset("=+-@|%")
#: Leading control characters that a spreadsheet may drop before reading a formula.
LEADING_CONTROLS = frozenset("\t\r\n")
#: What is put in front of a formula-like cell.
PREFIX = "'"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could run ``text`` as a formula (see the module docstring)."""
    if not text:
        return False
    if text[0] in LEADING_CONTROLS:
        return True
    stripped = text.lstrip()
    if not stripped:
        return False
    return unicodedata.normalize("NFKC", stripped[0])[:1] in FORMULA_STARTS


def safe_cell(value: object) -> object:
    """``value`` with a leading quote if it is formula-like text; anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return PREFIX + value
    return value


def _safe_labels(index: pd.Index) -> pd.Index:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(safe_cell(v) for v in key) for key in index], names=index.names)
    if index.dtype.kind in "biufcmM":
        return index
    return index.map(safe_cell)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose formula-like text cells, index and header cells are quoted.

    Header cells are cells too: a scenario named ``=1+1`` becomes a column name.
    """
    out = frame.copy()
    for position in range(out.shape[1]):  # by position: column names may repeat
        series = out.iloc[:, position]
        if series.dtype.kind in "biufcmM":
            continue
        out.isetitem(position, series.map(safe_cell).array)
    out.index = _safe_labels(out.index)
    out.columns = _safe_labels(out.columns)
    return out


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    cells = [frame.iloc[:, i] for i in range(frame.shape[1])
             if frame.iloc[:, i].dtype.kind not in "biufcmM"]
    return any(series.map(lambda v: isinstance(v, str) and "\r" in v).any()
               for series in cells) or any("\r" in str(c) for c in frame.columns)


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` (without its index) as CSV text, formula-like cells neutralised.

    Lines end in ``\n``. Python's CSV writer quotes a cell holding a line feed
    but not one holding a lone carriage return, which a spreadsheet reads as a
    line break: a table with such a cell has all its text cells quoted.
    """
    safe = neutralise_formulas(frame)
    if _has_carriage_return(safe):
        return safe.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    return safe.to_csv(index=False, lineterminator="\n")
