"""National's follow-up figures, and the fast path that gives them (issue 16, item 1).

Since Cerema's collective actions are on in ``national.yaml``, the LP relaxation of the
gap-0 base is fractional (two single-town groups share the last post, 0.439 / 0.561), so
the base of the re-solves used to be a full MIP (about 5 s against a 3 s main solve).
One branching on a fractional post settles it: both children's relaxations are integral,
and the better child is the optimum (``pvd_optim.model.follow_ups.solve_exactly``). The
figures must be those of the MIPs to the digits a planner reads (k EUR-eq, two
decimals; ``explain.py``), and no MIP is solved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.model import follow_ups
from pvd_optim.results import Allocation

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

#: The figures of the gap-0 MIPs (HiGHS 1.15.1, before the fast path): the re-solves'
#: optima 86,448.99084049222 (band widened by 0.05) and 86,455.39000519879 (one more
#: post's budget) less the gap-0 base 86,430.41985566697 (``test_shipped_optima.py``).
PRICE_OF_BALANCE_KEUR_EQ = 86448.99084049222 - 86430.41985566697
VALUE_OF_ONE_MORE_POST_KEUR_EQ = 86455.39000519879 - 86430.41985566697


@pytest.fixture(scope="module")
def national() -> tuple[Allocation, list[str]]:
    """National as shipped, every follow-up on; the follow-ups' MIP solves recorded."""
    mips: list[str] = []
    solve_from = follow_ups.solve_from

    def recording(program, settings, start):  # type: ignore[no-untyped-def]
        mips.append(f"MIP of {program.n_cols} columns at gap {settings.mip_gap}")
        return solve_from(program, settings, start)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(follow_ups, "solve_from", recording)
        allocation = optimise(load_scenario(SCENARIOS / "national.yaml"))
    return allocation, mips


def test_national_follow_up_figures_are_those_of_the_gap_0_mips(
        national: tuple[Allocation, list[str]]) -> None:
    prices = national[0].shadow_prices
    assert prices is not None
    assert prices.price_of_balance is not None and prices.value_of_one_more_post is not None
    assert round(prices.price_of_balance, 2) == round(PRICE_OF_BALANCE_KEUR_EQ, 2) == 18.57
    assert round(prices.value_of_one_more_post, 2) == round(VALUE_OF_ONE_MORE_POST_KEUR_EQ,
                                                            2) == 24.97
    # Exact, not only to the digits shown: same optima to float noise.
    assert prices.price_of_balance == pytest.approx(PRICE_OF_BALANCE_KEUR_EQ, abs=1e-6)
    assert prices.value_of_one_more_post == pytest.approx(VALUE_OF_ONE_MORE_POST_KEUR_EQ,
                                                          abs=1e-6)


def test_national_follow_ups_solve_no_mip(national: tuple[Allocation, list[str]]) -> None:
    """The gap-0 base and both re-solves are settled by LPs (relaxation, one branching)."""
    assert national[1] == []
