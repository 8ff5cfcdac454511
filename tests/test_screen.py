"""validate's necessary conditions: each counting argument derived by hand on the toy.

The toy (scenarios/toy.yaml): three towns, A and B in one intercommunality, C alone;
a post serves up to 3 towns of its group, so covering all three takes 2 posts
(one for A and B, one for C).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim import load_scenario
from pvd_optim.assemble import prepare
from pvd_optim.cli import main
from pvd_optim.errors import ExitCode
from pvd_optim.screen import screen

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _screen(**overrides: object) -> list[str]:
    scenario = load_scenario(SCENARIOS / "toy.yaml", overrides)
    return [fix.message for fix in screen(prepare(scenario).inputs, scenario)]


def test_the_toy_passes() -> None:
    assert _screen() == []


def test_one_post_cannot_cover_three_towns() -> None:
    """One post covers at most A and B (2 towns); full coverage needs 1 more post."""
    messages = _screen(**{"resources.engineering.cover_min_share": 1,
                          "resources.engineering.budget_eur": 45_000})
    assert messages == [
        "raise the engineering budget to at least 0.090 M EUR (1 more post)",
        "lower the minimum coverage share to at most 0.666 (now 1.0): at most 2 of 3 towns "
        "can have a project lead, 1 town fewer",
    ]


def test_minimum_spend_above_what_the_caps_absorb() -> None:
    """Caps 10 k EUR x 3 towns = 30 k EUR absorbable; 95 % of 100 k EUR is 95 k EUR."""
    messages = _screen(**{"resources.funding.cap_per_town_eur": 10_000,
                          "resources.funding.spend_min_share": 0.95})
    assert messages == ["lower the minimum spend share to at most 0.300 (now 0.95)"]


def test_a_theme_floor_above_what_its_saturation_allows() -> None:
    """Heritage takes at most 3 x 40 k = 120 k EUR; with 90 % of 200 k spent (180 k), its
    share is at most 120 / 180 = 0.667 < the floor of 0.8."""
    messages = _screen(**{"theme_floors_share": {"habitat": 0.0, "heritage": 0.8},
                          "resources.funding.envelope_eur": 200_000,
                          "resources.funding.cap_per_town_eur": 200_000,
                          "resources.funding.spend_min_share": 0.9})
    assert messages == ["lower the theme floors: heritage: floor from 0.8 to at most 0.667"]


def test_town_floors_above_the_envelope() -> None:
    """Full coverage of 3 towns at 50 k EUR each needs 150 k > the 100 k envelope: at most
    100 / 3 = 33,333 EUR per town."""
    messages = _screen(**{"resources.engineering.cover_min_share": 1,
                          "resources.funding.min_per_covered_town_eur": 50_000})
    assert messages == ["lower the minimum per covered town to at most 33,333 EUR "
                        "(3 towns fall short)"]


def test_validate_exits_3_with_the_diagnosis_wording(capsys) -> None:
    code = main(["validate", str(SCENARIOS / "infeasible-example.yaml"), "--lang", "en"])
    assert code == ExitCode.INFEASIBLE
    err = capsys.readouterr().err
    assert "infeasible: raise the engineering budget to at least 42.975 M EUR (555 more posts)"\
        in err


@pytest.mark.parametrize("name", ["national", "rules-based", "tight-budget", "heritage-priority"])
def test_feasible_shipped_scenarios_pass(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert screen(prepare(scenario).inputs, scenario) == []
