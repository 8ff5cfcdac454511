"""Issue 16's figures, each a benchmark: follow-ups, diagnosis, export and whole runs.

Targets (``benchmarks/README.md``, section "Issue 16: every answer at the speed of its
main solve"), all measured in one run::

    PVD_BENCH_FULL=1 .venv/bin/pytest benchmarks/ --benchmark-only -s

- follow-up analyses (shadow prices, price of balance, value of a post) at most the
  main solve's time, at national, tight-budget and all-communes;
- tight-budget's main solve at most 2x national's;
- the diagnosis within max(3x national's main solve, 10 s) on the shipped infeasible
  example and on national with an impossible coverage;
- the model exported as MPS in seconds at 34,875 communes;
- each shipped scenario's whole ``pvd-optim run``: time and peak memory, and what
  each analysis switch cuts.

(The all-communes run against bare HiGHS and the scoring ratio are in
``test_bench_model.py`` and ``test_bench_scoring.py``.) Smoke mode
(``--benchmark-disable``) runs the toy-sized cases once, so none of this can rot;
the national-scale ones need ``PVD_BENCH_FULL=1``. Nothing asserts a time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cases import CASES, SCENARIOS, SHIPPED, SWITCHES, full_mode
from conftest import record
from measure_memory import measure_command, measure_once

#: Cases of the follow-up measurement; the first runs in smoke mode.
FOLLOW_UP_CASES = ("toy-analyses", "national-analyses", "tight-budget", "all-communes")
#: Scenario file and overrides of each diagnosis case; the first runs in smoke mode.
DIAGNOSIS_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "toy-impossible": ("toy.yaml", {"resources.engineering.cover_min_share": 1,
                                    "resources.engineering.budget_eur": 45_000}),
    "infeasible-example": ("infeasible-example.yaml", {}),
    "national-impossible-coverage": ("national.yaml",
                                     {"resources.engineering.cover_min_share": 1}),
}
EXPORT_CASES = ("national", "all-communes")
#: Case -> scenario of the gap-0 base measurement; the first runs in smoke mode.
GAP_0_CASES = {"toy-gap-0": "toy", "national-gap-0": "national"}
SMOKE = {"toy-analyses", "toy-impossible", "national", "toy-gap-0"}

_NATIONAL_MAIN: dict[str, float] = {}


def _full_only(name: str) -> None:
    if name not in SMOKE and not full_mode():
        pytest.skip("national-scale case: set PVD_BENCH_FULL=1")


def _once(benchmark: Any, fn: Any) -> Any:
    out: list[Any] = []
    benchmark.pedantic(lambda: out.append(fn()), rounds=1, iterations=1, warmup_rounds=0)
    return out[-1]


# --- 1 and 2: follow-up analyses against the main solve ---------------------------------

@pytest.mark.parametrize("name", FOLLOW_UP_CASES)
def test_follow_ups_against_the_main_solve(benchmark: Any, name: str) -> None:
    """The whole run in its own process, analyses as the scenario ships them."""
    _full_only(name)
    benchmark.group = "issue 16: follow-ups vs main solve"
    benchmark.name = name
    report = _once(benchmark, lambda: measure_once(name, "pipeline"))
    phases = report["phases"]
    record("issue16", f"follow-ups:{name}", main_solve_s=phases["solve"],
           follow_ups_s=phases["analysis"], mip_run_s=report["mip_run_seconds"],
           whole_s=report["total_seconds"], peak_mb=report["peak_mb"],
           objective=report["objective"], mip_gap=report["mip_gap"])
    benchmark.extra_info.update(report)
    assert report["mip_gap"] is not None and report["mip_gap"] <= CASES[name].scenario(
        ).solver.mip_gap + 1e-12


@pytest.mark.parametrize("name", tuple(GAP_0_CASES))
def test_gap_0_base_against_the_main_solve(benchmark: Any, name: str) -> None:
    """The gap-0 base of the re-solves: its LPs (relaxation, one branching) and the MIP.

    In one process, one after the other: the main solve, the gap-0 base as the
    follow-ups solve it (``follow_ups.solve_exactly``) and the MIP it replaces
    (``warm.solve_from`` from the same start), with their optima side by side.
    """
    from pvd_optim import load_scenario
    from pvd_optim.assemble import prepare
    from pvd_optim.model import build_program, solve
    from pvd_optim.model.follow_ups import solve_exactly
    from pvd_optim.model.warm import StartingPoint, solve_from
    from pvd_optim.pipeline import problem_of

    _full_only(name)
    benchmark.group = "issue 16: the gap-0 base of the re-solves"
    benchmark.name = name
    scenario = load_scenario(SCENARIOS / f"{GAP_0_CASES[name]}.yaml")
    program = build_program(problem_of(scenario, prepare(scenario)).programme)
    started = time.perf_counter()
    main = solve(program, scenario.solver)
    main_s = time.perf_counter() - started
    exact = scenario.solver.model_copy(update={"mip_gap": 0.0})
    start = StartingPoint(main.require_values())
    started = time.perf_counter()
    fast = _once(benchmark, lambda: solve_exactly(program, exact, start))
    fast_s = time.perf_counter() - started
    started = time.perf_counter()
    mip = solve_from(program, exact, start)
    mip_s = time.perf_counter() - started
    assert fast.objective == pytest.approx(mip.objective, abs=1e-6)
    record("issue16", f"gap-0 base:{GAP_0_CASES[name]}", main_solve_s=main_s, follow_up_s=fast_s,
           mip_s=mip_s, ratio=fast_s / main_s, mip_ratio=mip_s / main_s,
           objective=fast.objective, mip_objective=mip.objective)


def test_tight_budget_main_solve_settings(benchmark: Any) -> None:
    """tight-budget's main solve with its shipped HiGHS options and with the default's.

    One process, one after the other, national's main solve first as the yardstick
    (target: tight-budget at most 2x national). Full mode only: minutes.
    """
    from pvd_optim import load_scenario
    from pvd_optim.assemble import prepare
    from pvd_optim.model import build_program, solve
    from pvd_optim.pipeline import problem_of
    from pvd_optim.scenario.schema import MEASURED_HIGHS_OPTIONS

    _full_only("tight-budget-settings")
    benchmark.group = "issue 16: tight-budget's main solve"
    benchmark.name = "shipped options vs default"
    national_s = _national_main_s()
    scenario = load_scenario(SCENARIOS / "tight-budget.yaml")
    program = build_program(problem_of(scenario, prepare(scenario)).programme)
    default = scenario.solver.model_copy(update={"highs_options": dict(MEASURED_HIGHS_OPTIONS)})
    started = time.perf_counter()
    shipped = _once(benchmark, lambda: solve(program, scenario.solver))
    shipped_s = time.perf_counter() - started
    started = time.perf_counter()
    before = solve(program, default)
    default_s = time.perf_counter() - started
    record("issue16", "tight-budget main solve", national_main_s=national_s,
           shipped_s=shipped_s, default_options_s=default_s, ratio=shipped_s / national_s,
           default_ratio=default_s / national_s, objective=shipped.objective,
           default_objective=before.objective)


# --- 3: the diagnosis -------------------------------------------------------------------

def _national_main_s() -> float:
    """National's main solve in this process (solve only, as the pipeline times it)."""
    if "s" not in _NATIONAL_MAIN:
        from pvd_optim import load_scenario
        from pvd_optim.assemble import prepare
        from pvd_optim.model import build_program, solve

        scenario = load_scenario(SCENARIOS / "national.yaml")
        program = build_program(prepare(scenario).inputs)
        started = time.perf_counter()
        solve(program, scenario.solver)
        _NATIONAL_MAIN["s"] = time.perf_counter() - started
    return _NATIONAL_MAIN["s"]


@pytest.mark.parametrize("name", tuple(DIAGNOSIS_CASES))
def test_diagnosis(benchmark: Any, name: str) -> None:
    """The main solve that proves infeasibility, then the diagnosis, timed apart."""
    from pvd_optim import load_scenario
    from pvd_optim.assemble import prepare
    from pvd_optim.diagnose import diagnose
    from pvd_optim.model import SolveStatus, build_program, solve

    _full_only(name)
    benchmark.group = "issue 16: diagnosis"
    benchmark.name = name
    file, overrides = DIAGNOSIS_CASES[name]
    scenario = load_scenario(SCENARIOS / file, overrides=overrides)
    inputs = prepare(scenario).inputs
    main = solve(build_program(inputs), scenario.solver)
    assert main.status is SolveStatus.INFEASIBLE
    started = time.perf_counter()
    diagnosis = _once(benchmark, lambda: diagnose(inputs, scenario, main.solve_seconds))
    seconds = time.perf_counter() - started
    assert diagnosis.unknown == ()
    assert {fix.proof for fix in diagnosis.fixes} == {"proven minimal"}
    national = _national_main_s() if name != "toy-impossible" else None
    record("issue16", f"diagnosis:{name}", diagnosis_s=seconds,
           main_solve_s=main.solve_seconds, national_main_s=national,
           target_s=None if national is None else max(3 * national, 10.0),
           fixes=[f"{fix.family}={fix.needed}" for fix in diagnosis.fixes])


# --- 5: export --------------------------------------------------------------------------

@pytest.mark.parametrize("name", EXPORT_CASES)
def test_export(benchmark: Any, name: str) -> None:
    """Build the model and write it as MPS, in its own process (peak memory)."""
    _full_only(name)
    benchmark.group = "issue 16: export"
    benchmark.name = f"MPS [{name}]"
    report = _once(benchmark, lambda: measure_once(name, "export"))
    record("issue16", f"export:{name}", write_s=report["total_seconds"],
           file_mb=report["file_mb"], peak_mb=report["peak_mb"],
           before_export_mb=report["before_export_mb"], n_cols=report["n_cols"])
    assert report["file_mb"] > 0


# --- README 14: each shipped scenario's whole run, and what the switches cut -----------

def _switch_cases() -> list[tuple[str, str]]:
    cases = [(name, "as shipped") for name in SHIPPED]
    for name in ("national", "rules-based", "tight-budget", "heritage-priority"):
        cases.append((name, "re-solves off"))
    for name in ("national", "tight-budget", "all-communes"):
        cases.append((name, "all analyses off"))
    return cases


@pytest.mark.parametrize(("name", "switches"), _switch_cases(),
                         ids=[f"{n}-{s.replace(' ', '-')}" for n, s in _switch_cases()])
def test_shipped_scenario_run(benchmark: Any, name: str, switches: str,
                              tmp_path: Path) -> None:
    """``pvd-optim run`` as a planner runs it (fresh process, results written)."""
    if (name, switches) != ("toy", "as shipped") and not full_mode():
        pytest.skip("national-scale run: set PVD_BENCH_FULL=1")
    benchmark.group = "issue 16: pvd-optim run per shipped scenario"
    benchmark.name = f"{name} ({switches})"
    command = [sys.executable, "-c",
               "import sys; from pvd_optim.cli import main; sys.exit(main(sys.argv[1:]))",
               "run", str(SCENARIOS / f"{name}.yaml"), "--out", str(tmp_path / "out"), "-q"]
    for key, value in SWITCHES[switches].items():
        command += ["--set", f"{key}={str(value).lower()}"]
    report = _once(benchmark, lambda: measure_command(command))
    expected = 3 if name == "infeasible-example" else 0
    assert report["returncode"] == expected, report["stderr_tail"]
    record("issue16", f"run:{name}:{switches}", wall_s=report["wall_seconds"],
           peak_mb=report["peak_mb"], exit_code=report["returncode"])


def test_measurements_are_written_inside_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """A benchmark run (smoke mode too) leaves nothing in the system's temporary folder."""
    from conftest import HERE, results_path

    monkeypatch.delenv("PVD_BENCH_RESULTS", raising=False)
    path = results_path()
    assert path.is_relative_to(HERE) and ".results" in path.parts
    ignored = (HERE / ".gitignore").read_text().splitlines()
    assert ".results/" in ignored
