"""The model's columns and the rows that define its auxiliary totals.

Column blocks, in order: ``f[t,k,s]`` funding (k EUR) and ``x[t,k,s]``
expert-days per town, theme and benefit segment; ``c[t]`` coverage by a project
lead; ``p[g]`` co-funded posts per group; then auxiliary totals: each
resource's use per region, funding per theme, and each resource's national
total, each with one defining row, so that balance and floor rows stay sparse.
The objective coefficients are set here; bounds and integrality belong to the
``bounds`` and ``integrality`` families (``pvd_optim.model.rows``).

In a programme of several years every block has one slice per year (its first axis
``year``, see ``ProgramBuilder.year``); :func:`define_variables` returns one
:class:`Variables` per year, each holding that year's slices. The unspent funding
carried from each year into the next (``carry``) is one more column per year boundary.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from pvd_optim.inputs import RESOURCES, IntArray, ModelInputs, ProgrammeInputs
from pvd_optim.model.builder import ProgramBuilder
from pvd_optim.model.program import Block

#: Column block names read back from a solution.
FUNDING, DAYS, COVERED, POSTS = "f", "x", "c", "p"
FUNDING_THEME = "funding_theme"
#: Funding carried from year y into year y + 1 (k EUR), one column per boundary.
CARRY = "carry"
#: Each co-funder's share of each kind of post (k EUR), per year.
COFUNDING = "cofunding"
#: Cerema's collective actions (docs/model.md#collective-actions): events (cohorts) per
#: collective region and action, attendance per town and action, per year; and a town's
#: actions beyond its first over the horizon (one column per town, the objective's second
#: segment).
EVENTS, ATTENDANCE, FURTHER = "collective_events", "attendance", "further_actions"


def region_use_name(resource: str) -> str:
    """Column block of one resource's use per region."""
    return f"{resource}_region"


def total_name(resource: str) -> str:
    """Column block (one column) of one resource's national total."""
    return f"{resource}_total"


def defining_rows_name(column_block: str) -> str:
    """Row block that defines the auxiliary column block ``column_block`` (``define_totals``)."""
    return f"define_{column_block}"


@dataclass(frozen=True, eq=False)
class Variables:
    """The column blocks of one program, and index arrays the row families share."""

    f: Block
    x: Block
    c: Block
    p: Block
    used: dict[str, Block]  # resource -> use per region
    total: dict[str, Block]  # resource -> national total
    funding_theme: Block
    seg_town: IntArray  # town of each f/x column, in block order
    seg_theme: IntArray  # theme of each f/x column
    carry_in: int | None = None  # column of the funding carried into this year
    carry_out: int | None = None  # column of the funding carried out of it
    split: Block | None = None  # (2, F) co-funders' shares per kind of post (co-funders only)
    events: Block | None = None  # (Rc, A) collective events per region and action
    attendance: Block | None = None  # (n, A) a town's attendance per action (0/1)
    further: Block | None = None  # (n,) actions beyond a town's first, over the horizon

    @property
    def towns(self) -> IntArray:
        """Town positions 0..n-1."""
        return np.arange(self.c.size, dtype=np.int64)


def define_variables(b: ProgramBuilder, programme: ProgrammeInputs) -> tuple[Variables, ...]:
    """Add every column with its objective coefficient (``docs/model.md``, objective)."""
    count = programme.n_years
    out = []
    for y, inputs in enumerate(programme.years):
        with b.year(y, count):
            out.append(_year_variables(b, inputs))
    out = _collective_variables(b, programme, out)
    if not programme.carries_over:
        return tuple(out)
    carry = b.add_columns(CARRY, (count - 1,), ("boundary",),
                          description="funding carried into the next year, k EUR")
    return tuple(
        dataclasses.replace(v, carry_in=carry.start + y - 1 if y > 0 else None,
                            carry_out=carry.start + y if y < count - 1 else None)
        for y, v in enumerate(out))


def _year_variables(b: ProgramBuilder, inputs: ModelInputs) -> Variables:
    """One year's columns; its benefit weighted by the year's discount factor."""
    n, K, S = inputs.n_towns, inputs.n_themes, inputs.n_segments
    R = inputs.n_regions
    weight = inputs.objective_weight
    # Benefit per unit on each segment: need[t,k] * slope[s].
    gain = inputs.need[:, :, None] * inputs.slopes[None, None, :]
    if weight != 1.0:
        gain = gain * weight
    f = b.add_columns(FUNDING, (n, K, S), ("town", "theme", "segment"), cost=gain,
                      description="funding, k EUR")
    x = b.add_columns(DAYS, (n, K, S), ("town", "theme", "segment"),
                      cost=gain * inputs.value_per_day_keur, description="expert-days")
    c = b.add_columns(COVERED, (n,), ("town",),
                      cost=inputs.value_per_cover_keur * inputs.fragility * weight,
                      description="covered by a project lead (0/1)")
    p = b.add_columns(POSTS, (inputs.n_groups,), ("group",), description="co-funded posts")
    units = {"funding": "k EUR", "days": "days", "towns": "covered towns"}
    used = {resource: b.add_columns(region_use_name(resource), (R,), ("region",),
                                    description=units[resource]) for resource in RESOURCES}
    funding_theme = b.add_columns(FUNDING_THEME, (K,), ("theme",), description="k EUR")
    total = {resource: b.add_columns(total_name(resource), (1,), ("",),
                                     description=units[resource]) for resource in RESOURCES}
    split = (b.add_columns(COFUNDING, (2, inputs.n_funders), ("post_type", "funder"),
                           description="a co-funder's share of a kind of post, k EUR")
             if inputs.cofunded else None)
    return Variables(
        f=f, x=x, c=c, p=p, used=used, total=total, funding_theme=funding_theme,
        seg_town=np.repeat(np.arange(n, dtype=np.int64), K * S),
        seg_theme=np.tile(np.repeat(np.arange(K, dtype=np.int64), S), n), split=split,
    )


def define_totals(b: ProgramBuilder, inputs: ModelInputs, v: Variables) -> None:
    """One defining row per auxiliary total: use per region and theme, national totals."""
    R, K = inputs.n_regions, inputs.n_themes
    regions = np.arange(R)
    region_of_seg = inputs.region_of_town[v.seg_town]
    for resource, block in (("funding", v.f), ("days", v.x)):
        b.add_rows(defining_rows_name(v.used[resource].name), (R,), ("region",),
                   [(region_of_seg, block.indices, 1.0),
                    (regions, v.used[resource].indices, -1.0)],
                   sense="=", rhs=0.0)
    b.add_rows(defining_rows_name(v.used["towns"].name), (R,), ("region",),
               [(inputs.region_of_town, v.c.indices, 1.0),
                (regions, v.used["towns"].indices, -1.0)],
               sense="=", rhs=0.0)
    b.add_rows(defining_rows_name(v.funding_theme.name), (K,), ("theme",),
               [(v.seg_theme, v.f.indices, 1.0), (np.arange(K), v.funding_theme.indices, -1.0)],
               sense="=", rhs=0.0)
    for resource in RESOURCES:
        b.add_rows(defining_rows_name(v.total[resource].name), (1,), ("",),
                   [(np.zeros(R, dtype=np.int64), v.used[resource].indices, 1.0),
                    (np.zeros(1, dtype=np.int64), v.total[resource].indices, -1.0)],
                   sense="=", rhs=0.0)


def _collective_variables(b: ProgramBuilder, programme: ProgrammeInputs,
                          variables: list[Variables]) -> list[Variables]:
    """Events, attendance and further actions, when collective actions are on.

    An attending town is worth need[t, theme] x value[a] in the year (weighted by the
    year's discount factor); each of its actions beyond the first over the horizon is
    worth the discount D x need less: the further-actions column carries -D x need and
    ``collective_further`` holds it at >= actions - 1, so at the optimum it is
    max(0, actions - 1): an exact linearisation of the concave benefit, the second
    segment of a curve whose first segment is one action wide.
    """
    first = programme.first
    if not first.collective:
        return variables
    from pvd_optim.inputs import COLLECTIVE_ACTIONS

    actions = len(COLLECTIVE_ACTIONS)
    out = []
    for y, (inputs, v) in enumerate(zip(programme.years, variables, strict=True)):
        with b.year(y, programme.n_years):
            events = b.add_columns(EVENTS, (inputs.n_collective_regions, actions),
                                   ("region", "action"),
                                   description="collective events (cohorts) per region")
            value = (inputs.collective_need[:, None] * inputs.collective_value_keur[None, :]
                     * inputs.objective_weight)
            attendance = b.add_columns(ATTENDANCE, (inputs.n_towns, actions),
                                       ("town", "action"), cost=value,
                                       description="a town attends (0/1)")
        out.append(dataclasses.replace(v, events=events, attendance=attendance))
    further = b.add_columns(FURTHER, (first.n_towns,), ("town",),
                            cost=-first.collective_need * first.collective_further_discount_keur,
                            description="a town's collective actions beyond its first")
    return [dataclasses.replace(v, further=further) for v in out]
