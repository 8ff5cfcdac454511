"""A town's page as data: the facts, why it is out (if it is), what covering it would cost.

:func:`town_page` finds the commune a planner names and gathers everything its
page shows; :func:`load_allocation` reads a results folder back (re-verified)
or solves a scenario file on the fly. Rendering is :mod:`.content` (the words)
and :mod:`.markdown` / :mod:`.html` (the formats).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message

if TYPE_CHECKING:
    from pvd_optim.i18n import Translator
    from pvd_optim.results import Allocation
    from pvd_optim.scenario.schema import Scenario
    from pvd_optim.town.counterfactual import Counterfactual
    from pvd_optim.town.exclusion import Exclusion
    from pvd_optim.town.facts import TownFacts


@dataclass(frozen=True, eq=False)
class TownPage:
    """One town's page: ``facts`` for a town of the allocation, ``exclusion`` otherwise."""

    insee: str
    scenario_name: str
    facts: TownFacts | None = None
    exclusion: Exclusion | None = None
    counterfactual: Counterfactual | None = None


def load_allocation(source: str | Path, progress: Callable[[str], None] | None = None
                    ) -> tuple[Allocation, Scenario]:
    """The allocation of a results folder (read back, re-verified) or of a scenario file."""
    path = Path(source)
    if path.is_dir():
        from pvd_optim.output import read_results

        read = read_results(path)
        return read.allocation, read.scenario
    if path.is_file():
        from pvd_optim.pipeline import run
        from pvd_optim.scenario import load_scenario

        scenario = load_scenario(path)
        return run(scenario, progress).allocation, scenario
    from pvd_optim.output.readback import interrupted_hint

    raise InputError(Message("no such results folder or scenario file{hint}",
                             hint=interrupted_hint(path)), file=path)


def town_page(allocation: Allocation, scenario: Scenario | None, query: str, t: Translator, *,
              counterfactual: bool = True, exact: bool | None = None) -> TownPage:
    """The page of the commune ``query`` names (INSEE code or name) in ``allocation``.

    ``counterfactual``: also re-solve with its coverage forced (seconds nationally;
    a labelled bound above ``counterfactual.EXACT_MAX_TOWNS`` towns unless ``exact``).
    A commune outside the allocation gets the reasons of its exclusion when
    ``scenario`` is known.
    """
    from pvd_optim.data.towns import load_communes
    from pvd_optim.town.lookup import find_commune

    codes = set(allocation.inputs.town_codes)
    insee = find_commune(query, load_communes(), t)
    name = scenario.name if scenario is not None else allocation.scenario_name
    if insee not in codes:
        if scenario is None:
            raise InputError(t.gettext("{insee} is not one of the allocation's towns").format(
                insee=insee), field="--town")
        from pvd_optim.town.exclusion import why_not_eligible

        return TownPage(insee, name, exclusion=why_not_eligible(scenario, insee))
    from pvd_optim.town.facts import town_facts

    facts = town_facts(allocation, insee)
    effect = None
    if counterfactual and scenario is not None:
        from pvd_optim.town.counterfactual import coverage_counterfactual

        effect = coverage_counterfactual(allocation, insee, scenario.solver, exact=exact)
    return TownPage(insee, name, facts=facts, counterfactual=effect)
