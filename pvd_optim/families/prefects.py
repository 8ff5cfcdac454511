"""The prefects' envelopes: part of each year's funding held per département.

One family, registered like the others (rows in ``pvd_optim.model.rows.prefects``,
check in ``pvd_optim.check.prefects``). With ``resources.funding.prefects`` a
département ``d`` holding an envelope ``P_d`` in a year gets at least
``floor_share x P_d`` of that year's funding and, with a ceiling, at most
``ceiling_multiple x P_d`` (``docs/model.md#prefects-envelopes``). Without the
section the family adds no row.

The diagnosis lets the floors and ceilings bend and words the fix for a planner:
why an envelope cannot be spent (its towns' caps, or the regional balance band of
its region below the floors of its départements), and the floor or ceiling that
would do.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families.reference import _at_most
from pvd_optim.families.registry import Elastic, Family, Fix, FixContext, RowBlock
from pvd_optim.i18n import N_
from pvd_optim.inputs import RESOURCES, AllocationArrays, ModelInputs, keur_to_meur
from pvd_optim.tolerances import RELAXATION_NOISE, ROUNDING_GUARD

#: The scenario fields the fixes change.
FLOOR_FIELD = "resources.funding.prefects.floor_share"
CEILING_FIELD = "resources.funding.prefects.ceiling_multiple"


def _meur(amount_keur: float) -> str:
    return f"{keur_to_meur(amount_keur):,.3f} M EUR"


def _name(inputs: ModelInputs, h: int) -> str:
    assert inputs.prefects is not None
    return inputs.prefects.department_names[h]


def intake_keur(inputs: ModelInputs, h: int) -> float:
    """The most the towns of département ``h`` can receive this year: their caps.

    A town receives at most its cap, and at most its themes' saturations together;
    a town that has not joined, or is kept only for its commitments, receives
    nothing more.
    """
    assert inputs.prefects is not None
    towns = inputs.prefects.towns_of(h)
    towns = towns[inputs.joined[towns] & inputs.eligible[towns]]
    each = np.minimum(inputs.cap_keur[towns], inputs.saturation_keur.sum())
    return float(each.sum())


def band_ceiling_keur(inputs: ModelInputs, arrays: AllocationArrays, region: int) -> float:
    """The funding the hard regional band lets ``region`` have, at the allocation's total."""
    funding = RESOURCES.index("funding")
    total = float(arrays.funding_keur.sum())
    return ((1 + inputs.balance_tolerance) * inputs.fair_share[region] * total
            + inputs.balance_band_extra[funding, region])


def why_unspent(inputs: ModelInputs, arrays: AllocationArrays, h: int,
                yearly_band: bool = True) -> str:
    """Why the envelope of département ``h`` cannot be spent to its floor, in planner words.

    ``yearly_band``: the regional band holds each year (not once over the horizon), so
    the year's band can be set against the year's floors.
    """
    pe = inputs.prefects
    assert pe is not None
    floor = float(pe.floor_keur[h])
    intake = intake_keur(inputs, h)
    head = f"the envelope of the prefect of {_name(inputs, h)} ({_meur(pe.envelope_keur[h])})"
    if intake < floor - RELAXATION_NOISE:
        return (f"{head} cannot be spent: its towns can take {_meur(intake)} at most under "
                "their caps")
    region = int(pe.region_of_department[h])
    if inputs.balance_mode == "hard" and yearly_band:
        mates = np.flatnonzero(pe.region_of_department == region)
        floors = float(pe.floor_keur[mates].sum())
        ceiling = band_ceiling_keur(inputs, arrays, region)
        if ceiling < floors - RELAXATION_NOISE:
            listed = ", ".join(f"{_name(inputs, int(m))} ({_meur(pe.floor_keur[m])})"
                               for m in mates)
            return (f"{head} cannot be spent: the regional balance band of "
                    f"{inputs.region_names[region]} caps its funding at {_meur(ceiling)} "
                    f"((1 + {inputs.balance_tolerance:g}) x its fair share "
                    f"{inputs.fair_share[region]:.3g} of a total of "
                    f"{_meur(arrays.funding_keur.sum())}), below the prefects' floors of its "
                    f"départements {listed}: "
                    f"{_meur(floors)} in all")
    return f"{head} cannot be spent to its floor beside the scenario's other rules"


#: Départements a fix names in its message; the others are in its detail.
SHOWN_DEPARTMENTS = 3


def _first_few(parts: list[str]) -> str:
    """The first reasons, and how many more there are (all of them are in the detail)."""
    more = len(parts) - SHOWN_DEPARTMENTS
    return "; ".join(parts[:SHOWN_DEPARTMENTS]) + (
        f"; and {more} more département{'' if more == 1 else 's'}" if more > 0 else "")


def _prefects_fix(ctx: FixContext) -> Fix | None:
    """Lower the floor share (or raise the ceiling) until every envelope can be honoured."""
    years = ctx.years
    arrays = (ctx.programme_arrays.years if ctx.programme_arrays is not None
              else (ctx.arrays,))
    floor_slack = ctx.year_slack("prefect_floor")
    yearly_band = ctx.programme is None or ctx.programme.balance_scope == "year" or len(years) == 1
    parts: list[str] = []
    floor_share = ctx.inputs.prefects.floor_share if ctx.inputs.prefects else 0.0
    reachable = floor_share
    for y, h in zip(*np.nonzero(floor_slack > RELAXATION_NOISE), strict=True):
        year = years[int(y)]
        assert year.prefects is not None
        envelope = float(year.prefects.envelope_keur[h])
        got = float(year.prefects.floor_keur[h] - floor_slack[y, h])
        reachable = min(reachable, max(0.0, got / envelope) if envelope > 0 else 0.0)
        when = f" in {year.year}" if len(years) > 1 else ""
        parts.append(why_unspent(year, arrays[int(y)], int(h), yearly_band) + when)
    if parts:
        share = _at_most(reachable)
        return Fix("prefects", FLOOR_FIELD, floor_share, share,
                   f"lower the prefects' floor share to at most {share:.3f} (now "
                   f"{floor_share:g}): " + _first_few(parts), tuple(parts[1:]))
    if "prefect_ceiling" not in ctx.slack:
        return None
    ceiling_slack = ctx.year_slack("prefect_ceiling")
    needed = 0.0
    for y, h in zip(*np.nonzero(ceiling_slack > RELAXATION_NOISE), strict=True):
        year = years[int(y)]
        assert year.prefects is not None
        envelope = float(year.prefects.envelope_keur[h])
        if envelope > 0:
            needed = max(needed, (year.prefects.ceiling_keur[h] + ceiling_slack[y, h]) / envelope)
        parts.append(f"{_name(year, int(h))} must receive "
                     f"{_meur(year.prefects.ceiling_keur[h] + ceiling_slack[y, h])}"
                     + (f" in {year.year}" if len(years) > 1 else ""))
    if not parts:
        return None
    assert ctx.inputs.prefects is not None
    now = ctx.inputs.prefects.ceiling_multiple
    multiple = float(np.ceil(needed * 1000 - ROUNDING_GUARD) / 1000)
    return Fix("prefects", CEILING_FIELD, now, multiple,
               f"raise the prefects' ceiling multiple to at least {multiple:.3f} (now {now:g}): "
               + _first_few(parts), tuple(parts[1:]))


def _department(inputs: ModelInputs, h: int) -> dict[str, str]:
    return {"department": _name(inputs, h)}


PREFECTS = Family(
    "prefects", N_("prefects' envelopes"),
    "the funding to the towns of each département holding a prefect's envelope P_d is at "
    "least floor_share x P_d and, with a ceiling, at most ceiling_multiple x P_d; the "
    "envelopes sum to at most the funding envelope", "k EUR", "target",
    (RowBlock("prefect_floor", "funding to a département's towns >= floor x its envelope",
              binding=N_("prefect's envelope of {department}"),
              names=_department),
     RowBlock("prefect_ceiling", "funding to a département's towns <= ceiling x its envelope",
              binding=N_("ceiling of the prefect's envelope of {department}"),
              names=_department)),
    Elastic(("prefect_floor", "prefect_ceiling"), _prefects_fix),
    meaning=N_("the département receives exactly its prefect's floor (without it, this funding "
               "would go to towns of other départements) or its ceiling (it would take more)"),
    active=lambda inputs: inputs.prefects is not None)
