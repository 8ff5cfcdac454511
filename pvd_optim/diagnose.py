"""Infeasibility explained in planner terms: the smallest relaxation that would work.

For each family of constraints a planner can change (the envelope, directorate
capacities, the engineering budget, town caps, theme floors, regional balance,
and the demand targets: minimum spend, minimum coverage, minimum per town), an
*elastic* copy of the model lets only that family bend, at a cost per unit of
bending, and minimises the bending. A family that can restore feasibility
alone yields one alternative fix ("raise X to at least Y"). For regional
balance the smallest tolerance is found by bisection on re-solves. HiGHS's
irreducible infeasible subset of the LP relaxation is added where it exists.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pvd_optim.inputs import EUR_PER_UNIT, ModelInputs
from pvd_optim.model.formulation import LinearProgram, build_program
from pvd_optim.model.solve import SolverOptions, solve
from pvd_optim.scenario.schema import Scenario

#: Above this many rows the irreducible infeasible subset is not computed (see diagnose).
IIS_MAX_ROWS = 5_000

#: Row blocks a planner controls, with what bending them means.
FAMILIES: dict[str, tuple[str, ...]] = {
    "envelope": ("envelope",),
    "capacity": ("capacity",),
    "engineering_budget": ("engineering_budget",),
    "town_caps": ("lead_funding",),
    "theme_floors": ("theme_floor",),
    "balance": tuple(f"balance_{r}_{s}" for r in ("funding", "days", "towns")
                     for s in ("low", "high")),
    "spend_min": ("spend_min",),
    "cover_min": ("cover_min",),
    "town_floor": ("town_floor",),
}


@dataclass(frozen=True)
class Fix:
    """One way to make the scenario feasible, in words and numbers."""

    family: str
    field: str
    current: float
    needed: float
    message: str
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagnosis:
    """Why a scenario is infeasible and what would make it feasible."""

    scenario_name: str
    fixes: tuple[Fix, ...]
    cannot_fix_alone: tuple[str, ...]
    iis_rows: tuple[str, ...] = ()
    lp_relaxation_infeasible: bool = False
    notes: tuple[str, ...] = field(default=())

    def headline(self) -> str:
        """One line: the first fixes found."""
        if not self.fixes:
            return ("no single change among envelope, capacities, budget, caps, floors, balance "
                    "and demand targets makes the scenario feasible; see diagnosis")
        shown = "; or ".join(f.message for f in self.fixes[:2])
        more = len(self.fixes) - 2
        return shown + (f" (and {more} other fix{'es' if more > 1 else ''})" if more > 0 else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for ``diagnosis.json``."""
        return {
            "status": "infeasible",
            "scenario": self.scenario_name,
            "fixes": [dataclasses.asdict(f) for f in self.fixes],
            "families_that_cannot_fix_it_alone": list(self.cannot_fix_alone),
            "lp_relaxation_infeasible": self.lp_relaxation_infeasible,
            "irreducible_infeasible_subset_rows": list(self.iis_rows),
            "notes": list(self.notes),
        }

    def markdown(self) -> str:
        """Planner-readable explanation, for ``explain.md``."""
        lines = [f"# {self.scenario_name}: infeasible", "",
                 "No allocation satisfies every constraint of this scenario. Each of the "
                 "following changes, on its own, would make it feasible (the smallest such "
                 "change for that family of constraints):", ""]
        for fix in self.fixes:
            lines.append(f"- **{fix.family}** (`{fix.field}`): {fix.message}")
            lines += [f"  - {d}" for d in fix.detail[:10]]
        if not self.fixes:
            lines.append("- none found: several constraints must change together.")
        if self.cannot_fix_alone:
            lines += ["", "Changing only one of these would not be enough: "
                      + ", ".join(self.cannot_fix_alone) + "."]
        if self.iis_rows:
            lines += ["", "An irreducible infeasible set of constraints of the LP relaxation "
                      "(HiGHS): " + ", ".join(self.iis_rows[:30])
                      + (" ..." if len(self.iis_rows) > 30 else "")]
        lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _elastic(program: LinearProgram, blocks: tuple[str, ...], weights: dict[str, np.ndarray]
             ) -> tuple[LinearProgram, dict[str, slice]]:
    """A copy of ``program`` whose rows in ``blocks`` may bend, at a cost; benefit removed."""
    rows = np.repeat(np.arange(program.n_rows), np.diff(program.row_start))
    cols, vals = program.row_index, program.row_value
    new_rows, new_cols, new_vals, new_cost = [], [], [], []
    slices: dict[str, slice] = {}
    start = program.n_cols
    for name in blocks:
        block = program.rows.get(name)
        if block is None or block.size == 0:
            continue
        idx = np.arange(block.start, block.start + block.size)
        # A <= row gets "- s" (its right-hand side rises by s), a >= row gets "+ s".
        sign = np.where(np.isfinite(program.row_upper[idx]), -1.0, 1.0)
        new_rows.append(idx)
        new_cols.append(start + np.arange(block.size))
        new_vals.append(sign)
        new_cost.append(-weights[name])
        slices[name] = slice(start, start + block.size)
        start += block.size
    added = start - program.n_cols
    all_rows = np.concatenate([rows, *new_rows])
    all_cols = np.concatenate([cols, *new_cols])
    all_vals = np.concatenate([vals, *new_vals])
    order = np.lexsort((all_cols, all_rows))
    row_start = np.zeros(program.n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(all_rows, minlength=program.n_rows), out=row_start[1:])
    elastic = LinearProgram(
        cost=np.concatenate([np.zeros(program.n_cols), *new_cost]),
        col_lower=np.concatenate([program.col_lower, np.zeros(added)]),
        col_upper=np.concatenate([program.col_upper, np.full(added, np.inf)]),
        integer=np.concatenate([program.integer, np.zeros(added, dtype=bool)]),
        row_start=row_start,
        row_index=all_cols[order],
        row_value=all_vals[order],
        row_lower=program.row_lower,
        row_upper=program.row_upper,
        columns=program.columns,
        rows=program.rows,
        maximise=True,
    )
    return elastic, slices


def _weights(program: LinearProgram, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {}
    for name in names:
        block = program.rows.get(name)
        if block is not None:
            out[name] = np.ones(block.size)
    return out


def _at_most(share: float) -> float:
    """A share rounded *down* to 3 decimals, so that the suggested limit is enough."""
    return float(np.floor(share * 1000 + 1e-9) / 1000)


def _at_least_keur(amount_keur: float) -> float:
    """An amount rounded *up* to the next k EUR, so that the suggested limit is enough."""
    return float(np.ceil(amount_keur - 1e-9))


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _fix_for(family: str, inputs: ModelInputs, scenario: Scenario, program: LinearProgram,
             slack: dict[str, np.ndarray], values: np.ndarray) -> Fix | None:
    total = {name: float(s.sum()) for name, s in slack.items()}
    if sum(total.values()) <= 1e-7:
        return None
    if family == "envelope":
        needed = _at_least_keur(inputs.envelope_keur + total["envelope"]) * EUR_PER_UNIT
        return Fix(family, "resources.funding.envelope_eur", inputs.envelope_keur * EUR_PER_UNIT,
                   needed, f"raise the funding envelope to at least {needed / 1e6:,.3f} M EUR "
                   f"(now {inputs.envelope_keur / 1e3:,.3f} M EUR)")
    if family == "capacity":
        s = slack["capacity"]
        detail = tuple(
            f"{inputs.directorate_names[d]}: from {inputs.capacity_days[d]:,.0f} to at least "
            f"{inputs.capacity_days[d] + s[d]:,.0f} days" for d in np.flatnonzero(s > 1e-7))
        needed = float(inputs.capacity_days.sum() + s.sum())
        return Fix(family, "resources.expertise.capacity_days", float(inputs.capacity_days.sum()),
                   needed, f"raise Cerema capacity by {s.sum():,.0f} expert-days in all, to at "
                   f"least {needed:,.0f}", detail)
    if family == "engineering_budget":
        posts = int(np.ceil(total["engineering_budget"] / inputs.post_cost_keur - 1e-9))
        needed = (inputs.engineering_budget_keur + posts * inputs.post_cost_keur) * EUR_PER_UNIT
        return Fix(family, "resources.engineering.budget_eur",
                   inputs.engineering_budget_keur * EUR_PER_UNIT, needed,
                   f"raise the engineering budget to at least {needed / 1e6:,.3f} M EUR "
                   f"({_plural(posts, 'more post')})")
    if family == "spend_min":
        share = _at_most(max(0.0, inputs.spend_min_share
                             - total["spend_min"] / inputs.envelope_keur))
        return Fix(family, "resources.funding.spend_min_share", inputs.spend_min_share, share,
                   f"lower the minimum spend share to at most {share:.3f} "
                   f"(now {inputs.spend_min_share})")
    if family == "cover_min":
        reachable = int(np.floor(inputs.cover_min_share * inputs.n_towns
                                 - total["cover_min"] + 1e-6))
        share = _at_most(max(0.0, reachable / inputs.n_towns))
        fewer = int(np.ceil(inputs.cover_min_share * inputs.n_towns - 1e-9)) - reachable
        return Fix(family, "resources.engineering.cover_min_share", inputs.cover_min_share, share,
                   f"lower the minimum coverage share to at most {share:.3f} "
                   f"(now {inputs.cover_min_share}): at most {reachable:,} of "
                   f"{inputs.n_towns:,} towns can have a project lead, "
                   f"{_plural(fewer, 'town')} fewer")
    if family == "town_floor":
        s = slack["town_floor"]
        worst = float(s.max())
        needed = float(np.floor(max(0.0, inputs.min_per_town_keur - worst) * EUR_PER_UNIT))
        return Fix(family, "resources.funding.min_per_covered_town_eur",
                   inputs.min_per_town_keur * EUR_PER_UNIT, needed,
                   f"lower the minimum per covered town to at most {needed:,.0f} EUR "
                   f"({int((s > 1e-7).sum())} towns fall short)")
    if family == "town_caps":
        s = slack["lead_funding"]
        towns = np.flatnonzero(s > 1e-7)
        detail = tuple(f"{inputs.town_names[t]} ({inputs.town_codes[t]}): +{s[t] * 1e3:,.0f} EUR"
                       for t in towns)
        return Fix(family, "resources.funding.cap_per_town_eur",
                   scenario.resources.funding.cap_per_town_eur, float(s.max() * EUR_PER_UNIT),
                   f"raise the caps of {len(towns)} town(s), by up to {s.max() * 1e3:,.0f} EUR",
                   detail)
    if family == "theme_floors":
        s = slack["theme_floor"]
        funding = program.column("funding_theme", values)
        total_funding = float(program.column("funding_total", values)[0])
        detail = tuple(
            f"{inputs.themes[k]}: floor from {inputs.theme_floor[k]:.3g} to at most "
            f"{funding[k] / total_funding if total_funding else 0:.3g}"
            for k in np.flatnonzero(s > 1e-7))
        return Fix(family, "theme_floors_share", float(inputs.theme_floor.max()),
                   float(inputs.theme_floor.max()), "lower the theme floors: " + "; ".join(detail),
                   detail)
    return None


def _feasible(inputs: ModelInputs, options: SolverOptions) -> bool:
    result = solve(build_program(inputs), options)
    return result.status.has_solution


def _balance_fix(inputs: ModelInputs, options: SolverOptions) -> Fix | None:
    """Smallest balance tolerance (to 0.005) that makes the scenario feasible, by bisection."""
    if inputs.balance_mode != "hard":
        return None
    if not _feasible(dataclasses.replace(inputs, balance_mode="off"), options):
        return None
    low, high = inputs.balance_tolerance, 1.0
    if not _feasible(dataclasses.replace(inputs, balance_tolerance=high), options):
        return Fix("balance", "balance.mode", 0.0, 0.0,
                   "switch regional balance to `soft` or `off`: no tolerance up to 1.0 is enough")
    while high - low > 0.005:
        mid = (low + high) / 2
        if _feasible(dataclasses.replace(inputs, balance_tolerance=mid), options):
            high = mid
        else:
            low = mid
    needed = float(np.ceil(high * 1000) / 1000)
    return Fix("balance", "balance.tolerance_share", inputs.balance_tolerance, needed,
               f"raise the regional balance tolerance to at least {needed:.3f} "
               f"(now {inputs.balance_tolerance})")


def diagnose(inputs: ModelInputs, scenario: Scenario) -> Diagnosis:
    """Explain why ``inputs`` is infeasible: one minimal fix per family that has one."""
    from pvd_optim.model import highs

    options = SolverOptions(name="highs", time_limit_s=scenario.solver.time_limit_s,
                            mip_gap=1e-6, threads=scenario.solver.threads)
    program = build_program(inputs)
    fixes: list[Fix] = []
    cannot: list[str] = []
    for family, blocks in FAMILIES.items():
        if family == "balance":
            fix = _balance_fix(inputs, options)
            if fix is None and inputs.balance_mode == "hard":
                cannot.append(family)
            if fix is not None:
                fixes.append(fix)
            continue
        present = tuple(b for b in blocks if b in program.rows)
        if not present:
            continue
        elastic, slices = _elastic(program, present, _weights(program, present))
        result = solve(elastic, options)
        if not result.status.has_solution:
            cannot.append(family)
            continue
        values = result.require_values()
        slack = {name: values[s] for name, s in slices.items()}
        fix = _fix_for(family, inputs, scenario, program, slack, values)
        if fix is not None:
            fixes.append(fix)
    notes: list[str] = []
    iis = None
    if program.n_rows <= IIS_MAX_ROWS:
        iis = highs.irreducible_infeasible_subset(program)
        notes.append(
            "posts and coverage are integers: the LP relaxation is feasible, so the conflict "
            "involves whole posts or towns" if iis is None else
            "the irreducible subset is computed on the LP relaxation (posts and coverage "
            "fractional)")
    else:
        notes.append(
            f"No irreducible infeasible subset is given for a model of {program.n_rows:,} "
            "constraints: at this scale the solver's subset runs to thousands of constraints "
            "and takes minutes, while the fixes above say what to change.")
    names = program.row_names()
    iis_rows = tuple(names[i] for i in iis[0]) if iis else ()
    return Diagnosis(scenario.name, tuple(fixes), tuple(cannot), iis_rows, iis is not None,
                     tuple(notes))
