"""What a town's project lead costs the programme: a re-solve with its coverage forced.

For an uncovered town, the allocation is solved again with the town covered;
for a covered one, with its coverage (its share of a post) taken away. The
difference of the two optima is the cost to the programme, in k EUR-equivalents
of benefit, and the towns whose allocation changes most say what moves
elsewhere. Both solves are at MIP gap 0 (as the re-solves of
``docs/model.md#re-solves``): the base is the allocation itself when it was
solved to gap 0, and is solved again otherwise. Each goes through the LP
relaxation and one branching before any MIP
(:func:`pvd_optim.model.follow_ups.solve_exactly`), the forced one started from the
base's optimum: national's uncovered town 01350 took 11.6 s as two MIPs and 5.7 s
this way (the base 3.9 s, the forced solve 1.7 s; load 5), for the same figure.

Above :data:`EXACT_MAX_TOWNS` towns (the all-communes what-if) a MIP re-solve
takes minutes, so a *bound* is offered instead, labelled so: the LP with every
other town's posts and coverage kept as decided and this town's forced. That is
a feasible allocation, so the true cost is **at most** the bound.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from pvd_optim.errors import InfeasibleError, SolverError
from pvd_optim.i18n.message import Message
from pvd_optim.tolerances import EXACT_GAP

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation
    from pvd_optim.scenario.schema import SolverSection

#: Up to this many towns the cost is an exact re-solve at gap 0 (national: a few seconds).
EXACT_MAX_TOWNS = 5_000
#: Towns listed as "what moves elsewhere".
MOVES_SHOWN = 10

Method = Literal["exact", "bound", "infeasible", "not_computed"]


@dataclass(frozen=True, eq=False)
class Counterfactual:
    """The programme-wide effect of forcing one town's coverage.

    ``action``: ``cover`` (the town was uncovered) or ``uncover``. ``change_keur``:
    forced optimum minus base optimum (negative: a cost), or, with ``method``
    ``bound``, the bound on it. ``moves``: the towns whose allocation changes most
    (``pvd_optim.changes.top_changes``, this town excluded). ``note``: why it is
    ``infeasible`` or ``not_computed`` (a catalogue message: the reader's language).
    """

    action: Literal["cover", "uncover"]
    method: Method
    change_keur: float | None = None
    base_keur: float | None = None
    forced_keur: float | None = None
    moves: pd.DataFrame | None = None
    seconds: float = 0.0
    note: str = ""


def _forced_program(allocation: Allocation, t: int, covered: bool, *, exact: bool) -> object:
    from pvd_optim.model import build_program
    from pvd_optim.model.variables import COVERED, POSTS

    inp, arr = allocation.inputs, allocation.arrays
    program = build_program(inp, tight=exact)
    lower, upper = program.col_lower.copy(), program.col_upper.copy()
    column = program.columns[COVERED].slice.start + t
    if not exact:
        # Every other town's coverage and every group's posts as decided; this town's
        # group gets the posts its new coverage needs.
        c_cols, p_cols = program.columns[COVERED].slice, program.columns[POSTS].slice
        lower[c_cols] = upper[c_cols] = np.round(arr.covered)
        posts = np.round(arr.posts).astype(float)
        g = int(inp.group_of_town[t])
        group_covered = float(np.round(arr.covered)[inp.group_of_town == g].sum())
        group_covered += 1.0 if covered else -1.0
        posts[g] = max(0.0, np.ceil(group_covered / inp.towns_per_post[g] - 1e-9))
        lower[p_cols] = upper[p_cols] = posts
    lower[column] = upper[column] = 1.0 if covered else 0.0
    forced = dataclasses.replace(program, col_lower=lower, col_upper=upper)
    return forced if exact else forced.relaxed()


def coverage_counterfactual(allocation: Allocation, insee: str, solver: SolverSection, *,
                            exact: bool | None = None) -> Counterfactual:
    """Re-solve ``allocation``'s problem with town ``insee``'s coverage flipped.

    ``exact``: a MIP re-solve (default when the problem has at most
    :data:`EXACT_MAX_TOWNS` towns) or the LP bound. ``solver``: the scenario's
    solver settings (its threads, options and time limit; the gap is set to 0).
    """
    from pvd_optim.changes import top_changes
    from pvd_optim.model.warm import StartingPoint
    from pvd_optim.pipeline import solve_problem
    from pvd_optim.results import Problem

    inp = allocation.inputs
    t = inp.town_codes.index(insee)
    action: Literal["cover", "uncover"] = (
        "uncover" if allocation.arrays.covered[t] > 0.5 else "cover")
    if allocation.status not in ("optimal", "feasible") or inp.relax_integers:
        return Counterfactual(action, "not_computed",
                              note=Message("only an optimised allocation with whole posts has one"))
    exact = inp.n_towns <= EXACT_MAX_TOWNS if exact is None else exact
    settings = solver.model_copy(update={"mip_gap": 0.0})
    problem = Problem(inp, allocation.scenario_name, settings, allocation.town_info)
    started = time.perf_counter()
    base, start = allocation, None
    if exact and not (allocation.status == "optimal" and allocation.mip_gap is not None
                      and allocation.mip_gap <= EXACT_GAP):
        solved = solve_problem(problem, exactly=True)
        base, start = solved.allocation(problem), StartingPoint(solved.result.require_values())
    program = _forced_program(allocation, t, action == "cover", exact=exact)
    try:
        forced = solve_problem(problem, program=program,  # type: ignore[arg-type]
                               exactly=exact, start=start).allocation(
            problem, label=f"{action} {insee}")
    except InfeasibleError:
        return Counterfactual(action, "infeasible", seconds=time.perf_counter() - started,
                              note=Message("no allocation meets every rule with this change")
                              if exact else Message("not without changing other towns' posts"))
    except SolverError as exc:
        return Counterfactual(action, "not_computed", seconds=time.perf_counter() - started,
                              note=exc.args[0] if len(exc.args) == 1 else str(exc))
    moves = top_changes(base, forced, n=MOVES_SHOWN + 1)
    moves = moves.drop(index=insee, errors="ignore").head(MOVES_SHOWN)
    return Counterfactual(action, "exact" if exact else "bound",
                          forced.objective - base.objective, base.objective, forced.objective,
                          moves, time.perf_counter() - started)
