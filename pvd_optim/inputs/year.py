"""One model year's inputs (:class:`ModelInputs`), and the balance band's widening."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from pvd_optim.inputs.units import (
    COLLECTIVE_ACTIONS,
    ONE_YEAR,
    POST_TYPES,
    RESOURCES,
    BoolArray,
    FloatArray,
    IntArray,
)
from pvd_optim.tolerances import ceil_whole

if TYPE_CHECKING:
    from pvd_optim.prefect_envelopes import PrefectEnvelopes


@dataclass(frozen=True, eq=False)
class ModelInputs:
    """A fully specified allocation problem for one programme year.

    All money fields are in k EUR; ``days`` fields in expert-days. Arrays with a
    leading ``n`` dimension are per eligible town in ``town_codes`` order. In a
    programme of several years (:class:`ProgrammeInputs`) each year is one of these,
    over the same towns, with that year's resources; a year that runs only part of
    the time already has its saturations, caps, day limit, post subsidy and coverage
    value scaled by its running share (``docs/model.md#programme-years``).
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
    # (G,) m_g: at most this many towns of group g share one post (a whole number given
    # here means the same limit for every group). The one figure the sharing rows, the
    # rounding cut, posts_needed and the checker read (docs/model.md#sharing).
    towns_per_post: IntArray
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
    # The year (defaults: the one year of a scenario without ``years``)
    year: int = ONE_YEAR
    joined: BoolArray = field(default=None)  # type: ignore[arg-type]  # (n,) all if None
    running_share: float = 1.0  # fraction of the year the programme runs (informational)
    objective_weight: float = 1.0  # the year's discount factor on its benefit
    # Who pays for a post (docs/model.md#co-funders). ``post_cost_keur`` is the subsidy of
    # a post without Anah; ``post_cost_anah_keur`` that of a post Anah co-funds (a group
    # with a town running a habitat operation, ``group_anah``). No co-funders: the pooled
    # ``engineering_budget_keur`` pays.
    post_cost_anah_keur: float = 0.0
    charged_cost_keur: float | None = None  # a post's charged cost (None: pooled subsidy)
    group_anah: BoolArray = field(default=None)  # type: ignore[arg-type]  # (G,)
    funder_keys: tuple[str, ...] = ()
    funder_names: tuple[str, ...] = ()
    funder_rate: FloatArray = field(default=None)  # type: ignore[arg-type]  # (F,) of cost
    funder_cap_keur: FloatArray = field(default=None)  # type: ignore[arg-type]  # (F,) per post
    funder_budget_keur: FloatArray = field(default=None)  # type: ignore[arg-type]  # (F,)
    funder_serves: BoolArray = field(default=None)  # type: ignore[arg-type]  # (F, 2) types
    funder_residual: BoolArray = field(default=None)  # type: ignore[arg-type]  # (F,)
    # What is already decided (docs/model.md#commitments): lower bounds of the year's
    # allocation, or, in a ``locked`` year, the allocation itself. A town not ``eligible``
    # is in the model only for its commitments, and receives nothing more.
    eligible: BoolArray = field(default=None)  # type: ignore[arg-type]  # (n,)
    committed_funding_keur: FloatArray = field(default=None)  # type: ignore[arg-type]  # (n, K)
    committed_days: FloatArray = field(default=None)  # type: ignore[arg-type]  # (n, K)
    committed_covered: BoolArray = field(default=None)  # type: ignore[arg-type]  # (n,)
    committed_posts: FloatArray = field(default=None)  # type: ignore[arg-type]  # (G,)
    locked: bool = False
    committed_carry_out_keur: float | None = None  # a locked year's carry-over (None: free)
    # Regional quotas of posts (balance mode ``quota``, docs/model.md#quota): the posts of
    # each region, a group counted in its majority region (``region_of_group``), fixed by
    # ``quota_method`` over ``quota_posts`` posts and capped at what the region's groups can
    # use (``region_post_cap``). None: no quota. The band of ``balance_mode`` (then
    # ``hard``) stays on funding and days; the quota replaces it on covered towns.
    post_quota: IntArray | None = None  # (R,) after the cap
    post_quota_apportioned: IntArray | None = None  # (R,) before the cap
    quota_method: str = ""
    quota_posts: int = 0
    # Part of the envelope held per département by the prefects (docs/model.md#prefects-
    # envelopes; ``pvd_optim.prefect_envelopes``); None: none held.
    prefects: PrefectEnvelopes | None = None
    # Cerema's collective actions (docs/model.md#collective-actions; pvd_optim.collective_inputs)
    # over the regions that hold them (none: collective actions are off). ``A`` is
    # len(COLLECTIVE_ACTIONS); counts and minimums are per region, seats in towns.
    collective_region: IntArray = field(default=None)  # type: ignore[arg-type]  # (Rc,) region
    collective_directorate: IntArray = field(default=None)  # type: ignore[arg-type]  # (Rc,)
    collective_seats: FloatArray = field(default=None)  # type: ignore[arg-type]  # (A,) towns
    collective_days: FloatArray = field(default=None)  # type: ignore[arg-type]  # (A,) per event
    collective_value_keur: FloatArray = field(default=None)  # type: ignore[arg-type]  # (A,)
    collective_max_count: FloatArray = field(default=None)  # type: ignore[arg-type]  # (A,)
    collective_minimum: FloatArray = field(default=None)  # type: ignore[arg-type]  # (A,)
    collective_need: FloatArray = field(default=None)  # type: ignore[arg-type]  # (n,) in [0, 1]
    collective_further_discount_keur: float = 0.0  # per action beyond a town's first, need 1
    collective_requires_cover: bool = True
    collective_minimum_scope: Literal["horizon", "year"] = "horizon"
    # Convention status (docs/model.md#convention-and-ort-status). ``need`` and ``fragility``
    # above already carry ``priority_weight`` (the weight on a town with an ORT); kept here
    # so that what is shown as need can be the need. A town may be funded in a theme of
    # ``themes_after_ort`` only from the calendar year ``ort_year`` (inf: no ORT, or no date).
    priority_weight: FloatArray = field(default=None)  # type: ignore[arg-type]  # (n,)
    ort_year: FloatArray = field(default=None)  # type: ignore[arg-type]  # (n,)
    themes_after_ort: BoolArray = field(default=None)  # type: ignore[arg-type]  # (K,)

    def __post_init__(self) -> None:
        count = len(self.funder_keys)
        n, k = len(self.town_codes), len(self.themes)
        defaults = {
            "eligible": np.ones(n, dtype=bool),
            "committed_funding_keur": np.zeros((n, k)), "committed_days": np.zeros((n, k)),
            "committed_covered": np.zeros(n, dtype=bool),
            "committed_posts": np.zeros(len(self.group_labels)),
            "joined": np.ones(len(self.town_codes), dtype=bool),
            "group_anah": np.zeros(len(self.group_labels), dtype=bool),
            "funder_rate": np.zeros(count), "funder_cap_keur": np.zeros(count),
            "funder_budget_keur": np.zeros(count),
            "funder_serves": np.zeros((count, len(POST_TYPES)), dtype=bool),
            "funder_residual": np.zeros(count, dtype=bool),
            "collective_region": np.zeros(0, dtype=np.int64),
            "collective_directorate": np.zeros(0, dtype=np.int64),
            **{name: np.zeros(len(COLLECTIVE_ACTIONS)) for name in (
                "collective_seats", "collective_days", "collective_value_keur",
                "collective_max_count", "collective_minimum")},
            "collective_need": np.zeros(n),
            "priority_weight": np.ones(n), "ort_year": np.zeros(n),
            "themes_after_ort": np.zeros(k, dtype=bool),
        }
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        per_group = np.broadcast_to(np.asarray(self.towns_per_post, dtype=np.int64),
                                    (len(self.group_labels),)).copy()
        if (per_group < 1).any():
            raise ValueError("towns_per_post: every group's limit must be at least 1 town")
        object.__setattr__(self, "towns_per_post", per_group)

    @property
    def has_commitments(self) -> bool:
        """Whether anything is committed (or locked) in this year."""
        return bool(self.locked or self.committed_covered.any() or self.committed_posts.any()
                    or self.committed_funding_keur.any() or self.committed_days.any()
                    or not self.eligible.all())

    # ---- posts and who pays -----------------------------------------------------------------
    @property
    def cofunded(self) -> bool:
        """Whether co-funders (rather than a pooled budget) pay for posts."""
        return bool(self.funder_keys)

    @property
    def n_funders(self) -> int:
        """Number of co-funders."""
        return len(self.funder_keys)

    @property
    def post_subsidy_keur(self) -> FloatArray:
        """(2,) subsidy of a post of each type (without Anah, with Anah), k EUR."""
        return np.array([self.post_cost_keur, self.post_cost_anah_keur])

    @property
    def post_type_of_group(self) -> IntArray:
        """(G,) 0: a post without Anah, 1: a post Anah co-funds."""
        return self.group_anah.astype(np.int64)

    @property
    def subsidy_of_group(self) -> FloatArray:
        """(G,) subsidy of one post of each group, k EUR."""
        return self.post_subsidy_keur[self.post_type_of_group]

    def posts_by_type(self, posts: FloatArray) -> FloatArray:
        """(2,) posts of each type, from posts per group."""
        return np.bincount(self.post_type_of_group, weights=posts,
                           minlength=len(POST_TYPES)).astype(np.float64)

    @property
    def funder_share_cap_keur(self) -> FloatArray:
        """(F, 2) most a co-funder pays per post of each type: min(rate x cost, cap), or 0."""
        cost = self.charged_cost_keur if self.charged_cost_keur is not None else math.inf
        per_post = np.minimum(self.funder_rate * cost, self.funder_cap_keur)
        return np.where(self.funder_serves, per_post[:, None], 0.0)

    # ---- Cerema's collective actions -------------------------------------------------------
    @property
    def collective(self) -> bool:
        """Whether collective actions are in the model (some region holds them)."""
        return bool(self.collective_region.size)

    @property
    def n_collective_regions(self) -> int:
        """Regions that hold collective actions."""
        return int(self.collective_region.size)

    @property
    def collective_of_town(self) -> IntArray:
        """(n,) each town's position among the collective regions, -1 for a region without."""
        position = np.full(self.n_regions, -1, dtype=np.int64)
        position[self.collective_region] = np.arange(self.collective_region.size)
        return position[self.region_of_town]

    @property
    def may_attend(self) -> BoolArray:
        """(n,) towns that may attend collective actions this year: eligible, joined, in a
        region that holds them."""
        return self.eligible & self.joined & (self.collective_of_town >= 0)

    @property
    def n_joined(self) -> int:
        """Eligible towns that have joined the programme by this year."""
        return int(np.count_nonzero(self.joined))

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
        """Upper bound on posts per group: ceil(|g| / m_g)."""
        return -(-self.group_size // self.towns_per_post)

    @property
    def region_of_group(self) -> IntArray:
        """(G,) each group's majority region: the region of most of its towns.

        A group spanning two regions counts there for regional quotas of posts; a tie
        goes to the region listed first (the lower region code).
        """
        counts = np.zeros((self.n_groups, self.n_regions), dtype=np.int64)
        np.add.at(counts, (self.group_of_town, self.region_of_town), 1)
        return counts.argmax(axis=1).astype(np.int64)

    @property
    def region_post_cap(self) -> IntArray:
        """(R,) the most posts each region's groups can use: their max posts, summed."""
        return np.bincount(self.region_of_group, weights=self.max_posts,
                           minlength=self.n_regions).astype(np.int64)

    def posts_by_region(self, posts: FloatArray) -> FloatArray:
        """(R,) posts per region, each group's in its majority region."""
        return np.bincount(self.region_of_group, weights=posts,
                           minlength=self.n_regions).astype(np.float64)

    def posts_needed(self, covered: FloatArray) -> FloatArray:
        """Posts per group that coverage ``covered`` (per town) needs: ceil(covered / m_g).

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
        return penalty_weight(np.array([self.penalty_funding, self.penalty_days,
                                        self.penalty_towns]), self.fair_share)

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
        extra = band_extra(self.n_regions, self.balance_tolerance, self.fair_share,
                           self.cover_min_share * self.n_joined)
        if self.post_quota is not None:
            # Quota mode: the quota of posts replaces the band on covered towns, an
            # infinitely wide band (no rows in the model, nothing for the checker).
            extra[RESOURCES.index("towns")] = np.inf
        return extra

def band_extra(n_regions: int, tolerance: float, share: FloatArray, reference_towns: float
               ) -> FloatArray:
    """(3, R) absolute widening of each resource's balance band (funding, days, towns).

    ``reference_towns`` is the fewest covered towns any feasible allocation has (the
    coverage target); see :attr:`ModelInputs.balance_band_extra`.
    """
    extra = np.zeros((len(RESOURCES), n_regions))
    half_width = tolerance * share * reference_towns
    extra[RESOURCES.index("towns")] = np.maximum(0.0, 1.0 - half_width)
    return extra

def penalty_weight(penalties: FloatArray, share: FloatArray) -> FloatArray:
    """(3, R) soft-balance cost per unit outside the band: penalty x (1 / R) / fair share.

    A region with no fair share (no town has joined it yet) can receive nothing, so its
    deviation is always 0: its weight is 0 rather than an infinite coefficient.
    """
    average_share = 1.0 / len(share)
    safe = np.where(share > 0, share, 1.0)
    weight = penalties[:, None] * average_share / safe[None, :]
    return np.where(share[None, :] > 0, weight, 0.0)
