"""Commitments onto the model's towns, themes, groups and years: the ``committed_*`` arrays.

A :class:`~pvd_optim.data.commitments.Commitments` is keyed by INSEE code, theme and
group label; here each commitment finds its place in the scenario's model, or is a
one-line error naming its line (a year, theme or group the scenario does not have,
more posts than the group can use, more than a year's saturation). A committed town
that is no longer eligible is kept in the model for its commitments
(``ModelInputs.eligible``). See ``docs/model.md#commitments``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import DataError, ScenarioError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import EUR_PER_UNIT, ModelInputs
from pvd_optim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.data.commitments import Commitments


def scenario_commitments(scenario: Scenario, table: pd.DataFrame,
                         given: Commitments | None) -> Commitments | None:
    """The scenario's commitments: ``given`` (read from a results folder), or its CSV's."""
    section = scenario.commitments
    if given is not None or section is None:
        return given
    if section.csv is None:
        raise ScenarioError(
            Message("commitments from a results folder are read by `pvd-optim run` (or "
                    "pvd_optim.optimise), which re-verifies the folder; pvd_optim.pipeline.run "
                    "takes them as its `commitments` argument"),
            **scenario.located("commitments.results"))
    from pvd_optim.data.commitments import read_commitments_csv

    return read_commitments_csv(section.csv, known_codes=table.index, field="commitments.csv")


def committed_towns(commitments: Commitments | None) -> list[str]:
    """Every town with a commitment."""
    return [] if commitments is None else sorted(set(commitments.towns["insee"]))


def _fail(commitments: Commitments, line: int, message: str, column: str) -> DataError:
    return commitments.error(message, line, column)


def year_fields(scenario: Scenario, commitments: Commitments, template: ModelInputs,
                year: int, rho: float) -> dict[str, Any]:
    """The ``committed_*`` fields of one model year (full-year template scaled by ``rho``)."""
    calendar = scenario.year_numbers
    towns, posts = commitments.towns, commitments.posts
    outside = sorted(set(commitments.years) - set(calendar))
    if outside:
        rows = towns.loc[towns["year"].isin(outside), "line"].tolist() + posts.loc[
            posts["year"].isin(outside), "line"].tolist()
        raise _fail(commitments, min(rows) if rows else 0,
                    Message("commitments for {outside} outside the scenario's years "
                            "{first}-{last}; give the scenario those years (or leave them out "
                            "of the commitments)", outside=str(outside[:3]), first=calendar[0],
                            last=calendar[-1]), "year")
    n, K = template.n_towns, template.n_themes
    position = {code: i for i, code in enumerate(template.town_codes)}
    theme_of = {theme: k for k, theme in enumerate(template.themes)}
    group_of = {label: g for g, label in enumerate(template.group_labels)}
    funding, days = np.zeros((n, K)), np.zeros((n, K))
    covered = np.zeros(n, dtype=bool)
    committed_posts = np.zeros(template.n_groups)
    mine = towns[towns["year"] == year]
    for row in mine.to_dict("records"):
        t = position[str(row["insee"])]
        if row["covered"]:
            covered[t] = True
        if not row["theme"]:
            continue
        if row["theme"] not in theme_of:
            raise _fail(commitments, int(row['line']),
                        Message("theme {theme} is not a theme of this scenario ({themes})",
                                theme=repr(row["theme"]), themes=", ".join(template.themes)),
                        "theme")
        k = theme_of[str(row["theme"])]
        funding[t, k] += float(row["funding_keur"])
        days[t, k] += float(row["days"])
        for what, amount, saturation, unit in (
                (N_("funding"), funding[t, k], template.saturation_keur[k] * rho, "EUR"),
                (N_("days"), days[t, k], template.saturation_days[k] * rho, N_("days"))):
            if amount > saturation * (1 + 1e-9) + 1e-12:
                shown = (amount * EUR_PER_UNIT, saturation * EUR_PER_UNIT) if unit == "EUR" else (
                    amount, saturation)
                raise _fail(commitments, int(row["line"]),
                            Message("{what} committed to {town} for {theme} in {year} "
                                    "({amount:,.0f} {unit}) is above the year's saturation per "
                                    "town and theme ({saturation:,.0f} {unit}): lower the "
                                    "commitment or raise the saturation", what=Message(what),
                                    town=str(row["insee"]), theme=str(row["theme"]), year=year,
                                    amount=shown[0], saturation=shown[1],
                                    unit=unit if unit == "EUR" else Message(unit)),
                            "funding_eur" if what == "funding" else "days")
    max_posts = template.max_posts
    for row in posts[posts["year"] == year].to_dict("records"):
        if row["group"] not in group_of:
            raise _fail(commitments, int(row["line"]),
                        Message("group {group} is not a project-lead group of this scenario "
                                "(grouping: {grouping}; e.g. {example})",
                                group=repr(row["group"]),
                                grouping=str(scenario.resources.engineering.grouping),
                                example=repr(template.group_labels[0])), "group")
        g = group_of[str(row["group"])]
        committed_posts[g] = float(row["posts"])
        if row["posts"] > max_posts[g]:
            raise _fail(commitments, int(row["line"]),
                        Message("{posts:g} posts committed to group {group} in {year}, more "
                                "than its {towns} towns' posts can be", posts=row["posts"],
                                group=str(row["group"]), year=year, towns=max_posts[g]),
                        "posts")
    locked = year in commitments.locked_years
    return {"committed_funding_keur": funding, "committed_days": days,
            "committed_covered": covered, "committed_posts": committed_posts, "locked": locked,
            "committed_carry_out_keur": commitments.carry_out_keur.get(year)
            if locked else None}


def check_from_year(scenario: Scenario, commitments: Commitments) -> None:
    """Every locked year is a year of the scenario, and a later year is left to decide."""
    calendar = scenario.year_numbers
    missing = sorted(set(commitments.locked_years) - set(calendar))
    if missing:
        raise ScenarioError(
            Message("the results folder's years {missing} before from_year are not years of "
                    "this scenario ({first}-{last}); start the scenario's years in {start}, or "
                    "lock fewer years", missing=str(missing[:3]), first=calendar[0],
                    last=calendar[-1], start=missing[0]), **scenario.located("commitments"))
    if commitments.locked_years and set(calendar) <= set(commitments.locked_years):
        raise ScenarioError(
            Message("every year of the scenario is locked by the results folder; from_year must "
                    "be a year of the scenario that is left to decide"),
            **scenario.located("commitments"))
