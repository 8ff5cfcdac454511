"""explain.md's section on Cerema's collective actions: one line per region and year.

Read from ``Allocation.by_collective`` (``allocation_collective.csv``): the region's
awareness days and training cohorts, the towns attending, the expert-days they take
from the covering directorate, and the LP's break-even value of one more cohort
(``docs/model.md#collective-actions``). Nothing when collective actions are off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.i18n import Translator
from pvd_optim.inputs import COLLECTIVE_ACTIONS, EUR_PER_UNIT

if TYPE_CHECKING:
    from pvd_optim.results import Allocation


def collective_lines(a: Allocation, t: Translator) -> list[str]:
    """The section's Markdown lines (none when the allocation has no collective actions)."""
    table = a.by_collective
    if table is None:
        return []
    _ = t.gettext
    first = a.years_inputs[0]
    value = a.objective_parts.get("collective_value", 0.0)
    per_town = first.collective_value_keur[COLLECTIVE_ACTIONS.index("training_path")]
    lines = ["", "## " + _("Cerema's collective actions"), "",
             _("Awareness days and training cohorts per region, run by the region's covering "
               "directorate from the same expert-days as individual missions; they are worth "
               "{value} to the towns that attend (need-weighted). The break-even value is the "
               "LP's marginal estimate of what a trained town (at full need) must be worth "
               "for one more cohort to pay for its expert-days; the scenario says "
               "{per_town}.").format(value=t.keur_eq(value, 1),
                                     per_town=t.eur(per_town * EUR_PER_UNIT)), "",
             _("| year | region | directorate | awareness days | towns attending | training "
               "cohorts | towns trained | expert-days | break-even per trained town |"),
             "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    by_region: dict[tuple[int, str], dict[str, dict[Any, Any]]] = {}
    for row in table.to_dict("records"):
        key = (int(row["year"]), str(row["region_name"]))
        by_region.setdefault(key, {})[str(row["action"])] = row
    for (year, region), actions in by_region.items():
        day, path = actions["awareness_day"], actions["training_path"]
        even = _float(path["lp_break_even_value_per_town_eur"])
        shown = t.eur(even) if np.isfinite(even) else _("none left to train")
        days = _float(day["expert_days"]) + _float(path["expert_days"])
        lines.append(
            f"| {year} | {region} | {day['directorate']} | {t.number(_float(day['events']))} | "
            f"{t.number(_float(day['towns_attending']))} | {t.number(_float(path['events']))} | "
            f"{t.number(_float(path['towns_attending']))} | {t.number(days)} | {shown} |")
    return lines


def _float(value: Any) -> float:
    return float(value)
