"""Commitments from an earlier results folder: its allocation, re-verified, locked until a year.

``pvd-optim run SCENARIO --commitments results/2020-2026 --from-year 2026`` (or the
scenario's ``commitments: {results: ..., from_year: 2026}``) reads the folder back
with :func:`pvd_optim.output.read_results` (which re-verifies it against its own
scenario and data) and fixes every year before ``from_year`` to that allocation:
funding and days per town and theme, coverage, posts and carried funding.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.errors import ScenarioError
from pvd_optim.i18n.message import Message
from pvd_optim.tolerances import NOISE

if TYPE_CHECKING:
    from pvd_optim.data.commitments import Commitments
    from pvd_optim.scenario.schema import Scenario


def commitments_from_results(folder: str | Path, from_year: int) -> Commitments:
    """The allocation of a results folder in every year before ``from_year``, locked."""
    import pandas as pd

    from pvd_optim.data.commitments import Commitments
    from pvd_optim.output.readback import read_results

    folder = Path(folder)
    allocation = read_results(folder).allocation
    towns: list[pd.DataFrame] = []
    posts: list[pd.DataFrame] = []
    locked: list[int] = []
    carry: dict[int, float] = {}
    for inputs, arrays, reported in zip(allocation.years_inputs, allocation.years_arrays,
                                        allocation.posts_by_year, strict=True):
        if inputs.year >= from_year:
            continue
        locked.append(inputs.year)
        carry[inputs.year] = float(arrays.carry_out_keur)
        t, k = np.nonzero((np.abs(arrays.funding_keur) > NOISE) | (np.abs(arrays.days) > NOISE))
        codes = np.asarray(inputs.town_codes, dtype=object)
        themes = np.asarray(inputs.themes, dtype=object)
        covered = np.flatnonzero(arrays.covered > 0.5)
        towns.append(pd.DataFrame({
            "year": inputs.year, "insee": codes[t], "theme": themes[k],
            "funding_keur": arrays.funding_keur[t, k], "days": arrays.days[t, k],
            "covered": 0, "line": 0}))
        towns.append(pd.DataFrame({"year": inputs.year, "insee": codes[covered], "theme": "",
                                   "funding_keur": 0.0, "days": 0.0, "covered": 1, "line": 0}))
        groups = np.flatnonzero(reported > 0)
        posts.append(pd.DataFrame({"year": inputs.year,
                                   "group": np.asarray(inputs.group_labels, dtype=object)[groups],
                                   "posts": reported[groups], "line": 0}))
    if not locked:
        raise ScenarioError(Message("the results folder has no year before from_year "
                                    "{from_year} (its years: {first}-{last}); nothing would be "
                                    "locked", from_year=from_year, first=allocation.calendar[0],
                                    last=allocation.calendar[-1]),
                            file=folder, field="--from-year")
    columns = ["year", "insee", "theme", "funding_keur", "days", "covered", "line"]
    return Commitments(folder, pd.concat(towns, ignore_index=True)[columns],
                       pd.concat(posts, ignore_index=True)[["year", "group", "posts", "line"]],
                       tuple(locked), carry)


def resolve_commitments(scenario: Scenario) -> Commitments | None:
    """The commitments of a scenario that names a results folder (``None`` otherwise)."""
    section = scenario.commitments
    if section is None or section.results is None:
        return None
    assert section.from_year is not None  # the schema requires it with results
    if not Path(section.results).is_dir():
        raise ScenarioError(Message("no results folder {folder}; run the scenario whose "
                                    "allocation is committed first (`pvd-optim run ... --out "
                                    "{folder}`)", folder=str(section.results)),
                            **scenario.located("commitments.results"))
    return commitments_from_results(section.results, section.from_year)


__all__ = ["commitments_from_results", "resolve_commitments"]
