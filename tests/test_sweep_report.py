"""The sweep report's charts and page: readable axes and a navigation list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pvd_optim import i18n
from pvd_optim.report.sweep_charts import line_chart, scatter_chart

if TYPE_CHECKING:
    from pvd_optim.sweep.api import SweepResult

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"


def _x_labels(svg: str) -> list[tuple[str, str]]:
    """(anchor, text) of the labels under the plot, in order."""
    return re.findall(r'<text x="[\d.]+" y="208\.0" text-anchor="(\w+)">([^<]*)</text>', svg)


def test_axis_ticks_are_the_data_ends_and_stay_inside_the_picture() -> None:
    with i18n.using("en"):
        chart = line_chart([("all", [20e6, 25.8e6, 35e6], [1.0, 2.0, 3.0])], title="t",
                           x_label="x", y_label="y")
        scatter = scatter_chart([0.05, 0.25], [1.0, 2.0], title="s", x_label="x",
                                y_label="y")
    # The values swept, not the padded ends of the axis (19,400,000 and 35,600,000), the
    # last anchored at its end so that the picture's edge does not cut it.
    assert _x_labels(chart) == [("start", "20,000,000"), ("middle", "27,500,000"),
                                ("end", "35,000,000")]
    assert ">0.0500<" in scatter and ">0.250<" in scatter


def test_a_drawn_field_reads_as_its_distribution() -> None:
    from pvd_optim.report.sweep import _distribution_text
    from pvd_optim.sweep.definition import Choice, Uniform

    with i18n.using("en"):
        uniform = _distribution_text(Uniform(distribution="uniform", low=0.5, high=1.5,
                                             relative=True, decimals=4))
        choice = _distribution_text(Choice(distribution="choice", values=("a", "b")))
    assert uniform == "uniform, low 0.5, high 1.5, times the base value, rounded to 4 decimal(s)"
    assert choice == "choice, values a / b"


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> SweepResult:
    """Two grid fields (one variant infeasible: 95 % of 300,000 EUR cannot be spent) and two
    draws of a relative field: every section of the page has something to show."""
    from pvd_optim.scenario import load_scenario
    from pvd_optim.sweep import run_sweep, sweep_of

    plan = sweep_of(load_scenario(TOY), {
        "grid": {"resources.funding.envelope_eur": [100_000, 300_000],
                 "resources.funding.spend_min_share": [0, 0.95]},
        "monte_carlo": {"draws": 2, "seed": 1, "parameters": {
            "resources.expertise.capacity_days": {
                "distribution": "uniform", "low": 0.5, "high": 1.5, "relative": True}}}})
    return run_sweep(plan, out=tmp_path_factory.mktemp("sweep") / "out", workers=1)


def _text(page: str) -> str:
    """What a reader sees (and hears: titles and alternatives too), markup removed."""
    import html

    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _english_phrases() -> set[str]:
    """The English words of the sweep report's own messages, in pieces of three words or more
    between their placeholders."""
    from pvd_optim.i18n.catalogue import extract_messages

    phrases = set()
    for key, where in extract_messages().items():
        if not any(w.startswith("report/sweep") for w in where):
            continue
        for text in ((key,) if isinstance(key, str) else key):
            for piece in re.split(r"\{[^}]*\}", text):
                if len(piece.split()) >= 3:
                    phrases.add(" ".join(piece.split()).strip(" .,:;()"))
    return phrases


def test_the_page_in_french_has_no_english_sentence_left(small_sweep: SweepResult) -> None:
    from pvd_optim.report.sweep import render_sweep_html

    with i18n.using("en"):  # an English caller renders a French page
        page = render_sweep_html(small_sweep, lang="fr")
        assert i18n.active().language == "en"  # and keeps its own language afterwards
    text = " ".join(_text(page).split())
    assert '<html lang="fr">' in page
    for heading in ("Ce qui a varié", "Indicateurs selon les champs variés", "Sensibilité",
                    "Robustesse des communes", "Régions", "Variantes sans allocation"):
        assert f"<h2>{heading}</h2>" in page, heading
    assert "uniforme, bas 0,5, haut 1,5, fois la valeur de base" in text
    assert "(grille) : 100 000, 300 000" in text  # French thousands and typography
    assert "objectif 161,5 k€-éq. (optimal)" in text
    assert "8 variantes" in text and "infaisable : 2" in text
    assert "code INSEE" in page and "financement (€), 10e centile" in page
    phrases = _english_phrases()
    assert len(phrases) > 30  # the check reads the report's messages
    left = sorted(p for p in phrases if p in text)
    assert not left, left
    assert "100,000" not in text


def test_the_page_in_english_is_the_english_report(small_sweep: SweepResult) -> None:
    from pvd_optim.report.sweep import render_sweep_html

    with i18n.using("fr"):  # a French run's default does not leak into an English page
        page = render_sweep_html(small_sweep, lang="en")
    text = " ".join(_text(page).split())
    assert '<html lang="en">' in page
    for heading in ("What was swept", "Metrics against the swept fields", "Sensitivity",
                    "Town robustness", "Regions", "Variants without an allocation"):
        assert f"<h2>{heading}</h2>" in page, heading
    assert "(grid): 100,000, 300,000" in text
    assert "uniform, low 0.5, high 1.5, times the base value" in text
    assert ("Base scenario <b>toy</b>: objective 161.5\xa0k EUR-eq (optimal). 8 variants:"
            in page)
    assert "100\u202f000" not in text and "100\xa0000" not in text
