"""Benchmark options, shared fixtures and the end-of-run ratio table.

- ``--run-slow`` (or ``PVD_BENCH_SLOW=1``) runs tests marked ``slow`` (the naive
  PuLP + CBC baseline beyond 1,646 towns).
- ``PVD_BENCH_FULL=1`` runs the 34,875-commune cases (minutes per solve); without it
  they are skipped, so ``pytest --benchmark-disable benchmarks/`` stays a quick smoke run.
- ``PVD_BENCH_RESULTS=path.json`` is where the benchmarks write their measurements
  (default: ``benchmarks/.results/measurements.json``, inside the project and ignored
  by git: a run, smoke or full, writes nothing outside the project but pytest's own
  temporary folders).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

#: case -> approach -> measurements (seconds, objective, peak MB...), filled by the tests.
RESULTS: dict[str, dict[str, Any]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    with contextlib.suppress(ValueError):  # already added by another conftest
        parser.addoption("--run-slow", action="store_true", default=False,
                         help="run benchmarks marked slow (naive PuLP + CBC at scale)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from cases import slow_mode

    if config.getoption("--run-slow") or slow_mode():
        return
    skip = pytest.mark.skip(reason="slow benchmark: pass --run-slow or set PVD_BENCH_SLOW=1")
    for item in items:
        if "slow" in item.keywords and str(item.fspath).startswith(str(HERE)):
            item.add_marker(skip)


def record(case: str, approach: str, **values: Any) -> None:
    """Store measurements for the summary table."""
    RESULTS.setdefault(case, {}).setdefault(approach, {}).update(values)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "-"


def results_path() -> Path:
    """Where the session's measurements are written (see the module docstring)."""
    given = os.environ.get("PVD_BENCH_RESULTS")
    return Path(given) if given else HERE / ".results" / "measurements.json"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(RESULTS, indent=2, sort_keys=True, default=str) + "\n")
    write = terminalreporter.write_line
    _issue16_summary(write)
    write("")
    write("pvd-optim model benchmark (seconds: medians; peak MB: child process RSS)")
    write(f"{'case':<16}{'whole':>9}{'bare HiGHS':>12}{'whole/bare':>12}{'naive':>9}"
          f"{'naive/whole':>13}{'MB whole':>10}{'MB bare':>9}{'MB ratio':>10}")
    for case, by in RESULTS.items():
        if case in ("issue16", "scoring"):
            continue
        if case == "issue12":
            for values in by.values():
                write(f"issue 12: seven years / one year at gap {values['gap']:g}: time "
                      f"{values['time_ratio']:.1f}x (<= {values['time_target']:g}), memory "
                      f"{values['memory_ratio']:.1f}x (<= {values['memory_target']:g}); "
                      f"seven years {values['seven_status']} at gap "
                      f"{values['seven_gap_reached']:.2e}")
            continue
        if case == "start-up":
            for what, values in by.items():
                write(f"start-up: {what}: {values['seconds']:.3f} s (fresh interpreter)")
            continue
        whole = by.get("pipeline", {})
        bare = by.get("highs", {})
        naive = by.get("naive", {})
        w, h, n = whole.get("seconds"), bare.get("solver_seconds"), naive.get("seconds")
        mw, mh = whole.get("peak_mb"), bare.get("peak_mb")
        write(f"{case:<16}{w or 0:>9.2f}{h or 0:>12.2f}{_ratio(w, h):>12}{n or 0:>9.1f}"
              f"{_ratio(n, w):>13}{mw or 0:>10.0f}{mh or 0:>9.0f}{_ratio(mw, mh):>10}")
    write(f"(written to {path})")


@pytest.fixture(scope="session")
def results() -> dict[str, dict[str, Any]]:
    """The session's measurement store (see ``record``)."""
    return RESULTS


def _issue16_summary(write: Any) -> None:
    """Issue 16's ratios against their targets, from whatever this session measured."""
    issue = RESULTS.get("issue16", {})
    lines: list[str] = []

    def line(what: str, value: float | None, target: str, met: bool | None) -> None:
        shown = "-" if value is None else f"{value:.3g}"
        verdict = "-" if met is None else ("met" if met else "MISSED")
        lines.append(f"{what:<58}{shown:>10}  {target:<22}{verdict}")

    scoring = RESULTS.get("scoring", {}).get("all_34969", {})
    if scoring.get("ratio"):
        line("scoring 34,969: row-wise / vectorised (x)", scoring["ratio"], ">= 500",
             scoring["ratio"] >= 500)
        line("scoring 34,969: vectorised median (ms)", scoring["median_ms"], "< 20 (quiet)",
             scoring["median_ms"] < 20)
    mains = {}
    for key, values in issue.items():
        if key.startswith("follow-ups:"):
            name = key.split(":", 1)[1]
            mains[name] = values["main_solve_s"]
            ratio = values["follow_ups_s"] / values["main_solve_s"]
            # The toy's solves take milliseconds: its ratio is noise, shown without a verdict.
            target = name != "toy-analyses"
            line(f"{name}: follow-ups {values['follow_ups_s']:.1f} s / main "
                 f"{values['main_solve_s']:.1f} s", ratio, "<= 1" if target else "(smoke)",
                 ratio <= 1 if target else None)
    if "tight-budget" in mains and "national-analyses" in mains:
        ratio = mains["tight-budget"] / mains["national-analyses"]
        line("tight-budget main / national main", ratio, "<= 2", ratio <= 2)
    for key, values in issue.items():
        if key.startswith("diagnosis:") and values.get("target_s"):
            line(f"{key.split(':', 1)[1]}: diagnosis (s)", values["diagnosis_s"],
                 f"<= {values['target_s']:.1f} s", values["diagnosis_s"] <= values["target_s"])
        if key.startswith("export:"):
            line(f"{key.split(':', 1)[1]}: MPS export (s), peak {values['peak_mb']:.0f} MB",
                 values["write_s"], "seconds", None)
    whole, bare = (RESULTS.get("all-communes", {}).get(k, {}) for k in ("pipeline", "highs"))
    if whole.get("seconds") and bare.get("solver_seconds"):
        line("all-communes: whole run / bare HiGHS (time)",
             whole["seconds"] / bare["solver_seconds"], "<= 1.3",
             whole["seconds"] / bare["solver_seconds"] <= 1.3)
    if whole.get("peak_mb") and bare.get("peak_mb"):
        memory = whole["peak_mb"] / bare["peak_mb"]
        line("all-communes: whole run / bare HiGHS (peak memory)", memory, "<= 1.2",
             memory <= 1.2)
    runs = [(key.split(":", 2)[1:], values) for key, values in issue.items()
            if key.startswith("run:")]
    if not lines and not runs:
        return
    write("")
    write("issue 16 targets (one run; see benchmarks/README.md)")
    for text in lines:
        write(text)
    if runs:
        write(f"{'pvd-optim run':<40}{'seconds':>9}{'peak MB':>9}")
        for (name, switches), values in runs:
            write(f"{name + ' (' + switches + ')':<40}{values['wall_s']:>9.1f}"
                  f"{values['peak_mb']:>9.0f}")
