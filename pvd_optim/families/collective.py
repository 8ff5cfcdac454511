"""The families of Cerema's collective actions: awareness days and training paths per region.

Each constant is one family, registered like the reference families (rows in
``pvd_optim.model.rows.collective``, check in ``pvd_optim.check.collective``). With
collective actions off (the default, ``collective_actions.enabled: false``) none of
them adds a column, a row or a bound, so every other model is the model it always was
(``docs/model.md#collective-actions``). The days the events cost are in the
``capacity`` family's rows (days used = individual missions + collective events).
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families.registry import Elastic, Family, Fix, FixContext, RowBlock
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import COLLECTIVE_ACTIONS, ModelInputs
from pvd_optim.tolerances import RELAXATION_NOISE, ceil_whole


def collective_region_name(inputs: ModelInputs, r: int) -> str:
    """The name of the ``r``-th region that holds collective actions."""
    return inputs.region_names[int(inputs.collective_region[r])]


def _action_of_row(inputs: ModelInputs, i: int) -> int:
    """The action of row ``i`` of a (region, action) block: picks its wording."""
    return i % len(COLLECTIVE_ACTIONS)


def _region_of_row(inputs: ModelInputs, i: int) -> dict[str, str]:
    return {"region": collective_region_name(inputs, i // len(COLLECTIVE_ACTIONS))}


def _minimum_names(inputs: ModelInputs, i: int) -> dict[str, str]:
    count = float(inputs.collective_minimum[_action_of_row(inputs, i)])
    return {**_region_of_row(inputs, i), "count": f"{count:g}"}


#: The wordings of the seats and minimum rows, one per action (COLLECTIVE_ACTIONS order).
_SEATS_WORDS = (N_("{region}: every seat of the awareness days is taken"),
                N_("{region}: every seat of the training paths is taken"))
_MINIMUM_WORDS = (N_("{region}: Cerema's commitment of {count} awareness day(s)"),
                  N_("{region}: Cerema's commitment of {count} training path(s)"))


#: The diagnosis's words, one per action: what a region's events need, and the fix.
_NEED_WORDS = (
    N_("the awareness days of {region} need {days:,.0f} trainer-days{scope}; {directorate} has "
       "{has:,.0f} in all, individual missions included"),
    N_("the training paths of {region} need {days:,.0f} trainer-days{scope}; {directorate} has "
       "{has:,.0f} in all, individual missions included"))
_LOWER_WORDS = (
    N_("lower the minimum of awareness days per region to at most {needed:g} (now {now:g}): "
       "{detail}"),
    N_("lower the minimum of training paths per region to at most {needed:g} (now {now:g}): "
       "{detail}"))


def _minimum_fix(ctx: FixContext) -> Fix | None:
    """Lower the minimum: what the region's events need against its directorate's days."""
    first = ctx.inputs
    actions = len(COLLECTIVE_ACTIONS)
    slack = np.asarray(ctx.slack["collective_minimum"], dtype=np.float64).reshape(
        -1, first.n_collective_regions, actions)  # (periods, Rc, A)
    short = slack.max(axis=0)  # events each region and action falls short, at worst
    bent = np.argwhere(short > RELAXATION_NOISE)
    if not bent.size:
        return None
    periods = slack.shape[0]
    capacity = np.stack([year.capacity_days for year in ctx.years])  # (Y, D)
    detail: list[Message] = []
    worst_action, worst_short = int(bent[0][1]), 0.0
    for r, a in bent:
        d = int(first.collective_directorate[r])
        need_days = float(first.collective_minimum[a]) * float(first.collective_days[a])
        has = float(capacity[:, d].sum()) if periods == 1 else float(capacity[:, d].min())
        scope = (Message(" over the horizon") if periods == 1 and len(ctx.years) > 1 else
                 Message(" a year") if periods > 1 else "")
        detail.append(Message(
            _NEED_WORDS[int(a)], region=collective_region_name(first, int(r)), days=need_days,
            scope=scope, directorate=first.directorate_names[d], has=has))
        if short[r, a] > worst_short:
            worst_action, worst_short = int(a), float(short[r, a])
    current = float(first.collective_minimum[worst_action])
    needed = max(0.0, current - float(ceil_whole(worst_short)))
    name = COLLECTIVE_ACTIONS[worst_action]
    return Fix("collective_minimum", f"collective_actions.{name}.minimum_per_region", current,
               needed, Message(_LOWER_WORDS[worst_action], needed=needed, now=current,
                               detail=detail[0]), tuple(detail[1:]))


def _on(inputs: ModelInputs) -> bool:
    return inputs.collective


COLLECTIVE_COUNTS = Family(
    "collective_counts", N_("whole collective events and attendance"),
    "events (cohorts) per region, action and year whole, between 0 and the most a region may "
    "hold in a year; each town's attendance 0 or 1 per action and year (so at most one "
    "awareness day a year), 0 for a town that has not joined or whose region holds none",
    "events, towns", "structure", active=_on)

COLLECTIVE_ATTENDANCE = Family(
    "collective_attendance", N_("who attends collective actions"),
    "a town attends only in a year it is covered by a project lead (unless the scenario says "
    "otherwise); attendance per region and action <= seats x events; a town attends only "
    "where its region holds at least one event", "towns", "structure",
    (RowBlock("collective_cover", "attendance <= covered"),
     RowBlock("collective_seats", "towns attending in a region <= seats x events",
              binding=_SEATS_WORDS, names=_region_of_row, pick=_action_of_row),
     RowBlock("collective_region_count", "attendance <= events of the town's region",
              strengthening=True)),
    meaning=N_("the region's events are full: another event (or cohort) would take more "
               "towns, at its cost in expert-days"),
    active=_on)

COLLECTIVE_HORIZON = Family(
    "collective_horizon", N_("one training path per town"),
    "each town follows at most one training path over the horizon; its actions beyond the "
    "first are counted for the smaller value of a further action", "towns", "structure",
    (RowBlock("collective_training_once", "training paths of a town over the years <= 1"),
     RowBlock("collective_further", "actions of a town over the years - further actions <= 1")),
    active=_on, scope="programme")

COLLECTIVE_MINIMUM = Family(
    "collective_minimum", N_("Cerema's commitment of collective actions"),
    "events (cohorts) per region and action >= the minimum, over the horizon or each year "
    "(Cerema's launch commitment: one awareness day and one training path per region)",
    "events", "target",
    (RowBlock("collective_minimum", "events per region and action >= the minimum",
              binding=_MINIMUM_WORDS, names=_minimum_names, pick=_action_of_row),),
    Elastic(("collective_minimum",), _minimum_fix),
    meaning=N_("the region holds exactly the events Cerema committed to: one more would not "
               "pay for its expert-days, or the region's maximum allows no more"),
    active=_on, scope="programme")

#: The collective actions' families, in the order their rows appear in the model.
COLLECTIVE_FAMILIES: tuple[Family, ...] = (
    COLLECTIVE_COUNTS, COLLECTIVE_ATTENDANCE, COLLECTIVE_HORIZON, COLLECTIVE_MINIMUM,
)
