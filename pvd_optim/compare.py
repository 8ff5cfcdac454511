"""``pvd-optim compare``: gather allocations from results folders and scenarios, report.

Each input is either a results folder written by ``pvd-optim run`` (read back
and re-verified by :func:`pvd_optim.output.read_allocation`) or a scenario
file, solved to its optimum or, with ``strategies``, allocated by each named
strategy of :mod:`pvd_optim.strategies`. The allocations then go to
:class:`pvd_optim.report.Comparison` and :func:`pvd_optim.report.write_report`.

Labels (what ``--pair`` names): an input with one allocation is labelled by its
name, the scenario's ``name`` for a scenario file and the folder's name for a
results folder; a scenario allocated by several strategies gives
``<scenario>/<strategy>`` labels (``national/optimum``, ``national/equal_split``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message, Plural

if TYPE_CHECKING:
    from pvd_optim.report import Comparison
    from pvd_optim.results import Allocation

Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Source:
    """The allocations one input produced, with the scenario behind them (if known).

    ``by_strategy``: the allocations come from named strategies (labelled
    ``name/strategy``), not from one optimum (labelled ``name``).
    """

    name: str
    allocations: list[Allocation]
    scenario: dict[str, Any] | None
    by_strategy: bool = False


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
        raise InputError(Message("unknown strategy {names}; choose from {known} or 'all'",
                                 names=", ".join(unknown) or Message("(none given)"),
                                 known=", ".join(STRATEGIES)), field="--strategies")
    return list(dict.fromkeys(names))


def _read_folder(folder: Path) -> Source:
    from pvd_optim.output import read_results

    read = read_results(folder)
    return Source(folder.name, [read.allocation], read.scenario.model_dump(mode="json"))


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
            raise InfeasibleError(Message(
                "infeasible: {path}: {reason} (`pvd-optim run {path}` writes the diagnosis)",
                path=str(path), reason=exc.args[0]), exc.diagnosis) from None
    from pvd_optim.assemble import prepare
    from pvd_optim.pipeline import problem_of
    from pvd_optim.strategies import run_strategies

    progress(Message("{scenario}: loading and scoring towns", scenario=scenario.name))
    prepared = prepare(scenario)
    progress(Plural("{scenario}: running {count} strategy ({names})",
                    "{scenario}: running {count} strategies ({names})", len(strategies),
                    scenario=scenario.name, names=", ".join(strategies)))
    allocations = run_strategies(problem_of(scenario, prepared), strategies)
    return Source(scenario.name, allocations, content, by_strategy=True)


def load_sources(paths: Sequence[str | Path], strategies: list[str] | None = None,
                 progress: Progress | None = None) -> list[Source]:
    """Read or solve every input, in order."""
    say = progress or (lambda message: None)
    if strategies is not None and not any(Path(p).is_file() for p in paths):
        raise InputError(Message("applies to scenario files; every input here is a results "
                                 "folder"), field="--strategies")
    sources = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            say(Message("reading results folder {folder}", folder=str(path)))
            sources.append(_read_folder(path))
        elif path.is_file():
            sources.append(_solve_scenario(path, strategies, say))
        else:
            from pvd_optim.output.readback import interrupted_hint

            raise InputError(Message("no such results folder or scenario file{hint}",
                                     hint=interrupted_hint(path)), file=path)
    return sources


def label_allocations(sources: Sequence[Source]) -> tuple[list[Allocation], dict[str, Any]]:
    """Distinct labels: an input's name, or ``name/strategy`` for a scenario's strategies.

    The name is the scenario's name for a scenario file and the folder's name for
    a results folder; a repeated label gets `` (2)``, `` (3)``... Returns the
    relabelled allocations and ``label -> scenario content``.
    """
    allocations: list[Allocation] = []
    scenarios: dict[str, Any] = {}
    for source in sources:
        for allocation in source.allocations:
            label = (f"{source.name}/{allocation.label}" if source.by_strategy
                     else source.name)
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
    Labels: an input with one allocation is labelled by its name (the scenario's
    name, or the results folder's); a scenario with strategies gives
    ``<scenario>/<strategy>`` (``national/equal_split``).
    ``out``: tables folder (default ``results/compare-<first input>``); ``report``:
    HTML file (default ``out/report.html``); ``pair``: ``"from,to"`` labels for
    the differences (default: first against each other).
    """
    from pvd_optim.output import safe_name
    from pvd_optim.report import Comparison, write_report
    from pvd_optim.report.export import reserve_report

    if not paths:
        raise InputError(Message("give at least one results folder or scenario file"))
    names = strategy_names(strategies)
    say = progress or (lambda message: None)
    out_dir = (Path(out) if out is not None else Path("results") / safe_name(
        f"compare-{Path(paths[0]).stem}", default="compare"))
    pairs = []
    if pair is not None:
        chosen = [p.strip() for p in pair.split(",")]
        if len(chosen) != 2 or not all(chosen):
            raise InputError(Message("expected two labels separated by a comma, got {pair}",
                                     pair=repr(pair)), field="--pair")
        pairs = [(chosen[0], chosen[1])]
    # Targets checked and locked before solving anything (solving can take minutes),
    # and held until the report is written.
    with reserve_report(out_dir, report, force=force):
        sources = load_sources(paths, names, say)
        allocations, scenarios = label_allocations(sources)
        comparison = Comparison(allocations, scenarios=scenarios, pairs=pairs)
        say(Plural("writing the report of {count} allocation",
                   "writing the report of {count} allocations", len(allocations)))
        written, report_path = write_report(comparison, out_dir, report=report, force=force)
    return CompareResult(comparison, written, report_path)
