"""Thin pandas adapter around :mod:`pvd_optim.scoring` for the commune table.

:mod:`pvd_optim.scoring` is pure numpy; this module turns a commune table
(``pvd_optim.data.towns.load_communes``) into an indicator matrix, adds the
derived indicators the default themes use, and returns scores as DataFrames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.scoring import (
    DEFAULT_FRAGILITY,
    DEFAULT_THEMES,
    FloatArray,
    Scores,
    score_towns,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DERIVED_INDICATORS", "indicator_matrix", "score_table", "scores_frame"]

#: Indicators computed from other table columns, with how.
DERIVED_INDICATORS: Mapping[str, str] = {
    "epci_mean_commune_population": (
        "epci_population / epci_members: the mean commune size of the intercommunality "
        "(low = many small communes, a dispersed territory); NaN without an intercommunality."
    ),
}


def _column(table: pd.DataFrame, name: str) -> FloatArray:
    if name == "epci_mean_commune_population":
        pop = table["epci_population"].to_numpy(dtype=np.float64, na_value=np.nan)
        members = table["epci_members"].to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(members > 0, pop / members, np.nan)
    if name not in table.columns:
        raise InputError(
            f"Indicator {name!r} is neither a column of the commune table nor a derived "
            f"indicator ({', '.join(DERIVED_INDICATORS)}).",
            field=name,
        )
    values = table[name].to_numpy(dtype=np.float64, na_value=np.nan)
    if name == "social_housing_pct" and "social_housing_below_threshold" in table.columns:
        # RPLS publishes no rate below the legal threshold: such a commune has less
        # social housing than any published rate, so it ranks at the bottom (0)
        # rather than being dropped as unknown for half of France.
        below = table["social_housing_below_threshold"].to_numpy(dtype=bool, na_value=False)
        values = np.where(np.isnan(values) & below, 0.0, values)
    return values


def indicator_matrix(
    table: pd.DataFrame, indicators: Sequence[str]
) -> tuple[FloatArray, tuple[str, ...]]:
    """``(len(table), len(indicators))`` float64 matrix (NaN = missing) and the column names.

    Each indicator is its own contiguous column block (Fortran order), which is
    how :class:`~pvd_optim.scoring.Normaliser` reads it.
    """
    names = tuple(dict.fromkeys(indicators))
    out = np.empty((len(table), len(names)), dtype=np.float64, order="F")
    for j, name in enumerate(names):
        out[:, j] = _column(table, name)
    return out, names


def _used(themes: Mapping[str, Mapping[str, float]], fragility: Mapping[str, float]) -> list[str]:
    names = [i for weights in themes.values() for i in weights]
    return list(dict.fromkeys([*names, *fragility]))


def score_table(
    table: pd.DataFrame,
    *,
    themes: Mapping[str, Mapping[str, float]] = DEFAULT_THEMES,
    fragility: Mapping[str, float] = DEFAULT_FRAGILITY,
    **options: Any,
) -> Scores:
    """Score every row of ``table`` (normalised over all its rows) with :func:`score_towns`.

    Pass the full commune table so that the reference population is every
    commune with data, then index the rows you need (``scores.need[mask]``).
    ``options`` go to :func:`~pvd_optim.scoring.score_towns` (``method``,
    ``nan_policy``, ``directions``, ``normaliser``, ``rows``...).
    """
    matrix, names = indicator_matrix(table, _used(themes, fragility))
    return score_towns(matrix, names, themes=themes, fragility=fragility, **options)


def scores_frame(scores: Scores, index: pd.Index) -> pd.DataFrame:
    """One row per scored commune: ``need_<theme>``, ``coverage_<theme>``, ``fragility``..."""
    import pandas as pd

    data: dict[str, FloatArray] = {}
    for k, theme in enumerate(scores.themes):
        data[f"need_{theme}"] = scores.need[:, k]
    data["fragility"] = scores.fragility
    for k, theme in enumerate(scores.themes):
        data[f"coverage_{theme}"] = scores.coverage[:, k]
    data["coverage_fragility"] = scores.fragility_coverage
    return pd.DataFrame(data, index=index)
