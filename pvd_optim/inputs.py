"""Everything the allocation model needs, as plain numpy arrays in solver units.

This is the hand-over point between the data side (town table, scores,
scenario) and the model layer: money is converted to k EUR here, once, so the
solver never sees raw euros (1e9 right-hand sides mislead HiGHS's scaling).
Index arrays (region, directorate, group of each town) are dense integer codes
so that every model block can be built with vectorised numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from pvd_optim.tolerances import ceil_whole

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Money inside the model is expressed in thousands of euros.
EUR_PER_UNIT = 1_000.0
#: Euros in a million, for amounts shown in M EUR.
EUR_PER_MILLION = 1_000_000.0


def keur_to_eur(amount_keur: float) -> float:
    """A model amount (k EUR) in euros."""
    return amount_keur * EUR_PER_UNIT


def keur_to_meur(amount_keur: float) -> float:
    """A model amount (k EUR) in millions of euros."""
    return amount_keur * EUR_PER_UNIT / EUR_PER_MILLION

RESOURCES = ("funding", "days", "towns")


@dataclass(frozen=True, eq=False)
class ModelInputs:
    """A fully specified allocation problem for one programme year.

    All money fields are in k EUR; ``days`` fields in expert-days. Arrays with a
    leading ``n`` dimension are per eligible town in ``town_codes`` order.
    """

    town_codes: tuple[str, ...]
    town_names: tuple[str, ...]
    population: FloatArray  # (n,)
    themes: tuple[str, ...]
    need: FloatArray  # (n, K) in [0, 1]
    fragility: FloatArray  # (n,) in [0, 1]

    region_of_town: IntArray  # (n,) index into region_codes
    region_codes: tuple[str, ...]
    region_names: tuple[str, ...]
    directorate_of_town: IntArray  # (n,) index into directorate_names
    directorate_names: tuple[str, ...]
    group_of_town: IntArray  # (n,) index into group_labels
    group_labels: tuple[str, ...]

    # Funding
    envelope_keur: float
    cap_keur: FloatArray  # (n,)
    saturation_keur: FloatArray  # (K,)
    min_per_town_keur: float
    spend_min_share: float
    # Expertise
    capacity_days: FloatArray  # (D,)
    saturation_days: FloatArray  # (K,)
    max_days_per_town: float
    # Engineering
    post_cost_keur: float
    engineering_budget_keur: float
    towns_per_post: int
    cover_min_share: float
    # Benefit
    segment_widths: FloatArray  # (S,)
    slopes: FloatArray  # (S,)
    value_per_day_keur: float
    value_per_cover_keur: float
    # Balance
    balance_mode: Literal["hard", "soft", "off"]
    balance_tolerance: float
    fair_share: FloatArray  # (R,) sums to 1
    penalty_funding: float  # objective units per k EUR outside the band, before / fair share
    penalty_days: float
    penalty_towns: float
    theme_floor: FloatArray  # (K,)
    relax_integers: bool = False

    @property
    def n_towns(self) -> int:
        """Number of eligible towns."""
        return len(self.town_codes)

    @property
    def n_themes(self) -> int:
        """Number of themes."""
        return len(self.themes)

    @property
    def n_segments(self) -> int:
        """Number of benefit-curve segments."""
        return len(self.slopes)

    @property
    def n_regions(self) -> int:
        """Number of regions with at least one eligible town."""
        return len(self.region_codes)

    @property
    def n_directorates(self) -> int:
        """Number of Cerema directorates."""
        return len(self.directorate_names)

    @property
    def n_groups(self) -> int:
        """Number of project-lead groups."""
        return len(self.group_labels)

    @property
    def group_size(self) -> IntArray:
        """Eligible towns per group."""
        return np.bincount(self.group_of_town, minlength=self.n_groups).astype(np.int64)

    @property
    def max_posts(self) -> IntArray:
        """Upper bound on posts per group: ceil(|g| / m)."""
        return -(-self.group_size // self.towns_per_post)

    def posts_needed(self, covered: FloatArray) -> FloatArray:
        """Posts per group that coverage ``covered`` (per town) needs: ceil(covered / m).

        Posts carry no cost in the objective, so a solver may leave a spare one;
        this is the count the coverage actually needs, the one reported.
        """
        per_group = np.bincount(self.group_of_town, weights=covered, minlength=self.n_groups)
        return ceil_whole(per_group / self.towns_per_post)

    @property
    def town_floor_keur(self) -> FloatArray:
        """Minimum funding of a covered town: min(f_min, cap[t])."""
        return np.minimum(self.min_per_town_keur, self.cap_keur)

    @property
    def balance_penalty_weight(self) -> FloatArray:
        """(3, R) soft-balance cost of one unit outside a region's band, in objective units.

        A unit outside the band of a region with the average fair share (1/R) costs
        the resource's penalty (by default what it is worth at the margin: 1 per k EUR,
        a day's value per day, a covered town's value per town); a region with a
        smaller share costs more in inverse proportion, so small regions are not the
        cheap ones to sacrifice (docs/model.md#balance). Divided by the share alone, as
        first written, one town outside Mayotte's band cost 60,000 k EUR-eq and the
        penalties swamped the benefit.
        """
        penalties = np.array([self.penalty_funding, self.penalty_days, self.penalty_towns])
        average_share = 1.0 / self.n_regions
        return penalties[:, None] * average_share / self.fair_share[None, :]

    @property
    def balance_band_extra(self) -> FloatArray:
        """(3, R) absolute widening of each resource's band, per region (funding, days, towns).

        A +-15 % band around a fair share of 2.3 covered towns holds no integer. Any
        feasible allocation covers at least ``T_ref = cover_min x |T|`` towns, so the
        band's half-width is at least ``delta x share x T_ref``; widening each side by
        ``max(0, 1 - delta x share x T_ref)`` towns makes it at least one town, which
        always holds an integer, and leaves every region that needs no widening
        untouched (docs/model.md#balance). Funding and days are continuous: no widening.
        """
        extra = np.zeros((len(RESOURCES), self.n_regions))
        reference_total = self.cover_min_share * self.n_towns
        half_width = self.balance_tolerance * self.fair_share * reference_total
        extra[RESOURCES.index("towns")] = np.maximum(0.0, 1.0 - half_width)
        return extra


@dataclass(frozen=True, eq=False)
class AllocationArrays:
    """An allocation as plain arrays, in model units (k EUR, days): what the model gives back.

    ``posts`` is the number of co-funded posts per group that the allocation
    pays for.
    """

    funding_keur: FloatArray  # (n, K)
    days: FloatArray  # (n, K)
    covered: FloatArray  # (n,) 0/1 (fractional only in a labelled relaxation)
    posts: FloatArray  # (G,)

    def used_by_region(self, inputs: ModelInputs) -> FloatArray:
        """(3, R): funding, days and covered towns used per region."""
        per_town = np.stack(
            [self.funding_keur.sum(axis=1), self.days.sum(axis=1), self.covered]
        )
        return np.stack(
            [np.bincount(inputs.region_of_town, weights=row, minlength=inputs.n_regions)
             for row in per_town]
        )
