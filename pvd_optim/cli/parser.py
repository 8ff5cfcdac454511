"""The command line's arguments: one sub-parser per command, the shared options on each.

Every text of ``--help`` and every usage error is in one language, the translator's
given to :func:`build_parser` (the command chooses it from ``--lang``, else the
locale's, else French, before parsing: :func:`.localized.language_before_parsing`):
our help texts are catalogue messages, argparse's own words too (:mod:`.localized`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pvd_optim import i18n
from pvd_optim.cli.localized import LocalizedParser
from pvd_optim.errors import ExitCode
from pvd_optim.i18n import LANGUAGES, Translator
from pvd_optim.i18n.message import Message

Sub = argparse._SubParsersAction  # the type argparse gives sub-command groups


def exit_codes_text(t: Translator) -> str:
    """The exit codes as one sentence, for ``--help`` (the codes are :class:`ExitCode`'s)."""
    return Message(
        "exit codes: {ok} optimal, {input} bad input, {infeasible} infeasible, {limit} stopped "
        "at a limit without a proven optimum (results written, marked non-optimal) or solver "
        "failure, {internal} internal error.", ok=int(ExitCode.OK), input=int(ExitCode.INPUT),
        infeasible=int(ExitCode.INFEASIBLE), limit=int(ExitCode.LIMIT),
        internal=int(ExitCode.INTERNAL)).render(t)


def sweep_exit_codes_text(t: Translator) -> str:
    """``pvd-optim sweep``'s: an infeasible variant is a result of the sweep, not a failure."""
    return Message(
        "exit codes: {ok} every variant solved or proven infeasible (see variants.csv), {input} "
        "bad input or a variant that is not a valid scenario, {limit} a variant stopped at a "
        "limit without a proven optimum, {internal} a variant failed with an error (a resumed "
        "sweep solves again those whose worker was lost), {interrupted} interrupted (run the "
        "same command again to resume).", ok=int(ExitCode.OK), input=int(ExitCode.INPUT),
        limit=int(ExitCode.LIMIT), internal=int(ExitCode.INTERNAL),
        interrupted=int(ExitCode.INTERRUPTED)).render(t)


def _common(t: Translator) -> argparse.ArgumentParser:
    """The options every command takes."""
    common = LocalizedParser(add_help=False, translator=t)
    common.add_argument("--quiet", "-q", action="store_true", help=t.gettext("print only errors"))
    common.add_argument("--debug", action="store_true",
                        help=t.gettext("show tracebacks and solver logs"))
    common.add_argument("--lang", choices=LANGUAGES, default=None, help=t.gettext(
        "language of what the command prints and writes (default: the scenario's "
        "output.language where there is a scenario, else the locale's if French or English, "
        "else French)"))
    return common


def _scenario_args(t: Translator) -> argparse.ArgumentParser:
    """The scenario file and its ``--set`` overrides."""
    scenario_args = LocalizedParser(add_help=False, translator=t)
    scenario_args.add_argument("scenario", type=Path, help=t.gettext("scenario YAML file"))
    scenario_args.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help=t.gettext("override a scenario field, e.g. --set "
                       "resources.funding.envelope_eur=30e6"),
    )
    return scenario_args


def build_parser(t: Translator | None = None) -> argparse.ArgumentParser:
    """The ``pvd-optim`` parser with every command, its texts in ``t``'s language (default:
    the run's)."""
    t = t or i18n.active()
    epilog = exit_codes_text(t)
    parser = LocalizedParser(
        prog="pvd-optim", translator=t, epilog=epilog,
        description=t.gettext("Allocate Petites villes de demain resources by linear "
                              "programming."),
    )
    parser.add_argument("--version", action="store_true",
                        help=t.gettext("print the version and exit"))
    # Also before the command (`pvd-optim --lang fr run ...`), under its own name: a
    # command's parser would otherwise overwrite it with its own default.
    parser.add_argument("--lang", dest="lang_before_command", choices=LANGUAGES, default=None,
                        help=t.gettext("language of the arguments' texts and, unless the "
                                       "command's own --lang says otherwise, of the command"))
    common, scenario_args = _common(t), _scenario_args(t)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", parents=[common, scenario_args],
                         help=t.gettext("solve a scenario"), epilog=epilog)
    run.add_argument("--out", type=Path, default=None,
                     help=t.gettext("results folder (default: results/<scenario name>)"))
    run.add_argument("--solver", choices=("highs", "cbc"), default=None,
                     help=t.gettext("override the scenario's solver"))
    run.add_argument("--force", action="store_true",
                     help=t.gettext("replace an existing results folder"))
    run.add_argument("--commitments", type=Path, default=None, metavar="PATH",
                     help=t.gettext("what is already decided: a CSV of commitments, or an "
                                    "earlier results folder (with --from-year)"))
    run.add_argument("--from-year", type=int, default=None, metavar="YEAR",
                     help=t.gettext("with a results folder as --commitments: lock every year "
                                    "before this one to its allocation"))

    sub.add_parser("validate", parents=[common, scenario_args],
                   help=t.gettext("check a scenario and its data without solving"))

    towns = sub.add_parser("towns", parents=[common, scenario_args],
                           help=t.gettext("write the eligible towns with their scores"))
    towns.add_argument("--out", type=Path, default=None,
                       help=t.gettext("CSV file (default: stdout)"))

    sub.add_parser("schema", parents=[common], help=t.gettext("print the scenario JSON Schema"))

    _add_compare(sub, common, t)
    _add_explain(sub, common, t)
    _add_sweep(sub, common, scenario_args, t)
    return parser


def _add_compare(sub: Sub[argparse.ArgumentParser], common: argparse.ArgumentParser,
                 t: Translator) -> None:
    from pvd_optim.strategy_names import STRATEGY_NAMES

    compare = sub.add_parser(
        "compare", parents=[common], epilog=exit_codes_text(t),
        help=t.gettext("compare allocations (results folders, scenarios, strategies) in an "
                       "HTML report"))
    compare.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                         help=t.gettext("results folder (from `pvd-optim run`) or scenario "
                                        "YAML file"))
    compare.add_argument("--strategies", default=None, metavar="NAMES",
                         help=Message("allocate each scenario by these strategies "
                                      "(comma-separated, or 'all'; one of {strategies}) instead "
                                      "of only the optimum; labelled SCENARIO/STRATEGY",
                                      strategies=", ".join(STRATEGY_NAMES)).render(t))
    compare.add_argument("--report", type=Path, default=None, metavar="FILE.html",
                         help=t.gettext("HTML report (default: OUT/report.html)"))
    compare.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help=t.gettext("folder of CSV, Excel and Markdown tables "
                                        "(default: results/compare-<first input>)"))
    compare.add_argument("--pair", default=None, metavar="FROM,TO",
                         help=t.gettext("the two allocation labels to difference (default: the "
                                        "first against each other); a label is the scenario's "
                                        "name, the results folder's name, or "
                                        "SCENARIO/STRATEGY"))
    compare.add_argument("--force", action="store_true",
                         help=t.gettext("replace an existing tables folder or report"))


def _add_explain(sub: Sub[argparse.ArgumentParser], common: argparse.ArgumentParser,
                 t: Translator) -> None:
    explain = sub.add_parser(
        "explain", parents=[common], epilog=exit_codes_text(t),
        help=t.gettext("one town's page: what it got, why, and what would change it"))
    explain.add_argument("results", type=Path, metavar="RESULTS",
                         help=t.gettext("results folder (from `pvd-optim run`) or scenario "
                                        "YAML file (solved first)"))
    explain.add_argument("--town", required=True, metavar="INSEE|NAME",
                         help=t.gettext("the town: its INSEE code (01350) or its name"))
    explain.add_argument("--html", type=Path, default=None, metavar="FILE.html",
                         help=t.gettext("also write the page as a self-contained HTML file"))
    explain.add_argument("--exact", action="store_true",
                         help=t.gettext("re-solve exactly with the town's coverage forced even "
                                        "above 5,000 towns (minutes), instead of the LP bound"))
    explain.add_argument("--force", action="store_true",
                         help=t.gettext("replace an existing HTML file"))


def _add_sweep(sub: Sub[argparse.ArgumentParser], common: argparse.ArgumentParser,
               scenario_args: argparse.ArgumentParser, t: Translator) -> None:
    sweep = sub.add_parser(
        "sweep", parents=[common, scenario_args], epilog=sweep_exit_codes_text(t),
        help=t.gettext("solve the variants of a scenario's sweep: section (grid, Monte Carlo "
                       "draws), their robustness and a report"))
    sweep.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help=t.gettext("sweep folder (default: results/sweep-<scenario name>); "
                                      "the same sweep into it again resumes, a different one "
                                      "is refused"))
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help=t.gettext("worker processes of a local Dask cluster (default: one "
                                      "per core; 1: in this process, without Dask)"))
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help=t.gettext("a running Dask scheduler (tcp://HOST:8786, from `dask "
                                      "scheduler`) whose workers solve the variants"))
    sweep.add_argument("--list", action="store_true",
                       help=t.gettext("print the variants (id, draw, parameters) as CSV and "
                                      "exit"))


__all__ = ["build_parser", "exit_codes_text", "sweep_exit_codes_text"]
