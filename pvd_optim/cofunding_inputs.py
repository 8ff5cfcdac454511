"""Who pays for a post, as model inputs: the subsidy with or without Anah, and the co-funders.

A post's subsidy is the State's share of its cost; Anah co-funds posts of groups that
run a habitat operation (a planner's CSV names their towns), and a scenario may list
co-funders with their rate, cap per post and yearly budget
(``resources.engineering.cofunders``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import EUR_PER_UNIT
from pvd_optim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["cofunding_fields", "habitat_operation_towns"]


def cofunding_fields(scenario: Scenario, table: pd.DataFrame, towns: pd.DataFrame,
                     group_of_town: np.ndarray, n_groups: int) -> dict[str, Any]:
    """Who pays for a post, for a full first year: subsidies, groups with Anah, co-funders."""
    engineering = scenario.resources.engineering
    group_anah = np.zeros(n_groups, dtype=bool)
    if engineering.habitat_operation_csv is not None:
        operating = habitat_operation_towns(scenario, table)
        group_anah[group_of_town[towns.index.isin(operating)]] = True
    cost = engineering.cost_per_post_eur
    out: dict[str, Any] = {
        "post_cost_anah_keur": (engineering.subsidy_eur(with_anah=True) / EUR_PER_UNIT
                                if group_anah.any() else 0.0),
        "charged_cost_keur": None if cost is None else cost / EUR_PER_UNIT,
        "group_anah": group_anah,
    }
    funders = engineering.cofunders
    if not funders:
        return out
    out.update(
        funder_keys=tuple(funders), funder_names=tuple(f.name for f in funders.values()),
        funder_rate=np.array([f.rate_share for f in funders.values()]),
        funder_cap_keur=np.array([f.cap_per_post_eur for f in funders.values()]) / EUR_PER_UNIT,
        funder_budget_keur=np.array([scenario.by_year(f.budget_eur)[0]
                                     for f in funders.values()]) / EUR_PER_UNIT,
        funder_serves=np.array([[f.posts == "all", True] for f in funders.values()]),
        funder_residual=np.array([f.residual for f in funders.values()]),
    )
    return out


def habitat_operation_towns(scenario: Scenario, table: pd.DataFrame) -> list[str]:
    """The towns a planner's CSV says run a habitat operation (``habitat_operation`` = 1)."""
    from pvd_optim.data.planner_csv import read_planner_csv

    path = scenario.resources.engineering.habitat_operation_csv
    assert path is not None
    csv = read_planner_csv(path, known_codes=table.index, what=N_("habitat-operation file"),
                           field="resources.engineering.habitat_operation_csv",
                           value_columns=N_("columns"), allow_empty=False,
                           expected=("habitat_operation",),
                           expected_hint=N_(" (1: the town runs a habitat operation, 0: it "
                                            "does not)"))
    flags = csv.values["habitat_operation"].to_numpy()
    bad = np.flatnonzero(~np.isin(flags, (0.0, 1.0)))
    if bad.size:
        raise csv.error(Message("habitat_operation must be 1 or 0, got {value}",
                                value=f"{flags[bad[0]]:g}"),
                        row=int(bad[0]), field="habitat_operation")
    return csv.values.index[flags == 1.0].tolist()
