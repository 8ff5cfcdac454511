"""Which limits hold one town, read from the allocation (no solve).

A limit *holds* a town when the allocation meets it exactly and it stands between
the town and more: its own cap, a theme's saturation, its day limit; or a shared
limit met exactly that the town draws on: its directorate's Cerema capacity, its
region's balance band, the funding envelope, the engineering budget, the minimum
coverage, a theme floor. Each is a :class:`Limit` with the registry name of its
family and the numbers its wording needs (:mod:`.wording` words it in the
reader's language). Equality is judged with the checker's tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pvd_optim.check import band_limits
from pvd_optim.inputs import EUR_PER_UNIT, RESOURCES
from pvd_optim.tolerances import NOISE, allowed_excess

if TYPE_CHECKING:
    from pvd_optim.results import Allocation

Scope = Literal["town", "common"]


@dataclass(frozen=True)
class Limit:
    """One limit that holds the town: its kind (the wording's key), family and numbers.

    ``values`` keys carry their unit (``_eur``, ``_days``, ``_share``) so that the
    wording formats each for people; other values are shown as text.
    """

    kind: str
    family: str
    scope: Scope
    values: dict[str, float | str] = field(default_factory=dict)


def _at(value: float, bound: float) -> bool:
    """``value`` equals ``bound`` within the checker's tolerance."""
    return abs(value - bound) <= float(allowed_excess(bound))


def _own_limits(a: Allocation, t: int) -> list[Limit]:
    inp, arr = a.inputs, a.arrays
    out: list[Limit] = []
    if arr.covered[t] < 0.5:
        return [Limit("not_covered", "lead", "town")]
    funding = arr.funding_keur[t]
    if _at(float(funding.sum()), float(inp.cap_keur[t])):
        out.append(Limit("cap", "lead", "town", {
            "cap_eur": float(inp.cap_keur[t] * EUR_PER_UNIT),
            "population": int(inp.population[t])}))
    for k, theme in enumerate(inp.themes):
        if inp.saturation_keur[k] > 0 and _at(float(funding[k]), float(inp.saturation_keur[k])):
            out.append(Limit("theme_saturation", "bounds", "town", {
                "theme": theme, "saturation_eur": float(inp.saturation_keur[k] * EUR_PER_UNIT)}))
    days = arr.days[t]
    for k, theme in enumerate(inp.themes):
        if inp.saturation_days[k] > 0 and _at(float(days[k]), float(inp.saturation_days[k])):
            out.append(Limit("days_saturation", "bounds", "town", {
                "theme": theme, "saturation_days": float(inp.saturation_days[k])}))
    if _at(float(days.sum()), float(inp.max_days_per_town)):
        out.append(Limit("max_days", "lead", "town", {"max_days": float(inp.max_days_per_town)}))
    return out


def _shared_limits(a: Allocation, t: int) -> list[Limit]:
    inp, arr = a.inputs, a.arrays
    out: list[Limit] = []
    covered = arr.covered[t] >= 0.5
    d = int(inp.directorate_of_town[t])
    used_days = float(arr.days[inp.directorate_of_town == d].sum())
    if covered and inp.capacity_days[d] > 0 and _at(used_days, float(inp.capacity_days[d])):
        out.append(Limit("directorate_capacity", "capacity", "common", {
            "directorate": inp.directorate_names[d],
            "capacity_days": float(inp.capacity_days[d])}))
    if inp.balance_mode == "hard":
        low, high = band_limits(inp, arr)
        used = arr.used_by_region(inp)
        r = int(inp.region_of_town[t])
        for j, resource in enumerate(RESOURCES):
            if used[j].sum() <= NOISE:
                continue
            for side, edge in (("ceiling", high), ("floor", low)):
                # An infinite edge is no band (covered towns in quota mode).
                if math.isfinite(float(edge[j, r])) and _at(float(used[j, r]), float(edge[j, r])):
                    out.append(Limit(f"region_{side}_{resource}", "balance", "common",
                                     {"region": inp.region_names[r]}))
    funding_total = float(arr.funding_keur.sum())
    if _at(funding_total, float(inp.envelope_keur)):
        out.append(Limit("envelope", "envelope", "common",
                         {"envelope_eur": float(inp.envelope_keur * EUR_PER_UNIT)}))
    elif inp.spend_min_share > 0 and _at(funding_total, inp.spend_min_share * inp.envelope_keur):
        out.append(Limit("spend_min", "spend_min", "common",
                         {"spend_min_share": float(inp.spend_min_share)}))
    posts = float(a.posts_by_group.sum())
    room = inp.engineering_budget_keur - posts * inp.post_cost_keur
    if room < inp.post_cost_keur - float(allowed_excess(inp.engineering_budget_keur)):
        out.append(Limit("engineering_budget", "engineering_budget", "common", {
            "posts": int(posts),
            "budget_eur": float(inp.engineering_budget_keur * EUR_PER_UNIT)}))
    minimum = inp.cover_min_share * inp.n_towns
    if inp.cover_min_share > 0 and float(arr.covered.sum()) < minimum + 1 - NOISE:
        out.append(Limit("cover_min", "cover_min", "common", {
            "covered": round(float(arr.covered.sum())), "towns": inp.n_towns,
            "cover_min_share": float(inp.cover_min_share)}))
    by_theme = arr.funding_keur.sum(axis=0)
    for k, theme in enumerate(inp.themes):
        floor = float(inp.theme_floor[k] * funding_total)
        if (covered and inp.theme_floor[k] > 0 and funding_total > NOISE
                and arr.funding_keur[t, k] > NOISE and _at(float(by_theme[k]), floor)):
            out.append(Limit("theme_floor", "theme_floor", "common", {
                "theme": theme, "floor_share": float(inp.theme_floor[k])}))
    return out


def town_limits(allocation: Allocation, t: int) -> tuple[Limit, ...]:
    """The limits that hold town ``t`` (its index in ``allocation.inputs``): its own first."""
    return (*_own_limits(allocation, t), *_shared_limits(allocation, t))


#: Every limit kind :func:`town_limits` may give (each needs a wording in every language).
KINDS: tuple[str, ...] = (
    "not_covered", "cap", "theme_saturation", "days_saturation", "max_days",
    "directorate_capacity",
    *(f"region_{side}_{resource}" for resource in RESOURCES for side in ("ceiling", "floor")),
    "envelope", "spend_min", "engineering_budget", "cover_min", "theme_floor",
)
