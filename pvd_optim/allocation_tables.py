"""The tables of one allocation, one year at a time: what ``Allocation.by_*`` concatenate.

Each function builds one year's table from that year's inputs and arrays, with a
``year`` column first; :class:`pvd_optim.results.Allocation` stacks the years. Money
is in EUR (the model's k EUR converted back); a one-year allocation has one year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.inputs import (
    COLLECTIVE_ACTIONS,
    EUR_PER_UNIT,
    RESOURCES,
    AllocationArrays,
    BoolArray,
    FloatArray,
    ModelInputs,
    collective_arrays,
    collective_days_by_directorate,
)
from pvd_optim.measures import BalancePeriod
from pvd_optim.tolerances import NOISE, allowed_excess

if TYPE_CHECKING:
    import pandas as pd


def town_theme(inputs: ModelInputs, arrays: AllocationArrays, marked: bool = False
               ) -> pd.DataFrame:
    """Funding (EUR) and expert-days per town and theme (long format), one year.

    ``marked``: add what was committed (``committed_funding_eur``, ``committed_days``).
    """
    import pandas as pd

    index = pd.MultiIndex.from_product([inputs.town_codes, inputs.themes],
                                       names=["insee", "theme"])
    columns: dict[str, object] = {
        "year": np.full(inputs.n_towns * inputs.n_themes, inputs.year, dtype=np.int64),
        "funding_eur": (arrays.funding_keur * EUR_PER_UNIT).ravel(),
        "expert_days": arrays.days.ravel(),
        "need": inputs.need.ravel(),
    }
    if marked:
        columns["committed_funding_eur"] = (inputs.committed_funding_keur * EUR_PER_UNIT).ravel()
        columns["committed_days"] = inputs.committed_days.ravel()
    return pd.DataFrame(columns, index=index)


def town(inputs: ModelInputs, arrays: AllocationArrays, posts: np.ndarray,
         marked: bool = False) -> pd.DataFrame:
    """One row per eligible town: covered, group, post share, funding, days, need; one year.

    ``marked``: add ``eligible`` and what was committed (``committed_covered``,
    ``committed_funding_eur``, ``committed_days``) and whether the year is ``locked``.
    """
    import pandas as pd

    covered = arrays.covered
    attends: dict[str, object] = {}
    if inputs.collective:  # one 0/1 column per action: the town attends it this year
        _, attendance = collective_arrays(inputs, arrays)
        attends = {f"attends_{action}": attendance[:, a]
                   for a, action in enumerate(COLLECTIVE_ACTIONS)}
    group_covered = np.bincount(inputs.group_of_town, weights=covered,
                                minlength=inputs.n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(covered > 0,
                         posts[inputs.group_of_town] / group_covered[inputs.group_of_town], 0.0)
    return pd.DataFrame(
        {
            "year": np.full(inputs.n_towns, inputs.year, dtype=np.int64),
            "name": inputs.town_names,
            "region_code": [inputs.region_codes[r] for r in inputs.region_of_town],
            "region_name": [inputs.region_names[r] for r in inputs.region_of_town],
            "directorate": [inputs.directorate_names[d] for d in inputs.directorate_of_town],
            "group": [inputs.group_labels[g] for g in inputs.group_of_town],
            "population": inputs.population.astype(np.int64),
            "fragility": inputs.fragility,
            "mean_need": inputs.need.mean(axis=1),
            "joined": inputs.joined,
            "covered": covered,
            "post_share": share,
            "funding_eur": arrays.funding_keur.sum(axis=1) * EUR_PER_UNIT,
            "expert_days": arrays.days.sum(axis=1),
            "cap_eur": inputs.cap_keur * EUR_PER_UNIT,
            **attends,
            **({"eligible": inputs.eligible, "locked": inputs.locked,
                "committed_covered": inputs.committed_covered,
                "committed_funding_eur": inputs.committed_funding_keur.sum(axis=1)
                * EUR_PER_UNIT,
                "committed_days": inputs.committed_days.sum(axis=1)} if marked else {}),
        },
        index=pd.Index(inputs.town_codes, name="insee"),
    )


def group(inputs: ModelInputs, arrays: AllocationArrays, posts: np.ndarray,
          marked: bool = False) -> pd.DataFrame:
    """One row per project-lead group: towns, covered towns, posts, subsidy; one year.

    With co-funders, each co-funder's part of the group's subsidy (``<key>_eur``) is its
    share of the year's posts of the group's kind, pro rata the group's posts (the
    split is made per kind of post and year, not per group), and ``local_share_eur`` is
    what the towns pay: posts x (charged cost - subsidy).
    """
    import pandas as pd

    subsidy = inputs.subsidy_of_group if inputs.group_anah.any() else inputs.post_cost_keur
    columns: dict[str, object] = {
        "year": np.full(inputs.n_groups, inputs.year, dtype=np.int64),
        "towns": inputs.group_size,
        "covered_towns": np.bincount(inputs.group_of_town, weights=arrays.covered,
                                     minlength=inputs.n_groups),
        "posts": posts,
        "subsidy_eur": posts * subsidy * EUR_PER_UNIT,
    }
    if marked:
        columns["committed_posts"] = inputs.committed_posts
    if inputs.group_anah.any():
        columns["with_anah"] = inputs.group_anah
    if inputs.cofunded:
        kind = inputs.post_type_of_group
        of_kind = inputs.posts_by_type(posts)
        per_post = np.divide(arrays.cofunding_keur, of_kind[:, None],
                             out=np.zeros_like(arrays.cofunding_keur),
                             where=of_kind[:, None] > 0)  # (2, F) per post of each kind
        for f, key in enumerate(inputs.funder_keys):
            columns[f"{key}_eur"] = posts * per_post[kind, f] * EUR_PER_UNIT
    if inputs.charged_cost_keur is not None:
        columns["local_share_eur"] = posts * (inputs.charged_cost_keur - subsidy) * EUR_PER_UNIT
    return pd.DataFrame(columns, index=pd.Index(inputs.group_labels, name="group"))


#: Name of the local share's row in the co-funders' table.
LOCAL_SHARE = "local share (towns and intercommunalities)"
POOLED = "co-funders (pooled budget)"


def funder(inputs: ModelInputs, arrays: AllocationArrays, posts: np.ndarray) -> pd.DataFrame:
    """Per co-funder, one year: posts it co-funds, amount, budget; the local share's row."""
    import pandas as pd

    of_kind = inputs.posts_by_type(posts)
    subsidy = inputs.post_subsidy_keur * of_kind
    rows: list[dict[str, object]] = []
    if inputs.cofunded:
        for f, (key, name) in enumerate(zip(inputs.funder_keys, inputs.funder_names,
                                            strict=True)):
            share = arrays.cofunding_keur[:, f]
            rows.append({"funder": name, "key": key, "year": inputs.year,
                         "posts_cofunded": float(of_kind[share > NOISE].sum()),
                         "amount_eur": float(share.sum()) * EUR_PER_UNIT,
                         "budget_eur": float(inputs.funder_budget_keur[f]) * EUR_PER_UNIT})
    else:
        rows.append({"funder": POOLED, "key": "pooled", "year": inputs.year,
                     "posts_cofunded": float(of_kind.sum()),
                     "amount_eur": float(subsidy.sum()) * EUR_PER_UNIT,
                     "budget_eur": inputs.engineering_budget_keur * EUR_PER_UNIT})
    if inputs.charged_cost_keur is not None:
        local = inputs.charged_cost_keur * of_kind - subsidy
        rows.append({"funder": LOCAL_SHARE, "key": "local", "year": inputs.year,
                     "posts_cofunded": float(of_kind.sum()),
                     "amount_eur": float(local.sum()) * EUR_PER_UNIT, "budget_eur": np.nan})
    frame = pd.DataFrame(rows)
    frame["budget_used_share"] = np.divide(
        frame["amount_eur"].to_numpy(dtype=float), frame["budget_eur"].to_numpy(dtype=float),
        out=np.full(len(frame), np.nan),
        where=frame["budget_eur"].to_numpy(dtype=float) > 0)
    return frame


def region(inputs: ModelInputs, period: BalancePeriod, year: int | None, label: str
           ) -> pd.DataFrame:
    """Per region and resource over one balance period: used, fair share, band, deviation."""
    import pandas as pd

    used = period.used
    totals = used.sum(axis=1, keepdims=True)
    fair = period.share[None, :] * totals
    below, above = period.deviations()
    scale = np.array([EUR_PER_UNIT, 1.0, 1.0])[:, None]
    units = ("eur", "days", "towns")
    frames = []
    for j, resource in enumerate(RESOURCES):
        frames.append(pd.DataFrame(
            {
                "year": pd.array([year] * inputs.n_regions, dtype="Int64"),
                "period": label,
                "region_code": inputs.region_codes,
                "region_name": inputs.region_names,
                "resource": resource,
                "unit": units[j],
                "used": used[j] * scale[j],
                "fair_share": fair[j] * scale[j],
                "fair_share_fraction": period.share,
                "deviation": (used[j] - fair[j]) * scale[j],
                "relative_deviation": np.divide(
                    used[j] - fair[j], fair[j], out=np.zeros(inputs.n_regions),
                    where=fair[j] > 0),
                "outside_band": (below[j] + above[j]) * scale[j],
            }
        ))
    return pd.concat(frames, ignore_index=True)


def directorate(inputs: ModelInputs, arrays: AllocationArrays, prices: dict[str, float]
                ) -> pd.DataFrame:
    """Per Cerema directorate: days used, capacity, towns, fair share, price; one year."""
    import pandas as pd

    individual = np.bincount(inputs.directorate_of_town, weights=arrays.days.sum(axis=1),
                             minlength=inputs.n_directorates).astype(np.float64)
    towns = np.bincount(inputs.directorate_of_town, minlength=inputs.n_directorates)
    capacity = inputs.capacity_days
    # The fair share and its deviation are of individual missions: collective events are
    # regional by construction (docs/model.md#collective-actions).
    fair = towns / max(1, inputs.n_towns) * individual.sum()
    used, split = individual, {}
    if inputs.collective:  # days used = individual missions + collective events
        collective_days = collective_days_by_directorate(inputs, arrays)
        split = {"individual_days": individual, "collective_days": collective_days}
        used = individual + collective_days
    return pd.DataFrame(
        {
            "year": np.full(inputs.n_directorates, inputs.year, dtype=np.int64),
            "eligible_towns": towns,
            "days_used": used,
            **split,
            "capacity_days": capacity,
            "utilisation": np.divide(used, capacity, out=np.zeros_like(used),
                                     where=capacity > 0),
            "fair_share_days": fair,
            "deviation_days": individual - fair,
            "shadow_price_keur_eq_per_day": [prices.get(d, np.nan)
                                             for d in inputs.directorate_names],
        },
        index=pd.Index(inputs.directorate_names, name="directorate"),
    )


def theme(inputs: ModelInputs, arrays: AllocationArrays) -> pd.DataFrame:
    """Per theme: funding, days, share of funding, floor; one year."""
    import pandas as pd

    funding = arrays.funding_keur.sum(axis=0) * EUR_PER_UNIT
    total = funding.sum()
    return pd.DataFrame(
        {
            "year": np.full(inputs.n_themes, inputs.year, dtype=np.int64),
            "funding_eur": funding,
            "expert_days": arrays.days.sum(axis=0),
            "funding_share": funding / total if total > 0 else np.zeros_like(funding),
            "floor_share": inputs.theme_floor,
            "towns_funded": (arrays.funding_keur > NOISE).sum(axis=0),
        },
        index=pd.Index(inputs.themes, name="theme"),
    )


def totals(inputs: ModelInputs, arrays: AllocationArrays, posts: np.ndarray
           ) -> dict[str, float]:
    """One year's totals in planner units, unrounded."""
    return {
        "funding_eur": float(arrays.funding_keur.sum() * EUR_PER_UNIT),
        "envelope_eur": inputs.envelope_keur * EUR_PER_UNIT,
        "carried_in_eur": arrays.carry_in_keur * EUR_PER_UNIT,
        "carried_out_eur": arrays.carry_out_keur * EUR_PER_UNIT,
        "expert_days": float(arrays.days.sum()),
        "capacity_days": float(inputs.capacity_days.sum()),
        "covered_towns": float(arrays.covered.sum()),
        "eligible_towns": float(inputs.n_towns),
        "joined_towns": float(inputs.n_joined),
        "posts": float(posts.sum()),
        "engineering_eur": float((inputs.post_subsidy_keur * inputs.posts_by_type(posts)).sum()
                                 * EUR_PER_UNIT) if inputs.group_anah.any()
        else float(posts.sum() * inputs.post_cost_keur * EUR_PER_UNIT),
        "engineering_budget_eur": (float(inputs.funder_budget_keur.sum()) if inputs.cofunded
                                   else inputs.engineering_budget_keur) * EUR_PER_UNIT,
    }


def department(inputs: ModelInputs, arrays: AllocationArrays) -> pd.DataFrame | None:
    """Per département holding a prefect's envelope: funding against its floor and ceiling.

    ``binds`` says which of the two the funding sits at (``floor``, ``ceiling`` or empty).
    ``None`` when the scenario holds no prefects' envelopes (docs/model.md#prefects-envelopes).
    """
    import pandas as pd

    held = inputs.prefects
    if held is None:
        return None
    funding = held.funding_by_department(arrays.funding_keur)
    floor, ceiling = held.floor_keur, held.ceiling_keur
    at_floor = (held.envelope_keur > 0) & (funding - floor <= allowed_excess(floor))
    finite = np.isfinite(ceiling)
    at_ceiling = finite & (np.where(finite, ceiling, 0.0) - funding
                           <= allowed_excess(np.where(finite, ceiling, 0.0)))
    return pd.DataFrame(
        {
            "year": np.full(held.n_departments, inputs.year, dtype=np.int64),
            "department_name": list(held.department_names),
            "region_name": [inputs.region_names[r] for r in held.region_of_department],
            "eligible_towns": [int((inputs.eligible & (held.department_of_town == h)).sum())
                               for h in range(held.n_departments)],
            "envelope_eur": held.envelope_keur * EUR_PER_UNIT,
            "floor_eur": floor * EUR_PER_UNIT,
            "ceiling_eur": np.where(finite, ceiling * EUR_PER_UNIT, np.nan),
            "funding_eur": funding * EUR_PER_UNIT,
            "binds": np.where(at_ceiling, "ceiling", np.where(at_floor, "floor", "")),
        },
        index=pd.Index(held.department_codes, name="department"),
    )


def collective_by_year(years: tuple[ModelInputs, ...], arrays: tuple[AllocationArrays, ...],
                       prices: dict[str, dict[str, float]]) -> pd.DataFrame | None:
    """:func:`collective` for every year, stacked (None: collective actions are off).

    ``prices``: each year's capacity prices by directorate (keys: calendar years as text).
    """
    import pandas as pd

    if not years[0].collective:
        return None
    attendance = [collective_arrays(year, year_arrays)[1]
                  for year, year_arrays in zip(years, arrays, strict=True)]
    training = COLLECTIVE_ACTIONS.index("training_path")
    trained = np.sum([a[:, training] for a in attendance], axis=0) > 0.5
    actions = np.sum([a.sum(axis=1) for a in attendance], axis=0).astype(np.float64)
    frames = [collective(year, year_arrays, prices.get(str(year.year), {}), trained, actions)
              for year, year_arrays in zip(years, arrays, strict=True)]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def collective(inputs: ModelInputs, arrays: AllocationArrays, prices: dict[str, float],
               trained: BoolArray, actions_of_town: FloatArray) -> pd.DataFrame:
    """Per collective region and action, one year: events, towns attending, expert-days.

    ``prices`` are the directorates' capacity prices (k EUR-eq per day, the fixed-integer
    LP's duals); ``trained`` the towns following a training path in any year; and
    ``actions_of_town`` each town's collective actions over the horizon. The break-even
    value is :func:`break_even_keur` in EUR.
    """
    import pandas as pd

    events, attendance = collective_arrays(inputs, arrays)
    rows: list[dict[str, object]] = []
    region_of = inputs.collective_of_town
    for r, region in enumerate(inputs.collective_region):
        d = int(inputs.collective_directorate[r])
        price = prices.get(inputs.directorate_names[d], np.nan)
        for a, action in enumerate(COLLECTIVE_ACTIONS):
            in_region = region_of == r
            attending = float(attendance[in_region, a].sum())
            taken = trained if action == "training_path" else attendance[:, a] > 0.5
            open_towns = in_region & ~taken & inputs.may_attend
            if inputs.collective_requires_cover:
                open_towns &= arrays.covered > 0.5
            even = break_even_keur(inputs, a, price, events[r, a], attending, open_towns,
                                   actions_of_town)
            rows.append({
                "year": inputs.year, "region_code": inputs.region_codes[region],
                "region_name": inputs.region_names[region],
                "directorate": inputs.directorate_names[d], "action": action,
                "events": float(events[r, a]),
                "max_events": float(inputs.collective_max_count[a]),
                "seats_per_event": float(inputs.collective_seats[a]),
                "towns_attending": attending,
                "expert_days": float(events[r, a] * inputs.collective_days[a]),
                "capacity_price_keur_eq_per_day": price,
                "lp_break_even_value_per_town_eur": even * EUR_PER_UNIT,
            })
    return pd.DataFrame(rows)


def break_even_keur(inputs: ModelInputs, a: int, price_per_day: float, events: float,
                    attending: float, open_towns: BoolArray, actions_of_town: FloatArray
                    ) -> float:
    """The value per attending town (k EUR-eq at need 1) at which one more event pays.

    The LP's marginal estimate: one more event of action ``a`` in a region costs its
    expert-days at the covering directorate's capacity price, and would take the
    ``open_towns`` (those that could attend and do not), neediest first, beyond
    the seats the region's events leave free, up to one event's seats. At value V per
    town it brings V x their need, less the further-action discount D x need of those that
    already attend another action: it pays when V >= (days x price + D x their discounted
    need) / their need. NaN when no town is left to take, or the price is unknown.
    """
    candidates = open_towns
    need = inputs.collective_need[candidates]
    order = np.argsort(-need, kind="stable")
    free = max(0, round(float(events * inputs.collective_seats[a]) - attending))
    fill = order[free:free + int(inputs.collective_seats[a])]
    if not fill.size or not np.isfinite(price_per_day):
        return float("nan")
    total = float(need[fill].sum())
    if total <= 0:
        return float("nan")
    discounted = float(need[fill][actions_of_town[candidates][fill] >= 1].sum())
    cost = float(inputs.collective_days[a]) * price_per_day
    return (cost + inputs.collective_further_discount_keur * discounted) / total
