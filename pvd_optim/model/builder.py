"""Accumulates column and row blocks as numpy arrays, then packs one ``LinearProgram``.

A programme of several years is built year by year: inside ``with builder.year(y, Y)``,
the first year's call of ``add_columns`` or ``add_rows`` reserves a block for every
year (shape ``(Y, ...)``, first axis ``year``) and each year's call fills its own slice.
Each block therefore stays contiguous, every family's rows keep the registry order,
and a one-year model (``Y = 1``) has exactly the blocks, shapes and names it always had.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pvd_optim.errors import VerificationError
from pvd_optim.families import RowBlock
from pvd_optim.inputs import FloatArray, IntArray
from pvd_optim.model.program import Block, LinearProgram, pack_csr

INF = np.inf

#: One term of a row block: (row within the block, global column, coefficient).
Term = tuple[IntArray, IntArray, FloatArray | float]

#: Name of the first axis of a block that holds one slice per model year.
YEAR_AXIS = "year"


@dataclass
class _Columns:
    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: NDArray[np.bool_]


@dataclass
class _Rows:
    lower: FloatArray
    upper: FloatArray
    filled: NDArray[np.bool_]  # one flag per year slice (a one-year block: one flag)


class ProgramBuilder:
    """Builds a program block by block; each family's rows are added by its own function."""

    def __init__(self) -> None:
        self.columns: dict[str, Block] = {}
        self.rows: dict[str, Block] = {}
        self._n_cols = 0
        self._n_rows = 0
        self._col_parts: dict[str, _Columns] = {}
        self._row_parts: dict[str, _Rows] = {}
        self._entries: list[tuple[IntArray, IntArray, FloatArray]] = []
        self._year: tuple[int, int] | None = None  # (index, count) inside ``year()``

    # ---- years ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def year(self, index: int, count: int) -> Iterator[None]:
        """Within the block, columns and rows are year ``index``'s slice of ``count`` years."""
        if self._year is not None:
            raise VerificationError("year scopes cannot be nested: a bug in pvd-optim")
        self._year = (index, count)
        try:
            yield
        finally:
            self._year = None

    def _place(self, registry: dict[str, Block], name: str, shape: tuple[int, ...],
               axes: tuple[str, ...], description: str, next_free: int
               ) -> tuple[Block, Block, bool]:
        """(stacked block, this year's view, newly reserved) of block ``name``."""
        index, count = self._year if self._year is not None else (0, 1)
        size = int(np.prod(shape, dtype=np.int64))
        if name in registry:
            stacked = registry[name]
            expected = (count, *shape) if count > 1 else shape
            if self._year is None or index == 0 or stacked.shape != expected:
                raise VerificationError(f"block {name!r} is added twice, or with another "
                                        "shape in another year: a bug in pvd-optim")
            return stacked, Block(name, stacked.start + index * size, shape, axes,
                                  description), False
        if index != 0:
            raise VerificationError(f"block {name!r} first appears in a later year: a bug")
        stacked = (Block(name, next_free, (count, *shape), (YEAR_AXIS, *axes), description)
                   if count > 1 else Block(name, next_free, shape, axes, description))
        registry[name] = stacked
        return stacked, Block(name, next_free, shape, axes, description), True

    # ---- columns ----------------------------------------------------------------------------
    def add_columns(
        self,
        name: str,
        shape: tuple[int, ...],
        axes: tuple[str, ...],
        *,
        cost: FloatArray | float = 0.0,
        lower: FloatArray | float = 0.0,
        upper: FloatArray | float = INF,
        description: str = "",
    ) -> Block:
        """Add a block of continuous columns (bounds and integrality may be set later).

        Inside a year scope, returns this year's slice of the block.
        """
        stacked, view, new = self._place(self.columns, name, shape, axes, description,
                                         self._n_cols)
        if new:
            self._col_parts[name] = _Columns(
                cost=np.zeros(stacked.size), lower=np.zeros(stacked.size),
                upper=np.full(stacked.size, INF), integer=np.zeros(stacked.size, dtype=bool))
            self._n_cols += stacked.size
        part = self._col_parts[name]
        local = self._local(stacked, view)
        part.cost[local] = np.broadcast_to(np.asarray(cost, dtype=np.float64), shape).ravel()
        part.lower[local] = np.broadcast_to(np.asarray(lower, dtype=np.float64), shape).ravel()
        part.upper[local] = np.broadcast_to(np.asarray(upper, dtype=np.float64), shape).ravel()
        return view

    @staticmethod
    def _local(stacked: Block, view: Block) -> slice:
        offset = view.start - stacked.start
        return slice(offset, offset + view.size)

    def bound_columns(self, block: Block, *, lower: FloatArray | float,
                      upper: FloatArray | float) -> None:
        """Set the bounds of a column block (or of one year's slice of it)."""
        part = self._col_parts[block.name]
        local = self._local(self.columns[block.name], block)
        part.lower[local] = np.broadcast_to(np.asarray(lower, dtype=np.float64),
                                            block.shape).ravel()
        part.upper[local] = np.broadcast_to(np.asarray(upper, dtype=np.float64),
                                            block.shape).ravel()

    def tighten_columns(self, block: Block, positions: IntArray, *,
                        lower: FloatArray | float | None = None,
                        upper: FloatArray | float | None = None) -> None:
        """Raise lower bounds and lower upper bounds of some columns of a block (flat positions).

        Bounds only ever tighten: ``max`` with the lower bound in place, ``min`` with
        the upper one, so families applied in turn (entry years, then commitments)
        compose.
        """
        part = self._col_parts[block.name]
        at = self._local(self.columns[block.name], block).start + np.asarray(positions,
                                                                            dtype=np.int64)
        if lower is not None:
            values = np.broadcast_to(np.asarray(lower, dtype=np.float64), at.shape)
            part.lower[at] = np.maximum(part.lower[at], values)
        if upper is not None:
            values = np.broadcast_to(np.asarray(upper, dtype=np.float64), at.shape)
            part.upper[at] = np.minimum(part.upper[at], values)

    def set_column_bounds(self, block: Block, positions: IntArray, *, lower: FloatArray | float,
                          upper: FloatArray | float) -> None:
        """Set the bounds of some columns of a block (flat positions), whatever they were."""
        part = self._col_parts[block.name]
        at = self._local(self.columns[block.name], block).start + np.asarray(positions,
                                                                            dtype=np.int64)
        part.lower[at] = np.broadcast_to(np.asarray(lower, dtype=np.float64), at.shape)
        part.upper[at] = np.broadcast_to(np.asarray(upper, dtype=np.float64), at.shape)

    def column_bounds(self, block: Block) -> tuple[FloatArray, FloatArray]:
        """The current (lower, upper) bounds of a column block's slice, flat."""
        part = self._col_parts[block.name]
        local = self._local(self.columns[block.name], block)
        return part.lower[local].copy(), part.upper[local].copy()

    def make_integer(self, block: Block) -> None:
        """Mark every column of a block (or of one year's slice of it) integer."""
        part = self._col_parts[block.name]
        part.integer[self._local(self.columns[block.name], block)] = True

    # ---- rows -------------------------------------------------------------------------------
    def add_rows(
        self,
        spec: RowBlock | str,
        shape: tuple[int, ...],
        axes: tuple[str, ...],
        terms: list[Term],
        *,
        sense: str,
        rhs: FloatArray | float,
    ) -> Block:
        """Add a block of rows ``sum(terms) sense rhs``, named by its registry ``spec``.

        Each term is ``(local_row, global_col, coefficient)``, arrays of equal length
        (a scalar coefficient broadcasts). Inside a year scope, the rows are this year's
        slice of the block, and ``local_row`` counts within the slice.
        """
        name, description = ((spec.name, spec.description) if isinstance(spec, RowBlock)
                             else (spec, ""))
        if sense not in ("<=", ">=", "="):
            raise VerificationError(f"row block {name!r} has an unknown sense {sense!r}: a bug")
        stacked, view, new = self._place(self.rows, name, shape, axes, description,
                                         self._n_rows)
        if new:
            years = self._year[1] if self._year is not None else 1
            self._row_parts[name] = _Rows(lower=np.full(stacked.size, -INF),
                                          upper=np.full(stacked.size, INF),
                                          filled=np.zeros(years, dtype=bool))
            self._n_rows += stacked.size
        part = self._row_parts[name]
        part.filled[self._year[0] if self._year is not None else 0] = True
        local = self._local(stacked, view)
        rhs_vec = np.broadcast_to(np.asarray(rhs, dtype=np.float64), (view.size,))
        if sense in (">=", "="):
            part.lower[local] = rhs_vec
        if sense in ("<=", "="):
            part.upper[local] = rhs_vec
        for local_row, col, coef in terms:
            rows = np.asarray(local_row, dtype=np.int64)
            values = np.broadcast_to(np.asarray(coef, dtype=np.float64), rows.shape)
            self._entries.append((rows + view.start, np.asarray(col, dtype=np.int64),
                                  values.ravel()))
        return view

    def build(self, maximise: bool = True) -> LinearProgram:
        """The program: columns in the order added, rows in the order added, CSR packed."""
        unfilled = [name for name, part in self._row_parts.items() if not part.filled.all()]
        if unfilled:
            raise VerificationError(f"row block(s) {unfilled} miss some years: a bug")
        parts = list(self._col_parts.values())
        rows = [part for part in self._row_parts.values()]
        empty = np.zeros(0, dtype=np.int64)
        row_idx = np.concatenate([e[0] for e in self._entries]) if self._entries else empty
        col_idx = np.concatenate([e[1] for e in self._entries]) if self._entries else empty
        vals = (np.concatenate([e[2] for e in self._entries]) if self._entries
                else np.zeros(0))
        row_start, row_index, row_value = pack_csr(row_idx, col_idx, vals, self._n_rows)
        return LinearProgram(
            cost=np.concatenate([p.cost for p in parts]),
            col_lower=np.concatenate([p.lower for p in parts]),
            col_upper=np.concatenate([p.upper for p in parts]),
            integer=np.concatenate([p.integer for p in parts]),
            row_start=row_start,
            row_index=row_index,
            row_value=row_value,
            row_lower=np.concatenate([p.lower for p in rows]) if rows else np.zeros(0),
            row_upper=np.concatenate([p.upper for p in rows]) if rows else np.zeros(0),
            columns=self.columns,
            rows=self.rows,
            maximise=maximise,
        )
