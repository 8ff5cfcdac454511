"""The toy over two programme years, its optima derived by hand, solved by HiGHS and CBC.

scenarios/toy.yaml over 2025-2026 with a post budget of 90,000 EUR in 2025 (two posts
of 45,000 EUR) and 45,000 EUR in 2026 (one post); every other resource as in the toy,
every year. One year of the toy, derived in tests/test_toy.py and
tests/test_cofunders.py:

- two posts: all three towns covered, 161.5;
- one post: Nogent and Villenauxe (one intercommunality, one post serves both),
  coverage 60 x (0.5 + 0.3) = 48, funding 20 x (0.8 + 0.6 + 0.4 + 0.4 + 0.3) = 50,
  days 5 x 0.8 + 5 x 0.6 = 7: 105 (Aix alone is worth 77.75).

Posts that last (persistence over the horizon): 2026 pays one post, so 2025 may open
only one (a post never ends before the horizon does): 105 + 105 = 210.
Posts that may end: each year on its own, 161.5 + 105 = 266.5.
With a 25 % discount rate, 2026 weighs 1 / 1.25 = 0.8: 161.5 + 0.8 x 105 = 245.5 (the
years' allocations do not change: a weight scales a year's whole objective).
The same two years with the programme's entry dates: the toy's towns signed in 2021,
so a 2020-2021 horizon leaves 2020 empty: 0 + 105 (one post a year, 2021).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pvd_optim import load_scenario, optimise

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
TWO_YEARS: dict[str, Any] = {"years": [2025, 2026],
                             "resources.engineering.budget_eur": {2025: 90_000, 2026: 45_000}}


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(("changes", "optimum", "posts_2025"), [
    ({}, 210.0, 1),
    ({"programme.persistence": "off"}, 266.5, 2),
    ({"programme.persistence": "off", "programme.discount_rate_share": 0.25}, 245.5, 2),
])
def test_the_two_year_toy_has_its_optimum_by_hand(solver: str, changes: dict[str, Any],
                                                  optimum: float, posts_2025: int) -> None:
    allocation = optimise(load_scenario(TOY, {**TWO_YEARS, **changes, "solver.name": solver}))
    assert allocation.status == "optimal"
    assert allocation.objective == pytest.approx(optimum, abs=1e-6)
    posts = allocation.by_group.groupby("year")["posts"].sum()
    assert posts[2025] == posts_2025 and posts[2026] == 1
    covered = allocation.by_town.groupby("year")["covered"].sum()
    assert covered[2026] == 2  # Nogent and Villenauxe, every time


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_towns_enter_the_year_they_signed(solver: str) -> None:
    allocation = optimise(load_scenario(TOY, {
        "years": [2020, 2021], "resources.engineering.budget_eur": 45_000,
        "solver.name": solver}))
    towns = allocation.by_town
    assert not towns.query("year == 2020")["joined"].any()
    assert towns.query("year == 2020")[["covered", "funding_eur", "expert_days"]].sum().sum() == 0
    assert allocation.objective == pytest.approx(105.0, abs=1e-6)


def test_every_allocation_table_has_a_year_column() -> None:
    allocation = optimise(load_scenario(TOY, TWO_YEARS))
    tables = {"town": allocation.by_town, "town_theme": allocation.by_town_theme,
              "group": allocation.by_group, "theme": allocation.by_theme,
              "region": allocation.by_region, "directorate": allocation.by_directorate,
              "funder": allocation.by_funder}
    for name, table in tables.items():
        assert "year" in table.reset_index().columns, name
        assert set(table.reset_index()["year"]) == {2025, 2026}, name


def test_explain_shows_per_year_totals_and_the_full_year_value_of_coverage() -> None:
    from pvd_optim.explain import explain_markdown
    from pvd_optim.i18n import translator

    half_first = {**TWO_YEARS, "years": [{"year": 2025, "running_share": 0.5}, 2026]}
    text = explain_markdown(optimise(load_scenario(TOY, half_first)), translator("en"))
    assert "## Year by year" in text and "| 2025 | 0.50 |" in text
    # The toy's 60,000 EUR a covered town-year, not the half of it that 2025 counts.
    assert "of coverage (€60,000 per covered town-year" in text


def test_the_run_line_says_what_is_summed_over_the_years(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pvd_optim.cli import main

    assert main(["run", str(TOY), "--set", "years=[2025, 2026]", "--set",
                 "resources.engineering.budget_eur={2025: 90000, 2026: 45000}",
                 "--out", str(tmp_path / "out"), "--lang", "en"]) == 0
    line = capsys.readouterr().out
    assert "0.20 M EUR, 20 days over 2025-2026; 1 post in 2026 covering 2/3 towns" in line
