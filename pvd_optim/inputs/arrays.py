"""An allocation as arrays in model units: one year's, a programme's, collective actions'."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pvd_optim.inputs.units import COLLECTIVE_ACTIONS, FloatArray
from pvd_optim.inputs.year import ModelInputs


@dataclass(frozen=True, eq=False)
class AllocationArrays:
    """An allocation as plain arrays, in model units (k EUR, days): what the model gives back.

    ``posts`` is the number of co-funded posts per group that the allocation
    pays for. In a programme, one of these per year; ``carry_in_keur`` and
    ``carry_out_keur`` are the unspent funding carried into this year from the
    previous one and out of it into the next.
    """

    funding_keur: FloatArray  # (n, K)
    days: FloatArray  # (n, K)
    covered: FloatArray  # (n,) 0/1 (fractional only in a labelled relaxation)
    posts: FloatArray  # (G,)
    carry_in_keur: float = 0.0
    carry_out_keur: float = 0.0
    cofunding_keur: FloatArray = field(default_factory=lambda: np.zeros((2, 0)))  # (2, F)
    # Cerema's collective actions: events (cohorts) per collective region and action, and
    # each town's attendance per action (0/1); empty when collective actions are off.
    collective_events: FloatArray = field(
        default_factory=lambda: np.zeros((0, len(COLLECTIVE_ACTIONS))))  # (Rc, A)
    attendance: FloatArray = field(
        default_factory=lambda: np.zeros((0, len(COLLECTIVE_ACTIONS))))  # (n, A)

    def used_by_region(self, inputs: ModelInputs) -> FloatArray:
        """(3, R): funding, days and covered towns used per region."""
        per_town = np.stack(
            [self.funding_keur.sum(axis=1), self.days.sum(axis=1), self.covered]
        )
        return np.stack(
            [np.bincount(inputs.region_of_town, weights=row, minlength=inputs.n_regions)
             for row in per_town]
        )

@dataclass(frozen=True, eq=False)
class ProgrammeArrays:
    """A programme's allocation: one :class:`AllocationArrays` per model year."""

    years: tuple[AllocationArrays, ...]

    @property
    def funding_keur(self) -> FloatArray:
        """(Y, n, K) funding per year, town and theme."""
        return np.stack([year.funding_keur for year in self.years])

    @property
    def days(self) -> FloatArray:
        """(Y, n, K) expert-days per year, town and theme."""
        return np.stack([year.days for year in self.years])

    @property
    def covered(self) -> FloatArray:
        """(Y, n) coverage per year and town."""
        return np.stack([year.covered for year in self.years])

    @property
    def posts(self) -> FloatArray:
        """(Y, G) posts per year and group."""
        return np.stack([year.posts for year in self.years])

def as_programme_arrays(arrays: AllocationArrays | ProgrammeArrays) -> ProgrammeArrays:
    """``arrays`` itself, or one year's allocation as a programme of that one year."""
    return arrays if isinstance(arrays, ProgrammeArrays) else ProgrammeArrays((arrays,))

def collective_arrays(inputs: ModelInputs, arrays: AllocationArrays
                      ) -> tuple[FloatArray, FloatArray]:
    """(events (Rc, A), attendance (n, A)) of one year; zeros where the allocation has none.

    An allocation made without collective actions (a rules-based strategy, say) holds
    empty arrays: it has no events and no attendance.
    """
    actions = len(COLLECTIVE_ACTIONS)
    events, attendance = arrays.collective_events, arrays.attendance
    if events.shape != (inputs.n_collective_regions, actions):
        events = np.zeros((inputs.n_collective_regions, actions))
    if attendance.shape != (inputs.n_towns, actions):
        attendance = np.zeros((inputs.n_towns, actions))
    return events, attendance

def collective_days_by_directorate(inputs: ModelInputs, arrays: AllocationArrays) -> FloatArray:
    """(D,) expert-days the year's collective events take from each directorate."""
    events, _ = collective_arrays(inputs, arrays)
    return np.bincount(inputs.collective_directorate, weights=events @ inputs.collective_days,
                       minlength=inputs.n_directorates).astype(np.float64)
