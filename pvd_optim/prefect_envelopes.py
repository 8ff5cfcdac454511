"""One year's prefects' envelopes, as the model reads them (``docs/model.md#prefects-envelopes``).

A record of plain arrays in k EUR, built by ``pvd_optim.prefect_inputs`` from the
scenario's ``resources.funding.prefects`` and held by ``ModelInputs.prefects``; it
imports nothing of the pipeline, so every layer may read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, eq=False)
class PrefectEnvelopes:
    """One year's prefects' envelopes, over the départements that hold one (k EUR).

    ``department_of_town`` gives, per model town, the index of its département in
    ``department_codes`` (the rows of the family, in this order every year), or -1
    for a town of a département without an envelope. ``envelope_keur`` is this year's
    ``P_d`` (0 in a year none of the département's towns has joined);
    ``ceiling_multiple`` is ``inf`` without a ceiling.
    """

    department_codes: tuple[str, ...]
    department_names: tuple[str, ...]
    region_of_department: NDArray[np.int64]  # (H,) index into the year's region_codes
    department_of_town: NDArray[np.int64]  # (n,) index into department_codes, or -1
    envelope_keur: NDArray[np.float64]  # (H,) P_d this year
    floor_share: float
    ceiling_multiple: float = math.inf
    basis: str = "towns"  # how the reserve was split, or "by_department"

    @property
    def n_departments(self) -> int:
        """Départements holding an envelope."""
        return len(self.department_codes)

    @property
    def reserve_keur(self) -> float:
        """The year's reserve: the envelopes summed."""
        return float(self.envelope_keur.sum())

    @property
    def floor_keur(self) -> NDArray[np.float64]:
        """(H,) the least funding each département receives: floor_share x P_d."""
        return self.floor_share * self.envelope_keur

    @property
    def has_ceiling(self) -> bool:
        """Whether the départements' funding is capped at a multiple of their envelope."""
        return math.isfinite(self.ceiling_multiple)

    @property
    def ceiling_keur(self) -> NDArray[np.float64]:
        """(H,) the most funding each département receives (inf without a ceiling).

        A département that holds no envelope this year (none of its towns has joined)
        has no ceiling that year either.
        """
        if not self.has_ceiling:
            return np.full(self.n_departments, math.inf)
        return np.where(self.envelope_keur > 0, self.ceiling_multiple * self.envelope_keur,
                        math.inf)

    def funding_by_department(self, funding_keur: NDArray[np.float64]) -> NDArray[np.float64]:
        """(H,) funding of each département's towns, from funding per town and theme."""
        per_town = np.asarray(funding_keur, dtype=np.float64).sum(axis=1)
        held = self.department_of_town >= 0
        return np.bincount(self.department_of_town[held], weights=per_town[held],
                           minlength=self.n_departments).astype(np.float64)

    def towns_of(self, h: int) -> NDArray[np.int64]:
        """Indices of the model towns of département ``h``."""
        return np.flatnonzero(self.department_of_town == h)


__all__ = ["PrefectEnvelopes"]
