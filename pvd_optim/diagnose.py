"""Infeasibility explained in planner terms: the smallest relaxation that would work.

For each family of constraints a planner can change (its registry entry says how:
``pvd_optim.families``), an *elastic* copy of the model lets only that family
bend, at a cost per unit of bending, and minimises the bending. A family that
can restore feasibility alone yields one alternative fix ("raise X to at least
Y"), worded by its registry entry. For regional balance the smallest tolerance
is found by bisection on re-solves. HiGHS's irreducible infeasible subset of the
LP relaxation is added where it exists. Every solve here uses HiGHS with the
scenario's solver settings and a MIP gap of :data:`DIAGNOSIS_MIP_GAP`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pvd_optim.families import (
    FAMILIES,
    Elastic,
    Family,
    Fix,
    FixContext,
    ToleranceSearch,
    family,
)
from pvd_optim.inputs import ModelInputs
from pvd_optim.model.formulation import build_program
from pvd_optim.model.program import LinearProgram, pack_csr
from pvd_optim.model.solve import solve
from pvd_optim.postprocess import extract
from pvd_optim.scenario.schema import Scenario, SolverSection
from pvd_optim.tolerances import RELAXATION_NOISE

#: Above this many rows the irreducible infeasible subset is not computed (see diagnose).
IIS_MAX_ROWS = 5_000

#: MIP gap of the elastic solves: tight enough that the smallest bending found is the
#: smallest there is, to the precision fixes are worded in.
DIAGNOSIS_MIP_GAP = 1e-6


def diagnosable() -> tuple[Family, ...]:
    """The families the diagnosis relaxes: resources and model rules first, then targets.

    Raising a resource is what a planner tries first; lowering a target second.
    """
    relaxable = [f for f in FAMILIES if f.relax is not None]
    return tuple(sorted(relaxable, key=lambda f: f.kind == "target"))


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
            tried = ", ".join(f.title for f in diagnosable())
            return (f"no single change of one of these makes the scenario feasible: {tried}; "
                    "see the diagnosis")
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
            lines.append(f"- **{family(fix.family).title}** (`{fix.field}`): {fix.message}")
            lines += [f"  - {d}" for d in fix.detail[:10]]
        if not self.fixes:
            lines.append("- none found: several constraints must change together.")
        if self.cannot_fix_alone:
            lines += ["", "Changing only one of these would not be enough: "
                      + ", ".join(family(name).title for name in self.cannot_fix_alone) + "."]
        if self.iis_rows:
            lines += ["", "An irreducible infeasible set of constraints of the LP relaxation "
                      "(HiGHS): " + ", ".join(self.iis_rows[:30])
                      + (" ..." if len(self.iis_rows) > 30 else "")]
        lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _elastic(program: LinearProgram, blocks: tuple[str, ...]
             ) -> tuple[LinearProgram, dict[str, slice]]:
    """A copy of ``program`` whose rows in ``blocks`` may bend at unit cost; benefit removed."""
    new_rows, new_cols, new_vals = [], [], []
    slices: dict[str, slice] = {}
    start = program.n_cols
    for name in blocks:
        block = program.rows[name]
        idx = block.indices
        # A <= row gets "- s" (its right-hand side rises by s), a >= row gets "+ s".
        new_rows.append(idx)
        new_cols.append(start + np.arange(block.size))
        new_vals.append(np.where(np.isfinite(program.row_upper[idx]), -1.0, 1.0))
        slices[name] = slice(start, start + block.size)
        start += block.size
    added = start - program.n_cols
    row_start, row_index, row_value = pack_csr(
        np.concatenate([program.row_of_entry, *new_rows]),
        np.concatenate([program.row_index, *new_cols]),
        np.concatenate([program.row_value, *new_vals]), program.n_rows)
    elastic = dataclasses.replace(
        program,
        cost=np.concatenate([np.zeros(program.n_cols), -np.ones(added)]),
        col_lower=np.concatenate([program.col_lower, np.zeros(added)]),
        col_upper=np.concatenate([program.col_upper, np.full(added, np.inf)]),
        integer=np.concatenate([program.integer, np.zeros(added, dtype=bool)]),
        row_start=row_start, row_index=row_index, row_value=row_value, maximise=True,
    )
    return elastic, slices


def _feasible(inputs: ModelInputs, settings: SolverSection) -> bool:
    result = solve(build_program(inputs), settings)
    return result.status.has_solution


def _balance_fix(inputs: ModelInputs, settings: SolverSection, search: ToleranceSearch
                 ) -> Fix | None:
    """Smallest balance tolerance (to 0.005) that makes the scenario feasible, by bisection."""
    if inputs.balance_mode != "hard":
        return None
    if not _feasible(dataclasses.replace(inputs, balance_mode="off"), settings):
        return None
    low, high = inputs.balance_tolerance, 1.0
    if not _feasible(dataclasses.replace(inputs, balance_tolerance=high), settings):
        return Fix("balance", "balance.mode", 0.0, 0.0,
                   "switch regional balance to `soft` or `off`: no tolerance up to 1.0 is enough")
    while high - low > 0.005:
        mid = (low + high) / 2
        if _feasible(dataclasses.replace(inputs, balance_tolerance=mid), settings):
            high = mid
        else:
            low = mid
    needed = float(np.ceil(high * 1000) / 1000)
    return Fix("balance", search.field, inputs.balance_tolerance, needed,
               f"raise the regional balance tolerance to at least {needed:.3f} "
               f"(now {inputs.balance_tolerance})")


def _elastic_fix(relax: Elastic, inputs: ModelInputs, scenario: Scenario,
                 program: LinearProgram, settings: SolverSection) -> Fix | bool | None:
    """The family's fix, ``None`` when it needs none, ``False`` when it cannot fix it alone."""
    present = tuple(name for name in relax.blocks if name in program.rows)
    if not present:
        return None  # the family is switched off in this scenario
    elastic, slices = _elastic(program, present)
    result = solve(elastic, settings)
    if not result.status.has_solution:
        return False
    values = result.require_values()
    slack = {name: values[s] for name, s in slices.items()}
    if sum(float(v.sum()) for v in slack.values()) <= RELAXATION_NOISE:
        return None
    context = FixContext(inputs, scenario, slack, extract(program, values[:program.n_cols]))
    return relax.fix(context)


def diagnose(inputs: ModelInputs, scenario: Scenario) -> Diagnosis:
    """Explain why ``inputs`` is infeasible: one minimal fix per family that has one."""
    from pvd_optim.model import highs

    settings = scenario.solver.model_copy(update={"name": "highs",
                                                  "mip_gap": DIAGNOSIS_MIP_GAP})
    program = build_program(inputs)
    fixes: list[Fix] = []
    cannot: list[str] = []
    for candidate in diagnosable():
        relax = candidate.relax
        if isinstance(relax, ToleranceSearch):
            fix = _balance_fix(inputs, settings, relax)
            if fix is None and inputs.balance_mode == "hard":
                cannot.append(candidate.name)
        else:
            assert isinstance(relax, Elastic)
            outcome = _elastic_fix(relax, inputs, scenario, program, settings)
            if outcome is False:
                cannot.append(candidate.name)
                continue
            fix = outcome if isinstance(outcome, Fix) else None
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
