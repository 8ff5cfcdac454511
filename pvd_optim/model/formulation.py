"""The allocation model, defined once, as vectorised blocks of a sparse matrix.

Every back end (HiGHS in memory, PuLP for CBC and file export) is generated from
the ``LinearProgram`` built here, so the model is written exactly once. The
formulation follows ``shared/design/model.md``; its symbols appear in comments.

Column blocks (in order): ``f[t,k,s]`` funding, ``x[t,k,s]`` expert-days,
``c[t]`` coverage, ``p[g]`` posts, then auxiliary totals ``funding_region[r]``,
``days_region[r]``, ``towns_region[r]``, ``funding_theme[k]``,
``funding_total``, ``days_total``, ``towns_total``, and in soft balance mode the
slacks ``below[j,r]`` / ``above[j,r]`` for the three resources ``j``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pvd_optim.inputs import RESOURCES, FloatArray, IntArray, ModelInputs

INF = np.inf


@dataclass(frozen=True)
class Block:
    """A contiguous range of columns or rows with a shape and axis labels."""

    name: str
    start: int
    shape: tuple[int, ...]
    axes: tuple[str, ...]
    description: str = ""

    @property
    def size(self) -> int:
        """Number of columns or rows in the block."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def slice(self) -> slice:
        """The block's range in the full vector."""
        return slice(self.start, self.start + self.size)

    def index(self, *positions: int) -> int:
        """Global index of one element of the block."""
        return self.start + int(np.ravel_multi_index(positions, self.shape))


@dataclass(frozen=True, eq=False)
class LinearProgram:
    """A (mixed-integer) linear program: maximise ``cost @ v`` s.t. bounds on ``A v``.

    The matrix is stored row-wise (CSR) in three numpy arrays. Every row has one
    finite side only (``<=``, ``>=`` or ``=``), so back ends with sense-based rows
    (PuLP) and range-based rows (HiGHS) read it identically.
    """

    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integer: NDArray[np.bool_]
    row_start: IntArray  # (m + 1,)
    row_index: IntArray  # (nnz,)
    row_value: FloatArray  # (nnz,)
    row_lower: FloatArray
    row_upper: FloatArray
    columns: dict[str, Block] = field(default_factory=dict)
    rows: dict[str, Block] = field(default_factory=dict)
    maximise: bool = True

    @property
    def n_cols(self) -> int:
        """Number of variables."""
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return len(self.row_lower)

    @property
    def nnz(self) -> int:
        """Number of non-zero coefficients."""
        return len(self.row_value)

    def activity(self, values: FloatArray) -> FloatArray:
        """Row activities ``A v`` for a column vector."""
        products = self.row_value * values[self.row_index]
        sums = np.zeros(self.n_rows)
        row_of_entry = np.repeat(np.arange(self.n_rows), np.diff(self.row_start))
        np.add.at(sums, row_of_entry, products)
        return sums

    def column(self, name: str, values: FloatArray) -> FloatArray:
        """The values of one column block, reshaped to its shape."""
        block = self.columns[name]
        return values[block.slice].reshape(block.shape)

    def row_values(self, name: str, values: FloatArray) -> FloatArray:
        """The values of one row block (activities, duals...), reshaped."""
        block = self.rows[name]
        return values[block.slice].reshape(block.shape)

    def with_column_bounds(
        self, lower: FloatArray, upper: FloatArray, *, integer: bool | None = None
    ) -> LinearProgram:
        """A copy with other column bounds (and optionally all integrality dropped)."""
        return LinearProgram(
            cost=self.cost,
            col_lower=lower,
            col_upper=upper,
            integer=self.integer if integer is None else np.zeros_like(self.integer),
            row_start=self.row_start,
            row_index=self.row_index,
            row_value=self.row_value,
            row_lower=self.row_lower,
            row_upper=self.row_upper,
            columns=self.columns,
            rows=self.rows,
            maximise=self.maximise,
        )

    def with_row_bounds(self, lower: FloatArray, upper: FloatArray) -> LinearProgram:
        """A copy with other row bounds."""
        return LinearProgram(
            cost=self.cost,
            col_lower=self.col_lower,
            col_upper=self.col_upper,
            integer=self.integer,
            row_start=self.row_start,
            row_index=self.row_index,
            row_value=self.row_value,
            row_lower=lower,
            row_upper=upper,
            columns=self.columns,
            rows=self.rows,
            maximise=self.maximise,
        )

    def col_names(self) -> list[str]:
        """Readable, file-safe column names (``f_12_3_0``), in column order."""
        return _names(self.columns.values(), self.n_cols)

    def row_names(self) -> list[str]:
        """Readable, file-safe row names (``capacity_4``), in row order."""
        return _names(self.rows.values(), self.n_rows)


def _names(blocks: object, total: int) -> list[str]:
    names: list[str] = [""] * total
    for block in blocks:  # type: ignore[attr-defined]
        if block.size == 0:
            continue
        if block.shape == (1,):
            names[block.start] = block.name
            continue
        grids = np.unravel_index(np.arange(block.size), block.shape)
        suffix = np.char.add("_", grids[0].astype(str))
        for axis in grids[1:]:
            suffix = np.char.add(np.char.add(suffix, "_"), axis.astype(str))
        names[block.slice] = np.char.add(block.name, suffix).tolist()
    return names


class _Builder:
    """Accumulates column and row blocks as numpy triplets, then packs a CSR matrix."""

    def __init__(self) -> None:
        self.columns: dict[str, Block] = {}
        self.rows: dict[str, Block] = {}
        self._n_cols = 0
        self._n_rows = 0
        self._col_parts: list[tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]] = []
        self._row_parts: list[tuple[FloatArray, FloatArray]] = []
        self._entries: list[tuple[IntArray, IntArray, FloatArray]] = []

    def add_columns(
        self,
        name: str,
        shape: tuple[int, ...],
        axes: tuple[str, ...],
        *,
        cost: FloatArray | float = 0.0,
        lower: FloatArray | float = 0.0,
        upper: FloatArray | float = INF,
        integer: bool = False,
        description: str = "",
    ) -> Block:
        block = Block(name, self._n_cols, shape, axes, description)
        size = block.size
        self._col_parts.append(
            (
                np.broadcast_to(np.asarray(cost, dtype=np.float64), shape).ravel(),
                np.broadcast_to(np.asarray(lower, dtype=np.float64), shape).ravel(),
                np.broadcast_to(np.asarray(upper, dtype=np.float64), shape).ravel(),
                np.full(size, integer),
            )
        )
        self._n_cols += size
        self.columns[name] = block
        return block

    def add_rows(
        self,
        name: str,
        shape: tuple[int, ...],
        axes: tuple[str, ...],
        terms: list[tuple[IntArray, IntArray, FloatArray | float]],
        *,
        sense: str,
        rhs: FloatArray | float,
        description: str = "",
    ) -> Block:
        """Add a block of rows ``sum(terms) sense rhs``.

        Each term is ``(local_row, global_col, coefficient)``, arrays of equal length
        (a scalar coefficient broadcasts).
        """
        block = Block(name, self._n_rows, shape, axes, description)
        size = block.size
        rhs_vec = np.broadcast_to(np.asarray(rhs, dtype=np.float64), (size,)).copy()
        lower = np.full(size, -INF)
        upper = np.full(size, INF)
        if sense in ("<=", "="):
            upper = rhs_vec
        if sense in (">=", "="):
            lower = rhs_vec.copy()
        if sense not in ("<=", ">=", "="):
            raise ValueError(f"unknown sense {sense!r}")
        self._row_parts.append((lower, upper))
        for local_row, col, coef in terms:
            local_row = np.asarray(local_row, dtype=np.int64)
            values = np.broadcast_to(np.asarray(coef, dtype=np.float64), local_row.shape)
            self._entries.append(
                (local_row + block.start, np.asarray(col, dtype=np.int64), values.ravel())
            )
        self._n_rows += size
        self.rows[name] = block
        return block

    def build(self, maximise: bool = True) -> LinearProgram:
        cost, lower, upper, integer = (np.concatenate(parts) for parts in zip(*self._col_parts,
                                                                                strict=True))
        row_lower = np.concatenate([p[0] for p in self._row_parts])
        row_upper = np.concatenate([p[1] for p in self._row_parts])
        rows = np.concatenate([e[0] for e in self._entries])
        cols = np.concatenate([e[1] for e in self._entries])
        vals = np.concatenate([e[2] for e in self._entries])
        keep = vals != 0.0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        row_start = np.zeros(self._n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self._n_rows), out=row_start[1:])
        return LinearProgram(
            cost=cost,
            col_lower=lower,
            col_upper=upper,
            integer=integer.astype(bool),
            row_start=row_start,
            row_index=cols,
            row_value=vals,
            row_lower=row_lower,
            row_upper=row_upper,
            columns=self.columns,
            rows=self.rows,
            maximise=maximise,
        )


def build_program(inputs: ModelInputs, *, tight: bool = True) -> LinearProgram:
    """Build the reference allocation model (``shared/design/model.md``) from ``inputs``.

    ``tight`` adds redundant rows that make the LP relaxation much closer to the
    integer optimum (see the comments at 4b and 5b); the optimum is the same.
    """
    n, K, S = inputs.n_towns, inputs.n_themes, inputs.n_segments
    R, D, G = inputs.n_regions, inputs.n_directorates, inputs.n_groups
    b = _Builder()

    # Benefit per unit on each segment: need[t,k] * slope[s].
    gain = inputs.need[:, :, None] * inputs.slopes[None, None, :]
    widths = inputs.segment_widths[None, None, :]
    f = b.add_columns(
        "f", (n, K, S), ("town", "theme", "segment"), cost=gain,
        upper=widths * inputs.saturation_keur[None, :, None],
        description="funding, k EUR",
    )
    x = b.add_columns(
        "x", (n, K, S), ("town", "theme", "segment"), cost=gain * inputs.value_per_day_keur,
        upper=widths * inputs.saturation_days[None, :, None],
        description="expert-days",
    )
    c = b.add_columns(
        "c", (n,), ("town",), cost=inputs.value_per_cover_keur * inputs.fragility, upper=1.0,
        integer=not inputs.relax_integers, description="covered by a project lead (0/1)",
    )
    p = b.add_columns(
        "p", (G,), ("group",), upper=inputs.max_posts.astype(np.float64),
        integer=not inputs.relax_integers, description="co-funded posts",
    )
    used = {
        "funding": b.add_columns("funding_region", (R,), ("region",), description="k EUR"),
        "days": b.add_columns("days_region", (R,), ("region",), description="days"),
        "towns": b.add_columns("towns_region", (R,), ("region",), description="covered towns"),
    }
    funding_theme = b.add_columns("funding_theme", (K,), ("theme",), description="k EUR")
    total = {
        "funding": b.add_columns("funding_total", (1,), ("",), description="k EUR"),
        "days": b.add_columns("days_total", (1,), ("",), description="days"),
        "towns": b.add_columns("towns_total", (1,), ("",), description="covered towns"),
    }

    towns = np.arange(n)
    seg_town = np.repeat(towns, K * S)  # town of each f/x column, in block order
    seg_theme = np.tile(np.repeat(np.arange(K), S), n)
    f_cols = f.start + np.arange(f.size)
    x_cols = x.start + np.arange(x.size)
    region_of_seg = inputs.region_of_town[seg_town]

    # Auxiliary totals, one defining row each, keep balance and floor rows sparse.
    for resource, block in (("funding", f_cols), ("days", x_cols)):
        b.add_rows(
            f"define_{used[resource].name}", (R,), ("region",),
            [(region_of_seg, block, 1.0), (np.arange(R), used[resource].start + np.arange(R),
                                           -1.0)],
            sense="=", rhs=0.0,
        )
    b.add_rows(
        "define_towns_region", (R,), ("region",),
        [(inputs.region_of_town, c.start + towns, 1.0),
         (np.arange(R), used["towns"].start + np.arange(R), -1.0)],
        sense="=", rhs=0.0,
    )
    b.add_rows(
        "define_funding_theme", (K,), ("theme",),
        [(seg_theme, f_cols, 1.0), (np.arange(K), funding_theme.start + np.arange(K), -1.0)],
        sense="=", rhs=0.0,
    )
    for resource in RESOURCES:
        b.add_rows(
            f"define_{resource}_total", (1,), ("",),
            [(np.zeros(R, dtype=np.int64), used[resource].start + np.arange(R), 1.0),
             (np.zeros(1, dtype=np.int64), np.array([total[resource].start]), -1.0)],
            sense="=", rhs=0.0,
        )

    zero = np.zeros(1, dtype=np.int64)
    funding_total_col = np.array([total["funding"].start])
    # 1. Funding envelope and 6b. minimum spend.
    b.add_rows("envelope", (1,), ("",), [(zero, funding_total_col, 1.0)],
               sense="<=", rhs=inputs.envelope_keur,
               description="funding committed <= envelope (k EUR)")
    b.add_rows("spend_min", (1,), ("",), [(zero, funding_total_col, 1.0)],
               sense=">=", rhs=inputs.spend_min_share * inputs.envelope_keur,
               description="funding committed >= minimum share of the envelope (k EUR)")
    # 2. Cerema capacity per directorate.
    b.add_rows("capacity", (D,), ("directorate",),
               [(inputs.directorate_of_town[seg_town], x_cols, 1.0)],
               sense="<=", rhs=inputs.capacity_days,
               description="expert-days used <= directorate capacity")
    # 3. Engineering budget.
    b.add_rows("engineering_budget", (1,), ("",),
               [(np.zeros(G, dtype=np.int64), p.start + np.arange(G), inputs.post_cost_keur)],
               sense="<=", rhs=inputs.engineering_budget_keur,
               description="posts x subsidy <= engineering budget (k EUR)")
    # 6b. Minimum coverage.
    b.add_rows("cover_min", (1,), ("",), [(zero, np.array([total["towns"].start]), 1.0)],
               sense=">=", rhs=inputs.cover_min_share * n,
               description="covered towns >= minimum share of eligible towns")
    # 4. Sharing: a post serves at most m towns of its group.
    b.add_rows("sharing", (G,), ("group",),
               [(inputs.group_of_town, c.start + towns, 1.0),
                (np.arange(G), p.start + np.arange(G), -float(inputs.towns_per_post))],
               sense="<=", rhs=0.0, description="covered towns in group <= m x posts")
    # 4b. Rounding cut of the sharing rows (always valid, tightens the relaxation): with
    # |g| = q m + r towns, covering all of them takes q + 1 posts, not |g| / m. The
    # integer hull of {covered <= m p, covered <= |g|} adds covered <= r p + (m - r) q.
    q, r = np.divmod(inputs.group_size, inputs.towns_per_post)
    cut = np.flatnonzero((q >= 1) & (r > 0))
    if cut.size:
        local = np.full(G, -1)
        local[cut] = np.arange(cut.size)
        member = np.isin(inputs.group_of_town, cut)
        b.add_rows("sharing_rounded", (cut.size,), ("group",),
                   [(local[inputs.group_of_town[member]], c.start + towns[member], 1.0),
                    (np.arange(cut.size), p.start + cut, -r[cut].astype(np.float64))],
                   sense="<=", rhs=((inputs.towns_per_post - r[cut]) * q[cut]).astype(np.float64),
                   description="covered towns in group <= r x posts + (m - r) x q")
    # 5. Support needs a project lead.
    b.add_rows("lead_days", (n,), ("town",),
               [(seg_town, x_cols, 1.0), (towns, c.start + towns, -inputs.max_days_per_town)],
               sense="<=", rhs=0.0, description="days to a town <= X_town x covered")
    b.add_rows("lead_funding", (n,), ("town",),
               [(seg_town, f_cols, 1.0), (towns, c.start + towns, -inputs.cap_keur)],
               sense="<=", rhs=0.0, description="funding to a town <= cap x covered")
    b.add_rows("lead_post", (n,), ("town",),
               [(towns, c.start + towns, 1.0), (towns, p.start + inputs.group_of_town, -1.0)],
               sense="<=", rhs=0.0, description="covered only where its group has a post")
    if tight:
        # 5b. Perspective rows, segment by segment: f[t,k,s] <= w[s] uf[k] c[t] (and the
        # same for days). Redundant for integer c, but without them a fractional c lets a
        # town take the steep first segments of every theme, and the relaxation sat 0.9 %
        # above the optimum (144 s to close at the national scale; 2.3 s with them).
        seg_upper_f = (widths * inputs.saturation_keur[None, :, None]) * np.ones((n, 1, 1))
        seg_upper_x = (widths * inputs.saturation_days[None, :, None]) * np.ones((n, 1, 1))
        b.add_rows("lead_funding_segment", (n, K, S), ("town", "theme", "segment"),
                   [(np.arange(f.size), f_cols, 1.0), (np.arange(f.size), c.start + seg_town,
                                                      -seg_upper_f.ravel())],
                   sense="<=", rhs=0.0)
        b.add_rows("lead_days_segment", (n, K, S), ("town", "theme", "segment"),
                   [(np.arange(x.size), x_cols, 1.0), (np.arange(x.size), c.start + seg_town,
                                                      -seg_upper_x.ravel())],
                   sense="<=", rhs=0.0)
    # 6. Town floor (only when a minimum is set: otherwise the rows are 0 >= 0).
    if inputs.min_per_town_keur > 0:
        b.add_rows("town_floor", (n,), ("town",),
                   [(seg_town, f_cols, 1.0), (towns, c.start + towns, -inputs.town_floor_keur)],
                   sense=">=", rhs=0.0,
                   description="funding to a covered town >= min(f_min, cap)")
    # 7. Regional balance.
    if inputs.balance_mode != "off":
        _add_balance_rows(b, inputs, used, total)
    # 8. Theme floors.
    b.add_rows("theme_floor", (K,), ("theme",),
               [(np.arange(K), funding_theme.start + np.arange(K), 1.0),
                (np.arange(K), np.full(K, total["funding"].start), -inputs.theme_floor)],
               sense=">=", rhs=0.0, description="funding to theme >= floor x total funding")
    return b.build(maximise=True)


def _add_balance_rows(
    b: _Builder, inputs: ModelInputs, used: dict[str, Block], total: dict[str, Block]
) -> None:
    R = inputs.n_regions
    regions = np.arange(R)
    delta = inputs.balance_tolerance
    share = inputs.fair_share
    soft = inputs.balance_mode == "soft"
    penalties = (inputs.penalty_funding, inputs.penalty_days, inputs.penalty_towns)
    if soft:
        # Dividing by the fair share makes a unit of deviation cost more in a small
        # region, so small regions are not the cheap ones to sacrifice.
        weight = np.asarray(penalties)[:, None] / share[None, :]
        below = b.add_columns("below", (3, R), ("resource", "region"), cost=-weight,
                              description="shortfall under the band")
        above = b.add_columns("above", (3, R), ("resource", "region"), cost=-weight,
                              description="excess over the band")
    for j, resource in enumerate(RESOURCES):
        extra = float(inputs.balance_band_extra[j])
        used_cols = used[resource].start + regions
        total_col = np.full(R, total[resource].start)
        lower_terms: list[tuple[IntArray, IntArray, FloatArray | float]] = [
            (regions, used_cols, 1.0), (regions, total_col, -(1 - delta) * share)]
        upper_terms: list[tuple[IntArray, IntArray, FloatArray | float]] = [
            (regions, used_cols, 1.0), (regions, total_col, -(1 + delta) * share)]
        if soft:
            lower_terms.append((regions, below.start + j * R + regions, 1.0))
            upper_terms.append((regions, above.start + j * R + regions, -1.0))
        b.add_rows(f"balance_{resource}_low", (R,), ("region",), lower_terms,
                   sense=">=", rhs=-extra,
                   description=f"{resource} in region >= (1 - delta) x fair share")
        b.add_rows(f"balance_{resource}_high", (R,), ("region",), upper_terms,
                   sense="<=", rhs=extra,
                   description=f"{resource} in region <= (1 + delta) x fair share")
