"""Infeasibility explained in planner terms: the smallest relaxation that would work.

For each family of constraints a planner can change (its registry entry says how:
``pvd_optim.families``), an *elastic* copy of the model lets only that family
bend, at a cost per unit of bending, and minimises the bending. A family that
can restore feasibility alone yields one alternative fix ("raise X to at least
Y"), worded by its registry entry. For regional balance the smallest tolerance
is found by bisection on re-solves. HiGHS's irreducible infeasible subset of the
LP relaxation is added where it exists. Every solve here uses HiGHS with the
scenario's solver settings and a MIP gap of :data:`DIAGNOSIS_MIP_GAP`; the solves
themselves, cheapest proofs first, are in :mod:`pvd_optim.diagnosis_search`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from pvd_optim import i18n
from pvd_optim.diagnosis_search import DIAGNOSIS_MIP_GAP, diagnosable, search
from pvd_optim.families import Fix, family
from pvd_optim.i18n import N_, Translator
from pvd_optim.i18n.message import Message, render
from pvd_optim.inputs import ModelInputs, ProgrammeInputs, as_programme
from pvd_optim.model.formulation import build_program
from pvd_optim.model.solve import SolveBudget
from pvd_optim.scenario.schema import Scenario

__all__ = ["DIAGNOSIS_MIP_GAP", "Diagnosis", "diagnosable", "diagnose", "diagnosis_time_limit_s"]

#: How sure a fix is (``Fix.proof``), in the catalogue's words.
PROOF_WORDS = {"proven minimal": N_("proven minimal"),
               "not proven minimal": N_("not proven minimal")}

#: Above this many rows the irreducible infeasible subset is not computed (see diagnose).
IIS_MAX_ROWS = 5_000

#: The diagnosis's own time limit, shared by all its solves, unless the scenario sets
#: ``analysis.diagnosis_time_limit_s``: this many times the main solve that proved the
#: scenario infeasible, and at least DIAGNOSIS_FLOOR_S. Proving infeasibility is fast
#: (under a second nationally) while an elastic MIP may search for minutes: without a
#: budget of its own, one elastic solve once ran to the 600 s solver limit.
DIAGNOSIS_MULTIPLE = 20.0
DIAGNOSIS_FLOOR_S = 30.0


def diagnosis_time_limit_s(scenario: Scenario, main_solve_s: float) -> float:
    """Seconds the diagnosis may spend solving (see :data:`DIAGNOSIS_MULTIPLE`)."""
    given = getattr(scenario.analysis, "diagnosis_time_limit_s", None)
    if given is not None:
        return float(given)
    return max(DIAGNOSIS_FLOOR_S, DIAGNOSIS_MULTIPLE * main_solve_s)


@dataclass(frozen=True)
class Diagnosis:
    """Why a scenario is infeasible and what would make it feasible."""

    scenario_name: str
    fixes: tuple[Fix, ...]
    cannot_fix_alone: tuple[str, ...]
    iis_rows: tuple[str, ...] = ()
    lp_relaxation_infeasible: bool | None = None  # None: not computed or not settled
    notes: tuple[str, ...] = field(default=())
    unknown: tuple[str, ...] = ()  # families whose elastic solve ended without an answer
    time_limit_s: float | None = None
    commitment_conflicts: tuple[str, ...] = ()  # commitments that cannot all be honoured

    def headline(self, t: Translator | None = None) -> str:
        """One line: the commitments that conflict, then the first fixes found.

        In ``t``'s language (English by default, the form of ``diagnosis.json``).
        """
        t = t or i18n.translator("en")
        _ = t.gettext
        fixes = [render(f.message, t) for f in self.fixes]
        if self.commitment_conflicts:
            more = len(self.commitment_conflicts) - 1
            return (_("commitments cannot all be honoured: {first}").format(
                first=render(self.commitment_conflicts[0], t))
                + (_(" (and {count} more)").format(count=t.number(more)) if more > 0 else "")
                + (_("; or {fix}").format(fix=fixes[0]) if fixes else ""))
        if not fixes:
            if self.unknown:
                return _("no single change found within the diagnosis time limit; undecided: "
                         "{families} (raise analysis.diagnosis_time_limit_s)").format(
                    families=_titles(self.unknown, t))
            return _("no single change of one of these makes the scenario feasible: "
                     "{families}; see the diagnosis").format(
                families=", ".join(_(f.title) for f in diagnosable()))
        shown = _("; or ").join(fixes[:2])
        more = len(fixes) - 2
        return shown + (t.ngettext(" (and {count} other fix)", " (and {count} other fixes)",
                                   more).format(count=t.number(more)) if more > 0 else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for ``diagnosis.json``."""
        return {
            "status": "infeasible",
            "scenario": self.scenario_name,
            "fixes": [dataclasses.asdict(f) for f in self.fixes],
            "families_that_cannot_fix_it_alone": list(self.cannot_fix_alone),
            "families_unknown_within_the_time_limit": list(self.unknown),
            "diagnosis_time_limit_s": self.time_limit_s,
            "lp_relaxation_infeasible": self.lp_relaxation_infeasible,
            "irreducible_infeasible_subset_rows": list(self.iis_rows),
            "commitment_conflicts": list(self.commitment_conflicts),
            "notes": list(self.notes),
        }

    def markdown(self, t: Translator | None = None) -> str:
        """Planner-readable explanation, for ``explain.md``, in ``t``'s language."""
        t = t or i18n.translator("en")
        _ = t.gettext
        each = _("Each of the following changes, on its own, would make it feasible (the "
                 "smallest such change for that family of constraints, where proven):")
        lines = ["# " + _("{scenario}: infeasible").format(scenario=self.scenario_name), ""]
        if self.commitment_conflicts:
            lines += [_("No allocation satisfies every constraint of this scenario. What is "
                        "already committed cannot all be honoured:"), ""]
            lines += [f"- {render(sentence, t)}" for sentence in self.commitment_conflicts]
            lines += ["", each, ""]
        else:
            lines += [_("No allocation satisfies every constraint of this scenario.") + " "
                      + each, ""]
        for fix in self.fixes:
            lines.append("- " + _("**{family}** (`{field}`): {fix} ({proof})").format(
                family=_(family(fix.family).title), field=fix.field,
                fix=render(fix.message, t), proof=_(PROOF_WORDS[fix.proof])))
            lines += [f"  - {render(d, t)}" for d in fix.detail[:10]]
        if not self.fixes:
            lines.append("- " + _("none found: several constraints must change together."))
        if self.cannot_fix_alone:
            lines += ["", _("Changing only one of these would not be enough: {families}.")
                      .format(families=_titles(self.cannot_fix_alone, t))]
        if self.unknown:
            limit = (f" ({t.compact(self.time_limit_s)} s)"
                     if self.time_limit_s else "")
            lines += ["", _("Not known within the diagnosis time limit{limit} whether changing "
                            "one of these alone would be enough: {families} (raise "
                            "analysis.diagnosis_time_limit_s to find out).").format(
                limit=limit, families=_titles(self.unknown, t))]
        if self.iis_rows:
            lines += ["", _("An irreducible infeasible set of constraints of the LP relaxation "
                            "(HiGHS): {rows}").format(rows=", ".join(self.iis_rows[:30])
                                                      + (" ..." if len(self.iis_rows) > 30
                                                         else ""))]
        lines += [""] + [_("Note: {note}").format(note=render(n, t)) for n in self.notes]
        return "\n".join(lines) + "\n"


def _titles(names: tuple[str, ...], t: Translator) -> str:
    """The families' titles, in ``t``'s language, as a list."""
    return ", ".join(t.gettext(family(name).title) for name in names)


def diagnose(inputs: ModelInputs | ProgrammeInputs, scenario: Scenario,
             main_solve_s: float = 0.0) -> Diagnosis:
    """Explain why ``inputs`` is infeasible: one minimal fix per family that has one.

    Every solve uses HiGHS with the scenario's settings and shares the diagnosis's
    own time limit (:func:`diagnosis_time_limit_s` of ``main_solve_s``, the time the
    main solve took to prove infeasibility). A family whose solve ended at the limit
    is reported as unknown, never as one that cannot fix the scenario alone.
    """
    from pvd_optim.model import highs

    limit_s = diagnosis_time_limit_s(scenario, main_solve_s)
    budget = SolveBudget(scenario.solver.model_copy(update={
        "name": "highs", "mip_gap": DIAGNOSIS_MIP_GAP, "time_limit_s": limit_s}))
    programme = as_programme(inputs)
    program = build_program(programme)
    found = search(programme, scenario, program, budget)
    notes: list[str] = []
    iis = highs.InfeasibleSubset(None)
    if program.n_rows <= IIS_MAX_ROWS and budget.remaining_s >= 1.0:
        iis = highs.irreducible_infeasible_subset(program, time_limit_s=budget.remaining_s)
        if iis.rows:
            notes.append(Message("the irreducible subset is computed on the LP relaxation "
                                 "(posts and coverage fractional)"))
        elif iis.lp_infeasible is None:
            notes.append(Message("no irreducible infeasible subset: the diagnosis time limit "
                                 "ran out"))
        elif iis.lp_infeasible:
            notes.append(Message("the LP relaxation is infeasible, but HiGHS gave no "
                                 "irreducible subset of it"))
        else:
            notes.append(Message("posts and coverage are integers: the LP relaxation is "
                                 "feasible, so the conflict involves whole posts or towns"))
    elif program.n_rows <= IIS_MAX_ROWS:
        notes.append(Message("no irreducible infeasible subset: the diagnosis time limit "
                             "ran out"))
    else:
        notes.append(Message(
            "No irreducible infeasible subset is given for a model of {rows:,} constraints: at "
            "this scale the solver's subset runs to thousands of constraints and takes "
            "minutes, while the fixes above say what to change.", rows=program.n_rows))
    names = program.row_names()
    iis_rows = tuple(names[i] for i in iis.rows)
    from pvd_optim.conflicts import commitment_conflicts

    return Diagnosis(scenario.name, found.fixes, found.cannot_fix_alone, iis_rows,
                     iis.lp_infeasible, tuple(notes), found.unknown, limit_s,
                     tuple(commitment_conflicts(programme)))
