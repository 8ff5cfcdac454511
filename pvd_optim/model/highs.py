"""HiGHS back end: hands the ``LinearProgram`` to highspy in memory, in one call."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import highspy
import numpy as np
from highspy.highs import HighsCallbackEvent

from pvd_optim.errors import InputError, OutputError, SolverError
from pvd_optim.i18n.message import Message
from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import SOLVER_LOG, threads_to_use
from pvd_optim.model.status import SolveResult, SolveStatus
from pvd_optim.scenario.schema import SolverSection

_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kTimeLimit: SolveStatus.NO_SOLUTION,
    highspy.HighsModelStatus.kIterationLimit: SolveStatus.NO_SOLUTION,
    highspy.HighsModelStatus.kSolutionLimit: SolveStatus.NO_SOLUTION,
    highspy.HighsModelStatus.kInterrupt: SolveStatus.NO_SOLUTION,
}
_LIMITS = {
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kInterrupt,
}


#: HiGHS releases measured pathologically slow on this model (presolve's parallel
#: rows/columns step on the benefit segments' identical column patterns: 792 s against
#: 10 s at 35,000 towns for 1.16.0; 1.12.0 too). Switching that rule off fixes it.
SLOW_PRESOLVE_VERSIONS = ("1.12.", "1.16.")
PARALLEL_ROWS_COLS_RULE = 8192


def presolve_guard(highs_version: str) -> tuple[tuple[str, int], ...]:
    """Options that keep a known-slow HiGHS release fast on this model (none for others)."""
    if highs_version.startswith(SLOW_PRESOLVE_VERSIONS):
        return (("presolve_rule_off", PARALLEL_ROWS_COLS_RULE),)
    return ()


def version() -> str:
    """The HiGHS version string."""
    h = highspy.Highs()
    return f"{h.version()}"


def to_highs_lp(program: LinearProgram, *, names: bool = False) -> highspy.HighsLp:
    """The program as a ``highspy.HighsLp`` (row-wise matrix).

    ``names``: also pass the program's readable column and row names (for file
    export; solves do without them).
    """
    lp = highspy.HighsLp()
    lp.num_col_ = program.n_cols
    lp.num_row_ = program.n_rows
    lp.sense_ = highspy.ObjSense.kMaximize if program.maximise else highspy.ObjSense.kMinimize
    lp.col_cost_ = program.cost
    lp.col_lower_ = program.col_lower
    lp.col_upper_ = program.col_upper
    lp.row_lower_ = program.row_lower
    lp.row_upper_ = program.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = program.n_cols
    lp.a_matrix_.num_row_ = program.n_rows
    lp.a_matrix_.start_ = program.row_start
    lp.a_matrix_.index_ = program.row_index
    lp.a_matrix_.value_ = program.row_value
    if program.integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if is_int else highspy.HighsVarType.kContinuous
            for is_int in program.integer.tolist()
        ]
    if names:
        lp.col_names_ = program.col_names()
        lp.row_names_ = program.row_names()
    return lp


def write_model(program: LinearProgram, path: str | Path) -> Path:
    """Write the program as MPS (``.mps``) or CPLEX LP (any other name), through HiGHS.

    HiGHS writes the arrays it was passed, with the program's readable names and
    its objective sense (``OBJSENSE MAX`` in MPS), in seconds where building a PuLP
    problem first took most of a minute at 34,875 communes. Raises ``OutputError``
    when HiGHS cannot write the file.
    """
    path = Path(path)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(to_highs_lp(program, names=True))
    # HiGHS picks the format by extension: write other names as .lp, then rename.
    is_mps = path.suffix.lower() == ".mps"
    target = path if is_mps or path.suffix.lower() == ".lp" else path.with_name(
        path.name + ".tmp.lp")
    status = h.writeModel(str(target))
    if status == highspy.HighsStatus.kError or not target.exists():
        target.unlink(missing_ok=True)
        raise OutputError(Message("HiGHS could not write the model to this file; check that its "
                                  "folder exists and is writable"), file=path)
    if target != path:
        os.replace(target, path)
    return path


#: HiGHS options the scenario's solver section sets itself: giving them in
#: ``highs_options`` would silently override (or be overridden by) the section.
RESERVED_OPTIONS = {"time_limit": "solver.time_limit_s", "mip_rel_gap": "solver.mip_gap",
                    "threads": "solver.threads", "output_flag": "--debug",
                    "log_to_console": "--debug"}


def option_problems(options: Mapping[str, bool | int | float | str]) -> list[tuple[str, str]]:
    """``(option, what is wrong)`` for every ``solver.highs_options`` entry HiGHS would refuse.

    Checked on a fresh ``Highs`` at validation, so a bad option is a located error
    before any solve rather than a failure after the model is built.
    """
    probe = highspy.Highs()
    probe.setOptionValue("output_flag", False)
    problems = []
    for name, value in options.items():
        if name in RESERVED_OPTIONS:
            problems.append((name, f"is set by {RESERVED_OPTIONS[name]}; use that instead"))
            continue
        if probe.setOptionValue(name, value) == highspy.HighsStatus.kOk:
            continue
        status, kind = probe.getOptionType(name)
        if status != highspy.HighsStatus.kOk:
            problems.append((name, "is not a HiGHS option; check its name in HiGHS's "
                                   "documentation of options"))
        else:
            kind_name = str(kind).rsplit(".", 1)[-1].removeprefix("k").lower()
            problems.append((name, f"HiGHS refused the value {value!r} for this {kind_name} "
                                   "option (wrong type or out of its range)"))
    return problems


def _log_to_stderr(event: HighsCallbackEvent) -> None:
    sys.stderr.write(event.message)


def make_highs(program: LinearProgram, settings: SolverSection) -> highspy.Highs:
    """A ``Highs`` instance holding the program with the scenario's solver settings applied.

    The scenario's ``highs_options`` (by default the measured ones, see
    ``SolverSection``) come after the known-slow-release guard, so a planner can
    override both.
    """
    h = highspy.Highs()
    if SOLVER_LOG.get():
        # HiGHS's console log goes to stdout; the callback sends it to stderr instead,
        # where the command line's progress goes (stdout may carry a table).
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
        h.cbLogging.subscribe(_log_to_stderr)
    else:
        h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(settings.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(settings.mip_gap))
    h.setOptionValue("threads", threads_to_use(settings.threads)[0])
    for name, value in (*presolve_guard(version()), *settings.highs_options.items()):
        if h.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise InputError(Message(
                "HiGHS rejected the option {name}={value}; check its name and type "
                "(HiGHS's documentation lists its options)", name=name, value=repr(value)),
                field="solver.highs_options",
            )
    h.passModel(to_highs_lp(program))
    return h


def set_start(h: highspy.Highs, values: np.ndarray) -> None:
    """Give ``h`` the column values ``values`` to start from.

    For a MIP an incumbent (HiGHS checks it and keeps it only if feasible); for an
    LP a primal point that crossover turns into a starting basis.
    """
    solution = highspy.HighsSolution()
    solution.col_value = values
    solution.value_valid = True
    h.setSolution(solution)


def solve(program: LinearProgram, settings: SolverSection) -> SolveResult:
    """Solve with HiGHS and normalise the outcome."""
    return run_and_read(make_highs(program, settings), program, settings)


def run_and_read(h: highspy.Highs, program: LinearProgram, settings: SolverSection
                 ) -> SolveResult:
    """Run the solve ``h`` holds (``program``, from ``make_highs``) and normalise its outcome."""
    started = time.perf_counter()
    if h.run() == highspy.HighsStatus.kError and (
        h.getModelStatus() == highspy.HighsModelStatus.kNotset
    ):
        # Measured: HiGHS keeps the thread pool of the first solve in a process and
        # refuses (without a status) a later solve asking for another thread count.
        raise SolverError(Message(
            "HiGHS refused to start the solve; HiGHS keeps the thread count of the first "
            "solve in a Python process, so use one solver.threads value per process (this "
            "solve asked for {threads})", threads=settings.threads))
    seconds = time.perf_counter() - started
    return dataclasses.replace(read_result(h, program, seconds),
                               notes=threads_to_use(settings.threads)[1])


def read_result(h: highspy.Highs, program: LinearProgram, seconds: float) -> SolveResult:
    """Read status, values and duals from a solved ``Highs`` instance."""
    model_status = h.getModelStatus()
    info = h.getInfo()
    is_mip = bool(program.integer.any())
    status = _STATUS.get(model_status, SolveStatus.ERROR)
    has_primal = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if model_status in _LIMITS and has_primal:
        status = SolveStatus.FEASIBLE
    values = duals = None
    objective = gap = bound = None
    if status.has_solution:
        solution = h.getSolution()
        values = np.asarray(solution.col_value, dtype=np.float64)
        objective = float(info.objective_function_value)
        if not is_mip and solution.dual_valid:
            duals = np.asarray(solution.row_dual, dtype=np.float64)
        if is_mip:
            gap = float(info.mip_gap)
            bound = float(info.mip_dual_bound)
        else:
            gap, bound = 0.0, objective
    return SolveResult(
        status=status,
        solver="highs",
        solver_version=version(),
        raw_status=h.modelStatusToString(model_status),
        objective=objective,
        values=values,
        row_duals=duals,
        mip_gap=gap,
        best_bound=bound,
        solve_seconds=seconds,
        is_mip=is_mip,
    )


class InfeasibleSubset(NamedTuple):
    """What HiGHS says of the LP relaxation, and its irreducible infeasible subset.

    ``lp_infeasible``: ``True`` proven infeasible, ``False`` proven feasible (the
    conflict is then in the integers), ``None`` not settled (a time limit). ``rows``
    and ``cols`` are empty when no subset came back, even for an infeasible LP.
    """

    lp_infeasible: bool | None
    rows: tuple[int, ...] = ()
    cols: tuple[int, ...] = ()


def irreducible_infeasible_subset(program: LinearProgram,
                                  time_limit_s: float = 60.0) -> InfeasibleSubset:
    """The LP relaxation's status and, when infeasible, an irreducible infeasible subset.

    The row-priority strategy was the one that returned a subset on this model; the
    default gave empty ones.
    """
    relaxed = program.relaxed()
    h = make_highs(relaxed, SolverSection(time_limit_s=time_limit_s))  # type: ignore[call-arg]
    h.setOptionValue("iis_strategy", 2)
    h.run()
    model_status = h.getModelStatus()
    if model_status == highspy.HighsModelStatus.kOptimal:
        return InfeasibleSubset(False)
    if model_status != highspy.HighsModelStatus.kInfeasible:
        return InfeasibleSubset(None)
    status, iis = h.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return InfeasibleSubset(True)
    return InfeasibleSubset(True, tuple(iis.row_index_), tuple(iis.col_index_))
