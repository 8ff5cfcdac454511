"""The sweep section: grids and draws read as written, every variant validated, errors located."""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim.errors import ScenarioError
from pvd_optim.scenario import load_scenario
from pvd_optim.sweep import load_sweep, sweep_of
from pvd_optim.sweep.variants import variant_id

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TOY = SCENARIOS / "toy.yaml"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"extends: {TOY}\nname: toy-sweep\n{body}")
    return path


def test_a_grid_is_every_combination_in_order_with_ranges_read_as_written(tmp_path: Path
                                                                           ) -> None:
    path = _write(tmp_path, """sweep:
  grid:
    resources.funding.envelope_eur: [60_000, 1.0e5]
    theme_floors_share.heritage: {start: 0.05, stop: 0.15, step: 0.05}
""")
    plan = load_sweep(path)
    assert [v.parameters for v in plan.variants] == [
        {"resources.funding.envelope_eur": e, "theme_floors_share.heritage": f}
        for e in (60_000, 1.0e5) for f in (0.05, 0.1, 0.15)]
    third = plan.variants[2].scenario
    # A scalar per-theme field expands to its mapping; the other theme keeps the base value.
    assert third.theme_floors_share == {"habitat": 0.0, "heritage": 0.15}
    assert third.resources.funding.envelope_eur == 60_000
    assert all(v.sample is None for v in plan.variants)


def test_ids_depend_only_on_the_parameters_and_the_draw() -> None:
    a = variant_id({"x.y": 25_800_000, "z": 0.15}, None)
    assert a == variant_id({"z": 0.15, "x.y": 2.58e7}, None)  # order and number form
    assert a != variant_id({"x.y": 25_800_000, "z": 0.15}, 0)
    assert a != variant_id({"x.y": 25_800_001, "z": 0.15}, None)
    assert len(a) == 12


def test_draws_are_reproducible_and_each_field_has_its_own_stream(tmp_path: Path) -> None:
    body = """sweep:
  monte_carlo:
    draws: 5
    seed: 3
    parameters:
      resources.expertise.capacity_days: {distribution: uniform, low: 5, high: 15}
"""
    one = load_sweep(_write(tmp_path, body))
    again = load_sweep(_write(tmp_path, body))
    assert [v.variant_id for v in one.variants] == [v.variant_id for v in again.variants]
    values = [v.parameters["resources.expertise.capacity_days"] for v in one.variants]
    assert len(set(values)) == 5 and all(5 <= x <= 15 for x in values)
    wider = load_sweep(_write(tmp_path, body + """      benefit.value_per_day_eur:
        {distribution: normal, mean: 1000, sd: 100, low: 900, decimals: 0}
"""))
    assert [v.parameters["resources.expertise.capacity_days"] for v in wider.variants] == values
    days = [v.parameters["benefit.value_per_day_eur"] for v in wider.variants]
    assert all(isinstance(d, int) and d >= 900 for d in days)
    assert [v.sample for v in wider.variants] == [0, 1, 2, 3, 4]


def test_relative_draws_multiply_the_base_value(tmp_path: Path) -> None:
    plan = load_sweep(_write(tmp_path, """sweep:
  monte_carlo:
    draws: 4
    seed: 1
    parameters:
      resources.funding.envelope_eur: {distribution: choice, values: [1, 2]}
      themes.definitions.habitat.housing_vacancy_pct:
        {distribution: uniform, low: 2, high: 3, relative: true}
"""))
    # The toy's habitat weight is 1.0; a factor in [2, 3] gives a weight in [2, 3].
    for v in plan.variants:
        weight = v.parameters["themes.definitions.habitat.housing_vacancy_pct"]
        assert 2 <= weight <= 3
        assert v.scenario.themes.definitions["habitat"]["housing_vacancy_pct"] == weight


def test_grid_and_draws_combine_every_point_with_every_draw(tmp_path: Path) -> None:
    plan = load_sweep(_write(tmp_path, """sweep:
  grid:
    resources.funding.envelope_eur: [60_000, 100_000]
  monte_carlo:
    draws: 3
    seed: 9
    parameters:
      resources.expertise.capacity_days: {distribution: triangular, low: 5, mode: 10, high: 15}
"""))
    assert len(plan.variants) == 6
    first = [v.parameters["resources.expertise.capacity_days"] for v in plan.variants[:3]]
    second = [v.parameters["resources.expertise.capacity_days"] for v in plan.variants[3:]]
    assert first == second  # the same draws at each grid point
    assert len({v.variant_id for v in plan.variants}) == 6


@pytest.mark.parametrize(("body", "line", "field", "words"), [
    ("sweep:\n  grid:\n    resources.funding.envelop_eur: [1, 2]\n", 5,
     "sweep.grid.resources.funding.envelop_eur", "did you mean `envelope_eur`"),
    ("sweep:\n  grid:\n    balance.tolerance_share: [0.1, 15]\n", 5,
     "sweep.grid.balance.tolerance_share", "value 15: must be <= 1"),
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: [1, 1.0]\n", 5,
     "sweep.grid.resources.funding.envelope_eur", "more than once"),
    ("sweep:\n  grid:\n    solver.threads: [1, 2]\n", 5, "sweep.grid.solver.threads",
     "one thread"),
    ("sweep:\n  grid:\n    resources.funding: [1]\n", 5, "sweep.grid.resources.funding",
     "must be a section"),
    ("sweep:\n  grids: {}\n", 4, "sweep.grids", "unknown field"),
    ("sweep:\n  monte_carlo:\n    draws: 2\n    seed: 1\n    parameters:\n"
     "      benefit.value_per_day_eur: {distribution: gamma}\n", 8,
     "sweep.monte_carlo.parameters.benefit.value_per_day_eur", "must be one of uniform"),
    ("sweep:\n  monte_carlo:\n    draws: 2\n    seed: 1\n    parameters:\n"
     "      benefit.value_per_day_eur: {distribution: uniform, low: 3, high: 1}\n", 8,
     "sweep.monte_carlo.parameters.benefit.value_per_day_eur", "low (3) must be below"),
    ("sweep:\n  monte_carlo:\n    draws: 2\n    seed: 1\n    parameters:\n"
     "      balance.mode: {distribution: uniform, low: 0.5, high: 1, relative: true}\n", 8,
     "sweep.monte_carlo.parameters.balance.mode", "not a number"),
    ("sweep:\n  report_metrics: [objectiv]\n", 4, "sweep.report_metrics", "unknown metric"),
    ("sweep: {}\n", 3, "sweep", "defines no variant"),
    # Each wrong grid axis or value gets its own message at its key (not the union's).
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: 5\n", 5,
     "sweep.grid.resources.funding.envelope_eur", "must be a list of values such as"),
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: [[1, 2]]\n", 5,
     "sweep.grid.resources.funding.envelope_eur.0", "values must be single values"),
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: [.nan]\n", 5,
     "sweep.grid.resources.funding.envelope_eur.0", "must be a finite number, got nan"),
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: []\n", 5,
     "sweep.grid.resources.funding.envelope_eur", "is empty"),
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: {start: 1, stop: 5, step: 0}\n",
     5, "sweep.grid.resources.funding.envelope_eur.step", "greater than 0"),
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: {start: 1, stop: 5}\n",
     5, "sweep.grid.resources.funding.envelope_eur.step", "required field is missing"),
    ("sweep:\n  grid:\n    resources.funding.envelope_eur: {start: 0, stop: 1e9, step: 1}\n",
     5, "sweep.grid.resources.funding.envelope_eur", "more than the limit"),
    ("sweep:\n  grid:\n    solver.highs_options.no_such_option: [1]\n", 5,
     "sweep.grid.solver.highs_options.no_such_option", "is not a HiGHS option"),
    ("sweep:\n  monte_carlo:\n    draws: 2\n    seed: 1\n    parameters:\n"
     "      balance.mode: {distribution: choice, values: [[1]]}\n", 8,
     "sweep.monte_carlo.parameters.balance.mode.values.0", "values must be single values"),
])
def test_errors_name_the_sweep_key_and_its_line(tmp_path: Path, body: str, line: int,
                                                field: str, words: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ScenarioError) as caught:
        load_sweep(path)
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), line, field), str(error)
    assert words in error.message


def test_a_base_solver_option_highs_would_refuse_is_refused_before_any_solve(
        tmp_path: Path) -> None:
    path = _write(tmp_path, "solver:\n  highs_options:\n    no_such_option: 1\n"
                            "sweep:\n  grid:\n    resources.funding.envelope_eur: [1, 2]\n")
    with pytest.raises(ScenarioError, match="is not a HiGHS option") as caught:
        load_sweep(path)
    assert (caught.value.line, caught.value.field) == (5, "solver.highs_options.no_such_option")


def test_a_scenario_without_a_sweep_section_is_refused_at_its_file() -> None:
    with pytest.raises(ScenarioError, match="has no `sweep:` section"):
        load_sweep(TOY)


def test_a_single_run_ignores_the_sweep_section(tmp_path: Path) -> None:
    path = _write(tmp_path, "sweep:\n  grid:\n    resources.funding.envelope_eur: [1, 2]\n")
    scenario = load_scenario(path)
    assert scenario.sweep is not None
    assert "sweep" not in scenario.model_dump(mode="json")


def test_a_sweep_from_python_and_its_threads(tmp_path: Path) -> None:
    base = load_scenario(TOY, {"solver.threads": 2})
    plan = sweep_of(base, {"grid": {"resources.funding.envelope_eur": [60_000]}})
    assert plan.base.solver.threads == 1 and plan.notes  # one thread per solve, said so
    assert plan.variants[0].scenario.solver.threads == 1


def test_the_shipped_sweeps_define_what_they_say() -> None:
    envelope = load_sweep(SCENARIOS / "sweep-envelope.yaml")
    assert len(envelope.variants) == 25
    assert {v.parameters["balance.tolerance_share"] for v in envelope.variants} == {
        0.05, 0.1, 0.15, 0.2, 0.25}
    weights = load_sweep(SCENARIOS / "sweep-weights.yaml")
    assert len(weights.variants) == 200
    assert all(key.startswith("themes.definitions.") for key in weights.keys)
