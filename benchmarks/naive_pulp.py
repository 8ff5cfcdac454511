"""The allocation model written the way a typical PuLP user writes it: the naive baseline.

Dicts of ``LpVariable``, ``lpSum`` over generator expressions, one ``+=`` per
constraint element, ``PULP_CBC_CMD`` (which writes an MPS file and runs the
bundled CBC). It is the formulation of ``shared/design/model.md`` with the same
tightening rows as ``pvd_optim/model/formulation.py`` (rounding cut on shared
posts, per-segment perspective rows), so both reach the same optimum; it reads
the same ``ModelInputs`` (k EUR), nothing else from the product.

Then, like the pipeline, it fixes posts and coverage at their optimum and
re-solves the LP for the envelope's shadow price. Hard or no regional balance
only (the benchmark cases use hard balance).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pulp

from pvd_optim.inputs import ModelInputs


@dataclass
class NaiveResult:
    """Objective, envelope dual of the fixed LP, and where the time went."""

    objective: float
    fixed_objective: float
    envelope_dual: float | None
    build_seconds: float
    solve_seconds: float
    fixed_seconds: float

    @property
    def total_seconds(self) -> float:
        """Build, MIP and fixed-LP time together."""
        return self.build_seconds + self.solve_seconds + self.fixed_seconds


def build(inp: ModelInputs) -> tuple[pulp.LpProblem, dict, dict]:
    """The MIP, its integer variables (``c``, ``p``) and named constraints."""
    T = range(inp.n_towns)
    K = range(inp.n_themes)
    S = range(inp.n_segments)
    R = range(inp.n_regions)
    D = range(inp.n_directorates)
    G = range(inp.n_groups)
    region = inp.region_of_town.tolist()
    directorate = inp.directorate_of_town.tolist()
    group = inp.group_of_town.tolist()
    need = inp.need.tolist()
    fragility = inp.fragility.tolist()
    cap = inp.cap_keur.tolist()
    w = inp.segment_widths.tolist()
    slope = inp.slopes.tolist()
    uf = inp.saturation_keur.tolist()
    ux = inp.saturation_days.tolist()
    m = inp.towns_per_post.tolist()  # m_g per group
    towns_in = {g: [t for t in T if group[t] == g] for g in G}

    prob = pulp.LpProblem("pvd_naive", pulp.LpMaximize)
    f = {(t, k, s): pulp.LpVariable(f"f_{t}_{k}_{s}", 0, w[s] * uf[k]) for t in T for k in K
         for s in S}
    x = {(t, k, s): pulp.LpVariable(f"x_{t}_{k}_{s}", 0, w[s] * ux[k]) for t in T for k in K
         for s in S}
    c = {t: pulp.LpVariable(f"c_{t}", cat="Binary") for t in T}
    p = {g: pulp.LpVariable(f"p_{g}", 0, math.ceil(len(towns_in[g]) / m[g]), cat="Integer")
         for g in G}

    prob += (
        pulp.lpSum(need[t][k] * slope[s] * (f[t, k, s] + inp.value_per_day_keur * x[t, k, s])
                   for t in T for k in K for s in S)
        + pulp.lpSum(inp.value_per_cover_keur * fragility[t] * c[t] for t in T)
    )
    cons: dict[str, pulp.LpConstraint] = {}
    total_f = pulp.lpSum(f.values())
    cons["envelope"] = total_f <= inp.envelope_keur
    prob += cons["envelope"], "envelope"
    prob += total_f >= inp.spend_min_share * inp.envelope_keur, "spend_min"
    for d in D:
        prob += pulp.lpSum(x[t, k, s] for t in T if directorate[t] == d for k in K
                           for s in S) <= float(inp.capacity_days[d]), f"capacity_{d}"
    prob += inp.post_cost_keur * pulp.lpSum(p.values()) <= inp.engineering_budget_keur, "budget"
    prob += pulp.lpSum(c.values()) >= inp.cover_min_share * inp.n_towns, "cover_min"
    for g in G:
        prob += pulp.lpSum(c[t] for t in towns_in[g]) <= m[g] * p[g], f"sharing_{g}"
        q, r = divmod(len(towns_in[g]), m[g])
        if q >= 1 and r > 0:
            prob += (pulp.lpSum(c[t] for t in towns_in[g]) <= r * p[g] + (m[g] - r) * q,
                     f"sharing_rounded_{g}")
    for t in T:
        prob += (pulp.lpSum(x[t, k, s] for k in K for s in S)
                 <= inp.max_days_per_town * c[t]), f"lead_days_{t}"
        prob += pulp.lpSum(f[t, k, s] for k in K for s in S) <= cap[t] * c[t], f"lead_funding_{t}"
        prob += c[t] <= p[group[t]], f"lead_post_{t}"
        for k in K:
            for s in S:
                prob += f[t, k, s] <= w[s] * uf[k] * c[t], f"lead_f_{t}_{k}_{s}"
                prob += x[t, k, s] <= w[s] * ux[k] * c[t], f"lead_x_{t}_{k}_{s}"
        if inp.min_per_town_keur > 0:
            prob += (pulp.lpSum(f[t, k, s] for k in K for s in S)
                     >= min(inp.min_per_town_keur, cap[t]) * c[t]), f"town_floor_{t}"
    if inp.balance_mode == "hard":
        delta = inp.balance_tolerance
        extra = inp.balance_band_extra.tolist()
        used = {
            "funding": {r: pulp.lpSum(f[t, k, s] for t in T if region[t] == r for k in K
                                      for s in S) for r in R},
            "days": {r: pulp.lpSum(x[t, k, s] for t in T if region[t] == r for k in K
                                   for s in S) for r in R},
            "towns": {r: pulp.lpSum(c[t] for t in T if region[t] == r) for r in R},
        }
        totals = {"funding": total_f, "days": pulp.lpSum(x.values()),
                  "towns": pulp.lpSum(c.values())}
        for j, resource in enumerate(("funding", "days", "towns")):
            for r in R:
                share = float(inp.fair_share[r])
                widen = extra[j][r]
                prob += (used[resource][r] >= (1 - delta) * share * totals[resource] - widen,
                         f"balance_{resource}_low_{r}")
                prob += (used[resource][r] <= (1 + delta) * share * totals[resource] + widen,
                         f"balance_{resource}_high_{r}")
    elif inp.balance_mode != "off":
        raise NotImplementedError("the naive baseline covers hard or no balance only")
    for k in K:
        prob += (pulp.lpSum(f[t, k, s] for t in T for s in S)
                 >= float(inp.theme_floor[k]) * total_f), f"theme_floor_{k}"
    return prob, {"c": c, "p": p}, cons


def solve(inp: ModelInputs, mip_gap: float = 1e-4, time_limit_s: float = 3600.0,
          threads: int = 1) -> NaiveResult:
    """Build, solve the MIP with CBC, fix the integers and re-solve the LP for duals."""
    started = time.perf_counter()
    prob, integer, _ = build(inp)
    built = time.perf_counter()
    solver = pulp.PULP_CBC_CMD(msg=False, gapRel=mip_gap, timeLimit=time_limit_s,
                               threads=threads)
    prob.solve(solver)
    if pulp.LpStatus[prob.status] != "Optimal":
        raise RuntimeError(f"CBC: {pulp.LpStatus[prob.status]}")
    objective = float(pulp.value(prob.objective))
    solved = time.perf_counter()
    for variables in integer.values():
        for var in variables.values():
            value = round(var.varValue)
            var.lowBound = var.upBound = value
            var.cat = pulp.LpContinuous
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, threads=threads))
    fixed = float(pulp.value(prob.objective))
    envelope = prob.constraints["envelope"].pi
    done = time.perf_counter()
    return NaiveResult(objective, fixed, None if envelope is None else float(envelope),
                       built - started, solved - built, done - solved)
