"""Prototype measurements for the follow-up solves (issue 16, items 1, 2 and 4).

Not the product: this script times, on one scenario, the follow-up solves the
pipeline runs today (``pvd_optim.postprocess.shadow_prices``) and candidate ways to
make them cheaper, without changing the formulation or the pipeline, so that the
lead can schedule the changes that win. Every candidate is checked against today's
answer (same duals of the envelope and capacity rows, same re-solve objectives).

Usage::

    .venv/bin/python benchmarks/follow_ups.py national [--json OUT] [--only WHAT,...]

``WHAT`` among ``main``, ``fixed_lp``, ``fixed_lp_restricted`` (also with the MIP's
values as a start), ``resolves`` (today's gap-0 re-solves), ``resolves_warm`` (the
base optimum as a start), ``resolves_gap`` (re-solves at a relative gap of 1e-6 and
1e-5), ``shared_model`` (one HiGHS instance changed in place), ``main_settings``
(the main solve under other HiGHS settings). Prints one JSON line of seconds per step.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

STEPS = ("main", "fixed_lp", "fixed_lp_restricted", "resolves", "resolves_warm",
         "resolves_gap", "shared_model", "main_settings")


def _highs(program: Any, settings: Any) -> Any:
    from pvd_optim.model.highs import make_highs

    return make_highs(program, settings)


def _run(h: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    h.run()
    return time.perf_counter() - started, h


def restricted(lp: Any) -> tuple[Any, np.ndarray]:
    """``lp`` without the columns fixed at zero (uncovered towns' funding and days).

    Returns the smaller LP and the kept columns. Rows keep their order and bounds, so
    row duals read by block name stay valid; a column fixed at 0 contributes nothing
    to any row, so the LP over the other columns has the same optimum and duals.
    """
    keep = ~((lp.col_lower == 0.0) & (lp.col_upper == 0.0))
    new_index = np.cumsum(keep) - 1
    entry_keep = keep[lp.row_index]
    rows = lp.row_of_entry[entry_keep]
    row_start = np.zeros(lp.n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=lp.n_rows), out=row_start[1:])
    small = dataclasses.replace(
        lp, cost=lp.cost[keep], col_lower=lp.col_lower[keep], col_upper=lp.col_upper[keep],
        integer=lp.integer[keep], row_start=row_start,
        row_index=new_index[lp.row_index[entry_keep]], row_value=lp.row_value[entry_keep],
        columns={})
    return small, keep


def measure(name: str, only: tuple[str, ...] = STEPS) -> dict[str, Any]:
    """Seconds of each follow-up, today's way and the candidates, on scenario ``name``."""
    from cases import SCENARIOS

    from pvd_optim import load_scenario
    from pvd_optim.assemble import prepare
    from pvd_optim.families.reference import CAPACITY, ENVELOPE
    from pvd_optim.model import build_program, fix_integers
    from pvd_optim.model.highs import read_result, set_start

    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    inputs = prepare(scenario).inputs
    settings = scenario.solver
    out: dict[str, Any] = {"scenario": name, "n_towns": inputs.n_towns}
    program = build_program(inputs)
    seconds, h = _run(_highs(program, settings))
    main = read_result(h, program, seconds)
    values = main.require_values()
    out["main_s"] = seconds
    out["main_gap"] = main.mip_gap
    out["objective"] = main.objective
    del h

    def duals_of(lp: Any, row_duals: np.ndarray) -> list[float]:
        return [float(lp.row_values(ENVELOPE.blocks[0].name, row_duals)[0]),
                *lp.row_values(CAPACITY.blocks[0].name, row_duals).tolist()]

    if "fixed_lp" in only or "fixed_lp_restricted" in only:
        loose = build_program(inputs, tight=False)
        lp = fix_integers(loose, values)
        seconds, h = _run(_highs(lp, settings))
        today = read_result(h, lp, seconds)
        out["fixed_lp_s"] = seconds
        reference = duals_of(lp, today.row_duals)
        del h
        if "fixed_lp_restricted" in only:
            started = time.perf_counter()
            small, keep = restricted(lp)
            out["restrict_build_s"] = time.perf_counter() - started
            out["restricted_cols"] = int(keep.sum())
            out["fixed_cols"] = lp.n_cols
            seconds, h = _run(_highs(small, settings))
            duals = np.asarray(h.getSolution().row_dual)
            out["fixed_lp_restricted_s"] = seconds
            got = duals_of(lp, duals)
            out["restricted_same_duals"] = bool(np.allclose(got, reference, rtol=1e-6,
                                                            atol=1e-9))
            # The same, starting from the MIP's values (primal warm start; the loose
            # program has the tight one's columns).
            h2 = _highs(small, settings)
            set_start(h2, values[keep])
            seconds, h2 = _run(h2)
            out["fixed_lp_restricted_warm_s"] = seconds
            out["restricted_warm_same_duals"] = bool(np.allclose(
                duals_of(lp, np.asarray(h2.getSolution().row_dual)), reference, rtol=1e-6,
                atol=1e-9))
            # Warm start alone, on the full fixed LP.
            h3 = _highs(lp, settings)
            set_start(h3, values)
            seconds, h3 = _run(h3)
            out["fixed_lp_warm_s"] = seconds
            out["warm_same_duals"] = bool(np.allclose(
                duals_of(lp, np.asarray(h3.getSolution().row_dual)), reference, rtol=1e-6,
                atol=1e-9))
            del h, h2, h3

    exact = settings.model_copy(update={"mip_gap": 0.0})
    changes = {
        "price_of_balance": {"balance_tolerance": min(1.0, inputs.balance_tolerance + 0.05)},
        "value_of_post": {"engineering_budget_keur": inputs.engineering_budget_keur
                          + inputs.post_cost_keur},
    }
    if "resolves" in only or "resolves_warm" in only:
        # Today: a gap-0 base (when the main solve stopped at a gap), then two re-solves.
        seconds, h = _run(_highs(program, exact))
        base = read_result(h, program, seconds)
        out["base_gap0_s"] = seconds
        base_values = base.require_values()
        base_objective = float(base.objective or 0.0)
        del h
        for what, change in changes.items():
            if what == "price_of_balance" and inputs.balance_mode == "off":
                continue
            changed = build_program(dataclasses.replace(inputs, **change))
            seconds, h = _run(_highs(changed, exact))
            today_gain = float(h.getInfo().objective_function_value) - base_objective
            out[f"{what}_s"] = seconds
            out[f"{what}_gain"] = today_gain
            del h
            for gap in (1e-6, 1e-5):
                if "resolves_gap" not in only:
                    break
                loose_gap = settings.model_copy(update={"mip_gap": gap})
                seconds, h = _run(_highs(changed, loose_gap))
                info = h.getInfo()
                out[f"{what}_gap{gap:g}_s"] = seconds
                # Both ends of what this solve proves about the gain.
                out[f"{what}_gap{gap:g}_gain"] = [
                    float(info.objective_function_value) - base_objective,
                    float(info.mip_dual_bound) - base_objective]
                del h
            if "resolves_warm" in only:
                # Both changes only relax the base model: its optimum is a feasible start.
                h = _highs(changed, exact)
                set_start(h, base_values)
                seconds, h = _run(h)
                warm_gain = float(h.getInfo().objective_function_value) - base_objective
                out[f"{what}_warm_s"] = seconds
                out[f"{what}_warm_same"] = abs(warm_gain - today_gain) <= 1e-6 * max(
                    1.0, abs(base_objective))
                del h
    if "shared_model" in only:
        # One HiGHS instance: the gap-0 base, then each change made in place (a row
        # bound for one more post, the band coefficients for the wider tolerance).
        from pvd_optim.families import balance_block_name
        from pvd_optim.inputs import RESOURCES
        from pvd_optim.model.variables import total_name

        h = _highs(program, exact)
        started = time.perf_counter()
        h.run()
        base_objective = float(h.getInfo().objective_function_value)
        out["shared_base_s"] = time.perf_counter() - started
        budget_row = program.rows["engineering_budget"].start
        upper = float(program.row_upper[budget_row])
        h.changeRowBounds(budget_row, float(program.row_lower[budget_row]),
                          upper + inputs.post_cost_keur)
        started = time.perf_counter()
        h.run()
        out["shared_value_of_post_s"] = time.perf_counter() - started
        out["shared_value_of_post_gain"] = (float(h.getInfo().objective_function_value)
                                            - base_objective)
        h.changeRowBounds(budget_row, float(program.row_lower[budget_row]), upper)
        if inputs.balance_mode != "off":
            delta = min(1.0, inputs.balance_tolerance + 0.05)
            for resource in RESOURCES:
                total_col = program.columns[total_name(resource)].start
                for side, sign in (("low", -1.0), ("high", 1.0)):
                    block = program.rows.get(balance_block_name(resource, side))
                    if block is None:
                        continue
                    for r in range(block.size):
                        h.changeCoeff(block.start + r, total_col,
                                      -(1 + sign * delta) * float(inputs.fair_share[r]))
            started = time.perf_counter()
            h.run()
            out["shared_price_of_balance_s"] = time.perf_counter() - started
            out["shared_price_of_balance_gain"] = (float(h.getInfo().objective_function_value)
                                                   - base_objective)
        del h
    if "main_settings" in only:
        variants = {
            "default": {},
            "no_symmetry": {"mip_detect_symmetry": False},
            "heuristic_effort_0.2": {"mip_heuristic_effort": 0.2},
            "presolve_off": {"presolve": "off"},
            "root_reduced_cost_on": {"mip_heuristic_run_root_reduced_cost": True},
            "lp_age_limit_20": {"mip_lp_age_limit": 20},
        }
        for label, extra in variants.items():
            options = {**settings.highs_options, **extra}
            variant = settings.model_copy(update={"highs_options": options})
            seconds, h = _run(_highs(program, variant))
            info = h.getInfo()
            out[f"main[{label}]_s"] = seconds
            out[f"main[{label}]_objective"] = float(info.objective_function_value)
            out[f"main[{label}]_nodes"] = int(info.mip_node_count)
            del h
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--only", default=",".join(STEPS))
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    report = measure(args.scenario, tuple(args.only.split(",")))
    text = json.dumps(report)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
