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
from pvd_optim.families.registry import Elastic, Family, Fix, FixContext, RowBlock, in_year
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message, Plural, first_and_rest, joined
from pvd_optim.inputs import RESOURCES, AllocationArrays, ModelInputs, keur_to_meur
from pvd_optim.tolerances import RELAXATION_NOISE, ROUNDING_GUARD

#: The scenario fields the fixes change.
FLOOR_FIELD = "resources.funding.prefects.floor_share"
CEILING_FIELD = "resources.funding.prefects.ceiling_multiple"


def _meur(amount_keur: float) -> Message:
    return Message("{amount:,.3f} M EUR", amount=keur_to_meur(amount_keur))


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
                yearly_band: bool = True) -> Message:
    """Why the envelope of département ``h`` cannot be spent to its floor, in planner words.

    ``yearly_band``: the regional band holds each year (not once over the horizon), so
    the year's band can be set against the year's floors.
    """
    pe = inputs.prefects
    assert pe is not None
    floor = float(pe.floor_keur[h])
    intake = intake_keur(inputs, h)
    head = Message("the envelope of the prefect of {department} ({envelope})",
                   department=_name(inputs, h), envelope=_meur(pe.envelope_keur[h]))
    if intake < floor - RELAXATION_NOISE:
        return Message("{head} cannot be spent: its towns can take {intake} at most under "
                       "their caps", head=head, intake=_meur(intake))
    region = int(pe.region_of_department[h])
    if inputs.balance_mode == "hard" and yearly_band:
        mates = np.flatnonzero(pe.region_of_department == region)
        floors = float(pe.floor_keur[mates].sum())
        ceiling = band_ceiling_keur(inputs, arrays, region)
        if ceiling < floors - RELAXATION_NOISE:
            listed = joined((Message("{department} ({floor})", department=_name(inputs, int(m)),
                                     floor=_meur(pe.floor_keur[m])) for m in mates), ", ")
            return Message(
                "{head} cannot be spent: the regional balance band of {region} caps its "
                "funding at {ceiling} ((1 + {tolerance:g}) x its fair share {share:.3g} of a "
                "total of {total}), below the prefects' floors of its départements {listed}: "
                "{floors} in all", head=head, region=inputs.region_names[region],
                ceiling=_meur(ceiling), tolerance=inputs.balance_tolerance,
                share=inputs.fair_share[region], total=_meur(arrays.funding_keur.sum()),
                listed=listed, floors=_meur(floors))
    return Message("{head} cannot be spent to its floor beside the scenario's other rules",
                   head=head)


#: Départements a fix names in its message; the others are in its detail.
SHOWN_DEPARTMENTS = 3


def _first_few(parts: list[Message]) -> Message:
    """The first reasons, and how many more there are (all of them are in the detail)."""
    return first_and_rest(parts, SHOWN_DEPARTMENTS, lambda more: Plural(
        "; and {count} more département", "; and {count} more départements", more))


def _prefects_fix(ctx: FixContext) -> Fix | None:
    """Lower the floor share (or raise the ceiling) until every envelope can be honoured."""
    years = ctx.years
    arrays = (ctx.programme_arrays.years if ctx.programme_arrays is not None
              else (ctx.arrays,))
    floor_slack = ctx.year_slack("prefect_floor")
    yearly_band = ctx.programme is None or ctx.programme.balance_scope == "year" or len(years) == 1
    parts: list[Message] = []
    floor_share = ctx.inputs.prefects.floor_share if ctx.inputs.prefects else 0.0
    reachable = floor_share
    for y, h in zip(*np.nonzero(floor_slack > RELAXATION_NOISE), strict=True):
        year = years[int(y)]
        assert year.prefects is not None
        envelope = float(year.prefects.envelope_keur[h])
        got = float(year.prefects.floor_keur[h] - floor_slack[y, h])
        reachable = min(reachable, max(0.0, got / envelope) if envelope > 0 else 0.0)
        parts.append(Message("{why}{when}", why=why_unspent(year, arrays[int(y)], int(h),
                                                              yearly_band),
                             when=in_year(year.year, len(years) > 1)))
    if parts:
        share = _at_most(reachable)
        return Fix("prefects", FLOOR_FIELD, floor_share, share,
                   Message("lower the prefects' floor share to at most {share:.3f} (now "
                           "{now:g}): {reasons}", share=share, now=floor_share,
                           reasons=_first_few(parts)), tuple(parts[1:]))
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
        parts.append(Message("{department} must receive {amount}{when}",
                             department=_name(year, int(h)),
                             amount=_meur(year.prefects.ceiling_keur[h] + ceiling_slack[y, h]),
                             when=in_year(year.year, len(years) > 1)))
    if not parts:
        return None
    assert ctx.inputs.prefects is not None
    now = ctx.inputs.prefects.ceiling_multiple
    multiple = float(np.ceil(needed * 1000 - ROUNDING_GUARD) / 1000)
    return Fix("prefects", CEILING_FIELD, now, multiple,
               Message("raise the prefects' ceiling multiple to at least {multiple:.3f} (now "
                       "{now:g}): {reasons}", multiple=multiple, now=now,
                       reasons=_first_few(parts)), tuple(parts[1:]))


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
