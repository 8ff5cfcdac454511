"""Benchmark options, shared fixtures and the end-of-run ratio table.

- ``--run-slow`` (or ``PVD_BENCH_SLOW=1``) runs tests marked ``slow`` (the naive
  PuLP + CBC baseline beyond 1,646 towns).
- ``PVD_BENCH_FULL=1`` runs the 34,875-commune cases (minutes per solve); without it
  they are skipped, so ``pytest --benchmark-disable benchmarks/`` stays a quick smoke run.
- ``PVD_BENCH_RESULTS=path.json`` is where the model benchmark writes its measurements
  (default: ``pvd-bench-model.json`` in the temporary directory).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    path = Path(os.environ.get("PVD_BENCH_RESULTS",
                               Path(tempfile.gettempdir()) / "pvd-bench-model.json"))
    path.write_text(json.dumps(RESULTS, indent=2, sort_keys=True, default=str) + "\n")
    write = terminalreporter.write_line
    write("")
    write("pvd-optim model benchmark (seconds: medians; peak MB: child process RSS)")
    write(f"{'case':<16}{'whole':>9}{'bare HiGHS':>12}{'whole/bare':>12}{'naive':>9}"
          f"{'naive/whole':>13}{'MB whole':>10}{'MB bare':>9}{'MB ratio':>10}")
    for case, by in RESULTS.items():
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
