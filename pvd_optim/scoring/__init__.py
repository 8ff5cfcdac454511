"""Vectorised need scoring: indicators -> normalised need -> theme scores -> fragility.

The pipeline works on plain arrays so that it is independent of pandas and of
the solver:

1. an *indicator matrix* ``(n communes x p indicators)``, float64, NaN = missing;
2. per-indicator *normalisation* to ``[0, 1]`` where 1 means most need, fitted
   on a *reference population* (by default every commune passed in) so that a
   town's score does not depend on which other towns happen to be eligible; or,
   for an indicator given a *target* level, its distance from the target over
   the target (:func:`target_need`), which involves no other town at all;
3. *theme need scores* ``(n x K)``: non-negative weighted means of normalised
   indicators, with an explicit policy for missing values;
4. a *fragility* composite ``(n,)``: one more weighted mean, over its own
   indicator weights (:data:`DEFAULT_FRAGILITY`).

Everything is column-wise numpy: the only Python loops run over indicators or
themes (a few dozen at most), never over communes. Percentiles are looked up in
per-indicator tables built at fit time (distinct sorted values, a bucket index
and the score of every value and gap), with a vectorised branch-free search
(fitted on the very rows scored, one pass per column needs only the values' scores);
at national scale indicators are processed on a few threads (numpy releases
the GIL). Results are bit-for-bit identical whichever rows are scored.

Typical use::

    scores = score_towns(matrix, indicator_names)        # fit on all 34,969 communes
    need_of_eligible = scores.need[eligible_mask]

or, to score new rows against a frozen reference::

    normaliser = Normaliser.fit(reference_matrix, indicator_names)
    scores = score_towns(other_matrix, indicator_names, normaliser=normaliser)
"""

from __future__ import annotations

from pvd_optim.scoring.checks import (
    DIRECTIONS,
    NAN_POLICIES,
    NORMALISATION_METHODS,
    BoolArray,
    FloatArray,
    validate_weights,
)
from pvd_optim.scoring.normalisation import Normaliser, normalise
from pvd_optim.scoring.scores import NEUTRAL, Scores, score_towns
from pvd_optim.scoring.targets import TARGET, target_need
from pvd_optim.themes import (
    DEFAULT_DIRECTIONS,
    DEFAULT_FRAGILITY,
    DEFAULT_TARGETS,
    DEFAULT_THEMES,
    NORMALISATION_RATIONALE,
    THEME_RATIONALE,
)

__all__ = [
    "DEFAULT_DIRECTIONS",
    "DEFAULT_FRAGILITY",
    "DEFAULT_TARGETS",
    "DEFAULT_THEMES",
    "DIRECTIONS",
    "NAN_POLICIES",
    "NEUTRAL",
    "NORMALISATION_METHODS",
    "NORMALISATION_RATIONALE",
    "TARGET",
    "THEME_RATIONALE",
    "BoolArray",
    "FloatArray",
    "Normaliser",
    "Scores",
    "normalise",
    "score_towns",
    "target_need",
    "validate_weights",
]
