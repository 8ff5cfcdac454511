"""The ``pvd-optim`` command: a thin shell over the Python API.

Exit codes: 0 optimal, 2 bad input, 3 infeasible, 4 stopped at a limit without a
proven optimum, 1 internal error. User mistakes print one line (no traceback,
unless ``--debug``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pvd_optim.scenario.schema import Scenario

from pvd_optim.errors import EXIT_CODES_TEXT as EPILOG
from pvd_optim.errors import SWEEP_EXIT_CODES_TEXT, ExitCode, one_line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pvd-optim",
        description="Allocate Petites villes de demain resources by linear programming.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    common.add_argument("--debug", action="store_true", help="show tracebacks and solver logs")
    scenario_args = argparse.ArgumentParser(add_help=False)
    scenario_args.add_argument("scenario", type=Path, help="scenario YAML file")
    scenario_args.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario field, e.g. --set resources.funding.envelope_eur=30e6",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", parents=[common, scenario_args], help="solve a scenario",
                         epilog=EPILOG)
    run.add_argument("--out", type=Path, default=None,
                     help="results folder (default: results/<scenario name>)")
    run.add_argument("--solver", choices=("highs", "cbc"), default=None,
                     help="override the scenario's solver")
    run.add_argument("--force", action="store_true", help="replace an existing results folder")
    run.add_argument("--commitments", type=Path, default=None, metavar="PATH",
                     help="what is already decided: a CSV of commitments, or an earlier "
                          "results folder (with --from-year)")
    run.add_argument("--from-year", type=int, default=None, metavar="YEAR",
                     help="with a results folder as --commitments: lock every year before "
                          "this one to its allocation")
    run.add_argument("--lang", choices=("fr", "en"), default=None,
                     help="language of explain.md (default: the scenario's output.language, "
                          "else the locale's if French or English, else French)")

    sub.add_parser("validate", parents=[common, scenario_args],
                   help="check a scenario and its data without solving")

    towns = sub.add_parser("towns", parents=[common, scenario_args],
                           help="write the eligible towns with their scores")
    towns.add_argument("--out", type=Path, default=None, help="CSV file (default: stdout)")

    sub.add_parser("schema", parents=[common], help="print the scenario JSON Schema")

    compare = sub.add_parser(
        "compare", parents=[common], epilog=EPILOG,
        help="compare allocations (results folders, scenarios, strategies) in an HTML report")
    compare.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                         help="results folder (from `pvd-optim run`) or scenario YAML file")
    from pvd_optim.strategies import STRATEGIES

    compare.add_argument("--strategies", default=None, metavar="NAMES",
                         help="allocate each scenario by these strategies (comma-separated, "
                              f"or 'all'; one of {', '.join(STRATEGIES)}) instead of only the "
                              "optimum; labelled SCENARIO/STRATEGY")
    compare.add_argument("--report", type=Path, default=None, metavar="FILE.html",
                         help="HTML report (default: OUT/report.html)")
    compare.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="folder of CSV, Excel and Markdown tables "
                              "(default: results/compare-<first input>)")
    compare.add_argument("--pair", default=None, metavar="FROM,TO",
                         help="the two allocation labels to difference (default: the first "
                              "against each other); a label is the scenario's name, the "
                              "results folder's name, or SCENARIO/STRATEGY")
    compare.add_argument("--force", action="store_true",
                         help="replace an existing tables folder or report")
    compare.add_argument("--lang", choices=("fr", "en"), default=None,
                         help="language of the report (default: the locale's if French or "
                              "English, else French)")

    from pvd_optim.i18n import LANGUAGES

    explain = sub.add_parser(
        "explain", parents=[common], epilog=EPILOG,
        help="one town's page: what it got, why, and what would change it")
    explain.add_argument("results", type=Path, metavar="RESULTS",
                         help="results folder (from `pvd-optim run`) or scenario YAML file "
                              "(solved first)")
    explain.add_argument("--town", required=True, metavar="INSEE|NAME",
                         help="the town: its INSEE code (01350) or its name")
    explain.add_argument("--html", type=Path, default=None, metavar="FILE.html",
                         help="also write the page as a self-contained HTML file")
    explain.add_argument("--lang", choices=LANGUAGES, default=None,
                         help="language of the page (default: the locale's if French or "
                              "English, else French)")
    explain.add_argument("--exact", action="store_true",
                         help="re-solve exactly with the town's coverage forced even above "
                              "5,000 towns (minutes), instead of the LP bound")
    explain.add_argument("--force", action="store_true", help="replace an existing HTML file")

    sweep = sub.add_parser(
        "sweep", parents=[common, scenario_args], epilog=SWEEP_EXIT_CODES_TEXT,
        help="solve the variants of a scenario's sweep: section (grid, Monte Carlo draws), "
             "their robustness and a report")
    sweep.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help="sweep folder (default: results/sweep-<scenario name>); the same "
                            "sweep into it again resumes, a different one is refused")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="worker processes of a local Dask cluster (default: one per core; "
                            "1: in this process, without Dask)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="a running Dask scheduler (tcp://HOST:8786, from `dask scheduler`) "
                            "whose workers solve the variants")
    sweep.add_argument("--list", action="store_true",
                       help="print the variants (id, draw, parameters) as CSV and exit")
    return parser


class _Progress:
    """Step messages on stderr, with the time each step took."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()
        self.step_started = self.started
        self.current: str | None = None

    def __call__(self, message: str) -> None:
        self.finish()
        self.current = message
        self.step_started = time.perf_counter()
        if not self.quiet:
            print(f"[{self.step_started - self.started:6.1f}s] {message} ...", file=sys.stderr,
                  flush=True)

    def finish(self) -> None:
        if self.current is not None and not self.quiet:
            took = time.perf_counter() - self.step_started
            if took >= 1.0:
                print(f"         ({self.current}: {took:.1f} s)", file=sys.stderr, flush=True)
        self.current = None


def folder_name(name: str) -> str:
    """A scenario name made safe as one folder name: no separators, no leading dots, short."""
    from pvd_optim.output import safe_name

    return safe_name(name, default="scenario")


def _load(args: argparse.Namespace) -> Scenario:
    from pvd_optim.scenario import load_scenario, parse_overrides

    overrides = parse_overrides(args.overrides)
    if getattr(args, "solver", None):
        overrides["solver.name"] = args.solver
    committed = getattr(args, "commitments", None)
    if committed is not None:
        # Paths on the command line are relative to the current folder.
        where = "results" if committed.is_dir() else "csv"
        overrides["commitments"] = {where: str(committed.resolve()),
                                    **({"from_year": args.from_year}
                                       if args.from_year is not None else {})}
    elif getattr(args, "from_year", None) is not None:
        from pvd_optim.errors import InputError

        raise InputError("applies to a results folder given with --commitments",
                         field="--from-year")
    return load_scenario(args.scenario, overrides or None)


def _cmd_run(args: argparse.Namespace, progress: _Progress) -> int:
    from pvd_optim import i18n
    from pvd_optim.errors import InfeasibleError
    from pvd_optim.output import (
        dumps,
        expected_results_bytes,
        reserve,
        write_allocation,
        write_diagnosis,
    )
    from pvd_optim.output.commitments import resolve_commitments
    from pvd_optim.pipeline import run

    scenario = _load(args)
    # explain.md is written in one language: --lang, else the scenario's, else the locale's.
    i18n.use(i18n.choose_language(args.lang, configured=scenario.output.language))
    out = args.out if args.out is not None else Path("results") / folder_name(scenario.name)
    command = ["pvd-optim", *sys.argv[1:]]
    folder_bytes, largest_file_bytes = expected_results_bytes(scenario)
    # The target is checked and locked before solving (a solve can take minutes) and
    # held until the results are in place: a second run into it is refused at once.
    with reserve(out, force=args.force, expected_bytes=folder_bytes,
                 largest_file_bytes=largest_file_bytes):
        try:
            if scenario.commitments is not None and scenario.commitments.results is not None:
                progress("reading and verifying the committed results folder")
            result = run(scenario, progress, resolve_commitments(scenario))
        except InfeasibleError as exc:
            progress.finish()
            from pvd_optim.diagnose import Diagnosis

            diagnosis = exc.diagnosis
            assert isinstance(diagnosis, Diagnosis)
            t = i18n.active()
            write_diagnosis(dumps(diagnosis.to_dict()).encode(),
                            diagnosis.markdown(t).encode(), scenario, out, force=args.force,
                            command=command)
            print(t.gettext("infeasible: {headline} (diagnosis in {folder})").format(
                headline=diagnosis.headline(t), folder=out), file=sys.stderr)
            return ExitCode.INFEASIBLE
        progress("writing results")
        write_allocation(result.allocation, scenario, out, force=args.force, command=command)
    progress.finish()
    allocation = result.allocation
    totals = allocation.totals()
    if not args.quiet:
        calendar = allocation.calendar
        # Over several years money and days are summed, posts and towns are the last year's.
        span = f" over {calendar[0]}-{calendar[-1]};" if len(calendar) > 1 else ","
        last = f" in {calendar[-1]}" if len(calendar) > 1 else ""
        posts = totals["posts"]
        print(
            f"{allocation.status}: objective {allocation.objective:,.1f} k EUR-eq; "
            f"{totals['funding_eur'] / 1e6:,.2f} M EUR, {totals['expert_days']:,.0f} days"
            f"{span} {posts:,.0f} post{'' if round(posts) == 1 else 's'}{last} covering "
            f"{totals['covered_towns']:,.0f}/{totals['eligible_towns']:,.0f} towns -> {out}"
        )
    if allocation.status == "feasible":
        print(f"warning: not proven optimal (MIP gap {allocation.mip_gap:.2e}); results are "
              "marked so", file=sys.stderr)
        return ExitCode.LIMIT
    return ExitCode.OK


def _cmd_validate(args: argparse.Namespace, progress: _Progress) -> int:
    from pvd_optim.assemble import prepare
    from pvd_optim.diagnose import Diagnosis
    from pvd_optim.output.commitments import resolve_commitments
    from pvd_optim.pipeline import check_solver_settings
    from pvd_optim.screen import screen

    scenario = _load(args)
    check_solver_settings(scenario)
    if scenario.commitments is not None and scenario.commitments.results is not None:
        progress("reading and verifying the committed results folder")
    committed = resolve_commitments(scenario)
    progress("checking data and eligibility")
    prepared = prepare(scenario, committed)
    progress.finish()
    inputs = prepared.programme.first  # towns, regions, groups: the same every year
    proven_needed = screen(prepared.inputs, scenario)
    if proven_needed:
        headline = Diagnosis(scenario.name, tuple(proven_needed), ()).headline()
        print(f"infeasible: {headline} (necessary conditions checked without solving; "
              "`pvd-optim run` gives the full diagnosis)", file=sys.stderr)
        return ExitCode.INFEASIBLE
    if not args.quiet:
        counts = ", ".join(
            f"{count} {word}{'' if count == 1 else 's'}"
            for count, word in ((inputs.n_regions, "region"),
                                (inputs.n_directorates, "directorate"),
                                (inputs.n_groups, "group"), (inputs.n_themes, "theme")))
        # Names come from the file: shown on one line, control characters escaped.
        print(one_line(f"valid: {scenario.name}: {inputs.n_towns} eligible towns in {counts}"))
        # A partial themes.definitions changes the default themes: say which are in force.
        print(one_line(f"themes: {', '.join(scenario.theme_names)}"))
    return ExitCode.OK


def _cmd_towns(args: argparse.Namespace, progress: _Progress) -> int:
    import contextlib

    from pvd_optim.assemble import prepare
    from pvd_optim.output import csv_text, expected_results_bytes, reserve, write_file_atomic

    scenario = _load(args)
    with contextlib.ExitStack() as held:
        if args.out is not None:
            # Checked before scoring; an existing file is replaced, as it always was.
            size = expected_results_bytes(scenario)[1]
            held.enter_context(reserve(args.out, force=True, kind="file", expected_bytes=size,
                                       largest_file_bytes=size))
        progress("scoring towns")
        frame = prepare(scenario).towns_frame().reset_index()
        text = csv_text(frame)
        progress.finish()
        if args.out is None:
            sys.stdout.write(text)
            return ExitCode.OK
        write_file_atomic(args.out, text.encode(), force=True)
    if not args.quiet:
        print(f"{len(frame)} towns -> {args.out}")
    return ExitCode.OK


def _cmd_schema(args: argparse.Namespace, progress: _Progress) -> int:
    import json

    from pvd_optim.scenario.schema import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2, ensure_ascii=False))
    return ExitCode.OK


def _cmd_compare(args: argparse.Namespace, progress: _Progress) -> int:
    from pvd_optim import i18n
    from pvd_optim.compare import compare

    # The report renders in the active language: --lang, else the locale's, else French.
    i18n.use(i18n.choose_language(args.lang))
    result = compare(args.inputs, strategies=args.strategies, out=args.out, report=args.report,
                     pair=args.pair, force=args.force, progress=progress)
    progress.finish()
    comparison = result.comparison
    if not args.quiet:
        for note in comparison.notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"compared {len(comparison.allocations)} allocations "
              f"({', '.join(comparison.labels)}) -> {result.report} and {result.out_dir}")
    unproven = [a.label for a in comparison.allocations if a.status == "feasible"]
    if unproven:
        print(f"warning: not proven optimal: {', '.join(unproven)}", file=sys.stderr)
        return ExitCode.LIMIT
    return ExitCode.OK


def _cmd_explain(args: argparse.Namespace, progress: _Progress) -> int:
    import contextlib

    from pvd_optim import i18n
    from pvd_optim.data.towns import load_communes
    from pvd_optim.output import reserve, write_file_atomic
    from pvd_optim.town import (
        load_allocation,
        page_content,
        render_markdown,
        render_page,
        town_page,
    )
    from pvd_optim.town.lookup import find_commune

    t = i18n.use(i18n.choose_language(args.lang))
    # The town is found first: a misspelt name fails at once, before any solve.
    insee = find_commune(args.town, load_communes(), t)
    with contextlib.ExitStack() as held:
        if args.html is not None:
            held.enter_context(reserve(args.html, force=args.force, kind="file",
                                       expected_bytes=1 << 20))
        progress(t.gettext("reading the allocation"))
        allocation, scenario = load_allocation(args.results, progress)
        progress(t.gettext("explaining {insee} (a re-solve with its coverage forced)").format(
            insee=insee))
        page = town_page(allocation, scenario, insee, t, exact=True if args.exact else None)
        document = page_content(page, t)
        progress.finish()
        sys.stdout.write(render_markdown(document))
        if args.html is not None:
            write_file_atomic(args.html, render_page(document, t).encode(), force=args.force)
    if args.html is not None and not args.quiet:
        print(t.gettext("town page -> {path}").format(path=args.html), file=sys.stderr)
    return ExitCode.OK


def _cmd_sweep(args: argparse.Namespace, progress: _Progress) -> int:
    from pvd_optim.scenario import parse_overrides
    from pvd_optim.sweep.api import load_sweep, run_sweep

    plan = load_sweep(args.scenario, parse_overrides(args.overrides) or None)
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
            print(f"note: {note}", file=sys.stderr)

    def report(result: object) -> dict[str, bytes]:
        from pvd_optim.report.sweep import render_sweep_html

        return {"report.html": render_sweep_html(result).encode()}  # type: ignore[arg-type]

    try:
        result = run_sweep(plan, out=out, workers=args.workers, scheduler=args.scheduler,
                           progress=not args.quiet, extra_files=report)
    except KeyboardInterrupt:
        print(f"interrupted: the variants solved so far are in {out}; run the same command "
              "again to resume", file=sys.stderr)
        return ExitCode.INTERRUPTED
    counts = result.counts
    if not args.quiet:
        shown = ", ".join(f"{n:,} {status}" for status, n in counts.items())
        resumed = len(plan.variants) - result.solved_now
        print(one_line(f"{len(plan.variants):,} variants ({shown}"
                       + (f"; {resumed:,} resumed from the folder" if resumed else "")
                       + f") -> {out} (report.html, variants.csv, towns.csv)"))
    if counts.get("error"):
        print(f"warning: {counts['error']} variant(s) failed with an error (see variants.csv); "
              "a resumed sweep solves those whose worker was lost again", file=sys.stderr)
        return ExitCode.INTERNAL
    if counts.get("invalid"):
        print(f"warning: {counts['invalid']} variant(s) are not valid scenarios (see "
              "variants.csv)", file=sys.stderr)
        return ExitCode.INPUT
    if counts.get("no_solution") or counts.get("feasible"):
        print("warning: some variants stopped at a limit without a proven optimum (see "
              "variants.csv); raise solver.time_limit_s", file=sys.stderr)
        return ExitCode.LIMIT
    return ExitCode.OK


COMMANDS = {"run": _cmd_run, "validate": _cmd_validate, "towns": _cmd_towns,
            "schema": _cmd_schema, "compare": _cmd_compare, "explain": _cmd_explain,
            "sweep": _cmd_sweep}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pvd-optim`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from pvd_optim import __version__

        print(f"pvd-optim {__version__}")
        return ExitCode.OK
    if args.command is None:
        parser.print_help()
        return ExitCode.INPUT
    progress = _Progress(quiet=args.quiet)
    try:
        from pvd_optim import i18n
        from pvd_optim.model.solve import solver_log

        with solver_log(args.debug), i18n.restored():
            return COMMANDS[args.command](args, progress)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader closed the pipe (`| head`): it had what it wanted. End quietly, and
        # point stdout at /dev/null so that the interpreter's final flush cannot fail.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except Exception as exc:
        from pvd_optim.errors import PvdError

        if args.debug:
            import traceback

            traceback.print_exc()
        if isinstance(exc, PvdError):
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
        print(f"internal error: {type(exc).__name__}: {one_line(str(exc))} (rerun with --debug "
              "for the traceback and report it)", file=sys.stderr)
        return ExitCode.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
