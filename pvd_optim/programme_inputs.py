"""From a scenario's years to the programme's inputs: one ``ModelInputs`` per year.

Every yearly figure in a scenario is for a full year. A year the programme runs
for a fraction ``rho`` of (``years[].running_share``) gets ``rho`` times each: its
envelope, Cerema capacity and budgets, its saturations, caps, day limit and floor,
a post's subsidy and a covered town's value (``docs/model.md#programme-years``).
A town can be covered and supported from the calendar year it joined
(``pvd_signed_at``), unless the scenario says otherwise; fair shares and coverage
targets count the towns that have joined by then.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import EUR_PER_UNIT, ModelInputs, ProgrammeInputs
from pvd_optim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.data.commitments import Commitments


def modal_signature_year(table: pd.DataFrame) -> int:
    """The calendar year most programme towns signed their convention in (2021)."""
    import pandas as pd

    official = table["pvd"].fillna(False).astype(bool).to_numpy()
    years = pd.to_numeric(table.loc[official, "pvd_signed_at"].astype("object").str.slice(0, 4),
                          errors="coerce").dropna().astype(int)
    return int(years.mode().min()) if len(years) else 0


def entry_years(scenario: Scenario, table: pd.DataFrame, codes: tuple[str, ...]) -> np.ndarray:
    """The calendar year each town (``codes``) may first be covered and supported."""
    import pandas as pd

    section = scenario.programme
    first = scenario.year_numbers[0]
    if section.entry == "first_year":
        entry = np.full(len(codes), first, dtype=np.int64)
    else:
        signed = table.loc[list(codes), "pvd_signed_at"].astype("object")
        year = pd.to_numeric(signed.str.slice(0, 4), errors="coerce")
        default = (section.entry_year_without_date if section.entry_year_without_date
                   is not None else modal_signature_year(table))
        entry = year.fillna(default).to_numpy(dtype=np.int64)
    if section.entry_year_by_town:
        position = {code: i for i, code in enumerate(codes)}
        unknown = sorted(set(section.entry_year_by_town) - set(position))
        if unknown:
            raise ScenarioError(Message(
                "INSEE code(s) {codes} are not eligible towns of this scenario; give entry years "
                "of eligible towns only", codes=str(unknown[:5])),
                **scenario.located("programme.entry_year_by_town"))
        for code, year_of in section.entry_year_by_town.items():
            entry[position[code]] = year_of
    return entry


def _basis(scenario: Scenario, template: ModelInputs) -> np.ndarray:
    """Each town's weight in the fair shares (the ``balance.basis``)."""
    # The model's need carries the convention's priority weight; the basis is the need.
    return {"towns": np.ones(template.n_towns), "population": template.population,
            "need": template.need.mean(axis=1) / template.priority_weight
            }[scenario.balance.basis]


def _shares(template: ModelInputs, weights: np.ndarray) -> np.ndarray:
    per_region = np.bincount(template.region_of_town, weights=weights,
                             minlength=template.n_regions)
    total = per_region.sum()
    return per_region / total if total > 0 else np.zeros(template.n_regions)


def _capacity_of_year(scenario: Scenario, template: ModelInputs, total_days: float
                      ) -> np.ndarray:
    from pvd_optim.expertise_inputs import capacity_by_directorate

    return capacity_by_directorate(scenario, template.directorate_of_town,
                                   template.directorate_names, total_days)


def programme_inputs(scenario: Scenario, table: pd.DataFrame, eligible: np.ndarray,
                     template: ModelInputs, commitments: Commitments | None = None
                     ) -> ModelInputs | ProgrammeInputs:
    """The model inputs of every year of ``scenario``: one year's, or a programme's.

    ``template`` is the first year's inputs at a full running share, with every town
    joined (``assemble._full_year``); ``commitments`` are placed in each year.
    """
    from pvd_optim.commitment_inputs import check_from_year, year_fields

    if commitments is not None:
        check_from_year(scenario, commitments)
    calendar = scenario.year_numbers
    running = scenario.running_shares
    resources = scenario.resources
    envelope = scenario.by_year(resources.funding.envelope_eur)
    capacity = scenario.by_year(resources.expertise.capacity_days)
    budget = scenario.by_year(resources.engineering.pooled_budget_eur)
    funders = resources.engineering.cofunders or {}
    funder_budgets = np.array([scenario.by_year(f.budget_eur) for f in funders.values()]
                              ).reshape(len(funders), len(calendar))
    entry = entry_years(scenario, table, template.town_codes)
    basis = _basis(scenario, template)
    rate = scenario.programme.discount_rate_share
    years: list[ModelInputs] = []
    horizon_weights = np.zeros(template.n_towns)
    for y, (year, rho) in enumerate(zip(calendar, running, strict=True)):
        joined = (entry <= year) & template.eligible
        share = template.fair_share if joined.all() else _shares(template, basis * joined)
        horizon_weights += rho * basis * joined
        inputs = _year(scenario, template, year, rho, envelope[y], capacity[y], budget[y],
                       funder_budgets[:, y], joined, share,
                       (1.0 + rate) ** -(year - calendar[0]))
        if commitments is not None:
            inputs = dataclasses.replace(inputs, **year_fields(scenario, commitments, template,
                                                               year, rho))
        years.append(inputs)
    if len(years) == 1:
        return years[0]
    funding, expertise = resources.funding, resources.expertise
    return ProgrammeInputs(
        tuple(years),
        persistence=scenario.programme.persistence,
        contract_years=scenario.programme.contract_years or 0,
        carry_over_cap_keur=np.array([funding.carry_over_share * y.envelope_keur
                                      for y in years]),
        spend_min_scope=funding.spend_min_scope,
        balance_scope=scenario.balance.scope,
        horizon_fair_share=_shares(template, horizon_weights),
        horizon_saturation_keur=_horizon_cap(funding.horizon_saturation_years,
                                             template.saturation_keur),
        horizon_saturation_days=_horizon_cap(expertise.horizon_saturation_years,
                                             template.saturation_days),
    )


def _horizon_cap(years_of_saturation: float | None, saturation: np.ndarray) -> np.ndarray:
    if years_of_saturation is None:
        return np.full(len(saturation), math.inf)
    return years_of_saturation * saturation


def _year(scenario: Scenario, template: ModelInputs, year: int, rho: float,
          envelope_eur: float, capacity_days: float, budget_eur: float,
          funder_budget_eur: np.ndarray, joined: np.ndarray, share: np.ndarray, weight: float
          ) -> ModelInputs:
    """One year's inputs: the full-year figures times the year's running share ``rho``."""
    capacity = _capacity_of_year(scenario, template, capacity_days)
    scaled: dict[str, Any]
    if rho == 1.0:
        scaled = {"capacity_days": capacity, "funder_budget_keur": funder_budget_eur / EUR_PER_UNIT}
    else:
        scaled = {
            "cap_keur": template.cap_keur * rho,
            "saturation_keur": template.saturation_keur * rho,
            "min_per_town_keur": template.min_per_town_keur * rho,
            "capacity_days": capacity * rho,
            "saturation_days": template.saturation_days * rho,
            "max_days_per_town": template.max_days_per_town * rho,
            "post_cost_keur": template.post_cost_keur * rho,
            "value_per_cover_keur": template.value_per_cover_keur * rho,
            "penalty_towns": template.penalty_towns * rho,
            "post_cost_anah_keur": template.post_cost_anah_keur * rho,
            "charged_cost_keur": (None if template.charged_cost_keur is None
                                  else template.charged_cost_keur * rho),
            "funder_cap_keur": template.funder_cap_keur * rho,
            "funder_budget_keur": funder_budget_eur * rho / EUR_PER_UNIT,
        }
    return dataclasses.replace(
        template, envelope_keur=envelope_eur * rho / EUR_PER_UNIT,
        engineering_budget_keur=budget_eur * rho / EUR_PER_UNIT, year=year, joined=joined,
        fair_share=share, running_share=rho, objective_weight=weight, **scaled)
