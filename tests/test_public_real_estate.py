"""The public-real-estate theme: a catalogue theme from proxies, not a default theme.

Public real estate is the one APVF domain without an indicator of its own among the
embedded data: the catalogue builds it from brownfield surface, protected monuments
and population decline (``pvd_optim.themes.CATALOGUE_THEME_RATIONALE`` says why, and
what it misses). ``scenarios/public-real-estate.yaml`` is the worked example.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pvd_optim import load_scenario, optimise
from pvd_optim.assemble import prepare
from pvd_optim.scenario.schema import Scenario
from pvd_optim.themes import (
    CATALOGUE_THEME_RATIONALE,
    CATALOGUE_THEMES,
    DEFAULT_DIRECTIONS,
    DEFAULT_THEMES,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "public-real-estate.yaml"
FAST = {"analysis.shadow_prices": False, "analysis.price_of_balance": False,
        "analysis.value_of_one_more_post": False}


def test_the_catalogue_theme_is_not_a_default_theme() -> None:
    assert "public_real_estate" in CATALOGUE_THEMES
    assert not set(CATALOGUE_THEMES) & set(DEFAULT_THEMES)
    assert "public_real_estate" not in Scenario().theme_names
    assert set(CATALOGUE_THEME_RATIONALE) == set(CATALOGUE_THEMES)
    for weights in CATALOGUE_THEMES.values():
        assert set(weights) <= set(DEFAULT_DIRECTIONS)  # every proxy has its direction


def test_the_worked_example_uses_the_catalogue_definition() -> None:
    scenario = load_scenario(EXAMPLE)
    assert scenario.theme_names[-1] == "public_real_estate"
    assert scenario.themes.definitions["public_real_estate"] == dict(
        CATALOGUE_THEMES["public_real_estate"])
    # The six default themes are those of the national scenario.
    assert scenario.theme_names[:-1] == tuple(DEFAULT_THEMES)


def test_the_proxy_need_follows_its_indicators() -> None:
    """More brownfield surface, more monuments, a steeper decline: more need."""
    prepared = prepare(load_scenario(EXAMPLE))
    frame = prepared.towns_frame()
    table = prepared.table.loc[frame.index]
    need = frame["need_public_real_estate"]
    assert need.between(0.0, 1.0).all()
    ranks = need.rank()
    for column, sign in (("brownfield_surface_ha", 1), ("monuments", 1),
                         ("population_change_pct", -1)):
        assert sign * ranks.corr(table[column].rank()) > 0.2, column


def test_the_worked_example_solves_and_funds_the_theme_at_least_to_its_floor() -> None:
    allocation = optimise(load_scenario(EXAMPLE, FAST))
    assert allocation.status == "optimal" and allocation.check.ok
    funding = allocation.arrays.funding_keur.sum(axis=0)
    share = funding[allocation.inputs.themes.index("public_real_estate")] / funding.sum()
    assert share >= 0.08 - 1e-6
    # No optimum pinned: the example extends national.yaml, whose changes it follows.
    assert np.isfinite(allocation.objective)
