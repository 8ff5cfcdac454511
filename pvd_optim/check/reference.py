"""Checks of the one-year reference model's families (``pvd_optim.families.reference``)."""

from __future__ import annotations

import numpy as np

from pvd_optim.check.core import Collector, pair_labels
from pvd_optim.families import verify
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
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    collective_days_by_directorate,
)
from pvd_optim.measures import balance_periods


@verify(BOUNDS)
def check_bounds(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """0 <= f <= uf, 0 <= x <= ux per town and theme; 0 <= c <= 1; 0 <= p <= ceil(|g| / m)."""
    pairs, towns, groups = pair_labels(inputs), list(inputs.town_codes), list(inputs.group_labels)
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
    """Funding committed + carried out <= the envelope + carried in."""
    out.check("national", a.funding_keur.sum() + a.carry_out_keur - a.carry_in_keur, "<=",
              inputs.envelope_keur, funding_cells=a.funding_keur.size)


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
    """Expert-days to the towns of each directorate + its collective events <= its capacity."""
    used = np.bincount(inputs.directorate_of_town, weights=a.days.sum(axis=1),
                       minlength=inputs.n_directorates).astype(np.float64)
    if inputs.collective:  # a region's events take the days of its covering directorate
        used = used + collective_days_by_directorate(inputs, a)
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
