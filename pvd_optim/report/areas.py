"""Per-area tables: each region's or department's towns, population and resources.

The report's maps draw the normalised quantities of :data:`MEASURES` (per inhabitant,
per town, so that large and small areas compare); the absolute sums are in the same
tables, and :func:`area_difference` gives both for two allocations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation

__all__ = ["ABSOLUTE", "LEVELS", "MEASURES", "Measure", "area_difference", "area_table",
           "department_codes"]


@dataclass(frozen=True)
class Measure:
    """A per-area quantity drawn on the maps."""

    key: str
    label: str
    unit: str


#: What the maps show. Days and posts are normalised (per inhabitant, per town) so that
#: large and small regions are comparable; the absolute numbers are in the tables.
MEASURES: tuple[Measure, ...] = (
    Measure("funding_per_inhabitant", "Funding per inhabitant", "EUR"),
    Measure("days_per_10k_inhabitants", "Expert-days per 10,000 inhabitants", "days"),
    Measure("posts_per_10_towns", "Project-lead posts per 10 eligible towns", "posts"),
)
ABSOLUTE = ("funding_eur", "expert_days", "posts", "covered_towns")
LEVELS = ("region", "department")


def department_codes(town_codes: Sequence[str]) -> np.ndarray:
    """Each town's department code from the embedded commune table ('' when unknown).

    For allocations without ``town_info`` (strategies run on bare inputs); those
    of a run, or read back from its folder, carry their departments.
    """
    from pvd_optim.data.towns import load_communes

    departments = load_communes()["department"]
    found = departments.reindex(list(town_codes))
    return found.fillna("").astype(str).to_numpy()


def area_table(allocation: Allocation, level: str, departments: np.ndarray | None = None
               ) -> pd.DataFrame:
    """Per region or department: towns, population, resources and the mapped ratios."""
    import pandas as pd

    inp = allocation.inputs
    town = allocation.horizon_by_town  # a programme of several years: over its horizon
    if level == "region":
        codes = np.asarray([inp.region_codes[r] for r in inp.region_of_town], dtype=object)
        names = dict(zip(inp.region_codes, inp.region_names, strict=True))
    elif level == "department":
        from pvd_optim.data.towns import load_departments

        codes = (department_codes(inp.town_codes) if departments is None
                 else departments).astype(object)
        ref = load_departments()
        names = dict(zip(ref["code"].astype(str), ref["name"].astype(str), strict=True))
    else:
        raise InputError(Message("unknown level {level}; use one of {levels}",
                                 level=repr(level), levels=str(LEVELS)), field="level")
    frame = pd.DataFrame({
        "code": codes,
        "eligible_towns": 1,
        "population": inp.population,
        "funding_eur": town["funding_eur"].to_numpy(),
        "expert_days": town["expert_days"].to_numpy(),
        # A post serving towns of two areas counts for each in proportion.
        "posts": (town["post_share"] * town["covered"]).to_numpy(),
        "covered_towns": town["covered"].to_numpy(),
    })
    frame = frame[frame["code"] != ""]
    grouped = frame.groupby("code", sort=True).sum()
    grouped.insert(0, "name", [names.get(c, c) for c in grouped.index])
    population = grouped["population"].to_numpy(dtype=float)
    towns = grouped["eligible_towns"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["funding_per_inhabitant"] = np.where(
            population > 0, grouped["funding_eur"] / population, np.nan)
        grouped["days_per_10k_inhabitants"] = np.where(
            population > 0, grouped["expert_days"] / population * 1e4, np.nan)
        grouped["posts_per_10_towns"] = np.where(towns > 0, grouped["posts"] / towns * 10,
                                                 np.nan)
    grouped.index.name = "code"
    return grouped.reset_index()


def area_difference(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """``b - a`` per area for the absolute and mapped quantities (areas of either side)."""
    keys = [m.key for m in MEASURES]
    merged = a.merge(b, on="code", how="outer", suffixes=("_from", "_to"))
    out = merged[["code"]].copy()
    out["name"] = merged["name_to"].fillna(merged["name_from"])
    for key in (*keys, *ABSOLUTE):
        before = merged[f"{key}_from"]
        after = merged[f"{key}_to"]
        if key in keys:
            out[f"{key}_from"] = before
            out[f"{key}_to"] = after
        # An area missing on one side had none of the resource there.
        out[f"{key}_change"] = after.fillna(0.0) - before.fillna(0.0)
    return out
