"""Rows of the programme's families (``pvd_optim.families.programme``): what links years."""

from __future__ import annotations

import numpy as np

from pvd_optim.families import define_rows
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
from pvd_optim.inputs import ModelInputs, ProgrammeInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.rows.common import segment_upper
from pvd_optim.model.variables import CARRY, Variables


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
                      0.0, segment_upper(inputs, saturation)).ravel()
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


@define_rows(CARRY_OVER)
def define_carry_over(b: ProgramBuilder, programme: ProgrammeInputs,
                      variables: tuple[Variables, ...], tight: bool) -> None:
    """Carried funding between 0 and the cap of the year it leaves (column bounds)."""
    if CARRY in b.columns:
        b.bound_columns(b.columns[CARRY], lower=0.0,
                        upper=programme.carry_over_cap_keur[:-1])


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
