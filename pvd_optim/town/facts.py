"""What a town got and where it stands, gathered from an allocation (no solve, no wording).

:func:`town_facts` reads the allocation's tables (``by_town``, ``by_town_theme``:
summed over programme years when they have a ``year`` column, and kept per year
for display), the model inputs and the shadow prices, and returns plain numbers:
what the town received per theme, its need and fragility against its region's
and the nation's towns, the value of its next euro and next expert-day on its
own benefit curve, and the limits that hold it (:mod:`.limits`). Wording is the
renderers' job (:mod:`.markdown`, :mod:`.html`), in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.inputs import EUR_PER_UNIT
from pvd_optim.tolerances import allowed_excess

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation
    from pvd_optim.town.limits import Limit


@dataclass(frozen=True)
class ThemeFacts:
    """One theme of one town: need, what it received, and the value of the next unit.

    ``next_eur_value``: benefit (EUR-equivalent) of the next euro of funding on the
    town's own curve for this theme (need x slope of the current segment; 0 at
    saturation); ``next_day_value_eur``: the same for the next expert-day, in EUR-eq.
    """

    theme: str
    need: float
    need_percentile_region: float
    need_percentile_nation: float
    funding_eur: float
    saturation_eur: float
    days: float
    saturation_days: float
    next_eur_value: float
    next_day_value_eur: float


@dataclass(frozen=True)
class Marginal:
    """The town's next euro and next expert-day against the national marginal values.

    ``best_*``: the theme where the next unit is worth most for the town (``None``
    when every theme is saturated). ``national_eur_value`` is the envelope's
    shadow price (EUR-eq per EUR), ``directorate_day_value_eur`` the capacity
    price of the town's directorate (EUR-eq per day); ``None`` when not computed.
    """

    best_eur_theme: str | None
    best_eur_value: float
    best_day_theme: str | None
    best_day_value_eur: float
    national_eur_value: float | None
    directorate_day_value_eur: float | None
    basis: str | None


@dataclass(frozen=True)
class TownFacts:
    """Everything the town page shows that can be read from the allocation alone."""

    insee: str
    name: str
    department: str
    region: str
    directorate: str
    group: str
    group_towns: tuple[tuple[str, str, bool], ...]  # (insee, name, covered) of its group
    population: int
    covered: bool
    post_share: float
    funding_eur: float
    days: float
    cap_eur: float
    max_days: float
    fragility: float
    fragility_percentile_region: float
    fragility_percentile_nation: float
    region_towns: int
    nation_towns: int
    themes: tuple[ThemeFacts, ...]
    marginal: Marginal
    limits: tuple[Limit, ...]
    reason: str | None  # why uncovered (pvd_optim.reasons), None when covered
    per_year: pd.DataFrame | None = None  # funding and days per year, when there are years
    allocation_label: str = ""
    scenario_name: str = ""
    status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def percentile(values: np.ndarray, value: float) -> float:
    """Share of ``values`` below ``value``, ties counted half: 0.5 is the middle."""
    if len(values) == 0:
        return float("nan")
    below = float((values < value).sum())
    equal = float((values == value).sum())
    return (below + 0.5 * equal) / len(values)


def _year_sum(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` summed over programme years when it has a ``year`` column or level."""
    names = [n for n in frame.index.names if n]
    if "year" in frame.columns or "year" in names:
        flat = frame.reset_index()
        numeric = flat.select_dtypes("number").columns.difference(["year", *keys])
        return flat.groupby(keys, sort=False)[list(numeric)].sum()
    return frame


def _per_year(allocation: Allocation, insee: str) -> pd.DataFrame | None:
    theme = allocation.by_town_theme
    if "year" not in theme.columns and "year" not in [n for n in theme.index.names if n]:
        return None
    flat = theme.reset_index()
    rows = flat[flat["insee"] == insee]
    return rows.groupby("year", sort=True)[["funding_eur", "expert_days"]].sum()


def next_unit_value(amount: float, saturation: float, widths: np.ndarray, slopes: np.ndarray,
                    need: float) -> float:
    """Benefit of the next unit at ``amount`` on a concave curve: need x the current slope."""
    if saturation <= 0 or amount >= saturation - float(allowed_excess(saturation)):
        return 0.0
    ends = np.cumsum(widths) * saturation
    segment = int(np.searchsorted(ends - allowed_excess(ends), amount, side="right"))
    return float(need * slopes[min(segment, len(slopes) - 1)])


def town_facts(allocation: Allocation, insee: str) -> TownFacts:
    """The facts of one eligible town of ``allocation`` (``insee`` must be one of its towns)."""
    from pvd_optim.reasons import uncovered_towns
    from pvd_optim.town.limits import town_limits

    inp = allocation.inputs
    t = inp.town_codes.index(insee)
    post_share = allocation.by_town.loc[[insee], "post_share"]  # one row, or one per year
    theme_table = _year_sum(allocation.by_town_theme, ["insee", "theme"])
    region = int(inp.region_of_town[t])
    in_region = inp.region_of_town == region
    funding_keur = theme_table["funding_eur"].to_numpy().reshape(inp.n_towns, inp.n_themes)[t] / (
        EUR_PER_UNIT)
    days = theme_table["expert_days"].to_numpy().reshape(inp.n_towns, inp.n_themes)[t]
    themes = []
    for k, name in enumerate(inp.themes):
        need = float(inp.need[t, k])
        themes.append(ThemeFacts(
            name, need, percentile(inp.need[in_region, k], need),
            percentile(inp.need[:, k], need), float(funding_keur[k] * EUR_PER_UNIT),
            float(inp.saturation_keur[k] * EUR_PER_UNIT), float(days[k]),
            float(inp.saturation_days[k]),
            next_unit_value(float(funding_keur[k]), float(inp.saturation_keur[k]),
                            inp.segment_widths, inp.slopes, need),
            next_unit_value(float(days[k]), float(inp.saturation_days[k]), inp.segment_widths,
                            inp.slopes, need) * inp.value_per_day_keur * EUR_PER_UNIT))
    prices = allocation.shadow_prices
    directorate = inp.directorate_names[int(inp.directorate_of_town[t])]
    best_eur = max(themes, key=lambda x: x.next_eur_value)
    best_day = max(themes, key=lambda x: x.next_day_value_eur)
    marginal = Marginal(
        best_eur.theme if best_eur.next_eur_value > 0 else None, best_eur.next_eur_value,
        best_day.theme if best_day.next_day_value_eur > 0 else None,
        best_day.next_day_value_eur,
        None if prices is None else prices.envelope_per_keur,
        None if prices is None or directorate not in prices.capacity_per_day
        else prices.capacity_per_day[directorate] * EUR_PER_UNIT,
        None if prices is None else prices.basis)
    group = int(inp.group_of_town[t])
    members = np.flatnonzero(inp.group_of_town == group)
    covered = bool(allocation.arrays.covered[t] > 0.5)
    reason = None
    if not covered:
        reason = next((u.reason for u in uncovered_towns(allocation) if u.insee == insee), None)
    info = allocation.town_info
    department = ""
    if info is not None and "department" in info.columns:
        from pvd_optim.data.towns import load_departments

        code = str(info.loc[insee, "department"])
        names = load_departments().set_index("code")["name"]
        department = f"{names.get(code, code)} ({code})"
    return TownFacts(
        insee=insee, name=inp.town_names[t], department=department,
        region=inp.region_names[region], directorate=directorate,
        group=inp.group_labels[group],
        group_towns=tuple((inp.town_codes[i], inp.town_names[i],
                           bool(allocation.arrays.covered[i] > 0.5)) for i in members),
        population=int(inp.population[t]), covered=covered,
        post_share=float(post_share.max()), funding_eur=float(funding_keur.sum() * EUR_PER_UNIT),
        days=float(days.sum()), cap_eur=float(inp.cap_keur[t] * EUR_PER_UNIT),
        max_days=float(inp.max_days_per_town), fragility=float(inp.fragility[t]),
        fragility_percentile_region=percentile(inp.fragility[in_region], inp.fragility[t]),
        fragility_percentile_nation=percentile(inp.fragility, inp.fragility[t]),
        region_towns=int(in_region.sum()), nation_towns=inp.n_towns, themes=tuple(themes),
        marginal=marginal, limits=town_limits(allocation, t), reason=reason,
        per_year=_per_year(allocation, insee), allocation_label=allocation.label,
        scenario_name=allocation.scenario_name, status=allocation.status)
