"""What is already decided: a planner's CSV of commitments, checked line by line.

A commitment is a lower bound of the allocation: funding or expert-days to a town
and theme in a year, a town covered in a year, posts of a group in a year. The CSV
has a ``year`` column and, on each row, either ``insee`` (with ``covered`` (1),
``funding_eur`` and ``days``, the last two with ``theme``) or ``group`` (with
``posts``). ``,`` or ``;`` separates cells (sniffed from the header, as for every
planner CSV); decimal commas are accepted with ``;``. Every problem is a
``DataError`` naming the file, the line and the column. An earlier run's results
folder gives :class:`Commitments` too (``pvd_optim.output.commitments``), then with
its years *locked*: fixed exactly, not as lower bounds.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.codes import INSEE_CODE
from pvd_optim.errors import DataError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import EUR_PER_UNIT
from pvd_optim.textfiles import EXCEL_HINT, MAX_CSV_BYTES, decode_text, read_regular_file

if TYPE_CHECKING:
    import pandas as pd

#: The columns a commitments CSV may have.
COLUMNS = ("insee", "group", "year", "theme", "covered", "funding_eur", "days", "posts")
#: Most rows of one CSV: every current commune, 12 themes, 30 years (a results folder is
#: read another way).
MAX_ROWS = 2_000_000


@dataclass(frozen=True, eq=False)
class Commitments:
    """Commitments by year, keyed by INSEE code, theme and group label (not by position).

    ``towns``: columns ``year``, ``insee``, ``theme`` ("" for coverage alone),
    ``funding_keur``, ``days``, ``covered`` (0/1) and ``line``; ``posts``: ``year``,
    ``group``, ``posts``, ``line``. ``locked_years`` are fixed exactly (an earlier
    results folder, with ``carry_out_keur`` per locked year); otherwise every amount
    is a lower bound. ``line`` is 0 when the commitment comes from a results folder.
    """

    source: Path
    towns: pd.DataFrame
    posts: pd.DataFrame
    locked_years: tuple[int, ...] = ()
    carry_out_keur: dict[int, float] = field(default_factory=dict)

    def error(self, message: str, line: int, column: str | None = None) -> DataError:
        """A ``DataError`` at a line of the CSV (or about the folder, line 0)."""
        return DataError(message, file=self.source, line=line or None, field=column)

    @property
    def years(self) -> tuple[int, ...]:
        """Every year with a commitment, in order."""
        found = set(self.towns["year"].tolist()) | set(self.posts["year"].tolist())
        return tuple(sorted(found | set(self.locked_years)))


def _number(cell: str, *, separator: str) -> float:
    text = cell.strip()
    if separator == ";" and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan") or "_" in text:
        raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_commitments_csv(path: str | Path, *, known_codes: pd.Index,
                         field: str = "commitments.csv") -> Commitments:
    """Read and check a CSV of commitments; every problem is a located ``DataError``."""

    file = Path(path)
    raw = read_regular_file(file, max_bytes=MAX_CSV_BYTES, what=N_("commitments CSV"),
                            error=DataError, field=field)
    text = decode_text(raw, file=file, error=DataError, hint=EXCEL_HINT)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataError(Message("is empty: it needs a header line with `year` and `insee` or "
                                "`group`"), file=file, line=1)
    separator = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = [cell.strip() for cell in next(reader)]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise DataError(Message("unknown column(s) {unknown}; the columns are {columns}",
                                unknown=str(unknown), columns=", ".join(COLUMNS)),
                        file=file, line=1, field=unknown[0])
    if len(set(header)) != len(header) or "year" not in header or not (
            {"insee", "group"} & set(header)):
        raise DataError(Message("the header needs `year` and `insee` (towns) or `group` "
                                "(posts), each once"), file=file, line=1)
    known = set(known_codes)
    towns: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if number > MAX_ROWS + 1:
            raise DataError(Message("has more than {limit:,} rows", limit=MAX_ROWS), file=file,
                            line=number)
        if len(row) != len(header):
            raise DataError(Message("has {cells} cells where the header has {columns}",
                                    cells=len(row), columns=len(header)), file=file, line=number)
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=True)}

        def fail(message: Message, column: str, line: int = number) -> DataError:
            return DataError(message, file=file, line=line, field=column)

        def value(column: str, *, whole: bool = False, row_cells: dict[str, str] = cells,
                  line: int = number) -> float | None:
            cell = row_cells.get(column, "")
            if not cell:
                return None
            try:
                amount = _number(cell, separator=separator)
            except ValueError:
                raise fail(Message("{cell} is not a number", cell=repr(cell)), column,
                           line) from None
            if amount < 0:
                raise fail(Message("{cell} is negative; commitments are amounts >= 0",
                                   cell=repr(cell)), column, line)
            if whole and amount != int(amount):
                raise fail(Message("{cell} is not a whole number", cell=repr(cell)), column, line)
            return amount

        year = value("year", whole=True)
        if year is None:
            raise fail(Message("has no year"), "year")
        insee, group = cells.get("insee", ""), cells.get("group", "")
        if bool(insee) == bool(group):
            raise fail(Message("give either an INSEE code (a town) or a group (posts) on each "
                               "row"), "insee" if insee else "group")
        if group:
            count = value("posts", whole=True)
            extra = [c for c in ("theme", "covered", "funding_eur", "days") if cells.get(c)]
            if count is None or extra:
                raise fail(Message("a group's row gives `posts` only"),
                           extra[0] if extra else "posts")
            key: tuple[Any, ...] = ("group", int(year), group)
            if key in seen:
                raise fail(Message("posts of group {group} in {year} are already given on line "
                                   "{line}", group=group, year=int(year), line=seen[key]),
                           "group")
            seen[key] = number
            posts.append({"year": int(year), "group": group, "posts": count, "line": number})
            continue
        code = insee.upper()
        if not INSEE_CODE.fullmatch(code) or code not in known:
            raise fail(Message("{code} is not a current commune's INSEE code (5 characters, "
                               "e.g. '01033'); a code that lost its leading zero needs quotes "
                               "in Excel", code=repr(insee)), "insee")
        if cells.get("posts"):
            raise fail(Message("posts are given per group, on a row with `group`"), "posts")
        covered = value("covered", whole=True)
        if covered is not None and covered not in (0.0, 1.0):
            raise fail(Message("covered is 1 (the town is covered) or empty"), "covered")
        funding, days = value("funding_eur"), value("days")
        theme = cells.get("theme", "")
        if (funding is not None or days is not None) and not theme:
            raise fail(Message("funding and days are committed to a theme: give `theme`"),
                       "theme")
        if theme and funding is None and days is None:
            raise fail(Message("a theme without funding_eur or days commits nothing"), "theme")
        key = ("town", int(year), code, theme)
        if key in seen:
            raise fail(Message("{code} {theme} in {year} is already given on line {line}",
                               code=code, theme=theme or Message("coverage"), year=int(year),
                               line=seen[key]), "insee")
        seen[key] = number
        towns.append({"year": int(year), "insee": code, "theme": theme,
                      "funding_keur": (funding or 0.0) / EUR_PER_UNIT, "days": days or 0.0,
                      "covered": int(covered or 0), "line": number})
    return Commitments(file, _town_frame(towns), _post_frame(posts))


def _town_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=["year", "insee", "theme", "funding_keur", "days",
                                       "covered", "line"])


def _post_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=["year", "group", "posts", "line"])


__all__ = ["COLUMNS", "Commitments", "read_commitments_csv"]
