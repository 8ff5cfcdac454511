"""The comparison's tables as CSV, one Excel workbook and Markdown, written atomically."""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pvd_optim.errors import InputError
from pvd_optim.output import check_target, neutralise_formulas, write_folder

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.report.tables import Comparison

REPORT_FILE = "report.html"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV, formula-like text neutralised."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\n").encode()


def excel_bytes(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per table (Excel caps sheet names at 31 characters)."""
    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in tables.items():
            neutralise_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def _md_cell(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(tables: Mapping[str, pd.DataFrame], notes: list[str] | None = None) -> str:
    """Every table as a GitHub-flavoured Markdown section."""
    lines = ["# Allocation comparison tables", ""]
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
        for record in frame.itertuples(index=False, name=None):
            lines.append("| " + " | ".join(_md_cell(v) for v in record) + " |")
        lines.append("")
    return "\n".join(lines)


def write_file_atomic(path: Path, content: bytes, *, force: bool = False) -> Path:
    """Write one file through a temporary sibling and a rename (never half-written)."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError("file already exists; choose another name or pass --force", file=path)
    if path.is_dir():
        raise InputError("is a folder, expected a file name", file=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file 0600; a report is meant to be shared like any other file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_report(comparison: Comparison, out_dir: str | Path, *,
                 report: str | Path | None = None, force: bool = False,
                 title: str | None = None) -> tuple[Path, Path]:
    """Write the tables folder (CSV, ``tables.xlsx``, ``tables.md``) and the HTML report.

    The report goes to ``report`` or, by default, ``out_dir/report.html``.
    Both targets are checked before anything is written, so a refusal
    (existing target without ``force``) leaves everything as it was.
    Returns ``(out_dir, report_path)``.
    """
    from pvd_optim.report.html import render_html

    out_dir = Path(out_dir)
    check_target(out_dir, force=force)
    report_path = Path(report) if report is not None else out_dir / REPORT_FILE
    inside = report_path.resolve().parent == out_dir.resolve()
    if not inside and report_path.exists() and not force:
        raise InputError("report file already exists; choose another --report or pass --force",
                         file=report_path)
    html = render_html(comparison, title=title).encode()
    tables = comparison.tables()  # after rendering: town notes are known
    files: dict[str, bytes] = {f"{name}.csv": csv_bytes(frame) for name, frame in tables.items()}
    files["tables.xlsx"] = excel_bytes(tables)
    files["tables.md"] = markdown(tables, comparison.notes).encode()
    if inside:
        files[report_path.name] = html
    write_folder(out_dir, files, force=force)
    if not inside:
        write_file_atomic(report_path, html, force=True)
    return out_dir, report_path
