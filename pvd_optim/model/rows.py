"""The rows of each constraint family: one ``define_*`` function per family of the registry.

Each function is registered against its family (``pvd_optim.families``) and
adds that family's rows (or, for ``bounds`` and ``integrality``, column bounds
and types) to the builder; ``build_program`` calls them in registry order. The
numbered comments refer to the constraints of ``docs/model.md``.

A family of scope ``year`` is called once per model year, with that year's inputs and
columns, inside the builder's year scope; a family of scope ``programme`` once, with
the programme and every year's columns (it links years, or spans the horizon).
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families import balance_block_name, define_rows
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
from pvd_optim.inputs import RESOURCES, ModelInputs, ProgrammeInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.variables import CARRY, Variables

_ZERO = np.zeros(1, dtype=np.int64)


def _segment_upper(inputs: ModelInputs, saturation: np.ndarray) -> np.ndarray:
    """(n, K, S) width of each benefit segment: w[s] x saturation[k]."""
    widths = inputs.segment_widths[None, None, :] * saturation[None, :, None]
    return widths * np.ones((inputs.n_towns, 1, 1))


@define_rows(BOUNDS)
def define_bounds(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """f[t,k,s] <= w[s] uf[k], x[t,k,s] <= w[s] ux[k], 0 <= c <= 1, 0 <= p <= ceil(|g| / m)."""
    b.bound_columns(v.f, lower=0.0, upper=_segment_upper(inputs, inputs.saturation_keur))
    b.bound_columns(v.x, lower=0.0, upper=_segment_upper(inputs, inputs.saturation_days))
    b.bound_columns(v.c, lower=0.0, upper=1.0)
    b.bound_columns(v.p, lower=0.0, upper=inputs.max_posts.astype(np.float64))


@define_rows(INTEGRALITY)
def define_integrality(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                       ) -> None:
    """c binary and p integer, unless the scenario asks for the LP relaxation."""
    if not inputs.relax_integers:
        b.make_integer(v.c)
        b.make_integer(v.p)


@define_rows(ENTRY)
def define_entry(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """A town that has not joined by this year is neither covered nor supported (bounds)."""
    waiting = np.flatnonzero(~inputs.joined)
    if not waiting.size:
        return
    b.tighten_columns(v.c, waiting, upper=0.0)
    segments = np.flatnonzero(~inputs.joined[v.seg_town])
    b.tighten_columns(v.f, segments, upper=0.0)
    b.tighten_columns(v.x, segments, upper=0.0)


@define_rows(COMMITMENTS)
def define_commitments(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                       ) -> None:
    """Committed amounts as bounds: lower bounds, or both bounds in a locked year.

    A committed amount fills the benefit segments in order (the optimum does so
    anyway, the curve being concave), so a commitment is a bound on each segment.
    A locked year, and a town no longer eligible, get nothing beyond their commitments.
    """
    if not inputs.has_commitments:
        return
    fixed_town = ~inputs.eligible | inputs.locked  # upper bound = the commitment
    edges = np.concatenate([[0.0], np.cumsum(inputs.segment_widths)[:-1]])
    for block, committed, saturation in ((v.f, inputs.committed_funding_keur,
                                          inputs.saturation_keur),
                                         (v.x, inputs.committed_days, inputs.saturation_days)):
        low = np.clip(committed[:, :, None] - edges[None, None, :] * saturation[None, :, None],
                      0.0, _segment_upper(inputs, saturation)).ravel()
        _, upper = b.column_bounds(block)
        fixed = np.broadcast_to(fixed_town[:, None, None], (inputs.n_towns, inputs.n_themes,
                                                           inputs.n_segments)).ravel()
        at = np.flatnonzero((low > 0) | fixed)
        b.set_column_bounds(block, at, lower=low[at],
                            upper=np.where(fixed[at], low[at], np.maximum(upper[at], low[at])))
    covered = inputs.committed_covered.astype(np.float64)
    _, upper = b.column_bounds(v.c)
    at = np.flatnonzero(inputs.committed_covered | fixed_town)
    b.set_column_bounds(v.c, at, lower=covered[at],
                        upper=np.where(fixed_town[at], covered[at],
                                       np.maximum(upper[at], covered[at])))
    posts = inputs.committed_posts
    _, upper = b.column_bounds(v.p)
    at = np.flatnonzero((posts > 0) | inputs.locked)
    b.set_column_bounds(v.p, at, lower=posts[at],
                        upper=posts[at] if inputs.locked else np.maximum(upper[at], posts[at]))
    if inputs.locked and inputs.committed_carry_out_keur is not None and (
            v.carry_out is not None):
        carry = b.columns[CARRY]
        b.set_column_bounds(carry, np.array([v.carry_out - carry.start]),
                            lower=inputs.committed_carry_out_keur,
                            upper=inputs.committed_carry_out_keur)


@define_rows(ENVELOPE)
def define_envelope(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """1. Funding envelope: sum f <= F (plus what is carried in, minus what is carried out)."""
    terms: list[Term] = [(_ZERO, v.total["funding"].indices, 1.0)]
    if v.carry_out is not None:
        terms.append((_ZERO, np.array([v.carry_out]), 1.0))
    if v.carry_in is not None:
        terms.append((_ZERO, np.array([v.carry_in]), -1.0))
    b.add_rows(ENVELOPE.blocks[0], (1,), ("",), terms, sense="<=", rhs=inputs.envelope_keur)


@define_rows(CARRY_OVER)
def define_carry_over(b: ProgramBuilder, programme: ProgrammeInputs,
                      variables: tuple[Variables, ...], tight: bool) -> None:
    """Carried funding between 0 and the cap of the year it leaves (column bounds)."""
    if CARRY in b.columns:
        b.bound_columns(b.columns[CARRY], lower=0.0,
                        upper=programme.carry_over_cap_keur[:-1])


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
            b.add_rows(spec, (1,), ("",), [(_ZERO, v.total["funding"].indices, 1.0)],
                       sense=">=", rhs=inputs.spend_min_share * inputs.envelope_keur)


@define_rows(CAPACITY)
def define_capacity(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """2. Cerema capacity per directorate: days to its towns <= C[d]."""
    b.add_rows(CAPACITY.blocks[0], (inputs.n_directorates,), ("directorate",),
               [(inputs.directorate_of_town[v.seg_town], v.x.indices, 1.0)],
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


@define_rows(SUBSIDY)
def define_subsidy(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """Per kind of post: sum_f share[type, f] = subsidy[type] x posts of the type."""
    if v.split is None:
        b.add_rows(SUBSIDY.blocks[0], (0,), ("post_type",), [], sense="=", rhs=0.0)
        return
    F = inputs.n_funders
    shares = v.split.indices.reshape(2, F)
    terms: list[Term] = [(np.repeat(np.arange(2), F), shares.ravel(), 1.0)]
    kind = inputs.post_type_of_group
    terms.append((kind, v.p.indices, -inputs.post_subsidy_keur[kind]))
    b.add_rows(SUBSIDY.blocks[0], (2,), ("post_type",), terms, sense="=", rhs=0.0)


@define_rows(COFUNDER_SHARE)
def define_cofunder_share(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                          ) -> None:
    """share[type, f] <= posts of the type x min(rate x cost, cap) (0 if f does not pay it)."""
    if v.split is None:
        b.add_rows(COFUNDER_SHARE.blocks[0], (0,), ("post_type", "funder"), [], sense="<=",
                   rhs=0.0)
        return
    F = inputs.n_funders
    rows = np.arange(2 * F)
    per_post = inputs.funder_share_cap_keur.T  # (2, F)
    kind = inputs.post_type_of_group
    terms: list[Term] = [(rows, v.split.indices, 1.0)]
    for f in range(F):
        terms.append((kind * F + f, v.p.indices, -per_post[kind, f]))
    b.add_rows(COFUNDER_SHARE.blocks[0], (2, F), ("post_type", "funder"), terms, sense="<=",
               rhs=0.0)


@define_rows(COFUNDER_BUDGET)
def define_cofunder_budget(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool
                           ) -> None:
    """sum over kinds of post of a co-funder's shares <= its budget of the year."""
    if v.split is None:
        b.add_rows(COFUNDER_BUDGET.blocks[0], (0,), ("funder",), [], sense="<=", rhs=0.0)
        return
    F = inputs.n_funders
    b.add_rows(COFUNDER_BUDGET.blocks[0], (F,), ("funder",),
               [(np.tile(np.arange(F), 2), v.split.indices, 1.0)], sense="<=",
               rhs=inputs.funder_budget_keur)


@define_rows(COVER_MIN)
def define_cover_min(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """6b. Minimum coverage: sum c >= cover_min |T joined by this year|."""
    b.add_rows(COVER_MIN.blocks[0], (1,), ("",), [(_ZERO, v.total["towns"].indices, 1.0)],
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
    # town take the steep first segments of every theme, and the relaxation sat 0.9 %
    # above the optimum (144 s to close at the national scale; 2.3 s with them).
    shape = (n, inputs.n_themes, inputs.n_segments)
    axes = ("town", "theme", "segment")
    for spec, block, saturation in ((funding_segment, v.f, inputs.saturation_keur),
                                    (days_segment, v.x, inputs.saturation_days)):
        local = np.arange(block.size)
        b.add_rows(spec, shape, axes,
                   [(local, block.indices, 1.0),
                    (local, v.c.start + v.seg_town, -_segment_upper(inputs, saturation).ravel())],
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


@define_rows(IDLE_POSTS)
def define_idle_posts(b: ProgramBuilder, programme: ProgrammeInputs,
                      variables: tuple[Variables, ...], tight: bool) -> None:
    """A group's posts never outnumber its covered towns, in a programme of several years.

    Posts carry no cost in the objective: with budgets that do not bind, and posts
    that must last, nothing stops the relaxation (or a solver) from opening posts
    nobody uses. A one-year model has no such rows: it always went without them.
    """
    spec = IDLE_POSTS.blocks[0]
    if programme.n_years == 1:
        b.add_rows(spec, (0,), ("group",), [], sense="<=", rhs=0.0)
        return
    first = programme.first
    G = first.n_groups
    for y, v in enumerate(variables):
        with b.year(y, programme.n_years):
            b.add_rows(spec, (G,), ("group",),
                       [(np.arange(G), v.p.indices, 1.0),
                        (first.group_of_town, v.c.indices, -1.0)], sense="<=", rhs=0.0)


@define_rows(PERSISTENCE)
def define_persistence(b: ProgramBuilder, programme: ProgrammeInputs,
                       variables: tuple[Variables, ...], tight: bool) -> None:
    """Coverage and posts last: over the horizon (never decrease), or for L-year contracts."""
    cover, posts, cover_start, cover_contract, posts_start, posts_contract = PERSISTENCE.blocks
    Y = programme.n_years
    first = programme.first
    n, G = first.n_towns, first.n_groups
    horizon = programme.persistence == "horizon" and Y > 1
    # A town no longer eligible keeps its commitments only: its coverage does not last.
    lasting = {"c": np.flatnonzero(first.eligible), "p": np.arange(G)}
    for spec, block in ((cover, "c"), (posts, "p")):
        size = len(lasting[block])
        if not horizon:
            b.add_rows(spec, (0,), ("",), [], sense=">=", rhs=0.0)
            continue
        rows = np.arange((Y - 1) * size)
        now = np.concatenate([getattr(v, block).indices[lasting[block]] for v in variables[1:]])
        before = np.concatenate([getattr(v, block).indices[lasting[block]]
                                 for v in variables[:-1]])
        b.add_rows(spec, (Y - 1, size), ("transition", "town" if block == "c" else "group"),
                   [(rows, now, 1.0), (rows, before, -1.0)], sense=">=", rhs=0.0)
    contract = programme.persistence == "contract" and Y > 1
    for start_spec, last_spec, size, block, name in (
            (cover_start, cover_contract, n, "c", "started"),
            (posts_start, posts_contract, G, "p", "opened")):
        if not contract:
            b.add_rows(start_spec, (0,), ("",), [], sense=">=", rhs=0.0)
            b.add_rows(last_spec, (0,), ("",), [], sense=">=", rhs=0.0)
            continue
        started = b.add_columns(name, (Y, size), ("year", "town" if block == "c" else "group"),
                                description="newly started this year (contract mode)")
        rows = np.arange(size)
        start_terms: list[Term] = []
        last_terms: list[Term] = []
        for y, v in enumerate(variables):
            here = y * size + rows
            start_terms += [(here, started.start + here, 1.0),
                            (here, getattr(v, block).indices, -1.0)]
            if y > 0:
                start_terms.append((here, getattr(variables[y - 1], block).indices, 1.0))
            last_terms.append((here, getattr(v, block).indices, 1.0))
            for j in range(max(0, y - programme.contract_years + 1), y + 1):
                last_terms.append((here, started.start + j * size + rows, -1.0))
        axes = ("year", "town" if block == "c" else "group")
        b.add_rows(start_spec, (Y, size), axes, start_terms, sense=">=", rhs=0.0)
        b.add_rows(last_spec, (Y, size), axes, last_terms, sense=">=", rhs=0.0)


@define_rows(HORIZON_SATURATION)
def define_horizon_saturation(b: ProgramBuilder, programme: ProgrammeInputs,
                              variables: tuple[Variables, ...], tight: bool) -> None:
    """Funding and days to a town and theme summed over the years <= the horizon caps."""
    first = programme.first
    n, K, S = first.n_towns, first.n_themes, first.n_segments
    for spec, cap, block in ((HORIZON_SATURATION.blocks[0], programme.horizon_saturation_keur,
                              "f"),
                             (HORIZON_SATURATION.blocks[1], programme.horizon_saturation_days,
                              "x")):
        if programme.n_years == 1 or not np.isfinite(cap).any():
            b.add_rows(spec, (0,), ("town", "theme"), [], sense="<=", rhs=0.0)
            continue
        pair = np.repeat(np.arange(n * K), S)  # town-theme of each segment column
        terms: list[Term] = [(pair, getattr(v, block).indices, 1.0) for v in variables]
        b.add_rows(spec, (n, K), ("town", "theme"), terms, sense="<=",
                   rhs=np.tile(cap, n))
