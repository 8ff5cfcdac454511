"""Issue 12, item 8: the seven-year national programme against the one-year national solve.

Both sides are whole ``pvd-optim run`` commands, each the only child of a fresh process
(``measure_memory.measure_command``: wall seconds and peak RSS), at the same MIP gap, the
analysis re-solves off on both sides; the main solve's seconds and the gap it proved are
read from each run's ``summary.json``. The one-year side is ``national.yaml`` without
Cerema's collective actions (the programme scenario has none), the seven-year side
``programme-2020-2026.yaml``. Targets: seven years in at most 10x the one-year time and 7x
its peak memory, at gap 1e-4::

    PVD_BENCH_FULL=1 [PVD_BENCH_YEARS_GAP=1e-4] [PVD_BENCH_YEARS_LIMIT_S=1800] \\
        .venv/bin/pytest benchmarks/test_bench_years.py --benchmark-only -s

Smoke mode (``--benchmark-disable``, the test suite) runs the same pair on the official
towns of two regions (``SMOKE_REGIONS``), resources scaled, at gap 1e-3, in seconds, so the
comparison cannot rot. Nothing asserts a time: the test asserts that both
runs end with an allocation and that the seven-year one covers every year.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cases import NATIONAL_TOWNS, SCENARIOS, full_mode, official_codes
from conftest import record
from measure_memory import measure_command

#: The ratios' targets (issue 12, item 8).
TIME_TARGET, MEMORY_TARGET = 10.0, 7.0
#: The smoke run's regions: Corse and Île-de-France, 52 official towns (seconds per run).
SMOKE_REGIONS = ("94", "11")
#: Their groups need more posts per town than the nation's: the smoke run asks less coverage.
SMOKE_COVER_MIN = 0.75
#: Analyses off on both sides: the comparison is the main solve and what surrounds it.
NO_RE_SOLVES = {"analysis": {"price_of_balance": False, "value_of_one_more_post": False}}


def _gap() -> float:
    return float(os.environ.get("PVD_BENCH_YEARS_GAP", "1e-4")) if full_mode() else 1e-3


def _small_towns() -> dict[str, Any]:
    """The smoke run's towns (listed) and resources scaled to them, one year's figures."""
    codes = official_codes(SMOKE_REGIONS)
    scale = len(codes) / NATIONAL_TOWNS
    return {"eligibility": {"mode": "listed", "include": list(codes)}, "scale": scale}


def _scenario(tmp: Path, base: str, name: str, extra: dict[str, Any]) -> Path:
    """A scenario file extending ``base`` with ``extra`` (JSON is YAML)."""
    path = tmp / f"{name}.yaml"
    body = {"extends": str(SCENARIOS / base), "name": name, **extra}
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def _pair(tmp: Path) -> dict[str, Path]:
    gap = _gap()
    limit = float(os.environ.get("PVD_BENCH_YEARS_LIMIT_S", "1800"))
    solver = {"solver": {"mip_gap": gap, "time_limit_s": limit}}
    one: dict[str, Any] = {**NO_RE_SOLVES, **solver, "collective_actions": {"enabled": False}}
    seven: dict[str, Any] = {**NO_RE_SOLVES, **solver}
    if not full_mode():
        small = _small_towns()
        scale = small["scale"]
        one["eligibility"] = seven["eligibility"] = small["eligibility"]
        one["resources"] = {"funding": {"envelope_eur": round(25_800_000 * scale)},
                            "expertise": {"capacity_days": round(20_000 * scale)},
                            "engineering": {"budget_eur": round(40_500_000 * scale),
                                            "cover_min_share": SMOKE_COVER_MIN}}
        seven["resources"] = {
            "funding": {"envelope_eur": round(25_800_000 * scale)},
            "expertise": {"capacity_days": round(20_000 * scale)},
            "engineering": {"cover_min_share": SMOKE_COVER_MIN, "cofunders": {
                "banque_des_territoires": {"budget_eur": round(7_500_000 * scale)},
                "state": {"budget_eur": round(33_000_000 * scale)}}}}
    return {"one year": _scenario(tmp, "national.yaml", "years-bench-one", one),
            "seven years": _scenario(tmp, "programme-2020-2026.yaml", "years-bench-seven",
                                     seven)}


def _run(scenario: Path, out: Path) -> dict[str, Any]:
    measured = measure_command(["pvd-optim", "run", str(scenario), "--out", str(out),
                                "--quiet", "--lang", "en"])
    assert measured["returncode"] in (0, 4), measured["stderr_tail"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {"wall_s": measured["wall_seconds"], "peak_mb": measured["peak_mb"],
            "solve_s": summary["solve_seconds"], "mip_gap": summary["mip_gap"],
            "status": summary["status"], "years": len(summary.get("totals_by_year") or {1: 0})}


def test_seven_years_against_one(benchmark: Any, tmp_path: Path) -> None:
    pair = _pair(tmp_path)
    measured: dict[str, dict[str, Any]] = {}

    def both() -> None:
        for label, scenario in pair.items():
            measured[label] = _run(scenario, tmp_path / label.replace(" ", "-"))

    benchmark.pedantic(both, rounds=1, iterations=1, warmup_rounds=0)
    one, seven = measured["one year"], measured["seven years"]
    assert seven["years"] == 7 and one["status"] in ("optimal", "feasible")
    record("issue12", "seven-years", gap=_gap(), full=full_mode(),
           one_solve_s=one["solve_s"], seven_solve_s=seven["solve_s"],
           one_wall_s=one["wall_s"], seven_wall_s=seven["wall_s"],
           one_peak_mb=one["peak_mb"], seven_peak_mb=seven["peak_mb"],
           seven_status=seven["status"], seven_gap_reached=seven["mip_gap"],
           time_ratio=seven["wall_s"] / one["wall_s"],
           memory_ratio=seven["peak_mb"] / one["peak_mb"],
           time_target=TIME_TARGET, memory_target=MEMORY_TARGET)
    if full_mode():
        print(f"\nseven years / one year at gap {_gap():g}: wall {seven['wall_s']:.1f} s / "
              f"{one['wall_s']:.1f} s = {seven['wall_s'] / one['wall_s']:.1f}x (target "
              f"{TIME_TARGET:g}x), peak {seven['peak_mb']:.0f} / {one['peak_mb']:.0f} MB = "
              f"{seven['peak_mb'] / one['peak_mb']:.1f}x (target {MEMORY_TARGET:g}x); seven "
              f"years {seven['status']} at gap {seven['mip_gap']:.2e}")
