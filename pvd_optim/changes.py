"""Comparing two allocations town by town: what moved, and the towns that moved most.

Pure functions over two :class:`~pvd_optim.results.Allocation` of the same towns; money in
EUR. The report's change tables and the town page's "what moves elsewhere" read them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import EUR_PER_UNIT
from pvd_optim.tolerances import NOISE

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation

__all__ = ["stability", "top_changes"]


def _town_changes(a: Allocation, b: Allocation) -> pd.DataFrame:
    """Per-town funding, days and coverage in ``a`` and ``b`` and their differences."""
    import pandas as pd

    if a.inputs.town_codes != b.inputs.town_codes:
        only_a = sorted(set(a.inputs.town_codes) - set(b.inputs.town_codes))[:5]
        only_b = sorted(set(b.inputs.town_codes) - set(a.inputs.town_codes))[:5]
        raise InputError(Message(
            "Allocations {first} and {second} must cover the same towns in the same order to "
            "be compared town by town. Got {first_towns} and {second_towns} towns instead "
            "(only in the first: {only_first}; only in the second: {only_second}).",
            first=repr(a.label), second=repr(b.label), first_towns=a.inputs.n_towns,
            second_towns=b.inputs.n_towns, only_first=str(only_a), only_second=str(only_b)))
    inp = a.inputs
    fa = a.arrays.funding_keur.sum(axis=1) * EUR_PER_UNIT
    fb = b.arrays.funding_keur.sum(axis=1) * EUR_PER_UNIT
    da, db = a.arrays.days.sum(axis=1), b.arrays.days.sum(axis=1)
    ca, cb = a.arrays.covered, b.arrays.covered
    # One scale for the three resources: the objective's own euro-equivalents
    # (1 k EUR = 1, a day = v_day, a covered town = v_cover), in EUR.
    change = (np.abs(fb - fa) + EUR_PER_UNIT * (inp.value_per_day_keur * np.abs(db - da)
                                               + inp.value_per_cover_keur * np.abs(cb - ca)))
    return pd.DataFrame(
        {
            "name": inp.town_names,
            "region": [inp.region_names[r] for r in inp.region_of_town],
            "funding_eur_a": fa,
            "funding_eur_b": fb,
            "funding_change_eur": fb - fa,
            "days_a": da,
            "days_b": db,
            "days_change": db - da,
            "covered_a": ca,
            "covered_b": cb,
            "size_of_change_eur": change,
        },
        index=pd.Index(inp.town_codes, name="insee"),
    )


def stability(a: Allocation, b: Allocation, threshold_eur: float = 1_000.0,
              threshold_days: float = 0.5) -> pd.DataFrame:
    """Towns whose allocation moves from ``a`` to ``b`` by more than a threshold.

    A town is listed when its funding changes by more than ``threshold_eur``,
    its days by more than ``threshold_days``, or its coverage changes. Columns:
    name, region, funding/days/covered in ``a`` and ``b``, the changes and
    ``size_of_change_eur``: how much moved, whatever the direction (|funding
    change| + v_day x |days change| + v_cover x |coverage change|, in EUR; not
    need-weighted, so not a change of the objective). Town order is kept.

    Raises ``InputError`` (a ``ValueError``) if the two allocations do not have the same towns.
    """
    changes = _town_changes(a, b)
    moved = ((changes["funding_change_eur"].abs() > threshold_eur)
             | (changes["days_change"].abs() > threshold_days)
             | ((changes["covered_b"] - changes["covered_a"]).abs() > NOISE))
    return changes.loc[moved]


def top_changes(a: Allocation, b: Allocation, n: int = 20) -> pd.DataFrame:
    """The ``n`` towns whose allocation changes most from ``a`` to ``b``.

    Ranked by ``size_of_change_eur`` (see :func:`stability`), ties in town
    order; towns that do not change at all are never listed, so fewer than
    ``n`` rows come back when fewer towns move. Columns as in :func:`stability`.
    """
    changes = _town_changes(a, b)
    changes = changes.loc[changes["size_of_change_eur"] > 0]
    return changes.sort_values("size_of_change_eur", ascending=False, kind="stable").head(n)
