"""The independent checker: re-verifies every constraint on the extracted numbers.

Written with numpy only, from the model's *definition* (``ModelInputs`` and
``docs/model.md``), not from the matrix the solver saw: a mistake in building
the matrix shows up here as a violation instead of being confirmed by it. One
function per constraint family of the registry (``pvd_optim.families``),
registered against it; a family without a check is an error, never a skip.
Tolerance: ``tolerances.CHECK_RELATIVE`` x max(1, |rhs|).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pvd_optim.errors import VerificationError
from pvd_optim.families import FAMILIES, Family, resolve, verify
from pvd_optim.families.reference import (
    BALANCE,
    BOUNDS,
    CAPACITY,
    COVER_MIN,
    ENGINEERING_BUDGET,
    ENVELOPE,
    INTEGRALITY,
    LEAD,
    SHARING,
    SPEND_MIN,
    THEME_FLOOR,
    TOWN_FLOOR,
)
from pvd_optim.inputs import RESOURCES, AllocationArrays, FloatArray, ModelInputs
from pvd_optim.tolerances import allowed_excess


@dataclass(frozen=True)
class Violation:
    """One constraint that does not hold, with its numbers."""

    family: str
    item: str
    lhs: float
    sense: str
    rhs: float

    @property
    def excess(self) -> float:
        """How far the left-hand side is on the wrong side of the right-hand side."""
        return self.lhs - self.rhs if self.sense == "<=" else self.rhs - self.lhs

    def __str__(self) -> str:
        return (f"{self.family} [{self.item}]: {self.lhs:.6g} {self.sense} {self.rhs:.6g} "
                f"violated by {self.excess:.3g}")


@dataclass(frozen=True)
class CheckReport:
    """What was checked and what failed."""

    checked: tuple[str, ...]
    violations: tuple[Violation, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no checked constraint is violated."""
        return not self.violations

    def raise_if_violated(self, label: str = "allocation") -> None:
        """Raise ``VerificationError`` listing the violations (a bug, never a result)."""
        if self.violations:
            shown = "; ".join(str(v) for v in self.violations[:5])
            more = len(self.violations) - 5
            raise VerificationError(
                f"the independent checker rejected the {label}: {shown}"
                + (f" (and {more} more)" if more > 0 else "")
                + ". This is a bug in pvd-optim, please report it with the scenario file."
            )


@dataclass(frozen=True)
class Rounding:
    """Half the unit the checked values were rounded to, in model units (k EUR, days).

    Zero for solver values. For rounded tables, a row that sums ``N`` funding
    values may be off by ``N x funding_keur``: each check says how many values of
    each kind its row sums (right-hand side included, times its coefficient).
    """

    funding_keur: float = 0.0
    days: float = 0.0


Cells = NDArray[np.floating | np.integer] | float


class Collector:
    """Gathers the violations of one family's checks."""

    def __init__(self, family: Family, rounding: Rounding | None = None) -> None:
        self.family = family.name
        self.rounding = rounding or Rounding()
        self.violations: list[Violation] = []

    def check(
        self,
        labels: Iterable[str] | str,
        lhs: NDArray[np.floating | np.integer] | float,
        sense: str,
        rhs: NDArray[np.floating | np.integer] | float,
        *,
        funding_cells: Cells = 0.0,
        days_cells: Cells = 0.0,
    ) -> None:
        """Record every element of ``lhs sense rhs`` that fails beyond the tolerance.

        ``funding_cells`` and ``days_cells`` count the rounded values the row sums
        (see :class:`Rounding`); they widen the tolerance only for rounded inputs.
        """
        lhs_a = np.atleast_1d(np.asarray(lhs, dtype=np.float64))
        rhs_a = np.broadcast_to(np.asarray(rhs, dtype=np.float64), lhs_a.shape)
        tolerance = (allowed_excess(rhs_a)
                     + np.asarray(funding_cells, dtype=np.float64) * self.rounding.funding_keur
                     + np.asarray(days_cells, dtype=np.float64) * self.rounding.days)
        bad = lhs_a - rhs_a > tolerance if sense == "<=" else rhs_a - lhs_a > tolerance
        bad |= ~np.isfinite(lhs_a)
        if not bad.any():
            return
        names = [labels] * len(lhs_a) if isinstance(labels, str) else list(labels)
        for i in np.flatnonzero(bad):
            self.violations.append(
                Violation(self.family, names[i], float(lhs_a[i]), sense, float(rhs_a[i]))
            )


def check_allocation(
    inputs: ModelInputs,
    allocation: AllocationArrays,
    families: Iterable[str | Family] = FAMILIES,
    *,
    rounding: Rounding | None = None,
) -> CheckReport:
    """Verify ``allocation`` against the constraint ``families`` it claims to satisfy.

    ``families`` are names or registry entries; an unknown name is an
    ``InputError``. Every family of the registry is checked by default.
    ``rounding`` says how far the values were rounded (written tables).
    """
    chosen = resolve(families)
    violations: list[Violation] = []
    for family in chosen:
        out = Collector(family, rounding)
        family.check(inputs, allocation, out)
        violations.extend(out.violations)
    return CheckReport(tuple(f.name for f in chosen), tuple(violations))


def _pair_labels(inputs: ModelInputs) -> list[str]:
    return [f"{t}/{k}" for t in inputs.town_codes for k in inputs.themes]


@verify(BOUNDS)
def check_bounds(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """0 <= f <= uf, 0 <= x <= ux per town and theme; 0 <= c <= 1; 0 <= p <= ceil(|g| / m)."""
    pairs, towns, groups = _pair_labels(inputs), list(inputs.town_codes), list(inputs.group_labels)
    f, x = a.funding_keur, a.days
    out.check(pairs, -f.ravel(), "<=", 0.0)
    out.check(pairs, f.ravel(), "<=", np.broadcast_to(inputs.saturation_keur, f.shape).ravel(),
              funding_cells=1)
    out.check(pairs, -x.ravel(), "<=", 0.0)
    out.check(pairs, x.ravel(), "<=", np.broadcast_to(inputs.saturation_days, x.shape).ravel(),
              days_cells=1)
    out.check(towns, -a.covered, "<=", 0.0)
    out.check(towns, a.covered, "<=", 1.0)
    out.check(groups, -a.posts, "<=", 0.0)
    out.check(groups, a.posts, "<=", inputs.max_posts.astype(np.float64))


@verify(INTEGRALITY)
def check_integrality(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Coverage and posts are whole numbers (unless the LP relaxation was asked for)."""
    if inputs.relax_integers:
        return
    out.check(list(inputs.town_codes), np.abs(a.covered - np.round(a.covered)), "<=", 0.0)
    out.check(list(inputs.group_labels), np.abs(a.posts - np.round(a.posts)), "<=", 0.0)


@verify(ENVELOPE)
def check_envelope(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Funding committed <= the envelope."""
    out.check("national", a.funding_keur.sum(), "<=", inputs.envelope_keur,
              funding_cells=a.funding_keur.size)


@verify(SPEND_MIN)
def check_spend_min(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Funding committed >= the minimum share of the envelope."""
    out.check("national", a.funding_keur.sum(), ">=",
              inputs.spend_min_share * inputs.envelope_keur, funding_cells=a.funding_keur.size)


@verify(CAPACITY)
def check_capacity(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Expert-days to the towns of each directorate <= its capacity."""
    used = np.bincount(inputs.directorate_of_town, weights=a.days.sum(axis=1),
                       minlength=inputs.n_directorates)
    towns = np.bincount(inputs.directorate_of_town, minlength=inputs.n_directorates)
    out.check(inputs.directorate_names, used, "<=", inputs.capacity_days,
              days_cells=towns * inputs.n_themes)


@verify(ENGINEERING_BUDGET)
def check_engineering_budget(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Posts paid for x subsidy per post <= the engineering budget."""
    out.check("national", inputs.post_cost_keur * a.posts.sum(), "<=",
              inputs.engineering_budget_keur)


@verify(COVER_MIN)
def check_cover_min(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Covered towns >= the minimum share of eligible towns."""
    out.check("national", a.covered.sum(), ">=", inputs.cover_min_share * inputs.n_towns)


@verify(SHARING)
def check_sharing(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Covered towns of each group <= m x its posts."""
    covered = np.bincount(inputs.group_of_town, weights=a.covered, minlength=inputs.n_groups)
    out.check(list(inputs.group_labels), covered, "<=", inputs.towns_per_post * a.posts)


@verify(LEAD)
def check_lead(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Days <= X_town x covered, funding <= cap x covered, covered <= posts of its group."""
    towns, c, k = list(inputs.town_codes), a.covered, inputs.n_themes
    out.check(towns, a.days.sum(axis=1), "<=", inputs.max_days_per_town * c, days_cells=k)
    out.check(towns, a.funding_keur.sum(axis=1), "<=", inputs.cap_keur * c, funding_cells=k)
    out.check(towns, c, "<=", a.posts[inputs.group_of_town])


@verify(TOWN_FLOOR)
def check_town_floor(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Funding to each covered town >= min(f_min, its cap)."""
    out.check(list(inputs.town_codes), a.funding_keur.sum(axis=1), ">=",
              inputs.town_floor_keur * a.covered, funding_cells=inputs.n_themes)


@verify(BALANCE)
def check_balance(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Each region's use of each resource within its band (hard balance only)."""
    if inputs.balance_mode != "hard":
        return
    low, high = band_limits(inputs, a)
    used = a.used_by_region(inputs)
    # A region's use sums its towns' values; its band edge, (1 -+ delta) x share x every value.
    region_cells = np.bincount(inputs.region_of_town, minlength=inputs.n_regions) * inputs.n_themes
    total_cells = inputs.n_towns * inputs.n_themes
    for j, resource in enumerate(RESOURCES):
        labels = [f"{resource}/{r}" for r in inputs.region_names]
        for sense, edge, factor in ((">=", low[j], 1 - inputs.balance_tolerance),
                                    ("<=", high[j], 1 + inputs.balance_tolerance)):
            cells = region_cells + factor * inputs.fair_share * total_cells
            out.check(labels, used[j], sense, edge,
                      funding_cells=cells if resource == "funding" else 0.0,
                      days_cells=cells if resource == "days" else 0.0)


@verify(THEME_FLOOR)
def check_theme_floor(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Funding to each theme >= its floor x total funding."""
    out.check(list(inputs.themes), a.funding_keur.sum(axis=0), ">=",
              inputs.theme_floor * a.funding_keur.sum(),
              funding_cells=inputs.n_towns * (1 + inputs.theme_floor * inputs.n_themes))


def concave_benefit(amount: FloatArray, saturation: FloatArray, inputs: ModelInputs) -> FloatArray:
    """Benefit of ``amount`` (n, K) on the concave curve, filling segments in order."""
    edges = np.concatenate([[0.0], np.cumsum(inputs.segment_widths)])
    benefit = np.zeros_like(amount)
    for s, slope in enumerate(inputs.slopes):
        low = edges[s] * saturation
        width = inputs.segment_widths[s] * saturation
        benefit += slope * np.clip(amount - low, 0.0, width)
    return benefit


def objective_parts(inputs: ModelInputs, allocation: AllocationArrays) -> dict[str, float]:
    """The objective's parts recomputed from the allocation (k EUR-equivalents).

    ``balance_penalty`` is the soft-mode penalty on deviations outside the band
    (0 in hard mode or when balance is off).
    """
    funding = float((inputs.need * concave_benefit(
        allocation.funding_keur, inputs.saturation_keur, inputs)).sum())
    expertise = float((inputs.need * concave_benefit(
        allocation.days, inputs.saturation_days, inputs)).sum()) * inputs.value_per_day_keur
    coverage = float(inputs.value_per_cover_keur * (inputs.fragility * allocation.covered).sum())
    penalty = 0.0
    if inputs.balance_mode == "soft":
        below, above = band_deviations(inputs, allocation)
        penalty = float(((below + above) * inputs.balance_penalty_weight).sum())
    return {
        "funding_benefit": funding,
        "expertise_benefit": expertise,
        "coverage_value": coverage,
        "balance_penalty": -penalty,
        "total": funding + expertise + coverage - penalty,
    }


def band_limits(inputs: ModelInputs, allocation: AllocationArrays
                ) -> tuple[FloatArray, FloatArray]:
    """(3, R) lower and upper edges of each region's balance band, for this allocation.

    The band is ``(1 -+ delta) x fair share x total allocated``, widened by
    ``inputs.balance_band_extra`` per resource.
    """
    totals = allocation.used_by_region(inputs).sum(axis=1, keepdims=True)
    extra = inputs.balance_band_extra
    delta = inputs.balance_tolerance
    low = (1 - delta) * inputs.fair_share[None, :] * totals - extra
    high = (1 + delta) * inputs.fair_share[None, :] * totals + extra
    return low, high


def band_deviations(
    inputs: ModelInputs, allocation: AllocationArrays
) -> tuple[FloatArray, FloatArray]:
    """(3, R) amounts below and above each region's balance band, from the allocation."""
    used = allocation.used_by_region(inputs)
    low, high = band_limits(inputs, allocation)
    return np.maximum(low - used, 0.0), np.maximum(used - high, 0.0)


__all__ = ["AllocationArrays", "CheckReport", "Collector", "Rounding", "Violation",
           "band_deviations", "band_limits", "check_allocation", "concave_benefit",
           "objective_parts"]
