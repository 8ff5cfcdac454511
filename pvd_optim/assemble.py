"""From a ``Scenario`` to the model's ``ModelInputs``: towns, scores, eligibility, resources.

This is the data side of the pipeline: it reads the embedded town table once,
applies the planner's CSVs, scores every commune (so a town's score never
depends on which others are eligible), selects the eligible towns and converts
every resource to model units. Problems are reported as ``ScenarioError`` or
``DataError`` naming the field or the towns and how to fix them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.cofunding_inputs import cofunding_fields
from pvd_optim.convention_inputs import convention_fields
from pvd_optim.errors import ScenarioError
from pvd_optim.expertise_inputs import capacity_by_directorate, directorates
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import EUR_PER_UNIT, ModelInputs, ProgrammeInputs, as_programme
from pvd_optim.quota_inputs import band_mode, with_post_quota
from pvd_optim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.data.commitments import Commitments
    from pvd_optim.scoring import Scores

#: Identity columns carried into results next to each town.
TOWN_INFO_COLUMNS = (
    "name", "department", "region", "region_name", "population", "epci_siren", "epci_name",
    "epci_type", "pvd", "pvd_group_2021",
)


@dataclass(frozen=True, eq=False)
class Prepared:
    """Everything computed before the model: the table, scores, eligible rows, inputs."""

    table: pd.DataFrame  # every commune, indexed by INSEE code
    scores: Scores  # for every commune, in table order
    eligible: np.ndarray  # boolean mask over the table
    inputs: ModelInputs | ProgrammeInputs  # one year's problem, or a programme of years
    imputed: pd.DataFrame | None  # per-cell imputation flags, when imputation ran
    commitments: Commitments | None = None  # what was already decided

    @property
    def programme(self) -> ProgrammeInputs:
        """The problem as a programme (a one-year scenario: a programme of its year)."""
        return as_programme(self.inputs)

    def towns_frame(self) -> pd.DataFrame:
        """Eligible towns with identity columns, need per theme and fragility."""
        import pandas as pd

        inputs = self.programme.first
        sub = self.table.loc[list(inputs.town_codes), list(TOWN_INFO_COLUMNS)].copy()
        weight = inputs.priority_weight  # the model's need is weighted: show the need
        need = pd.DataFrame(
            inputs.need / weight[:, None], index=sub.index,
            columns=[f"need_{t}" for t in inputs.themes],
        )
        sub["fragility"] = inputs.fragility / weight
        sub["directorate"] = [inputs.directorate_names[d] for d in inputs.directorate_of_town]
        sub["group"] = [inputs.group_labels[g] for g in inputs.group_of_town]
        return pd.concat([sub, need], axis=1)


def load_table(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The commune table with the planner's CSVs applied and, if asked, imputation."""
    from pvd_optim.data import towns

    table = towns.load_communes()
    for csv in scenario.data.planner_indicators:
        table = towns.apply_planner_indicators(table, csv)
    imputed = None
    if scenario.data.imputation != "none":
        columns = [c for c in _indicators_used(scenario) if c in table.columns]
        table, imputed = towns.impute(table, columns, method=scenario.data.imputation)
    return table, imputed


def _indicators_used(scenario: Scenario) -> list[str]:
    names: dict[str, None] = {}
    for weights in scenario.themes.definitions.values():
        names.update(dict.fromkeys(weights))
    names.update(dict.fromkeys(scenario.themes.fragility))
    return list(names)


def score(scenario: Scenario, table: pd.DataFrame) -> Scores:
    """Need per theme and fragility for every commune of ``table``, per the themes section."""
    from pvd_optim.errors import InputError
    from pvd_optim.scoring_frame import score_table

    themes = scenario.themes
    try:
        return score_table(
            table,
            themes=themes.definitions,
            fragility=themes.fragility,
            directions=themes.directions,
            targets=themes.targets,
            method=themes.normalisation,
            nan_policy=themes.nan_policy,
        )
    except InputError as exc:
        # Errors about one setting name it as a scenario path; the others are located
        # at the themes section as a whole.
        field = exc.field or ""
        if field.startswith("themes."):
            raise ScenarioError(exc.message, **scenario.located(field)) from None
        raise ScenarioError(str(exc), **scenario.located("themes")) from None


def select_eligible(scenario: Scenario, table: pd.DataFrame, scores: Scores) -> np.ndarray:
    """Boolean mask of the eligible communes, per the scenario's eligibility section."""
    import pandas as pd

    section = scenario.eligibility
    in_region = table["region"].notna().to_numpy()
    if section.mode in ("official", "rules"):
        from pvd_optim.data import eligibility
    # The mask is written into below (include / exclude): always an array of its own,
    # never a view of pandas data, which pandas 3 hands out read-only.
    if section.mode == "official":
        mask = eligibility.official(table).to_numpy(dtype=bool, copy=True)
    elif section.mode == "rules":
        result = eligibility.by_rules(table, scores.fragility, section.rules)
        mask = result.mask.to_numpy(dtype=bool, copy=True)
    elif section.mode == "all":
        mask = in_region.copy()
    else:  # listed
        mask = np.zeros(len(table), dtype=bool)
    codes = table.index
    for label, listed, value in (("include", section.include, True),
                                 ("exclude", section.exclude, False)):
        if not listed:
            continue
        unknown = [code for code in listed if code not in codes]
        if unknown:
            raise ScenarioError(
                Message("INSEE code(s) {codes} are not current communes; use 5-character codes "
                        "from the 2026 register (e.g. '01033')", codes=str(unknown[:5])),
                **scenario.located(f"eligibility.{label}"),
            )
        mask[codes.get_indexer(pd.Index(list(listed)))] = value
    convention = scenario.convention
    if convention.ort_required:  # a condition on every town, listed ones too
        from pvd_optim.data.ort_condition import ort_reasons

        mask &= ort_reasons(table, signed_by=convention.require_ort_signed_by).eq("").to_numpy()
    no_region = mask & ~in_region
    if no_region.any():
        names = table.index[no_region][:5].tolist()
        raise ScenarioError(
            Message("{count} eligible commune(s) {names} belong to an overseas collectivity with "
                    "no region, directorate or intercommunality; exclude them",
                    count=int(no_region.sum()), names=str(names)),
            **scenario.located("eligibility"),
        )
    if not mask.any():
        raise ScenarioError(
            Message("no town is eligible; widen the eligibility rules or list towns in "
                    "eligibility.include{ort}",
                    ort=Message(" (convention.require_ort keeps only towns with an ORT)")
                    if convention.ort_required else ""),
            **scenario.located("eligibility"),
        )
    return mask


def _per_theme(value: float | dict[str, float], themes: tuple[str, ...], default: float
               ) -> np.ndarray:
    if isinstance(value, dict):
        return np.array([float(value.get(t, default)) for t in themes])
    return np.full(len(themes), float(value))


def _groups(scenario: Scenario, towns: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    column = ("epci_siren" if scenario.resources.engineering.grouping == "intercommunality"
              else "pvd_group_2021")
    own = "town-" + towns.index.to_series()
    labels = towns[column].astype("object").where(towns[column].notna(), own.to_numpy())
    names, codes = np.unique(labels.astype(str).to_numpy(), return_inverse=True)
    return codes.astype(np.int64), tuple(names.tolist())


def build_inputs(
    scenario: Scenario, table: pd.DataFrame, scores: Scores, eligible: np.ndarray,
    commitments: Commitments | None = None,
) -> ModelInputs | ProgrammeInputs:
    """Convert the eligible towns and the scenario's resources into model inputs.

    One model year gives its ``ModelInputs``; several give a ``ProgrammeInputs``
    (``pvd_optim.programme_inputs``), one ``ModelInputs`` per year. A committed town
    that is no longer eligible is in the model too, for its commitments only.
    """
    from pvd_optim.commitment_inputs import committed_towns
    from pvd_optim.programme_inputs import programme_inputs

    model = eligible
    kept = committed_towns(commitments)
    if kept:
        model = eligible | table.index.isin(kept)
        homeless = model & table["region"].isna().to_numpy()
        if homeless.any():
            raise ScenarioError(
                Message("committed town(s) {codes} belong to no region of the model (an "
                        "overseas collectivity); remove their commitments",
                        codes=str(table.index[homeless][:5].tolist())),
                **scenario.located("commitments"))
    from pvd_optim.collective_inputs import with_collective

    template = with_collective(scenario, with_post_quota(scenario, _full_year(
        scenario, table, scores, model, eligible[model])))
    from pvd_optim.prefect_inputs import attach_prefects

    return attach_prefects(scenario, table,
                           programme_inputs(scenario, table, model, template, commitments))


def _full_year(
    scenario: Scenario, table: pd.DataFrame, scores: Scores, model: np.ndarray,
    eligible: np.ndarray,
) -> ModelInputs:
    """The first year's inputs at a full year's running share, before entry years apply.

    ``model`` selects the model's towns in the table; ``eligible`` (over them) those that
    compete for resources (the others are kept for their commitments).
    """
    towns = table.loc[model]
    need = scores.need[model]
    fragility = scores.fragility[model]
    region_codes, region_of_town = np.unique(towns["region"].astype(str).to_numpy(),
                                             return_inverse=True)
    region_name_of = dict(zip(towns["region"].astype(str), towns["region_name"].astype(str),
                              strict=False))
    directorate_of_town, directorate_names = directorates(scenario, towns)
    group_of_town, group_labels = _groups(scenario, towns)
    # Arrays handed to the model are its own (copies), never views of pandas data:
    # those are read-only under pandas 3 and writable under pandas 2.
    population = towns["population"].to_numpy(dtype=np.float64, na_value=0.0, copy=True)

    res = scenario.resources
    funding, expertise, engineering = res.funding, res.expertise, res.engineering
    cap_eur = np.minimum(funding.cap_per_town_eur, funding.cap_per_inhabitant_eur * population)
    themes = scenario.theme_names

    basis = scenario.balance.basis
    weights = {"towns": np.ones(len(towns)), "population": population,
               "need": need.mean(axis=1)}[basis]
    if not eligible.all():
        weights = weights * eligible  # a town kept for its commitments has no fair share
    per_region = np.bincount(region_of_town, weights=weights, minlength=len(region_codes))
    if per_region.sum() <= 0:
        raise ScenarioError(Message("balance basis {basis} sums to 0 over the eligible towns; "
                                    "choose another basis", basis=repr(basis)),
                            **scenario.located("balance.basis"))
    benefit = scenario.benefit
    convention = convention_fields(scenario, towns)
    weight = convention["priority_weight"]  # the benefit of a town with an ORT, weighted
    return ModelInputs(
        town_codes=tuple(towns.index.astype(str)),
        town_names=tuple(towns["name"].astype(str)),
        population=np.asarray(population, dtype=np.float64),
        themes=themes,
        need=np.ascontiguousarray(need * weight[:, None], dtype=np.float64),
        fragility=np.ascontiguousarray(fragility * weight, dtype=np.float64),
        region_of_town=region_of_town.astype(np.int64),
        region_codes=tuple(region_codes.tolist()),
        region_names=tuple(region_name_of[c] for c in region_codes),
        directorate_of_town=directorate_of_town,
        directorate_names=directorate_names,
        group_of_town=group_of_town,
        group_labels=group_labels,
        envelope_keur=scenario.by_year(funding.envelope_eur)[0] / EUR_PER_UNIT,
        cap_keur=cap_eur / EUR_PER_UNIT,
        saturation_keur=_per_theme(funding.saturation_per_theme_eur, themes, 0.0) / EUR_PER_UNIT,
        min_per_town_keur=funding.min_per_covered_town_eur / EUR_PER_UNIT,
        spend_min_share=funding.spend_min_share,
        capacity_days=capacity_by_directorate(scenario, directorate_of_town, directorate_names,
                                scenario.by_year(expertise.capacity_days)[0]),
        saturation_days=_per_theme(expertise.saturation_per_theme_days, themes, 0.0),
        max_days_per_town=expertise.max_days_per_town,
        post_cost_keur=engineering.subsidy_eur() / EUR_PER_UNIT,
        engineering_budget_keur=scenario.by_year(engineering.pooled_budget_eur)[0]
        / EUR_PER_UNIT,
        towns_per_post=engineering.towns_per_post_of(
            np.bincount(group_of_town, minlength=len(group_labels))),
        cover_min_share=engineering.cover_min_share,
        segment_widths=np.asarray(benefit.segment_widths_share, dtype=np.float64),
        slopes=np.asarray(benefit.slopes, dtype=np.float64),
        value_per_day_keur=benefit.value_per_day_eur / EUR_PER_UNIT,
        value_per_cover_keur=benefit.value_per_covered_town_eur / EUR_PER_UNIT,
        balance_mode=band_mode(scenario),
        balance_tolerance=scenario.balance.tolerance_share,
        fair_share=per_region / per_region.sum(),
        penalty_funding=scenario.balance.penalties.funding_per_keur,
        penalty_days=scenario.balance.penalties.days * benefit.value_per_day_eur / EUR_PER_UNIT,
        penalty_towns=(scenario.balance.penalties.towns
                       * benefit.value_per_covered_town_eur / EUR_PER_UNIT),
        theme_floor=np.array([scenario.floor_by_theme()[t] for t in themes]),
        relax_integers=scenario.solver.relax_integers,
        eligible=np.asarray(eligible, dtype=bool).copy(),
        **cofunding_fields(scenario, table, towns, group_of_town, len(group_labels)),
        **convention,
    )


def apply_score_file(scenario: Scenario, table: pd.DataFrame, scores: Scores,
                     path: Path) -> Scores:
    """Replace computed scores by a planner's own (``themes.scores_csv``).

    The CSV (checked by :func:`pvd_optim.data.score_file.read_score_file`) has a
    column ``insee``, a column ``fragility`` and one column ``need_<theme>`` per
    theme, all in [0, 1]. Communes it lists get these scores; the others keep the
    computed ones, so the file may cover only eligible towns.
    """
    import dataclasses

    from pvd_optim.data.score_file import read_score_file

    given = read_score_file(path, themes=scenario.theme_names, known_codes=table.index)
    rows = table.index.get_indexer(given.values.index)
    values = given.values.to_numpy(dtype=np.float64)
    need = scores.need.copy()
    fragility = scores.fragility.copy()
    fragility[rows] = values[:, 0]
    need[rows] = values[:, 1:]
    return dataclasses.replace(scores, need=need, fragility=fragility)


def prepare(scenario: Scenario, commitments: Commitments | None = None) -> Prepared:
    """Load, score and select: everything the model needs for ``scenario``.

    ``commitments`` are those of an earlier results folder
    (``pvd_optim.output.commitments_from_results``); a scenario's CSV of commitments is
    read here.
    """
    from pvd_optim.commitment_inputs import scenario_commitments

    table, imputed = load_table(scenario)
    scores = score(scenario, table)
    if scenario.themes.scores_csv is not None:
        scores = apply_score_file(scenario, table, scores, scenario.themes.scores_csv)
    eligible = select_eligible(scenario, table, scores)
    commitments = scenario_commitments(scenario, table, commitments)
    inputs = build_inputs(scenario, table, scores, eligible, commitments)
    return Prepared(table, scores, eligible, inputs, imputed, commitments)


__all__ = ["TOWN_INFO_COLUMNS", "Prepared", "apply_score_file", "build_inputs", "load_table",
           "prepare", "select_eligible"]
