"""What an allocation is worth and how balanced it is, recomputed from the model's definition.

The objective's parts (need-weighted benefit on the concave curve, coverage value,
soft-balance penalty) and the regional balance bands, computed with numpy from
``ModelInputs`` and the allocation's arrays alone, never from the matrix the
solver saw. The independent checker (:mod:`pvd_optim.check`) and every result
read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pvd_optim.inputs import (
    AllocationArrays,
    FloatArray,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    as_programme,
    as_programme_arrays,
    collective_arrays,
)


def concave_benefit(amount: FloatArray, saturation: FloatArray, inputs: ModelInputs) -> FloatArray:
    """Benefit of ``amount`` (n, K) on the concave curve, filling segments in order."""
    edges = np.concatenate([[0.0], np.cumsum(inputs.segment_widths)])
    benefit = np.zeros_like(amount)
    for s, slope in enumerate(inputs.slopes):
        low = edges[s] * saturation
        width = inputs.segment_widths[s] * saturation
        benefit += slope * np.clip(amount - low, 0.0, width)
    return benefit


def objective_parts(inputs: ModelInputs | ProgrammeInputs,
                    allocation: AllocationArrays | ProgrammeArrays) -> dict[str, float]:
    """The objective's parts recomputed from the allocation (k EUR-equivalents).

    Each year's benefit is weighted by its discount factor (``objective_weight``; the
    running share is already in its saturations and coverage value). ``balance_penalty``
    is the soft-mode penalty on deviations outside the band (0 in hard mode or when
    balance is off).
    """
    programme = as_programme(inputs)
    arrays = as_programme_arrays(allocation)
    funding = expertise = coverage = 0.0
    for year, year_arrays in zip(programme.years, arrays.years, strict=True):
        parts = year_benefit(year, year_arrays)
        funding += parts[0]
        expertise += parts[1]
        coverage += parts[2]
    penalty = 0.0
    if programme.first.balance_mode == "soft":
        for period in balance_periods(programme, arrays):
            below, above = period.deviations()
            penalty += float(((below + above) * period.weight).sum())
    out = {
        "funding_benefit": funding,
        "expertise_benefit": expertise,
        "coverage_value": coverage,
        "balance_penalty": -penalty,
    }
    if programme.first.collective:  # only then: the other scenarios' parts stay as they were
        out["collective_value"] = collective_value(programme, arrays)
    out["total"] = sum(out.values())
    return out


def collective_value(programme: ProgrammeInputs, arrays: ProgrammeArrays) -> float:
    """The value of the towns' collective actions (k EUR-eq, ``docs/model.md``).

    Each attendance is worth need x the action's value (times the year's discount factor);
    each action beyond a town's first over the horizon is worth the discount D x need less.
    """
    first = programme.first
    value = 0.0
    actions = np.zeros(first.n_towns)
    for year, year_arrays in zip(programme.years, arrays.years, strict=True):
        _, attendance = collective_arrays(year, year_arrays)
        value += year.objective_weight * float(
            (year.collective_need[:, None] * year.collective_value_keur[None, :]
             * attendance).sum())
        actions += attendance.sum(axis=1)
    further = np.maximum(actions - 1.0, 0.0)
    return value - float((first.collective_need * first.collective_further_discount_keur
                          * further).sum())


def year_benefit(inputs: ModelInputs, allocation: AllocationArrays
                 ) -> tuple[float, float, float]:
    """One year's (funding, expertise, coverage) benefit, weighted by its discount factor."""
    weight = inputs.objective_weight
    funding = float((inputs.need * concave_benefit(
        allocation.funding_keur, inputs.saturation_keur, inputs)).sum())
    expertise = float((inputs.need * concave_benefit(
        allocation.days, inputs.saturation_days, inputs)).sum()) * inputs.value_per_day_keur
    coverage = float(inputs.value_per_cover_keur * (inputs.fragility * allocation.covered).sum())
    if weight != 1.0:
        funding, expertise, coverage = funding * weight, expertise * weight, coverage * weight
    return funding, expertise, coverage


@dataclass(frozen=True, eq=False)
class BalancePeriod:
    """One span the regional balance is measured over: a year, or the whole horizon."""

    prefix: str  # "" (one year), "2021/" (a year of several), "horizon/"
    share: FloatArray  # (R,) fair shares
    extra: FloatArray  # (3, R) band widening
    weight: FloatArray  # (3, R) soft-balance weights
    used: FloatArray  # (3, R) used per resource and region
    years: int  # years summed
    tolerance: float  # delta

    def limits(self) -> tuple[FloatArray, FloatArray]:
        """(3, R) lower and upper band edges, from what is allocated over the period."""
        return _limits(self.used, self.share, self.extra, self.tolerance)

    def deviations(self) -> tuple[FloatArray, FloatArray]:
        """(3, R) amounts below and above each band."""
        low, high = self.limits()
        return np.maximum(low - self.used, 0.0), np.maximum(self.used - high, 0.0)


def _limits(used: FloatArray, share: FloatArray, extra: FloatArray, delta: float
            ) -> tuple[FloatArray, FloatArray]:
    totals = used.sum(axis=1, keepdims=True)
    low = (1 - delta) * share[None, :] * totals - extra
    high = (1 + delta) * share[None, :] * totals + extra
    return low, high


def balance_periods(inputs: ModelInputs | ProgrammeInputs,
                    allocation: AllocationArrays | ProgrammeArrays) -> list[BalancePeriod]:
    """The periods regional balance is measured over, with their use per region."""
    programme = as_programme(inputs)
    arrays = as_programme_arrays(allocation)
    first = programme.first
    if programme.balance_scope == "horizon" and programme.n_years > 1:
        used = sum(year_arrays.used_by_region(year)
                   for year, year_arrays in zip(programme.years, arrays.years, strict=True))
        return [BalancePeriod("horizon/", programme.horizon_fair_share,
                              programme.horizon_band_extra(),
                              programme.horizon_penalty_weight(), np.asarray(used),
                              programme.n_years, first.balance_tolerance)]
    many = programme.n_years > 1
    return [BalancePeriod(f"{year.year}/" if many else "", year.fair_share,
                          year.balance_band_extra, year.balance_penalty_weight,
                          year_arrays.used_by_region(year), 1, year.balance_tolerance)
            for year, year_arrays in zip(programme.years, arrays.years, strict=True)]


def band_limits(inputs: ModelInputs, allocation: AllocationArrays
                ) -> tuple[FloatArray, FloatArray]:
    """(3, R) lower and upper edges of each region's balance band, for this allocation.

    The band is ``(1 -+ delta) x fair share x total allocated``, widened by
    ``inputs.balance_band_extra`` per resource (one year; a programme's periods:
    :func:`balance_periods`).
    """
    return _limits(allocation.used_by_region(inputs), inputs.fair_share,
                   inputs.balance_band_extra, inputs.balance_tolerance)


def band_deviations(
    inputs: ModelInputs | ProgrammeInputs, allocation: AllocationArrays | ProgrammeArrays
) -> tuple[FloatArray, FloatArray]:
    """(3, R) amounts below and above each region's balance band, summed over its periods."""
    periods = balance_periods(inputs, allocation)
    below = sum(period.deviations()[0] for period in periods)
    above = sum(period.deviations()[1] for period in periods)
    return np.asarray(below), np.asarray(above)


__all__ = ["BalancePeriod", "balance_periods", "band_deviations", "band_limits",
           "concave_benefit", "objective_parts", "year_benefit"]
