"""Argument checks shared by the normalisation and the scoring: one wording for every error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, TypeGuard

import numpy as np
import numpy.typing as npt

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.intp]

NORMALISATION_METHODS: Final = ("minmax", "percentile", "robust_z")
NAN_POLICIES: Final = ("renormalise", "neutral", "raise")
DIRECTIONS: Final = ("higher", "lower")


def choice_error(param: str, func: str, allowed: Sequence[str], got: object) -> InputError:
    options = "{" + ", ".join(repr(a) for a in allowed) + "}"
    return InputError(
        Message("The '{param}' parameter of {func} must be one of {options}. Got {got} "
                "instead.", param=param, func=func, options=options, got=repr(got))
    )


def check_choice(param: str, func: str, allowed: Sequence[str], got: object) -> None:
    if not isinstance(got, str) or got not in allowed:
        raise choice_error(param, func, allowed, got)


def is_finite_positive(value: object) -> TypeGuard[int | float | np.floating | np.integer]:
    """Whether ``value`` is a real number (not a bool), finite and > 0."""
    return bool(not isinstance(value, bool)
                and isinstance(value, int | float | np.floating | np.integer)
                and np.isfinite(value) and value > 0)


def check_clip(clip: object, func: str) -> float:
    if not is_finite_positive(clip):
        raise InputError(
            Message("The 'clip' parameter of {func} must be a finite number > 0. Got {clip} "
                    "instead.", func=func, clip=repr(clip))
        )
    return float(clip)


def validate_weights(
    name: str,
    weights: Mapping[str, float],
    known: Sequence[str] | Mapping[str, object],
) -> dict[str, float]:
    """Check one weight mapping (a theme or the fragility composite) and return it as floats.

    Weights must be finite and non-negative, not all zero, and name indicators
    in ``known``. Error messages name the theme (``name``) and the indicator.

    Raises
    ------
    InputError
        On any violation; ``field`` is ``"<name>.<indicator>"`` when one indicator is at fault.
    """
    if not isinstance(weights, Mapping) or not weights:
        raise InputError(
            Message("Theme {name} must map at least one indicator to a weight. Got {weights} "
                    "instead.", name=repr(name), weights=repr(weights)),
            field=name,
        )
    out: dict[str, float] = {}
    for indicator, weight in weights.items():
        if indicator not in known:
            raise InputError(
                Message("Theme {name} uses unknown indicator {indicator}; known indicators: "
                        "{known}.", name=repr(name), indicator=repr(indicator),
                        known=", ".join(sorted(known))),
                field=f"{name}.{indicator}",
            )
        if isinstance(weight, bool) or not isinstance(weight, int | float | np.number):
            raise InputError(
                Message("Theme {name}: the weight of {indicator} must be a number. Got {weight} "
                        "instead.", name=repr(name), indicator=repr(indicator),
                        weight=repr(weight)),
                field=f"{name}.{indicator}",
            )
        w = float(weight)
        if not np.isfinite(w) or w < 0:
            raise InputError(
                Message("Theme {name}: the weight of {indicator} must be finite and >= 0. Got "
                        "{weight} instead.", name=repr(name), indicator=repr(indicator),
                        weight=repr(weight)),
                field=f"{name}.{indicator}",
            )
        out[indicator] = w
    if sum(out.values()) <= 0:
        raise InputError(
            Message("Theme {name}: at least one weight must be > 0 (all are zero).",
                    name=repr(name)), field=name
        )
    return out


def as_float_array(values: npt.ArrayLike, param: str, func: str) -> FloatArray:
    """``values`` as a float64 array, or an :class:`InputError` naming the parameter."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            Message("The '{param}' parameter of {func} must hold numbers (NaN for missing "
                    "values): {reason}.", param=param, func=func, reason=str(exc))
        ) from None


def as_matrix(matrix: npt.ArrayLike, n_indicators: int, func: str) -> FloatArray:
    arr = as_float_array(matrix, "matrix", func)
    if arr.ndim == 1 and n_indicators == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != n_indicators:
        raise InputError(
            Message("The 'matrix' parameter of {func} must have shape (n_communes, "
                    "{n_indicators}) to match the indicator names. Got shape {shape} instead.",
                    func=func, n_indicators=n_indicators, shape=str(arr.shape))
        )
    if np.isinf(arr).any():
        col = int(np.flatnonzero(np.isinf(arr).any(axis=0))[0])
        raise InputError(
            Message("The 'matrix' parameter of {func} contains infinite values in column "
                    "{col}; use NaN for missing values.", func=func, col=col)
        )
    return arr
