"""Checks of the programme's families (``pvd_optim.families.programme``): what links years."""

from __future__ import annotations

import numpy as np

from pvd_optim.check.core import Collector, pair_labels
from pvd_optim.families import verify
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
from pvd_optim.inputs import (
    AllocationArrays,
    FloatArray,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
)


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
    pairs, towns, groups = pair_labels(inputs), list(inputs.town_codes), list(inputs.group_labels)
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
    pairs = pair_labels(first)
    for total, cap, kind in ((a.funding_keur.sum(axis=0), programme.horizon_saturation_keur,
                              "funding"),
                             (a.days.sum(axis=0), programme.horizon_saturation_days, "days")):
        if not np.isfinite(cap).any():
            continue
        cells = {"funding_cells": programme.n_years} if kind == "funding" else {
            "days_cells": programme.n_years}
        out.check(pairs, total.ravel(), "<=", np.broadcast_to(cap, total.shape).ravel(),
                  **cells)
