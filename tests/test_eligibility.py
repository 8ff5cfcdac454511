"""Eligibility on the real embedded commune table: figures pinned to measured values.

If the embedded table is rebuilt from newer sources these figures move: re-measure
with ``by_rules(load_communes()).summary()`` and update them together with
``pvd_optim.data.eligibility.TUNING_NOTE`` and the README.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pvd_optim.data.eligibility import (
    REASONS,
    Centrality,
    EligibilityResult,
    by_rules,
    official,
)
from pvd_optim.data.towns import load_communes
from pvd_optim.errors import InputError
from pvd_optim.scoring_frame import score_table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_communes()


@pytest.fixture(scope="module")
def result(table: pd.DataFrame) -> EligibilityResult:
    return by_rules(table)


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


def test_fragility_is_the_scoring_composite_over_all_communes(result, table):
    expected = score_table(table).fragility
    np.testing.assert_array_equal(result.fragility.to_numpy(), expected)
    # Passing it explicitly (Series or array) gives the same result.
    again = by_rules(table, result.fragility)
    assert again.mask.equals(result.mask)
    assert by_rules(table, expected).mask.equals(result.mask)


def test_criteria_are_configurable(table, result):
    loose = by_rules(table, result.fragility, fragility_threshold=0.0)
    assert loose.size > result.size
    assert set(result.mask.index[result.mask]) <= set(loose.mask.index[loose.mask])
    no_centrality = by_rules(
        table,
        result.fragility,
        centrality=Centrality(
            top_n_in_epci=None,
            min_facility_types=0,
            require_secondary_school=False,
            min_services_per_1000=0.0,
        ),
        fragility_threshold=0.0,
    )
    # Only population, zone, urban-pole and ACV criteria remain.
    assert no_centrality.size == 34969 - 94 - 484 - 1398 - 91
    assert by_rules(table, result.fragility, exclude_acv=False).size >= result.size
    assert result.criteria["centrality"]["top_n_in_epci"] == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_population": -1}, "The 'max_population' parameter of by_rules must be"),
        ({"fragility_threshold": 1.5}, "The 'fragility_threshold' parameter of by_rules"),
        ({"centrality": "top5"}, "The 'centrality' parameter of by_rules must be a Centrality"),
        (
            {"centrality": Centrality(min_facility_types=9)},
            "The 'centrality.min_facility_types' parameter of by_rules must be at most 6",
        ),
        ({"fragility": np.zeros(3)}, "must have one value per commune (34969)"),
    ],
)
def test_parameter_errors(table, result, kwargs, message):
    kwargs.setdefault("fragility", result.fragility)
    with pytest.raises(InputError) as info:
        by_rules(table, **kwargs)
    assert message in str(info.value)


def test_missing_column_is_named(table):
    with pytest.raises(InputError, match="by_rules needs column"):
        by_rules(table.drop(columns=["acv"]), np.zeros(len(table)))
