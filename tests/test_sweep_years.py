"""A sweep over a scenario of several programme years, and its metrics counted by hand.

The two-year toy of ``tests/test_programme_toy.py`` (2025 and 2026, one post's budget
in 2026 and two in 2025, 45,000 EUR a post): with posts that last to the end of the
horizon its optimum is 210, one post in each year; with posts that may end it is
266.5, two posts in 2025 and one in 2026 (both derived by hand there). Each variant of
the sweep must give what a run of the same scenario gives, and the engineering budget
used over the horizon is the post-years of every year over the horizon's budget:
90,000 / 135,000 and 135,000 / 135,000 EUR.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.analysis import metrics
from pvd_optim.sweep import run_sweep

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
SWEEP = f"""extends: {TOY}
name: toy-years-sweep
years: [2025, 2026]
resources:
  engineering:
    budget_eur: {{2025: 90_000, 2026: 45_000}}
sweep:
  grid:
    programme.persistence: [horizon, "off"]
"""
BY_HAND = {"horizon": (210.0, 90_000 / 135_000), "off": (266.5, 135_000 / 135_000)}


def test_a_sweep_of_a_programme_gives_each_variants_run(tmp_path: Path) -> None:
    path = tmp_path / "toy-years-sweep.yaml"
    path.write_text(SWEEP)
    table = run_sweep(path, out=tmp_path / "out", workers=1).table.set_index(
        "programme.persistence")
    for persistence, (objective, engineering_share) in BY_HAND.items():
        row = table.loc[persistence]
        assert row["status"] == "optimal"
        assert row["objective"] == pytest.approx(objective, abs=1e-6)
        assert row["engineering_used_share"] == pytest.approx(engineering_share, abs=1e-6)
        # The sweep's figures are those of a run of the same scenario (its tables are
        # rounded to 1e-6, as every written table).
        run = metrics(optimise(load_scenario(path, {"programme.persistence": persistence})))
        for key, value in run.items():
            assert row[key] == pytest.approx(value, rel=1e-6, abs=1e-6, nan_ok=True), key
