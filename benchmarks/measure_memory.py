"""Run one benchmark case with one approach in a fresh child process; report time and peak RSS.

Usage::

    .venv/bin/python benchmarks/measure_memory.py CASE APPROACH [--json OUT]

``CASE`` is a name from ``benchmarks/cases.py``; ``APPROACH`` is

- ``pipeline``: the product's whole run in process: load the scenario, prepare (load,
  score, select), build, solve, verify, analysis (fixed-integer LP), write to a temporary
  folder; per-phase seconds from ``Run.timings`` plus the write.
- ``highs``: bare HiGHS. The parent builds the model with the product once and saves its
  arrays (``to_highs_lp``'s inputs) to an ``.npz``; the child only loads numpy, highspy and
  that file, solves the MIP with the pipeline's HiGHS settings, fixes the integers and solves
  the LP, as the pipeline does. Its peak RSS is what HiGHS needs for these matrices.
- ``export``: the product builds the case's model and writes it as MPS
  (``pvd_optim.model.solve.write_model``) to a temporary folder; ``peak_mb`` is the
  whole child's, ``before_export_mb`` its peak before the export started.
- ``naive``: ``naive_pulp.py`` (PuLP dicts + ``lpSum`` + CBC) on the case's ``ModelInputs``.

``--command ARG...`` instead runs one command (``pvd-optim run ...``) as the child and
reports its wall time, exit code and peak RSS.

Peak memory is ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by this (parent)
process after its only child exits, so it is the child's own peak (kB on Linux). The child
prints one JSON line with its timings and objective; the parent adds ``peak_mb`` and
``wall_seconds`` (child start to exit, interpreter start-up included).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

APPROACHES = ("pipeline", "highs", "export", "naive")


# --- children ---------------------------------------------------------------------------

def timed_whole_run(load: Any) -> tuple[Any, float, dict[str, float]]:
    """``load()`` (a scenario) + ``pipeline.run`` + ``write_allocation`` to a temporary folder.

    Returns the run, its total seconds and per-phase seconds. Imports happen before
    the clock starts: the targets exclude interpreter start and imports.
    """
    from pvd_optim.output import write_allocation
    from pvd_optim.pipeline import run

    started = time.perf_counter()
    scenario = load()
    loaded = time.perf_counter()
    result = run(scenario)
    ran = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_allocation(result.allocation, scenario, Path(tmp) / "out")
    written = time.perf_counter()
    phases = {"load_scenario": loaded - started, **result.timings, "write": written - ran}
    return result, written - started, phases


def _child_pipeline(case_name: str) -> dict[str, Any]:
    from cases import CASES

    result, seconds, phases = timed_whole_run(CASES[case_name].scenario)
    return {
        "objective": result.allocation.solver_objective,
        "mip_gap": result.allocation.mip_gap,
        "mip_run_seconds": result.allocation.solve_seconds,
        "phases": phases,
        "total_seconds": seconds,
    }


def program_arrays(program: Any, fixed_program: Any) -> dict[str, Any]:
    """The arrays ``to_highs_lp`` hands to HiGHS: the MIP and, prefixed ``fixed_``, the
    program the pipeline fixes for shadow prices (built with ``tight=False``)."""
    import numpy as np

    out: dict[str, Any] = {}
    for prefix, prog in (("", program), ("fixed_", fixed_program)):
        for name in ("cost", "col_lower", "col_upper", "integer", "row_start", "row_index",
                     "row_value", "row_lower", "row_upper"):
            out[prefix + name] = getattr(prog, name)
        out[prefix + "maximise"] = np.array(prog.maximise)
    return out


def save_arrays(program: Any, fixed_program: Any, path: Path) -> None:
    """``program_arrays`` as one ``.npz``."""
    import numpy as np

    np.savez(path, **program_arrays(program, fixed_program))


def bare_highs(arrays: Any, *, mip_gap: float = 1e-4, time_limit_s: float = 600.0,
               threads: int = 1) -> dict[str, Any]:
    """Bare highspy: MIP, then the LP with integer columns fixed; ``run()`` times only.

    Options are those ``pvd_optim.model.highs.make_highs`` sets (incl.
    ``mip_heuristic_run_root_reduced_cost = false``); ``arrays`` maps the
    ``LinearProgram`` field names to numpy arrays (an ``.npz`` or a dict).
    """
    import highspy
    import numpy as np

    integer = np.asarray(arrays["integer"], dtype=bool)
    all_arrays = arrays

    def model(lower: Any, upper: Any, with_integers: bool, prefix: str = "") -> Any:
        arrays = {key.removeprefix(prefix): value for key, value in all_arrays.items()
                  if key.startswith(prefix)}
        lp = highspy.HighsLp()
        n, m = len(arrays["cost"]), len(arrays["row_lower"])
        lp.num_col_, lp.num_row_ = n, m
        lp.sense_ = (highspy.ObjSense.kMaximize if bool(arrays["maximise"])
                     else highspy.ObjSense.kMinimize)
        lp.col_cost_ = arrays["cost"]
        lp.col_lower_, lp.col_upper_ = lower, upper
        lp.row_lower_, lp.row_upper_ = arrays["row_lower"], arrays["row_upper"]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
        lp.a_matrix_.start_ = arrays["row_start"]
        lp.a_matrix_.index_ = arrays["row_index"]
        lp.a_matrix_.value_ = arrays["row_value"]
        if with_integers:
            lp.integrality_ = np.where(integer, highspy.HighsVarType.kInteger,
                                       highspy.HighsVarType.kContinuous).tolist()
        h = highspy.Highs()
        for name, value in (("output_flag", False), ("time_limit", float(time_limit_s)),
                            ("mip_rel_gap", float(mip_gap)), ("threads", int(threads)),
                            ("mip_heuristic_run_root_reduced_cost", False)):
            h.setOptionValue(name, value)
        h.passModel(lp)
        return h

    t0 = time.perf_counter()
    mip = model(arrays["col_lower"], arrays["col_upper"], True)
    t1 = time.perf_counter()
    mip.run()
    t2 = time.perf_counter()
    values = np.asarray(mip.getSolution().col_value)
    objective = float(mip.getInfo().objective_function_value)
    gap = float(mip.getInfo().mip_gap)
    del mip
    # This process's peak so far: what the MIP needed (the LP's own shows if it is more).
    after_mip_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    fixed_values = np.round(values)
    # The same LP the pipeline solves for shadow prices: the program without the
    # tightening rows (same columns), integer columns fixed at the MIP's values.
    lower = np.where(integer, fixed_values, arrays["fixed_col_lower"])
    upper = np.where(integer, fixed_values, arrays["fixed_col_upper"])
    t3 = time.perf_counter()
    lp = model(lower, upper, False, prefix="fixed_")
    t4 = time.perf_counter()
    lp.run()
    t5 = time.perf_counter()
    fixed_objective = float(lp.getInfo().objective_function_value)
    return {
        "objective": objective,
        "mip_gap": gap,
        "fixed_objective": fixed_objective,
        "mip_status": "optimal" if values.size else "none",
        "phases": {"pass_mip": t1 - t0, "run_mip": t2 - t1, "pass_fixed": t4 - t3,
                   "run_fixed": t5 - t4},
        "solver_seconds": (t2 - t1) + (t5 - t4),
        "total_seconds": t5 - t0,
        "peak_after_mip_mb": after_mip_mb,
    }


def _child_highs(npz: str) -> dict[str, Any]:
    import numpy as np

    with np.load(npz) as data:
        arrays = {key: data[key] for key in data.files}
    return bare_highs(arrays)


def _child_export(case_name: str) -> dict[str, Any]:
    from cases import CASES

    from pvd_optim.assemble import prepare
    from pvd_optim.model import build_program
    from pvd_optim.model.solve import write_model

    program = build_program(prepare(CASES[case_name].scenario()).inputs)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    with tempfile.TemporaryDirectory(prefix="pvd-bench-export-") as tmp:
        started = time.perf_counter()
        write_model(program, str(Path(tmp) / "model.mps"))
        seconds = time.perf_counter() - started
        size_mb = (Path(tmp) / "model.mps").stat().st_size / 1e6
    return {"objective": None, "phases": {"write_mps": seconds}, "total_seconds": seconds,
            "file_mb": size_mb, "before_export_mb": before_mb, "n_cols": program.n_cols}


def _child_naive(case_name: str) -> dict[str, Any]:
    import naive_pulp
    from cases import CASES

    from pvd_optim.assemble import prepare

    inputs = prepare(CASES[case_name].scenario()).inputs
    result = naive_pulp.solve(inputs)
    return {
        "objective": result.objective,
        "fixed_objective": result.fixed_objective,
        "phases": {"build": result.build_seconds, "cbc_mip": result.solve_seconds,
                   "cbc_fixed": result.fixed_seconds},
        "total_seconds": result.total_seconds,
    }


# --- parent -----------------------------------------------------------------------------

def measure(case_name: str, approach: str, *, npz: Path | None = None) -> dict[str, Any]:
    """Run ``approach`` on ``case_name`` in a child process of a fresh process.

    This function itself starts a fresh interpreter running this file as the parent
    (so that ``RUSAGE_CHILDREN`` there covers the one child only, whatever the caller
    ran before), and returns the parent's JSON report.
    """
    command = [sys.executable, str(Path(__file__)), case_name, approach]
    if npz is not None:
        command += ["--npz", str(npz)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


_MEASURED: dict[tuple[str, str], dict[str, Any]] = {}


def measure_once(case_name: str, approach: str) -> dict[str, Any]:
    """``measure``, cached for the session: tests of two modules share one long run."""
    key = (case_name, approach)
    if key not in _MEASURED:
        _MEASURED[key] = measure(case_name, approach)
    return _MEASURED[key]


def measure_command(argv: list[str]) -> dict[str, Any]:
    """Run ``argv`` as the only child of a fresh process: wall seconds, exit code, peak MB."""
    done = subprocess.run([sys.executable, str(Path(__file__)), "--command", *argv],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _parent_command(argv: list[str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert before == 0, "the parent must not have waited for another child"
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"command": argv, "returncode": done.returncode, "wall_seconds": wall,
            "peak_mb": peak_kb / 1024.0, "stderr_tail": done.stderr[-2000:]}


def _parent(case_name: str, approach: str, npz: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        target = case_name
        if approach == "highs":
            if npz is None:
                from cases import CASES

                from pvd_optim.assemble import prepare
                from pvd_optim.model import build_program

                inputs = prepare(CASES[case_name].scenario()).inputs
                npz = str(Path(tmp) / "model.npz")
                save_arrays(build_program(inputs), build_program(inputs, tight=False),
                            Path(npz))
                del inputs
            target = npz
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        assert before == 0, "the parent must not have waited for another child"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(Path(__file__)), "--child", approach, target],
                              check=True, capture_output=True, text=True)
        wall = time.perf_counter() - started
    report = json.loads(done.stdout.strip().splitlines()[-1])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report.update(case=case_name, approach=approach, peak_mb=peak_kb / 1024.0,
                  wall_seconds=wall)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--command"]:
        print(json.dumps(_parent_command(argv[1:])))
        return 0
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("first", help="case name (or, with --child, the approach)")
    parser.add_argument("second", help="approach (or, with --child, case name / .npz)")
    parser.add_argument("--npz", help="for 'highs': a saved model instead of building one")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args(argv)
    if args.child:
        runner = {"pipeline": _child_pipeline, "highs": _child_highs,
                  "export": _child_export,
                  "naive": _child_naive}[args.first]
        print(json.dumps(runner(args.second)))
        return 0
    if args.second not in APPROACHES:
        parser.error(f"approach must be one of {APPROACHES}")
    report = _parent(args.first, args.second, args.npz)
    text = json.dumps(report)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
