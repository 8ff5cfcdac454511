"""Numerical tolerances: the one owner of every "how close is close enough" in pvd-optim.

Solvers return values with float noise (a bound met to 1e-10, a binary at
0.9999999997); each constant here names one way of reading such values, so that
the checker, the explanations and the analyses agree on what holds, what binds
and what is zero.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: A constraint holds when it is violated by at most this much, relative to
#: max(1, |right-hand side|): the checker's rule (``docs/model.md#checker``),
#: also used to call a constraint binding and a shortfall real.
CHECK_RELATIVE = 1e-6

#: A solver value smaller than this in magnitude is noise, read as 0 (funding in
#: k EUR, days, coverage). Far below any amount a planner can see (a thousandth
#: of a cent), far above HiGHS's own feasibility tolerance effects on 0.
NOISE = 1e-9

#: Guard when a ratio that should be a whole number is rounded up or down
#: (``ceil(4 / 2 - guard) == 2`` even when float division gives 2.0000000000000004).
ROUNDING_GUARD = 1e-9

#: An elastic slack at most this large is no relaxation at all (diagnosis).
RELAXATION_NOISE = 1e-7

#: An achieved MIP gap at most this large counts as a solve at gap 0.
EXACT_GAP = 1e-9

#: Two metric values within this relative distance are tied.
TIE_RELATIVE = 1e-9

#: A count of posts is payable when the co-funders' shares meet its subsidies up to this
#: relative shortfall (``pvd_optim.inputs.posts``): the LP that splits the subsidies
#: (``model.cofunding``) is solved to HiGHS's primal tolerance, far tighter, so a count a
#: rounding error away is not claimed payable.
PAYABLE_RELATIVE = 1e-9

#: Model inputs stored in a results folder equal those derived again from its scenario up to
#: this relative difference (float noise of the round trip through ``.npz``; ``output.readback``).
STORED_INPUTS_RELATIVE = 1e-9


def allowed_excess(rhs: ArrayLike) -> NDArray[np.float64]:
    """How far a left-hand side may pass ``rhs`` and still hold.

    ``CHECK_RELATIVE x max(1, |rhs|)``.
    """
    return CHECK_RELATIVE * np.maximum(1.0, np.abs(np.asarray(rhs, dtype=np.float64)))


def ceil_whole(value: ArrayLike) -> NDArray[np.float64]:
    """``ceil(value)``, with a ratio that is a whole number up to float noise kept whole."""
    return np.ceil(np.asarray(value, dtype=np.float64) - ROUNDING_GUARD)


def floor_whole(value: float) -> int:
    """``floor(value)`` as an int, with a whole number up to float noise kept whole."""
    return math.floor(value + ROUNDING_GUARD)
