"""Theme need scores and the fragility composite: weighted means of normalised indicators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.scoring.checks import (
    NAN_POLICIES,
    BoolArray,
    FloatArray,
    as_matrix,
    check_choice,
    choice_error,
    validate_weights,
)
from pvd_optim.scoring.normalisation import Normaliser, map_blocks, normalise_on_itself
from pvd_optim.scoring.settings import fit_settings
from pvd_optim.scoring.targets import check_targets
from pvd_optim.themes import DEFAULT_FRAGILITY, DEFAULT_THEMES

__all__ = ["NEUTRAL", "Scores", "score_towns"]

#: Score given to a missing normalised value under ``nan_policy="neutral"``, and
#: to a theme whose indicators are *all* missing under ``"renormalise"`` (such
#: towns have ``coverage == 0`` so that reports can flag them).
NEUTRAL: Final = 0.5

# Rows per block of the weighted means; blocks run on threads for large inputs. Each
# block costs ~190 numpy calls (more than the cache misses of long columns: one block
# was measured faster than 8,192-row ones), so the national table takes two, one per
# core of a two-core machine.
_BLOCK_ROWS: Final = 17_500
# A group with more incomplete columns than this sums its known weights town by town.
_MAX_PATTERN_BITS: Final = 16


@dataclass(frozen=True, eq=False)
class Scores:
    """Result of :func:`score_towns`; row ``i`` of every array is the ``i``-th scored commune.

    Attributes
    ----------
    need:
        ``(n, K)`` theme need scores in ``[0, 1]``, columns in ``themes`` order.
    fragility:
        ``(n,)`` fragility composite in ``[0, 1]``.
    themes:
        Theme names, the column order of ``need`` and ``coverage``.
    coverage:
        ``(n, K)`` share in ``[0, 1]`` of each theme's weight whose indicator is
        known for the commune (1 = complete data). Under ``"renormalise"``, a
        theme with coverage 0 got the :data:`NEUTRAL` fallback: flag it.
    fragility_coverage:
        ``(n,)`` the same for the fragility composite.
    normalised:
        ``(n, p)`` per-indicator normalised need (NaN where missing), for
        explaining scores; columns in ``indicators`` order.
    indicators:
        Names of the normalised indicators (those with a weight somewhere).
    method, nan_policy:
        The settings used (``method``: the normalisation of the indicators without a target).
    targets:
        Indicator -> target level of the indicators scored against a target
        (:func:`~pvd_optim.scoring.targets.target_need`) instead of ``method``.
    """

    need: FloatArray
    fragility: FloatArray
    themes: tuple[str, ...]
    coverage: FloatArray
    fragility_coverage: FloatArray
    normalised: FloatArray
    indicators: tuple[str, ...]
    method: str
    nan_policy: str
    targets: Mapping[str, float] = field(default_factory=dict)

    def theme(self, name: str) -> FloatArray:
        """The need column of theme ``name``."""
        if name not in self.themes:
            raise choice_error("name", "Scores.theme", self.themes, name)
        return self.need[:, self.themes.index(name)]

    @property
    def fallback(self) -> BoolArray:
        """``(n, K)`` True where a theme had no data at all (score is the neutral fallback)."""
        return self.coverage <= 0.0


def score_towns(
    matrix: npt.ArrayLike,
    indicators: Sequence[str],
    *,
    themes: Mapping[str, Mapping[str, float]] = DEFAULT_THEMES,
    fragility: Mapping[str, float] = DEFAULT_FRAGILITY,
    directions: Mapping[str, str] | None = None,
    method: str = "percentile",
    nan_policy: str = "renormalise",
    clip: float = 3.0,
    normaliser: Normaliser | None = None,
    rows: npt.ArrayLike | None = None,
    targets: Mapping[str, float] | None = None,
) -> Scores:
    """Score communes: per-theme need and a fragility composite, all in ``[0, 1]``.

    Parameters
    ----------
    matrix:
        ``(n, p)`` raw indicator values (float, NaN = missing); extra columns
        that no theme uses are ignored.
    indicators:
        The ``p`` column names of ``matrix``.
    themes:
        Theme name -> {indicator: non-negative weight}; each theme score is the
        weighted mean of its normalised indicators.
    fragility:
        {indicator: non-negative weight} of the fragility composite.
    directions:
        Indicator -> ``"higher"``/``"lower"``; defaults to :data:`DEFAULT_DIRECTIONS`.
        Ignored when ``normaliser`` is given (it carries its own).
    method:
        Normalisation of the indicators without a target, one of
        :data:`NORMALISATION_METHODS`; ignored when ``normaliser`` is given.
    nan_policy:
        ``"renormalise"``: a missing indicator is dropped from that commune's
        weighted mean and the others re-weighted; a theme with no data at all
        scores :data:`NEUTRAL` (coverage 0). ``"neutral"``: a missing
        normalised value counts as :data:`NEUTRAL`. ``"raise"``: any missing
        value of a weighted indicator among the scored rows raises
        :class:`~pvd_optim.errors.InputError` naming it.
    clip:
        ``k`` of the ``robust_z`` method.
    normaliser:
        A fitted :class:`Normaliser` (reference population) to score against.
        By default one is fitted on *all* rows of ``matrix``, so scores do not
        depend on ``rows``.
    rows:
        Optional boolean mask or integer indices of the rows to score (after fitting).
    targets:
        Indicator -> target level (finite, > 0) for the indicators to score as the
        distance from a target (:func:`~pvd_optim.scoring.targets.target_need`)
        rather than by ``method``; targets of unweighted indicators are ignored. None:
        no target (the commune-table entry ``pvd_optim.scoring_frame.score_table``
        applies the built-in :data:`~pvd_optim.themes.DEFAULT_TARGETS`). Ignored when
        ``normaliser`` is given (it carries its own).

    Returns
    -------
    Scores
    """
    check_choice("nan_policy", "score_towns", NAN_POLICIES, nan_policy)
    names = tuple(indicators)
    arr = as_matrix(matrix, len(names), "score_towns")
    known = {n: None for n in names}
    if not isinstance(themes, Mapping) or not themes:
        raise InputError(
            Message("The 'themes' parameter of score_towns must map at least one theme name to "
                    "{{indicator: weight}}. Got {themes} instead.", themes=repr(themes)),
            field="themes",
        )
    groups = [(str(t), validate_weights(str(t), w, known)) for t, w in themes.items()]
    frag = validate_weights("fragility", fragility, known)

    used = tuple(n for n in names if any(n in w for _, w in groups) or n in frag)
    used_cols = [names.index(n) for n in used]

    # One contiguous column per indicator (Fortran order) for sorting and searching.
    n_rows = arr.shape[0]
    used_arr = np.asfortranarray(arr if used_cols == list(range(len(names))) else arr[:, used_cols])
    if normaliser is not None and not isinstance(normaliser, Normaliser):
        raise InputError(
            Message("The 'normaliser' parameter of score_towns must be a fitted Normaliser "
                    "(Normaliser.fit). Got {normaliser} instead.", normaliser=repr(normaliser))
        )
    if normaliser is None:
        levels = check_targets(targets, names, "score_towns")
        used_levels = {n: t for n, t in levels.items() if n in used}
    fitted_targets: Mapping[str, float]
    if normaliser is None and rows is None:
        # Fitted on the very rows scored: one pass per column, the same floats as
        # Normaliser.fit(...).transform(...) (the path below).
        _, dirs, used_levels, clip_k = fit_settings(used, directions, method, clip, used_levels)
        block = _output_block(n_rows, len(used), len(groups) + 1)
        norm = block[:, : len(used)]
        normalise_on_itself(used_arr, used, dirs, method, clip_k, used_levels, out=norm)
        fitted_method, fitted_targets = method, used_levels
    else:
        if normaliser is None:
            fitted = Normaliser.fit(used_arr, used, directions=directions, method=method,
                                    clip=clip, targets=used_levels)
        else:
            fitted = normaliser.select(used)
        scored = used_arr if rows is None else np.asfortranarray(
            used_arr[_row_selection(rows, n_rows)])
        block = _output_block(scored.shape[0], len(used), len(groups) + 1)
        norm = block[:, : len(used)]
        fitted.transform_into(scored, norm)
        fitted_method, fitted_targets = fitted.method, fitted.targets
    present = ~np.isnan(norm)

    all_groups = [*groups, ("fragility", frag)]

    if nan_policy == "raise":
        needed = np.array([any(w.get(n, 0.0) > 0 for _, w in all_groups) for n in used])
        lacking = (~present).sum(axis=0)
        for j in np.flatnonzero(needed & (lacking > 0)):
            where = [g for g, w in all_groups if w.get(used[j], 0.0) > 0]
            raise InputError(
                Message("Indicator {name} (used by {themes}) is missing for {lacking} of "
                        "{total} communes; choose nan_policy='renormalise' or 'neutral', or "
                        "supply the data.", name=repr(used[j]), themes=", ".join(where),
                        lacking=int(lacking[j]), total=int(norm.shape[0])),
                field=used[j],
            )

    combined, coverage = _weighted_means(norm, present, used, all_groups, nan_policy,
                                         out=block[:, block.shape[1] - 2 * len(all_groups):])
    for arr_out in (combined, coverage, norm):
        arr_out.setflags(write=False)
    k = len(groups)
    return Scores(
        need=combined[:, :k],
        fragility=combined[:, k],
        themes=tuple(t for t, _ in groups),
        coverage=coverage[:, :k],
        fragility_coverage=coverage[:, k],
        normalised=norm,
        indicators=used,
        method=fitted_method,
        nan_policy=nan_policy,
        targets=dict(fitted_targets),
    )


def _weighted_means(
    norm: FloatArray,
    present: BoolArray,
    used: tuple[str, ...],
    groups: list[tuple[str, dict[str, float]]],
    nan_policy: str,
    out: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """``(n, G)`` weighted means of the normalised columns per group, and their coverage.

    Column-by-column updates rather than a BLAS matrix product: each town's
    result then depends only on its own row (bit-for-bit identical whichever
    subset is scored), and with ~30 non-zero weights it is as fast. Each group
    adds its columns in ``used`` order, so every element sees the same operations
    in the same order whatever the row blocks (cache-sized; on threads for large
    inputs). A group's known weight depends only on which of its columns a town
    lacks, so it is read from a table by that pattern (:class:`_MissingPatterns`).
    ``out`` is an ``(n, 2 G)`` Fortran-ordered array to fill with the means then
    the coverages (each group's row block contiguous); returned as two views.
    """
    n = norm.shape[0]
    num, coverage = out[:, : len(groups)].T, out[:, len(groups):].T
    complete = [bool(c) for c in np.all(present, axis=0)]
    plans = [[(col, weights[name]) for col, name in enumerate(used) if weights.get(name)]
             for _, weights in groups]
    by_column: dict[int, list[tuple[int, float]]] = {}
    for k, plan in enumerate(plans):
        for col, weight in plan:
            by_column.setdefault(col, []).append((k, weight))
    patterns = _MissingPatterns(plans, complete, [sum(w.values()) for _, w in groups])

    def rows_block(block: int) -> None:
        rows = slice(block * _BLOCK_ROWS, min(n, (block + 1) * _BLOCK_ROWS))
        values, term = np.empty(rows.stop - rows.start), np.empty(rows.stop - rows.start)
        num[:, rows] = 0.0
        # Column by column (in ``used`` order), into every group that weights it.
        for col in sorted(by_column):
            column: FloatArray = norm[rows, col]
            if not complete[col] and nan_policy == "neutral":
                column = np.where(present[rows, col], column, NEUTRAL)
            elif not complete[col]:
                # Normalised values lie in [0, 1], so fmax only turns NaN into 0
                # (and perhaps -0 into +0, which adds the same to the sum).
                column = np.fmax(column, 0.0, out=values)
            for k, weight in by_column[col]:
                np.multiply(column, weight, out=term)
                num[k, rows] += term
        for k in range(len(groups)):
            patterns.finish(k, present[rows], num[k, rows], coverage[k, rows], nan_policy)

    map_blocks(rows_block, -(-n // _BLOCK_ROWS), n)
    return num.T, coverage.T


class _MissingPatterns:
    """Each group's known weight by the pattern of its missing columns.

    A town's known weight in a group is the sum, in ``used`` order, of the
    weights of its columns with data: it depends only on which of the group's
    incomplete columns it lacks. With ``r`` such columns there are ``2^r``
    patterns, tabulated with the very operations the town-by-town sums would do
    (``known + weight * 1.0``, or ``+ weight * 0.0``): the same floats, read by
    each town's pattern (bit ``b``: it has the ``b``-th incomplete column).
    """

    def __init__(self, plans: list[list[tuple[int, float]]], complete: list[bool],
                 totals: list[float]) -> None:
        self.plans, self.totals = plans, totals
        self.lacking = [[c for c, _ in plan if not complete[c]] for plan in plans]
        # Per group: known weight and coverage by pattern (None: summed town by town).
        self.tables: list[tuple[FloatArray, FloatArray] | None] = []
        for plan, lacking, total in zip(plans, self.lacking, totals, strict=True):
            if len(lacking) > _MAX_PATTERN_BITS:
                self.tables.append(None)
                continue
            # Pattern codes grow by one bit per incomplete column, in plan order: the
            # codes with that bit add the weight, the others add weight * 0.0, which
            # leaves the (never negative-zero) sums as they are.
            sums = [0.0]
            for col, weight in plan:
                sums = ([t + weight for t in sums] if complete[col] else
                        sums + [t + weight for t in sums])
            known = np.array(sums)
            self.tables.append((known, np.clip(known / total, 0.0, 1.0)))

    def finish(self, k: int, present: BoolArray, num: FloatArray, coverage: FloatArray,
               nan_policy: str) -> None:
        """Group ``k``'s mean (from its sums ``num``, in place) and ``coverage``, for these rows.

        ``present`` is rows x every column.
        """
        table, lacking, total = self.tables[k], self.lacking[k], self.totals[k]
        known: FloatArray
        if table is None:
            known = np.zeros(present.shape[0])
            for col, weight in self.plans[k]:
                known += weight * present[:, col] if col in lacking else weight
            np.divide(known, total, out=coverage)
            np.clip(coverage, 0.0, 1.0, out=coverage)
        else:
            code = _pattern_codes(present, lacking)
            np.take(table[1], code, out=coverage, mode="clip")
        if nan_policy == "neutral":
            np.divide(num, total, out=num)
        else:
            if table is not None:
                known = table[0].take(code)
            # 0 / 0 where a group has no data at all: those get NEUTRAL.
            with np.errstate(invalid="ignore"):
                np.divide(num, known, out=num)
            num[known <= 0] = NEUTRAL
        # Rounding in the weighted sums can overshoot [0, 1] by an ulp.
        np.clip(num, 0.0, 1.0, out=num)


def _pattern_codes(present: BoolArray, columns: list[int]) -> npt.NDArray[np.intp]:
    """Per row, ``sum(present[:, columns[b]] << b)``: which of ``columns`` it has."""
    if len(columns) <= 8:  # on bytes, 8 times less memory traffic
        small = np.zeros(present.shape[0], dtype=np.uint8)
        for bit, col in enumerate(columns):
            small += present[:, col].view(np.uint8) << bit
        return small.astype(np.intp)
    code = np.zeros(present.shape[0], dtype=np.intp)
    for bit, col in enumerate(columns):
        code += present[:, col].astype(np.intp) << bit
    return code


def _output_block(n_rows: int, n_indicators: int, n_groups: int) -> FloatArray:
    """One Fortran-ordered array for the normalised columns, the means and their coverages.

    One large allocation rather than three: the C allocator either maps it afresh
    (the kernel may back it with huge pages) or keeps it in a heap it no longer
    trims. Three arrays of 2-6 MB made glibc grow its heap and give it back at
    every call, so the next call paid a fresh page fault per 4 KB: ~1,750 faults,
    about a third of the single-threaded national scoring time (measured).
    """
    return np.empty((n_rows, n_indicators + 2 * n_groups), order="F")


def _row_selection(rows: npt.ArrayLike, n_rows: int) -> npt.NDArray[np.intp]:
    """``rows`` (a boolean mask or integer indices) as integer indices, or an InputError."""
    selection = np.asarray(rows)
    if selection.dtype == bool:
        if selection.shape != (n_rows,):
            raise InputError(
                Message("The 'rows' parameter of score_towns, a boolean mask, must have "
                        "{n_rows} values (one per row of the matrix). Got shape {shape} instead.",
                        n_rows=n_rows, shape=str(selection.shape))
            )
        return np.flatnonzero(selection)
    if selection.ndim != 1 or (selection.size and selection.dtype.kind not in "iu"):
        raise InputError(
            Message("The 'rows' parameter of score_towns must be a boolean mask or integer row "
                    "indices. Got {rows} instead.", rows=repr(rows))
        )
    if selection.size and (selection.min() < -n_rows or selection.max() >= n_rows):
        raise InputError(
            Message("The 'rows' parameter of score_towns holds an index outside 0..{last}.",
                    last=n_rows - 1)
        )
    return selection.astype(np.intp)
