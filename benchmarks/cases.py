"""Seeded benchmark cases for the allocation model, shared by pytest and ``measure_memory.py``.

Every case is a real ``Scenario`` run through the whole product (load, score,
select, build, solve, verify, write), so each approach benchmarks the same model:

- ``national``: the 1,646 official towns, ``scenarios/national.yaml`` as shipped.
- ``synthetic-5000``: 5,000 communes drawn without replacement, seed 20261125, from
  the ``all`` eligible set (the 34,875 communes with a region), made eligible with
  ``eligibility.mode: listed``; resources are those of ``all-communes.yaml`` scaled by
  5,000 / 34,875 (same per-town endowment as the national and all-communes cases).
  Real indicators, real intercommunalities, regions and directorates.
- ``all-communes``: the 34,875 communes, ``scenarios/all-communes.yaml``.
- ``national-200``: the 200 official towns of three regions (Ile-de-France,
  Provence-Alpes-Cote d'Azur, Hauts-de-France), ``national.yaml``'s resources scaled
  by 200 / 1,646: seconds for every approach, the smoke run's case for the naive
  baseline (drawn communes, as in ``synthetic-5000``, rarely share a post and made
  a 300-commune draw take CBC minutes).

These cases switch off the two analysis re-solves (price of balance, value of one
more post), so the pipeline does exactly the solves bare HiGHS does: the MIP,
then the LP with posts and coverage fixed for shadow prices. The ``-analyses``
cases and ``tight-budget`` keep the scenario's own analysis switches (issue 16:
the follow-up solves against the main solve).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

#: The analysis re-solves are off everywhere, for a like-for-like ratio with bare HiGHS.
LIKE_FOR_LIKE: dict[str, Any] = {
    "analysis.price_of_balance": False,
    "analysis.value_of_one_more_post": False,
}

#: Cerema's collective actions off: what the naive baseline can formulate.
NO_COLLECTIVE: tuple[tuple[str, Any], ...] = (("collective_actions.enabled", False),)

SYNTHETIC_SEED = 20261125
ALL_COMMUNES = 34_875


@dataclass(frozen=True)
class Case:
    """A named benchmark case: a scenario file plus overrides."""

    name: str
    scenario_file: str
    n_towns: int
    rounds: int  # pytest-benchmark rounds for the in-process measurements
    large: bool = False  # minutes per solve: only in full mode (PVD_BENCH_FULL=1)
    smoke: bool = True  # also in the smoke run (False: only with PVD_BENCH_FULL=1)
    extra: tuple[tuple[str, Any], ...] = ()
    like_for_like: bool = True  # analysis re-solves off (False: the scenario's own switches)

    def overrides(self) -> dict[str, Any]:
        """Overrides applied to the scenario file (analysis re-solves off, then extras)."""
        base = LIKE_FOR_LIKE if self.like_for_like else {}
        return {**base, **dict(self.extra), **_dynamic(self.name)}

    def scenario(self):  # type: ignore[no-untyped-def]
        """The validated ``Scenario``."""
        from pvd_optim.scenario import load_scenario

        return load_scenario(SCENARIOS / self.scenario_file, overrides=self.overrides())


@cache
def synthetic_codes(n: int, seed: int = SYNTHETIC_SEED) -> tuple[str, ...]:
    """``n`` INSEE codes drawn without replacement from the communes with a region."""
    import numpy as np

    from pvd_optim.data.towns import load_communes

    table = load_communes()
    pool = table.index[table["region"].notna().to_numpy()]
    assert len(pool) == ALL_COMMUNES, len(pool)
    rng = np.random.default_rng(seed)
    return tuple(sorted(pool[rng.choice(len(pool), size=n, replace=False)].astype(str)))


#: Regions of the ``national-200`` case (Ile-de-France, Provence-Alpes-Cote d'Azur,
#: Hauts-de-France): 200 official towns.
SMALL_REGIONS = ("11", "93", "32")
NATIONAL_TOWNS = 1_646


@cache
def official_codes(regions: tuple[str, ...]) -> tuple[str, ...]:
    """INSEE codes of the official programme towns of ``regions``."""
    from pvd_optim.data.towns import load_communes

    table = load_communes()
    chosen = table["pvd"].to_numpy(dtype=bool) & table["region"].isin(regions).to_numpy()
    return tuple(sorted(table.index[chosen].astype(str)))


def _dynamic(name: str) -> dict[str, Any]:
    if name == "national-200":
        codes = official_codes(SMALL_REGIONS)
        scale = len(codes) / NATIONAL_TOWNS
        return {
            "name": name,
            "eligibility.mode": "listed",
            "eligibility.include": list(codes),
            "resources.funding.envelope_eur": round(25_800_000 * scale),
            "resources.expertise.capacity_days": round(20_000 * scale),
            "resources.engineering.budget_eur": round(40_500_000 * scale),
        }
    if not name.startswith("synthetic-"):
        return {}
    n = int(name.removeprefix("synthetic-"))
    scale = n / ALL_COMMUNES
    return {
        "name": name,
        "eligibility.mode": "listed",
        "eligibility.include": list(synthetic_codes(n)),
        "resources.funding.envelope_eur": round(546_600_000 * scale),
        "resources.expertise.capacity_days": round(423_700 * scale),
        "resources.engineering.budget_eur": round(858_000_000 * scale),
    }


CASES: dict[str, Case] = {
    case.name: case
    for case in (
        # The naive baseline formulates the reference model, without Cerema's collective
        # actions (national.yaml's since issue 13): the like-for-like cases leave them out;
        # national-analyses runs the scenario as shipped.
        Case("national", "national.yaml", 1_646, rounds=3, extra=NO_COLLECTIVE),
        # Half a minute per solve: full mode only, so the test suite's smoke run stays short.
        Case("synthetic-5000", "all-communes.yaml", 5_000, rounds=2, smoke=False),
        Case("all-communes", "all-communes.yaml", ALL_COMMUNES, rounds=1, large=True),
        # Seconds for every approach, the naive CBC baseline included: the smoke run's
        # case, so that the baseline cannot rot without a 40 s national CBC solve.
        Case("national-200", "national.yaml", 200, rounds=1,
             extra=(("solver.mip_gap", 0.0), *NO_COLLECTIVE)),
        # Analyses as shipped (issue 16: follow-ups against the main solve).
        Case("toy-analyses", "toy.yaml", 3, rounds=1, like_for_like=False),
        Case("national-analyses", "national.yaml", 1_646, rounds=1, like_for_like=False),
        Case("tight-budget", "tight-budget.yaml", 1_646, rounds=1, like_for_like=False),
    )
}

#: The shipped scenarios, whose whole ``pvd-optim run`` the benchmarks time.
SHIPPED = ("national", "rules-based", "tight-budget", "heritage-priority", "all-communes",
           "infeasible-example", "toy")

#: Analysis switches, from none to all: which follow-up solves each one cuts.
SWITCHES: dict[str, dict[str, Any]] = {
    "as shipped": {},
    "re-solves off": dict(LIKE_FOR_LIKE),
    "all analyses off": {**LIKE_FOR_LIKE, "analysis.shadow_prices": False},
}


def full_mode() -> bool:
    """Whether the minutes-long 34,875 cases run (``PVD_BENCH_FULL=1``)."""
    return os.environ.get("PVD_BENCH_FULL", "") not in ("", "0")


def slow_mode() -> bool:
    """Whether the naive PuLP + CBC baseline runs beyond 1,646 towns (``PVD_BENCH_SLOW=1``)."""
    return os.environ.get("PVD_BENCH_SLOW", "") not in ("", "0")
