"""Rows of Cerema's collective actions (``pvd_optim.families.collective``).

With collective actions off, none of these functions adds a row or a bound. The days
the events cost are in the ``capacity`` rows (``rows.reference.define_capacity``).
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families import define_rows
from pvd_optim.families.collective import (
    COLLECTIVE_ATTENDANCE,
    COLLECTIVE_COUNTS,
    COLLECTIVE_HORIZON,
    COLLECTIVE_MINIMUM,
)
from pvd_optim.inputs import COLLECTIVE_ACTIONS, ModelInputs, ProgrammeInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.variables import Variables

_A = len(COLLECTIVE_ACTIONS)


@define_rows(COLLECTIVE_COUNTS)
def define_collective_counts(b: ProgramBuilder, inputs: ModelInputs, v: Variables,
                             tight: bool) -> None:
    """0 <= n[r,a] <= the most a region holds a year, whole; 0 <= z[t,a] <= 1 where allowed.

    Attendance is 0/1 by definition, and integral without being declared so: with whole
    events and coverage, each z column sits in one seats row (its region and action) and
    in the town's rows (further actions, and within it its one training path), a
    partition and a laminar family, so the matrix is totally unimodular and every
    vertex has 0/1 attendance. Declared integer, the national solve took 11.3 s instead
    of 6.0 s and its gap-0 re-solves 17.6 s instead of 9.0 s, for the same optimum. The
    checker (``collective_counts``) still verifies that every attendance is 0 or 1.
    """
    if v.events is None or v.attendance is None:
        return
    b.bound_columns(v.events, lower=0.0,
                    upper=np.broadcast_to(inputs.collective_max_count, v.events.shape))
    allowed = inputs.may_attend.astype(np.float64)
    b.bound_columns(v.attendance, lower=0.0,
                    upper=np.broadcast_to(allowed[:, None], v.attendance.shape))
    if not inputs.relax_integers:
        b.make_integer(v.events)


@define_rows(COLLECTIVE_ATTENDANCE)
def define_collective_attendance(b: ProgramBuilder, inputs: ModelInputs, v: Variables,
                                 tight: bool) -> None:
    """z <= c; sum of z in a region <= seats x n; z[t,a] <= n[r(t),a] (strengthening)."""
    if v.events is None or v.attendance is None:
        return
    cover, seats, region_count = COLLECTIVE_ATTENDANCE.blocks
    n = inputs.n_towns
    towns = np.arange(n)
    z = v.attendance.indices.reshape(n, _A)
    events = v.events.indices.reshape(inputs.n_collective_regions, _A)
    if inputs.collective_requires_cover:
        b.add_rows(cover, (n, _A), ("town", "action"),
                   [(np.arange(n * _A), z.ravel(), 1.0),
                    (np.arange(n * _A), np.repeat(v.c.start + towns, _A), -1.0)],
                   sense="<=", rhs=0.0)
    # Only towns of a collective region can attend (the others are bounded at 0).
    position = inputs.collective_of_town
    inside = np.flatnonzero(position >= 0)
    Rc = inputs.n_collective_regions
    row_of = (position[inside, None] * _A + np.arange(_A)[None, :]).ravel()
    b.add_rows(seats, (Rc, _A), ("region", "action"),
               [(row_of, z[inside].ravel(), 1.0),
                (np.arange(Rc * _A), events.ravel(),
                 -np.tile(inputs.collective_seats, Rc))],
               sense="<=", rhs=0.0)
    # z[t,a] <= n[r(t),a]: redundant for whole events (with n = 0 the seats row already
    # forbids attendance), but without it the relaxation opens a fraction of a cohort and
    # fills it with fractional towns' need, as c <= p does for posts. It keeps the LP from
    # paying 1/15 of a cohort's days for a town's full value. With events and attendance
    # fixed (the shadow prices' LP) it only restates bounds, and is left out.
    if not tight:
        return
    local = np.arange(inside.size * _A)
    terms: list[Term] = [(local, z[inside].ravel(), 1.0),
                         (local, events[position[inside]].ravel(), -1.0)]
    b.add_rows(region_count, (inside.size, _A), ("town", "action"), terms, sense="<=", rhs=0.0)


@define_rows(COLLECTIVE_HORIZON)
def define_collective_horizon(b: ProgramBuilder, programme: ProgrammeInputs,
                              variables: tuple[Variables, ...], tight: bool) -> None:
    """sum_y z[t,training,y] <= 1; sum_{a,y} z[t,a,y] - further[t] <= 1."""
    first = programme.first
    further = variables[0].further
    if further is None:
        return
    once, further_rows = COLLECTIVE_HORIZON.blocks
    n = first.n_towns
    towns = np.arange(n)
    training = COLLECTIVE_ACTIONS.index("training_path")
    attendance = [v.attendance for v in variables]
    assert all(block is not None for block in attendance)
    # In one year the 0/1 bound already says it; the row is kept so that every model with
    # collective actions has the same blocks (n rows, nothing next to the model's size).
    b.add_rows(once, (n,), ("town",),
               [(towns, block.indices.reshape(n, _A)[:, training], 1.0)  # type: ignore[union-attr]
                for block in attendance], sense="<=", rhs=1.0)
    terms: list[Term] = [(np.repeat(towns, _A), block.indices, 1.0)  # type: ignore[union-attr]
                         for block in attendance]
    terms.append((towns, further.indices, -1.0))
    b.add_rows(further_rows, (n,), ("town",), terms, sense="<=", rhs=1.0)


@define_rows(COLLECTIVE_MINIMUM)
def define_collective_minimum(b: ProgramBuilder, programme: ProgrammeInputs,
                              variables: tuple[Variables, ...], tight: bool) -> None:
    """sum of n[r,a] over the scope >= the minimum (horizon: one row per region and action)."""
    first = programme.first
    if variables[0].events is None:
        return
    spec = COLLECTIVE_MINIMUM.blocks[0]
    Rc = first.n_collective_regions
    shape, axes = (Rc, _A), ("region", "action")
    minimum = np.tile(first.collective_minimum, Rc)
    local = np.arange(Rc * _A)
    if first.collective_minimum_scope == "horizon" or programme.n_years == 1:
        b.add_rows(spec, shape, axes,
                   [(local, v.events.indices, 1.0) for v in variables  # type: ignore[union-attr]
                    ], sense=">=", rhs=minimum)
        return
    for y, v in enumerate(variables):
        with b.year(y, programme.n_years):
            b.add_rows(spec, shape, axes, [(local, v.events.indices, 1.0)],  # type: ignore[union-attr]
                       sense=">=", rhs=minimum)
