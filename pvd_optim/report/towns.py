"""Town-level views of the comparison: maps of towns, a searchable table, a page per town.

The pages are those of the towns of interest: every town the reference (first)
allocation leaves uncovered and the towns whose allocation changes most in each
compared pair. Each is a section shown when its address is opened
(``report.html#town-01350``, CSS ``:target``), linked from the maps' dots and
from the table; the search box filters the table with a small inline script,
and without it the table is whole and the links work. Dots are placed
schematically inside their department (:mod:`.dots`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.inputs import EUR_PER_UNIT
from pvd_optim.report import svg
from pvd_optim.report.areas import department_codes
from pvd_optim.report.dots import town_positions

if TYPE_CHECKING:
    from pvd_optim.i18n import Translator
    from pvd_optim.report.tables import Comparison
    from pvd_optim.results import Allocation

#: Above this many towns the table lists only the towns of interest (a page stays light).
TABLE_MAX_TOWNS = 5_000
#: At most this many town pages in one report.
MAX_PAGES = 400
UNCOVERED_STROKE = "#1e1e1e"

SEARCH_SCRIPT = (
    "(function(){var i=document.getElementById('town-search'),c=document.getElementById("
    "'town-count');if(!i)return;i.parentNode.hidden=false;var rows=Array.prototype.slice.call("
    "document.querySelectorAll('#town-table tbody tr'));function n(s){return s.normalize('NFD')"
    ".replace(/[\\u0300-\\u036f]/g,'').toLowerCase();}var keys=rows.map(function(r){return n("
    "r.textContent);});i.addEventListener('input',function(){var q=n(i.value.trim()),shown=0;"
    "rows.forEach(function(r,k){var ok=!q||keys[k].indexOf(q)>=0;r.hidden=!ok;if(ok)shown++;});"
    "c.textContent=shown;});})();")


def _departments(a: Allocation) -> list[str]:
    info = a.town_info
    if info is not None and "department" in info.columns:
        return info["department"].reindex(list(a.inputs.town_codes)).fillna("").astype(
            str).tolist()
    return department_codes(a.inputs.town_codes).tolist()


def towns_of_interest(c: Comparison) -> list[str]:
    """INSEE codes with a page: uncovered in the reference, then the largest changes."""
    reference = c.allocations[0]
    inp = reference.inputs
    codes = [inp.town_codes[i] for i in np.flatnonzero(reference.arrays.covered < 0.5)]
    for frame in c.town_changes.values():
        codes += [str(code) for code in frame.index]
    known = set(inp.town_codes)
    return [code for code in dict.fromkeys(codes) if code in known][:MAX_PAGES]


def _dot(code: str, x: float, y: float, colour: int, title: str, *, linked: bool,
         outlined: bool = False) -> str:
    """One town: class ``k<i>`` is colour ``i`` of the map's palette, ``k-`` an open circle."""
    cls = f"k{colour}" if colour >= 0 else "k-"
    if outlined:
        cls += " o"
    circle = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{2.2 if outlined else 1.6}" '
              f'class="{cls}"><title>{escape(title)}'
              "</title></circle>")
    return f'<a href="#town-{code}">{circle}</a>' if linked else circle


def _map(layer: svg.Layer, dots: list[str], palette: tuple[str, ...], *, title: str,
         alt: str) -> str:
    outlines = "".join(f'<use href="#{layer.element_id(code)}" fill="#f2f2f2"/>'
                       for code in layer.paths)
    style = ("".join(f".k{i}{{fill:{c}}}" for i, c in enumerate(palette))
             + f".k-{{fill:#fff;stroke:{UNCOVERED_STROKE};stroke-width:.6}}"
             f".o{{stroke:{UNCOVERED_STROKE};stroke-width:.9}}")
    return (f'<figure class="town-map"><svg class="towns-map" viewBox="0 0 {layer.width:.0f} '
            f'{layer.height:.0f}" role="img" aria-label="{escape(alt)}"><title>{escape(alt)}'
            f"</title><style>{style}</style>{outlines}{''.join(dots)}</svg><figcaption>"
            f"{escape(title)}</figcaption></figure>")


def _class(scale: svg.Scale, value: float) -> int:
    colour = scale.colour(value)
    return scale.palette.index(colour) if colour in scale.palette else -1


def town_maps(c: Comparison, t: Translator, pages: set[str]) -> str:
    """What each town got in the reference allocation, and what changed in the first pair."""
    layer = svg.load_layer("department")
    reference = c.allocations[0]
    inp = reference.inputs
    positions = town_positions(layer, inp.town_codes, _departments(reference))
    funding = reference.arrays.funding_keur.sum(axis=1) * EUR_PER_UNIT
    with np.errstate(invalid="ignore", divide="ignore"):
        head = np.where(inp.population > 0, funding / inp.population, np.nan)
    covered = reference.arrays.covered > 0.5
    scale = svg.Scale.sequential(head[covered].tolist())
    dots = []
    for i, code in enumerate(inp.town_codes):
        if code not in positions:
            continue
        x, y = positions[code]
        text = (t.gettext("{name} ({code}): {value}").format(
            name=inp.town_names[i], code=code, value=t.eur(float(head[i]), 2)) if covered[i]
            else t.gettext("{name} ({code}): no project lead").format(name=inp.town_names[i],
                                                                      code=code))
        dots.append(_dot(code, x, y, _class(scale, float(head[i])) if covered[i] else -1,
                         text, linked=code in pages))
    finite = head[covered & np.isfinite(head)]
    alt = t.gettext(
        "Map of the {n} towns of {label}, each a dot inside its department (placed "
        "schematically): {covered} with a project lead, coloured by funding per inhabitant "
        "from {low} to {high}; {uncovered} without, as white circles.").format(
        n=t.number(inp.n_towns), label=reference.label, covered=t.number(int(covered.sum())),
        low=t.eur(float(finite.min()) if len(finite) else 0.0, 2),
        high=t.eur(float(finite.max()) if len(finite) else 0.0, 2),
        uncovered=t.number(int((~covered).sum())))
    parts = [f"<h3>{escape(t.gettext('What each town got'))}</h3>",
             scale.legend(t.gettext("EUR per inhabitant")),
             f'<p class="muted">{escape(t.gettext("White circle: no project lead. Dots are placed inside their department, not at the town itself (the data has no town coordinates)."))}</p>',  # noqa: E501
             _map(layer, dots, scale.palette,
                  title=t.gettext("{label}: funding per inhabitant of each town").format(
                      label=reference.label), alt=alt)]
    if c.pairs:
        x_label, y_label = c.pairs[0]
        parts.append(_change_map(c, t, layer, x_label, y_label, pages))
    return "".join(parts)


def _change_map(c: Comparison, t: Translator, layer: svg.Layer, x_label: str, y_label: str,
                pages: set[str]) -> str:
    a, b = c.allocation(x_label), c.allocation(y_label)
    if a.inputs.town_codes != b.inputs.town_codes:
        return ""
    inp = a.inputs
    positions = town_positions(layer, inp.town_codes, _departments(a))
    change = (b.arrays.funding_keur.sum(axis=1) - a.arrays.funding_keur.sum(axis=1)
              ) * EUR_PER_UNIT
    lead_changed = (a.arrays.covered > 0.5) != (b.arrays.covered > 0.5)
    scale = svg.Scale.diverging(change.tolist())
    dots = []
    for i, code in enumerate(inp.town_codes):
        if code not in positions:
            continue
        x, y = positions[code]
        text = t.gettext("{name} ({code}): {value}").format(
            name=inp.town_names[i], code=code, value=_signed_eur(t, float(change[i])))
        if lead_changed[i]:
            text += " · " + (t.gettext("gains a project lead") if b.arrays.covered[i] > 0.5
                             else t.gettext("loses its project lead"))
        dots.append(_dot(code, x, y, _class(scale, float(change[i])), text,
                         linked=code in pages, outlined=bool(lead_changed[i])))
    moved = int((np.abs(change) > 0.5).sum())
    alt = t.gettext("Map of the change from {a} to {b} for each town, placed schematically "
                    "inside its department: {moved} towns see their funding change (red less, "
                    "blue more), {leads} gain or lose a project lead (outlined dots).").format(
        a=x_label, b=y_label, moved=t.number(moved), leads=t.number(int(lead_changed.sum())))
    heading = t.gettext("What changed from {a} to {b}").format(a=x_label, b=y_label)
    title = t.gettext("{b} minus {a}: funding of each town").format(a=x_label, b=y_label)
    return (f"<h3>{escape(heading)}</h3>" + scale.legend(t.gettext("EUR"))
            + _map(layer, dots, scale.palette, title=title, alt=alt))


def _signed_eur(t: Translator, value: float) -> str:
    text = t.eur(value)
    return ("+" + text) if value >= 0.5 else text


def town_table(c: Comparison, t: Translator, pages: set[str]) -> str:
    """Every town of the reference (or the towns of interest, at large scale), searchable."""
    reference = c.allocations[0]
    inp = reference.inputs
    departments = _departments(reference)
    indices: list[int] = list(range(inp.n_towns))
    note = ""
    if inp.n_towns > TABLE_MAX_TOWNS:
        indices = [i for i, code in enumerate(inp.town_codes) if code in pages]
        note = t.gettext("{n} towns: only those with a page are listed.").format(
            n=t.number(inp.n_towns))
    funding = reference.arrays.funding_keur.sum(axis=1) * EUR_PER_UNIT
    rows = []
    for i in indices:
        code = inp.town_codes[i]
        name = escape(inp.town_names[i])
        cell = f'<a href="#town-{code}">{name}</a>' if code in pages else name
        lead = t.gettext("yes") if reference.arrays.covered[i] > 0.5 else t.gettext("no")
        rows.append(f'<tr><th scope="row">{cell}</th><td>{code}</td><td>{departments[i]}</td>'
                    f'<td>{lead}</td><td class="num">{t.eur(float(funding[i]))}</td></tr>')
    header = "".join(f'<th scope="col"{cls}>{escape(h)}</th>' for h, cls in (
        (t.gettext("town"), ""), (t.gettext("INSEE code"), ""), (t.gettext("department"), ""),
        (t.gettext("project lead"), ""), (t.gettext("funding"), ' class="num"')))
    search = (f'<p class="search" hidden><label for="town-search">'
              f"{escape(t.gettext('Search a town (name, INSEE code or department):'))}</label> "
              '<input type="search" id="town-search" aria-controls="town-table" '
              f'autocomplete="off"> <span aria-live="polite"><span id="town-count">'
              f"{len(rows)}</span> {escape(t.gettext('towns shown'))}</span></p>")
    caption = t.gettext("Towns of {label}: a link opens the town's page").format(
        label=reference.label)
    return (f"<h3>{escape(t.gettext('Find a town'))}</h3>"
            + (f'<p class="muted">{escape(note)}</p>' if note else "") + search
            + f'<div class="table-box town-table"><table id="town-table"><caption>'
            f"{escape(caption)}</caption><thead><tr>{header}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>"
            + f"<script>{SEARCH_SCRIPT}</script>")


def town_pages(c: Comparison, t: Translator, codes: list[str]) -> str:
    """One section per town of interest, shown when its address is opened."""
    from pvd_optim.town.content import Table, page_content
    from pvd_optim.town.facts import town_facts
    from pvd_optim.town.html import document_body, table_html
    from pvd_optim.town.page import TownPage

    reference = c.allocations[0]
    back = escape(t.gettext("Back to the table of towns"))
    out = []
    for code in codes:
        facts = town_facts(reference, code)
        document = page_content(TownPage(code, reference.scenario_name, facts=facts), t,
                                compact=True)
        rows = []
        for a in c.allocations:
            if code not in a.inputs.town_codes:
                continue
            i = a.inputs.town_codes.index(code)
            rows.append([a.label, t.gettext("yes") if a.arrays.covered[i] > 0.5 else
                         t.gettext("no"), t.eur(float(a.arrays.funding_keur[i].sum()
                                                      * EUR_PER_UNIT)),
                         t.number(float(a.arrays.days[i].sum()), 1)])
        each = table_html(Table(t.gettext("In each allocation"),
                                [t.gettext("allocation"), t.gettext("project lead"),
                                 t.gettext("funding"), t.gettext("expert-days")],
                                rows, [False, False, True, True]))
        out.append(f'<section class="town-page" id="town-{code}">'
                   + document_body(document, t, level=3) + each
                   + f'<p><a href="#town-table">{back}</a></p></section>')
    return "".join(out)


def towns_section(c: Comparison, t: Translator) -> str:
    """The whole town-level part of the report."""
    codes = towns_of_interest(c)
    pages = set(codes)
    intro = t.gettext("{n} town pages: every town without a project lead in {label} and the "
                      "towns whose allocation changes most. Open one from a map or the table."
                      ).format(n=t.number(len(codes)), label=c.allocations[0].label)
    return ('<section id="town-views">'
            f"<h2>{escape(t.gettext('Towns'))}</h2><p>{escape(intro)}</p>"
            + town_maps(c, t, pages) + town_table(c, t, pages) + town_pages(c, t, codes)
            + "</section>")

