"""Where the seven-year programme's solve time goes (issue 12, item 8): a measuring script.

Not a test and not part of the package: it builds the programme's model (and the
one-year national model) exactly as ``pvd-optim run`` does, then measures what the
benchmark's ratio hides::

    .venv/bin/python benchmarks/years_anatomy.py log [--gap 1e-4] [--limit 900] [--log FILE]
        one-year then seven-year MIP back to back, HiGHS's log to FILE (default
        /tmp/years-anatomy-<scenario>.log), with wall seconds of each solve
    .venv/bin/python benchmarks/years_anatomy.py root
        the seven-year LP relaxation: its bound against the optimum given, and which
        integer columns are fractional, by family and year
    .venv/bin/python benchmarks/years_anatomy.py strengthen [--gap 1e-3] [--limit 600]
        the root bound (and, with --gap, the MIP time) with each strengthening dropped

A strengthening is dropped by keeping every other row block (``LinearProgram.keeping_rows``):
no switch is added to the model itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import highspy
import numpy as np

from pvd_optim.assemble import prepare
from pvd_optim.model.formulation import build_program
from pvd_optim.model.highs import make_highs
from pvd_optim.model.program import LinearProgram
from pvd_optim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
ONE_YEAR = {"collective_actions.enabled": False}

#: The strengthenings of issue 12, item 8, as the row blocks that carry them.
#: Entry years are column bounds, not rows (see ``strengthen``), persistence is the rule.
STRENGTHENINGS = {
    "rounding cut": ("sharing_rounded",),
    "perspective rows": ("lead_funding_segment", "lead_days_segment"),
    "c <= p (lead_post)": ("lead_post",),
    "idle-post row": ("idle_posts",),
    "persistence (posts)": ("persist_posts",),
}


INPUTS: dict[str, Any] = {}


def build(name: str, overrides: dict[str, Any] | None = None) -> tuple[Any, LinearProgram]:
    """The scenario, and the program ``pvd-optim run`` would solve for it."""
    scenario = load_scenario(SCENARIOS / name, overrides=overrides)
    prepared = prepare(scenario)
    INPUTS[name] = prepared.inputs
    return scenario, build_program(prepared.inputs)


def highs_for(program: LinearProgram, scenario: Any, gap: float, limit: float,
              log: str | None) -> highspy.Highs:
    settings = scenario.solver.model_copy(update={"mip_gap": gap, "time_limit_s": limit})
    h = make_highs(program, settings)
    if log:
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
        h.setOptionValue("log_file", log)
    return h


def timed_run(h: highspy.Highs) -> tuple[float, dict[str, float]]:
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    info = h.getInfo()
    return seconds, {"objective": info.objective_function_value,
                     "bound": info.mip_dual_bound, "gap": info.mip_gap,
                     "nodes": info.mip_node_count, "status": h.modelStatusToString(
                         h.getModelStatus())}


def load() -> str:
    return os.getloadavg().__repr__()


def cmd_log(args: argparse.Namespace) -> None:
    for name, overrides in (("national.yaml", ONE_YEAR), ("programme-2020-2026.yaml", None)):
        started = time.perf_counter()
        scenario, program = build(name, overrides)
        built = time.perf_counter() - started
        log = f"{args.log}-{Path(name).stem}.log"
        Path(log).unlink(missing_ok=True)
        h = highs_for(program, scenario, args.gap, args.limit, log)
        print(f"{name}: built in {built:.1f} s, {program.n_cols:,} columns "
              f"({int(program.integer.sum()):,} integer), {program.n_rows:,} rows, "
              f"{program.nnz:,} non-zeros; load {load()}", flush=True)
        seconds, info = timed_run(h)
        print(f"  solve {seconds:.1f} s at gap {args.gap:g}: {info}; load {load()}",
              flush=True)


def relaxation_bound(program: LinearProgram, scenario: Any) -> tuple[float, float, np.ndarray]:
    h = highs_for(program.relaxed(), scenario, 0.0, 600.0, None)
    seconds, _ = timed_run(h)
    return (h.getInfo().objective_function_value, seconds,
            np.asarray(h.getSolution().col_value))


def cmd_root(args: argparse.Namespace) -> None:
    scenario, program = build("programme-2020-2026.yaml")
    bound, seconds, values = relaxation_bound(program, scenario)
    print(f"LP relaxation {bound:,.4f} in {seconds:.1f} s; optimum given {args.optimum:,.4f}:"
          f" root gap {(bound - args.optimum) / args.optimum:.3e}; load {load()}")
    for name in ("c", "p"):
        block = program.columns[name]
        v = values[block.slice].reshape(block.shape)
        frac = np.abs(v - np.round(v)) > 1e-6
        print(f"  {name}: shape {block.shape}, fractional per year "
              f"{frac.reshape(block.shape[0], -1).sum(axis=1).tolist()}, sum per year "
              f"{np.round(v.reshape(block.shape[0], -1).sum(axis=1), 2).tolist()}")
    c_block = program.columns["c"]
    c = values[c_block.slice].reshape(c_block.shape)
    first = INPUTS["programme-2020-2026.yaml"].first
    years, towns = np.nonzero(np.abs(c - np.round(c)) > 1e-6)
    for y, t in zip(years, towns, strict=True):
        g = first.group_of_town[t]
        print(f"  fractional c: year {y} town {first.town_codes[t]} group {g} (size "
              f"{int((first.group_of_town == g).sum())}, m {first.towns_per_post[g]}) value "
              f"{c[y, t]:.4f}; group covered {c[y, first.group_of_town == g].sum():.4f}, posts "
              f"{values[program.columns['p'].slice].reshape(program.columns['p'].shape)[y, g]}")
    activity = program.activity(values)
    for name, rblock in program.rows.items():
        if name.startswith(("cofunder_budget", "engineering_budget", "envelope", "capacity",
                            "cover_min", "spend_min", "subsidy", "cofunder_share")):
            act = activity[rblock.slice]
            slack = np.minimum(act - program.row_lower[rblock.slice],
                               program.row_upper[rblock.slice] - act)
            print(f"  row {name} {rblock.shape}: binding {(np.abs(slack) < 1e-6).sum()} of "
                  f"{rblock.size}; slack {np.round(slack, 3).tolist()[:16]}")


def cmd_strengthen(args: argparse.Namespace) -> None:
    scenario, program = build("programme-2020-2026.yaml")
    print(f"load {load()}")
    cases = {"all strengthenings": ()} | STRENGTHENINGS
    for label, blocks in cases.items():
        if args.only and label not in args.only:
            continue
        missing = [b for b in blocks if b not in program.rows]
        if missing:
            print(f"{label}: no block {missing}")
            continue
        kept = program.keeping_rows([n for n in program.rows if n not in blocks])
        bound, seconds, _ = relaxation_bound(kept, scenario)
        line = (f"{label:24s} rows {kept.n_rows:>9,}  LP bound {bound:,.4f} "
                f"({(bound - args.optimum) / args.optimum:+.3e} of the optimum) "
                f"LP {seconds:.1f} s")
        if args.first:
            from pvd_optim.model.relaxation_first import ROUNDED_STATUS, solve_relaxation_first
            settings = scenario.solver.model_copy(update={"mip_gap": args.first,
                                                          "time_limit_s": args.limit})
            began = time.perf_counter()
            result = solve_relaxation_first(kept, settings, INPUTS["programme-2020-2026.yaml"])
            line += (f"  relaxation-first at {args.first:g}: {time.perf_counter() - began:.1f} s"
                     f" {'rounded' if result.raw_status == ROUNDED_STATUS else result.raw_status}"
                     f" obj {result.objective:,.4f} gap {result.mip_gap:.2e}")
        if args.gap is not None:
            h = highs_for(kept, scenario, args.gap, args.limit, None)
            mip_s, info = timed_run(h)
            line += (f"  MIP {mip_s:.1f} s {info['status']} obj {info['objective']:,.4f} gap "
                     f"{info['gap']:.2e} nodes {info['nodes']}")
        print(line + f"; load {load()}", flush=True)


def cmd_rens(args: argparse.Namespace) -> None:
    """LP relaxation, then the MIP with every integral integer column fixed (RENS)."""
    import dataclasses
    scenario, program = build("programme-2020-2026.yaml")
    print(f"load {load()}", flush=True)
    bound, seconds, values = relaxation_bound(program, scenario)
    print(f"LP {bound:,.4f} in {seconds:.1f} s; load {load()}", flush=True)
    integral = program.integer & (np.abs(values - np.round(values)) <= 1e-6)
    lower = np.where(integral, np.round(values), program.col_lower)
    upper = np.where(integral, np.round(values), program.col_upper)
    restricted = dataclasses.replace(program, col_lower=lower, col_upper=upper)
    print(f"free integer columns {int((program.integer & ~integral).sum())}", flush=True)
    h = highs_for(restricted, scenario, args.gap, args.limit, args.log)
    mip_s, info = timed_run(h)
    print(f"RENS MIP {mip_s:.1f} s {info}; gap to LP bound "
          f"{(bound - info['objective']) / info['objective']:.2e}; load {load()}", flush=True)
    np.save("/tmp/years-rens.npy", np.asarray(h.getSolution().col_value))
    if args.full:
        h = highs_for(program, scenario, args.gap, args.limit, args.log + ".full")
        from pvd_optim.model.highs import set_start
        set_start(h, np.load("/tmp/years-rens.npy"))
        mip_s, info = timed_run(h)
        print(f"full MIP from the RENS start {mip_s:.1f} s {info}; load {load()}", flush=True)


def cmd_compare(args: argparse.Namespace) -> None:
    """Before and after in one run: one year, seven years relaxation-first, seven plain."""
    from pvd_optim.model.relaxation_first import solve_relaxation_first
    from pvd_optim.model.solve import solve

    runs = (("national.yaml", ONE_YEAR, "MIP"), ("programme-2020-2026.yaml", None, "first"),
            ("programme-2020-2026.yaml", None, "MIP"))
    for name, overrides, how in runs:
        scenario = load_scenario(SCENARIOS / name, overrides=overrides)
        prepared = prepare(scenario)
        program = build_program(prepared.inputs)
        settings = scenario.solver.model_copy(update={"mip_gap": args.gap,
                                                      "time_limit_s": args.limit})
        began = time.perf_counter()
        result = (solve_relaxation_first(program, settings, prepared.inputs) if how == "first"
                  else solve(program, settings))
        print(f"{name} {how}: {time.perf_counter() - began:.1f} s {result.raw_status} "
              f"objective {result.objective:,.4f} gap {result.mip_gap:.2e}; load {load()}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("log")
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--limit", type=float, default=900.0)
    p.add_argument("--log", default="/tmp/years-anatomy")
    p.set_defaults(run=cmd_log)
    p = sub.add_parser("root")
    p.add_argument("--optimum", type=float, required=True)
    p.set_defaults(run=cmd_root)
    p = sub.add_parser("strengthen")
    p.add_argument("--optimum", type=float, required=True)
    p.add_argument("--gap", type=float, default=None)
    p.add_argument("--limit", type=float, default=600.0)
    p.add_argument("--first", type=float, default=None,
                   help="also solve relaxation-first at this gap")
    p.add_argument("--only", nargs="*", default=None, help="these cases only (labels)")
    p.set_defaults(run=cmd_strengthen)
    p = sub.add_parser("rens")
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--limit", type=float, default=600.0)
    p.add_argument("--log", default="/tmp/years-rens.log")
    p.add_argument("--full", action="store_true")
    p.set_defaults(run=cmd_rens)
    p = sub.add_parser("compare")
    p.add_argument("--gap", type=float, default=1e-4)
    p.add_argument("--limit", type=float, default=900.0)
    p.set_defaults(run=cmd_compare)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
