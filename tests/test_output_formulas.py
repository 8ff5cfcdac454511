"""Formula neutralisation follows the OWASP CSV-injection guidance, in every CSV and workbook."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from pvd_optim import load_scenario
from pvd_optim.output import is_formula_like, neutralise_formulas, write_allocation
from pvd_optim.report.export import csv_bytes, excel_bytes
from pvd_optim.strategies import run_strategies
from tests.factories import random_inputs
from tests.results_folders import TOY

#: Every form a spreadsheet may run as a formula, one per theme name.
HOSTILE = (
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
    "  \t =HYPERLINK(\"x\")",
    "\u00a0=1+1",  # no-break space
    "\u3000=1+1",  # ideographic space
    "\uff1d1+1",  # fullwidth equals sign
    "\ufe661+1",  # small equals sign
    "\uff0b1",  # fullwidth plus sign
    "\uff201",  # fullwidth commercial at
    "|calc",
    "%APPDATA%",
    "\t",
    "\r",
    "\nplain",
)
HARMLESS = ("habitat", "Saint-Malo", "l'Isle-Adam", "a=b", "50 %", "", "1 + 1", "Aix | Pâlis")


@pytest.mark.parametrize("text", HOSTILE)
def test_each_owasp_form_is_formula_like(text: str) -> None:
    assert is_formula_like(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert not is_formula_like(text)


def test_numbers_stay_numbers_and_repeated_headers_are_handled() -> None:
    frame = pd.DataFrame([[-1.5, "=x", "-y"]], columns=["v", "t", "t"])
    safe = neutralise_formulas(frame)
    assert safe.iloc[0].tolist() == [-1.5, "'=x", "'-y"]
    assert safe["v"].dtype.kind == "f"
    index = neutralise_formulas(pd.DataFrame({"a": [1]}, index=pd.Index(["=i"], name="k")))
    assert list(index.index) == ["'=i"]
    multi = neutralise_formulas(pd.DataFrame(
        {"a": [1]}, index=pd.MultiIndex.from_tuples([("=m", "ok")], names=["x", "y"])))
    assert list(multi.index) == [("'=m", "ok")]


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder whose themes carry every hostile name."""
    inputs = random_inputs(n_towns=6, n_themes=len(HOSTILE), themes=HOSTILE)
    (allocation,) = run_strategies(inputs, ["equal_split"])
    return write_allocation(allocation, load_scenario(TOY),
                            tmp_path_factory.mktemp("hostile") / "out")


@pytest.mark.parametrize("table", ["allocation_theme", "allocation_town_theme"])
def test_every_form_is_prefixed_in_the_results_csvs(hostile_folder: Path, table: str) -> None:
    raw = (hostile_folder / f"{table}.csv").read_bytes()
    themes = pd.read_csv(io.BytesIO(raw), keep_default_na=False)["theme"]
    assert set(themes) == {"'" + name for name in HOSTILE}
    # The Parquet files keep the exact names: they are data, not a spreadsheet.
    assert set(pd.read_parquet(hostile_folder / f"{table}.parquet")["theme"]) == set(HOSTILE)


def test_every_form_is_prefixed_in_compare_csv_and_excel() -> None:
    from openpyxl import load_workbook

    frame = pd.DataFrame({"parameter": list(HOSTILE), "value": range(len(HOSTILE))})
    headers = pd.DataFrame({name: [1.0] for name in HOSTILE[:8]})
    csv = pd.read_csv(io.BytesIO(csv_bytes(frame)), keep_default_na=False)
    assert csv["parameter"].tolist() == ["'" + name for name in HOSTILE]
    assert list(pd.read_csv(io.BytesIO(csv_bytes(headers))).columns) == [
        "'" + name for name in HOSTILE[:8]]
    workbook = load_workbook(io.BytesIO(excel_bytes({"cells": frame, "headers": headers})))
    cells = [c for row in workbook["cells"].iter_rows(min_row=2) for c in row[:1]]
    # XML reads a carriage return back as a line feed: compare with that normalisation.
    assert [c.value for c in cells] == ["'" + name.replace("\r", "\n") for name in HOSTILE]
    header_cells = next(workbook["headers"].iter_rows())
    assert all(c.data_type == "s" and str(c.value).startswith("'") for c in header_cells)
    assert all(c.data_type == "s" for c in cells)  # text, never a formula ("f")
