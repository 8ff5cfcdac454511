"""Commitments that no allocation can honour, found by counting, in planner words.

Each test is a necessary condition a planner can follow: the posts already
committed for a year (with, when coverage lasts, the posts that the towns covered
before still need) against the year's post budgets; the funding and expert-days
committed against the year's envelope and Cerema capacities; a town's committed
funding against its cap. A failed test is a sentence such as "the 912 posts already
committed for 2026 need 41.0 M EUR of subsidy; the co-funders' 2026 budgets add up to
40.5 M EUR". The diagnosis and ``pvd-optim validate`` put them first.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.inputs import ModelInputs, ProgrammeInputs, as_programme, keur_to_eur, keur_to_meur
from pvd_optim.tolerances import CHECK_RELATIVE


def _meur(amount_keur: float) -> str:
    return f"{keur_to_meur(amount_keur):,.1f} M EUR"


def _forced_posts(programme: ProgrammeInputs) -> list[tuple[np.ndarray, bool]]:
    """Per year: the posts per group commitments force, and whether lasting coverage adds some.

    With coverage and posts that last (persistence over the horizon), a town committed as
    covered, and a post committed, in a year stay so in every later year.
    """
    out = []
    first = programme.first
    lasting = programme.persistence == "horizon"
    covered = np.zeros(first.n_towns, dtype=bool)
    posts = np.zeros(first.n_groups)
    for year in programme.years:
        own = np.maximum(year.committed_posts,
                         year.posts_needed(year.committed_covered.astype(np.float64)))
        if lasting:
            covered = covered | (year.committed_covered & year.eligible)
            posts = np.maximum(posts, year.committed_posts)
            forced = np.maximum(np.maximum(posts, own),
                                year.posts_needed(covered.astype(np.float64)))
        else:
            forced = own
        out.append((forced, bool(forced.sum() > own.sum())))
    return out


def _posts(year: ModelInputs, forced: np.ndarray, lasting: bool) -> str | None:
    subsidy = float((year.subsidy_of_group * forced).sum())
    count = round(float(forced.sum()))
    if count == 0:
        return None
    what = (f"the {count:,} posts already committed for {year.year}"
            + (" (with those the towns covered in earlier years still need: they stay "
               "covered)" if lasting else ""))
    if year.cofunded:
        from pvd_optim.model.cofunding import reported_split

        if reported_split(year, year.posts_by_type(forced)) is not None:
            return None
        budgets = float(year.funder_budget_keur.sum())
        sentence = (f"{what} need {_meur(subsidy)} of subsidy; the co-funders' {year.year} "
                    f"budgets add up to {_meur(budgets)}")
        payable = float((year.funder_share_cap_keur.T * year.posts_by_type(forced)[:, None]
                         ).sum())
        if payable < subsidy * (1 - CHECK_RELATIVE):
            sentence += (f", and their rates and caps per post let them pay at most "
                         f"{_meur(payable)} of it")
        return sentence
    if subsidy <= year.engineering_budget_keur * (1 + CHECK_RELATIVE):
        return None
    return (f"{what} need {_meur(subsidy)} of subsidy; the {year.year} engineering budget is "
            f"{_meur(year.engineering_budget_keur)}")


def commitment_conflicts(inputs: ModelInputs | ProgrammeInputs) -> list[str]:
    """Every commitment the counting arguments prove impossible to honour, in words."""
    programme = as_programme(inputs)
    if not any(year.has_commitments for year in programme.years):
        return []
    out: list[str] = []
    caps = programme.carry_over_cap_keur
    for y, (year, (forced, lasting)) in enumerate(zip(programme.years, _forced_posts(programme),
                                                      strict=True)):
        sentence = _posts(year, forced, lasting)
        if sentence:
            out.append(sentence)
        funding = float(year.committed_funding_keur.sum())
        available = year.envelope_keur + (float(caps[y - 1]) if y > 0 else 0.0)
        if funding > available * (1 + CHECK_RELATIVE) + 1e-9:
            out.append(f"the {_meur(funding)} of funding already committed for {year.year} "
                       f"exceed its envelope of {_meur(year.envelope_keur)}"
                       + (" and what can be carried into it" if y > 0 and caps[y - 1] > 0
                          else ""))
        days = np.bincount(year.directorate_of_town, weights=year.committed_days.sum(axis=1),
                           minlength=year.n_directorates)
        for d in np.flatnonzero(days > year.capacity_days * (1 + CHECK_RELATIVE) + 1e-9):
            out.append(f"the {days[d]:,.0f} expert-days already committed for {year.year} to "
                       f"towns of {year.directorate_names[d]} exceed its capacity of "
                       f"{year.capacity_days[d]:,.0f} days")
        over = year.committed_funding_keur.sum(axis=1) > year.cap_keur * (1 + CHECK_RELATIVE)
        for t in np.flatnonzero(over)[:10]:
            out.append(f"the {keur_to_eur(year.committed_funding_keur[t].sum()):,.0f} EUR already "
                       f"committed to {year.town_names[t]} ({year.town_codes[t]}) for "
                       f"{year.year} exceed its cap of {keur_to_eur(year.cap_keur[t]):,.0f} EUR")
    return out


__all__ = ["commitment_conflicts"]
