"""Why a commune is not among a scenario's towns: its list, or every criterion it fails.

In ``official`` mode a commune is out because it is not on ANCT's list; in
``listed`` mode because the scenario does not list it; in ``all`` mode because
it belongs to no region; an ``eligibility.exclude`` entry removes it in any
mode. In ``rules`` mode *every* criterion of the programme's rules that it
fails is given with its figures (:func:`pvd_optim.data.eligibility.by_rules`,
its ``passes`` table), not only the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pvd_optim.data.eligibility import CENTRALITY_FACILITIES, REASONS

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.scenario.schema import Scenario


@dataclass(frozen=True)
class Exclusion:
    """A commune left out: the scenario's eligibility mode and each reason with its figures."""

    insee: str
    name: str
    department: str
    population: int
    mode: str
    reasons: tuple[tuple[str, dict[str, float | str]], ...] = field(default_factory=tuple)


def _population(table: pd.DataFrame, insee: str) -> int:
    return int(table["population"].to_numpy(dtype=float, na_value=0.0)[
        table.index.get_loc(insee)])


def _criterion_values(table: pd.DataFrame, insee: str, fragility: float,
                      scenario: Scenario) -> dict[str, dict[str, float | str]]:
    rules = scenario.eligibility.rules
    row = table.loc[insee]
    population = _population(table, insee)
    rank = 1  # without an intercommunality, a commune is its own pole
    if isinstance(row["epci_siren"], str):
        same_epci = table.loc[table["epci_siren"] == row["epci_siren"], "population"]
        rank = int((same_epci > population).sum() + 1)
    kinds = sum(1 for column in CENTRALITY_FACILITIES if float(row[column] or 0) > 0)
    return {
        "population_above_max": {"population": population,
                                 "max_population": rules.max_population},
        "population_below_min": {"population": population,
                                 "min_population": rules.min_population},
        "large_urban_pole": {"epci_name": str(row["epci_name"]),
                             "epci_type": str(row["epci_type"])},
        "not_among_largest_of_epci": {"top_n": rules.top_n_in_epci or 0, "rank": rank},
        "below_chef_lieu_rank": {"min_rank": "-"},
        "too_few_facilities": {"count": kinds, "minimum": rules.min_facility_types},
        "few_services_per_1000": {"services": float(row["services_per_1000"] or 0.0),
                                  "minimum": float(rules.min_services_per_1000)},
        "not_fragile": {"fragility": round(fragility, 3),
                        "threshold": float(rules.fragility_threshold)},
    }


def _ort_reason(scenario: Scenario, table: pd.DataFrame, insee: str
                ) -> tuple[tuple[str, dict[str, float | str]], ...]:
    """The scenario's ORT condition (``convention``), if the commune fails it."""
    from pvd_optim.data.ort_condition import ort_reasons

    convention = scenario.convention
    if not convention.ort_required:
        return ()
    signed_by = convention.require_ort_signed_by
    reason = str(ort_reasons(table.loc[[insee]], signed_by=signed_by).iloc[0])
    if not reason:
        return ()
    signed = table.at[insee, "ort_signed_at"]
    return ((reason, {"signed_by": str(signed_by or ""),
                      "signed_at": str(signed) if isinstance(signed, str) else ""}),)


def why_not_eligible(scenario: Scenario, insee: str) -> Exclusion:
    """Why commune ``insee`` is not among ``scenario``'s towns."""
    from pvd_optim.assemble import load_table
    from pvd_optim.data import eligibility

    section = scenario.eligibility
    table, _ = load_table(scenario)
    row = table.loc[insee]

    ort = _ort_reason(scenario, table, insee)

    def exclusion(*reasons: tuple[str, dict[str, float | str]]) -> Exclusion:
        return Exclusion(insee, str(row["name"]), str(row["department"]),
                         _population(table, insee), section.mode, (*ort, *reasons))

    if insee in section.exclude:
        return exclusion(("excluded_by_list", {}))
    if section.mode == "official":
        on_list = bool(row["pvd"])
        return exclusion(*(() if on_list and ort else (("not_official", {}),)))
    if section.mode == "listed":
        return exclusion(*(() if insee in section.include and ort else (("not_listed", {}),)))
    if section.mode == "all" or not isinstance(row["region"], str):
        in_region = isinstance(row["region"], str)
        return exclusion(*(() if in_region and ort else (("outside_regions", {}),)))
    from pvd_optim.assemble import prepare

    prepared = prepare(scenario)
    result = eligibility.by_rules(prepared.table, prepared.scores.fragility, section.rules)
    assert result.passes is not None
    passes = result.passes.loc[insee]
    fragility = float(result.fragility.loc[insee])
    values = _criterion_values(prepared.table, insee, fragility, scenario)
    return exclusion(*((name, values.get(name, {})) for name in REASONS
                       if name != "eligible" and not bool(passes[name])))
