"""The families of the programme model: what links the years of a multi-year scenario.

Each constant is one family, registered like the one-year families of
:mod:`pvd_optim.families.reference` (rows in ``pvd_optim.model.rows``, check in
``pvd_optim.check``). In a one-year scenario none of them adds a row or changes a
bound, so a one-year model is the model it always was (``docs/model.md``,
"Programme years").
"""

from __future__ import annotations

from pvd_optim.families.registry import Family, RowBlock

ENTRY = Family(
    "entry", "entry years",
    "no coverage, funding or expert-days for a town in a year before the one it joined "
    "the programme", "", "structure")

CARRY_OVER = Family(
    "carry_over", "carry-over of unspent funding",
    "funding carried from one year into the next between 0 and the year's carry-over cap; "
    "what a year carries in is what the previous year carried out, and nothing is carried "
    "into the first year or out of the last", "k EUR", "structure", scope="programme")

IDLE_POSTS = Family(
    "idle_posts", "no idle post",
    "in a programme of several years, a group's posts in a year never outnumber its covered "
    "towns (a post paid for serves at least one town)", "posts", "structure",
    (RowBlock("idle_posts", "posts of a group <= its covered towns"),), scope="programme")

PERSISTENCE = Family(
    "persistence", "posts that last",
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
    "horizon_saturation", "saturation over the horizon",
    "funding and expert-days to each town and theme summed over the years <= the horizon "
    "caps", "k EUR, days", "limit",
    (RowBlock("horizon_funding", "funding to a town and theme over the years <= horizon cap"),
     RowBlock("horizon_days", "days to a town and theme over the years <= horizon cap")),
    scope="programme")
