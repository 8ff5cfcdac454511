"""``pvd-optim compare``: gather allocations from results folders and scenarios, report.

Each input is either a results folder written by ``pvd-optim run`` (read back
and re-verified by :func:`pvd_optim.output.read_allocation`) or a scenario
file, solved to its optimum or, with ``strategies``, allocated by each named
strategy of :mod:`pvd_optim.strategies`. The allocations then go to
:class:`pvd_optim.report.Comparison` and :func:`pvd_optim.report.write_report`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.errors import InputError

if TYPE_CHECKING:
    from pvd_optim.report import Comparison
    from pvd_optim.results import Allocation

Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Source:
    """The allocations one input produced, with the scenario behind them (if known)."""

    name: str
    allocations: list[Allocation]
    scenario: dict[str, Any] | None


@dataclass(frozen=True, eq=False)
class CompareResult:
    """What ``compare`` wrote, and the comparison itself."""

    comparison: Comparison
    out_dir: Path
    report: Path


def strategy_names(text: str | None) -> list[str] | None:
    """``"all"`` or ``"a,b"`` as a list of known strategy names; ``None`` stays ``None``."""
    if text is None:
        return None
    from pvd_optim.strategies import STRATEGIES

    if text.strip() == "all":
        return list(STRATEGIES)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown or not names:
        raise InputError(f"unknown strategy {', '.join(unknown) or '(none given)'}; choose from "
                         f"{', '.join(STRATEGIES)} or 'all'", field="--strategies")
    return list(dict.fromkeys(names))


def _read_folder(folder: Path) -> Source:
    from pvd_optim.output import read_allocation

    allocation = read_allocation(folder)
    scenario = None
    scenario_file = folder / "scenario.json"
    if scenario_file.is_file():
        try:
            scenario = json.loads(scenario_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read scenario.json: {exc}", file=folder) from None
    return Source(folder.name, [allocation], scenario)


def _solve_scenario(path: Path, strategies: list[str] | None, progress: Progress) -> Source:
    from pvd_optim.scenario import load_scenario

    scenario = load_scenario(path)
    content = scenario.model_dump(mode="json")
    if strategies is None:
        from pvd_optim.errors import InfeasibleError
        from pvd_optim.pipeline import optimise

        try:
            return Source(scenario.name, [optimise(scenario, progress)], content)
        except InfeasibleError as exc:
            # Several inputs: say which one; `pvd-optim run` writes the diagnosis.
            raise InfeasibleError(
                f"infeasible: {path}: {exc} (`pvd-optim run {path}` writes the diagnosis)",
                exc.diagnosis) from None
    from pvd_optim.assemble import prepare
    from pvd_optim.pipeline import problem_of
    from pvd_optim.strategies import run_strategies

    progress(f"{scenario.name}: loading and scoring towns")
    prepared = prepare(scenario)
    progress(f"{scenario.name}: running {len(strategies)} strateg"
             f"{'y' if len(strategies) == 1 else 'ies'} ({', '.join(strategies)})")
    allocations = run_strategies(problem_of(scenario, prepared), strategies)
    return Source(scenario.name, allocations, content)


def load_sources(paths: Sequence[str | Path], strategies: list[str] | None = None,
                 progress: Progress | None = None) -> list[Source]:
    """Read or solve every input, in order."""
    say = progress or (lambda message: None)
    if strategies is not None and not any(Path(p).is_file() for p in paths):
        raise InputError("applies to scenario files; every input here is a results folder",
                         field="--strategies")
    sources = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            say(f"reading results folder {path}")
            sources.append(_read_folder(path))
        elif path.is_file():
            sources.append(_solve_scenario(path, strategies, say))
        else:
            raise InputError("no such results folder or scenario file", file=path)
    return sources


def label_allocations(sources: Sequence[Source]) -> tuple[list[Allocation], dict[str, Any]]:
    """Distinct labels: strategy names for one input, ``input/strategy`` for several.

    Returns the relabelled allocations and ``label -> scenario content``.
    """
    several = len(sources) > 1
    allocations: list[Allocation] = []
    scenarios: dict[str, Any] = {}
    for source in sources:
        for allocation in source.allocations:
            if not several:
                label = allocation.label
            elif len(source.allocations) == 1:
                label = source.name
            else:
                label = f"{source.name}/{allocation.label}"
            base, n = label, 2
            while label in scenarios:
                label, n = f"{base} ({n})", n + 1
            if label != allocation.label:
                allocation = dataclasses.replace(allocation, label=label)
            allocations.append(allocation)
            scenarios[label] = source.scenario
    return allocations, scenarios


def compare(
    paths: Sequence[str | Path],
    *,
    strategies: str | None = None,
    out: str | Path | None = None,
    report: str | Path | None = None,
    pair: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> CompareResult:
    """Compare the allocations of ``paths`` and write the report and its tables.

    ``strategies``: ``"all"`` or comma-separated names (scenario inputs only).
    ``out``: tables folder (default ``results/compare-<first input>``); ``report``:
    HTML file (default ``out/report.html``); ``pair``: ``"from,to"`` labels for
    the differences (default: first against each other).
    """
    from pvd_optim.output import check_target
    from pvd_optim.report import Comparison, write_report

    if not paths:
        raise InputError("give at least one results folder or scenario file")
    names = strategy_names(strategies)
    say = progress or (lambda message: None)
    out_dir = Path(out) if out is not None else Path("results") / f"compare-{Path(paths[0]).stem}"
    # Refuse an existing target before solving anything: solving can take minutes.
    check_target(out_dir, force=force)
    if report is not None and Path(report).exists() and not force:
        raise InputError("report file already exists; choose another --report or pass --force",
                         file=report)
    pairs = []
    if pair is not None:
        chosen = [p.strip() for p in pair.split(",")]
        if len(chosen) != 2 or not all(chosen):
            raise InputError(f"expected two labels separated by a comma, got {pair!r}",
                             field="--pair")
        pairs = [(chosen[0], chosen[1])]
    sources = load_sources(paths, names, say)
    allocations, scenarios = label_allocations(sources)
    comparison = Comparison(allocations, scenarios=scenarios, pairs=pairs)
    say(f"writing the report of {len(allocations)} allocation(s)")
    written, report_path = write_report(comparison, out_dir, report=report, force=force)
    return CompareResult(comparison, written, report_path)
