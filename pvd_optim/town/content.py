"""The town page in words: sections of sentences, lists and tables, in the reader's language.

:func:`page_content` turns a :class:`~pvd_optim.town.page.TownPage` into a
:class:`Document` that :mod:`.markdown` and :mod:`.html` only serialise, so the
terminal, the HTML file and the comparison report say the same thing. Every
sentence is computed from the page's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pvd_optim.i18n.message import render
from pvd_optim.town.wording import (
    EXCLUSION_WORDS,
    LIMIT_WORDS,
    REASON_WORDS,
    basis,
    fill,
    name,
)

if TYPE_CHECKING:
    from pvd_optim.i18n import Translator
    from pvd_optim.town.counterfactual import Counterfactual
    from pvd_optim.town.facts import TownFacts
    from pvd_optim.town.page import TownPage

#: Two marginal values closer than this (relative) are "equal": LP duals carry noise.
SAME_VALUE_RELATIVE = 1e-3


@dataclass
class Table:
    """A table: caption, column headers, rows of formatted cells; numeric columns aligned."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]


@dataclass
class Chart:
    """Percentile bars: (label, percentile in the region, percentile in the nation)."""

    title: str
    items: list[tuple[str, float, float]]
    region_label: str
    nation_label: str
    alt: str


@dataclass
class Bullets:
    """A list of sentences."""

    items: list[str]


Block = str | Bullets | Table | Chart  # a str is a paragraph


@dataclass
class Section:
    """One part of the page: paragraphs, lists, tables and charts, in reading order."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def p(self, text: str) -> None:
        """Add a paragraph."""
        self.blocks.append(text)

    def li(self, *items: str) -> None:
        """Add list items (to the list just before, if there is one)."""
        if not items:
            return
        if self.blocks and isinstance(self.blocks[-1], Bullets):
            self.blocks[-1].items.extend(items)
        else:
            self.blocks.append(Bullets(list(items)))

    def add(self, block: Table | Chart) -> None:
        """Add a table or a chart."""
        self.blocks.append(block)


@dataclass
class Document:
    """A whole town page."""

    title: str
    subtitle: str
    sections: list[Section]
    lang: str


def _status(t: Translator, status: str) -> str:
    return {"optimal": t.gettext("proven optimal"),
            "feasible": t.gettext("not proven optimal: the solver stopped at a limit"),
            "relaxed": t.gettext("LP relaxation, not an allocation to implement"),
            "heuristic": t.gettext("allocated by a simple rule")}.get(status, status)


def _got(f: TownFacts, t: Translator, compact: bool = False) -> Section:
    section = Section("got", t.gettext("What it got"))
    if f.covered:
        others = len(f.group_towns) - 1
        section.li(
            t.gettext("A project lead: yes, {share} of a co-funded post").format(
                share=t.number(f.post_share, 2))
            + (t.gettext(" (its group, {group}, has {others} other eligible towns)").format(
                group=f.group, others=others) if others else "") + ".")
    else:
        section.li(t.gettext("A project lead: no."))
    section.li(t.gettext("Funding: {funding} (its cap: {cap}).").format(
        funding=t.eur(f.funding_eur), cap=t.eur(f.cap_eur)))
    section.li(t.gettext("Cerema expert-days: {days} (at most {limit} per town)."
                                     ).format(days=t.days(f.days), limit=t.days(f.max_days, 0)))
    if compact:
        section.add(Table(
            t.gettext("Funding and expert-days per theme"),
            [t.gettext("theme"), t.gettext("need (0 to 1)"), t.gettext("funding"),
             t.gettext("expert-days")],
            [[name(t, x.theme), t.number(x.need, 2), t.eur(x.funding_eur),
              t.number(x.days, 1)] for x in f.themes], [False, True, True, True]))
    else:
        section.add(Table(
            t.gettext("Funding and expert-days per theme"),
            [t.gettext("theme"), t.gettext("need (0 to 1)"), t.gettext("funding"),
             t.gettext("saturation"), t.gettext("expert-days"), t.gettext("saturation (days)")],
            [[name(t, x.theme), t.number(x.need, 2), t.eur(x.funding_eur),
              t.eur(x.saturation_eur), t.number(x.days, 1), t.number(x.saturation_days, 1)]
             for x in f.themes], [False, True, True, True, True, True]))
    if f.per_year is not None and len(f.per_year):
        section.add(Table(
            t.gettext("Per programme year"),
            [t.gettext("year"), t.gettext("funding"), t.gettext("expert-days")],
            [[str(year), t.eur(float(r["funding_eur"])), t.number(float(r["expert_days"]), 1)]
             for year, r in f.per_year.iterrows()], [False, True, True]))
    return section


def _standing(f: TownFacts, t: Translator, compact: bool = False) -> Section:
    section = Section("need", t.gettext("Its need and fragility, against other towns"))
    section.p(t.gettext(
        "Fragility {fragility} (0 to 1): higher than {region_pct} of the {region_n} towns of "
        "{region} and {nation_pct} of the {nation_n} towns of the allocation.").format(
        fragility=t.number(f.fragility, 2), region_pct=t.percent(f.fragility_percentile_region, 0),
        region_n=t.number(f.region_towns), region=f.region,
        nation_pct=t.percent(f.fragility_percentile_nation, 0), nation_n=t.number(f.nation_towns)))
    if not compact:
        section.add(Table(
            t.gettext("Need per theme: percentile among the towns of its region and of the "
                      "nation"),
            [t.gettext("theme"), t.gettext("need (0 to 1)"), t.gettext("region percentile"),
             t.gettext("national percentile")],
            [[name(t, x.theme), t.number(x.need, 2), t.percent(x.need_percentile_region, 0),
              t.percent(x.need_percentile_nation, 0)] for x in f.themes],
            [False, True, True, True]))
    items = [(t.gettext("fragility"), f.fragility_percentile_region,
              f.fragility_percentile_nation)]
    items += [(name(t, x.theme), x.need_percentile_region, x.need_percentile_nation)
              for x in f.themes]
    top = max(items[1:], key=lambda item: item[2]) if len(items) > 1 else items[0]
    alt = t.gettext("Chart of percentiles: fragility {fragility_pct} nationally; highest "
                    "need: {theme}, {theme_pct} nationally, {theme_region_pct} in its region."
                    ).format(fragility_pct=t.percent(items[0][2], 0), theme=top[0],
                             theme_pct=t.percent(top[2], 0), theme_region_pct=t.percent(top[1], 0))
    section.add(Chart(t.gettext("Where it stands (percentile: 50 % is the middle town)"),
                          items, t.gettext("in its region"), t.gettext("nationally"), alt))
    return section


def _limits(f: TownFacts, t: Translator) -> Section:
    title = (t.gettext("What limits it") if f.covered
             else t.gettext("What stood in the way"))
    section = Section("limits", title)
    if not f.covered and f.reason is not None:
        section.p(t.gettext("It has no project lead because {reason}.").format(
            reason=t.gettext(REASON_WORDS[f.reason])))
    own = [x for x in f.limits if x.scope == "town"]
    shared = [x for x in f.limits if x.scope == "common"]
    section.li(*(fill(t, LIMIT_WORDS[x.kind], x.values) for x in own))
    if shared:
        section.p(t.gettext("Limits shared with other towns, met exactly:"))
        section.li(*(fill(t, LIMIT_WORDS[x.kind], x.values) for x in shared))
    if not f.limits:
        section.p(t.gettext("No limit holds it exactly: what it got is what "
                                            "its need is worth against other towns' needs."))
    return section


def _next_euro(f: TownFacts, t: Translator) -> str:
    m = f.marginal
    theme = name(t, m.best_eur_theme) if m.best_eur_theme else ""
    if m.best_eur_theme is None:
        return t.gettext("Its next euro would bring nothing: every theme is at saturation.")
    value = t.gettext("Its next euro would bring {value} € of benefit (in theme {theme})"
                      ).format(value=t.number(m.best_eur_value, 3), theme=theme)
    if not f.covered:
        return value + t.gettext(" once it has a project lead; without one it can receive "
                                 "nothing.")
    if any(x.kind == "cap" for x in f.limits):
        return value + t.gettext(", but its cap stops it.")
    if m.national_eur_value is None:
        return value + "."
    national = t.number(m.national_eur_value, 3)
    gap = m.best_eur_value - m.national_eur_value
    if abs(gap) <= SAME_VALUE_RELATIVE * max(1.0, abs(m.national_eur_value)):
        return value + t.gettext(": the national marginal value of a euro, {national} €. It is "
                                 "funded up to the point where its next euro is worth what a "
                                 "euro is worth elsewhere.").format(national=national)
    if gap < 0:
        return value + t.gettext(", less than the national marginal value of a euro, {national} "
                                 "€: the next euro does more elsewhere.").format(national=national)
    return value + t.gettext(", more than the national marginal value of a euro, {national} €: "
                             "a limit listed above holds it back.").format(national=national)


def _next_day(f: TownFacts, t: Translator) -> str:
    m = f.marginal
    if m.best_day_theme is None:
        return t.gettext("Its next expert-day would bring nothing: every theme is at saturation.")
    value = t.gettext("Its next expert-day would bring {value} € of benefit (in theme {theme})"
                      ).format(value=t.number(m.best_day_value_eur, 0),
                               theme=name(t, m.best_day_theme))
    if not f.covered:
        return value + t.gettext(" once it has a project lead.")
    if m.directorate_day_value_eur is None:
        return value + "."
    return value + t.gettext("; one more day of {directorate}'s capacity is worth {price} € "
                             "there.").format(directorate=f.directorate,
                                              price=t.number(m.directorate_day_value_eur, 0))


def _counterfactual(c: Counterfactual, t: Translator) -> tuple[list[str], Table | None]:
    if c.method in ("not_computed", "infeasible"):
        what = (t.gettext("Covering it") if c.action == "cover"
                else t.gettext("Taking its post away"))
        reason = (t.gettext("no allocation meets every rule that way")
                  if c.method == "infeasible" else render(c.note, t))
        line = t.gettext("{what}: not computed ({reason}).").format(what=what, reason=reason)
        return [line], None
    assert c.change_keur is not None
    cost = -c.change_keur
    if c.action == "cover":
        sentence = (t.gettext("Covering it would cost the programme {cost} of benefit")
                    if cost >= 0 else t.gettext("Covering it would add {gain} of benefit"))
    else:
        sentence = (t.gettext("Taking its post away would cost the programme {cost} of benefit")
                    if cost >= 0 else t.gettext("Taking its post away would add {gain} of "
                                                "benefit"))
    text = sentence.format(cost=t.keur_eq(cost, 2), gain=t.keur_eq(-cost, 2))
    if c.method == "exact":
        text += t.gettext(" (re-solved with its coverage forced, at MIP gap 0, in {seconds} s)."
                          ).format(seconds=t.number(c.seconds, 1))
    else:
        text += t.gettext(" at most: a bound, not the exact figure (an LP keeping every other "
                          "town's posts and coverage as decided; an exact re-solve at this "
                          "scale takes minutes).")
    lines = [text]
    table = None
    if c.moves is not None and len(c.moves):
        lines.append(t.gettext("What moves elsewhere (the towns whose allocation changes most):"))
        table = Table(t.gettext("Towns whose allocation changes most"),
                      [t.gettext("town"), t.gettext("region"), t.gettext("funding change"),
                       t.gettext("expert-days change"), t.gettext("project lead")],
                      [[f"{r['name']} ({code})", str(r["region"]),
                        _signed(t.eur(float(r["funding_change_eur"])),
                                float(r["funding_change_eur"])),
                        _signed(t.number(float(r["days_change"]), 1), float(r["days_change"])),
                        _lead_change(t, float(r["covered_a"]), float(r["covered_b"]))]
                       for code, r in c.moves.iterrows()],
                      [False, False, True, True, False])
    return lines, table


def _signed(text: str, value: float) -> str:
    """A change with its sign: ``+10 000 €``, ``-2,5`` (zero unsigned)."""
    return "+" + text if value > 0 and not text.lstrip("€").startswith("0") else text


def _lead_change(t: Translator, before: float, after: float) -> str:
    if before > 0.5 and after < 0.5:
        return t.gettext("loses it")
    if before < 0.5 and after > 0.5:
        return t.gettext("gains one")
    return t.gettext("keeps it") if after > 0.5 else t.gettext("none")


def _change(page: TownPage, f: TownFacts, t: Translator) -> Section:
    section = Section("change", t.gettext("What would change it"))
    section.li(_next_euro(f, t), _next_day(f, t))
    if f.marginal.basis:
        section.p(t.gettext("National marginal values: shadow prices of the {basis}."
                                            ).format(basis=basis(t, f.marginal.basis)))
    if page.counterfactual is not None:
        lines, table = _counterfactual(page.counterfactual, t)
        section.li(lines[0])
        for line in lines[1:]:
            section.p(line)
        if table is not None:
            section.add(table)
    return section


def _excluded(page: TownPage, t: Translator) -> Document:
    x = page.exclusion
    assert x is not None
    section = Section("excluded", t.gettext("Why it is not among the scenario's towns"))
    section.p(t.gettext("{name} ({insee}, department {department}, {population} "
                                        "inhabitants) is not eligible in scenario {scenario}:"
                                        ).format(name=x.name, insee=x.insee,
                                                 department=x.department,
                                                 population=t.number(x.population),
                                                 scenario=page.scenario_name))
    section.li(*(fill(t, EXCLUSION_WORDS[kind], values) for kind, values in x.reasons))
    return Document(t.gettext("{name} ({insee}): not eligible").format(name=x.name, insee=x.insee),
                    t.gettext("Scenario {scenario}").format(scenario=page.scenario_name),
                    [section], t.language)


def page_content(page: TownPage, t: Translator, *, compact: bool = False) -> Document:
    """The town page as a :class:`Document` in ``t``'s language.

    ``compact`` (the report's town pages): the need table and saturations are left to the
    chart and the full page, which ``pvd-optim explain`` writes.
    """
    if page.facts is None:
        return _excluded(page, t)
    f = page.facts
    subtitle = t.gettext("Allocation {label} of scenario {scenario} ({status}); {department}, "
                         "{region}; {population} inhabitants.").format(
        label=f.allocation_label, scenario=page.scenario_name, status=_status(t, f.status),
        department=f.department, region=f.region, population=t.number(f.population))
    sections = [_got(f, t, compact), _standing(f, t, compact), _limits(f, t),
                _change(page, f, t)]
    return Document(t.gettext("{name} ({insee}): why it got what it got").format(
        name=f.name, insee=f.insee), subtitle, sections, t.language)
