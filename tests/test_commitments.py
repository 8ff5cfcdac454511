"""Commitments: a CSV of what is decided, an earlier results folder, and their conflicts.

The two-year toy (scenarios/toy.yaml over 2025-2026, a budget of two posts in 2025 and
one in 2026), solved by hand in tests/test_programme_toy.py: with posts that last, the
optimum is 210 (Nogent and Villenauxe both years, 105 a year); with posts that may
end, 266.5 (all three towns in 2025, 161.5; then Nogent and Villenauxe, 105).

Committing Aix covered in 2025, with posts that last: Aix stays covered in 2026, and
the one post 2026 can pay is Aix's, in both years (2025 cannot open a second post that
2026 could not keep). Aix alone is worth its coverage 60 x 0.7 = 42, funding
20 x (0.9 + 0.45 + 0.1) = 29 (habitat to its 40,000 EUR saturation, 20,000 EUR of
heritage to its 60,000 EUR cap) and all 10 expert-days on habitat, 5 x (0.9 + 0.45) =
6.75: 77.75 a year, 155.5 in all, below the 210 of no commitment.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvd_optim import load_scenario, optimise
from pvd_optim.cli import main
from pvd_optim.errors import DataError, InfeasibleError
from pvd_optim.inputs import ProgrammeInputs
from pvd_optim.model import build_program, solve
from pvd_optim.output.readback import read_results
from pvd_optim.scenario.schema import SolverSection
from tests.programme_factories import random_programme

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TOY = SCENARIOS / "toy.yaml"
TWO_YEARS: dict[str, Any] = {"years": [2025, 2026],
                             "resources.engineering.budget_eur": {2025: 90_000, 2026: 45_000}}
AIX, NOGENT, VILLENAUXE = "10003", "10268", "10420"


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "commitments.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _toy(tmp_path: Path, csv_text: str, **overrides: Any) -> Any:
    committed = {"commitments": {"csv": str(_csv(tmp_path, csv_text))}}
    return load_scenario(TOY, {**TWO_YEARS, **committed, **overrides})


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_town_committed_as_covered_stays_covered_in_every_later_year(
        tmp_path: Path, solver: str) -> None:
    allocation = optimise(_toy(tmp_path, f"insee,year,covered\n{AIX},2025,1\n",
                               **{"solver.name": solver}))
    assert allocation.objective == pytest.approx(155.5)
    towns = allocation.by_town.reset_index().set_index(["insee", "year"])
    assert towns.loc[(AIX, 2025), "covered"] == 1 and towns.loc[(AIX, 2026), "covered"] == 1
    assert towns.loc[(AIX, 2025), "committed_covered"]
    assert not towns.loc[(AIX, 2026), "committed_covered"]  # kept by persistence, not committed
    assert towns.loc[(NOGENT, 2025), "covered"] == 0


def test_committed_funding_counts_in_the_budget_and_the_objective(tmp_path: Path) -> None:
    free = optimise(load_scenario(TOY, {**TWO_YEARS, "programme.persistence": "off"}))
    committed = optimise(_toy(tmp_path, f"insee,year,theme,funding_eur\n"
                                        f"{VILLENAUXE},2025,heritage,30000\n",
                              **{"programme.persistence": "off"}))
    assert free.objective == pytest.approx(266.5)
    assert committed.objective <= free.objective + 1e-9
    theme = committed.by_town_theme.reset_index().set_index(["insee", "theme", "year"])
    row = theme.loc[(VILLENAUXE, "heritage", 2025)]
    assert row["funding_eur"] >= 30_000 - 1e-6 and row["committed_funding_eur"] == 30_000
    # The committed funding is part of the envelope: 2025 spends no more than it has.
    assert committed.by_theme.groupby("year")["funding_eur"].sum()[2025] <= 100_000 + 1e-6


def test_committed_posts_beyond_the_budget_are_named_in_planner_words(tmp_path: Path) -> None:
    with pytest.raises(InfeasibleError) as info:
        optimise(_toy(tmp_path, "group,year,posts\n241000447,2026,1\n200006716,2026,1\n"))
    assert info.value.diagnosis is not None  # type: ignore[attr-defined]
    conflicts = info.value.diagnosis.commitment_conflicts  # type: ignore[attr-defined]
    assert any("posts already committed for 2026" in sentence for sentence in conflicts)


@pytest.mark.parametrize(("text", "needle"), [
    ("insee,year,covered\n99999,2025,1\n", "is not a current commune's INSEE code"),
    ("insee,year,covered\n10003,2025,2\n", "covered is 1"),
    ("insee,year,funding_eur\n10003,2025,100\n", "give `theme`"),
    ("insee,year,covered,colour\n10003,2025,1,red\n", "unknown column"),
    ("insee,year,covered\n10003,2025,1\n10003,2025,1\n", "already given on line 2"),
    ("group,year,posts\n241000447,2025,1.5\n", "not a whole number"),
])
def test_a_wrong_commitments_csv_is_a_located_one_line_error(tmp_path: Path, text: str,
                                                             needle: str) -> None:
    with pytest.raises(DataError) as info:
        optimise(_toy(tmp_path, text))
    message = str(info.value)
    assert needle in message and "commitments.csv" in message and "\n" not in message


def test_an_earlier_results_folder_locks_every_year_before_from_year(tmp_path: Path) -> None:
    earlier = tmp_path / "2025-2026"
    common = ["--set", "programme.persistence=off", "--quiet"]
    assert main(["run", str(TOY), "--set", "years=[2025, 2026]", "--set",
                 "resources.engineering.budget_eur={2025: 90000, 2026: 45000}", *common,
                 "--out", str(earlier)]) == 0
    later = tmp_path / "2025-2027"
    assert main(["run", str(TOY), "--set", "years=[2025, 2026, 2027]", "--set",
                 "resources.engineering.budget_eur={2025: 90000, 2026: 45000, 2027: 45000}",
                 *common, "--commitments", str(earlier), "--from-year", "2026",
                 "--out", str(later)]) == 0
    before = read_results(earlier).allocation
    after = read_results(later).allocation
    np.testing.assert_allclose(after.years_arrays[0].funding_keur,
                               before.years_arrays[0].funding_keur)
    np.testing.assert_allclose(after.years_arrays[0].covered, before.years_arrays[0].covered)
    assert after.by_town.query("year == 2025")["locked"].all()
    assert not after.by_town.query("year == 2026")["locked"].any()
    # 2025 as before (161.5), then one post a year on Nogent and Villenauxe (105 each).
    assert after.objective == pytest.approx(161.5 + 105.0 + 105.0)


def test_from_year_without_a_results_folder_is_refused(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["run", str(TOY), "--from-year", "2026", "--out", str(tmp_path / "x")]) == 2
    assert "--from-year" in capsys.readouterr().err


def test_a_results_folder_that_is_gone_is_named(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    shutil.rmtree(folder)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(TOY.read_text(encoding="utf-8") + "years: [2025, 2026]\n"
                        f"commitments: {{results: {folder}, from_year: 2026}}\n",
                        encoding="utf-8")
    shutil.copy(SCENARIOS / "toy-scores.csv", tmp_path / "toy-scores.csv")
    assert main(["run", str(scenario), "--out", str(tmp_path / "out"), "--lang", "en"]) == 2
    assert "no results folder" in capsys.readouterr().err


EXACT = SolverSection(mip_gap=0.0)  # type: ignore[call-arg]


def _optimum(programme: ProgrammeInputs) -> float | None:
    result = solve(build_program(programme), EXACT)
    return result.objective if result.status.value == "optimal" else None


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), town=st.integers(0, 9), year=st.integers(0, 1),
       funding=st.floats(0.0, 20.0))
def test_a_commitment_never_raises_the_optimum(seed: int, town: int, year: int,
                                               funding: float) -> None:
    """Commitments only add lower bounds: the optimum with them is never above the free one."""
    import dataclasses

    free = random_programme(2, seed=seed, n_towns=10, cover_min_share=0.0, spend_min_share=0.0)
    years = list(free.years)
    committed = years[year]
    covered = committed.committed_covered.copy()
    covered[town] = True
    money = committed.committed_funding_keur.copy()
    money[town, 0] = funding
    years[year] = dataclasses.replace(committed, committed_covered=covered,
                                      committed_funding_keur=money)
    bound = _optimum(free)
    with_commitment = _optimum(dataclasses.replace(free, years=tuple(years)))
    assert bound is not None
    if with_commitment is not None:  # a commitment may also make the scenario infeasible
        assert with_commitment <= bound + 1e-6 * max(1.0, abs(bound))


def test_validate_reads_and_verifies_a_committed_results_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    earlier = tmp_path / "earlier"
    years = ["--set", "years=[2025, 2026]", "--quiet"]
    assert main(["run", str(TOY), *years, "--out", str(earlier)]) == 0
    committed = ["--set", f"commitments={{results: {earlier}, from_year: 2026}}"]
    assert main(["validate", str(TOY), *years, *committed]) == 0, capsys.readouterr().err
    gone = ["--set", f"commitments={{results: {tmp_path / 'gone'}, from_year: 2026}}"]
    assert main(["validate", str(TOY), *years, *gone, "--lang", "en"]) == 2
    assert "no results folder" in capsys.readouterr().err


def test_a_year_nobody_has_joined_needs_no_theme_floor_with_a_spend_over_the_horizon(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The toy's towns signed in 2021: 2020 spends nothing, and its theme floors hold."""
    horizon = ["--set", "years=[2020, 2021]", "--set", "theme_floors_share=0.3",
               "--set", "resources.funding.spend_min_share=0.5",
               "--set", "resources.funding.spend_min_scope=horizon",
               "--set", "resources.funding.carry_over_share=1.0"]
    assert main(["validate", str(TOY), *horizon]) == 0, capsys.readouterr().err


def test_a_committed_town_no_longer_eligible_keeps_its_commitments_and_nothing_more(
        tmp_path: Path) -> None:
    from pvd_optim.explain import explain_markdown
    from pvd_optim.i18n import translator

    bar_sur_aube = "10033"  # not one of the toy's three listed towns
    allocation = optimise(_toy(tmp_path, f"insee,year,covered,theme,funding_eur\n"
                                         f"{bar_sur_aube},2025,1,habitat,10000\n",
                               **{"programme.persistence": "off"}))
    towns = allocation.by_town.reset_index().set_index(["insee", "year"])
    assert not towns.loc[(bar_sur_aube, 2025), "eligible"]
    assert towns.loc[(bar_sur_aube, 2025), "funding_eur"] == pytest.approx(10_000)
    assert towns.loc[(bar_sur_aube, 2025), "covered"] == 1
    assert towns.loc[(bar_sur_aube, 2026), ["covered", "funding_eur", "expert_days"]].sum() == 0
    assert f"no longer eligible, kept with their commitments and nothing more: {bar_sur_aube}" in (
        explain_markdown(allocation, translator("en")))
