"""The independent checker: re-verifies every constraint on the extracted numbers.

Written with numpy only, from the model's *definition* (``ModelInputs``), not
from the matrix the solver saw: a mistake in building the matrix shows up here
as a violation instead of being confirmed by it. Tolerance: 1e-6 x max(1, |rhs|).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pvd_optim.errors import VerificationError
from pvd_optim.inputs import RESOURCES, FloatArray, ModelInputs

RELATIVE_TOLERANCE = 1e-6

#: Every constraint family of the reference model.
ALL_FAMILIES: tuple[str, ...] = (
    "bounds",
    "integrality",
    "envelope",
    "capacity",
    "engineering_budget",
    "sharing",
    "lead",
    "town_floor",
    "spend_min",
    "cover_min",
    "balance",
    "theme_floor",
)


@dataclass(frozen=True, eq=False)
class AllocationArrays:
    """An allocation as plain arrays, in model units (k EUR, days).

    ``posts`` is the number of co-funded posts per group that the allocation
    pays for.
    """

    funding_keur: FloatArray  # (n, K)
    days: FloatArray  # (n, K)
    covered: FloatArray  # (n,) 0/1 (fractional only in a labelled relaxation)
    posts: FloatArray  # (G,)

    def used_by_region(self, inputs: ModelInputs) -> FloatArray:
        """(3, R): funding, days and covered towns used per region."""
        per_town = np.stack(
            [self.funding_keur.sum(axis=1), self.days.sum(axis=1), self.covered]
        )
        return np.stack(
            [np.bincount(inputs.region_of_town, weights=row, minlength=inputs.n_regions)
             for row in per_town]
        )


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


class _Collector:
    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def check(
        self,
        family: str,
        labels: Iterable[str] | str,
        lhs: NDArray[np.floating | np.integer] | float,
        sense: str,
        rhs: NDArray[np.floating | np.integer] | float,
    ) -> None:
        lhs_a = np.atleast_1d(np.asarray(lhs, dtype=np.float64))
        rhs_a = np.broadcast_to(np.asarray(rhs, dtype=np.float64), lhs_a.shape)
        tolerance = RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(rhs_a))
        bad = lhs_a - rhs_a > tolerance if sense == "<=" else rhs_a - lhs_a > tolerance
        bad |= ~np.isfinite(lhs_a)
        if not bad.any():
            return
        names = [labels] * len(lhs_a) if isinstance(labels, str) else list(labels)
        for i in np.flatnonzero(bad):
            self.violations.append(
                Violation(family, names[i], float(lhs_a[i]), sense, float(rhs_a[i]))
            )


def check_allocation(
    inputs: ModelInputs,
    allocation: AllocationArrays,
    families: Iterable[str] = ALL_FAMILIES,
) -> CheckReport:
    """Verify ``allocation`` against the constraint ``families`` it claims to satisfy."""
    families = tuple(families)
    unknown = set(families) - set(ALL_FAMILIES)
    if unknown:
        raise ValueError(
            f"The 'families' parameter of check_allocation must be a subset of {ALL_FAMILIES}. "
            f"Got {sorted(unknown)} instead."
        )
    out = _Collector()
    towns = list(inputs.town_codes)
    themes = list(inputs.themes)
    f, x, c, p = allocation.funding_keur, allocation.days, allocation.covered, allocation.posts
    town_funding = f.sum(axis=1)
    town_days = x.sum(axis=1)
    pair_labels = [f"{t}/{k}" for t in towns for k in themes]
    group_labels = list(inputs.group_labels)

    if "bounds" in families:
        out.check("bounds", pair_labels, -f.ravel(), "<=", 0.0)
        out.check("bounds", pair_labels, f.ravel(),
                  "<=", np.broadcast_to(inputs.saturation_keur, f.shape).ravel())
        out.check("bounds", pair_labels, -x.ravel(), "<=", 0.0)
        out.check("bounds", pair_labels, x.ravel(),
                  "<=", np.broadcast_to(inputs.saturation_days, x.shape).ravel())
        out.check("bounds", towns, -c, "<=", 0.0)
        out.check("bounds", towns, c, "<=", 1.0)
        out.check("bounds", group_labels, -p, "<=", 0.0)
        out.check("bounds", group_labels, p, "<=", inputs.max_posts.astype(np.float64))
    if "integrality" in families and not inputs.relax_integers:
        out.check("integrality", towns, np.abs(c - np.round(c)), "<=", 0.0)
        out.check("integrality", group_labels, np.abs(p - np.round(p)), "<=", 0.0)
    if "envelope" in families:
        out.check("envelope", "national", town_funding.sum(), "<=", inputs.envelope_keur)
    if "capacity" in families:
        used = np.bincount(inputs.directorate_of_town, weights=town_days,
                           minlength=inputs.n_directorates)
        out.check("capacity", inputs.directorate_names, used, "<=", inputs.capacity_days)
    if "engineering_budget" in families:
        out.check("engineering_budget", "national", inputs.post_cost_keur * p.sum(), "<=",
                  inputs.engineering_budget_keur)
    if "sharing" in families:
        covered = np.bincount(inputs.group_of_town, weights=c, minlength=inputs.n_groups)
        out.check("sharing", group_labels, covered, "<=", inputs.towns_per_post * p)
    if "lead" in families:
        out.check("lead", towns, town_days, "<=", inputs.max_days_per_town * c)
        out.check("lead", towns, town_funding, "<=", inputs.cap_keur * c)
        out.check("lead", towns, c, "<=", p[inputs.group_of_town])
    if "town_floor" in families:
        out.check("town_floor", towns, town_funding, ">=", inputs.town_floor_keur * c)
    if "spend_min" in families:
        out.check("spend_min", "national", town_funding.sum(), ">=",
                  inputs.spend_min_share * inputs.envelope_keur)
    if "cover_min" in families:
        out.check("cover_min", "national", c.sum(), ">=",
                  inputs.cover_min_share * inputs.n_towns)
    if "balance" in families and inputs.balance_mode == "hard":
        used_by_region = allocation.used_by_region(inputs)
        for j, resource in enumerate(RESOURCES):
            total = used_by_region[j].sum()
            extra = inputs.balance_band_extra[j]
            delta = inputs.balance_tolerance
            labels = [f"{resource}/{r}" for r in inputs.region_names]
            out.check("balance", labels, used_by_region[j], ">=",
                      (1 - delta) * inputs.fair_share * total - extra)
            out.check("balance", labels, used_by_region[j], "<=",
                      (1 + delta) * inputs.fair_share * total + extra)
    if "theme_floor" in families:
        out.check("theme_floor", themes, f.sum(axis=0), ">=",
                  inputs.theme_floor * town_funding.sum())
    return CheckReport(families, tuple(out.violations))


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
        weights = np.array([inputs.penalty_funding, inputs.penalty_days, inputs.penalty_towns])
        penalty = float(((below + above) * weights[:, None] / inputs.fair_share[None, :]).sum())
    return {
        "funding_benefit": funding,
        "expertise_benefit": expertise,
        "coverage_value": coverage,
        "balance_penalty": -penalty,
        "total": funding + expertise + coverage - penalty,
    }


def band_deviations(
    inputs: ModelInputs, allocation: AllocationArrays
) -> tuple[FloatArray, FloatArray]:
    """(3, R) amounts below and above each region's balance band, from the allocation."""
    used = allocation.used_by_region(inputs)
    totals = used.sum(axis=1, keepdims=True)
    extra = inputs.balance_band_extra[:, None]
    delta = inputs.balance_tolerance
    low = (1 - delta) * inputs.fair_share[None, :] * totals - extra
    high = (1 + delta) * inputs.fair_share[None, :] * totals + extra
    return np.maximum(low - used, 0.0), np.maximum(used - high, 0.0)
