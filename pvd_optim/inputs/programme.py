"""A programme of model years (:class:`ProgrammeInputs`): what links the years."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from pvd_optim.inputs.units import FloatArray
from pvd_optim.inputs.year import ModelInputs, band_extra, penalty_weight


@dataclass(frozen=True, eq=False)
class ProgrammeInputs:
    """A programme of consecutive model years over the same towns (``docs/model.md``).

    ``years`` holds one :class:`ModelInputs` per model year, with that year's
    resources; the fields here link the years: persistence of coverage and posts,
    carry-over of unspent funding, the scope of the minimum spend and of regional
    balance, and the horizon caps on a town's funding and days per theme. A
    one-year scenario is a programme of one year, and builds the model it always did.
    """

    years: tuple[ModelInputs, ...]
    persistence: Literal["horizon", "contract", "off"] = "horizon"
    contract_years: int = 0  # with ``contract``: a new post (and town) lasts this many years
    carry_over_cap_keur: FloatArray = field(default=None)  # type: ignore[arg-type]  # (Y,)
    spend_min_scope: Literal["year", "horizon"] = "year"
    balance_scope: Literal["year", "horizon"] = "year"
    horizon_fair_share: FloatArray = field(default=None)  # type: ignore[arg-type]  # (R,)
    horizon_saturation_keur: FloatArray = field(default=None)  # type: ignore[arg-type]
    horizon_saturation_days: FloatArray = field(default=None)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        first = self.years[0]
        defaults = {
            "carry_over_cap_keur": np.zeros(len(self.years)),
            "horizon_fair_share": first.fair_share,
            "horizon_saturation_keur": np.full(first.n_themes, math.inf),
            "horizon_saturation_days": np.full(first.n_themes, math.inf),
        }
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)

    @property
    def first(self) -> ModelInputs:
        """The first year (towns, themes, groups and regions are the same in every year)."""
        return self.years[0]

    @property
    def n_years(self) -> int:
        """Number of model years."""
        return len(self.years)

    @property
    def calendar(self) -> tuple[int, ...]:
        """The calendar year of each model year."""
        return tuple(year.year for year in self.years)

    @property
    def carries_over(self) -> bool:
        """Whether unspent funding may be carried from one year into the next."""
        return bool(self.n_years > 1 and (self.carry_over_cap_keur[:-1] > 0).any())

    def horizon_band_extra(self) -> FloatArray:
        """(3, R) band widening of the horizon balance (coverage target summed over years)."""
        first = self.first
        reference = sum(year.cover_min_share * year.n_joined for year in self.years)
        return band_extra(first.n_regions, first.balance_tolerance, self.horizon_fair_share,
                          reference)

    def horizon_penalty_weight(self) -> FloatArray:
        """(3, R) soft-balance weights of the horizon balance."""
        first = self.first
        return penalty_weight(np.array([first.penalty_funding, first.penalty_days,
                                        first.penalty_towns]), self.horizon_fair_share)

def as_programme(inputs: ModelInputs | ProgrammeInputs) -> ProgrammeInputs:
    """``inputs`` itself, or one year's inputs as a programme of that one year."""
    return inputs if isinstance(inputs, ProgrammeInputs) else ProgrammeInputs((inputs,))
