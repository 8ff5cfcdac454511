"""``run``, ``validate``, ``towns`` and ``schema``: one scenario, solved, checked or listed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pvd_optim import i18n
from pvd_optim.cli.common import Progress, folder_name, load, say, status_word
from pvd_optim.errors import ExitCode, one_line
from pvd_optim.i18n.message import Message, Plural

if TYPE_CHECKING:
    from pvd_optim.results import Allocation


def run_command(args: argparse.Namespace, progress: Progress) -> int:
    """``pvd-optim run``: solve, verify and write the results folder."""
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

    scenario = load(args)
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
                progress(i18n.N_("reading and verifying the committed results folder"))
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
        progress(i18n.N_("writing results"))
        write_allocation(result.allocation, scenario, out, force=args.force, command=command)
    progress.finish()
    allocation = result.allocation
    if not args.quiet:
        say(result_line(allocation, out))
    if allocation.status == "feasible":
        # The gap in Python's exponent notation, with the language's decimal mark.
        gap = i18n.active().decimal_mark(f"{allocation.mip_gap:.2e}")
        say(Message("warning: not proven optimal (MIP gap {gap}); results are marked so",
                    gap=gap), error=True)
        return ExitCode.LIMIT
    return ExitCode.OK


def result_line(allocation: Allocation, out: Path) -> Message:
    """The line ``run`` ends with: status, objective, what was spent and who is covered.

    Over several years money and days are summed, posts and towns are the last year's.
    """
    totals = allocation.totals()
    calendar = allocation.calendar
    values = {"status": status_word(allocation.status), "objective": allocation.objective,
              "funding_meur": totals["funding_eur"] / 1e6, "days": totals["expert_days"],
              "covered": round(totals["covered_towns"]),
              "eligible": round(totals["eligible_towns"]), "folder": str(out)}
    posts = round(totals["posts"])
    if len(calendar) > 1:
        return Plural("{status}: objective {objective:,.1f} k EUR-eq; {funding_meur:,.2f} M EUR, "
                      "{days:,.0f} days over {first}-{last}; {count:,} post in {last} covering "
                      "{covered:,}/{eligible:,} towns -> {folder}",
                      "{status}: objective {objective:,.1f} k EUR-eq; {funding_meur:,.2f} M EUR, "
                      "{days:,.0f} days over {first}-{last}; {count:,} posts in {last} covering "
                      "{covered:,}/{eligible:,} towns -> {folder}",
                      posts, first=calendar[0], last=calendar[-1], **values)
    return Plural("{status}: objective {objective:,.1f} k EUR-eq; {funding_meur:,.2f} M EUR, "
                  "{days:,.0f} days, {count:,} post covering {covered:,}/{eligible:,} towns "
                  "-> {folder}",
                  "{status}: objective {objective:,.1f} k EUR-eq; {funding_meur:,.2f} M EUR, "
                  "{days:,.0f} days, {count:,} posts covering {covered:,}/{eligible:,} towns "
                  "-> {folder}",
                  posts, **values)


def validate_command(args: argparse.Namespace, progress: Progress) -> int:
    """``pvd-optim validate``: the scenario, its data and the necessary conditions."""
    from pvd_optim.assemble import prepare
    from pvd_optim.diagnose import Diagnosis
    from pvd_optim.output.commitments import resolve_commitments
    from pvd_optim.pipeline import check_solver_settings
    from pvd_optim.screen import screen

    scenario = load(args)
    check_solver_settings(scenario)
    if scenario.commitments is not None and scenario.commitments.results is not None:
        progress(i18n.N_("reading and verifying the committed results folder"))
    committed = resolve_commitments(scenario)
    progress(i18n.N_("checking data and eligibility"))
    prepared = prepare(scenario, committed)
    progress.finish()
    inputs = prepared.programme.first  # towns, regions, groups: the same every year
    proven_needed = screen(prepared.inputs, scenario)
    t = i18n.active()
    if proven_needed:
        headline = Diagnosis(scenario.name, tuple(proven_needed), ()).headline(t)
        print(t.gettext("infeasible: {headline} (necessary conditions checked without solving; "
                        "`pvd-optim run` gives the full diagnosis)").format(headline=headline),
              file=sys.stderr)
        return ExitCode.INFEASIBLE
    if not args.quiet:
        counts = ", ".join(part.render(t) for part in (
            Plural("{count} region", "{count} regions", inputs.n_regions),
            Plural("{count} directorate", "{count} directorates", inputs.n_directorates),
            Plural("{count} group", "{count} groups", inputs.n_groups),
            Plural("{count} theme", "{count} themes", inputs.n_themes)))
        # Names come from the file: shown on one line, control characters escaped.
        print(one_line(t.gettext("valid: {name}: {towns} eligible towns in {counts}").format(
            name=scenario.name, towns=inputs.n_towns, counts=counts)))
        # A partial themes.definitions changes the default themes: say which are in force.
        print(one_line(t.gettext("themes: {names}").format(
            names=", ".join(scenario.theme_names))))
    return ExitCode.OK


def towns_command(args: argparse.Namespace, progress: Progress) -> int:
    """``pvd-optim towns``: the eligible towns with their scores, as CSV."""
    import contextlib

    from pvd_optim.assemble import prepare
    from pvd_optim.output import csv_text, expected_results_bytes, reserve, write_file_atomic

    scenario = load(args)
    with contextlib.ExitStack() as held:
        if args.out is not None:
            # Checked before scoring; an existing file is replaced, as it always was.
            size = expected_results_bytes(scenario)[1]
            held.enter_context(reserve(args.out, force=True, kind="file", expected_bytes=size,
                                       largest_file_bytes=size))
        progress(i18n.N_("scoring towns"))
        frame = prepare(scenario).towns_frame().reset_index()
        text = csv_text(frame)
        progress.finish()
        if args.out is None:
            sys.stdout.write(text)
            return ExitCode.OK
        write_file_atomic(args.out, text.encode(), force=True)
    if not args.quiet:
        say(Plural("{count} town -> {path}", "{count} towns -> {path}", len(frame),
                   path=str(args.out)))
    return ExitCode.OK


def schema_command(args: argparse.Namespace, progress: Progress) -> int:
    """``pvd-optim schema``: the scenario's JSON Schema."""
    import json

    from pvd_optim.scenario.schema import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2, ensure_ascii=False))
    return ExitCode.OK


__all__ = ["result_line", "run_command", "schema_command", "towns_command",
           "validate_command"]
