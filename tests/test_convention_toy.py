"""Convention and ORT status on a toy, each use's optimum derived by hand, HiGHS and CBC.

The toy of tests/test_toy.py (scenarios/toy.yaml) with one town changed so that the
ORT status differs: Villenauxe-la-Grande (ORT signed 2023-04-24) gives way to
Pont-sur-Seine (10298), a commune of the same intercommunality that has **no ORT** (and
is not a programme town: the toy lists its towns), with Villenauxe's scores and the
same cap (60 k EUR: 1,000 EUR x 1,089 inhabitants is more). So:

    town                      ORT signed   fragility  need habitat  need heritage
    A Nogent-sur-Seine 10268  2023-04-24   0.5        0.8           0.2
    B Pont-sur-Seine   10298  none         0.3        0.4           0.6
    C Aix-Villemaur-P. 10003  2023-03-30   0.7        0.9           0.1

Without the convention section the toy is unchanged: 161.5 (tests/test_toy.py), and
with one post 105 (A and B share it; C alone is worth 77.75, tests/test_programme_toy.py).
Segments are 20 k EUR of funding (two per theme, slopes 1 then 0.5) and 5 expert-days;
envelope 100 k EUR, 10 days, caps 60 k EUR per town.

**Eligibility, ``require_ort: true``**: B is out; two posts cover A and C (other
groups): coverage 60 x (0.5 + 0.7) = 72. Funding, best segments first: C-habitat-1 0.9,
A-habitat-1 0.8, C-habitat-2 0.45, A-habitat-2 0.4, A-heritage-1 0.2 (C's next one is
0.1): 20 x 2.75 = 55. Days: C-habitat-1 4.5 + A-habitat-1 4.0 = 8.5. Optimum 135.5.
**``require_ort_signed_by: 2023-04-01``**: A (signed 2023-04-24) is out too: C alone,
77.75 (coverage 42; funding to its cap, 20 x (0.9 + 0.45 + 0.1) = 29; days 4.5 + 2.25).

**Priority, ``ort_priority_weight: 3`` with one post** (budget 45,000 EUR): A and C
count three times. A with B: coverage 60 x (1.5 + 0.3) = 108; funding A-habitat-1 2.4,
A-habitat-2 1.2, then A-heritage-1 0.6 (A's cap: three segments), B-heritage-1 0.6,
B-habitat-1 0.4: 20 x 5.2 = 104; days A-habitat-1 12 + A-habitat-2 6 = 18: 230.
C alone: coverage 60 x 2.1 = 126; funding 20 x (2.7 + 1.35 + 0.3) = 87; days 13.5 +
6.75 = 20.25: 233.25. The post moves from the pair with a town without an ORT to Aix:
optimum 233.25 (without the weight, 105 for A and B against 77.75).

**Precondition, ``themes_after_ort: [habitat]`` over 2022-2023** (both towns with an
ORT signed in 2023): in 2022 no town may be funded in habitat. Two posts cover all
three towns both years (coverage 90 a year). 2022, heritage only: B-heritage-1 0.6,
B-heritage-2 0.3, A-heritage-1 0.2, A-heritage-2 0.1 and C-heritage-1 0.1: 20 x 1.3 =
26; days are not restricted: 8.5. 2023: A and C may be funded in habitat, B never:
C-habitat-1 0.9, A-habitat-1 0.8, B-heritage-1 0.6, C-habitat-2 0.45 and A-habitat-2
0.4 (B-habitat-1, also 0.4, is barred): 63; days 8.5. Optimum 124.5 + 161.5 = 286
(323 without the precondition).

**Infeasible**: the same precondition in the single year 2022 with a habitat floor of
30 % and a minimum spend of 50 %: habitat must get at least 30 % of at least 50 k EUR
and no town may have any. The diagnosis's fix for this family: let 15,000 EUR
(0.3 x 50 k) of habitat through.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.assemble import prepare
from pvd_optim.check import check_allocation
from pvd_optim.diagnose import diagnose
from pvd_optim.errors import InfeasibleError
from pvd_optim.inputs import ProgrammeArrays
from pvd_optim.scenario.schema import Scenario
from pvd_optim.town.exclusion import why_not_eligible

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
NOGENT, PONT, AIX = "10268", "10298", "10003"
TOWNS = {"eligibility.include": [NOGENT, PONT, AIX]}


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy with Pont-sur-Seine (no ORT) in place of Villenauxe, same scores."""
    folder = tmp_path_factory.mktemp("convention-toy")
    shutil.copy(SCENARIOS / "toy.yaml", folder / "toy.yaml")
    scores = (SCENARIOS / "toy-scores.csv").read_text(encoding="utf-8")
    (folder / "toy-scores.csv").write_text(scores.replace("10420", PONT), encoding="utf-8")
    return folder / "toy.yaml"


def _scenario(toy: Path, solver: str, changes: dict[str, Any]) -> Scenario:
    return load_scenario(toy, {**TOWNS, **changes, "solver.name": solver})


def _optimum(toy: Path, solver: str, changes: dict[str, Any]) -> Any:
    allocation = optimise(_scenario(toy, solver, changes))
    assert allocation.status == "optimal"
    assert allocation.check.ok
    return allocation


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_section_off_leaves_the_toy_as_it_was(toy: Path, solver: str) -> None:
    assert _optimum(toy, solver, {}).objective == pytest.approx(161.5, abs=1e-6)
    one_post = {"resources.engineering.budget_eur": 45_000}
    assert _optimum(toy, solver, one_post).objective == pytest.approx(105.0, abs=1e-6)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(("changes", "optimum", "towns"), [
    ({"convention.require_ort": True}, 135.5, [AIX, NOGENT]),
    ({"convention.require_ort_signed_by": "2023-04-01"}, 77.75, [AIX]),
])
def test_an_ort_condition_on_eligibility(toy: Path, solver: str, changes: dict[str, Any],
                                         optimum: float, towns: list[str]) -> None:
    allocation = _optimum(toy, solver, changes)
    assert allocation.objective == pytest.approx(optimum, abs=1e-6)
    assert sorted(allocation.by_town.index) == towns


def test_an_excluded_town_learns_why(toy: Path) -> None:
    scenario = _scenario(toy, "highs", {"convention.require_ort_signed_by": "2023-04-01"})
    assert why_not_eligible(scenario, PONT).reasons == (
        ("no_ort", {"signed_by": "2023-04-01", "signed_at": ""}),)
    assert why_not_eligible(scenario, NOGENT).reasons == (
        ("ort_signed_after", {"signed_by": "2023-04-01", "signed_at": "2023-04-24"}),)


def test_the_town_page_words_the_ort_reasons(toy: Path) -> None:
    from pvd_optim.i18n import translator
    from pvd_optim.town import page_content, render_markdown
    from pvd_optim.town.page import TownPage

    scenario = _scenario(toy, "highs", {"convention.require_ort_signed_by": "2023-04-01"})
    for insee, language, words in (
            (PONT, "en", "it has no ORT convention"),
            (NOGENT, "en", "its ORT convention was signed on 2023-04-24, after 2023-04-01"),
            (NOGENT, "fr", "sa convention d'ORT a été signée le 2023-04-24, après le 2023-04-01")):
        page = TownPage(insee, scenario.name, exclusion=why_not_eligible(scenario, insee))
        assert words in render_markdown(page_content(page, translator(language)))


def test_an_official_town_without_an_ort_is_told_only_that() -> None:
    national = load_scenario(SCENARIOS / "national.yaml", {"convention.require_ort": True})
    assert why_not_eligible(national, "01305").reasons == (  # Pont-de-Vaux, a PVD town
        ("no_ort", {"signed_by": "", "signed_at": ""}),)
    paris = why_not_eligible(national, "75056")  # not on the list, and no ORT either
    assert [kind for kind, _ in paris.reasons] == ["no_ort", "not_official"]


def test_national_counts_under_the_ort_condition() -> None:
    from pvd_optim.scenario import with_overrides

    national = load_scenario(SCENARIOS / "national.yaml")
    for changes, towns in (({"convention.require_ort": True}, 1_526),
                           ({"convention.require_ort_signed_by": "2022-12-31"}, 524)):
        prepared = prepare(with_overrides(national, changes))
        assert int(prepared.eligible.sum()) == towns


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_priority_weight_moves_the_one_post_to_a_town_with_an_ort(toy: Path,
                                                                     solver: str) -> None:
    allocation = _optimum(toy, solver, {"resources.engineering.budget_eur": 45_000,
                                        "convention.ort_priority_weight": 3})
    assert allocation.objective == pytest.approx(233.25, abs=1e-6)
    covered = allocation.by_town["covered"]
    assert covered[AIX] == 1 and covered[NOGENT] == 0 and covered[PONT] == 0


def test_the_weight_changes_the_benefit_not_the_need_shown(toy: Path) -> None:
    prepared = prepare(_scenario(toy, "highs", {"convention.ort_priority_weight": 3}))
    frame = prepared.towns_frame()
    assert frame.loc[NOGENT, "need_habitat"] == pytest.approx(0.8)
    assert frame.loc[NOGENT, "fragility"] == pytest.approx(0.5)
    inputs = prepared.programme.first
    assert inputs.need[inputs.town_codes.index(NOGENT), 0] == pytest.approx(2.4)
    assert inputs.need[inputs.town_codes.index(PONT), 0] == pytest.approx(0.4)


TWO_YEARS: dict[str, Any] = {"years": [2022, 2023], "convention.themes_after_ort": ["habitat"]}


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_themes_wait_for_the_ort(toy: Path, solver: str) -> None:
    allocation = _optimum(toy, solver, TWO_YEARS)
    assert allocation.objective == pytest.approx(286.0, abs=1e-6)
    habitat = allocation.programme.first.themes.index("habitat")
    years = allocation.years_arrays
    assert years[0].funding_keur[:, habitat].sum() == pytest.approx(0.0, abs=1e-6)
    pont = allocation.programme.first.town_codes.index(PONT)
    assert years[1].funding_keur[pont, habitat] == pytest.approx(0.0, abs=1e-6)
    assert years[1].funding_keur[:, habitat].sum() == pytest.approx(80.0)


def test_the_checker_catches_funding_before_the_ort(toy: Path) -> None:
    allocation = _optimum(toy, "highs", TWO_YEARS)
    programme = allocation.full_programme
    first, second = allocation.years_arrays
    habitat = programme.first.themes.index("habitat")
    pont = programme.first.town_codes.index(PONT)
    funding = first.funding_keur.copy()
    funding[pont, habitat] += 1.0  # in 2022 no town may have habitat
    bad = ProgrammeArrays((dataclasses.replace(first, funding_keur=funding), second))
    violations = check_allocation(programme, bad, ["themes_after_ort"]).violations
    assert [v.item for v in violations] == [f"2022/{PONT}/habitat"]
    assert check_allocation(programme, allocation.programme_arrays, ["themes_after_ort"]).ok


def test_one_year_without_an_ort_gets_none_of_the_theme(toy: Path) -> None:
    allocation = _optimum(toy, "highs", {"convention.themes_after_ort": "habitat"})
    habitat = allocation.inputs.themes.index("habitat")
    pont = allocation.inputs.town_codes.index(PONT)
    assert allocation.arrays.funding_keur[pont, habitat] == 0.0
    assert allocation.objective == pytest.approx(161.5, abs=1e-6)  # A-habitat-2 ties at 0.4


def test_an_unknown_theme_is_a_scenario_error(toy: Path) -> None:
    from pvd_optim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="themes_after_ort names unknown theme"):
        _scenario(toy, "highs", {"convention.themes_after_ort": ["housing"]})


def test_the_diagnosis_words_the_precondition_in_planner_terms(toy: Path) -> None:
    scenario = _scenario(toy, "highs", {
        "years": [2022], "convention.themes_after_ort": ["habitat"],
        "theme_floors_share": {"habitat": 0.3, "heritage": 0.0},
        "resources.funding.spend_min_share": 0.5})
    with pytest.raises(InfeasibleError):
        optimise(scenario)
    diagnosis = diagnose(prepare(scenario).inputs, scenario)
    fixes = {fix.family: fix for fix in diagnosis.fixes}
    fix = fixes["themes_after_ort"]
    assert fix.field == "convention.themes_after_ort"
    assert fix.needed == pytest.approx(15_000.0, abs=1e-3)
    assert fix.proof == "proven minimal"
    assert "habitat: 15,000 EUR to 1 town whose ORT is not signed yet (Pont-sur-Seine)" in (
        fix.message)
    assert fix.message.count("15,000 EUR") == 1
    assert set(fixes) == {"spend_min", "theme_floor", "themes_after_ort"}
