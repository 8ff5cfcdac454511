"""One variant's work, the same function in every mode (in this process or on a Dask worker).

A variant does only the work it changes:

* **data** is loaded once per process: the commune table (and the planner's CSVs) are
  kept, keyed by the ``data`` section (and the themes when imputation depends on them);
* **scoring** runs again only when the themes or the data change; **eligibility** only
  when they or the eligibility section change; the model inputs are rebuilt (cheap);
* **the model**: a variant whose program has the base's matrix, costs and integrality
  (only budgets, capacities, caps... differ) is the base's model with new bounds;
  another (weights, tolerance, towns) is the program built for it;
* **the solve** starts from the base scenario's optimum where that stays feasible, and
  never from anything else, so the answer is the same whichever process solves it and
  whatever it solved before.

Nothing here writes: a variant's compact record (parameters, status, metrics,
per-town figures) goes back to the process that writes the sweep's folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InfeasibleError, InputError, PvdError, SolverError
from pvd_optim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from pydantic import BaseModel

    from pvd_optim.assemble import Prepared
    from pvd_optim.model.program import LinearProgram
    from pvd_optim.model.warm import StartingPoint
    from pvd_optim.results import Allocation
    from pvd_optim.scoring import Scores

#: Version of the record layout; records of another version are solved again.
RECORD_FORMAT = 1
#: Statuses of a variant that has an allocation (its figures count in the robustness).
WITH_ALLOCATION = ("optimal", "feasible", "relaxed")
#: Every status a record may have, in the order the summaries list them.
STATUSES = (*WITH_ALLOCATION, "infeasible", "no_solution", "invalid", "error")
#: Prepared data kept per process, per kind (tables, scores, eligible sets): a few, so that
#: a sweep over weights does not hold hundreds of score arrays.
CACHE_ENTRIES = 4
#: How the model of a variant was obtained.
BASE_MODEL, NEW_BOUNDS, REBUILT = "base", "base model, new bounds", "rebuilt"


@dataclass(frozen=True, eq=False)
class VariantTask:
    """What a worker needs to solve one variant (small: pickled to the worker).

    ``scenario`` is given for the base only: a variant's scenario is the base's with the
    variant's ``parameters`` set, made where it is solved (``with_overrides``, as when the
    sweep was validated), so that a task carries its parameters and not a whole scenario.
    """

    variant_id: str
    sample: int | None
    parameters: dict[str, Any]
    scenario: Scenario | None
    sweep_sha256: str
    versions: dict[str, str] = field(default_factory=dict)

    def scenario_from(self, base: BaseState | None) -> Scenario:
        """The scenario to solve: the task's own, or the base's with the parameters set."""
        if self.scenario is not None:
            return self.scenario
        if base is None:
            raise ValueError("a variant's task needs the base scenario's state")
        from pvd_optim.scenario import with_overrides

        return with_overrides(base.scenario, self.parameters)


@dataclass(frozen=True, eq=False)
class BaseState:
    """The base scenario solved: its program and optimum (the variants' start), its record."""

    scenario: Scenario
    program: LinearProgram | None
    start: StartingPoint | None
    record: dict[str, Any]


def versions() -> dict[str, str]:
    """The versions a sweep's answers depend on: pvd-optim's and the solver's."""
    from pvd_optim import __version__

    return {"pvd-optim": __version__, "highspy": metadata.version("highspy")}


def _key(*sections: BaseModel | None) -> str:
    content = [s.model_dump(mode="json") if s is not None else None for s in sections]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


class _Kept(OrderedDict[str, Any]):
    """A small least-recently-used store."""

    def get_or(self, key: str, make: Callable[[], Any]) -> tuple[Any, bool]:
        """The value kept under ``key`` (and True), or ``make()`` kept now (and False)."""
        if key in self:
            self.move_to_end(key)
            return self[key], True
        value = make()
        self[key] = value
        while len(self) > CACHE_ENTRIES:
            self.popitem(last=False)
        return value, False


_TABLES = _Kept()
_SCORES = _Kept()
_ELIGIBLE = _Kept()
# A Dask worker started with several threads runs several variants at once in one
# process: its stores are shared, so they are read and filled one thread at a time.
_STORES_LOCK = threading.Lock()


def prepare_reusing(scenario: Scenario) -> tuple[Prepared, bool]:
    """``assemble.prepare(scenario)``, reusing this process's tables, scores and eligibility.

    Returns the prepared data and whether the scores were reused. The steps are those of
    ``prepare``; ``tests/test_sweep_work.py`` checks that both give the same inputs.
    """
    with _STORES_LOCK:
        return _prepare_reusing(scenario)


def _prepare_reusing(scenario: Scenario) -> tuple[Prepared, bool]:
    from pvd_optim import assemble

    imputing = scenario.data.imputation != "none"
    table_key = _key(scenario.data, scenario.themes if imputing else None)
    (table, imputed), _ = _TABLES.get_or(table_key, lambda: assemble.load_table(scenario))

    def score() -> Scores:
        scores = assemble.score(scenario, table)
        if scenario.themes.scores_csv is not None:
            scores = assemble.apply_score_file(scenario, table, scores,
                                               scenario.themes.scores_csv)
        return scores

    scores_key = _key(scenario.data, scenario.themes)
    scores, reused = _SCORES.get_or(scores_key, score)
    eligible, _ = _ELIGIBLE.get_or(
        _key(scenario.data, scenario.themes, scenario.eligibility),
        lambda: assemble.select_eligible(scenario, table, scores))
    inputs = assemble.build_inputs(scenario, table, scores, eligible)
    return assemble.Prepared(table, scores, eligible, inputs, imputed), reused


def town_figures(allocation: Allocation) -> pd.DataFrame:
    """Per town: covered (0/1), funding (EUR) and expert-days, rounded as planners read them.

    Summed over years when the town table has a ``year`` column or index level, so that a
    multi-year allocation gives each town's programme totals.
    """
    from pvd_optim.output.rounding import for_planners

    figures = ["covered", "funding_eur", "expert_days"]
    frame = allocation.by_town
    if "year" in frame.columns or "year" in (frame.index.names or []):
        frame = frame[figures].groupby(level="insee", sort=False).sum()
    return for_planners(frame[figures].astype(np.float64))


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def blank_record(task: VariantTask) -> dict[str, Any]:
    """A record of ``task`` with nothing solved yet (status ``error`` until it is)."""
    return {"record_format": RECORD_FORMAT, "sweep_sha256": task.sweep_sha256,
            "variant_id": task.variant_id, "sample": task.sample,
            "parameters": dict(task.parameters), "status": "error", "error": None,
            "error_type": None, "objective": None, "mip_gap": None, "metrics": None,
            "towns": None, "checked_constraints": [], "work": {}, "timing_s": {},
            "worker": _worker_name(),
            "transient": False}


def _allocation_figures(record: dict[str, Any], allocation: Allocation) -> None:
    from pvd_optim.analysis import metrics

    record["status"] = allocation.status
    record["objective"] = allocation.objective
    record["mip_gap"] = allocation.mip_gap
    record["metrics"] = metrics(allocation)
    # What the independent checker verified before this record could be written (a
    # violation raises in ``solve_problem``: the variant is then an error, without figures).
    record["checked_constraints"] = list(allocation.check.checked)
    towns = town_figures(allocation)
    record["towns"] = {"insee": [str(c) for c in towns.index],
                       **{column: towns[column].tolist() for column in towns.columns}}


def _solve(task: VariantTask, base: BaseState | None, record: dict[str, Any]
           ) -> tuple[LinearProgram, StartingPoint | None] | None:
    """Solve the task's scenario into ``record``; the program and optimum when solved."""
    from pvd_optim.model import build_program
    from pvd_optim.model.warm import StartingPoint, same_matrix, start_is_feasible, with_bounds_of
    from pvd_optim.pipeline import problem_of, solve_problem

    clock = time.perf_counter()
    timing = record["timing_s"]
    scenario = task.scenario_from(base)
    prepared, reused = prepare_reusing(scenario)
    timing["prepare"] = time.perf_counter() - clock
    record["work"]["scoring"] = "reused" if reused else "computed"
    problem = problem_of(scenario, prepared)
    clock = time.perf_counter()
    program = build_program(problem.inputs)
    model = BASE_MODEL if base is None else REBUILT
    if base is not None and base.program is not None and same_matrix(program, base.program):
        program, model = with_bounds_of(base.program, program), NEW_BOUNDS
    timing["build"] = time.perf_counter() - clock
    start = base.start if base is not None else None
    warm = start is not None and start_is_feasible(program, start)
    record["work"].update({"model": model, "warm_start": warm})
    clock = time.perf_counter()
    solved = solve_problem(problem, program=program, start=start if warm else None)
    timing["solve"] = time.perf_counter() - clock
    _allocation_figures(record, solved.allocation(problem, label=task.variant_id))
    return program, StartingPoint(solved.result.require_values().copy())


def _run(task: VariantTask, base: BaseState | None) -> tuple[dict[str, Any], Any]:
    record = blank_record(task)
    started, cpu_started = time.perf_counter(), time.process_time()
    solved = None
    try:
        mine = versions()
        if task.versions and mine != task.versions:
            record["transient"] = True
            raise PvdError(f"this worker runs {mine}, the sweep was started with "
                           f"{task.versions}; install the same versions on every worker")
        solved = _solve(task, base, record)
    except InfeasibleError as exc:
        record.update(status="infeasible", error=str(exc), error_type=type(exc).__name__)
    except SolverError as exc:
        record.update(status="no_solution", error=str(exc), error_type=type(exc).__name__)
    except InputError as exc:
        record.update(status="invalid", error=str(exc), error_type=type(exc).__name__)
    except Exception as exc:  # recorded with the variant, so that the others go on
        record.update(status="error", error=str(exc) if isinstance(exc, PvdError)
                      else f"{type(exc).__name__}: {exc}", error_type=type(exc).__name__)
    record["timing_s"]["total"] = time.perf_counter() - started
    # The process's CPU time over the same span: well below ``total`` when the worker
    # was starved (more busy processes than cores), so that timings can be read.
    record["timing_s"]["cpu"] = time.process_time() - cpu_started
    return record, solved


def solve_base(task: VariantTask) -> BaseState:
    """Solve the base scenario cold: the record, and the program and optimum to start from."""
    record, solved = _run(task, None)
    assert task.scenario is not None, "the base task carries the base scenario"
    if solved is None:
        return BaseState(task.scenario, None, None, record)
    program, start = solved
    return BaseState(task.scenario, program, start, record)


def base_record(base: BaseState) -> dict[str, Any]:
    """The base's record alone (what the writing process needs of the base)."""
    return base.record


def evaluate(task: VariantTask, base: BaseState) -> dict[str, Any]:
    """Solve one variant, starting from the base's optimum where feasible; its record.

    Never raises for a variant's own failure: an infeasible, unsolved, invalid or failing
    variant is a record with its status and error, so that the other variants go on.
    """
    return _run(task, base)[0]


__all__ = ["RECORD_FORMAT", "STATUSES", "WITH_ALLOCATION", "BaseState", "VariantTask",
           "base_record", "blank_record", "evaluate", "prepare_reusing", "solve_base",
           "town_figures", "versions"]
