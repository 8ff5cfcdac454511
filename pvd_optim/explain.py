"""Explanations in plain words: what was allocated, what limits it, who was left out and why.

``explain_markdown`` writes ``explain.md`` for a non-specialist, in French or
English (the run's language, :mod:`pvd_optim.i18n`): every limit in the
programme's terms (from the family registry), each uncovered town by name with
the reason read from the solution (``pvd_optim.reasons``), the shadow prices as
"one more ... would add ...", and a short glossary. Every sentence is a catalogue
message and every number is formatted by the reader's translator.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from pvd_optim import i18n
from pvd_optim.collective_explain import collective_lines
from pvd_optim.families import Binding, family
from pvd_optim.i18n import N_, Translator
from pvd_optim.i18n.message import render
from pvd_optim.i18n.vocabulary import basis, name
from pvd_optim.inputs import keur_to_eur
from pvd_optim.prefect_explain import prefects_lines
from pvd_optim.programme_explain import commitments_lines, funders_lines, years_lines
from pvd_optim.reasons import REASON_WORDS, uncovered_towns
from pvd_optim.tolerances import NOISE

if TYPE_CHECKING:
    from pvd_optim.results import Allocation

#: Plain-words heading of each allocation status.
STATUS_HEADINGS = {
    "optimal": N_("proven optimal"),
    "feasible": N_("NOT proven optimal (the solver stopped at a limit)"),
    "relaxed": N_("LP relaxation, not an allocation to implement"),
    "heuristic": N_("allocated by a simple rule"),
}

_STATUS_SENTENCES = {
    "optimal": N_("proven optimal: no allocation meeting every rule has more benefit"),
    "feasible": N_("NOT proven optimal: the solver stopped at its limit with this allocation"),
    "relaxed": N_("LP RELAXATION: posts and coverage may be fractional; not an allocation to "
                  "implement as is"),
    "heuristic": N_("allocated by a simple rule, not optimised"),
}

GLOSSARY = (
    (N_("k EUR-equivalent"), N_(
        "the unit of benefit: 1 is what one thousand euros of funding brings to a town in full "
        "need of it; an expert-day and a covered town are converted to it by the scenario's "
        "values, so the three resources can be weighed against each other.")),
    (N_("binding limit"), N_(
        "a rule the allocation meets exactly (the whole envelope spent, a directorate's every "
        "day assigned, a region at the edge of its balance band): loosening it would let the "
        "allocation do better.")),
    (N_("shadow price"), N_(
        "how much benefit one more unit of a limit would add (one more k EUR of envelope, one "
        "more expert-day), with posts and coverage kept as decided.")),
    (N_("MIP gap"), N_(
        "how far the allocation might still be from the best possible, as a share of its "
        "benefit; 0 means proven best.")),
)


def _word(t: Translator, table: dict[str, str], key: str) -> str:
    return t.gettext(table[key]) if key in table else key


def _header(a: Allocation, t: Translator) -> list[str]:
    _ = t.gettext
    totals = a.totals()
    gap = (_(", MIP gap {gap}").format(gap=t.decimal_mark(f"{a.mip_gap:.2e}"))
           if a.mip_gap is not None else "")
    solver = (_("; solver {solver} {version}, {seconds} s").format(
        solver=a.solver, version=a.solver_version, seconds=t.number(a.solve_seconds, 2))
        if a.solver else "")
    calendar = a.calendar
    span = ([_("Over {years} programme years, {first}-{last}: money and days summed over the "
               "years, covered towns and posts as in {last}.").format(
                 years=len(calendar), first=calendar[0], last=calendar[-1]), ""]
            if len(calendar) > 1 else [])
    return [
        "# " + _("{scenario}: {label}, {status}").format(
            scenario=a.scenario_name, label=a.label,
            status=_word(t, STATUS_HEADINGS, a.status)), "",
        _("**Status: {status}** ({sentence}{gap}){solver}.").format(
            status=a.status, sentence=_word(t, _STATUS_SENTENCES, a.status), gap=gap,
            solver=solver),
        "", "## " + _("What was allocated"), "", *span,
        "- " + _("Funding: {funding} of an envelope of {envelope}.").format(
            funding=t.eur(totals["funding_eur"]), envelope=t.eur(totals["envelope_eur"])),
        "- " + _("Cerema expertise: {days} expert-days of {capacity} available.").format(
            days=t.number(totals["expert_days"], 1), capacity=t.number(totals["capacity_days"])),
        "- " + t.ngettext(
            "Engineering: {posts} co-funded post ({spent} of {budget}) covering {covered} of "
            "{eligible} eligible towns.",
            "Engineering: {posts} co-funded posts ({spent} of {budget}) covering {covered} of "
            "{eligible} eligible towns.", round(totals["posts"])).format(
            posts=t.number(totals["posts"]), spent=t.eur(totals["engineering_eur"]),
            budget=t.eur(totals["engineering_budget_eur"]),
            covered=t.number(totals["covered_towns"]),
            eligible=t.number(totals["eligible_towns"])),
    ]


def _benefit(a: Allocation, t: Translator) -> list[str]:
    _ = t.gettext
    parts = a.objective_parts
    # A year that runs part of the time has its value scaled: say the full year's.
    first = a.years_inputs[0]
    cover_eur = keur_to_eur(first.value_per_cover_keur / first.running_share)
    collective = parts.get("collective_value")  # only with Cerema's collective actions on
    benefit = parts["total"] - parts["balance_penalty"]  # every part but the penalty
    lines = [
        "", "## " + _("Benefit (k EUR-equivalents)"), "",
        "- " + _("Benefit: {value}").format(value=t.number(benefit, 1)),
        "  - " + _("of funding (need-weighted, diminishing returns): {value}").format(
            value=t.number(parts["funding_benefit"], 1)),
        "  - " + _("of expertise (need-weighted, diminishing returns; a day is worth {day} at "
                   "full need on the first segment): {value}").format(
            day=t.eur(keur_to_eur(a.inputs.value_per_day_keur)),
            value=t.number(parts["expertise_benefit"], 1)),
        "  - " + _("of coverage ({cover} per covered town-year, weighted by fragility): "
                   "{value}").format(cover=t.eur(cover_eur),
                                     value=t.number(parts["coverage_value"], 1)),
    ]
    if collective is not None:
        lines.append("  - " + _("of Cerema's collective actions (each town attending, weighted "
                                "by its need): {value}").format(value=t.number(collective, 1)))
    if a.inputs.balance_mode == "soft":
        lines.append("- " + _("Soft regional-balance penalty: {value} (what the deviations "
                              "outside the bands cost, in the same units)").format(
            value=t.number(-parts["balance_penalty"], 1)))
        outside = a.by_region[a.by_region["outside_band"] > 0]
        traded = "; ".join(
            f"{region}: {t.number(band, 1)} {unit} ({name(t, str(resource))})"
            for region, band, unit, resource in zip(
                outside["region_name"], outside["outside_band"].astype(float).tolist(),
                outside["unit"], outside["resource"], strict=True))
        lines.append("- " + (_("Soft balance traded that penalty for benefit elsewhere by "
                               "leaving these regions outside their bands: {regions}.").format(
            regions=traded) if traded else _("Soft balance traded that penalty for benefit "
                                             "elsewhere by leaving no region outside its "
                                             "band.")))
    lines.append("- " + _("Objective (benefit minus penalty): {value}").format(
        value=t.number(a.objective, 1)))
    return lines


def _limits(a: Allocation, t: Translator) -> list[str]:
    _ = t.gettext
    lines = ["", "## " + _("What limits the allocation (binding limits)"), ""]
    if not a.binding:
        return [*lines, "- " + _("No national, directorate or regional limit binds.")]
    by_family: dict[str, list[Binding]] = defaultdict(list)
    for item in a.binding:
        by_family[item.family].append(item)
    for family_name, items in by_family.items():
        entry = family(family_name)
        title = _(entry.title)
        labels = [item.text(_) for item in items]
        shown = ", ".join(labels[:12]) + (_(" and {count} more").format(
            count=t.number(len(labels) - 12)) if len(labels) > 12 else "")
        # A family of one row worded as its own title ("funding envelope") needs no list.
        where = "" if [item.label for item in items] == [entry.title] else f" ({shown})"
        lines.append("- " + (_("**{title}**{where}: {meaning}.").format(
            title=title, where=where, meaning=_(entry.meaning)) if entry.meaning
            else f"**{title}**{where}."))
    return lines


def _uncovered(a: Allocation, t: Translator) -> list[str]:
    _ = t.gettext
    towns = uncovered_towns(a)
    heading = (_("Towns without a project lead in {year} ({count})").format(
        year=a.calendar[-1], count=t.number(len(towns))) if len(a.calendar) > 1 else
        _("Towns without a project lead ({count})").format(count=t.number(len(towns))))
    lines = ["", "## " + heading, ""]
    if not towns:
        return [*lines, _("Every eligible town has a project lead.")]
    grouped: dict[str, list[str]] = defaultdict(list)
    for town in sorted(towns, key=lambda town: (town.region, town.name)):
        grouped[town.reason].append(_(
            "{name} ({insee}, {region}; fragility {fragility}, above {rank} of covered "
            "towns)").format(name=town.name, insee=town.insee, region=town.region,
                             fragility=t.number(town.fragility, 2),
                             rank=t.percent(town.fragility_rank_share, 0)))
    for reason, names in grouped.items():
        lines.append("- " + _("{count} because {reason}:").format(
            count=t.number(len(names)), reason=_word(t, REASON_WORDS, reason)))
        lines += [f"  - {town}" for town in names]
    return lines


def _prices(a: Allocation, t: Translator) -> list[str]:
    prices = a.shadow_prices
    if prices is None:
        return []
    _ = t.gettext
    lines = ["", "## " + _("Shadow prices: what one more unit would be worth"), "",
             _("Computed on the {basis}.").format(basis=basis(t, prices.basis)), ""]
    many = len(a.calendar) > 1
    envelope = prices.envelope_per_keur_by_year or (
        {} if prices.envelope_per_keur is None else {str(a.calendar[0]): prices.envelope_per_keur})
    capacity = prices.capacity_per_day_by_year or (
        {str(a.calendar[0]): prices.capacity_per_day} if prices.capacity_per_day else {})
    for year, value in envelope.items():
        when = _(" in {year}").format(year=year) if many else ""
        lines.append("- " + _("One more k EUR of funding envelope{when} would add {value} of "
                              "benefit.").format(when=when, value=t.keur_eq(value, 3)))
    for year, by_directorate in capacity.items():
        when = _(" in {year}").format(year=year) if many else ""
        positive = {d: v for d, v in by_directorate.items() if abs(v) > NOISE}
        for directorate, value in sorted(positive.items(), key=lambda kv: -kv[1]):
            lines.append("- " + _("One more expert-day for {directorate}{when} would add "
                                  "{value} of benefit.").format(directorate=directorate, when=when,
                                                     value=t.keur_eq(value, 3)))
        if by_directorate and not positive:
            lines.append("- " + _("No directorate's expert-day capacity{when} is worth more at "
                                  "the margin.").format(when=when))
    if prices.price_of_balance is not None:
        lines.append("- " + _("Price of regional balance: widening the tolerance by 0.05 would "
                              "add {value} (re-solved at gap 0).").format(
            value=t.keur_eq(prices.price_of_balance, 2)))
    if prices.price_of_quota is not None:
        lines.append("- " + _("Price of the regional quotas of posts: the hard band on covered "
                              "towns instead would add {value} (re-solved at gap 0).").format(
            value=t.keur_eq(prices.price_of_quota, 2)))
    if prices.value_of_one_more_post is not None:
        every = _(" in every year") if many else ""
        lines.append("- " + _("Value of one more post's budget{every}: {value} (re-solved at "
                              "gap 0).").format(every=every,
                                                value=t.keur_eq(prices.value_of_one_more_post,
                                                                2)))
    return lines


#: The apportionment methods of regional quotas, in a planner's words.
QUOTA_METHODS = {"hamilton": N_("largest remainder (Hamilton)"), "dhondt": N_("D'Hondt"),
                 "sainte_lague": N_("Sainte-Laguë")}


def _quota_in_force(a: Allocation, t: Translator) -> list[str]:
    """The regional quotas of posts in force, one line (balance mode ``quota`` only)."""
    inputs = a.inputs
    if inputs.post_quota is None:
        return []
    _ = t.gettext
    regions = ", ".join(f"{region} {int(q):,}" for region, q
                        in zip(inputs.region_names, inputs.post_quota, strict=True))
    return [_("Regional quotas of posts in force: {posts} posts apportioned by {method} on the "
              "balance basis, {fixed} fixed after the caps ({regions}); the band holds funding "
              "and expert-days only.").format(
                posts=t.number(inputs.quota_posts), method=_(QUOTA_METHODS[inputs.quota_method]),
                fixed=t.number(int(inputs.post_quota.sum())), regions=regions), ""]


def _signed(t: Translator, value: float) -> str:
    """+1.5 %, -0.2 %, and 0.0 % rather than a signed zero."""
    return t.percent(value, 1, signed=True)


def _regions_and_themes(a: Allocation, t: Translator) -> list[str]:
    _ = t.gettext
    lines = ["", "## " + _("Regional balance (deviation from the fair share)"), "",
             *_quota_in_force(a, t)]
    by_region = a.by_region
    periods = list(dict.fromkeys(by_region["period"]))
    for period in periods:
        if len(periods) > 1 or len(a.calendar) > 1:
            lines += [_("{period}:").format(period=period), ""]
        lines += [_("| region | funding | days | covered towns |"), "|---|---:|---:|---:|"]
        rows = by_region[by_region["period"] == period]
        pivot = rows.pivot(index="region_name", columns="resource",
                           values="relative_deviation")
        for region, row in pivot.iterrows():
            lines.append(f"| {region} | {_signed(t, row['funding'])} | "
                         f"{_signed(t, row['days'])} | {_signed(t, row['towns'])} |")
        lines.append("")
    many = len(a.calendar) > 1
    lines += ["## " + _("Themes in force"), "",
              (_("| year | theme | funding | share | floor |") if many
               else _("| theme | funding | share | floor |")),
              "|---:|---|---:|---:|---:|" if many else "|---|---:|---:|---:|"]
    for theme, row in a.by_theme.iterrows():
        year = f"| {row['year']} " if many else ""
        lines.append(f"{year}| {name(t, str(theme))} | {t.eur(row['funding_eur'])} | "
                     f"{t.percent(row['funding_share'])} | {t.percent(row['floor_share'])} |")
    return lines


def _closing(a: Allocation, t: Translator) -> list[str]:
    _ = t.gettext
    lines = []
    if a.notes:
        lines += ["", "## " + _("Notes"), ""] + [f"- {render(note, t)}" for note in a.notes]
    lines += ["", "## " + _("Verification"), ""]
    if a.check.ok:
        lines.append(_("Every rule was re-verified independently on the numbers written: "
                       "{rules}.").format(
            rules=", ".join(_(family(rule).title) for rule in a.check.checked)))
    else:
        lines.append(_("Rules this allocation does not satisfy (it does not promise them):"))
        lines += [f"- {v}" for v in a.check.violations[:50]]
    lines += ["", "## " + _("Glossary"), ""] + [
        "- " + _("**{term}**: {text}").format(term=_(term), text=_(text))
        for term, text in GLOSSARY]
    return lines


def explain_markdown(allocation: Allocation, t: Translator | None = None) -> str:
    """A planner-readable account of an allocation, as Markdown, in ``t``'s language.

    Without ``t``, the run's language (:func:`pvd_optim.i18n.active`: the one
    ``pvd-optim run --lang`` or the scenario's ``output.language`` chose, else the
    locale's, else French).
    """
    a, t = allocation, t or i18n.active()
    lines = [*_header(a, t), *prefects_lines(a, t), *years_lines(a, t), *commitments_lines(a, t),
             *funders_lines(a, t),
             *_benefit(a, t), *_limits(a, t), *_uncovered(a, t), *_prices(a, t),
             *collective_lines(a, t), *_regions_and_themes(a, t), *_closing(a, t)]
    return "\n".join(lines) + "\n"
