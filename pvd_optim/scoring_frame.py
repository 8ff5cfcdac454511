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
from pvd_optim.i18n.message import Message
from pvd_optim.scoring import FloatArray, Scores, score_towns
from pvd_optim.scoring.targets import check_targets
from pvd_optim.themes import DEFAULT_DIRECTIONS, DEFAULT_FRAGILITY, DEFAULT_TARGETS, DEFAULT_THEMES

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DERIVED_INDICATORS", "indicator_matrix", "score_table", "scores_frame", "targets_in_force",
]

#: Indicators computed from other table columns, with how.
DERIVED_INDICATORS: Mapping[str, str] = {
    "epci_mean_commune_population": (
        "epci_population / epci_members: the mean commune size of the intercommunality "
        "(low = many small communes, a dispersed territory); NaN without an intercommunality."
    ),
}


def _column(table: pd.DataFrame, name: str) -> FloatArray:
    if name == "epci_mean_commune_population":
        lacking = [c for c in ("epci_population", "epci_members") if c not in table.columns]
        if lacking:
            raise InputError(
                Message("Derived indicator {name} needs column(s) {columns} of the commune "
                        "table.", name=repr(name), columns=", ".join(lacking)),
                field=name,
            )
        pop = table["epci_population"].to_numpy(dtype=np.float64, na_value=np.nan)
        members = table["epci_members"].to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(members > 0, pop / members, np.nan)
    if name not in table.columns:
        raise InputError(
            Message("Indicator {name} is neither a column of the commune table nor a derived "
                    "indicator ({derived}).", name=repr(name),
                    derived=", ".join(DERIVED_INDICATORS)),
            field=name,
        )
    if table[name].dtype.kind not in "fiub":
        raise InputError(Message("Column {name} is not a numeric indicator (dtype {dtype}).",
                                 name=repr(name), dtype=str(table[name].dtype)), field=name)
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


def _check_indicators(
    table: pd.DataFrame,
    themes: Mapping[str, Mapping[str, float]],
    fragility: Mapping[str, float],
    directions: Mapping[str, str],
) -> None:
    """Every weighted indicator is a numeric column (or derived) with a direction of need.

    Errors name the setting at fault as a scenario path
    (``themes.definitions.<theme>.<indicator>``, ``themes.fragility.<indicator>``,
    ``themes.directions.<indicator>``), so a caller holding the scenario can locate it.
    """
    indicators = _used(themes, fragility)
    missing = [name for name in indicators
               if name not in table.columns and name not in DERIVED_INDICATORS]
    if missing:
        where = [
            f"themes.definitions.{theme}.{name}"
            for theme, weights in themes.items() for name in weights if name in missing
        ] + [f"themes.fragility.{name}" for name in fragility if name in missing]
        known = sorted([*(c for c in table.columns if table[c].dtype.kind == "f"),
                        *DERIVED_INDICATORS])
        raise InputError(
            Message("unknown indicator(s) {missing}; known indicators: {known} (or add a column "
                    "with data.planner_indicators)", missing=str(missing), known=str(known)),
            field=where[0],
        )
    non_numeric = [name for name in indicators
                   if name in table.columns and table[name].dtype.kind not in "fiub"]
    if non_numeric:
        raise InputError(Message("column(s) {columns} are not numeric indicators",
                                 columns=str(non_numeric)),
                         field="themes.definitions")
    no_direction = [name for name in indicators if name not in directions]
    if no_direction:
        raise InputError(
            Message("indicator(s) {names} have no direction; add themes.directions.{first}: "
                    "higher (or lower)", names=str(no_direction), first=no_direction[0]),
            field=f"themes.directions.{no_direction[0]}",
        )


def targets_in_force(
    indicators: Sequence[str], targets: Mapping[str, float | None] | None = None
) -> dict[str, float]:
    """Target level per indicator of ``indicators`` scored against a target.

    ``targets`` are overrides merged over :data:`~pvd_optim.themes.DEFAULT_TARGETS`: a
    level sets or changes an indicator's target, ``None`` removes a built-in one (that
    indicator is then normalised by the method). Built-in targets of indicators not in
    ``indicators`` are left out.

    Raises
    ------
    InputError
        A level that is not a finite number > 0, or an override naming an indicator that
        is neither in use nor built in (a misspelling); ``field`` is
        ``themes.targets.<indicator>``.
    """
    overrides = dict(targets or {})
    unknown = [n for n in overrides if n not in indicators and n not in DEFAULT_TARGETS]
    if unknown:
        raise InputError(
            Message("targets name indicator(s) {unknown} that no theme nor the fragility index "
                    "uses (a misspelling?); indicators in use: {used}", unknown=str(unknown),
                    used=str(sorted(indicators))),
            field=f"themes.targets.{unknown[0]}",
        )
    merged = {**DEFAULT_TARGETS, **overrides}
    wanted = {n: level for n, level in merged.items() if level is not None and n in indicators}
    try:
        return check_targets(wanted, tuple(indicators), "score_table")
    except InputError as exc:
        raise InputError(exc.message, field=f"themes.targets.{exc.field}") from None


def score_table(
    table: pd.DataFrame,
    *,
    themes: Mapping[str, Mapping[str, float]] = DEFAULT_THEMES,
    fragility: Mapping[str, float] = DEFAULT_FRAGILITY,
    directions: Mapping[str, str] | None = None,
    targets: Mapping[str, float | None] | None = None,
    **options: Any,
) -> Scores:
    """Need per theme and fragility for every row of ``table``, normalised over all its rows.

    The one scoring entry for a commune table (the scenario's themes section
    passes its ``definitions``, ``fragility``, ``directions``, ``targets``,
    ``normalisation`` as ``method`` and ``nan_policy``). Pass the full commune table so that the
    reference population is every commune with data, then index the rows you
    need (``scores.need[mask]``): a town's score never depends on which others
    are eligible.

    ``directions`` are overrides merged over :data:`~pvd_optim.themes.DEFAULT_DIRECTIONS`;
    ``targets`` over :data:`~pvd_optim.themes.DEFAULT_TARGETS` (``None`` removes one; see
    :func:`targets_in_force`): an indicator with a target is scored by its distance from
    it, the others by ``method``.
    The derived indicators (:data:`DERIVED_INDICATORS`) and the social-housing
    rule (a rate below the legal threshold ranks at the bottom instead of being
    unknown) are applied by :func:`indicator_matrix`. ``options`` go to
    :func:`~pvd_optim.scoring.score_towns` (``method``, ``nan_policy``,
    ``normaliser``, ``rows``...).

    Raises
    ------
    InputError
        An unknown, non-numeric or undirected indicator (``field`` is the
        scenario path of the setting), or any error of ``score_towns``.
    """
    merged = {**DEFAULT_DIRECTIONS, **(directions or {})}
    _check_indicators(table, themes, fragility, merged)
    used = _used(themes, fragility)
    levels = targets_in_force(used, targets)
    matrix, names = indicator_matrix(table, used)
    return score_towns(matrix, names, themes=themes, fragility=fragility, directions=merged,
                       targets=levels, **options)


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
