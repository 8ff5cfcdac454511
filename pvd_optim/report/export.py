"""The comparison's tables as CSV, one Excel workbook and Markdown, written atomically.

Every CSV cell and workbook cell goes through
:func:`pvd_optim.output.neutralise_formulas`; the tables folder is written by
:func:`pvd_optim.output.write_folder` (kind ``comparison``) and a report outside
it by :func:`pvd_optim.output.write_file_atomic`.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pvd_optim.i18n.message import Message
from pvd_optim.output import (
    csv_text,
    neutralise_formulas,
    reserve,
    write_file_atomic,
    write_folder,
)
from pvd_optim.output.rounding import decimals

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.report.tables import Comparison

REPORT_FILE = "report.html"
#: Room asked for before writing: the national comparison of 8 strategies writes about
#: 3 MB of tables and a 1 MB report (maps included).
EXPECTED_TABLES_BYTES = 32 << 20
EXPECTED_REPORT_BYTES = 8 << 20


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV, formula-like text neutralised."""
    return csv_text(frame).encode()


#: Extra sheets of the workbook: readers' labels of every column, and the data credits.
LABELS_SHEET, SOURCES_SHEET = "labels", "sources"


def labels_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per table and column: the stable identifier and its English and French labels."""
    import pandas as pd

    from pvd_optim.i18n import LANGUAGES, translator
    from pvd_optim.report.labels import column_label

    rows = []
    for name, frame in tables.items():
        for column in frame.columns:
            row = {"table": name, "column": str(column)}
            for language in LANGUAGES:
                row[f"label_{language}"] = (column_label(translator(language), str(column))
                                            or str(column))
            rows.append(row)
    return pd.DataFrame(rows, columns=["table", "column",
                                       *(f"label_{lang}" for lang in LANGUAGES)])


def sources_table() -> pd.DataFrame:
    """The data credits (Licence Ouverte sources, ANCT outlines), in every language."""
    import pandas as pd

    from pvd_optim.i18n import LANGUAGES, translator
    from pvd_optim.town.html import attribution

    return pd.DataFrame({"language": list(LANGUAGES),
                         "attribution": [attribution(translator(lang)) for lang in LANGUAGES]})


def excel_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per table (Excel caps sheet names at 31 characters), then the
    ``labels`` sheet (English and French label of every column) and the ``sources`` sheet."""
    import pandas as pd

    buffer = io.BytesIO()
    sheets = {**tables, LABELS_SHEET: labels_table(tables), SOURCES_SHEET: sources_table()}
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralise_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def _md_cell(value: object, column: str = "") -> str:
    """A table cell for people: numbers with thousands separators and the decimals their
    column keeps when written (``output.rounding``), no exponent, no trailing zeros."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "" if math.isnan(value) else str(value)
        text = f"{value:,.{decimals(column)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(tables: Mapping[str, pd.DataFrame], notes: list[str] | None = None) -> str:
    """Every table as a GitHub-flavoured Markdown section, then the data credits."""
    from pvd_optim.i18n import active
    from pvd_optim.town.html import attribution

    lines = ["# " + active().gettext("Allocation comparison tables"), ""]
    for note in notes or []:
        lines += [f"> {note}", ""]
    for name, frame in tables.items():
        lines += [f"## {name}", ""]
        if frame.empty:
            lines += ["(empty)", ""]
            continue
        lines.append("| " + " | ".join(_md_cell(c) for c in frame.columns) + " |")
        lines.append("|" + "|".join("---" if frame[c].dtype.kind not in "iuf" else "---:"
                                    for c in frame.columns) + "|")
        columns = [str(c) for c in frame.columns]
        for record in frame.itertuples(index=False, name=None):
            lines.append("| " + " | ".join(_md_cell(v, c) for v, c in zip(record, columns,
                                                                           strict=True)) + " |")
        lines.append("")
    lines += [attribution(active()), ""]
    return "\n".join(lines)


@contextlib.contextmanager
def reserve_report(out_dir: str | Path, report: str | Path | None, *, force: bool
                   ) -> Iterator[tuple[Path, bool]]:
    """Check and lock the tables folder and the report file for the block.

    Yields the report's path and whether it goes inside the tables folder.
    ``compare`` holds this from before its solves to the end of the writing, so
    a target that cannot be written is refused before any solve and two
    comparisons cannot write the same targets at once.
    """
    from pvd_optim.errors import OutputError

    report_path = Path(report) if report is not None else Path(out_dir) / REPORT_FILE
    with contextlib.ExitStack() as held:
        target = held.enter_context(reserve(out_dir, force=force,
                                            expected_bytes=EXPECTED_TABLES_BYTES))
        report_parent = (Path.cwd() / report_path.parent).resolve()
        inside = report_parent == target.path
        if not inside:
            if target.path in report_parent.parents:
                raise OutputError(Message("is inside a subfolder of the tables folder, which "
                                          "is replaced whole; put the report directly in the "
                                          "tables folder or outside it"),
                                  file=report_path, field="--report")
            held.enter_context(reserve(report_path, force=force, kind="file",
                                       expected_bytes=EXPECTED_REPORT_BYTES))
        yield report_path, inside


def write_report(comparison: Comparison, out_dir: str | Path, *,
                 report: str | Path | None = None, force: bool = False,
                 title: str | None = None, lang: str | None = None) -> tuple[Path, Path]:
    """Write the tables folder (CSV, ``tables.xlsx``, ``tables.md``) and the HTML report.

    The report goes to ``report`` or, by default, ``out_dir/report.html``; it is in
    ``lang`` (``fr`` or ``en``; default: the run's language, see :mod:`pvd_optim.i18n`).
    Both targets are checked before anything is written, so a refusal
    (existing target without ``force``, a target that cannot be written)
    leaves everything as it was. Returns ``(out_dir, report_path)``.
    """
    from pvd_optim import i18n
    from pvd_optim.report.html import render_html

    out_dir = Path(out_dir)
    language = lang or i18n.active().language
    with reserve_report(out_dir, report, force=force) as (report_path, inside), \
            i18n.using(language):
        html = render_html(comparison, title=title, lang=language).encode()
        tables = comparison.tables()  # after rendering: town notes are known
        files: dict[str, bytes] = {f"{name}.csv": csv_bytes(frame)
                                   for name, frame in tables.items()}
        files["tables.xlsx"] = excel_bytes(tables)
        files["tables.md"] = markdown(tables, comparison.notes).encode()
        if inside:
            files[report_path.name] = html
        write_folder(out_dir, files, force=force, kind="comparison",
                     manifest={"labels": [str(label) for label in comparison.labels]})
        if not inside:
            write_file_atomic(report_path, html, force=force)
    return out_dir, report_path
