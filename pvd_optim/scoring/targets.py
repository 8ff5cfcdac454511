"""Need measured from a target level: the shortfall (or excess) over the target.

The alternative to ranking an indicator (:mod:`pvd_optim.scoring.normalisation`) where
the indicator has a natural target, a level every commune should reach (fibre for every
premises): what is left to reach is the need. No reference population is involved, so a
town's need depends on its own value alone. The built-in targets and the reason for each
indicator's normalisation are in :mod:`pvd_optim.themes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.scoring.checks import FloatArray, is_finite_positive

__all__ = ["TARGET", "check_targets", "target_need"]

#: Name of the target normalisation in ``Normaliser.methods`` and reports.
TARGET: Final = "target"


def target_need(values: FloatArray, target: float, lower: bool) -> FloatArray:
    """Need as the distance from a target level, over the target, clipped to ``[0, 1]``.

    For a ``"lower"`` indicator (a smaller value means more need: fibre coverage) the need
    is the shortfall ``(target - x) / target``; for a ``"higher"`` one (vacancy over an
    acceptable level) the excess ``(x - target) / target``, full at twice the target. A
    value at or beyond the target, on the side of no need, scores 0; a distance of the
    target or more scores 1; NaN stays NaN. ``target`` must be finite and > 0 (a target
    of 0 gives the distance no scale: :func:`check_targets` refuses it). No reference is
    involved, so a town's need depends on its own value alone.
    """
    gap = np.subtract(target, values) if lower else np.subtract(values, target)
    np.divide(gap, target, out=gap)
    return np.clip(gap, 0.0, 1.0, out=gap)


def check_targets(targets: object, names: Sequence[str], func: str) -> dict[str, float]:
    """``targets`` (indicator -> level) as floats, each finite and > 0, naming known indicators.

    Raises
    ------
    InputError
        Not a mapping, an indicator not in ``names``, or a level that is not a finite
        number > 0; ``field`` is the indicator at fault.
    """
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise InputError(
            Message("The 'targets' parameter of {func} must map indicator names to target "
                    "levels. Got {targets} instead.", func=func, targets=repr(targets))
        )
    out: dict[str, float] = {}
    for name, level in targets.items():
        if name not in names:
            raise InputError(
                Message("The 'targets' parameter of {func} names indicator {name}, which is "
                        "not among the indicators ({names}).", func=func, name=repr(name),
                        names=", ".join(names)),
                field=str(name),
            )
        if not is_finite_positive(level):
            raise InputError(
                Message("The target of {name} must be a finite number > 0 (need is the "
                        "distance from the target over the target). Got {level} instead.",
                        name=repr(name), level=repr(level)),
                field=str(name),
            )
        out[str(name)] = float(level)
    return out
