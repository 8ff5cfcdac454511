"""The independent checker: re-verifies every constraint on the extracted numbers.

Written with numpy only, from the model's *definition* (``ModelInputs`` and
``docs/model.md``), not from the matrix the solver saw: a mistake in building
the matrix shows up here as a violation instead of being confirmed by it. One
function per constraint family of the registry (``pvd_optim.families``),
registered against it; a family without a check is an error, never a skip.
Tolerance: ``tolerances.CHECK_RELATIVE`` x max(1, |rhs|).

A family of scope ``year`` is checked on each model year's inputs and arrays in turn
(in a programme of several years its items are prefixed by the year, ``2021/...``);
a family of scope ``programme`` on the whole programme at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pvd_optim.errors import VerificationError
from pvd_optim.families import FAMILIES, Family, resolve, verify
from pvd_optim.families.programme import (
    CARRY_OVER,
    COFUNDER_BUDGET,
    COFUNDER_SHARE,
    COMMITMENTS,
    ENTRY,
    HORIZON_SATURATION,
    IDLE_POSTS,
    PERSISTENCE,
    SUBSIDY,
)
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
from pvd_optim.inputs import (
    RESOURCES,
    AllocationArrays,
    FloatArray,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    as_programme,
    as_programme_arrays,
)
from pvd_optim.measures import (
    BalancePeriod,
    balance_periods,
    band_deviations,
    band_limits,
    concave_benefit,
    objective_parts,
    year_benefit,
)
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

    def __init__(self, family: Family, rounding: Rounding | None = None,
                 prefix: str = "") -> None:
        self.family = family.name
        self.rounding = rounding or Rounding()
        self.prefix = prefix  # "2021/" for one year of several
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
                Violation(self.family, self.prefix + names[i], float(lhs_a[i]), sense,
                          float(rhs_a[i]))
            )


def check_allocation(
    inputs: ModelInputs | ProgrammeInputs,
    allocation: AllocationArrays | ProgrammeArrays,
    families: Iterable[str | Family] = FAMILIES,
    *,
    rounding: Rounding | None = None,
) -> CheckReport:
    """Verify ``allocation`` against the constraint ``families`` it claims to satisfy.

    ``inputs`` and ``allocation`` are one year's, or a programme's. ``families`` are
    names or registry entries; an unknown name is an ``InputError``. Every family of
    the registry is checked by default. ``rounding`` says how far the values were
    rounded (written tables).
    """
    programme = as_programme(inputs)
    arrays = as_programme_arrays(allocation)
    if len(arrays.years) != programme.n_years:
        raise VerificationError(f"an allocation of {len(arrays.years)} year(s) checked against "
                                f"a programme of {programme.n_years}: a bug in pvd-optim")
    chosen = resolve(families)
    violations: list[Violation] = []
    for family in chosen:
        if family.scope == "programme":
            out = Collector(family, rounding)
            family.check(programme, arrays, out)
            violations.extend(out.violations)
            continue
        for year, year_arrays in zip(programme.years, arrays.years, strict=True):
            out = Collector(family, rounding,
                            f"{year.year}/" if programme.n_years > 1 else "")
            family.check(year, year_arrays, out)
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


@verify(ENTRY)
def check_entry(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """A town that has not joined by this year has no coverage, funding or days (but what
    was committed to it)."""
    waiting = ~inputs.joined
    if not waiting.any():
        return
    towns = [code for code, wait in zip(inputs.town_codes, waiting, strict=True) if wait]
    committed_covered = inputs.committed_covered[waiting].astype(np.float64)
    out.check(towns, a.covered[waiting], "<=", committed_covered)
    out.check(towns, a.funding_keur[waiting].sum(axis=1), "<=",
              inputs.committed_funding_keur[waiting].sum(axis=1), funding_cells=inputs.n_themes)
    out.check(towns, a.days[waiting].sum(axis=1), "<=",
              inputs.committed_days[waiting].sum(axis=1), days_cells=inputs.n_themes)


@verify(COMMITMENTS)
def check_commitments(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """At least every commitment; exactly it in a locked year and for a town no longer eligible."""
    if not inputs.has_commitments:
        return
    pairs, towns, groups = _pair_labels(inputs), list(inputs.town_codes), list(inputs.group_labels)
    covered = inputs.committed_covered.astype(np.float64)
    out.check(pairs, a.funding_keur.ravel(), ">=", inputs.committed_funding_keur.ravel(),
              funding_cells=1)
    out.check(pairs, a.days.ravel(), ">=", inputs.committed_days.ravel(), days_cells=1)
    out.check(towns, a.covered, ">=", covered)
    out.check(groups, a.posts, ">=", inputs.committed_posts)
    fixed = ~inputs.eligible | inputs.locked
    if fixed.any():
        cells = np.repeat(fixed, inputs.n_themes)
        out.check([p for p, f in zip(pairs, cells, strict=True) if f],
                  a.funding_keur.ravel()[cells], "<=",
                  inputs.committed_funding_keur.ravel()[cells], funding_cells=1)
        out.check([p for p, f in zip(pairs, cells, strict=True) if f], a.days.ravel()[cells],
                  "<=", inputs.committed_days.ravel()[cells], days_cells=1)
        out.check([t for t, f in zip(towns, fixed, strict=True) if f], a.covered[fixed], "<=",
                  covered[fixed])
    if inputs.locked:
        out.check(groups, a.posts, "<=", inputs.committed_posts)


@verify(ENVELOPE)
def check_envelope(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Funding committed + carried out <= the envelope + carried in."""
    out.check("national", a.funding_keur.sum() + a.carry_out_keur - a.carry_in_keur, "<=",
              inputs.envelope_keur, funding_cells=a.funding_keur.size)


@verify(CARRY_OVER)
def check_carry_over(programme: ProgrammeInputs, a: ProgrammeArrays, out: Collector) -> None:
    """0 <= carried <= the cap of the year it leaves; carried out of y = carried into y + 1."""
    years = a.years
    carried_out = np.array([year.carry_out_keur for year in years])
    carried_in = np.array([year.carry_in_keur for year in years])
    labels = [str(year) for year in programme.calendar]
    out.check(labels, -carried_out, "<=", 0.0)
    out.check(labels, carried_out, "<=", np.append(programme.carry_over_cap_keur[:-1], 0.0))
    out.check(labels, np.abs(carried_in - np.append(0.0, carried_out[:-1])), "<=", 0.0)


@verify(SPEND_MIN)
def check_spend_min(programme: ProgrammeInputs, a: ProgrammeArrays, out: Collector) -> None:
    """Funding committed >= the minimum share of the envelope, each year or over the horizon."""
    years = programme.years
    spent = np.array([year.funding_keur.sum() for year in a.years])
    envelope = np.array([year.envelope_keur for year in years])
    cells = a.years[0].funding_keur.size
    if programme.spend_min_scope == "horizon" and len(years) > 1:
        out.check("horizon", spent.sum(), ">=", years[0].spend_min_share * envelope.sum(),
                  funding_cells=cells * len(years))
        return
    labels = [f"{year.year}/national" if len(years) > 1 else "national" for year in years]
    out.check(labels, spent, ">=", np.array([year.spend_min_share for year in years]) * envelope,
              funding_cells=cells)


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
    """Posts paid for x subsidy per post <= the (pooled) engineering budget."""
    if inputs.cofunded:
        return  # co-funders' budgets instead: ``cofunder_budget``
    subsidy = np.where(inputs.group_anah, inputs.post_cost_anah_keur, inputs.post_cost_keur)
    out.check("national", (subsidy * a.posts).sum(), "<=", inputs.engineering_budget_keur)


def _split(inputs: ModelInputs, a: AllocationArrays) -> tuple[FloatArray, FloatArray]:
    """(2, F) the co-funders' shares and (2,) the posts of each kind (without/with Anah)."""
    kind = inputs.group_anah.astype(np.int64)
    return (np.asarray(a.cofunding_keur, dtype=np.float64).reshape(2, inputs.n_funders),
            np.bincount(kind, weights=a.posts, minlength=2).astype(np.float64))


@verify(SUBSIDY)
def check_subsidy(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Per kind of post, the co-funders' shares add up to posts x the post's subsidy."""
    if not inputs.cofunded:
        return
    shares, posts = _split(inputs, a)
    # The programme's rule, from the charged cost: min(75 % x cost, 45 k EUR or 55 k EUR).
    subsidy = np.array([inputs.post_cost_keur, inputs.post_cost_anah_keur])
    labels = ["posts without Anah", "posts with Anah"]
    out.check(labels, shares.sum(axis=1), "<=", subsidy * posts)
    out.check(labels, shares.sum(axis=1), ">=", subsidy * posts)


@verify(COFUNDER_SHARE)
def check_cofunder_share(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """0 <= share <= posts x rate x cost and <= posts x cap; 0 where the funder does not pay."""
    if not inputs.cofunded:
        return
    shares, posts = _split(inputs, a)
    labels = [f"{inputs.funder_names[f]}/{kind}" for kind in ("without Anah", "with Anah")
              for f in range(inputs.n_funders)]
    cost = np.inf if inputs.charged_cost_keur is None else inputs.charged_cost_keur
    by_rate = (inputs.funder_rate[None, :] * cost) * posts[:, None]
    by_cap = inputs.funder_cap_keur[None, :] * posts[:, None]
    allowed = np.where(inputs.funder_serves.T, np.inf, 0.0)
    out.check(labels, -shares.ravel(), "<=", 0.0)
    out.check(labels, shares.ravel(), "<=", by_rate.ravel())
    out.check(labels, shares.ravel(), "<=", by_cap.ravel())
    out.check(labels, shares.ravel(), "<=", allowed.ravel())


@verify(COFUNDER_BUDGET)
def check_cofunder_budget(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Each co-funder's shares of the year's posts <= its budget."""
    if not inputs.cofunded:
        return
    shares, _ = _split(inputs, a)
    out.check(list(inputs.funder_names), shares.sum(axis=0), "<=", inputs.funder_budget_keur)


@verify(COVER_MIN)
def check_cover_min(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Covered towns >= the minimum share of the eligible towns that have joined."""
    out.check("national", a.covered.sum(), ">=", inputs.cover_min_share * inputs.n_joined)


@verify(SHARING)
def check_sharing(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Covered towns of each group <= m_g x its posts (m_g: the group's own limit)."""
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
def check_balance(programme: ProgrammeInputs, a: ProgrammeArrays, out: Collector) -> None:
    """Each region's use of each resource within its band (hard balance only)."""
    first = programme.first
    if first.balance_mode != "hard":
        return
    for period in balance_periods(programme, a):
        low, high = period.limits()
        # A region's use sums its towns' values; its band edge, (1 -+ delta) x share x every
        # value.
        region_cells = (np.bincount(first.region_of_town, minlength=first.n_regions)
                        * first.n_themes * period.years)
        total_cells = first.n_towns * first.n_themes * period.years
        for j, resource in enumerate(RESOURCES):
            labels = [f"{period.prefix}{resource}/{r}" for r in first.region_names]
            for sense, edge, factor in ((">=", low[j], 1 - first.balance_tolerance),
                                        ("<=", high[j], 1 + first.balance_tolerance)):
                cells = region_cells + factor * period.share * total_cells
                out.check(labels, period.used[j], sense, edge,
                          funding_cells=cells if resource == "funding" else 0.0,
                          days_cells=cells if resource == "days" else 0.0)


@verify(THEME_FLOOR)
def check_theme_floor(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Funding to each theme >= its floor x total funding."""
    out.check(list(inputs.themes), a.funding_keur.sum(axis=0), ">=",
              inputs.theme_floor * a.funding_keur.sum(),
              funding_cells=inputs.n_towns * (1 + inputs.theme_floor * inputs.n_themes))


@verify(IDLE_POSTS)
def check_idle_posts(programme: ProgrammeInputs, a: ProgrammeArrays, out: Collector) -> None:
    """In a programme of several years, a group's posts <= its covered towns, every year."""
    if programme.n_years == 1:
        return
    first = programme.first
    for year, arrays in zip(programme.calendar, a.years, strict=True):
        covered = np.bincount(first.group_of_town, weights=arrays.covered,
                              minlength=first.n_groups)
        out.check([f"{year}/{g}" for g in first.group_labels], arrays.posts, "<=", covered)


@verify(PERSISTENCE)
def check_persistence(programme: ProgrammeInputs, a: ProgrammeArrays, out: Collector) -> None:
    """Coverage and posts never decrease (horizon), or last their contract's length."""
    if programme.n_years == 1 or programme.persistence == "off":
        return
    first = programme.first
    covered, posts = a.covered, a.posts
    lasting = first.eligible  # a town no longer eligible keeps its commitments only
    labels = {"towns": [c for c, keep in zip(first.town_codes, lasting, strict=True) if keep],
              "posts": list(first.group_labels)}
    for what, values in (("towns", covered[:, lasting]), ("posts", posts)):
        for y in range(1, programme.n_years):
            names = [f"{programme.calendar[y]}/{item}" for item in labels[what]]
            if programme.persistence == "horizon":
                out.check(names, values[y], ">=", values[y - 1])
                continue
            # Contracts of L years: what started within the last L years is still there.
            # Each year's start is the increase over the year before (never negative).
            started = np.maximum(np.diff(values, axis=0, prepend=0.0), 0.0)
            recent = started[max(0, y - programme.contract_years + 1):y + 1].sum(axis=0)
            out.check(names, values[y], ">=", recent)


@verify(HORIZON_SATURATION)
def check_horizon_saturation(programme: ProgrammeInputs, a: ProgrammeArrays,
                             out: Collector) -> None:
    """Funding and days per town and theme, summed over the years, <= the horizon caps."""
    if programme.n_years == 1:
        return
    first = programme.first
    pairs = _pair_labels(first)
    for total, cap, kind in ((a.funding_keur.sum(axis=0), programme.horizon_saturation_keur,
                              "funding"),
                             (a.days.sum(axis=0), programme.horizon_saturation_days, "days")):
        if not np.isfinite(cap).any():
            continue
        cells = {"funding_cells": programme.n_years} if kind == "funding" else {
            "days_cells": programme.n_years}
        out.check(pairs, total.ravel(), "<=", np.broadcast_to(cap, total.shape).ravel(),
                  **cells)


__all__ = ["AllocationArrays", "BalancePeriod", "CheckReport", "Collector", "Rounding",
           "Violation", "balance_periods", "band_deviations", "band_limits", "check_allocation",
           "concave_benefit", "objective_parts", "year_benefit"]
