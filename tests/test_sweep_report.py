"""The sweep report's charts and page: readable axes and a navigation list."""

from __future__ import annotations

import re
from pathlib import Path

from pvd_optim import i18n
from pvd_optim.report.sweep_charts import line_chart, scatter_chart

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


def test_the_page_is_english_throughout_whatever_language_the_run_chose(tmp_path: Path
                                                                        ) -> None:
    from pvd_optim.report.sweep import render_sweep_html
    from pvd_optim.scenario import load_scenario
    from pvd_optim.sweep import run_sweep, sweep_of

    plan = sweep_of(load_scenario(TOY), {"grid": {
        "resources.funding.envelope_eur": [60_000, 100_000]}})
    result = run_sweep(plan, out=tmp_path / "out", workers=1)
    with i18n.using("fr"):  # a French run (the default language) renders this page
        page = render_sweep_html(result)
        assert i18n.active().language == "fr"  # and keeps its own language afterwards
    # The page's text is English, so are its numbers (not 100 000 with a French space).
    assert "100,000" in page and "100\u202f000" not in page and "100\xa0000" not in page
