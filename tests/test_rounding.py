"""Written tables are rounded once and checked again with the tolerance rounding explains."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.check import Rounding, check_allocation
from pvd_optim.errors import VerificationError
from pvd_optim.inputs import AllocationArrays
from pvd_optim.output.rounding import decimals, for_planners, verify_rounded
from pvd_optim.output.writer import table_frames

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"


def test_each_kind_of_column_keeps_its_decimals() -> None:
    frame = pd.DataFrame({"funding_eur": [1.23456, -1e-12], "expert_days": [2.3456, -0.0],
                          "utilisation": [1.0000000000000089, 0.5], "posts": [2.0, 0.0],
                          "shadow_price_keur_eq_per_day": [0.1234567891, 0.0]})
    out = for_planners(frame)
    assert out["funding_eur"].tolist() == [1.23, 0.0]
    assert out["expert_days"].tolist() == [2.35, 0.0]
    assert out["utilisation"].tolist() == [1.0, 0.5]
    assert out["posts"].dtype.kind == "i" and out["posts"].tolist() == [2, 0]
    assert out["shadow_price_keur_eq_per_day"].tolist() == [0.123457, 0.0]
    assert not np.signbit(out["funding_eur"].to_numpy()).any()
    assert not np.signbit(out["expert_days"].to_numpy()).any()
    assert decimals("capacity_days") == 2 and decimals("need") == 6


def test_an_envelope_met_exactly_still_holds_once_rounded_up() -> None:
    """Four cells of 1.2351 EUR spend an envelope of 4.9404 EUR exactly. Written to the
    cent they read 1.24 EUR each, 4.96 EUR in all: 0.0196 EUR over the envelope, more
    than the checker's 1e-6 k EUR, less than the 4 x 0.005 EUR the rounding explains."""
    from tests.factories import random_inputs

    inputs = random_inputs(n_towns=2, n_themes=2, n_groups=2, n_regions=2, n_directorates=1,
                           envelope_keur=4 * 1.2351 / 1000, spend_min_share=0.0,
                           balance_mode="off", theme_floor=np.zeros(2), cover_min_share=0.0)
    written = np.round(np.full((2, 2), 1.2351), 2) / 1000
    arrays = AllocationArrays(written, np.zeros((2, 2)), np.ones(2), np.ones(2))
    assert not check_allocation(inputs, arrays, ["envelope"]).ok
    half_cent = Rounding(funding_keur=0.005 / 1000)
    assert check_allocation(inputs, arrays, ["envelope"], rounding=half_cent).ok
    # The allowance is no larger than the rounding explains: 3 cents over is refused.
    over = dataclasses.replace(arrays, funding_keur=written + 0.01 / 1000)
    assert not check_allocation(inputs, over, ["envelope"], rounding=half_cent).ok


def test_the_written_tables_are_checked_again() -> None:
    allocation = optimise(load_scenario(TOY))
    tables = table_frames(allocation)  # rounds and re-checks: passes
    town_theme = tables["allocation_town_theme"].copy()
    town_theme.loc[0, "funding_eur"] += 50_000  # a table that breaks the envelope
    with pytest.raises(VerificationError, match="rounded tables"):
        verify_rounded(allocation, town_theme, tables["allocation_town"])


def test_compare_markdown_shows_numbers_for_people() -> None:
    from pvd_optim.report.export import markdown

    frame = pd.DataFrame({"label": ["a"], "funding_eur": [25_800_000.0],
                          "covered_share": [0.9665856622114216], "posts": [900.0],
                          "expert_days": [19_999.999999999996]})
    text = markdown({"metrics": frame})
    assert "| a | 25,800,000 | 0.966586 | 900 | 20,000 |" in text
    assert "e+07" not in text
