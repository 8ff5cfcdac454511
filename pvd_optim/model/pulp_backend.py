"""PuLP back end: the same ``LinearProgram`` as a PuLP problem, for CBC.

Rows are built from the CSR arrays as lists of (variable, coefficient) pairs,
the fastest way PuLP offers (measured 2-3x faster than ``lpSum`` over
generators). The loops here are over rows and columns because PuLP has no
vector interface; the model itself is still defined once, in
``formulation.py``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time

import numpy as np
import pulp

from pvd_optim.model.program import LinearProgram
from pvd_optim.model.solve import SOLVER_LOG, threads_to_use
from pvd_optim.model.status import SolveResult, SolveStatus
from pvd_optim.scenario.schema import SolverSection


def _bound(value: float) -> float | None:
    return None if not np.isfinite(value) else float(value)


def to_pulp(program: LinearProgram, name: str = "pvd_optim") -> tuple[pulp.LpProblem, list]:
    """The program as a ``pulp.LpProblem`` and its variables in column order."""
    problem = pulp.LpProblem(name, pulp.LpMaximize if program.maximise else pulp.LpMinimize)
    col_names = program.col_names()
    variables = [
        problem.add_variable(
            col_name,
            _bound(lo),
            _bound(up),
            pulp.LpInteger if is_int else pulp.LpContinuous,
        )
        for col_name, lo, up, is_int in zip(
            col_names,
            program.col_lower.tolist(),
            program.col_upper.tolist(),
            program.integer.tolist(),
            strict=True,
        )
    ]
    nonzero = np.flatnonzero(program.cost)
    problem.setObjective(
        pulp.LpAffineExpression([(variables[j], float(program.cost[j])) for j in nonzero])
    )
    starts = program.row_start.tolist()
    index = program.row_index.tolist()
    value = program.row_value.tolist()
    for i, (row_name, lo, up) in enumerate(
        zip(program.row_names(), program.row_lower.tolist(), program.row_upper.tolist(),
            strict=True)
    ):
        expr = pulp.LpAffineExpression(
            [(variables[j], v) for j, v in zip(index[starts[i]:starts[i + 1]],
                                               value[starts[i]:starts[i + 1]], strict=True)]
        )
        if lo == up:
            sense, rhs = pulp.LpConstraintEQ, lo
        elif np.isfinite(up):
            sense, rhs = pulp.LpConstraintLE, up
        else:
            sense, rhs = pulp.LpConstraintGE, lo
        problem.addConstraint(pulp.LpConstraint(expr, sense, row_name, rhs))
    return problem, variables


def cbc_solver(settings: SolverSection, *, mip: bool, log_path: str | None = None
               ) -> pulp.LpSolver:
    """CBC through PuLP, using the binary PuLP ships (no PATH lookup).

    ``log_path`` receives CBC's log, from which the proved gap is read.
    """
    return pulp.COIN_CMD(
        path=pulp.apis.coin_api.pulp_cbc_path,
        mip=mip,
        msg=False,
        timeLimit=settings.time_limit_s,
        gapRel=settings.mip_gap,
        threads=threads_to_use(settings.threads)[0],
        logPath=log_path,
    )


_EXIT_ON_GAP = re.compile(r"Cbc0011I Exiting as integer gap of (\S+)")
_PARTIAL = re.compile(r"Cbc0005I Partial search - best objective (\S+) \(best possible (\S+)\)")
_COMPLETED = "Cbc0001I Search completed"


def proved_gap(log: str, objective: float, requested_gap: float) -> float | None:
    """The relative MIP gap CBC proved, read from its log (``None`` when it says nothing).

    CBC minimises (PuLP negates a maximisation), so objective and bound in the log
    carry the opposite sign; the gap is taken in absolute value. When CBC stops on
    the gap it logs the absolute gap; when it stops on a limit, the best possible
    bound; when it completes its search, the gap is 0 if none was allowed, else the
    allowed one, the only bound CBC proves when it prunes nodes within it.
    """
    scale = max(abs(objective), 1e-10)
    exit_on_gap = _EXIT_ON_GAP.search(log)
    if exit_on_gap:
        return abs(float(exit_on_gap.group(1))) / scale
    partial = _PARTIAL.search(log)
    if partial:
        best, bound = float(partial.group(1)), float(partial.group(2))
        return abs(best - bound) / max(abs(best), 1e-10) if abs(best) < 1e49 else None
    if _COMPLETED in log:
        return 0.0 if requested_gap <= 0 else float(requested_gap)
    return None


def cbc_version() -> str:
    """The version of PuLP's CBC binary, as it reports itself."""
    import subprocess

    try:
        out = subprocess.run(
            [pulp.apis.coin_api.pulp_cbc_path, "-quit"], capture_output=True, text=True,
            timeout=10, check=False,
        ).stdout
    except OSError:
        return "unavailable"
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def solve(
    program: LinearProgram,
    settings: SolverSection,
    solver: pulp.LpSolver | None = None,
) -> SolveResult:
    """Solve through PuLP (CBC by default) and normalise the outcome."""
    is_mip = bool(program.integer.any())
    problem, variables = to_pulp(program)
    started = time.perf_counter()
    log = ""
    with tempfile.TemporaryDirectory(prefix="pvd-optim-cbc-") as tmp:
        log_path = os.path.join(tmp, "cbc.log")
        solver = solver or cbc_solver(settings, mip=is_mip, log_path=log_path)
        cwd = os.getcwd()
        os.chdir(tmp)  # PuLP's command-line solvers write their files to the cwd
        try:
            problem.solve(solver)
        except pulp.PulpSolverError as exc:
            return _failed(str(exc), time.perf_counter() - started, is_mip)
        finally:
            os.chdir(cwd)
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                log = handle.read()
    if SOLVER_LOG.get():
        sys.stderr.write(log)
    seconds = time.perf_counter() - started
    status = _normalise(problem.status, problem.sol_status)
    values = duals = None
    objective = gap = bound = None
    if status.has_solution:
        values = np.array([v.varValue if v.varValue is not None else 0.0 for v in variables])
        objective = float(program.cost @ values)
        if not is_mip:
            constraints = problem.constraints()
            duals = np.array([con.pi if con.pi is not None else np.nan for con in constraints])
            if np.isnan(duals).any():
                duals = None
            gap, bound = 0.0, objective
        else:
            gap = proved_gap(log, objective, settings.mip_gap)
    return SolveResult(
        status=status,
        solver=getattr(solver, "name", "pulp").lower().replace("coin_cmd", "cbc"),
        solver_version=cbc_version() if isinstance(solver, pulp.COIN_CMD) else pulp.__version__,
        raw_status=f"{pulp.LpStatus[problem.status]} / "
        f"{pulp.constants.LpSolution.get(problem.sol_status, problem.sol_status)}",
        objective=objective,
        values=values,
        row_duals=duals,
        mip_gap=gap,
        best_bound=bound,
        solve_seconds=seconds,
        is_mip=is_mip,
        notes=threads_to_use(settings.threads)[1],
    )


def _normalise(status: int, sol_status: int) -> SolveStatus:
    if sol_status == pulp.LpSolutionOptimal:
        return SolveStatus.OPTIMAL
    if sol_status == pulp.LpSolutionIntegerFeasible:
        return SolveStatus.FEASIBLE
    if sol_status == pulp.LpSolutionInfeasible or status == pulp.LpStatusInfeasible:
        return SolveStatus.INFEASIBLE
    if sol_status == pulp.LpSolutionUnbounded or status == pulp.LpStatusUnbounded:
        return SolveStatus.UNBOUNDED
    if status == pulp.LpStatusNotSolved:
        return SolveStatus.NO_SOLUTION
    return SolveStatus.ERROR


def _failed(message: str, seconds: float, is_mip: bool) -> SolveResult:
    return SolveResult(SolveStatus.ERROR, "cbc", "", message, None, None, None, None, None,
                       seconds, is_mip)

