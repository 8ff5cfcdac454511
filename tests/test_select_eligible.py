"""Eligibility lists on top of every mode: ``include`` / ``exclude`` write into the mask.

pandas 3 hands out read-only arrays from ``Series.to_numpy()``: a mask taken from the
commune table without a copy made ``eligibility.exclude`` crash with "assignment
destination is read-only" in the official and rules modes (issue 10, item 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pvd_optim import load_scenario
from pvd_optim.assemble import load_table, prepare, select_eligible
from pvd_optim.cli import main
from pvd_optim.scoring_frame import score_table

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
#: Nogent-sur-Seine (official PVD town, kept by the rules) and Villenauxe-la-Grande.
NOGENT, VILLENAUXE = "10268", "10420"


@pytest.mark.parametrize("mode", ["official", "rules", "all"])
def test_exclude_and_include_in_every_mode(mode: str) -> None:
    plain = load_scenario(SCENARIOS / "national.yaml", {"eligibility.mode": mode})
    edited = load_scenario(
        SCENARIOS / "national.yaml",
        {"eligibility.mode": mode, "eligibility.exclude": [NOGENT],
         "eligibility.include": ["01001"]},
    )
    table, _ = load_table(plain)
    scores = score_table(table)
    before = select_eligible(plain, table, scores)
    after = select_eligible(edited, table, scores)
    at = table.index.get_indexer([NOGENT, "01001"])
    assert before[at[0]] and not after[at[0]]
    assert after[at[1]]
    changed = np.flatnonzero(before != after)
    assert set(changed) <= set(at)
    after[0] = not after[0]  # the mask is the caller's own array


def test_inputs_arrays_are_their_own() -> None:
    prepared = prepare(load_scenario(SCENARIOS / "toy.yaml"))
    assert prepared.inputs.population.flags.writeable
    assert prepared.eligible.flags.writeable


@pytest.mark.parametrize("scenario", ["national.yaml", "rules-based.yaml"])
def test_validate_with_exclude_from_the_command_line(
    scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", "-q", str(SCENARIOS / scenario), "--set",
                 f'eligibility.exclude=["{NOGENT}"]'])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "internal error" not in captured.err
