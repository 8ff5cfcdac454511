"""Model benchmark: the product's whole run against bare HiGHS and a naive PuLP + CBC build.

Same model, same solves everywhere: the MIP (HiGHS, gap 1e-4, 1 thread, the product's
options), then the LP with posts and coverage fixed at the optimum (shadow prices). The
analysis re-solves (price of balance, value of one more post) are switched off in every
case (``cases.LIKE_FOR_LIKE``) so that the whole run does exactly the solves bare HiGHS
does. Cases and regeneration: ``benchmarks/README.md``, section "Model"::

    PVD_BENCH_FULL=1 .venv/bin/pytest benchmarks/test_bench_model.py --benchmark-only -s

Smoke mode (``--benchmark-disable``): every test runs once; the 5,000- and 34,875-commune
cases and the naive baseline at 1,646 towns run only with ``PVD_BENCH_FULL=1`` (the smoke run's
naive case has 200 towns); the naive baseline beyond 1,646 towns only with
``--run-slow``. Nothing asserts a wall-clock time: tests assert that every approach
reaches the same optimum (1e-6 relative).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cases import CASES, Case, full_mode
from conftest import record
from measure_memory import bare_highs, measure, measure_once, timed_whole_run

REL = 1e-6
SMALL = ("national", "synthetic-5000")
ALL = (*SMALL, "all-communes")


def _case(name: str) -> Case:
    case = CASES[name]
    if case.large and not full_mode():
        pytest.skip("34,875-commune case: set PVD_BENCH_FULL=1 (minutes per solve)")
    if not case.smoke and not full_mode():
        pytest.skip(f"{case.name}: not in the smoke run; set PVD_BENCH_FULL=1")
    return case


def _timed(benchmark: Any, fn: Callable[[], Any], rounds: int) -> tuple[Any, float]:
    """Run ``fn`` through pytest-benchmark; return its last result and the median seconds."""
    seconds: list[float] = []
    out: list[Any] = []

    def target() -> None:
        started = time.perf_counter()
        out.append(fn())
        seconds.append(time.perf_counter() - started)

    benchmark.pedantic(target, rounds=rounds, iterations=1, warmup_rounds=0)
    return out[-1], statistics.median(seconds)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(1.0, abs(a), abs(b))


# --- shared, cached per case -------------------------------------------------------------

_CACHE: dict[tuple[str, str], Any] = {}


def _cached(case: Case, what: str, make: Callable[[], Any]) -> Any:
    key = (case.name, what)
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def _scenario(case: Case) -> Any:
    return _cached(case, "scenario", case.scenario)


def _prepared(case: Case) -> Any:
    from pvd_optim.assemble import prepare

    return _cached(case, "prepared", lambda: prepare(_scenario(case)))


def _program(case: Case) -> Any:
    from pvd_optim.model import build_program

    return _cached(case, "program", lambda: build_program(_prepared(case).inputs))


def _reference(case: Case) -> float:
    """The optimum the product reports (its own whole run, cached)."""
    from pvd_optim.pipeline import run

    return _cached(case, "run", lambda: run(_scenario(case))).allocation.solver_objective


def _options(case: Case) -> Any:
    """The case's solver settings: its scenario's solver section."""
    return _scenario(case).solver


def _whole_run(case: Case) -> tuple[Any, float, dict[str, float]]:
    """load_scenario + run + write_allocation into a temporary folder."""
    return timed_whole_run(case.scenario)


# --- (a) the product's whole run, and each phase -----------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_whole_run(benchmark: Any, name: str) -> None:
    """The whole run in process: load, score, build, solve, verify, fixed LP, write."""
    case = _case(name)
    benchmark.group = f"model {name}: whole run vs bare HiGHS vs naive"
    benchmark.name = f"whole run [{name}]"
    if case.large:
        # One round, in its own process: gives time and peak memory in one run.
        report, _ = _timed(benchmark, lambda: measure_once(name, "pipeline"), rounds=1)
        record(name, "pipeline", seconds=report["total_seconds"], phases=report["phases"],
               objective=report["objective"], mip_gap=report["mip_gap"],
               peak_mb=report["peak_mb"], wall_seconds=report["wall_seconds"],
               mode="subprocess")
        _CACHE[(name, "objective")] = report["objective"]
        benchmark.extra_info.update(report)
        return
    all_phases: list[dict[str, float]] = []

    def once() -> Any:
        result, _, phases = _whole_run(case)
        all_phases.append(phases)
        return result

    result, median = _timed(benchmark, once, case.rounds)
    phases = {key: statistics.median(p[key] for p in all_phases) for key in all_phases[0]}
    allocation = result.allocation
    assert allocation.mip_gap is not None and allocation.mip_gap <= 1e-4
    _CACHE[(name, "run")] = result
    record(name, "pipeline", seconds=median, phases=phases,
           objective=allocation.solver_objective, mip_gap=allocation.mip_gap,
           mip_run_seconds=allocation.solve_seconds, n_cols=None, mode="in process")
    benchmark.extra_info.update(phases=phases, objective=allocation.solver_objective,
                                mip_gap=allocation.mip_gap)


PHASES = ("prepare", "build", "solve", "verify", "fixed_lp", "write")


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("name", SMALL)
def test_phase(benchmark: Any, name: str, phase: str, tmp_path: Path) -> None:
    """Each phase on its own, from cached inputs of the previous phases."""
    from pvd_optim.assemble import prepare
    from pvd_optim.check import check_allocation, objective_parts
    from pvd_optim.model import build_program, fix_integers, solve
    from pvd_optim.output import write_allocation
    from pvd_optim.pipeline import run
    from pvd_optim.postprocess import extract

    case = _case(name)
    benchmark.group = f"model {name}: phases"
    benchmark.name = f"{phase} [{name}]"
    scenario = _scenario(case)
    options = _options(case)
    if phase == "prepare":
        fn: Callable[[], Any] = lambda: prepare(scenario)  # noqa: E731
    elif phase == "build":
        inputs = _prepared(case).inputs
        fn = lambda: build_program(inputs)  # noqa: E731
    else:
        program = _program(case)
        mip = _cached(case, "mip", lambda: solve(program, options))
        if phase == "solve":
            fn = lambda: solve(program, options)  # noqa: E731
        elif phase == "verify":
            inputs = _prepared(case).inputs

            def fn() -> Any:
                arrays = extract(program, mip.require_values())
                check_allocation(inputs, arrays).raise_if_violated("benchmark")
                return objective_parts(inputs, arrays)
        elif phase == "fixed_lp":
            from pvd_optim.model.follow_ups import solve_fixed_lp

            # As the pipeline solves it: started from the MIP's values.
            loose = build_program(_prepared(case).inputs, tight=False)
            values = mip.require_values()
            fn = lambda: solve_fixed_lp(fix_integers(loose, values), options, values)  # noqa: E731
        else:  # write
            allocation = _cached(case, "run", lambda: run(scenario)).allocation
            fn = lambda: write_allocation(allocation, scenario, tmp_path / "out", force=True)  # noqa: E731
    out, median = _timed(benchmark, fn, case.rounds)
    if phase == "solve":
        assert _same(out.objective, _reference(case))
    record(name, f"phase:{phase}", seconds=median)


# --- (b) bare HiGHS on the same matrices -------------------------------------------------

def _arrays(case: Any) -> dict[str, Any]:
    from measure_memory import program_arrays

    from pvd_optim.model import build_program

    loose = _cached(case, "loose", lambda: build_program(_prepared(case).inputs, tight=False))
    return program_arrays(_program(case), loose)


@pytest.mark.parametrize("name", ALL)
def test_bare_highs(benchmark: Any, name: str) -> None:
    """highspy on the same arrays: MIP then fixed-integer LP; ``run()`` time recorded."""
    case = _case(name)
    benchmark.group = f"model {name}: whole run vs bare HiGHS vs naive"
    benchmark.name = f"bare HiGHS [{name}]"
    if case.large:
        report, _ = _timed(benchmark, lambda: measure_once(name, "highs"), rounds=1)
        reference = _CACHE.get((name, "objective"))
    else:
        arrays = _arrays(case)
        runs: list[dict[str, Any]] = []
        _timed(benchmark, lambda: runs.append(bare_highs(arrays)), case.rounds)
        report = {
            "objective": runs[-1]["objective"], "mip_gap": runs[-1]["mip_gap"],
            "fixed_objective": runs[-1]["fixed_objective"],
            "solver_seconds": statistics.median(r["solver_seconds"] for r in runs),
            "total_seconds": statistics.median(r["total_seconds"] for r in runs),
            "phases": {k: statistics.median(r["phases"][k] for r in runs)
                       for k in runs[0]["phases"]},
        }
        reference = _reference(case)
    record(name, "highs", seconds=report["total_seconds"],
           solver_seconds=report["solver_seconds"], phases=report["phases"],
           objective=report["objective"], mip_gap=report["mip_gap"],
           peak_mb=report.get("peak_mb"), peak_after_mip_mb=report.get("peak_after_mip_mb"))
    benchmark.extra_info.update(report)
    assert report["mip_gap"] <= 1e-4
    assert _same(report["objective"], report["fixed_objective"])
    if reference is not None:
        assert _same(report["objective"], reference), (report["objective"], reference)


# --- (c) naive PuLP + CBC ----------------------------------------------------------------

def _naive(benchmark: Any, name: str) -> None:
    import naive_pulp

    case = _case(name)
    benchmark.group = f"model {name}: whole run vs bare HiGHS vs naive"
    benchmark.name = f"naive PuLP + CBC [{name}]"
    inputs = _prepared(case).inputs
    gap = _options(case).mip_gap
    result, median = _timed(benchmark, lambda: naive_pulp.solve(inputs, mip_gap=gap), rounds=1)
    record(name, "naive", seconds=median, build=result.build_seconds,
           cbc_mip=result.solve_seconds, cbc_fixed=result.fixed_seconds,
           objective=result.objective)
    reference = _reference(case)
    assert _same(result.objective, reference), (result.objective, reference)
    assert _same(result.fixed_objective, reference)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", ("national-200", "national"))
def test_naive_pulp_cbc(benchmark: Any, name: str) -> None:
    """Typical PuLP code + CBC: same optimum as the product (1e-6).

    The smoke run takes the 200-town case (seconds), so the baseline cannot rot; the
    1,646-town one (40 s of CBC) runs in full mode (``PVD_BENCH_FULL=1``).
    """
    if name == "national" and not full_mode():
        pytest.skip("the naive national CBC solve takes ~40 s: set PVD_BENCH_FULL=1")
    _naive(benchmark, name)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", ("synthetic-5000", "all-communes"))
def test_naive_pulp_cbc_large(benchmark: Any, name: str) -> None:
    """The naive baseline at scale (``--run-slow``; all-communes also needs PVD_BENCH_FULL)."""
    _naive(benchmark, name)


# --- peak memory, each case and approach in its own process ------------------------------

@pytest.mark.parametrize("approach", ("pipeline", "highs"))
@pytest.mark.parametrize("name", SMALL)
def test_peak_memory(benchmark: Any, name: str, approach: str) -> None:
    """Peak RSS of the whole run and of bare HiGHS (34,875: inside the tests above)."""
    case = _case(name)
    benchmark.group = "model: peak memory (child process)"
    benchmark.name = f"{approach} [{name}]"
    report, _ = _timed(benchmark, lambda: measure(name, approach), rounds=1)
    record(name, approach, peak_mb=report["peak_mb"])
    benchmark.extra_info.update(peak_mb=report["peak_mb"])
    assert _same(report["objective"], _reference(case))


# --- import and --help start-up -----------------------------------------------------------

_PROBE = (
    "import sys, json, time; t = time.perf_counter(); {body}; "
    "print(json.dumps([time.perf_counter() - t, 'pandas' in sys.modules, "
    "'highspy' in sys.modules, 'pulp' in sys.modules, 'numpy' in sys.modules, "
    "'pydantic' in sys.modules]))"
)
_BODIES = {
    "bare interpreter": "pass",
    "import pvd_optim": "import pvd_optim",
    "pvd-optim --help": (
        "import contextlib, io\nfrom pvd_optim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n    except SystemExit: pass"
    ),
}


def _probe(body: str) -> list[Any]:
    code = _PROBE.format(body="exec(" + repr(body) + ")")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("what", tuple(_BODIES))
def test_startup(benchmark: Any, what: str) -> None:
    """Whole-process time (interpreter start-up included) and heavy modules loaded."""
    benchmark.group = "model: start-up (fresh interpreter)"
    benchmark.name = what
    command = [sys.executable, "-c", _PROBE.format(body="exec(" + repr(_BODIES[what]) + ")")]
    _, median = _timed(benchmark, lambda: subprocess.run(command, check=True,
                                                         capture_output=True), rounds=7)
    _, pandas_loaded, highspy_loaded, pulp_loaded, numpy_loaded, pydantic_loaded = _probe(
        _BODIES[what])
    record("start-up", what, seconds=median)
    assert not pandas_loaded, f"{what} imports pandas"
    assert not highspy_loaded, f"{what} imports highspy"
    assert not pulp_loaded, f"{what} imports pulp"
    # --help took 1 s when its parser imported the strategies (numpy, the scenario schema)
    # to list their names: it needs neither.
    assert not numpy_loaded, f"{what} imports numpy"
    assert not pydantic_loaded, f"{what} imports pydantic"
    # The --help entry point too, as installed.
    if what == "pvd-optim --help":
        script = Path(sys.executable).with_name("pvd-optim")
        if script.exists():
            _, script_median = _timed(
                _NoBench(), lambda: subprocess.run([str(script), "--help"], check=True,
                                       capture_output=True), rounds=7)
            record("start-up", "pvd-optim --help (script)", seconds=script_median)


class _NoBench:
    """A stand-in for ``benchmark`` when timing a second command in the same test."""

    def pedantic(self, target: Callable[[], None], rounds: int, iterations: int,
                 warmup_rounds: int) -> None:
        for _ in range(rounds * iterations):
            target()
