"""One variant's work: only what it changes, the same answer whatever was solved before."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pvd_optim.assemble import prepare
from pvd_optim.model import build_program
from pvd_optim.model.warm import StartingPoint, same_matrix, solve_from, start_is_feasible
from pvd_optim.scenario import load_scenario, with_overrides
from pvd_optim.sweep import sweep_of, work
from pvd_optim.sweep.work import evaluate, prepare_reusing, solve_base, town_figures

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"


def _same_inputs(a: object, b: object) -> None:
    for field in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert x == y, field.name


@pytest.mark.parametrize("overrides", [
    {},
    {"resources.funding.envelope_eur": 70_000},
    {"themes.definitions.habitat.housing_vacancy_pct": 3.0},
    {"eligibility.include": ["10268", "10420"]},
    {"data.imputation": "department_median"},
])
def test_reused_preparation_gives_the_inputs_of_prepare(overrides: dict[str, object]) -> None:
    base = load_scenario(TOY)
    prepare_reusing(base)  # fills this process's stores with the base's data
    variant = with_overrides(base, overrides) if overrides else base
    reused, _ = prepare_reusing(variant)
    _same_inputs(reused.inputs, prepare(variant).inputs)


def test_scoring_runs_again_only_when_the_themes_or_data_change() -> None:
    base = load_scenario(TOY, {"benefit.value_per_day_eur": 1_001})  # a key of its own
    prepare_reusing(base)
    assert prepare_reusing(with_overrides(base, {"resources.funding.envelope_eur": 1}))[1]
    assert not prepare_reusing(with_overrides(
        base, {"themes.definitions.heritage.monuments": 2.5}))[1]


def _tasks(grid: dict[str, list[object]]) -> tuple[object, list[object]]:
    plan = sweep_of(load_scenario(TOY), {"grid": grid})
    return plan.base_task(), [plan.task(v) for v in plan.variants]


def test_bounds_only_variants_re_solve_the_base_model_and_start_from_its_optimum() -> None:
    base_task, tasks = _tasks({"resources.funding.envelope_eur": [80_000, 120_000]})
    base = solve_base(base_task)  # type: ignore[arg-type]
    assert base.record["status"] == "optimal" and base.record["work"]["model"] == "base"
    cut, wider = (evaluate(t, base) for t in tasks)  # type: ignore[arg-type]
    assert cut["work"]["model"] == wider["work"]["model"] == work.NEW_BOUNDS
    # Less money: the base spends more than the new envelope, so it is no start; more
    # money (no minimum spend in the toy): the base optimum stays feasible.
    assert (cut["work"]["warm_start"], wider["work"]["warm_start"]) == (False, True)
    cold = load_scenario(TOY, {"resources.funding.envelope_eur": 120_000})
    from pvd_optim.pipeline import optimise

    assert wider["objective"] == pytest.approx(optimise(cold).objective, rel=1e-9)


def test_a_variant_changing_costs_is_rebuilt() -> None:
    base_task, tasks = _tasks({"benefit.value_per_day_eur": [2_000]})
    base = solve_base(base_task)  # type: ignore[arg-type]
    record = evaluate(tasks[0], base)  # type: ignore[arg-type]
    assert record["work"]["model"] == work.REBUILT and record["work"]["warm_start"]


def test_a_variants_answer_does_not_depend_on_what_was_solved_before() -> None:
    base_task, tasks = _tasks({"resources.funding.envelope_eur": [60_000, 100_000, 140_000],
                               "resources.expertise.capacity_days": [4, 10]})
    base = solve_base(base_task)  # type: ignore[arg-type]

    def comparable(record: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in record.items() if k not in ("timing_s", "worker")}

    forward = [comparable(evaluate(t, base)) for t in tasks]  # type: ignore[arg-type]
    backward = [comparable(evaluate(t, base)) for t in reversed(tasks)]  # type: ignore[arg-type]
    assert forward == backward[::-1]


def test_failures_are_records_with_their_status(monkeypatch: pytest.MonkeyPatch) -> None:
    base_task, tasks = _tasks({"resources.funding.spend_min_share": [0.95],
                               "resources.funding.envelope_eur": [300_000, 60_000]})
    base = solve_base(base_task)  # type: ignore[arg-type]
    infeasible, fine = (evaluate(t, base) for t in tasks)  # type: ignore[arg-type]
    assert infeasible["status"] == "infeasible" and "no allocation" in infeasible["error"]
    assert infeasible["parameters"] == {"resources.funding.spend_min_share": 0.95,
                                        "resources.funding.envelope_eur": 300_000}
    assert fine["status"] == "optimal" and fine["error"] is None
    # The record says what the independent checker verified before it was written.
    assert "envelope" in " ".join(fine["checked_constraints"])
    assert infeasible["checked_constraints"] == []

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("pvd_optim.pipeline.solve_problem", broken)
    failed = evaluate(tasks[1], base)  # type: ignore[arg-type]
    assert failed["status"] == "error" and failed["error"] == "ZeroDivisionError: boom"
    assert not failed["transient"]


def test_a_worker_with_other_versions_is_refused_and_tried_again_later() -> None:
    base_task, tasks = _tasks({"resources.funding.envelope_eur": [60_000]})
    base = solve_base(base_task)  # type: ignore[arg-type]
    odd = dataclasses.replace(tasks[0], versions={"pvd-optim": "0.0", "highspy": "0"})
    record = evaluate(odd, base)  # type: ignore[arg-type]
    assert record["status"] == "error" and record["transient"]
    assert "install the same versions" in record["error"]


def test_town_figures_sum_the_years_of_a_multi_year_table() -> None:
    class Allocation:  # the one attribute town_figures reads
        by_town = pd.DataFrame(
            {"covered": [1.0, 1.0, 0.0, 0.0], "funding_eur": [10.004, 5.0, 0.0, 1.0],
             "expert_days": [1.0, 2.0, 0.0, 0.5], "year": [2026, 2027, 2026, 2027]},
            index=pd.Index(["10268", "10268", "10420", "10420"], name="insee"))

    figures = town_figures(Allocation())  # type: ignore[arg-type]
    assert figures.to_dict("index") == {
        "10268": {"covered": 2, "funding_eur": 15.0, "expert_days": 3.0},
        "10420": {"covered": 0, "funding_eur": 1.0, "expert_days": 0.5}}


def test_a_start_is_used_only_where_it_is_feasible() -> None:
    scenario = load_scenario(TOY)
    program = build_program(prepare(scenario).inputs)
    cold = solve_from(program, scenario.solver, None)
    start = StartingPoint(cold.require_values())
    assert start_is_feasible(program, start) and same_matrix(program, program)
    warm = solve_from(program, scenario.solver, start)
    assert warm.objective == pytest.approx(cold.objective, rel=1e-12)
    tighter = dataclasses.replace(program, col_upper=np.minimum(program.col_upper,
                                                                start.values * 0.5))
    assert not start_is_feasible(tighter, start)
    assert not start_is_feasible(program, StartingPoint(start.values[:-1]))


def test_an_infeasible_base_leaves_the_variants_to_solve_cold() -> None:
    plan = sweep_of(load_scenario(TOY, {"resources.funding.envelope_eur": 300_000,
                                        "resources.funding.spend_min_share": 0.95}),
                    {"grid": {"resources.funding.spend_min_share": [0.5]}})
    base = solve_base(plan.base_task())
    assert base.record["status"] == "infeasible" and base.start is None
    record = evaluate(plan.task(plan.variants[0]), base)
    assert record["status"] == "optimal"
    assert record["work"] == {"scoring": "reused", "model": work.REBUILT, "warm_start": False}


def test_a_variant_the_checker_rejects_is_recorded_as_an_error_without_figures(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pvd_optim import pipeline

    base_task, tasks = _tasks({"resources.funding.envelope_eur": [90_000]})
    base = solve_base(base_task)  # type: ignore[arg-type]
    real_extract = pipeline.extract_programme

    def overspent(program: object, values: np.ndarray, programme: object) -> object:
        arrays = real_extract(program, values, programme)  # type: ignore[arg-type]
        return dataclasses.replace(arrays, years=tuple(
            dataclasses.replace(year, funding_keur=year.funding_keur * 10)
            for year in arrays.years))

    # A solver (or model) bug: the solution read back spends ten times the envelope.
    monkeypatch.setattr(pipeline, "extract_programme", overspent)
    record = evaluate(tasks[0], base)  # type: ignore[arg-type]
    assert record["status"] == "error" and record["error_type"] == "VerificationError"
    assert "independent checker rejected" in record["error"]
    assert record["metrics"] is None and record["towns"] is None
    assert record["checked_constraints"] == []
