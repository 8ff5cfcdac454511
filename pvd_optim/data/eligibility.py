"""Which communes are programme towns: the official list, or a rule-based reconstruction.

Two modes:

* :func:`official` - the 1,646 communes of ANCT's published PVD list (``pvd``
  column of the commune table).
* :func:`by_rules` - the criteria of the programme's founding instruction
  (16 Oct 2019), made explicit and configurable: fewer than 20,000
  inhabitants, outside Action Cœur de Ville and outside large urban poles,
  real centrality functions, and several signs of fragility. The fragility
  index is :mod:`pvd_optim.scoring`'s composite normalised over *all* communes.

The rules are a transparent approximation, not the list: ANCT's selection was
made with prefects and local elected officials, and also admitted grouped
candidacies. Defaults were tuned on the embedded data (see :data:`TUNING_NOTE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CENTRALITY_FACILITIES",
    "REASONS",
    "TUNING_NOTE",
    "Centrality",
    "EligibilityResult",
    "by_rules",
    "official",
]

#: Facility counts (BPE 2024) whose presence marks a commune that serves its
#: surroundings: the "real centrality functions" of the instruction.
CENTRALITY_FACILITIES: tuple[str, ...] = (
    "post_offices",
    "general_practitioners",
    "pharmacies",
    "supermarkets",
    "secondary_schools",
    "bakeries",
)

#: Exclusion reasons, in the order criteria are checked (the first failing one
#: is reported), plus ``"eligible"``.
REASONS: tuple[str, ...] = (
    "outside_programme_zone",
    "population_above_max",
    "population_below_min",
    "large_urban_pole",
    "action_coeur_de_ville",
    "not_among_largest_of_epci",
    "below_chef_lieu_rank",
    "too_few_facilities",
    "no_secondary_school",
    "few_services_per_1000",
    "not_fragile",
    "eligible",
)

#: How the defaults of :func:`by_rules` were chosen.
TUNING_NOTE = (
    "Defaults tuned on the embedded commune table (COG 2026, 34,969 communes) by a grid "
    "over min_population {0, 1000}, top_n_in_epci {3, 5, 8, all}, min_facility_types "
    "{4, 5, 6}, secondary school required or not, min_services_per_1000 {0, 2, 2.5, 3, 3.5} "
    "and fragility_threshold {0.30 ... 0.50}, keeping sizes within 1,500-1,800 and "
    "maximising the F1 overlap with the official list. The optimum is flat (F1 0.64-0.66 "
    "for many settings); the chosen point gives 1,649 towns, 1,080 of them official."
)


@dataclass(frozen=True)
class Centrality:
    """Centrality criteria: all enabled conditions must hold.

    Attributes
    ----------
    top_n_in_epci:
        Keep communes among the ``n`` most populous of their intercommunality
        (ties share the better rank; communes without one count as first).
        ``None`` disables the condition.
    min_facility_types:
        Minimum number of ``facilities`` columns with at least one facility.
    facilities:
        Facility-count columns considered (default :data:`CENTRALITY_FACILITIES`).
    require_secondary_school:
        Require at least one secondary school (collège or lycée).
    min_services_per_1000:
        Minimum facilities per 1,000 inhabitants: a service hub for its
        surroundings has more than its own population needs.
    min_rank_chef_lieu:
        Minimum ``rank_chef_lieu`` (``None`` disables). Off by default: the
        embedded table has 0 for every commune (no source for it yet).
    """

    top_n_in_epci: int | None = 5
    min_facility_types: int = 4
    facilities: tuple[str, ...] = CENTRALITY_FACILITIES
    require_secondary_school: bool = True
    min_services_per_1000: float = 2.5
    min_rank_chef_lieu: int | None = None


@dataclass(frozen=True, eq=False)
class EligibilityResult:
    """Rule-based eligibility with its report; every Series is indexed like the table.

    Attributes
    ----------
    mask:
        True for communes meeting every criterion.
    reason:
        ``"eligible"`` or the first failing criterion (one of :data:`REASONS`).
    official:
        The official list (:func:`official`), for comparison.
    fragility:
        Fragility composite used (``[0, 1]``, normalised over all communes).
    criteria:
        The parameters used, for reports.
    per_region:
        One row per region (code; ``"COM"`` for overseas collectivities):
        ``region_name``, ``rules``, ``official``, ``both``.
    """

    mask: pd.Series
    reason: pd.Series
    official: pd.Series
    fragility: pd.Series
    criteria: Mapping[str, Any]
    per_region: pd.DataFrame = field(repr=False)

    @property
    def size(self) -> int:
        """Number of communes eligible by rules."""
        return int(self.mask.sum())

    @property
    def overlap(self) -> int:
        """Communes both eligible by rules and on the official list."""
        return int((self.mask & self.official).sum())

    @property
    def official_only(self) -> pd.Index:
        """INSEE codes on the official list that the rules exclude."""
        return self.mask.index[self.official.to_numpy() & ~self.mask.to_numpy()]

    @property
    def rules_only(self) -> pd.Index:
        """INSEE codes the rules keep that are not on the official list."""
        return self.mask.index[self.mask.to_numpy() & ~self.official.to_numpy()]

    @property
    def share_of_official_kept(self) -> float:
        """Overlap / official size: how much of the official list the rules recover."""
        return self.overlap / max(int(self.official.sum()), 1)

    @property
    def share_of_rules_official(self) -> float:
        """Overlap / rules size: how much of the rule-based list is official."""
        return self.overlap / max(self.size, 1)

    def reason_counts(self, *, among_official: bool = False) -> pd.Series:
        """Communes per reason (``among_official``: why official towns are excluded)."""
        reasons = self.reason[self.official] if among_official else self.reason
        return reasons.value_counts().reindex(list(REASONS), fill_value=0)

    def summary(self) -> str:
        """A few lines for logs and reports."""
        n_off = int(self.official.sum())
        return (
            f"rules: {self.size:,} communes; official: {n_off:,}; both: {self.overlap:,} "
            f"({self.share_of_official_kept:.1%} of official, "
            f"{self.share_of_rules_official:.1%} of rules); "
            f"official only: {len(self.official_only):,}; rules only: {len(self.rules_only):,}"
        )


def _require(table: pd.DataFrame, columns: Sequence[str], func: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"{func} needs column(s) {', '.join(missing)} of the commune table.",
            field=missing[0],
        )


def official(table: pd.DataFrame) -> pd.Series:
    """Boolean Series (indexed like ``table``): the communes on the official PVD list."""
    _require(table, ["pvd"], "official")
    return table["pvd"].fillna(False).astype(bool).rename("official")


def _check_int(name: str, value: object, *, minimum: int = 0, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        what = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise InputError(
            f"The {name!r} parameter of by_rules must be {what}. Got {value!r} instead."
        )


def _fragility_series(table: pd.DataFrame, fragility: object) -> pd.Series:
    import pandas as pd

    if fragility is None:
        from pvd_optim.scoring_frame import score_table

        values = score_table(table).fragility
        return pd.Series(values, index=table.index, name="fragility")
    if isinstance(fragility, pd.Series):
        aligned = fragility.reindex(table.index)
        if aligned.isna().any():
            raise InputError(
                f"The 'fragility' parameter of by_rules lacks {int(aligned.isna().sum())} "
                "communes of the table; score every commune (normalised over all of them).",
                field="fragility",
            )
        return aligned.astype(np.float64).rename("fragility")
    arr = np.asarray(fragility, dtype=np.float64)
    if arr.shape != (len(table),):
        raise InputError(
            f"The 'fragility' parameter of by_rules must have one value per commune "
            f"({len(table)}). Got shape {arr.shape} instead.",
            field="fragility",
        )
    return pd.Series(arr, index=table.index, name="fragility")


def by_rules(
    table: pd.DataFrame,
    fragility: pd.Series | np.ndarray | None = None,
    *,
    max_population: int = 20_000,
    min_population: int = 0,
    zones: Sequence[str] = ("metro", "drom"),
    excluded_epci_types: Sequence[str] = ("METRO", "CU", "MET69"),
    exclude_acv: bool = True,
    centrality: Centrality | None = None,
    fragility_threshold: float = 0.35,
) -> EligibilityResult:
    """Eligibility by explicit rules, checked in order; the first failing one is the reason.

    Parameters
    ----------
    table:
        The full commune table (``load_communes()``), indexed by INSEE code.
    fragility:
        Fragility composite per commune in ``[0, 1]`` (Series indexed by INSEE
        or array aligned with ``table``). Default: :mod:`pvd_optim.scoring`'s
        default composite, normalised over every row of ``table`` - so pass the
        full table, not a pre-filtered one.
    max_population, min_population:
        Population bounds (inclusive; ``population`` = populations légales).
    zones:
        Zones where the programme runs (the 94 communes of overseas
        collectivities, zone ``com``, are outside it).
    excluded_epci_types:
        Intercommunality types taken as large urban poles.
    exclude_acv:
        Exclude Action Cœur de Ville towns.
    centrality:
        :class:`Centrality` criteria (default ``Centrality()``).
    fragility_threshold:
        Minimum fragility composite.
    """
    import pandas as pd

    cent = Centrality() if centrality is None else centrality
    if not isinstance(cent, Centrality):
        raise InputError(
            f"The 'centrality' parameter of by_rules must be a Centrality. Got {cent!r} instead."
        )
    _check_int("max_population", max_population)
    _check_int("min_population", min_population)
    _check_int("centrality.top_n_in_epci", cent.top_n_in_epci, minimum=1, allow_none=True)
    _check_int("centrality.min_facility_types", cent.min_facility_types)
    _check_int("centrality.min_rank_chef_lieu", cent.min_rank_chef_lieu, allow_none=True)
    if cent.min_facility_types > len(cent.facilities):
        raise InputError(
            f"The 'centrality.min_facility_types' parameter of by_rules must be at most "
            f"{len(cent.facilities)} (the number of facility columns). "
            f"Got {cent.min_facility_types!r} instead."
        )
    if not 0.0 <= float(fragility_threshold) <= 1.0:
        raise InputError(
            "The 'fragility_threshold' parameter of by_rules must be in [0, 1]. "
            f"Got {fragility_threshold!r} instead."
        )
    needed = [
        "population",
        "zone",
        "epci_siren",
        "epci_type",
        "acv",
        "region",
        "region_name",
        "services_per_1000",
        "secondary_schools",
        *cent.facilities,
    ]
    if cent.min_rank_chef_lieu is not None:
        needed.append("rank_chef_lieu")
    _require(table, needed, "by_rules")

    frag = _fragility_series(table, fragility)
    pop = table["population"].to_numpy(dtype=np.float64, na_value=np.nan)

    def counts(col: str) -> np.ndarray:
        # BPE lists only communes with a facility: missing means none counted.
        return table[col].to_numpy(dtype=np.float64, na_value=0.0)

    # Rank by population inside each intercommunality; without one, a commune is its own pole.
    ranks = table["population"].groupby(table["epci_siren"]).rank(ascending=False, method="min")
    epci_rank = ranks.reindex(table.index).fillna(1.0).to_numpy()
    n_types = sum((counts(c) > 0).astype(int) for c in cent.facilities)

    true = np.ones(len(table), dtype=bool)
    checks: list[tuple[str, np.ndarray]] = [
        ("outside_programme_zone", table["zone"].isin(list(zones)).to_numpy()),
        ("population_above_max", pop <= max_population),
        ("population_below_min", pop >= min_population),
        (
            "large_urban_pole",
            ~table["epci_type"].isin(list(excluded_epci_types)).to_numpy(),
        ),
        (
            "action_coeur_de_ville",
            ~table["acv"].fillna(False).to_numpy(dtype=bool) if exclude_acv else true,
        ),
        (
            "not_among_largest_of_epci",
            epci_rank <= cent.top_n_in_epci if cent.top_n_in_epci is not None else true,
        ),
        (
            "below_chef_lieu_rank",
            (
                table["rank_chef_lieu"].to_numpy(dtype=np.float64, na_value=0.0)
                >= cent.min_rank_chef_lieu
                if cent.min_rank_chef_lieu is not None
                else true
            ),
        ),
        ("too_few_facilities", np.asarray(n_types) >= cent.min_facility_types),
        (
            "no_secondary_school",
            counts("secondary_schools") > 0 if cent.require_secondary_school else true,
        ),
        ("few_services_per_1000", counts("services_per_1000") >= cent.min_services_per_1000),
        ("not_fragile", frag.to_numpy() >= fragility_threshold),
    ]
    reason = np.full(len(table), "eligible", dtype=object)
    undecided = np.ones(len(table), dtype=bool)
    # Criteria are few; each step is vectorised over all communes.
    for name, passes in checks:
        fails = undecided & ~passes
        reason[fails] = name
        undecided &= passes
    mask = pd.Series(undecided, index=table.index, name="eligible")
    reason_s = pd.Series(
        pd.Categorical(reason, categories=list(REASONS)), index=table.index, name="reason"
    )
    off = official(table)

    region = table["region"].astype("object").where(table["region"].notna(), "COM")
    region_name = (
        table["region_name"]
        .astype("object")
        .where(table["region_name"].notna(), "Collectivités d'outre-mer")
    )
    frame = pd.DataFrame(
        {
            "region": region,
            "region_name": region_name,
            "rules": mask.to_numpy(),
            "official": off.to_numpy(),
            "both": (mask & off).to_numpy(),
        },
        index=table.index,
    )
    per_region = (
        frame.groupby(["region", "region_name"], sort=True)[["rules", "official", "both"]]
        .sum()
        .astype(int)
        .reset_index(level="region_name")
    )

    criteria: dict[str, Any] = {
        "max_population": max_population,
        "min_population": min_population,
        "zones": tuple(zones),
        "excluded_epci_types": tuple(excluded_epci_types),
        "exclude_acv": exclude_acv,
        "centrality": asdict(cent),
        "fragility_threshold": float(fragility_threshold),
    }
    return EligibilityResult(
        mask=mask,
        reason=reason_s,
        official=off,
        fragility=frag,
        criteria=criteria,
        per_region=per_region,
    )
