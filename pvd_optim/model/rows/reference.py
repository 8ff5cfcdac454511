"""Rows of the one-year reference model's families (``pvd_optim.families.reference``)."""

from __future__ import annotations

import numpy as np

from pvd_optim.families import balance_block_name, define_rows
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
from pvd_optim.inputs import RESOURCES, ModelInputs, ProgrammeInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.rows.common import ZERO, segment_upper
from pvd_optim.model.variables import Variables


@define_rows(BOUNDS)
def define_bounds(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """f[t,k,s] <= w[s] uf[k], x[t,k,s] <= w[s] ux[k], 0 <= c <= 1, 0 <= p <= ceil(|g| / m)."""
    b.bound_columns(v.f, lower=0.0, upper=segment_upper(inputs, inputs.saturation_keur))
    b.bound_columns(v.x, lower=0.0, upper=segment_upper(inputs, inputs.saturation_days))
    b.bound_columns(v.c, lower=0.0, upper=1.0)
    b.bound_columns(v.p, lower=0.0, upper=inputs.max_posts.astype(np.float64))


@define_rows(INTEGRALITY)
def define_integrality(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                       ) -> None:
    """c binary and p integer, unless the scenario asks for the LP relaxation."""
    if not inputs.relax_integers:
        b.make_integer(v.c)
        b.make_integer(v.p)


@define_rows(ENVELOPE)
def define_envelope(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """1. Funding envelope: sum f <= F (plus what is carried in, minus what is carried out)."""
    terms: list[Term] = [(ZERO, v.total["funding"].indices, 1.0)]
    if v.carry_out is not None:
        terms.append((ZERO, np.array([v.carry_out]), 1.0))
    if v.carry_in is not None:
        terms.append((ZERO, np.array([v.carry_in]), -1.0))
    b.add_rows(ENVELOPE.blocks[0], (1,), ("",), terms, sense="<=", rhs=inputs.envelope_keur)


@define_rows(SPEND_MIN)
def define_spend_min(b: ProgramBuilder, programme: ProgrammeInputs,
                     variables: tuple[Variables, ...], tight: bool) -> None:
    """6b. Minimum spend: sum f >= spend_min F, each year or over the horizon."""
    spec = SPEND_MIN.blocks[0]
    years = programme.years
    if programme.spend_min_scope == "horizon" and len(years) > 1:
        b.add_rows(spec, (1,), ("",),
                   [(np.zeros(len(years), dtype=np.int64),
                     np.array([v.total["funding"].start for v in variables]), 1.0)],
                   sense=">=", rhs=years[0].spend_min_share * sum(
                       year.envelope_keur for year in years))
        return
    for y, (inputs, v) in enumerate(zip(years, variables, strict=True)):
        with b.year(y, len(years)):
            b.add_rows(spec, (1,), ("",), [(ZERO, v.total["funding"].indices, 1.0)],
                       sense=">=", rhs=inputs.spend_min_share * inputs.envelope_keur)


@define_rows(CAPACITY)
def define_capacity(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """2. Cerema capacity per directorate: days to its towns + its collective events <= C[d].

    A region's collective events (awareness days, training cohorts) take their expert-days
    from the region's covering directorate (``docs/model.md#collective-actions``).
    """
    terms: list[Term] = [(inputs.directorate_of_town[v.seg_town], v.x.indices, 1.0)]
    if v.events is not None:
        actions = inputs.collective_days.size
        terms.append((np.repeat(inputs.collective_directorate, actions), v.events.indices,
                      np.tile(inputs.collective_days, inputs.n_collective_regions)))
    b.add_rows(CAPACITY.blocks[0], (inputs.n_directorates,), ("directorate",), terms,
               sense="<=", rhs=inputs.capacity_days)


@define_rows(ENGINEERING_BUDGET)
def define_engineering_budget(b: ProgramBuilder, inputs: ModelInputs, v: Variables,
                              tight: bool) -> None:
    """3. Engineering budget (pooled): sum_g subsidy[g] x p[g] <= E. No rows with co-funders."""
    if inputs.cofunded:
        b.add_rows(ENGINEERING_BUDGET.blocks[0], (0,), ("",), [], sense="<=", rhs=0.0)
        return
    subsidy = inputs.post_cost_keur if not inputs.group_anah.any() else inputs.subsidy_of_group
    b.add_rows(ENGINEERING_BUDGET.blocks[0], (1,), ("",),
               [(np.zeros(inputs.n_groups, dtype=np.int64), v.p.indices, subsidy)],
               sense="<=", rhs=inputs.engineering_budget_keur)


@define_rows(COVER_MIN)
def define_cover_min(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """6b. Minimum coverage: sum c >= cover_min |T joined by this year|."""
    b.add_rows(COVER_MIN.blocks[0], (1,), ("",), [(ZERO, v.total["towns"].indices, 1.0)],
               sense=">=", rhs=inputs.cover_min_share * inputs.n_joined)


@define_rows(SHARING)
def define_sharing(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """4. A post serves at most m_g towns of its group; 4b. its rounding cut."""
    G, m = inputs.n_groups, inputs.towns_per_post  # m: (G,) m_g
    sharing, rounded = SHARING.blocks
    b.add_rows(sharing, (G,), ("group",),
               [(inputs.group_of_town, v.c.indices, 1.0),
                (np.arange(G), v.p.indices, -m.astype(np.float64))],
               sense="<=", rhs=0.0)
    # 4b. Rounding cut of the sharing rows (always valid, tightens the relaxation): with
    # |g| = q m_g + r towns, covering all of them takes q + 1 posts, not |g| / m_g. The
    # integer hull of {covered <= m_g p, covered <= |g|} adds covered <= r p + (m_g - r) q.
    # Cheap (one row per group), so it stays in the fixed-integer LP too.
    q, r = np.divmod(inputs.group_size, m)
    cut = np.flatnonzero((q >= 1) & (r > 0))
    if not cut.size:
        return
    local = np.full(G, -1)
    local[cut] = np.arange(cut.size)
    member = np.isin(inputs.group_of_town, cut)
    b.add_rows(rounded, (cut.size,), ("group",),
               [(local[inputs.group_of_town[member]], v.c.indices[member], 1.0),
                (np.arange(cut.size), v.p.start + cut, -r[cut].astype(np.float64))],
               sense="<=", rhs=((m[cut] - r[cut]) * q[cut]).astype(np.float64))


@define_rows(LEAD)
def define_lead(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """5. Support needs a project lead; 5b. its perspective rows per segment (tight only)."""
    n = inputs.n_towns
    towns = v.towns
    days, funding, post, funding_segment, days_segment = LEAD.blocks
    b.add_rows(days, (n,), ("town",),
               [(v.seg_town, v.x.indices, 1.0), (towns, v.c.indices, -inputs.max_days_per_town)],
               sense="<=", rhs=0.0)
    b.add_rows(funding, (n,), ("town",),
               [(v.seg_town, v.f.indices, 1.0), (towns, v.c.indices, -inputs.cap_keur)],
               sense="<=", rhs=0.0)
    b.add_rows(post, (n,), ("town",),
               [(towns, v.c.indices, 1.0), (towns, v.p.start + inputs.group_of_town, -1.0)],
               sense="<=", rhs=0.0)
    if not tight:
        return
    # 5b. Perspective rows, segment by segment: f[t,k,s] <= w[s] uf[k] c[t] (and the
    # same for days). Redundant for integer c, but without them a fractional c lets a
    # town take the steep first segments of every theme. With the rounding cut (4b) they
    # make the national root relaxation exact: it sat 0.938 % above the optimum without
    # either, 0.913 % with these rows alone, 0.091 % with the cut alone, 0 with both
    # (docs/model.md, "perspective rows"); HiGHS took 144 s at gap 1e-4 without the two,
    # 2.3 s with them.
    shape = (n, inputs.n_themes, inputs.n_segments)
    axes = ("town", "theme", "segment")
    for spec, block, saturation in ((funding_segment, v.f, inputs.saturation_keur),
                                    (days_segment, v.x, inputs.saturation_days)):
        local = np.arange(block.size)
        b.add_rows(spec, shape, axes,
                   [(local, block.indices, 1.0),
                    (local, v.c.start + v.seg_town, -segment_upper(inputs, saturation).ravel())],
                   sense="<=", rhs=0.0)


@define_rows(TOWN_FLOOR)
def define_town_floor(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                      ) -> None:
    """6. Town floor: funding to a covered town >= min(f_min, cap) (rows only when f_min > 0)."""
    if inputs.min_per_town_keur <= 0:
        return  # the rows would all read 0 >= 0
    b.add_rows(TOWN_FLOOR.blocks[0], (inputs.n_towns,), ("town",),
               [(v.seg_town, v.f.indices, 1.0), (v.towns, v.c.indices, -inputs.town_floor_keur)],
               sense=">=", rhs=0.0)


@define_rows(BALANCE)
def define_balance(b: ProgramBuilder, programme: ProgrammeInputs,
                   variables: tuple[Variables, ...], tight: bool) -> None:
    """7. Regional balance per resource and side, hard or with penalised slacks (soft).

    Each year on its own, or (``balance.scope: horizon``) once on the sums over years.
    """
    first = programme.first
    if first.balance_mode == "off":
        return
    if programme.balance_scope == "horizon" and programme.n_years > 1:
        used = [[v.used[resource].indices for v in variables] for resource in RESOURCES]
        totals = [[v.total[resource].start for v in variables] for resource in RESOURCES]
        _balance_rows(b, first, programme.horizon_fair_share, programme.horizon_band_extra(),
                      programme.horizon_penalty_weight(), used, totals)
        return
    for y, (inputs, v) in enumerate(zip(programme.years, variables, strict=True)):
        with b.year(y, programme.n_years):
            _balance_rows(b, inputs, inputs.fair_share, inputs.balance_band_extra,
                          inputs.balance_penalty_weight,
                          [[v.used[resource].indices] for resource in RESOURCES],
                          [[v.total[resource].start] for resource in RESOURCES])


def _balance_rows(b: ProgramBuilder, inputs: ModelInputs, share: np.ndarray,
                  band_extra: np.ndarray, weight: np.ndarray,
                  used: list[list[np.ndarray]], totals: list[list[int]]) -> None:
    """The balance rows over the years whose region-use columns ``used`` and totals sum."""
    R = inputs.n_regions
    regions = np.arange(R)
    delta = inputs.balance_tolerance
    soft = inputs.balance_mode == "soft"
    if soft:
        below = b.add_columns("below", (3, R), ("resource", "region"), cost=-weight,
                              description="shortfall under the band")
        above = b.add_columns("above", (3, R), ("resource", "region"), cost=-weight,
                              description="excess over the band")
    for j, resource in enumerate(RESOURCES):
        extra = band_extra[j]
        if np.isinf(extra).all():  # no band on this resource (towns in quota mode)
            for side, sense in (("low", ">="), ("high", "<=")):
                b.add_rows(BALANCE.block(balance_block_name(resource, side)), (0,),
                           ("region",), [], sense=sense, rhs=0.0)
            continue
        low: list[Term] = []
        high: list[Term] = []
        for used_cols, total in zip(used[j], totals[j], strict=True):
            total_col = np.full(R, total)
            low += [(regions, used_cols, 1.0), (regions, total_col, -(1 - delta) * share)]
            high += [(regions, used_cols, 1.0), (regions, total_col, -(1 + delta) * share)]
        if soft:
            low.append((regions, below.start + j * R + regions, 1.0))
            high.append((regions, above.start + j * R + regions, -1.0))
        b.add_rows(BALANCE.block(balance_block_name(resource, "low")), (R,), ("region",), low,
                   sense=">=", rhs=-extra)
        b.add_rows(BALANCE.block(balance_block_name(resource, "high")), (R,), ("region",), high,
                   sense="<=", rhs=extra)


@define_rows(THEME_FLOOR)
def define_theme_floor(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                       ) -> None:
    """8. Theme floors: funding to theme k >= floor[k] x total funding."""
    K = inputs.n_themes
    b.add_rows(THEME_FLOOR.blocks[0], (K,), ("theme",),
               [(np.arange(K), v.funding_theme.indices, 1.0),
                (np.arange(K), np.full(K, v.total["funding"].start), -inputs.theme_floor)],
               sense=">=", rhs=0.0)
