"""The checked settings of a normalisation fit: indicator names, directions, targets, clip.

One owner for what :meth:`~pvd_optim.scoring.normalisation.Normaliser.fit` accepts,
shared with the one-pass national fit of :func:`~pvd_optim.scoring.score_towns`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.scoring.checks import (
    DIRECTIONS,
    NORMALISATION_METHODS,
    check_choice,
    check_clip,
    choice_error,
)
from pvd_optim.scoring.targets import check_targets
from pvd_optim.themes import DEFAULT_DIRECTIONS, Direction

__all__ = ["fit_settings"]


def fit_settings(
    indicators: Sequence[str],
    directions: Mapping[str, str] | None,
    method: str,
    clip: float,
    targets: Mapping[str, float] | None,
) -> tuple[tuple[str, ...], list[Direction], dict[str, float], float]:
    """The checked settings of :meth:`Normaliser.fit`: names, directions, target levels, clip.

    Raises
    ------
    InputError
        On any setting :meth:`Normaliser.fit` refuses (its error wording).
    """
    check_choice("method", "Normaliser.fit", NORMALISATION_METHODS, method)
    clip_k = check_clip(clip, "Normaliser.fit")
    names = tuple(indicators)
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InputError(Message("Duplicate indicator names: {names}.",
                                 names=", ".join(dupes)), field="indicators")
    dirs_map = DEFAULT_DIRECTIONS if directions is None else directions
    if not isinstance(dirs_map, Mapping):
        raise InputError(
            Message("The 'directions' parameter of Normaliser.fit must map indicator names "
                    "to 'higher' or 'lower'. Got {directions} instead.",
                    directions=repr(directions))
        )
    dirs: list[Direction] = []
    for name in names:
        d = dirs_map.get(name)
        if d is None:
            raise InputError(
                Message("Indicator {name} has no direction; pass directions={{{name}: "
                        "'higher' or 'lower'}} ('higher' = a larger value means more need).",
                        name=repr(name)),
                field=name,
            )
        if d not in DIRECTIONS:
            raise choice_error(f"directions[{name!r}]", "Normaliser.fit", DIRECTIONS, d)
        dirs.append("higher" if d == "higher" else "lower")
    levels = check_targets(targets, names, "Normaliser.fit")
    return names, dirs, levels, clip_k
