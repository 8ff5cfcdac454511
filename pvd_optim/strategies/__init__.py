"""Allocation rules to compare: the optimum and simple baselines a planner might use.

Every rule is a function ``(inputs: ModelInputs, **params) -> Allocation``; all
return the same verified :class:`~pvd_optim.results.Allocation`, labelled with
the rule's name, so that ``pvd_optim.analysis`` can measure them side by side.

The heuristics share one skeleton (vectorised numpy, loops only over regions
and directorates):

1. **Coverage.** Towns are taken one by one in the rule's priority order; a
   town is covered when its group already has a post with a free slot (a post
   serves up to ``m`` towns) or when one more post is still affordable. Once
   the engineering budget is spent, later towns are covered only if they fill a
   free slot. Posts per group are then reported as ``ceil(covered / m)``.
2. **Funding per town.** The envelope is shared over covered towns (equally, pro
   rata, or neediest first) with a per-town maximum: the town's cap, and never
   more than its themes can absorb below saturation. Whatever a capped town
   cannot take is redistributed to the others ("water-filling").
3. **Days per town.** Each Cerema directorate's capacity is shared over the
   covered towns it serves the same way, with ``X_town`` and the theme
   saturations as per-town maxima.
4. **Themes.** A town's amount is split over its themes proportionally to need
   (equally for ``equal_split``; neediest theme first for ``greedy_by_need``),
   capped by saturation, leftovers redistributed over the other themes.

So every heuristic respects, by construction, the families in
:data:`COMMON_FAMILIES` and promises exactly those (see :data:`PROMISES`). Demand
rules (minimum spend and coverage, town floors), theme floors and regional
balance are not guaranteed by any simple rule: they are not checked, and
``pvd_optim.analysis.constraint_violations`` reports how far each rule misses
them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import ModelInputs
from pvd_optim.results import Allocation, Problem
from pvd_optim.strategies.fill import (
    cover_in_order,
    fill_in_order,
    greedy_by_segment,
    priority_order,
    water_fill,
)
from pvd_optim.strategies.quotas import ApportionmentMethod, apportion, quotas, regional_quotas
from pvd_optim.strategies.rules import (
    COMMON_FAMILIES,
    HEURISTIC,
    PROMISES,
    as_problem,
    equal_split,
    greedy_by_need,
    optimum,
    pro_rata_need,
    pro_rata_population,
)
from pvd_optim.strategy_names import STRATEGY_NAMES

#: Every strategy by name (the names and their order: ``pvd_optim.strategy_names``), each
#: callable with the inputs alone.
STRATEGIES: dict[str, Callable[[Problem | ModelInputs], Allocation]] = dict(zip(
    STRATEGY_NAMES,
    (optimum, equal_split, pro_rata_population, pro_rata_need, greedy_by_need,
     partial(regional_quotas, method="hamilton"), partial(regional_quotas, method="dhondt"),
     partial(regional_quotas, method="sainte_lague")),
    strict=True))


def run_strategies(problem: Problem | ModelInputs, names: Sequence[str] | None = None
                   ) -> list[Allocation]:
    """Run the named strategies (all, in registry order, by default) on ``problem``.

    Every allocation comes back complete: labelled with the strategy, named after
    the problem's scenario, the optimum solved with the problem's solver settings.
    """
    chosen = list(STRATEGIES) if names is None else list(names)
    unknown = [name for name in chosen if name not in STRATEGIES]
    if unknown:
        raise InputError(Message(
            "The 'names' parameter of run_strategies must list strategies among {strategies}. "
            "Got unknown {unknown} instead.", strategies=str(sorted(STRATEGIES)),
            unknown=str(unknown)))
    if not isinstance(problem, Problem):
        problem = Problem(problem)
    if any(name != "optimum" for name in chosen):
        problem = as_problem(problem)  # the rules allocate one year
    return [STRATEGIES[name](problem) for name in chosen]


__all__ = [
    "COMMON_FAMILIES", "HEURISTIC", "PROMISES", "STRATEGIES", "ApportionmentMethod",
    "apportion", "as_problem", "cover_in_order", "equal_split",
    "fill_in_order", "greedy_by_need", "greedy_by_segment", "optimum", "priority_order",
    "pro_rata_need", "pro_rata_population", "quotas", "regional_quotas", "run_strategies",
    "water_fill",
]
