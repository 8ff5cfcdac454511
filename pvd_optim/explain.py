"""Explanations in plain words: what was allocated, what limits it, who was left out and why.

``explain_markdown`` writes ``explain.md`` for a non-specialist: every limit in
the programme's terms (from the family registry), each uncovered town by name
with the reason read from the solution (``pvd_optim.reasons``), the shadow
prices as "one more ... would add ...", and a short glossary.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.families import family
from pvd_optim.inputs import EUR_PER_MILLION, EUR_PER_UNIT, keur_to_eur
from pvd_optim.reasons import REASON_WORDS, uncovered_towns
from pvd_optim.tolerances import NOISE

if TYPE_CHECKING:
    from pvd_optim.results import Allocation

#: Plain-words heading of each allocation status.
STATUS_HEADINGS = {
    "optimal": "proven optimal",
    "feasible": "NOT proven optimal (the solver stopped at a limit)",
    "relaxed": "LP relaxation, not an allocation to implement",
    "heuristic": "allocated by a simple rule",
}

_STATUS_SENTENCES = {
    "optimal": "proven optimal: no allocation meeting every rule has more benefit",
    "feasible": "NOT proven optimal: the solver stopped at its limit with this allocation",
    "relaxed": "LP RELAXATION: posts and coverage may be fractional; not an allocation to "
               "implement as is",
    "heuristic": "allocated by a simple rule, not optimised",
}

GLOSSARY = (
    ("k EUR-equivalent", "the unit of benefit: 1 is what one thousand euros of funding brings "
     "to a town in full need of it; an expert-day and a covered town are converted to it by "
     "the scenario's values, so the three resources can be weighed against each other."),
    ("binding limit", "a rule the allocation meets exactly (the whole envelope spent, a "
     "directorate's every day assigned, a region at the edge of its balance band): loosening "
     "it would let the allocation do better."),
    ("shadow price", "how much benefit one more unit of a limit would add (one more k EUR of "
     "envelope, one more expert-day), with posts and coverage kept as decided."),
    ("MIP gap", "how far the allocation might still be from the best possible, as a share "
     "of its benefit; 0 means proven best."),
)


def _eur(value: float) -> str:
    if abs(value) >= EUR_PER_MILLION:
        return f"{value / EUR_PER_MILLION:,.2f} M EUR"
    if abs(value) >= EUR_PER_UNIT:
        return f"{value / EUR_PER_UNIT:,.1f} k EUR"
    return f"{value:,.0f} EUR"


def _signed_pct(value: float) -> str:
    """+1.5%, -0.2%, and 0.0% rather than a signed zero."""
    text = f"{value:+.1%}"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def _header(a: Allocation) -> list[str]:
    totals = a.totals()
    gap = f", MIP gap {a.mip_gap:.2e}" if a.mip_gap is not None else ""
    solver = (f"; solver {a.solver} {a.solver_version}, {a.solve_seconds:.2f} s"
              if a.solver else "")
    calendar = a.calendar
    span = ([f"Over {len(calendar)} programme years, {calendar[0]}-{calendar[-1]}: money and "
             f"days summed over the years, covered towns and posts as in {calendar[-1]}.", ""]
            if len(calendar) > 1 else [])
    return [
        f"# {a.scenario_name}: {a.label}, {STATUS_HEADINGS.get(a.status, a.status)}", "",
        f"**Status: {a.status}** ({_STATUS_SENTENCES.get(a.status, a.status)}{gap}){solver}.",
        "", "## What was allocated", "", *span,
        f"- Funding: {_eur(totals['funding_eur'])} of an envelope of "
        f"{_eur(totals['envelope_eur'])}.",
        f"- Cerema expertise: {totals['expert_days']:,.1f} expert-days of "
        f"{totals['capacity_days']:,.0f} available.",
        f"- Engineering: {totals['posts']:,.0f} co-funded posts ({_eur(totals['engineering_eur'])}"
        f" of {_eur(totals['engineering_budget_eur'])}) covering "
        f"{totals['covered_towns']:,.0f} of {totals['eligible_towns']:,.0f} eligible towns.",
    ]


def _years(a: Allocation) -> list[str]:
    """Totals year by year (a programme of several years only)."""
    if len(a.years_inputs) == 1:
        return []
    lines = ["", "## Year by year", "",
             "| year | running share | funding | envelope | carried in / out | expert-days | "
             "capacity | covered / joined towns | posts | engineering |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (year, totals), inputs in zip(a.totals_by_year().items(), a.years_inputs, strict=True):
        lines.append(
            f"| {year} | {inputs.running_share:.2f} | {_eur(totals['funding_eur'])} | "
            f"{_eur(totals['envelope_eur'])} | {_eur(totals['carried_in_eur'])} / "
            f"{_eur(totals['carried_out_eur'])} | {totals['expert_days']:,.1f} | "
            f"{totals['capacity_days']:,.0f} | {totals['covered_towns']:,.0f} / "
            f"{totals['joined_towns']:,.0f} | {totals['posts']:,.0f} | "
            f"{_eur(totals['engineering_eur'])} |")
    return lines


def _funders(a: Allocation) -> list[str]:
    """Who pays for posts, year by year (co-funders, or a charged cost, given)."""
    first = a.years_inputs[0]
    if not first.cofunded and first.charged_cost_keur is None:
        return []
    lines = ["", "## Who pays for the posts", "",
             "A post's subsidy is min(75 % x its charged cost, 45,000 EUR; 55,000 EUR with "
             "Anah) a year; the co-funders share it in the order listed, each up to its rate, "
             "cap per post and budget, the residual funder paying the rest; the towns pay the "
             "local share (the rest of the cost).", "",
             "| year | funder | posts co-funded | amount | budget | used |",
             "|---:|---|---:|---:|---:|---:|"]
    for row in a.by_funder.to_dict("records"):
        budget_eur, used_share = float(row["budget_eur"]), float(row["budget_used_share"])
        budget = "" if not np.isfinite(budget_eur) else _eur(budget_eur)
        used = "" if not np.isfinite(used_share) else f"{used_share:.1%}"
        lines.append(f"| {row['year']} | {row['funder']} | {float(row['posts_cofunded']):,.0f} | "
                     f"{_eur(float(row['amount_eur']))} | {budget} | {used} |")
    prices = a.shadow_prices
    if prices is not None and prices.value_of_one_more_post_by_funder:
        since = (f" every year from {prices.budget_value_from_year} on"
                 if prices.budget_value_from_year is not None else "")
        lines += ["", f"Value of one more post's subsidy in a co-funder's budget{since} "
                  "(re-solved at gap 0):"]
        for name, value in prices.value_of_one_more_post_by_funder.items():
            shown = "not computed" if value is None else f"{value:,.2f} k EUR-equivalents"
            lines.append(f"- {name}: {shown}")
    return lines


def _commitments(a: Allocation) -> list[str]:
    """What was already decided, and which commitments bind."""
    if not a.has_commitments:
        return []
    summary = a.commitments_summary()
    lines = ["", "## Commitments (already decided)", ""]
    if summary["locked_years"]:
        years = summary["locked_years"]
        lines.append(f"- Locked to the earlier allocation: {years[0]}-{years[-1]} (every "
                     "amount, coverage and post of those years as decided then).")
    for year, row in summary["committed_by_year"].items():
        if row["locked"]:
            continue
        lines.append(f"- {year}: {_eur(row['funding_eur'])} of funding, "
                     f"{row['expert_days']:,.1f} expert-days, {row['covered_towns']:,.0f} towns "
                     f"covered and {row['posts']:,.0f} posts committed (lower bounds; the "
                     "allocation adds to them).")
    if summary["towns_no_longer_eligible"]:
        kept = summary["towns_no_longer_eligible"]
        lines.append(f"- {len(kept):,} committed town(s) no longer eligible, kept with their "
                     f"commitments and nothing more: {', '.join(kept[:20])}"
                     + (" ..." if len(kept) > 20 else "") + ".")
    binding = summary["binding"]
    if binding:
        lines += ["", "Commitments that bind (the optimum would rather have used them "
                  "elsewhere):", ""] + [f"- {text}" for text in binding]
    elif a.shadow_prices is not None:
        lines.append("- No committed funding or expert-days bind: the optimum would have "
                     "given at least as much.")
    return lines


def _benefit(a: Allocation) -> list[str]:
    parts = a.objective_parts
    # A year that runs part of the time has its value scaled: say the full year's.
    first = a.years_inputs[0]
    cover_eur = keur_to_eur(first.value_per_cover_keur / first.running_share)
    benefit = parts["funding_benefit"] + parts["expertise_benefit"] + parts["coverage_value"]
    lines = [
        "", "## Benefit (k EUR-equivalents)", "",
        f"- Benefit: {benefit:,.1f}",
        f"  - of funding (need-weighted, diminishing returns): {parts['funding_benefit']:,.1f}",
        f"  - of expertise (need-weighted, diminishing returns; a day is worth "
        f"{keur_to_eur(a.inputs.value_per_day_keur):,.0f} EUR at full need on the first "
        f"segment): {parts['expertise_benefit']:,.1f}",
        f"  - of coverage ({cover_eur:,.0f} EUR per covered town-year, weighted by "
        f"fragility): {parts['coverage_value']:,.1f}",
    ]
    if a.inputs.balance_mode == "soft":
        lines.append(f"- Soft regional-balance penalty: {-parts['balance_penalty']:,.1f} "
                     "(what the deviations outside the bands cost, in the same units)")
        outside = a.by_region[a.by_region["outside_band"] > 0]
        traded = "; ".join(
            f"{row.region_name}: {row.outside_band:,.1f} {row.unit} of {row.resource}"
            for row in outside.itertuples())
        lines.append("- Soft balance traded that penalty for benefit elsewhere by leaving "
                     + (f"these regions outside their bands: {traded}." if traded
                        else "no region outside its band."))
    lines.append(f"- Objective (benefit minus penalty): {a.objective:,.1f}")
    return lines


def _limits(a: Allocation) -> list[str]:
    lines = ["", "## What limits the allocation (binding limits)", ""]
    if not a.binding:
        return [*lines, "- No national, directorate or regional limit binds."]
    by_family: dict[str, list[str]] = defaultdict(list)
    for item in a.binding:
        by_family[item.family].append(item.label)
    for name, labels in by_family.items():
        entry = family(name)
        shown = ", ".join(labels[:12]) + (f" and {len(labels) - 12} more"
                                          if len(labels) > 12 else "")
        meaning = f": {entry.meaning}" if entry.meaning else ""
        where = "" if labels == [entry.title] else f" ({shown})"
        lines.append(f"- **{entry.title}**{where}{meaning}.")
    return lines


def _uncovered(a: Allocation) -> list[str]:
    towns = uncovered_towns(a)
    when = f" in {a.calendar[-1]}" if len(a.calendar) > 1 else ""
    lines = ["", f"## Towns without a project lead{when} ({len(towns):,})", ""]
    if not towns:
        return [*lines, "Every eligible town has a project lead."]
    grouped: dict[str, list[str]] = defaultdict(list)
    for town in sorted(towns, key=lambda t: (t.region, t.name)):
        grouped[town.reason].append(
            f"{town.name} ({town.insee}, {town.region}; fragility {town.fragility:.2f}, "
            f"above {town.fragility_rank_share:.0%} of covered towns)")
    for reason, names in grouped.items():
        lines.append(f"- {len(names):,} because {REASON_WORDS[reason]}:")
        lines += [f"  - {name}" for name in names]
    return lines


def _prices(a: Allocation) -> list[str]:
    prices = a.shadow_prices
    if prices is None:
        return []
    lines = ["", "## Shadow prices: what one more unit would be worth", "",
             f"Computed on the {prices.basis}.", ""]
    many = len(a.calendar) > 1
    envelope = prices.envelope_per_keur_by_year or (
        {} if prices.envelope_per_keur is None else {str(a.calendar[0]): prices.envelope_per_keur})
    capacity = prices.capacity_per_day_by_year or (
        {str(a.calendar[0]): prices.capacity_per_day} if prices.capacity_per_day else {})
    for year, value in envelope.items():
        when = f" in {year}" if many else ""
        lines.append(f"- One more k EUR of funding envelope{when} would add "
                     f"{value:.3f} k EUR-equivalents of benefit.")
    for year, by_directorate in capacity.items():
        when = f" in {year}" if many else ""
        positive = {d: v for d, v in by_directorate.items() if abs(v) > NOISE}
        for name, value in sorted(positive.items(), key=lambda kv: -kv[1]):
            lines.append(f"- One more expert-day for {name}{when} would add {value:.3f} "
                         "k EUR-equivalents.")
        if by_directorate and not positive:
            lines.append(f"- No directorate's expert-day capacity{when} is worth more at the "
                         "margin.")
    if prices.price_of_balance is not None:
        lines.append(f"- Price of regional balance: widening the tolerance by 0.05 would add "
                     f"{prices.price_of_balance:,.2f} k EUR-equivalents (re-solved at gap 0).")
    if prices.value_of_one_more_post is not None:
        every = " in every year" if many else ""
        lines.append(f"- Value of one more post's budget{every}: "
                     f"{prices.value_of_one_more_post:,.2f} k EUR-equivalents "
                     "(re-solved at gap 0).")
    return lines


def _regions_and_themes(a: Allocation) -> list[str]:
    lines = ["", "## Regional balance (deviation from the fair share)", ""]
    by_region = a.by_region
    periods = list(dict.fromkeys(by_region["period"]))
    for period in periods:
        if len(periods) > 1 or len(a.calendar) > 1:
            lines += [f"{period}:", ""]
        lines += ["| region | funding | days | covered towns |", "|---|---:|---:|---:|"]
        rows = by_region[by_region["period"] == period]
        pivot = rows.pivot(index="region_name", columns="resource",
                           values="relative_deviation")
        for name, row in pivot.iterrows():
            lines.append(f"| {name} | {_signed_pct(row['funding'])} | "
                         f"{_signed_pct(row['days'])} | {_signed_pct(row['towns'])} |")
        lines.append("")
    many = len(a.calendar) > 1
    lines += ["## Themes in force", "",
              ("| year | theme | funding | share | floor |" if many
               else "| theme | funding | share | floor |"),
              "|---:|---|---:|---:|---:|" if many else "|---|---:|---:|---:|"]
    for theme, row in a.by_theme.iterrows():
        year = f"| {row['year']} " if many else ""
        lines.append(f"{year}| {theme} | {_eur(row['funding_eur'])} | "
                     f"{row['funding_share']:.1%} | {row['floor_share']:.1%} |")
    return lines


def _closing(a: Allocation) -> list[str]:
    lines = []
    if a.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in a.notes]
    lines += ["", "## Verification", ""]
    if a.check.ok:
        lines.append("Every rule was re-verified independently on the numbers written: "
                     + ", ".join(family(name).title for name in a.check.checked) + ".")
    else:
        lines.append("Rules this allocation does not satisfy (it does not promise them):")
        lines += [f"- {v}" for v in a.check.violations[:50]]
    lines += ["", "## Glossary", ""] + [f"- **{term}**: {text}" for term, text in GLOSSARY]
    return lines


def explain_markdown(allocation: Allocation) -> str:
    """A planner-readable account of an allocation, as Markdown."""
    a = allocation
    lines = [*_header(a), *_years(a), *_commitments(a), *_funders(a), *_benefit(a), *_limits(a),
             *_uncovered(a), *_prices(a), *_regions_and_themes(a), *_closing(a)]
    return "\n".join(lines) + "\n"
