"""The comparison report: tables, exports, a self-contained page, and a real browser."""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pvd_optim.data.towns import load_communes
from pvd_optim.errors import InputError
from pvd_optim.report import Comparison, flatten, render_html, write_report
from pvd_optim.report.svg import DIVERGING, NO_DATA, Scale, load_layer
from pvd_optim.report.tables import area_table, scenario_differences
from pvd_optim.strategies import run_strategies
from tests.factories import random_inputs

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Anything that would make a browser fetch from the network.
NETWORK = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|<script[^>]*\bsrc\b|@import"""
                     r"""|url\(\s*["']?\s*(?:https?:)?//|<link\b|<iframe\b|<img\b""",
                     re.IGNORECASE)


@pytest.fixture(scope="module")
def towns() -> tuple[str, ...]:
    """Twelve real INSEE codes spread over France, so the maps have areas to colour."""
    return tuple(load_communes().index[::2900][:12])


@pytest.fixture(scope="module")
def comparison(towns: tuple[str, ...]) -> Comparison:
    inputs = random_inputs(town_codes=towns, region_codes=("84", "44", "11"))
    allocations = run_strategies(inputs, ["equal_split", "pro_rata_need", "greedy_by_need"])
    scenario = {"name": "random", "resources": {"funding": {"envelope_eur": 480_000}}}
    return Comparison(allocations, scenarios={a.label: scenario for a in allocations})


# ---- tables ---------------------------------------------------------------------------------
def test_flatten_nests_dotted_keys_and_keeps_lists_whole() -> None:
    flat = flatten({"b": {"y": 2, "x": {"z": None}}, "a": [1, "2"]})
    assert flat == {"a": '[1, "2"]', "b.x.z": None, "b.y": 2}


def test_scenario_differences_lists_only_differing_parameters() -> None:
    old = {"name": "a", "source": "/x/a.yaml", "balance": {"mode": "hard", "tolerance": 0.15},
           "eligibility": {"include": ["10003"]}}
    new = {"name": "b", "source": "/y/b.yaml", "balance": {"mode": "hard", "tolerance": 0.2},
           "eligibility": {"include": ["10003", "10268"]}, "extra": True}
    table = scenario_differences({"a": old, "b": new})
    assert list(table.columns) == ["parameter", "a", "b"]
    rows = table.set_index("parameter")
    assert set(rows.index) == {"name", "balance.tolerance", "eligibility.include", "extra"}
    assert rows.loc["balance.tolerance"].tolist() == ["0.15", "0.2"]
    assert rows.loc["extra"].tolist() == ["(not set)", "True"]


def test_area_tables_add_up_to_the_national_totals(comparison: Comparison) -> None:
    for allocation in comparison.allocations:
        totals = allocation.totals()
        for level in ("region", "department"):
            table = area_table(allocation, level)
            assert table["funding_eur"].sum() == pytest.approx(totals["funding_eur"])
            assert table["expert_days"].sum() == pytest.approx(totals["expert_days"])
            assert table["posts"].sum() == pytest.approx(totals["posts"])
            assert table["eligible_towns"].sum() == allocation.inputs.n_towns
            expected = table["funding_eur"] / table["population"]
            assert np.allclose(table["funding_per_inhabitant"], expected)


def test_departments_come_from_the_commune_table(comparison: Comparison,
                                                 towns: tuple[str, ...]) -> None:
    departments = comparison.areas("department")["equal_split"]
    expected = load_communes().loc[list(towns), "department"]
    assert sorted(departments["code"]) == sorted(expected.unique())
    layer = load_layer("department")
    assert set(departments["code"]) <= set(layer.paths)


def test_tables_cover_every_section(comparison: Comparison) -> None:
    tables = comparison.tables()
    assert set(tables) == {"metrics", "summary", "regions", "departments",
                           "region_differences", "department_differences",
                           "regional_deviation", "top_changes", "scenario_differences"}
    assert list(tables["metrics"]["label"]) == comparison.labels
    # First against each other: two pairs.
    assert set(tables["region_differences"]["comparison"]) == {
        "equal_split -> pro_rata_need", "equal_split -> greedy_by_need"}
    assert len(tables["top_changes"]) <= 2 * 20
    assert tables["scenario_differences"].empty  # one scenario for all strategies
    change = tables["region_differences"]
    assert np.allclose(change["funding_eur_change"].groupby(change["comparison"]).sum(), 0,
                       atol=1e-6)  # same envelope spent, only moved


def test_a_chosen_pair_replaces_the_default(comparison: Comparison) -> None:
    chosen = Comparison(comparison.allocations, pairs=[("greedy_by_need", "pro_rata_need")])
    assert list(chosen.area_differences("region")) == [("greedy_by_need", "pro_rata_need")]
    with pytest.raises(InputError, match="unknown allocation label"):
        Comparison(comparison.allocations, pairs=[("equal_split", "nope")])


def test_labels_must_be_distinct(comparison: Comparison) -> None:
    first = comparison.allocations[0]
    with pytest.raises(InputError, match="distinct"):
        Comparison([first, first])
    with pytest.raises(InputError, match="at least one"):
        Comparison([])


def test_different_town_sets_skip_town_changes_with_a_note(comparison: Comparison,
                                                           towns: tuple[str, ...]) -> None:
    small = random_inputs(n_towns=9, town_codes=towns[:9], region_codes=("84", "44", "11"))
    other = dataclasses.replace(run_strategies(small, ["equal_split"])[0], label="smaller")
    mixed = Comparison([comparison.allocations[0], other])
    assert mixed.town_changes == {}
    assert any("different town sets" in note for note in mixed.notes)
    assert not mixed.area_differences("region")[("equal_split", "smaller")].empty
    assert "different town sets" in render_html(mixed)


def test_colour_scales() -> None:
    diverging = Scale.diverging([-4.0, -1.0, 0.0, 2.0, 8.0])
    assert diverging.colour(0.0) == DIVERGING[3]  # white: no change
    assert diverging.colour(-4.0) != diverging.colour(8.0)
    assert diverging.colour(float("nan")) == NO_DATA
    sequential = Scale.sequential([0.0, 1.0, 2.0, 1000.0])
    # Quantile classes: an outlier does not squeeze the others into one colour.
    assert len({sequential.colour(v) for v in (0.0, 1.0, 2.0)}) == 3


# ---- the page -------------------------------------------------------------------------------
def test_page_is_self_contained(comparison: Comparison) -> None:
    page = render_html(comparison)
    assert page.startswith("<!DOCTYPE html>")
    assert not NETWORK.findall(page)
    for forbidden in ("http://", "https://", "<script", "@import", "url(http"):
        assert forbidden not in page
    # Every href is an in-page anchor or a shared outline.
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))
    layers = [load_layer("region"), load_layer("department")]
    assert page.count("<path id=") == sum(len(layer.paths) for layer in layers)
    maps = page.count('class="choropleth"')
    # 3 allocations x 3 measures + 2 pairs x 3 measures, at both levels.
    assert maps == 2 * (3 * 3 + 2 * 3)
    assert "Input differences" in page and "ANCT" in page


def test_page_escapes_labels(comparison: Comparison) -> None:
    evil = dataclasses.replace(comparison.allocations[1], label="<b onmouseover=x>")
    page = render_html(Comparison([comparison.allocations[0], evil]))
    assert "<b onmouseover=x>" not in page
    assert "&lt;b onmouseover=x&gt;" in page


# ---- files ------------------------------------------------------------------------------------
def test_write_report_writes_every_format_atomically(comparison: Comparison,
                                                     tmp_path: Path) -> None:
    from openpyxl import load_workbook

    scenarios = {"equal_split": {"name": "a", "description": "=HYPERLINK(\"x\")"},
                 "pro_rata_need": {"name": "b", "description": "plain"},
                 "greedy_by_need": {"name": "b", "description": "plain"}}
    compared = Comparison(comparison.allocations, scenarios=scenarios)
    out, report = write_report(compared, tmp_path / "tables")
    assert report == out / "report.html"
    tables = compared.tables()
    assert {p.name for p in out.iterdir()} == (
        {f"{name}.csv" for name in tables}
        | {"tables.xlsx", "tables.md", "report.html", "manifest.json"})
    # Formula-like text is neutralised in CSV and Excel.
    csv = (out / "scenario_differences.csv").read_text()
    assert "'=HYPERLINK" in csv
    workbook = load_workbook(out / "tables.xlsx")
    assert workbook.sheetnames == list(tables)
    cells = [c.value for row in workbook["scenario_differences"].iter_rows() for c in row]
    assert "'=HYPERLINK(\"x\")" in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)
    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics["label"]) == compared.labels
    markdown = (out / "tables.md").read_text()
    assert "## metrics" in markdown and "## top_changes" in markdown
    # An existing folder is never replaced without force, and stays as it was.
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(InputError, match="already exists"):
        write_report(compared, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # A report outside the folder is refused too, before anything is written.
    outside = tmp_path / "report.html"
    outside.write_text("old")
    with pytest.raises(InputError, match="already exists"):
        write_report(compared, tmp_path / "other", report=outside)
    assert not (tmp_path / "other").exists() and outside.read_text() == "old"
    write_report(compared, tmp_path / "other", report=outside, force=True)
    assert outside.read_text().startswith("<!DOCTYPE html>")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# ---- a real browser, at national scale ----------------------------------------------------
@pytest.fixture(scope="module")
def national_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Comparison, float]:
    from pvd_optim.assemble import prepare
    from pvd_optim.scenario import load_scenario

    started = time.perf_counter()
    scenario = load_scenario(Path(__file__).parents[1] / "scenarios" / "national.yaml")
    allocations = run_strategies(prepare(scenario).inputs)
    content = scenario.model_dump(mode="json")
    compared = Comparison(allocations, scenarios={a.label: content for a in allocations})
    _, report = write_report(compared, tmp_path_factory.mktemp("national") / "tables")
    return report, compared, time.perf_counter() - started


def test_national_report_is_small_and_quick(national_report: tuple[Path, Comparison, float]
                                            ) -> None:
    report, compared, seconds = national_report
    assert len(compared.allocations) == 8
    assert seconds < 60
    assert report.stat().st_size < 2_000_000
    assert not NETWORK.findall(report.read_text())


def test_report_renders_in_chromium_without_network(
        national_report: tuple[Path, Comparison, float], tmp_path: Path) -> None:
    # A system package (README, .ci/run): its absence is a broken set-up, not a skip.
    assert CHROMIUM.is_file(), (
        f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    report, compared, _ = national_report
    attempted: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def route(r):  # type: ignore[no-untyped-def]
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    attempted.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.as_uri(), wait_until="load")
            defined = page.locator("svg.geo-defs path").count()
            regions = page.locator('svg.choropleth[data-level="region"]').count()
            departments = page.locator('svg.choropleth[data-level="department"]').count()
            uses = page.locator("svg.choropleth use").count()
            metric_rows = page.locator("table.metrics tbody tr").count()
            town_rows = page.locator("#towns table tbody tr").count()
            deviation_rows = page.locator("table.deviation tbody tr").count()
            bars = page.locator("figure.chart rect").count()
            # Outlines really drawn: a region map has a visible size.
            box = page.locator("svg.choropleth").first.bounding_box()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        finally:
            browser.close()
    assert attempted == []
    assert errors == []
    assert defined == 18 + 101
    # 8 allocations x 3 measures + 7 pairs x 3 measures per level.
    assert regions == departments == 8 * 3 + 7 * 3
    assert uses == regions * 18 + departments * 101
    assert metric_rows == len(compared.metrics.columns)
    assert town_rows == 7 * 20
    assert deviation_rows == 3 * 18
    assert bars == len(compared.metrics.columns) * 8
    assert box is not None and box["width"] > 100 and box["height"] > 100
    assert (tmp_path / "report.png").stat().st_size > 10_000
