"""A planner's own scores (``themes.scores_csv``), read and checked like every planner CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.data.planner_csv import PlannerCSV, read_planner_csv
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_score_file", "score_columns"]


def score_columns(themes: Sequence[str]) -> list[str]:
    """The value columns of a score file for ``themes``: ``fragility``, then ``need_<theme>``."""
    return ["fragility", *(f"need_{theme}" for theme in themes)]


def read_score_file(
    path: str | Path, *, themes: Sequence[str], known_codes: pd.Index,
    field: str = "themes.scores_csv",
) -> PlannerCSV:
    """The score file at ``path``: column ``insee``, then ``fragility`` and ``need_<theme>``.

    Read by :func:`~pvd_optim.data.planner_csv.read_planner_csv` (separator
    sniffing, decimal commas with ``;``, located errors), then checked: exactly
    the columns of :func:`score_columns` (in any order; a missing one, or one the
    run would not use, is an error), every cell a number in ``[0, 1]`` (an empty
    cell is an error: the file replaces the scores of the communes it lists).
    The returned :attr:`~PlannerCSV.values` has the columns in
    :func:`score_columns` order.
    """
    expected = score_columns(themes)
    planner = read_planner_csv(
        path, known_codes=known_codes, what=N_("score file"), field=field,
        value_columns=N_("score columns"), allow_empty=False, expected=expected,
        expected_hint=Message(" (themes in force: {themes})", themes=", ".join(themes)),
    )
    values = planner.values[expected]
    matrix = values.to_numpy(dtype=np.float64)
    outside = (matrix < 0) | (matrix > 1)
    if outside.any():
        row, col = (int(i) for i in np.argwhere(outside)[0])
        name = expected[col]
        raise planner.error(
            Message("{name} must be a number in [0, 1], got {value} (code {code})", name=name,
                    value=f"{matrix[row, col]:g}", code=values.index[row]),
            row=row, field=name,
        )
    return PlannerCSV(planner.path, planner.separator, planner.header_line, values,
                      planner.lines)
