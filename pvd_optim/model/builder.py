"""Accumulates column and row blocks as numpy arrays, then packs one ``LinearProgram``."""

from __future__ import annotations

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


@dataclass
class _Columns:
    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: NDArray[np.bool_]


class ProgramBuilder:
    """Builds a program block by block; each family's rows are added by its own function."""

    def __init__(self) -> None:
        self.columns: dict[str, Block] = {}
        self.rows: dict[str, Block] = {}
        self._n_cols = 0
        self._n_rows = 0
        self._col_parts: dict[str, _Columns] = {}
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
        description: str = "",
    ) -> Block:
        """Add a block of continuous columns (bounds and integrality may be set later)."""
        block = Block(name, self._n_cols, shape, axes, description)
        self._col_parts[name] = _Columns(
            cost=np.broadcast_to(np.asarray(cost, dtype=np.float64), shape).ravel().copy(),
            lower=np.broadcast_to(np.asarray(lower, dtype=np.float64), shape).ravel().copy(),
            upper=np.broadcast_to(np.asarray(upper, dtype=np.float64), shape).ravel().copy(),
            integer=np.zeros(block.size, dtype=bool),
        )
        self._n_cols += block.size
        self.columns[name] = block
        return block

    def bound_columns(self, block: Block, *, lower: FloatArray | float,
                      upper: FloatArray | float) -> None:
        """Set the bounds of a column block."""
        part = self._col_parts[block.name]
        part.lower[:] = np.broadcast_to(np.asarray(lower, dtype=np.float64), block.shape).ravel()
        part.upper[:] = np.broadcast_to(np.asarray(upper, dtype=np.float64), block.shape).ravel()

    def make_integer(self, block: Block) -> None:
        """Mark every column of a block integer."""
        self._col_parts[block.name].integer[:] = True

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
        (a scalar coefficient broadcasts).
        """
        name, description = ((spec.name, spec.description) if isinstance(spec, RowBlock)
                             else (spec, ""))
        if sense not in ("<=", ">=", "="):
            raise VerificationError(f"row block {name!r} has an unknown sense {sense!r}: a bug")
        block = Block(name, self._n_rows, shape, axes, description)
        rhs_vec = np.broadcast_to(np.asarray(rhs, dtype=np.float64), (block.size,)).copy()
        lower = rhs_vec.copy() if sense in (">=", "=") else np.full(block.size, -INF)
        upper = rhs_vec if sense in ("<=", "=") else np.full(block.size, INF)
        self._row_parts.append((lower, upper))
        for local_row, col, coef in terms:
            local = np.asarray(local_row, dtype=np.int64)
            values = np.broadcast_to(np.asarray(coef, dtype=np.float64), local.shape)
            self._entries.append((local + block.start, np.asarray(col, dtype=np.int64),
                                  values.ravel()))
        self._n_rows += block.size
        self.rows[name] = block
        return block

    def build(self, maximise: bool = True) -> LinearProgram:
        """The program: columns in the order added, rows in the order added, CSR packed."""
        parts = list(self._col_parts.values())
        rows = np.concatenate([e[0] for e in self._entries])
        cols = np.concatenate([e[1] for e in self._entries])
        vals = np.concatenate([e[2] for e in self._entries])
        row_start, row_index, row_value = pack_csr(rows, cols, vals, self._n_rows)
        return LinearProgram(
            cost=np.concatenate([p.cost for p in parts]),
            col_lower=np.concatenate([p.lower for p in parts]),
            col_upper=np.concatenate([p.upper for p in parts]),
            integer=np.concatenate([p.integer for p in parts]),
            row_start=row_start,
            row_index=row_index,
            row_value=row_value,
            row_lower=np.concatenate([p[0] for p in self._row_parts]),
            row_upper=np.concatenate([p[1] for p in self._row_parts]),
            columns=self.columns,
            rows=self.rows,
            maximise=maximise,
        )
