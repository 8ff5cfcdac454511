"""``sweep``: the variants of a scenario's ``sweep:`` section, their tables and report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pvd_optim import i18n
from pvd_optim.cli.common import Progress, folder_name, say
from pvd_optim.errors import ExitCode, one_line
from pvd_optim.i18n.message import Message, Plural

if TYPE_CHECKING:
    from pvd_optim.sweep.api import SweepResult

#: How each status of a variant is counted in the summary line (``5 optimal``): a variant
#: is feminine in French (``5 optimales``).
STATUS_COUNTS: dict[str, Callable[[int], Message]] = {
    "optimal": lambda n: Plural("{count:,} optimal", "{count:,} optimal", n),
    "feasible": lambda n: Plural("{count:,} feasible", "{count:,} feasible", n),
    "relaxed": lambda n: Plural("{count:,} relaxed", "{count:,} relaxed", n),
    "infeasible": lambda n: Plural("{count:,} infeasible", "{count:,} infeasible", n),
    "no_solution": lambda n: Plural("{count:,} no_solution", "{count:,} no_solution", n),
    "invalid": lambda n: Plural("{count:,} invalid", "{count:,} invalid", n),
    "error": lambda n: Plural("{count:,} error", "{count:,} error", n),
}


def _count_of(status: str, count: int) -> str:
    if status in STATUS_COUNTS:
        return STATUS_COUNTS[status](count)
    return f"{count:,} {status}"


def sweep_command(args: argparse.Namespace, progress: Progress) -> int:
    """``pvd-optim sweep``: solve (or resume) every variant, write the tables and report."""
    from pvd_optim.scenario import parse_overrides
    from pvd_optim.sweep.api import load_sweep, run_sweep

    plan = load_sweep(args.scenario, parse_overrides(args.overrides) or None)
    # The report and these lines: --lang, else the base scenario's, else the locale's.
    t = i18n.use(i18n.choose_language(args.lang, configured=plan.base.output.language))
    if args.list:
        import pandas as pd

        from pvd_optim.output import csv_text

        rows = [{"variant_id": v.variant_id, "sample": v.sample, **v.parameters}
                for v in plan.variants]
        sys.stdout.write(csv_text(pd.DataFrame(rows).astype({"sample": "Int64"})))
        return ExitCode.OK
    out = args.out if args.out is not None else Path("results") / folder_name(
        f"sweep-{plan.base.name}")
    if not args.quiet:
        for note in plan.notes:
            say(Message("note: {note}", note=note), error=True)

    def report(result: SweepResult) -> dict[str, bytes]:
        from pvd_optim.report.sweep import render_sweep_html

        return {"report.html": render_sweep_html(result, lang=t.language).encode()}

    try:
        result = run_sweep(plan, out=out, workers=args.workers, scheduler=args.scheduler,
                           progress=not args.quiet, extra_files=report)
    except KeyboardInterrupt:
        say(Message("interrupted: the variants solved so far are in {folder}; run the same "
                    "command again to resume", folder=str(out)), error=True)
        return ExitCode.INTERRUPTED
    counts = result.counts
    if not args.quiet:
        print(one_line(summary_line(len(plan.variants), counts, result.solved_now,
                                    out).render(t)))
    return _exit_code(counts)


def summary_line(n_variants: int, counts: dict[str, int], solved_now: int, out: Path
                 ) -> Message:
    """``6 variants (5 optimal, 1 infeasible) -> FOLDER (...)``, with the resumed count."""
    from pvd_optim.i18n.message import joined

    shown = joined([_count_of(status, n) for status, n in counts.items()], i18n.N_(", "))
    resumed = n_variants - solved_now
    if resumed:
        return Plural("{count:,} variant ({shown}; {resumed:,} resumed from the folder) -> "
                      "{folder} (report.html, variants.csv, towns.csv)",
                      "{count:,} variants ({shown}; {resumed:,} resumed from the folder) -> "
                      "{folder} (report.html, variants.csv, towns.csv)",
                      n_variants, shown=shown, resumed=resumed, folder=str(out))
    return Plural("{count:,} variant ({shown}) -> {folder} (report.html, variants.csv, "
                  "towns.csv)",
                  "{count:,} variants ({shown}) -> {folder} (report.html, variants.csv, "
                  "towns.csv)",
                  n_variants, shown=shown, folder=str(out))


def _exit_code(counts: dict[str, int]) -> int:
    """The sweep's exit code, with a warning for the variants that did not solve."""
    if counts.get("error"):
        say(Plural("warning: {count} variant failed with an error (see variants.csv); a "
                   "resumed sweep solves those whose worker was lost again",
                   "warning: {count} variants failed with an error (see variants.csv); a "
                   "resumed sweep solves those whose worker was lost again",
                   counts["error"]), error=True)
        return ExitCode.INTERNAL
    if counts.get("invalid"):
        say(Plural("warning: {count} variant is not a valid scenario (see variants.csv)",
                   "warning: {count} variants are not valid scenarios (see variants.csv)",
                   counts["invalid"]), error=True)
        return ExitCode.INPUT
    if counts.get("no_solution") or counts.get("feasible"):
        say(Message("warning: some variants stopped at a limit without a proven optimum (see "
                    "variants.csv); raise solver.time_limit_s"), error=True)
        return ExitCode.LIMIT
    return ExitCode.OK


__all__ = ["summary_line", "sweep_command"]
