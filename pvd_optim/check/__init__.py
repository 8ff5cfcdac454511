"""The independent checker: re-verifies every constraint on the extracted numbers.

Written with numpy only, from the model's *definition* (``ModelInputs`` and
``docs/model.md``), not from the matrix the solver saw: a mistake in building
the matrix shows up here as a violation instead of being confirmed by it. One
function per constraint family of the registry (``pvd_optim.families``),
registered against it; a family without a check is an error, never a skip.
Tolerance: ``tolerances.CHECK_RELATIVE`` x max(1, |rhs|).

A family of scope ``year`` is checked on each model year's inputs and arrays in turn
(in a programme of several years its items are prefixed by the year, ``2021/...``);
a family of scope ``programme`` on the whole programme at once.

One module per group of families, as in ``pvd_optim.families``: ``reference``,
``programme``, ``quota``, ``prefects``, ``collective`` and ``convention``; importing this
package registers every check. ``core`` holds the machinery (``Collector``, ``check_allocation``).
"""

from __future__ import annotations

from pvd_optim.check import collective, convention, prefects, programme, quota, reference
from pvd_optim.check.core import CheckReport, Collector, Rounding, Violation, check_allocation
from pvd_optim.inputs import AllocationArrays
from pvd_optim.measures import (
    BalancePeriod,
    balance_periods,
    band_deviations,
    band_limits,
    concave_benefit,
    objective_parts,
    year_benefit,
)

__all__ = ["AllocationArrays", "BalancePeriod", "CheckReport", "Collector", "Rounding",
           "Violation", "balance_periods", "band_deviations", "band_limits", "check_allocation",
           "collective", "concave_benefit", "convention", "objective_parts", "prefects",
           "programme", "quota", "reference",
           "year_benefit"]
