"""The command line's arguments: one sub-parser per command, the shared options on each.

Help texts stay English (argparse's own words are English too); what the commands
print is in the run's language (:mod:`pvd_optim.cli`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pvd_optim.errors import EXIT_CODES_TEXT as EPILOG
from pvd_optim.errors import SWEEP_EXIT_CODES_TEXT
from pvd_optim.i18n import LANGUAGES

LANGUAGE_HELP = ("language of what the command prints and writes (default: the scenario's "
                 "output.language where there is a scenario, else the locale's if French or "
                 "English, else French)")


def _common() -> argparse.ArgumentParser:
    """The options every command takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    common.add_argument("--debug", action="store_true", help="show tracebacks and solver logs")
    common.add_argument("--lang", choices=LANGUAGES, default=None, help=LANGUAGE_HELP)
    return common


def _scenario_args() -> argparse.ArgumentParser:
    """The scenario file and its ``--set`` overrides."""
    scenario_args = argparse.ArgumentParser(add_help=False)
    scenario_args.add_argument("scenario", type=Path, help="scenario YAML file")
    scenario_args.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario field, e.g. --set resources.funding.envelope_eur=30e6",
    )
    return scenario_args


def build_parser() -> argparse.ArgumentParser:
    """The ``pvd-optim`` parser with every command."""
    parser = argparse.ArgumentParser(
        prog="pvd-optim",
        description="Allocate Petites villes de demain resources by linear programming.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    common, scenario_args = _common(), _scenario_args()
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

    sub.add_parser("validate", parents=[common, scenario_args],
                   help="check a scenario and its data without solving")

    towns = sub.add_parser("towns", parents=[common, scenario_args],
                           help="write the eligible towns with their scores")
    towns.add_argument("--out", type=Path, default=None, help="CSV file (default: stdout)")

    sub.add_parser("schema", parents=[common], help="print the scenario JSON Schema")

    _add_compare(sub, common)
    _add_explain(sub, common)
    _add_sweep(sub, common, scenario_args)
    return parser


def _add_compare(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                 common: argparse.ArgumentParser) -> None:
    from pvd_optim.strategies import STRATEGIES

    compare = sub.add_parser(
        "compare", parents=[common], epilog=EPILOG,
        help="compare allocations (results folders, scenarios, strategies) in an HTML report")
    compare.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                         help="results folder (from `pvd-optim run`) or scenario YAML file")
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


def _add_explain(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                 common: argparse.ArgumentParser) -> None:
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
    explain.add_argument("--exact", action="store_true",
                         help="re-solve exactly with the town's coverage forced even above "
                              "5,000 towns (minutes), instead of the LP bound")
    explain.add_argument("--force", action="store_true", help="replace an existing HTML file")


def _add_sweep(sub: argparse._SubParsersAction[argparse.ArgumentParser],
               common: argparse.ArgumentParser, scenario_args: argparse.ArgumentParser
               ) -> None:
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


__all__ = ["build_parser"]
