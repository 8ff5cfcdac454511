"""The checker's machinery: violations, their report, and the loop over the families.

The checks themselves are in ``pvd_optim.check.reference`` and
``pvd_optim.check.programme`` (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from pvd_optim.errors import VerificationError
from pvd_optim.families import FAMILIES, Family, resolve
from pvd_optim.inputs import (
    AllocationArrays,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    as_programme,
    as_programme_arrays,
)
from pvd_optim.tolerances import allowed_excess

#: How many rounded values a checked row sums (one count, or one per row).
Cells = NDArray[np.floating | np.integer] | float


@dataclass(frozen=True)
class Violation:
    """One constraint that does not hold, with its numbers."""

    family: str
    item: str
    lhs: float
    sense: str
    rhs: float

    @property
    def excess(self) -> float:
        """How far the left-hand side is on the wrong side of the right-hand side."""
        return self.lhs - self.rhs if self.sense == "<=" else self.rhs - self.lhs

    def __str__(self) -> str:
        return (f"{self.family} [{self.item}]: {self.lhs:.6g} {self.sense} {self.rhs:.6g} "
                f"violated by {self.excess:.3g}")


@dataclass(frozen=True)
class CheckReport:
    """What was checked and what failed."""

    checked: tuple[str, ...]
    violations: tuple[Violation, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no checked constraint is violated."""
        return not self.violations

    def raise_if_violated(self, label: str = "allocation") -> None:
        """Raise ``VerificationError`` listing the violations (a bug, never a result)."""
        if self.violations:
            shown = "; ".join(str(v) for v in self.violations[:5])
            more = len(self.violations) - 5
            raise VerificationError(
                f"the independent checker rejected the {label}: {shown}"
                + (f" (and {more} more)" if more > 0 else "")
                + ". This is a bug in pvd-optim, please report it with the scenario file."
            )


@dataclass(frozen=True)
class Rounding:
    """Half the unit the checked values were rounded to, in model units (k EUR, days).

    Zero for solver values. For rounded tables, a row that sums ``N`` funding
    values may be off by ``N x funding_keur``: each check says how many values of
    each kind its row sums (right-hand side included, times its coefficient).
    """

    funding_keur: float = 0.0
    days: float = 0.0


class Collector:
    """Gathers the violations of one family's checks."""

    def __init__(self, family: Family, rounding: Rounding | None = None,
                 prefix: str = "") -> None:
        self.family = family.name
        self.rounding = rounding or Rounding()
        self.prefix = prefix  # "2021/" for one year of several
        self.violations: list[Violation] = []

    def check(
        self,
        labels: Iterable[str] | str,
        lhs: NDArray[np.floating | np.integer] | float,
        sense: str,
        rhs: NDArray[np.floating | np.integer] | float,
        *,
        funding_cells: Cells = 0.0,
        days_cells: Cells = 0.0,
    ) -> None:
        """Record every element of ``lhs sense rhs`` that fails beyond the tolerance.

        ``funding_cells`` and ``days_cells`` count the rounded values the row sums
        (see :class:`Rounding`); they widen the tolerance only for rounded inputs.
        """
        lhs_a = np.atleast_1d(np.asarray(lhs, dtype=np.float64))
        rhs_a = np.broadcast_to(np.asarray(rhs, dtype=np.float64), lhs_a.shape)
        tolerance = (allowed_excess(rhs_a)
                     + np.asarray(funding_cells, dtype=np.float64) * self.rounding.funding_keur
                     + np.asarray(days_cells, dtype=np.float64) * self.rounding.days)
        bad = lhs_a - rhs_a > tolerance if sense == "<=" else rhs_a - lhs_a > tolerance
        bad |= ~np.isfinite(lhs_a)
        if not bad.any():
            return
        names = [labels] * len(lhs_a) if isinstance(labels, str) else list(labels)
        for i in np.flatnonzero(bad):
            self.violations.append(
                Violation(self.family, self.prefix + names[i], float(lhs_a[i]), sense,
                          float(rhs_a[i]))
            )


def check_allocation(
    inputs: ModelInputs | ProgrammeInputs,
    allocation: AllocationArrays | ProgrammeArrays,
    families: Iterable[str | Family] = FAMILIES,
    *,
    rounding: Rounding | None = None,
) -> CheckReport:
    """Verify ``allocation`` against the constraint ``families`` it claims to satisfy.

    ``inputs`` and ``allocation`` are one year's, or a programme's. ``families`` are
    names or registry entries; an unknown name is an ``InputError``. Every family of
    the registry is checked by default. ``rounding`` says how far the values were
    rounded (written tables).
    """
    programme = as_programme(inputs)
    arrays = as_programme_arrays(allocation)
    if len(arrays.years) != programme.n_years:
        raise VerificationError(f"an allocation of {len(arrays.years)} year(s) checked against "
                                f"a programme of {programme.n_years}: a bug in pvd-optim")
    chosen = resolve(families)
    violations: list[Violation] = []
    for family in chosen:
        if family.scope == "programme":
            out = Collector(family, rounding)
            family.check(programme, arrays, out)
            violations.extend(out.violations)
            continue
        for year, year_arrays in zip(programme.years, arrays.years, strict=True):
            out = Collector(family, rounding,
                            f"{year.year}/" if programme.n_years > 1 else "")
            family.check(year, year_arrays, out)
            violations.extend(out.violations)
    return CheckReport(tuple(f.name for f in chosen), tuple(violations))


def pair_labels(inputs: ModelInputs) -> list[str]:
    """One label per town and theme, ``INSEE/theme``, in (town, theme) order."""
    return [f"{t}/{k}" for t in inputs.town_codes for k in inputs.themes]
