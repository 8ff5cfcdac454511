"""Apportionment: whole seats shared over parties in proportion to their votes.

The one owner of the three methods pvd-optim uses for regional quotas: largest
remainder (Hamilton), D'Hondt and Sainte-Laguë. The regional-quota strategies
(``pvd_optim.strategies.quotas``) and the model's quota mode
(``pvd_optim.quota_inputs``, ``docs/model.md#quota``) both call :func:`apportion`;
the tests cross-check it against the ``apportionment`` package.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The apportionment methods, by their scenario names.
APPORTIONMENT_METHODS = ("hamilton", "dhondt", "sainte_lague")

ApportionmentMethod = Literal["hamilton", "dhondt", "sainte_lague"]


def apportion(votes: FloatArray, seats: int, method: ApportionmentMethod) -> IntArray:
    """Apportion ``seats`` over parties with ``votes`` (non-negative, not all zero).

    ``hamilton``: largest remainder (Hare quota); ``dhondt``: highest averages
    with divisors 1, 2, 3...; ``sainte_lague``: divisors 1, 3, 5... Ties go to
    the party listed first. Divisor methods look only at a window of
    ``2R + 6`` candidate seats around each party's exact quota ``q``: with
    divisors ``j + c`` (``c`` in [0.5, 1]) a party's result lies within
    ``q +- (R + 1)``, so the window holds every seat that can change hands and
    the cost does not grow with ``seats`` (funding units run to tens of thousands).
    """
    votes = np.asarray(votes, dtype=np.float64)
    if seats < 0 or votes.ndim != 1 or (votes < 0).any() or votes.sum() <= 0:
        raise InputError(Message(
            "The 'votes' and 'seats' parameters of apportion must be non-negative weights "
            "(not all zero) and a non-negative seat count. Got {votes}, {seats} instead.",
            votes=repr(votes), seats=str(seats)))
    n = len(votes)
    index = np.arange(n)
    # Same arithmetic as the textbook (and the `apportionment` package): equal
    # inputs give bit-identical quotas, so ties are recognised as ties.
    quota = (votes * seats) / np.sum(votes)
    if method == "hamilton":
        counts = np.trunc(quota).astype(np.int64)
        left = seats - int(counts.sum())
        remainder = quota - counts
        counts[np.lexsort((index, -remainder))[:left]] += 1
        return counts
    if method == "dhondt":
        def divisor(j: IntArray) -> IntArray:
            return j + 1
    elif method == "sainte_lague":
        def divisor(j: IntArray) -> IntArray:
            return 2 * j + 1
    else:
        raise InputError(Message(
            "The 'method' parameter of apportion must be one of {methods}. Got {method} "
            "instead.", methods="{'hamilton', 'dhondt', 'sainte_lague'}", method=repr(method)))
    width = 2 * n + 6
    base = np.maximum(0, np.floor(quota).astype(np.int64) - (n + 2))
    base = np.where(votes > 0, base, 0)
    j = base[:, None] + np.arange(width)[None, :]
    averages = votes[:, None] / divisor(j)
    averages[votes == 0] = -np.inf  # no seat without votes
    left = seats - int(base.sum())
    flat = np.lexsort((np.repeat(index, width), -averages.ravel()))[:left]
    return base + np.bincount(flat // width, minlength=n).astype(np.int64)


__all__ = ["APPORTIONMENT_METHODS", "ApportionmentMethod", "apportion"]
