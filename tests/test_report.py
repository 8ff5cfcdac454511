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
from pvd_optim.report.areas import area_table
from pvd_optim.report.svg import DIVERGING, NO_DATA, Scale, load_layer
from pvd_optim.report.tables import scenario_differences
from pvd_optim.report.towns import SEARCH_SCRIPT
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
    assert "different town sets" in render_html(mixed, lang="en")


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
    page = render_html(comparison, lang="en")
    assert page.startswith("<!DOCTYPE html>")
    assert not NETWORK.findall(page)
    for forbidden in ("http://", "https://", "@import", "url(http"):
        assert forbidden not in page
    # One small inline script at most (the town search), never a script from a file.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.DOTALL)
    assert scripts == [SEARCH_SCRIPT] and page.count("<script") == 1
    assert "<script>" in page and len(SEARCH_SCRIPT) < 1_000
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
    page = render_html(Comparison([comparison.allocations[0], evil]), lang="en")
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
    assert workbook.sheetnames == [*tables, "labels", "sources"]
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
    _, report = write_report(compared, tmp_path_factory.mktemp("national") / "tables",
                             lang="fr")
    return report, compared, time.perf_counter() - started


def test_national_report_is_small_and_quick(national_report: tuple[Path, Comparison, float]
                                            ) -> None:
    report, compared, seconds = national_report
    assert len(compared.allocations) == 8
    assert seconds < 60
    assert report.stat().st_size < 2_000_000
    assert not NETWORK.findall(report.read_text())


def _blocked(page, attempted: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Route every request: files load, anything else is recorded and refused."""
    def route(r):  # type: ignore[no-untyped-def]
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    page.route("**/*", route)


def test_report_renders_in_chromium_without_network(
        national_report: tuple[Path, Comparison, float], tmp_path: Path) -> None:
    # A system package (README, .ci/run): its absence is a broken set-up, not a skip.
    assert CHROMIUM.is_file(), (
        f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from pvd_optim.i18n import translator
    from pvd_optim.report.conclusion import constant_metrics
    from pvd_optim.report.towns import towns_of_interest

    report, compared, _ = national_report
    fr = translator("fr")
    objective = compared.metrics["objective"]
    gain = (objective["optimum"] - objective["pro_rata_need"]) / objective["pro_rata_need"]
    assert objective.drop("optimum").idxmax() == "pro_rata_need"  # the best simple rule
    pages = towns_of_interest(compared)
    uncovered = [c for c, v in zip(compared.allocations[0].inputs.town_codes,
                                   compared.allocations[0].arrays.covered, strict=True) if v < 0.5]
    assert set(uncovered) <= set(pages) and len(pages) >= 20
    n_towns = compared.allocations[0].inputs.n_towns
    same = constant_metrics(compared)
    varying = len(compared.metrics.columns) - len(same)
    target = uncovered[0]
    name = compared.allocations[0].inputs.town_names[
        compared.allocations[0].inputs.town_codes.index(target)]
    attempted: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            _blocked(page, attempted)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.as_uri(), wait_until="load")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            metrics_box = page.locator("table.metrics").bounding_box()
            first_section = page.evaluate("document.querySelector('main section').id")
            conclusion = page.locator("#conclusion").inner_text()
            defined = page.locator("svg.geo-defs path").count()
            regions = page.locator('svg.choropleth[data-level="region"]').count()
            departments = page.locator('svg.choropleth[data-level="department"]').count()
            uses = page.locator("svg.choropleth use").count()
            metric_rows = page.locator("table.metrics tbody tr").count()
            town_rows = page.locator("#towns table tbody tr").count()
            deviation_rows = page.locator("table.deviation tbody tr").count()
            bars = page.locator("figure.chart rect").count()
            dots = page.locator("svg.towns-map circle").count()
            linked_dots = page.locator("svg.towns-map a").count()
            map_box = page.locator("svg.towns-map").first.bounding_box()
            map_label = page.locator("svg.towns-map").first.get_attribute("aria-label")
            box = page.locator("svg.choropleth").first.bounding_box()
            # The search: shown by its script, it filters the table as one types.
            search_visible = page.locator("#town-search").is_visible()
            table_rows = page.locator("#town-table tbody tr").count()
            page.locator("#town-search").fill(name)
            shown = page.locator("#town-table tbody tr:visible").count()
            count = page.locator("#town-count").inner_text()
            page.locator(f'#town-table a[href="#town-{target}"]').click()
            town_visible = page.locator(f"#town-{target}").is_visible()
            other_hidden = not page.locator(f"#town-{pages[-1]}").is_visible()
            town_text = page.locator(f"#town-{target}").inner_text()
            page.screenshot(path=str(tmp_path / "report-town.png"), full_page=False)
            page.goto(report.as_uri(), wait_until="load")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
            # Without the script: no search box, the whole table, the links still work.
            plain = browser.new_context(java_script_enabled=False,
                                        viewport={"width": 1280, "height": 1000}).new_page()
            _blocked(plain, attempted)
            plain.goto(report.as_uri(), wait_until="load")
            plain_search = plain.locator("#town-search").is_visible()
            plain_rows = plain.locator("#town-table tbody tr:visible").count()
            plain.locator(f'svg.towns-map a[href="#town-{target}"]').first.click()
            plain_town = plain.locator(f"#town-{target}").is_visible()
        finally:
            browser.close()
    assert attempted == []
    assert errors == []
    assert scroll_width <= 1280  # no horizontal scroll at 1,280 px
    assert metrics_box is not None and metrics_box["x"] + metrics_box["width"] <= 1280
    assert first_section == "conclusion"
    assert fr.percent(float(gain), 1) in conclusion and "pro_rata_need" in conclusion
    assert "Gini" in conclusion and "plafond" in conclusion
    assert defined == 18 + 101
    # 8 allocations x 3 measures + 7 pairs x 3 measures per level.
    assert regions == departments == 8 * 3 + 7 * 3
    assert uses == regions * 18 + departments * 101
    assert metric_rows == varying and 0 < len(same) < len(compared.metrics.columns)
    assert town_rows == 7 * 20
    assert deviation_rows == 3 * 18
    assert bars == varying * 8  # a metric equal everywhere is not charted
    assert dots == 2 * n_towns and linked_dots == 2 * len(pages)
    assert map_box is not None and map_box["width"] > 300
    assert map_label is not None and "placed schematically" not in map_label  # French
    assert box is not None and box["width"] > 100 and box["height"] > 100
    assert search_visible and table_rows == n_towns
    assert shown == int(count) >= 1 and shown < 10
    assert town_visible and other_hidden and name in town_text
    assert "Ce qui a fait obstacle" in town_text
    assert not plain_search and plain_rows == n_towns and plain_town
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert (tmp_path / "report-town.png").stat().st_size > 10_000


def test_a_town_page_renders_in_chromium_without_network(
        national_report: tuple[Path, Comparison, float], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from pvd_optim.i18n import translator
    from pvd_optim.town import page_content, render_page, town_page

    _, compared, _ = national_report
    optimum = compared.allocations[0]
    target = optimum.inputs.town_codes[int(np.flatnonzero(optimum.arrays.covered < 0.5)[0])]
    t = translator("en")
    path = tmp_path / "town.html"
    path.write_text(render_page(page_content(town_page(optimum, None, target, t), t), t),
                    encoding="utf-8")
    attempted: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            _blocked(page, attempted)
            page.goto(path.as_uri(), wait_until="load")
            heading = page.locator("h1").inner_text()
            chart = page.locator("figure.percentiles svg").bounding_box()
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(tmp_path / "town.png"), full_page=True)
        finally:
            browser.close()
    assert attempted == []
    assert heading.endswith(f"({target}): why it got what it got")
    assert chart is not None and chart["width"] > 200
    assert scroll_width <= 1280
    assert (tmp_path / "town.png").stat().st_size > 10_000


# ---- words: conclusion, labels, languages -------------------------------------------------------
def test_conclusion_sentences_are_computed_from_the_tables(comparison: Comparison) -> None:
    from pvd_optim.i18n import translator
    from pvd_optim.report.conclusion import conclusion, constant_metrics, measure

    en = translator("en")
    found = conclusion(comparison, en)
    objective = comparison.metrics["objective"]
    lead = objective.idxmax()  # all three are simple rules: the best leads
    rival = objective.drop(lead).idxmax()
    gain = (objective[lead] - objective[rival]) / abs(objective[rival])
    assert found.sentences[0] == (
        f"{lead} gives {en.percent(gain, 1)} more need-weighted benefit than the best simple "
        f"rule, {rival} ({en.keur_eq(objective[lead])} against {en.keur_eq(objective[rival])}).")
    m = measure(comparison.allocation(lead))
    assert any(f"{m.towns_at_cap} towns are at their funding cap" in s for s in found.sentences)
    assert len(found.best) == len(comparison.allocations)
    same = constant_metrics(comparison)
    assert "funding_eur" in same  # every rule spends the whole envelope
    assert not any("Funding allocated" in line for line in found.best)


def test_every_metric_and_column_has_a_label_in_both_languages(comparison: Comparison) -> None:
    from pvd_optim.analysis import METRICS
    from pvd_optim.i18n import translator
    from pvd_optim.report.labels import METRIC_WORDS, column_label

    assert set(METRIC_WORDS) == set(METRICS)
    fr = translator("fr")
    for name, frame in comparison.tables().items():
        for column in frame.columns:
            if name == "scenario_differences" and column != "parameter":
                continue  # one column per scenario, named by it
            assert column_label(fr, str(column)) is not None, (name, column)
    assert column_label(fr, "funding_per_inhabitant_change") == (
        "financement par habitant (€), variation")


def test_workbook_has_french_labels_and_the_data_credits(comparison: Comparison,
                                                         tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out, _ = write_report(comparison, tmp_path / "tables", lang="en")
    workbook = load_workbook(out / "tables.xlsx")
    labels = [[c.value for c in row] for row in workbook["labels"].iter_rows()]
    assert labels[0] == ["table", "column", "label_fr", "label_en"]
    assert ["metrics", "gini_funding_per_inhabitant", "Gini du financement par habitant",
            "Gini of funding per inhabitant"] in labels
    sources = [[c.value for c in row] for row in workbook["sources"].iter_rows()]
    assert [row[0] for row in sources] == ["language", "fr", "en"]
    assert all("Licence Ouverte" in row[1] and "ANCT" in row[1] for row in sources[1:])
    # Stable English identifiers as column names whatever the language.
    assert [c.value for c in workbook["metrics"][1]][:2] == ["label", "objective"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Licence Ouverte" in page
    assert (out / "tables.md").read_text(encoding="utf-8").startswith(
        "# Allocation comparison tables")


def test_the_report_speaks_the_locale_s_language_else_french(
        comparison: Comparison, monkeypatch: pytest.MonkeyPatch) -> None:
    from pvd_optim import i18n

    monkeypatch.setattr(i18n, "_active", [])  # no language chosen by an earlier command
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert '<html lang="en">' in render_html(comparison)
    monkeypatch.setenv("LANG", "C.UTF-8")
    page = render_html(comparison)
    assert '<html lang="fr">' in page
    assert "<h2>Conclusion</h2>" in page and "Indicateurs" in page
    assert "Différences de données d'entrée" in page.replace("&#x27;", "'")
