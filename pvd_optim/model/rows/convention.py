"""The rows of the convention's families (``pvd_optim.families.convention``)."""

from __future__ import annotations

import numpy as np

from pvd_optim.families import define_rows
from pvd_optim.families.convention import THEMES_AFTER_ORT, waiting_towns
from pvd_optim.inputs import ModelInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.variables import Variables


@define_rows(THEMES_AFTER_ORT)
def define_themes_after_ort(b: ProgramBuilder, inputs: ModelInputs, v: Variables,
                            tight: bool) -> None:
    """Per theme of ``themes_after_ort``: its funding to the towns still waiting for their
    ORT this year <= what is committed to them.

    One row per theme and year rather than a bound per town: funding is never negative,
    so the sum is 0 exactly when each term is (the same feasible set), and the diagnosis
    can let the row bend (an upper bound cannot). A year in which no town waits keeps an
    empty row (every year has the same rows), which holds trivially.
    """
    themes = np.flatnonzero(inputs.themes_after_ort)
    if not themes.size:
        b.add_rows(THEMES_AFTER_ORT.blocks[0], (0,), ("theme",), [], sense="<=", rhs=0.0)
        return
    waiting = waiting_towns(inputs.ort_year, inputs.year)
    row_of_theme = np.full(inputs.n_themes, -1, dtype=np.int64)
    row_of_theme[themes] = np.arange(themes.size)
    row_of_column = row_of_theme[v.seg_theme]
    barred = waiting[v.seg_town] & (row_of_column >= 0)
    terms: list[Term] = [(row_of_column[barred], v.f.indices[barred], 1.0)]
    committed = inputs.committed_funding_keur[:, themes] * waiting[:, None]
    b.add_rows(THEMES_AFTER_ORT.blocks[0], (themes.size,), ("theme",), terms, sense="<=",
               rhs=committed.sum(axis=0))
