"""explain.md's sections on the programme as it runs: year by year, who pays, what is committed.

Each is empty for a one-year scenario without co-funders or commitments: the totals of
each year (``Allocation.totals_by_year``), each co-funder's posts and budget
(``allocation_funder.csv``) with the value of one more post in its budget, and the
commitments already made with those that bind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.i18n import Translator

if TYPE_CHECKING:
    from pvd_optim.results import Allocation

__all__ = ["commitments_lines", "funders_lines", "years_lines"]


def years_lines(a: Allocation, t: Translator) -> list[str]:
    """Totals year by year (a programme of several years only)."""
    if len(a.years_inputs) == 1:
        return []
    _ = t.gettext
    lines = ["", "## " + _("Year by year"), "",
             _("| year | running share | funding | envelope | carried in / out | expert-days | "
               "capacity | covered / joined towns | posts | engineering |"),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (year, totals), inputs in zip(a.totals_by_year().items(), a.years_inputs, strict=True):
        lines.append(
            f"| {year} | {t.number(inputs.running_share, 2)} | {t.eur(totals['funding_eur'])} | "
            f"{t.eur(totals['envelope_eur'])} | {t.eur(totals['carried_in_eur'])} / "
            f"{t.eur(totals['carried_out_eur'])} | {t.number(totals['expert_days'], 1)} | "
            f"{t.number(totals['capacity_days'])} | {t.number(totals['covered_towns'])} / "
            f"{t.number(totals['joined_towns'])} | {t.number(totals['posts'])} | "
            f"{t.eur(totals['engineering_eur'])} |")
    return lines


def funders_lines(a: Allocation, t: Translator) -> list[str]:
    """Who pays for posts, year by year (co-funders, or a charged cost, given)."""
    first = a.years_inputs[0]
    if not first.cofunded and first.charged_cost_keur is None:
        return []
    _ = t.gettext
    lines = ["", "## " + _("Who pays for the posts"), "",
             _("A post's subsidy is min(75 % x its charged cost, {cap}; {cap_anah} with Anah) "
               "a year; the co-funders share it in the order listed, each up to its rate, cap "
               "per post and budget, the residual funder paying the rest; the towns pay the "
               "local share (the rest of the cost).").format(cap=t.eur(45_000),
                                                              cap_anah=t.eur(55_000)), "",
             _("| year | funder | posts co-funded | amount | budget | used |"),
             "|---:|---|---:|---:|---:|---:|"]
    for row in a.by_funder.to_dict("records"):
        budget_eur, used_share = float(row["budget_eur"]), float(row["budget_used_share"])
        budget = "" if not np.isfinite(budget_eur) else t.eur(budget_eur)
        used = "" if not np.isfinite(used_share) else t.percent(used_share)
        lines.append(f"| {row['year']} | {row['funder']} | "
                     f"{t.number(float(row['posts_cofunded']))} | "
                     f"{t.eur(float(row['amount_eur']))} | {budget} | {used} |")
    prices = a.shadow_prices
    if prices is not None and prices.value_of_one_more_post_by_funder:
        since = (_(" every year from {year} on").format(year=prices.budget_value_from_year)
                 if prices.budget_value_from_year is not None else "")
        lines += ["", _("Value of one more post's subsidy in a co-funder's budget{since} "
                        "(re-solved at gap 0):").format(since=since)]
        for funder, value in prices.value_of_one_more_post_by_funder.items():
            shown = _("not computed") if value is None else t.keur_eq(value, 2)
            lines.append(f"- {funder}: {shown}")
    return lines


def commitments_lines(a: Allocation, t: Translator) -> list[str]:
    """What was already decided, and which commitments bind."""
    if not a.has_commitments:
        return []
    _ = t.gettext
    summary = a.commitments_summary()
    lines = ["", "## " + _("Commitments (already decided)"), ""]
    if summary["locked_years"]:
        years = summary["locked_years"]
        lines.append("- " + _("Locked to the earlier allocation: {first}-{last} (every amount, "
                              "coverage and post of those years as decided then).").format(
            first=years[0], last=years[-1]))
    for year, row in summary["committed_by_year"].items():
        if row["locked"]:
            continue
        lines.append("- " + _("{year}: {funding} of funding, {days} expert-days, {towns} towns "
                              "covered and {posts} posts committed (lower bounds; the "
                              "allocation adds to them).").format(
            year=year, funding=t.eur(row["funding_eur"]), days=t.number(row["expert_days"], 1),
            towns=t.number(row["covered_towns"]), posts=t.number(row["posts"])))
    if summary["towns_no_longer_eligible"]:
        kept = summary["towns_no_longer_eligible"]
        lines.append("- " + _("{count} committed town(s) no longer eligible, kept with their "
                              "commitments and nothing more: {towns}").format(
            count=t.number(len(kept)), towns=", ".join(kept[:20]))
            + (" ..." if len(kept) > 20 else "") + ".")
    binding = summary["binding"]
    if binding:
        lines += ["", _("Commitments that bind (the optimum would rather have used them "
                        "elsewhere):"), ""] + [f"- {text}" for text in binding]
    elif a.shadow_prices is not None:
        lines.append("- " + _("No committed funding or expert-days bind: the optimum would "
                              "have given at least as much."))
    return lines
