"""``run_sweep`` / ``sweep``: a scenario's sweep, solved and written into a resumable folder.

::

    import pvd_optim

    table = pvd_optim.sweep("scenarios/sweep-envelope.yaml", out="results/envelope")
    result = pvd_optim.sweep.run_sweep("scenarios/sweep-weights.yaml", out="results/w",
                                       workers=2)
    result.table, result.towns, result.regions, result.sensitivity

The scenario file holds a ``sweep:`` section (:mod:`pvd_optim.sweep.definition`), or
extends the scenario it sweeps; from Python a ``Scenario`` and a definition (a mapping
or a ``SweepSection``) do too. Every solve of a sweep runs on one thread
(``solver.threads`` is set to 1 in the base scenario, with a note); the follow-up
re-solves of a single run (shadow prices, price of balance) are not part of a
variant's work: ``pvd-optim run`` with a variant's parameters gives them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.errors import OutputError, ScenarioError
from pvd_optim.i18n.message import Message
from pvd_optim.pipeline import check_solver_settings
from pvd_optim.scenario import load_scenario, with_overrides
from pvd_optim.scenario.schema import Scenario
from pvd_optim.sweep.definition import SweepSection, parse_section
from pvd_optim.sweep.variants import Variant, base_value, expand
from pvd_optim.sweep.work import VariantTask, versions

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.scenario.yaml_reader import Lines

IDENTITY_FORMAT = 2
BASE_ID = "base"


@dataclass(frozen=True, eq=False)
class Sweep:
    """A validated sweep: the base scenario, its definition and every variant."""

    base: Scenario
    section: SweepSection
    variants: tuple[Variant, ...]
    notes: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The swept fields, grid first."""
        return self.section.keys()

    def base_values(self) -> dict[str, Any]:
        """The base scenario's value of each swept field."""
        return {key: base_value(self.base, key) for key in self.keys}

    @cached_property
    def identity(self) -> dict[str, Any]:
        """What ``sweep.json`` records; ``sweep_sha256`` decides whether a folder resumes."""
        from pvd_optim.output import dumps, scenario_hash

        definition = self.section.model_dump(mode="json")
        base_sha = scenario_hash(self.base)
        ids = [v.variant_id for v in self.variants]
        mine = versions()
        # What the records depend on, and nothing else: the same variants of the same base
        # with the same versions resume, whatever the description or the metrics the
        # report plots (a new report of a finished sweep solves nothing again).
        digest = hashlib.sha256(dumps({"identity_format": IDENTITY_FORMAT, "base": base_sha,
                                       "variants": ids, "versions": mine}).encode())
        return {"folder_kind": "sweep", "identity_format": IDENTITY_FORMAT,
                "sweep_sha256": digest.hexdigest(), "base_scenario_sha256": base_sha,
                "definition": definition, "versions": mine,
                "scenario_name": self.base.name,
                "scenario_file": str(self.base.source) if self.base.source else None,
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "variants": [{"variant_id": v.variant_id, "sample": v.sample,
                              "parameters": v.parameters} for v in self.variants]}

    def task(self, variant: Variant) -> VariantTask:
        """What a worker gets to solve ``variant``."""
        return VariantTask(variant.variant_id, variant.sample, variant.parameters, None,
                           self.identity["sweep_sha256"], versions())

    def base_task(self) -> VariantTask:
        """What a worker gets to solve the base scenario."""
        return VariantTask(BASE_ID, None, {}, self.base, self.identity["sweep_sha256"],
                           versions())


def _one_thread(base: Scenario) -> tuple[Scenario, tuple[str, ...]]:
    if base.solver.threads == 1:
        return base, ()
    note = (f"solver.threads is {base.solver.threads} in the scenario; a sweep solves every "
            "variant on one thread (its workers are the parallelism)")
    return with_overrides(base, {"solver.threads": 1}), (note,)


def _sweep_from(base: Scenario, raw: Any, lines: Lines) -> Sweep:
    source = str(base.source) if base.source is not None else None
    section = raw if isinstance(raw, SweepSection) else parse_section(raw, lines, source)
    base, notes = _one_thread(base)
    check_solver_settings(base)  # as `pvd-optim run` does, before anything is solved
    return Sweep(base, section, tuple(expand(base, section, lines)), notes)


def load_sweep(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Sweep:
    """Read a sweep file (a scenario with a ``sweep:`` section, ``extends`` followed).

    ``overrides`` (dotted field -> value) change the base scenario, as ``--set`` does.
    Raises ``ScenarioError`` at the file, line and field of the first problem.
    """
    from pvd_optim.scenario.extends import resolve_extends

    base = load_scenario(path, overrides)
    lines = resolve_extends(Path(path)).lines
    return _sweep_from(base, base.sweep, lines)


def sweep_of(scenario: Scenario, definition: Mapping[str, Any] | SweepSection) -> Sweep:
    """A sweep of ``scenario`` defined in Python (the mapping a ``sweep:`` section holds)."""
    return _sweep_from(scenario, definition if isinstance(definition, SweepSection)
                       else dict(definition), {})


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep: its tables (as written in ``out``) and the base's record."""

    sweep: Sweep
    out: Path
    table: pd.DataFrame  # one row per variant (the tidy table)
    towns: pd.DataFrame  # per-town robustness
    regions: pd.DataFrame  # per-region summary
    sensitivity: pd.DataFrame  # the tornado's figures
    timings: pd.DataFrame  # per variant: how it was solved and how long it took
    base: dict[str, Any]
    counts: dict[str, int]
    solved_now: int  # variants solved by this call; the others were resumed from `out`
    notes: tuple[str, ...] = field(default=())


def _timings(records: dict[str, dict[str, Any]], order: list[str]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for variant_id in order:
        record = records[variant_id]
        work, timing = record.get("work") or {}, record.get("timing_s") or {}
        rows.append({"variant_id": variant_id, "status": record["status"],
                     "worker": record.get("worker"), "scoring": work.get("scoring"),
                     "model": work.get("model"), "warm_start": work.get("warm_start"),
                     **{f"{k}_s": timing.get(k) for k in ("prepare", "build", "solve",
                                                          "total", "cpu")}})
    return pd.DataFrame(rows)


def _round_metrics(table: pd.DataFrame) -> pd.DataFrame:
    from pvd_optim.analysis import METRICS
    from pvd_optim.output.rounding import for_planners

    columns = list(METRICS)
    rounded = for_planners(table[columns])
    out = table.copy()
    out[columns] = rounded.astype("float64")
    return out


def run_sweep(source: str | Path | Scenario | Sweep, *, out: str | Path,
              definition: Mapping[str, Any] | SweepSection | None = None,
              overrides: Mapping[str, Any] | None = None, workers: int | None = None,
              scheduler: str | None = None, progress: bool = False,
              extra_files: Callable[[SweepResult], Mapping[str, bytes]] | None = None
              ) -> SweepResult:
    """Solve every variant not yet in ``out``, then write and return the sweep's tables.

    ``source``: a sweep file, a ``Sweep``, or a ``Scenario`` with ``definition``.
    ``workers``: 1 solves in this process; N (default: one per core) on a local Dask
    cluster of N processes; ``scheduler``: the address of a running Dask scheduler.
    ``out`` is the sweep's folder (:mod:`pvd_optim.sweep.folder`): the same sweep into
    it resumes, a different one is refused. ``extra_files(result)`` gives files (name ->
    bytes, the report) written into ``out`` with the tables, under the sweep's lock.
    """
    from pvd_optim.output.rounding import for_planners
    from pvd_optim.sweep.execute import Progress, execute
    from pvd_optim.sweep.folder import SweepFolder
    from pvd_optim.sweep.sensitivity import sensitivities
    from pvd_optim.sweep.tables import region_summary, status_counts, tidy_table, town_robustness

    if workers is not None and workers < 1:
        raise ScenarioError(Message("workers must be at least 1, got {workers}", workers=workers),
                            field="--workers")
    if workers is not None and scheduler is not None:
        raise ScenarioError(Message("give either workers or a scheduler address, not both"),
                            field="--scheduler")
    if isinstance(source, Sweep):
        plan = source
    elif isinstance(source, Scenario):
        if definition is None:
            if source.sweep is None:
                raise ScenarioError(Message("no sweep definition: pass definition=, or a "
                                            "scenario with a sweep section"), field="definition")
            definition = source.sweep
        plan = sweep_of(with_overrides(source, overrides) if overrides else source, definition)
    else:
        plan = load_sweep(source, overrides)
    order = [v.variant_id for v in plan.variants]
    with SweepFolder(out, plan.identity) as folder:
        kept = dict(folder.records(order))
        todo = [v for v in plan.variants if kept[v.variant_id] is None]
        bar = Progress(len(order), len(order) - len(todo), progress, f"{plan.base.name}")
        try:
            if todo or folder.read_base() is None:
                execute(plan.base_task(), [plan.task(v) for v in todo], workers=workers,
                        scheduler=scheduler, on_base=folder.write_base,
                        on_record=folder.write_record, progress=bar)
        finally:
            bar.close()
        # The tables are made from the records as written, whichever process solved them.
        records = {i: r for i, r in folder.records(order, transient=True) if r is not None}
        missing = [i for i in order if i not in records]
        base = folder.read_base()
        if missing or base is None:
            raise OutputError(Message("{count} record(s) could not be read back after writing "
                                      "(first: {first}); the file system may be failing",
                                      count=len(missing), first=str(missing[:1])),
                              file=str(out))
        table = _round_metrics(tidy_table(plan.variants, records, plan.keys))
        towns = for_planners(town_robustness(records, order))
        regions = for_planners(region_summary(records, order))
        sensitivity = sensitivities(table, plan.section, plan.section.report_metrics,
                                    plan.base_values())
        timings = _timings(records, order)
        for name, frame in (("variants", table), ("towns", towns), ("regions", regions),
                            ("sensitivity", sensitivity), ("timings", timings)):
            folder.write_table(name, frame)
        result = SweepResult(plan, Path(out), table, towns, regions, sensitivity, timings, base,
                             status_counts(records), len(todo), plan.notes)
        for name, content in (extra_files(result) if extra_files else {}).items():
            folder.write_file(name, content)
    return result


def sweep(source: str | Path | Scenario | Sweep, *, out: str | Path,
          definition: Mapping[str, Any] | SweepSection | None = None,
          overrides: Mapping[str, Any] | None = None, workers: int | None = None,
          scheduler: str | None = None, progress: bool = False) -> pd.DataFrame:
    """Run a sweep (see :func:`run_sweep`) and return its tidy table, one row per variant."""
    return run_sweep(source, out=out, definition=definition, overrides=overrides,
                     workers=workers, scheduler=scheduler, progress=progress).table


__all__ = ["Sweep", "SweepResult", "load_sweep", "run_sweep", "sweep", "sweep_of"]
