"""Which communes are programme towns: the official list, or a rule-based reconstruction.

Two modes:

* :func:`official` - the 1,646 communes of ANCT's published PVD list (``pvd``
  column of the commune table).
* :func:`by_rules` - the criteria of the programme's founding instruction
  (16 Oct 2019), made explicit and configurable: fewer than 20,000
  inhabitants, outside Action Cœur de Ville and outside large urban poles,
  real centrality functions, and several signs of fragility. The caller
  passes the fragility index (the scoring composite normalised over *all*
  communes: ``pvd_optim.scoring_frame.score_table(table).fragility``), so
  this data module does not depend on the scoring layer above it.

The rules are a transparent approximation, not the list: ANCT's selection was
made with prefects and local elected officials, and also admitted grouped
candidacies. The criteria and their defaults are owned by the scenario schema's
:class:`~pvd_optim.scenario.schema.RulesSection` (``eligibility.rules``); they
were tuned on the embedded data (see :data:`TUNING_NOTE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.scenario.schema import RulesSection

__all__ = [
    "CENTRALITY_FACILITIES",
    "PROGRAMME_ZONES",
    "REASONS",
    "TUNING_NOTE",
    "EligibilityResult",
    "by_rules",
    "official",
    "require_columns",
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

#: Zones where the programme runs: the 94 communes of overseas collectivities
#: (zone ``com``) are outside it.
PROGRAMME_ZONES: tuple[str, ...] = ("metro", "drom")

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
    "for many settings); the chosen point (the defaults of RulesSection) gives 1,649 "
    "towns, 1,080 of them official."
)


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
    passes:
        One boolean column per criterion of :data:`REASONS` (``eligible`` aside):
        whether each commune meets it, so that *every* criterion a commune fails
        can be told, not only the first.
    """

    mask: pd.Series
    reason: pd.Series
    official: pd.Series
    fragility: pd.Series
    criteria: Mapping[str, Any]
    per_region: pd.DataFrame = field(repr=False)
    passes: pd.DataFrame | None = field(default=None, repr=False)

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


def require_columns(table: pd.DataFrame, columns: Sequence[str], func: str) -> None:
    """Raise a located error when ``table`` lacks any of ``columns`` (``func`` needs them)."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            Message("{func} needs column(s) {columns} of the commune table.", func=func,
                    columns=", ".join(missing)),
            field=missing[0],
        )


def official(table: pd.DataFrame) -> pd.Series:
    """Boolean Series (indexed like ``table``): the communes on the official PVD list."""
    require_columns(table, ["pvd"], "official")
    return table["pvd"].fillna(False).astype(bool).rename("official")


def _check_int(name: str, value: object, *, minimum: int = 0, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        what = (Message("an integer >= {minimum} or None", minimum=minimum) if allow_none
                else Message("an integer >= {minimum}", minimum=minimum))
        raise InputError(
            Message("The {name} parameter of by_rules must be {what}. Got {value} instead.",
                    name=repr(name), what=what, value=repr(value))
        )


def _fragility_series(table: pd.DataFrame, fragility: object) -> pd.Series:
    import pandas as pd

    if isinstance(fragility, pd.Series):
        aligned = fragility.reindex(table.index)
        if aligned.isna().any():
            raise InputError(
                Message("The 'fragility' parameter of by_rules lacks {count} communes of the "
                        "table; score every commune (normalised over all of them).",
                        count=int(aligned.isna().sum())),
                field="fragility",
            )
        return aligned.astype(np.float64).rename("fragility")
    try:
        arr = np.asarray(fragility, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.empty(0)
    if arr.shape != (len(table),):
        raise InputError(
            Message("The 'fragility' parameter of by_rules must have one value per commune "
                    "({count}). Got shape {shape} instead.", count=len(table),
                    shape=str(arr.shape)),
            field="fragility",
        )
    return pd.Series(arr, index=table.index, name="fragility")


def _rules_section(rules: object) -> RulesSection:
    """``rules`` as the schema's validated section (the one owner of the criteria's defaults)."""
    import pydantic

    from pvd_optim.scenario.schema import RulesSection

    if isinstance(rules, RulesSection):
        return rules
    if not isinstance(rules, Mapping):
        raise InputError(
            Message("The 'rules' parameter of by_rules must be a RulesSection (the scenario's "
                    "eligibility.rules) or a mapping of its fields. Got {rules} instead.",
                    rules=repr(rules)),
            field="rules",
        )
    try:
        return RulesSection.model_validate(dict(rules))
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "rules"
        raise InputError(
            Message("The 'rules' parameter of by_rules is invalid: {where}: {problem}.",
                    where=where, problem=str(first["msg"])),
            field=f"rules.{where}",
        ) from None


def by_rules(
    table: pd.DataFrame,
    fragility: pd.Series | np.ndarray,
    rules: RulesSection | Mapping[str, Any],
    *,
    zones: Sequence[str] = PROGRAMME_ZONES,
    facilities: Sequence[str] = CENTRALITY_FACILITIES,
    min_rank_chef_lieu: int | None = None,
) -> EligibilityResult:
    """Eligibility by explicit rules, checked in order; the first failing one is the reason.

    Parameters
    ----------
    table:
        The full commune table (``load_communes()``), indexed by INSEE code.
    fragility:
        Fragility composite per commune in ``[0, 1]`` (Series indexed by INSEE
        or array aligned with ``table``), normalised over every row of the full
        table: ``pvd_optim.scoring_frame.score_table(table).fragility``.
    rules:
        The criteria: a :class:`~pvd_optim.scenario.schema.RulesSection` (the
        scenario's ``eligibility.rules``, which owns the defaults: pass
        ``RulesSection()`` for them) or a mapping of its fields, validated by it.
        Population bounds are inclusive; ``excluded_epci_types`` mark large urban
        poles; the centrality criteria are ``top_n_in_epci`` (ties share the
        better rank; communes without an intercommunality count as first),
        ``min_facility_types``, ``require_secondary_school`` and
        ``min_services_per_1000``.
    zones:
        Zones where the programme runs (default :data:`PROGRAMME_ZONES`).
    facilities:
        Facility-count columns whose presence counts towards
        ``min_facility_types`` (default :data:`CENTRALITY_FACILITIES`).
    min_rank_chef_lieu:
        Minimum ``rank_chef_lieu`` (``None`` disables). Off by default: the
        embedded table has 0 for every commune (no source for it yet).
    """
    import pandas as pd

    section = _rules_section(rules)
    facilities = tuple(facilities)
    _check_int("min_rank_chef_lieu", min_rank_chef_lieu, allow_none=True)
    if section.min_facility_types > len(facilities):
        raise InputError(
            Message("The 'min_facility_types' rule of by_rules must be at most {count} (the "
                    "number of facility columns). Got {value} instead.", count=len(facilities),
                    value=repr(section.min_facility_types)),
            field="rules.min_facility_types",
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
        *facilities,
    ]
    if min_rank_chef_lieu is not None:
        needed.append("rank_chef_lieu")
    require_columns(table, needed, "by_rules")

    frag = _fragility_series(table, fragility)
    pop = table["population"].to_numpy(dtype=np.float64, na_value=np.nan)

    def counts(col: str) -> np.ndarray:
        # BPE lists only communes with a facility: missing means none counted.
        return table[col].to_numpy(dtype=np.float64, na_value=0.0)

    # Rank by population inside each intercommunality; without one, a commune is its own pole.
    ranks = table["population"].groupby(table["epci_siren"]).rank(ascending=False, method="min")
    epci_rank = ranks.reindex(table.index).fillna(1.0).to_numpy()
    n_types = sum((counts(c) > 0).astype(int) for c in facilities)

    true = np.ones(len(table), dtype=bool)
    checks: list[tuple[str, np.ndarray]] = [
        ("outside_programme_zone", table["zone"].isin(list(zones)).to_numpy()),
        ("population_above_max", pop <= section.max_population),
        ("population_below_min", pop >= section.min_population),
        (
            "large_urban_pole",
            ~table["epci_type"].isin(list(section.excluded_epci_types)).to_numpy(),
        ),
        (
            "action_coeur_de_ville",
            ~table["acv"].fillna(False).to_numpy(dtype=bool) if section.exclude_acv else true,
        ),
        (
            "not_among_largest_of_epci",
            epci_rank <= section.top_n_in_epci if section.top_n_in_epci is not None else true,
        ),
        (
            "below_chef_lieu_rank",
            (
                table["rank_chef_lieu"].to_numpy(dtype=np.float64, na_value=0.0)
                >= min_rank_chef_lieu
                if min_rank_chef_lieu is not None
                else true
            ),
        ),
        ("too_few_facilities", np.asarray(n_types) >= section.min_facility_types),
        (
            "no_secondary_school",
            counts("secondary_schools") > 0 if section.require_secondary_school else true,
        ),
        (
            "few_services_per_1000",
            counts("services_per_1000") >= section.min_services_per_1000,
        ),
        ("not_fragile", frag.to_numpy() >= section.fragility_threshold),
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
        **section.model_dump(),
        "zones": tuple(zones),
        "facilities": facilities,
        "min_rank_chef_lieu": min_rank_chef_lieu,
    }
    return EligibilityResult(
        mask=mask,
        reason=reason_s,
        official=off,
        fragility=frag,
        criteria=criteria,
        per_region=per_region,
        passes=pd.DataFrame(dict(checks), index=table.index),
    )

