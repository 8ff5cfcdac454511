"""Eligibility on the real embedded commune table: figures pinned to measured values.

If the embedded table is rebuilt from newer sources these figures move: re-measure
with ``by_rules(table, score_table(table).fragility, RulesSection()).summary()`` and
update them together with ``pvd_optim.data.eligibility.TUNING_NOTE`` and the README.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pvd_optim.data.eligibility import (
    REASONS,
    EligibilityResult,
    by_rules,
    official,
)
from pvd_optim.data.towns import load_communes
from pvd_optim.errors import InputError
from pvd_optim.scenario.schema import RulesSection
from pvd_optim.scoring_frame import score_table

DEFAULT_RULES = RulesSection()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_communes()


@pytest.fixture(scope="module")
def fragility(table: pd.DataFrame) -> np.ndarray:
    return score_table(table).fragility


@pytest.fixture(scope="module")
def result(table: pd.DataFrame, fragility: np.ndarray) -> EligibilityResult:
    return by_rules(table, fragility, DEFAULT_RULES)


def test_official_list(table):
    mask = official(table)
    assert mask.dtype == bool
    assert int(mask.sum()) == 1646
    assert mask.index.equals(table.index)


def test_rules_size_and_overlap_pinned(result):
    assert result.size == 1649
    assert result.overlap == 1080
    assert len(result.official_only) == 1646 - 1080
    assert len(result.rules_only) == 1649 - 1080
    assert result.share_of_official_kept == pytest.approx(1080 / 1646)
    assert result.share_of_rules_official == pytest.approx(1080 / 1649)
    assert "rules: 1,649 communes; official: 1,646; both: 1,080" in result.summary()


def test_rules_per_region_pinned(result):
    got = {
        code: tuple(int(v) for v in row)
        for code, row in zip(
            result.per_region.index,
            result.per_region[["rules", "official", "both"]].to_numpy(),
            strict=True,
        )
    }
    assert got == {
        "01": (14, 7, 1),
        "02": (8, 10, 3),
        "03": (0, 4, 0),
        "04": (7, 11, 7),
        "06": (1, 3, 0),
        "11": (24, 40, 16),
        "24": (97, 98, 70),
        "27": (148, 109, 85),
        "28": (113, 159, 99),
        "32": (160, 95, 72),
        "44": (215, 143, 112),
        "52": (84, 104, 62),
        "53": (74, 135, 62),
        "75": (234, 201, 156),
        "76": (205, 224, 153),
        "84": (200, 226, 136),
        "93": (50, 65, 37),
        "94": (15, 12, 9),
        "COM": (0, 0, 0),
    }
    assert result.per_region.loc["44", "region_name"] == "Grand Est"
    assert result.per_region[["rules", "official", "both"]].sum().tolist() == [1649, 1646, 1080]


def test_first_failing_reason_pinned(result):
    assert result.reason_counts().to_dict() == {
        "outside_programme_zone": 94,
        "population_above_max": 484,
        "population_below_min": 0,
        "large_urban_pole": 1398,
        "action_coeur_de_ville": 91,
        "not_among_largest_of_epci": 27167,
        "below_chef_lieu_rank": 0,
        "too_few_facilities": 1991,
        "no_secondary_school": 1495,
        "few_services_per_1000": 326,
        "not_fragile": 274,
        "eligible": 1649,
    }
    # Why official towns fall out: the known caveats (5 over 20,000, 24 in CU/METRO) first.
    among = result.reason_counts(among_official=True)
    assert among["population_above_max"] == 5
    assert among["large_urban_pole"] == 24
    assert among["action_coeur_de_ville"] == 0
    assert among["eligible"] == 1080
    assert int(among.sum()) == 1646


def test_reasons_are_consistent_with_mask(result, table):
    assert set(result.reason.cat.categories) == set(REASONS)
    np.testing.assert_array_equal(result.mask.to_numpy(), (result.reason == "eligible").to_numpy())
    kept = table[result.mask]
    assert (kept["population"] <= 20_000).all()
    assert not kept["acv"].any()
    assert not kept["epci_type"].isin(["METRO", "CU", "MET69"]).any()
    assert (result.fragility[result.mask] >= 0.35).all()


def test_fragility_is_the_one_passed(result, table, fragility):
    np.testing.assert_array_equal(result.fragility.to_numpy(), fragility)
    # As a Series indexed by INSEE code (in any order) or as an array: the same result.
    again = by_rules(table, result.fragility.iloc[::-1], DEFAULT_RULES)
    assert again.mask.equals(result.mask)
    assert by_rules(table, list(fragility), DEFAULT_RULES).mask.equals(result.mask)


def test_defaults_are_the_scenario_schema_defaults(table, result, fragility):
    """The rules section owns the defaults: the criteria used are exactly its fields."""
    assert {k: result.criteria[k] for k in RulesSection.model_fields} == DEFAULT_RULES.model_dump()
    assert by_rules(table, fragility, {}).mask.equals(result.mask)


def test_criteria_are_configurable(table, result):
    loose = by_rules(table, result.fragility, {"fragility_threshold": 0.0})
    assert loose.size > result.size
    assert set(result.mask.index[result.mask]) <= set(loose.mask.index[loose.mask])
    no_centrality = by_rules(
        table,
        result.fragility,
        RulesSection(
            top_n_in_epci=None,
            min_facility_types=0,
            require_secondary_school=False,
            min_services_per_1000=0.0,
            fragility_threshold=0.0,
        ),
    )
    # Only population, zone, urban-pole and ACV criteria remain.
    assert no_centrality.size == 34969 - 94 - 484 - 1398 - 91
    assert by_rules(table, result.fragility, {"exclude_acv": False}).size >= result.size
    assert result.criteria["top_n_in_epci"] == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rules": {"max_population": -1}}, "rules.max_population: The 'rules' parameter of "
         "by_rules is invalid: max_population: Input should be greater than 0"),
        ({"rules": {"fragility_threshold": 1.5}}, "by_rules is invalid: fragility_threshold"),
        ({"rules": {"max_pop": 1}}, "by_rules is invalid: max_pop"),
        ({"rules": "top5"}, "The 'rules' parameter of by_rules must be a RulesSection"),
        (
            {"rules": {"min_facility_types": 9}},
            "The 'min_facility_types' rule of by_rules must be at most 6",
        ),
        ({"min_rank_chef_lieu": -1}, "The 'min_rank_chef_lieu' parameter of by_rules must be"),
        ({"fragility": np.zeros(3)}, "must have one value per commune (34969)"),
        ({"fragility": "high"}, "must have one value per commune (34969)"),
        ({"fragility": pd.Series([0.5], index=["01001"])}, "lacks 34968 communes"),
    ],
)
def test_parameter_errors(table, result, kwargs, message):
    kwargs.setdefault("fragility", result.fragility)
    kwargs.setdefault("rules", DEFAULT_RULES)
    with pytest.raises(InputError) as info:
        by_rules(table, **kwargs)
    assert message in str(info.value)


def test_missing_column_is_named(table):
    with pytest.raises(InputError, match="by_rules needs column"):
        by_rules(table.drop(columns=["acv"]), np.zeros(len(table)), DEFAULT_RULES)


def test_data_layer_does_not_import_scoring():
    """Data sits below scoring: eligibility takes the fragility, it does not compute it."""
    import ast
    import inspect

    from pvd_optim.data import eligibility

    tree = ast.parse(inspect.getsource(eligibility))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert not {m for m in imported if m and m.startswith("pvd_optim.scoring")}, imported
