"""The families of the programme model: what links the years of a multi-year scenario.

Each constant is one family, registered like the one-year families of
:mod:`pvd_optim.families.reference` (rows in ``pvd_optim.model.rows``, check in
``pvd_optim.check``). In a one-year scenario none of them adds a row or changes a
bound, so a one-year model is the model it always was (``docs/model.md``,
"Programme years").
"""

from __future__ import annotations

import numpy as np

from pvd_optim.families.registry import Elastic, Family, Fix, FixContext, RowBlock, in_year
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message, Plural, joined
from pvd_optim.inputs import keur_to_eur, keur_to_meur
from pvd_optim.tolerances import RELAXATION_NOISE, ceil_whole


def _cofunder_budget_fix(ctx: FixContext) -> Fix:
    """Raise the budgets that bent: per co-funder and year, in full-year euros."""
    s = ctx.year_slack("cofunder_budget")
    many = len(ctx.years) > 1
    parts: list[Message] = []
    fields: list[str] = []
    now = needed = 0.0
    for y, f in zip(*np.nonzero(s > RELAXATION_NOISE), strict=True):
        year = ctx.years[y]
        rho = year.running_share or 1.0
        budget = year.funder_budget_keur[f]
        target = float(ceil_whole(budget + s[y, f]))
        posts = int(ceil_whole(s[y, f] / year.post_cost_keur)) if year.post_cost_keur else 0
        parts.append(Message(
            "the budget of {funder}{when} to at least {needed:,.3f} M EUR a year (now "
            "{now:,.3f} M EUR; the subsidy of about {posts})", funder=year.funder_names[f],
            when=in_year(year.year, many),
            needed=keur_to_meur(target / rho), now=keur_to_meur(budget / rho),
            posts=Plural("{count:,} more post", "{count:,} more posts", posts)))
        fields.append(f"resources.engineering.cofunders.{year.funder_keys[f]}.budget_eur"
                      + (f".{year.year}" if many else ""))
        now += budget / rho
        needed += target / rho
    field = fields[0] if len(set(fields)) == 1 else "resources.engineering.cofunders"
    return Fix("cofunder_budget", field, keur_to_eur(now), keur_to_eur(needed),
               Message("raise {parts}", parts=joined(parts, N_("; and "))), tuple(parts[1:]))

ENTRY = Family(
    "entry", N_("entry years"),
    "no coverage, funding or expert-days for a town in a year before the one it joined "
    "the programme", "", "structure")

COMMITMENTS = Family(
    "commitments", N_("commitments"),
    "what is committed stays in the allocation: at least the committed funding and days per "
    "town, theme and year, the committed towns covered and the committed posts; a locked "
    "year is exactly its earlier allocation; a town no longer eligible gets nothing beyond "
    "its commitments", "k EUR, days, towns, posts", "structure")

CARRY_OVER = Family(
    "carry_over", N_("carry-over of unspent funding"),
    "funding carried from one year into the next between 0 and the year's carry-over cap; "
    "what a year carries in is what the previous year carried out, and nothing is carried "
    "into the first year or out of the last", "k EUR", "structure", scope="programme")

SUBSIDY = Family(
    "subsidy", N_("subsidy of a post"),
    "for each kind of post (without Anah, with Anah), the co-funders' shares add up to the "
    "posts x the post's subsidy, min(75 % x its charged cost, 45,000 EUR or 55,000 EUR with "
    "Anah)", "k EUR", "structure",
    (RowBlock("subsidy", "sum of the co-funders' shares = posts x subsidy, per kind of post"),))

COFUNDER_SHARE = Family(
    "cofunder_share", N_("co-funders' rates and caps"),
    "each co-funder's share of each kind of post between 0 and the posts x min(its rate x "
    "the charged cost, its cap per post), and 0 for a kind it does not co-fund", "k EUR",
    "structure",
    (RowBlock("cofunder_share", "a co-funder's share <= posts x min(rate x cost, cap)"),))

COFUNDER_BUDGET = Family(
    "cofunder_budget", N_("co-funders' budgets"),
    "each co-funder's shares of the year's posts <= its budget of the year", "k EUR", "limit",
    (RowBlock("cofunder_budget", "a co-funder's shares <= its yearly budget (k EUR)",
              binding=N_("budget of {funder}"),
              names=lambda inputs, f: {"funder": inputs.funder_names[f]}),),
    Elastic(("cofunder_budget",), _cofunder_budget_fix),
    meaning=N_("the co-funder's budget is spent: another post would need another co-funder to "
               "pay more, or a larger budget"))

IDLE_POSTS = Family(
    "idle_posts", N_("no idle post"),
    "in a programme of several years, a group's posts in a year never outnumber its covered "
    "towns (a post paid for serves at least one town)", "posts", "structure",
    (RowBlock("idle_posts", "posts of a group <= its covered towns"),), scope="programme")

PERSISTENCE = Family(
    "persistence", N_("posts that last"),
    "with persistence over the horizon, a covered town stays covered and a group's posts "
    "never decrease from one year to the next; with contracts of L years, a post (and a "
    "town's coverage) started in a year lasts at least L years", "towns, posts", "structure",
    (RowBlock("persist_cover", "covered[y] >= covered[y-1]"),
     RowBlock("persist_posts", "posts[y] >= posts[y-1]"),
     RowBlock("contract_cover_start", "started[y] >= covered[y] - covered[y-1]"),
     RowBlock("contract_cover", "covered[y] >= coverage started in the last L years"),
     RowBlock("contract_posts_start", "opened[y] >= posts[y] - posts[y-1]"),
     RowBlock("contract_posts", "posts[y] >= posts opened in the last L years")),
    scope="programme")

HORIZON_SATURATION = Family(
    "horizon_saturation", N_("saturation over the horizon"),
    "funding and expert-days to each town and theme summed over the years <= the horizon "
    "caps", "k EUR, days", "limit",
    (RowBlock("horizon_funding", "funding to a town and theme over the years <= horizon cap"),
     RowBlock("horizon_days", "days to a town and theme over the years <= horizon cap")),
    scope="programme")
