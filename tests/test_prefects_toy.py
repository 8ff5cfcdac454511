"""Prefects' envelopes on a toy of two départements, the optima derived by hand (HiGHS, CBC).

Three real towns, two themes, scores from the file written below:

    town                        département  group (EPCI)  fragility  habitat  heritage
    A Nogent-sur-Seine   10268  Aube (10)    200006716     0.5        0.8      0.2
    C Aix-Villemaur-P.   10003  Aube (10)    241000447     0.7        0.9      0.1
    D Sézanne            51535  Marne (51)   200066835     0.4        0.3      0.2

All three are in Grand Est. Three groups, a 135,000 EUR budget: three 45,000 EUR posts,
every town covered: 60 k EUR x (0.5 + 0.7 + 0.4) = 96.0 of coverage in every case. No
expert-days (capacity 0). Funding: an envelope of 60 k EUR, saturation 40 k EUR per town
and theme in two segments of 20 k EUR (slopes 1.0 then 0.5), caps of 60 k EUR. Benefit
per k EUR of each segment, best first: C-habitat-1 0.9, A-habitat-1 0.8, C-habitat-2
0.45, A-habitat-2 0.4, D-habitat-1 0.3, then 0.2 and below.

- No envelope: C-hab-1, A-hab-1, C-hab-2: 20 x (0.9 + 0.8 + 0.45) = 43.0; Sézanne gets
  nothing. Optimum 96 + 43 = 139.0.
- The prefect of the Marne holds 20,000 EUR (``by_department``), floor 1: Sézanne gets at
  least 20 k EUR, its best segment D-hab-1 (0.3): the 20 k EUR of C-hab-2 (0.45) move
  from Aix to Sézanne. 20 x (0.9 + 0.8 + 0.3) = 40.0; optimum 136.0; the floor of the
  Marne binds (its dual: 0.45 - 0.3 = 0.15 per k EUR).
- The same envelope at floor 0.5: Sézanne gets 10 k EUR (D-hab-1 half), Aix keeps 10 k
  EUR of C-hab-2: 18 + 16 + 4.5 + 3 = 41.5; optimum 137.5.
- A reserve of 30,000 EUR split on eligible towns: the Aube (2 towns) holds 20,000 EUR,
  the Marne (1 town) 10,000 EUR; floor 1. The Aube's floor is met anyway (the optimum
  gives it 60 k EUR); the Marne's moves 10 k EUR from C-hab-2 to D-hab-1: 41.5 again.
- That reserve with ``ceiling_multiple: 2``: the Aube receives at most 40 k EUR, the
  Marne between 10 and 20 k EUR. The Aube's best 40 k EUR are C-hab-1 and A-hab-1 (34.0);
  the 20 k EUR left go to D-hab-1, the Marne's best (6.0): 40.0; optimum 136.0; both
  ceilings bind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pvd_optim import load_scenario, optimise

COVERAGE = 60.0 * (0.5 + 0.7 + 0.4)
NOGENT, AIX, SEZANNE, TONNERRE = "10268", "10003", "51535", "89418"

SCORES = """insee,fragility,need_habitat,need_heritage
10268,0.5,0.8,0.2
10003,0.7,0.9,0.1
51535,0.4,0.3,0.2
89418,0.5,0.5,0.5
"""

TOY = """name: prefects-toy
eligibility:
  mode: listed
  include: {towns}
themes:
  definitions:
    habitat: {{housing_vacancy_pct: 1.0}}
    heritage: {{monuments: 1.0}}
    services: null
    revitalisation: null
    mobility: null
    digital: null
  scores_csv: scores.csv
resources:
  funding:
    envelope_eur: 60_000
    cap_per_town_eur: 60_000
    cap_per_inhabitant_eur: 1_000
    saturation_per_theme_eur: 40_000
    spend_min_share: 0
  expertise:
    capacity_days: 0
  engineering:
    budget_eur: {budget}
    subsidy_per_post_eur: 45_000
    cover_min_share: 0
balance:
  mode: off
theme_floors_share: 0
benefit:
  segment_widths_share: [0.5, 0.5]
  slopes: [1.0, 0.5]
  value_per_covered_town_eur: 60_000
solver:
  mip_gap: 0
"""


def toy(tmp_path: Path, towns: tuple[str, ...] = (NOGENT, AIX, SEZANNE)) -> Path:
    """The toy scenario of the module docstring (with ``towns``), written in ``tmp_path``."""
    (tmp_path / "scores.csv").write_text(SCORES, encoding="utf-8")
    path = tmp_path / "toy.yaml"
    listed = "[" + ", ".join(f'"{code}"' for code in towns) + "]"
    path.write_text(TOY.format(towns=listed, budget=45_000 * len(towns)), encoding="utf-8")
    return path


MARNE = {"resources.funding.prefects": {"by_department": {"51": 20_000}}}
RESERVE = {"resources.funding.prefects": {"reserve_eur": 30_000, "basis": "towns"}}
CEILING = {"resources.funding.prefects": {"reserve_eur": 30_000, "ceiling_multiple": 2}}
HALF = {"resources.funding.prefects": {"by_department": {"51": 20_000}, "floor_share": 0.5}}


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(("changes", "funding_benefit", "by_town_keur"), [
    ({}, 43.0, {NOGENT: 20.0, AIX: 40.0, SEZANNE: 0.0}),
    (MARNE, 40.0, {NOGENT: 20.0, AIX: 20.0, SEZANNE: 20.0}),
    (HALF, 41.5, {NOGENT: 20.0, AIX: 30.0, SEZANNE: 10.0}),
    (RESERVE, 41.5, {NOGENT: 20.0, AIX: 30.0, SEZANNE: 10.0}),
    (CEILING, 40.0, {NOGENT: 20.0, AIX: 20.0, SEZANNE: 20.0}),
], ids=["none", "marne", "half-floor", "reserve-on-towns", "ceiling"])
def test_the_floor_moves_funding_to_the_departements_towns(
        tmp_path: Path, solver: str, changes: dict[str, Any], funding_benefit: float,
        by_town_keur: dict[str, float]) -> None:
    allocation = optimise(load_scenario(toy(tmp_path), {**changes, "solver.name": solver}))
    assert allocation.status == "optimal"
    assert allocation.check.ok
    assert allocation.objective_parts["coverage_value"] == pytest.approx(COVERAGE)
    assert allocation.objective_parts["funding_benefit"] == pytest.approx(funding_benefit)
    assert allocation.objective_parts["expertise_benefit"] == pytest.approx(0.0)
    assert allocation.objective == pytest.approx(COVERAGE + funding_benefit, rel=1e-9)
    funding = allocation.by_town["funding_eur"]
    for code, amount in by_town_keur.items():
        assert funding[code] == pytest.approx(amount * 1_000, abs=1e-3), code


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_each_programme_year_has_its_own_envelopes(tmp_path: Path, solver: str) -> None:
    """The toy over 2025-2026, a reserve of 20,000 EUR in 2025 and 30,000 EUR in 2026.

    Split on eligible towns, the Marne (1 town of 3) holds 6.667 k EUR in 2025 and 10 k EUR
    in 2026; floor 1. 2025: Sézanne gets 6.667 k EUR of D-hab-1 (2.0), the rest goes to
    C-hab-1, A-hab-1 (34.0) and 13.333 k EUR of C-hab-2 (6.0): 42.0. 2026: 41.5, as above.
    Every town is covered both years (96.0 each): 192 + 42 + 41.5 = 275.5.
    """
    allocation = optimise(load_scenario(toy(tmp_path), {
        "years": [2025, 2026], "programme.entry": "first_year", "solver.name": solver,
        "resources.funding.prefects": {"reserve_eur": {2025: 20_000, 2026: 30_000}}}))
    assert allocation.status == "optimal"
    assert allocation.objective == pytest.approx(2 * COVERAGE + 42.0 + 41.5, rel=1e-9)
    table = allocation.by_department.reset_index().set_index(["year", "department"])
    assert table.loc[(2025, "51"), "envelope_eur"] == pytest.approx(20_000 / 3)
    assert table.loc[(2025, "51"), "funding_eur"] == pytest.approx(20_000 / 3)
    assert table.loc[(2026, "51"), "funding_eur"] == pytest.approx(10_000)
    assert ("prefects", "prefect's envelope of Marne in 2025") in {
        (b.family, b.label) for b in allocation.binding}


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_departement_whose_towns_have_not_joined_holds_nothing(tmp_path: Path,
                                                                  solver: str) -> None:
    """Sézanne joins in 2026; a reserve of 30,000 EUR a year on eligible towns, ceiling 2.

    2025: only the Aube's towns have joined: it holds the whole 30 k EUR (floor 30, ceiling
    60), the Marne nothing (no floor, no ceiling); the funding goes as with no envelope:
    C-hab-1, A-hab-1, C-hab-2 (43.0), coverage 60 x (0.5 + 0.7) = 72. 2026: the ceiling
    case, 40.0 and 96. Optimum 72 + 43 + 96 + 40 = 251.
    """
    allocation = optimise(load_scenario(toy(tmp_path), {
        "years": [2025, 2026], "programme.entry": "first_year", "solver.name": solver,
        "programme.entry_year_by_town": {SEZANNE: 2026}, **CEILING}))
    assert allocation.status == "optimal"
    assert allocation.objective == pytest.approx(72 + 43 + 96 + 40, rel=1e-9)
    table = allocation.by_department.reset_index().set_index(["year", "department"])
    assert table.loc[(2025, "10"), "envelope_eur"] == pytest.approx(30_000)
    assert table.loc[(2025, "51"), "envelope_eur"] == 0
    assert table.loc[(2025, "51"), "binds"] == ""
    labels = [b.label for b in allocation.binding if b.family == "prefects"]
    assert not [label for label in labels if "Marne in 2025" in label]
    assert "ceiling of the prefect's envelope of Aube in 2025" in labels
