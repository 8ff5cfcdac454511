"""Numbers a planner can read: the one rounding of written tables, and its verification.

Solver values carry float noise (a utilisation of 1.0000000000000089, 5.68e-11 EUR
"outside the band", -0.0 days). Tables are rounded once, when written, after the
checker passed on the exact values (the state file keeps those): money to the cent,
days and mixed amounts to 0.01, counts to whole numbers, every other number (shares,
needs, prices) to 1e-6; no negative zero. The rounded tables are then checked again,
with the tolerance the rounding explains (half a unit per value summed in a row,
``check.Rounding``), so what a planner reads satisfies every rule too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.check import Rounding, check_allocation
from pvd_optim.inputs import EUR_PER_UNIT, AllocationArrays

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation

#: Columns that count whole things (towns, posts, inhabitants).
COUNT_COLUMNS = frozenset({"covered", "posts", "towns", "covered_towns", "eligible_towns",
                           "towns_funded", "population"})
#: Columns of amounts in mixed units (EUR, days, towns; the table's ``unit`` column says).
MIXED_AMOUNT_COLUMNS = frozenset({"used", "fair_share", "deviation", "outside_band"})
CENT_DECIMALS = 2
DAY_DECIMALS = 2
OTHER_DECIMALS = 6
#: Half the unit written values are rounded to, in model units (k EUR, days).
WRITTEN_ROUNDING = Rounding(funding_keur=0.5 * 10.0 ** -CENT_DECIMALS / EUR_PER_UNIT,
                            days=0.5 * 10.0 ** -DAY_DECIMALS)


def decimals(column: str) -> int:
    """Decimals kept for a numeric column, from what its name says it holds."""
    if column in COUNT_COLUMNS:
        return 0
    if column.endswith("_eur") or column in MIXED_AMOUNT_COLUMNS:
        return CENT_DECIMALS
    if "days" in column and "per_day" not in column:
        return DAY_DECIMALS
    return OTHER_DECIMALS


def for_planners(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every float column rounded as :func:`decimals` says, counts as integers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind != "f":
            continue
        places = decimals(str(column))
        values = np.round(out[column].to_numpy(dtype=np.float64), places) + 0.0  # no -0.0
        if places == 0 and np.isfinite(values).all():
            out[column] = values.astype(np.int64)
        else:
            out[column] = values
    return out


def verify_rounded(allocation: Allocation, town_theme: pd.DataFrame, town: pd.DataFrame) -> None:
    """Re-check the rounded tables on the families the allocation promises (a bug if not)."""
    from pvd_optim.inputs import ProgrammeArrays

    inputs = allocation.inputs
    years = allocation.years_arrays
    shape = (len(years), inputs.n_towns, inputs.n_themes)
    funding = town_theme["funding_eur"].to_numpy(dtype=np.float64).reshape(shape) / EUR_PER_UNIT
    days = town_theme["expert_days"].to_numpy(dtype=np.float64).reshape(shape)
    covered = town["covered"].to_numpy(dtype=np.float64).reshape(shape[:2])
    arrays = ProgrammeArrays(tuple(
        AllocationArrays(funding_keur=funding[y], days=days[y], covered=covered[y],
                         posts=year.posts, carry_in_keur=year.carry_in_keur,
                         carry_out_keur=year.carry_out_keur,
                         cofunding_keur=year.cofunding_keur,
                         collective_events=year.collective_events, attendance=year.attendance)
        for y, year in enumerate(years)))
    report = check_allocation(allocation.full_programme, arrays, allocation.check.checked,
                              rounding=WRITTEN_ROUNDING)
    report.raise_if_violated("rounded tables")
