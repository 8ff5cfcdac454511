"""The families of the one-year reference model (``docs/model.md``), in model order.

Each constant is one family: its row blocks with their planner wording, what the
checker verifies, and, for the families a planner controls, how the diagnosis
relaxes it and words the fix. The order of :data:`REFERENCE_FAMILIES` is the
order of the rows in the model.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families.registry import (
    Elastic,
    Family,
    Fix,
    FixContext,
    RowBlock,
    ToleranceSearch,
    in_year,
)
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message, Plural, joined
from pvd_optim.inputs import RESOURCES, keur_to_eur, keur_to_meur
from pvd_optim.tolerances import CHECK_RELATIVE, RELAXATION_NOISE, ROUNDING_GUARD, ceil_whole


def _at_most(share: float) -> float:
    """A share rounded *down* to 3 decimals, so that the suggested limit is enough."""
    return float(np.floor(share * 1000 + ROUNDING_GUARD) / 1000)


def _at_least_keur(amount_keur: float) -> float:
    """An amount rounded *up* to the next k EUR, so that the suggested limit is enough."""
    return float(ceil_whole(amount_keur))




def _bent(slack: np.ndarray) -> np.ndarray:
    """Indices of the rows that bent by more than noise."""
    return np.flatnonzero(slack > RELAXATION_NOISE)


# ---- fixes, one per family a planner controls ------------------------------------------------


def _in_year(ctx: FixContext, y: int) -> str:
    """`` in 2021`` for model year ``y`` of several, nothing in a one-year scenario."""
    return in_year(ctx.years[y].year, len(ctx.years) > 1)


def _year_field(ctx: FixContext, field: str, years: np.ndarray) -> str:
    """The field to change: one year's entry when one year of several must change."""
    return f"{field}.{ctx.years[int(years[0])].year}" if (
        len(ctx.years) > 1 and len(years) == 1) else field


def _envelope_fix(ctx: FixContext) -> Fix:
    s = ctx.year_slack("envelope")[:, 0]
    years = _bent(s) if len(ctx.years) > 1 else np.arange(1)
    now = np.array([ctx.years[y].envelope_keur for y in years])
    needed = np.array([_at_least_keur(ctx.years[y].envelope_keur + s[y]) for y in years])
    parts = [Message("to at least {needed:,.3f} M EUR{when} (now {now:,.3f} M EUR)",
                     needed=keur_to_meur(n), when=_in_year(ctx, int(y)), now=keur_to_meur(c))
             for y, n, c in zip(years, needed, now, strict=True)]
    return Fix("envelope", _year_field(ctx, "resources.funding.envelope_eur", years),
               keur_to_eur(float(now.sum())), keur_to_eur(float(needed.sum())),
               Message("raise the funding envelope {parts}", parts=joined(parts)),
               tuple(parts[1:]))


def _capacity_fix(ctx: FixContext) -> Fix:
    s = ctx.year_slack("capacity")
    capacity = np.stack([year.capacity_days for year in ctx.years])
    detail = tuple(
        Message("{directorate}{when}: from {now:,.0f} to at least {needed:,.0f} days",
                directorate=ctx.inputs.directorate_names[d], when=_in_year(ctx, int(y)),
                now=capacity[y, d], needed=capacity[y, d] + s[y, d])
        for y, d in zip(*np.nonzero(s > RELAXATION_NOISE), strict=True))
    needed = float(capacity.sum() + s.sum())
    return Fix("capacity", "resources.expertise.capacity_days", float(capacity.sum()),
               needed, Message("raise Cerema capacity by {more:,.0f} expert-days in all, to at "
                               "least {needed:,.0f}", more=s.sum(), needed=needed), detail)


def _engineering_fix(ctx: FixContext) -> Fix:
    s = ctx.year_slack("engineering_budget")[:, 0]
    years = _bent(s) if len(ctx.years) > 1 else np.arange(1)
    posts = [int(ceil_whole(s[y] / ctx.years[y].post_cost_keur)) for y in years]
    now = [ctx.years[y].engineering_budget_keur for y in years]
    needed = [c + n * ctx.years[y].post_cost_keur for y, n, c in zip(years, posts, now,
                                                                    strict=True)]
    parts = [Message("to at least {needed:,.3f} M EUR{when} ({posts})", needed=keur_to_meur(x),
                     when=_in_year(ctx, int(y)),
                     posts=Plural("{count:,} more post", "{count:,} more posts", n))
             for y, n, x in zip(years, posts, needed, strict=True)]
    return Fix("engineering_budget", _year_field(ctx, "resources.engineering.budget_eur", years),
               keur_to_eur(sum(now)), keur_to_eur(sum(needed)),
               Message("raise the engineering budget {parts}", parts=joined(parts)),
               tuple(parts[1:]))


def _spend_min_fix(ctx: FixContext) -> Fix:
    s = ctx.slack["spend_min"].ravel()
    inputs = ctx.inputs
    if len(s) == len(ctx.years):  # one row per year, on the year's envelope
        envelopes = np.array([year.envelope_keur for year in ctx.years])
    else:  # one row over the horizon
        envelopes = np.array([sum(year.envelope_keur for year in ctx.years)])
    with np.errstate(divide="ignore", invalid="ignore"):
        reachable = np.where(envelopes > 0, inputs.spend_min_share - s / envelopes,
                             inputs.spend_min_share)
    share = _at_most(max(0.0, float(reachable.min())))
    return Fix("spend_min", "resources.funding.spend_min_share", inputs.spend_min_share, share,
               Message("lower the minimum spend share to at most {share:.3f} (now {now})",
                       share=share, now=inputs.spend_min_share))


def _cover_min_fix(ctx: FixContext) -> Fix:
    s = ctx.year_slack("cover_min")[:, 0]
    inputs = ctx.inputs
    worst: tuple[float, int, int, int] | None = None  # share, reachable, joined, year
    for y, year in enumerate(ctx.years):
        demanded = year.cover_min_share * year.n_joined
        # The slack is a count of towns up to solver noise.
        reachable = int(np.floor(demanded - s[y] + CHECK_RELATIVE))
        share = max(0.0, reachable / year.n_joined) if year.n_joined else 1.0
        if worst is None or share < worst[0]:
            worst = (share, reachable, year.n_joined, y)
    assert worst is not None
    share, reachable, joined_towns, y = worst[0], worst[1], worst[2], worst[3]
    share = _at_most(share)
    fewer = int(ceil_whole(ctx.years[y].cover_min_share * joined_towns)) - reachable
    towns = (Message("{joined:,} towns", joined=joined_towns) if len(ctx.years) == 1
             else Message("{joined:,} towns that have joined by {year}", joined=joined_towns,
                          year=ctx.years[y].year))
    return Fix("cover_min", "resources.engineering.cover_min_share", inputs.cover_min_share, share,
               Message("lower the minimum coverage share to at most {share:.3f} (now {now}): "
                       "at most {reachable:,} of {towns} can have a project lead, {fewer} fewer",
                       share=share, now=inputs.cover_min_share, reachable=reachable,
                       towns=towns, fewer=Plural("{count:,} town", "{count:,} towns", fewer)))


def _town_floor_fix(ctx: FixContext) -> Fix:
    s = ctx.year_slack("town_floor")
    # A town short by s_t of its floor min(f_min, cap_t) needs min(f_min', cap_t) <=
    # min(f_min, cap_t) - s_t. For a town held at its cap (cap_t < f_min) lowering f_min
    # by s_t alone leaves its floor at cap_t: the level must go below cap_t - s_t. So
    # f_min' = min over short towns of (floor_t - s_t), in every year, per full year
    # (a year's floor is the scenario's full-year floor times its running share).
    levels = []
    for y, year in enumerate(ctx.years):
        short = s[y] > RELAXATION_NOISE
        if short.any():
            share = year.running_share or 1.0
            levels.append(float((year.town_floor_keur[short] - s[y][short]).min()) / share)
    first = ctx.years[0]
    current = keur_to_eur(first.min_per_town_keur / (first.running_share or 1.0))
    needed = float(np.floor(keur_to_eur(max(0.0, min(levels))))) if levels else current
    return Fix("town_floor", "resources.funding.min_per_covered_town_eur", current, needed,
               Message("lower the minimum per covered town to at most {needed:,.0f} EUR "
                       "({short})", needed=needed,
                       short=Plural("{count:,} town falls short", "{count:,} towns fall short",
                                    len(_bent(s.max(axis=0))))))


def _town_caps_fix(ctx: FixContext) -> Fix:
    inputs = ctx.inputs
    s = ctx.year_slack("lead_funding").max(axis=0)
    towns = _bent(s)
    detail = tuple(Message("{town} ({insee}): +{more:,.0f} EUR", town=inputs.town_names[t],
                           insee=inputs.town_codes[t], more=keur_to_eur(s[t])) for t in towns)
    return Fix("lead", "resources.funding.cap_per_town_eur",
               ctx.scenario.resources.funding.cap_per_town_eur, keur_to_eur(float(s.max())),
               Plural("raise the cap of {count} town, by up to {more:,.0f} EUR",
                      "raise the caps of {count} towns, by up to {more:,.0f} EUR", len(towns),
                      more=keur_to_eur(float(s.max()))), detail)


def _theme_floor_fix(ctx: FixContext) -> Fix:
    inputs = ctx.inputs
    s = ctx.year_slack("theme_floor")
    arrays = (ctx.programme_arrays.years if ctx.programme_arrays is not None
              else (ctx.arrays,))
    detail: list[str] = []
    for y, (year, year_arrays) in enumerate(zip(ctx.years, arrays, strict=True)):
        funding = year_arrays.funding_keur.sum(axis=0)
        total_funding = float(funding.sum())
        detail += [
            Message("{theme}{when}: floor from {now:.3g} to at most {needed:.3g}",
                    theme=year.themes[k], when=_in_year(ctx, y), now=year.theme_floor[k],
                    needed=funding[k] / total_funding if total_funding else 0.0)
            for k in _bent(s[y])]
    return Fix("theme_floor", "theme_floors_share", float(inputs.theme_floor.max()),
               float(inputs.theme_floor.max()),
               Message("lower the theme floors: {parts}", parts=joined(detail)), tuple(detail))


# ---- the families ---------------------------------------------------------------------------

BOUNDS = Family(
    "bounds", N_("variable bounds"),
    "funding and days per town and theme between 0 and the theme's saturation; coverage "
    "between 0 and 1; posts between 0 and ceil(towns of the group / m)",
    "", "structure")

INTEGRALITY = Family(
    "integrality", N_("whole posts and towns"),
    "every town covered or not (0 or 1) and whole posts per group, unless the scenario solves "
    "the LP relaxation", "", "structure")

ENVELOPE = Family(
    "envelope", N_("funding envelope"), "funding committed <= the envelope", "k EUR", "limit",
    (RowBlock("envelope", "funding committed <= envelope (k EUR)",
              binding=N_("funding envelope")),),
    Elastic(("envelope",), _envelope_fix),
    meaning=N_("the whole year's funding envelope is committed: more funding would still buy "
               "benefit (its shadow price says how much per k EUR)"))

SPEND_MIN = Family(
    "spend_min", N_("minimum spend"), "funding committed >= the minimum share of the envelope "
    "(each year's, or the horizon's)",
    "k EUR", "target",
    (RowBlock("spend_min", "funding committed >= minimum share of the envelope (k EUR)",
              binding=N_("minimum spend")),),
    Elastic(("spend_min",), _spend_min_fix),
    meaning=N_("the model spends only what it must: beyond the minimum share, funding would "
               "bring less benefit than its cost elsewhere"),
    scope="programme")

CAPACITY = Family(
    "capacity", N_("Cerema capacity"), "expert-days used by the towns of each directorate, and by "
    "the collective actions of the regions it covers, <= its capacity", "expert-days", "limit",
    (RowBlock("capacity", "expert-days used (individual + collective) <= directorate capacity",
              binding=N_("Cerema capacity of {directorate}"),
              names=lambda inputs, d: {"directorate": inputs.directorate_names[d]}),),
    Elastic(("capacity",), _capacity_fix),
    meaning=N_("every expert-day of the directorate is assigned: more days there would still "
               "help its towns"))

ENGINEERING_BUDGET = Family(
    "engineering_budget", N_("engineering budget"), "posts x subsidy per post <= the budget",
    "k EUR", "limit",
    (RowBlock("engineering_budget", "posts x subsidy <= engineering budget (k EUR)",
              binding=N_("engineering budget")),),
    Elastic(("engineering_budget",), _engineering_fix),
    meaning=N_("no further project-lead post can be co-funded: uncovered towns wait for a post"))

COVER_MIN = Family(
    "cover_min", N_("minimum coverage"), "covered towns >= the minimum share of eligible towns",
    "towns", "target",
    (RowBlock("cover_min", "covered towns >= minimum share of eligible towns",
              binding=N_("minimum coverage")),),
    Elastic(("cover_min",), _cover_min_fix),
    meaning=N_("coverage stops at the minimum the scenario demands"))

SHARING = Family(
    "sharing", N_("sharing a post"), "covered towns of each group <= m x its posts", "towns",
    "structure",
    (RowBlock("sharing", "covered towns in group <= m x posts"),
     RowBlock("sharing_rounded", "covered towns in group <= r x posts + (m - r) x q",
              strengthening=True)))

LEAD = Family(
    "lead", N_("support needs a project lead"),
    "days to a town <= X_town x covered, funding to a town <= its cap x covered, and a town "
    "covered only where its group has a post", "k EUR, days", "structure",
    (RowBlock("lead_days", "days to a town <= X_town x covered"),
     RowBlock("lead_funding", "funding to a town <= cap x covered"),
     RowBlock("lead_post", "covered only where its group has a post"),
     RowBlock("lead_funding_segment", "f[t,k,s] <= w[s] uf[k] c[t]", strengthening=True),
     RowBlock("lead_days_segment", "x[t,k,s] <= w[s] ux[k] c[t]", strengthening=True)),
    Elastic(("lead_funding",), _town_caps_fix))

TOWN_FLOOR = Family(
    "town_floor", N_("minimum per covered town"),
    "funding to each covered town >= min(f_min, its cap)", "k EUR", "target",
    (RowBlock("town_floor", "funding to a covered town >= min(f_min, cap)"),),
    Elastic(("town_floor",), _town_floor_fix))


def balance_block_name(resource: str, side: str) -> str:
    """Name of the balance rows of one resource and side (``low``/``high``)."""
    return f"balance_{resource}_{side}"


#: The planner's wording of each balance row block: one message per resource and side.
_BALANCE_WORDS = {
    ("funding", "low"): N_("funding balance (floor) of {region}"),
    ("funding", "high"): N_("funding balance (ceiling) of {region}"),
    ("days", "low"): N_("days balance (floor) of {region}"),
    ("days", "high"): N_("days balance (ceiling) of {region}"),
    ("towns", "low"): N_("towns balance (floor) of {region}"),
    ("towns", "high"): N_("towns balance (ceiling) of {region}"),
}


def _balance_block(resource: str, side: str) -> RowBlock:
    sense = ">= (1 - delta)" if side == "low" else "<= (1 + delta)"
    return RowBlock(
        balance_block_name(resource, side),
        f"{resource} in region {sense} x fair share",
        binding=_BALANCE_WORDS[resource, side],
        names=lambda inputs, r: {"region": inputs.region_names[r]},
        proportional_to=resource)


BALANCE = Family(
    "balance", N_("regional balance"),
    "funding, days and covered towns of each region within (1 +- delta) x its fair share of "
    "the total allocated (the towns band widened by one town)", "k EUR, days, towns", "target",
    tuple(_balance_block(resource, side) for resource in RESOURCES for side in ("low", "high")),
    ToleranceSearch(
        "balance.tolerance_share",
        raise_to=lambda needed, now: Message(
            "raise the regional balance tolerance to at least {needed:.3f} (now {now})",
            needed=needed, now=now),
        no_tolerance=Message("switch regional balance to `soft` or `off`: no tolerance up to "
                             "1.0 is enough"),
        no_tolerance_field="balance.mode"),
    meaning=N_("the region sits at the edge of its balance band: more for it (or less) would "
               "break the regional balance rule"),
    scope="programme")

THEME_FLOOR = Family(
    "theme_floor", N_("theme floors"), "funding to each theme >= its floor x total funding",
    "k EUR", "target",
    (RowBlock("theme_floor", "funding to theme >= floor x total funding",
              binding=N_("theme floor of {theme}"),
              names=lambda inputs, k: {"theme": inputs.themes[k]},
              proportional_to="funding"),),
    Elastic(("theme_floor",), _theme_floor_fix),
    meaning=N_("the theme gets exactly its floor: without the floor, its funding would go to "
               "needier themes"))

#: The reference model's families, in the order their rows appear in the model.
REFERENCE_FAMILIES: tuple[Family, ...] = (
    BOUNDS, INTEGRALITY, ENVELOPE, SPEND_MIN, CAPACITY, ENGINEERING_BUDGET, COVER_MIN, SHARING,
    LEAD, TOWN_FLOOR, BALANCE, THEME_FLOOR,
)
