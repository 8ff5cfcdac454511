"""The comparison as one self-contained HTML page (inline CSS and SVG, nothing from the network).

The page is a list of sections (:data:`SECTIONS`), each a function of the
comparison and the page's context; a new view is one more entry. It opens with
its conclusion in words (:mod:`.conclusion`), then the metrics, the maps of
regions and departments, the town-level views (:mod:`.towns`), the regional
deviations, the towns that change most and the input differences. Everything
is in the reader's language (``lang``: French or English, see
:mod:`pvd_optim.i18n`), numbers formatted for people. The one script is the
town table's search box; without it the page works whole.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from pvd_optim import i18n
from pvd_optim.report import svg
from pvd_optim.report.areas import LEVELS, MEASURES
from pvd_optim.report.conclusion import conclusion, constant_metrics
from pvd_optim.report.labels import column_label, metric_label
from pvd_optim.report.tables import Comparison
from pvd_optim.town.html import CSS as TOWN_CSS
from pvd_optim.town.html import attribution

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.i18n import Translator

CSS = TOWN_CSS + """
main{max-width:1400px;padding:1rem 2rem;box-sizing:border-box}
h3{margin-top:1.5rem}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}
.scroll,.table-box{overflow-x:auto;max-width:100%}
td.best{background:#dff3df;font-weight:600}
table.metrics{table-layout:fixed;width:100%}
table.metrics th,table.metrics td{overflow-wrap:anywhere}
table.metrics th.metric{width:17rem}
table.metrics .unit{display:block;font-weight:normal;color:#595959;font-size:.85em}
.grid{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
figure{margin:0;max-width:100%}figcaption{font-size:.85rem;color:#444;max-width:300px}
figure.map svg{width:260px;height:auto}
figure.town-map svg{width:640px;max-width:100%;height:auto}
figure.town-map figcaption{max-width:640px}
svg .unit{fill:#595959}
svg use{stroke:#fff;stroke-width:.4}svg.choropleth use:hover{stroke:#000;stroke-width:1}
svg.towns-map use{stroke:#9a9a9a;stroke-width:.3}
path{fill-rule:evenodd}
rect.bar{fill:#5b8fc7}rect.best{fill:#1a6e30}
.note{background:#fff6d6;border-left:4px solid #b07d00;padding:.4rem .8rem}
.conclusion{background:#f4f7fb;border-left:4px solid #1f4e8c;padding:.2rem 1rem}
.town-page{display:none;border-top:3px solid #1f4e8c;margin-top:1.5rem}
.town-page:target{display:block}
.town-table{max-height:32rem;overflow-y:auto}
"""


@dataclass(frozen=True, eq=False)
class Context:
    """What every section may use: the translator and the map outlines."""

    t: Translator
    layers: dict[str, svg.Layer]


def _cell(value: Any, t: Translator) -> tuple[str, str]:
    """Formatted text and CSS class of a table cell."""
    if isinstance(value, bool):
        return (t.gettext("yes") if value else t.gettext("no")), "text"
    if isinstance(value, int | float) or (
            hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf"):
        return t.compact(float(value)), "num"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–", "num"
    return str(value), "text"


def table_html(frame: pd.DataFrame, t: Translator, *, index: bool = False,
               caption: str | None = None) -> str:
    """A DataFrame as an accessible HTML table, headers in the reader's language."""
    frame = frame.reset_index() if index else frame
    head = "".join(
        f'<th scope="col"{"" if frame[c].dtype.kind not in "iuf" else " class=num"}>'
        f"{escape(column_label(t, str(c)) or str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for value in record:
            text, cls = _cell(value, t)
            cells.append(f'<td class="{cls}">{escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _breakable(label: str) -> str:
    """A label that may wrap after ``/`` and ``_`` (long strategy names in narrow columns)."""
    return escape(label).replace("/", "/<wbr>").replace("_", "_<wbr>")


def _conclusion_section(c: Comparison, ctx: Context) -> str:
    t = ctx.t
    found = conclusion(c, t)
    return ('<section id="conclusion" class="conclusion">'
            f"<h2>{escape(t.gettext('Conclusion'))}</h2>"
            + "".join(f"<p>{escape(s)}</p>" for s in found.sentences)
            + "".join(f"<p>{escape(s)}</p>" for s in found.tradeoffs)
            + f"<p>{escape(t.gettext('Best allocation on each metric that differs:'))}</p><ul>"
            + "".join(f"<li>{escape(s)}</li>" for s in found.best) + "</ul></section>")


def _metrics_section(c: Comparison, ctx: Context) -> str:
    t = ctx.t
    metrics = c.metrics
    best = c.best
    same = set(constant_metrics(c))
    varying = [k for k in metrics.columns if k not in same]
    header = [f'<th scope="col" class="metric">{escape(t.gettext("metric"))}</th>']
    header += [f'<th scope="col" class="num">{_breakable(str(label))}</th>'
               for label in metrics.index]
    rows = []
    for key in varying:
        label, unit = metric_label(t, key)
        better = c.metric_info(key)[2]
        arrow = {"higher": " ↑", "lower": " ↓"}.get(better or "", "")
        cells = [f'<th scope="row">{escape(label)}{arrow}<span class="unit">{escape(unit)}'
                 "</span></th>"]
        for allocation_label, value in metrics[key].items():
            text, _ = _cell(value, t)
            if allocation_label in best.get(key, ()):
                cells.append(f'<td class="num best">{escape(text)} <span aria-label="'
                             f'{escape(t.gettext("best"))}">★</span></td>')
            else:
                cells.append(f'<td class="num">{escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = t.gettext("Metrics of each allocation (★ best; ↑ higher is better, ↓ lower is "
                        "better)")
    table = (f'<div class="scroll"><table class="metrics"><caption>{escape(caption)}</caption>'
             f'<thead><tr>{"".join(header)}</tr></thead><tbody>{"".join(rows)}</tbody>'
             "</table></div>")
    constant = "".join(
        f"<li>{escape(metric_label(t, k)[0])}: {escape(_cell(metrics[k].iloc[0], t)[0])} "
        f"{escape(metric_label(t, k)[1])}</li>" for k in metrics.columns if k in same)
    charts = []
    for key in varying:
        label, unit = metric_label(t, key)
        values = [float(v) if v is not None else math.nan for v in metrics[key].tolist()]
        charts.append(svg.bar_chart([str(x) for x in metrics.index], values, title=label,
                                    unit=unit, best=best.get(key, ())))
    return (f'<section id="metrics"><h2>{escape(t.gettext("Metrics"))}</h2>' + table
            + (f"<h3>{escape(t.gettext('The same in every allocation'))}</h3><ul>{constant}"
               "</ul>" if constant else "")
            + f"<h3>{escape(t.gettext('Each metric that differs'))}</h3>"
            + f'<div class="grid">{"".join(charts)}</div>'
            + f"<h3>{escape(t.gettext('Totals'))}</h3>" + table_html(c.summary, t)
            + (f"<h3>{escape(t.gettext('Totals per programme year'))}</h3>"
               + table_html(c.summary_by_year, t) if c.has_years else "")
            + "</section>")


def _measure_words(t: Translator, key: str) -> tuple[str, str]:
    words = {"funding_per_inhabitant": (t.gettext("Funding per inhabitant"), t.gettext("EUR")),
             "days_per_10k_inhabitants": (t.gettext("Expert-days per 10,000 inhabitants"),
                                          t.gettext("days")),
             "posts_per_10_towns": (t.gettext("Project-lead posts per 10 eligible towns"),
                                    t.gettext("posts"))}
    return words.get(key, (key, ""))


def _extremes(t: Translator, layer: svg.Layer, values: dict[str, float], unit: str) -> str:
    finite = {k: v for k, v in values.items() if v is not None and math.isfinite(v)}
    if not finite:
        return t.gettext("no value")
    low = min(finite, key=lambda k: finite[k])
    high = max(finite, key=lambda k: finite[k])
    return t.gettext("highest {high} ({high_value} {unit}), lowest {low} ({low_value} {unit})"
                     ).format(high=layer.names.get(high, high), high_value=t.compact(finite[high]),
                              low=layer.names.get(low, low), low_value=t.compact(finite[low]),
                              unit=unit)


def _maps_section(c: Comparison, ctx: Context) -> str:
    t = ctx.t
    parts = [f'<section id="maps"><h2>{escape(t.gettext("Maps"))}</h2><p>'
             + escape(t.gettext("Per region and department, over the eligible towns' population "
                                "(funding, days) or number (posts). One colour scale per row so "
                                "the allocations compare; grey: no eligible town.")) + "</p>"]
    level_words = {"region": t.gettext("Regions"), "department": t.gettext("Departments")}
    for level in LEVELS:
        layer = ctx.layers[level]
        areas = c.areas(level)
        parts.append(f"<h3>{escape(level_words[level])}</h3>")
        for measure in MEASURES:
            label, unit = _measure_words(t, measure.key)
            all_values = [v for frame in areas.values() for v in frame[measure.key].tolist()]
            scale = svg.Scale.sequential(all_values)
            maps = []
            for name, frame in areas.items():
                values = dict(zip(frame["code"], frame[measure.key], strict=True))
                title = f"{name}: {label}"
                alt = f"{title}; {_extremes(t, layer, values, unit)}"
                maps.append(svg.choropleth(layer, values, scale, title=title, unit=unit,
                                           alt=alt))
            parts.append(f"<h4>{escape(label)}</h4>" + scale.legend(unit)
                         + f'<div class="grid">{"".join(maps)}</div>')
        diffs = c.area_differences(level)
        if diffs:
            parts.append("<h3>" + escape(t.gettext("Differences: {level} (second minus first)"
                                                   ).format(level=level_words[level])) + "</h3>")
            for measure in MEASURES:
                label, unit = _measure_words(t, measure.key)
                key = f"{measure.key}_change"
                scale = svg.Scale.diverging(
                    [v for frame in diffs.values() for v in frame[key].tolist()])
                maps = []
                for (x, y), frame in diffs.items():
                    values = dict(zip(frame["code"], frame[key], strict=True))
                    title = t.gettext("{b} minus {a}: {measure}").format(a=x, b=y, measure=label)
                    maps.append(svg.choropleth(layer, values, scale, title=title, unit=unit,
                                               alt=f"{title}; {_extremes(t, layer, values, unit)}"))
                parts.append("<h4>" + escape(t.gettext("Change: {measure}").format(
                    measure=label)) + "</h4>" + scale.legend(unit)
                             + f'<div class="grid">{"".join(maps)}</div>')
    parts.append("</section>")
    return "".join(parts)


def _deviation_section(c: Comparison, ctx: Context) -> str:
    t = ctx.t
    deviation = c.deviation
    parts = ['<section id="deviation"><h2>' + escape(t.gettext(
        "Regional deviation from the fair share")) + "</h2><p>" + escape(t.gettext(
        "Relative deviation of each region's share from its fair share ((used − fair) / fair); "
        "red below, blue above.")) + "</p>"]
    resource_words = {"funding": t.gettext("funding"), "days": t.gettext("expert-days"),
                      "towns": t.gettext("covered towns")}
    for resource, group in deviation.groupby("resource", sort=False):
        # An allocation balanced year by year has one column per year ("label 2021").
        group = group.assign(column=[
            label if len(c.allocation(label).calendar) == 1 and period == str(
                c.allocation(label).calendar[0]) else f"{label} {period}"
            for label, period in zip(group["label"], group["period"], strict=True)])
        wide = group.pivot_table(index=["region_code", "region_name"], columns="column",
                                 values="relative_deviation", sort=False)
        order = list(dict.fromkeys(group["column"]))
        wide = wide[[x for x in order if x in wide.columns]]
        scale = svg.Scale.diverging(list(wide.to_numpy().ravel()))
        head = (f'<th scope="col">{escape(t.gettext("region"))}</th>'
                + "".join(f'<th scope="col" class="num">{_breakable(str(x))}</th>'
                          for x in wide.columns))
        rows = []
        for (code, name), values in zip(wide.index.tolist(), wide.itertuples(index=False),
                                        strict=True):
            cells = [f'<th scope="row">{escape(str(name))} ({escape(str(code))})</th>']
            for value in values:
                colour = scale.colour(value)
                text = t.percent(value, 1, signed=True)
                cells.append(f'<td class="num" style="background:{colour}">{escape(text)}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        title = resource_words.get(str(resource), str(resource))
        parts.append(f"<h3>{escape(title.capitalize())}</h3>"
                     f'<div class="scroll"><table class="deviation"><caption>{escape(title)}'
                     f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
                     "</table></div>")
    parts.append("</section>")
    return "".join(parts)


def _changes_section(c: Comparison, ctx: Context) -> str:
    t = ctx.t
    changes = c.town_changes
    parts = ['<section id="towns"><h2>' + escape(t.gettext(
        "The {n} towns whose allocation changes most").format(n=c.top_n)) + "</h2>"]
    if not changes:
        parts.append('<p class="muted">' + escape(t.gettext(
            "Nothing to compare: one allocation, or no pair over the same towns (see the "
            "notes).")) + "</p>")
    for (x, y), frame in changes.items():
        parts.append(f"<h3>{escape(x)} → {escape(y)}</h3>"
                     + table_html(frame, t, index=frame.index.name is not None))
    parts.append("</section>")
    return "".join(parts)


def _inputs_section(c: Comparison, ctx: Context) -> str:
    t = ctx.t
    frame = c.scenario_differences
    users = c.scenario_users
    parts = ['<section id="inputs"><h2>' + escape(t.gettext(
        "Input differences between scenarios")) + "</h2>"]
    if users:
        parts.append("<ul>" + "".join(
            f"<li><b>{escape(name)}</b>: {escape(', '.join(labels))}</li>"
            for name, labels in users.items()) + "</ul>")
    if len(users) < 2:
        parts.append('<p class="muted">' + escape(
            t.gettext("All allocations with a known scenario come from the same scenario: no "
                      "input differs.") if users else
            t.gettext("No scenario known for these allocations.")) + "</p>")
    elif frame.empty:
        parts.append("<p>" + escape(t.gettext("The scenarios differ only in their file "
                                              "location.")) + "</p>")
    else:
        parts.append(table_html(frame, t))
    parts.append("</section>")
    return "".join(parts)


def _collective_section(c: Comparison, ctx: Context) -> str:
    from pvd_optim.report.collective import collective_section

    return collective_section(c, ctx.t)


def _town_views_section(c: Comparison, ctx: Context) -> str:
    from pvd_optim.report.towns import towns_section

    return towns_section(c, ctx.t)


Renderer = Callable[[Comparison, Context], str]
#: The page's sections in order: (anchor, navigation label, renderer). Extend by appending.
SECTIONS: list[tuple[str, str, Renderer]] = [
    ("conclusion", i18n.N_("Conclusion"), _conclusion_section),
    ("metrics", i18n.N_("Metrics"), _metrics_section),
    ("maps", i18n.N_("Maps"), _maps_section),
    ("town-views", i18n.N_("Towns"), _town_views_section),
    ("deviation", i18n.N_("Regional deviation"), _deviation_section),
    ("towns", i18n.N_("Town changes"), _changes_section),
    ("inputs", i18n.N_("Input differences"), _inputs_section),
    ("collective", i18n.N_("Collective actions"), _collective_section),
]


def render_html(c: Comparison, *, title: str | None = None, lang: str | None = None) -> str:
    """The whole report as one HTML document (UTF-8 text), in ``lang`` (default: the run's)."""
    language = lang or i18n.active().language
    with i18n.using(language) as t:
        layers = {level: svg.load_layer(level) for level in LEVELS}
        ctx = Context(t, layers)
        title = title or t.gettext("Allocation comparison: {labels}").format(
            labels=", ".join(c.labels))
        # Sections are rendered first: the town section may add notes.
        body = [render(c, ctx) for _, _, render in SECTIONS]
        notes = "".join(f'<p class="note">{escape(n)}</p>' for n in c.notes)
        allocations = "".join(
            "<li>" + escape(t.gettext("{label}: scenario {scenario}, {status}, {n} eligible "
                                      "towns").format(label=a.label, scenario=a.scenario_name,
                                                      status=a.status,
                                                      n=t.number(a.inputs.n_towns))) + "</li>"
            for a in c.allocations)
        nav = "".join(f'<li><a href="#{key}">{escape(t.gettext(label))}</a></li>'
                      for key, label, _ in SECTIONS)
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        intro = t.gettext("pvd-optim, {generated}. The first allocation is the reference for "
                          "differences.").format(generated=generated)
        return (
            f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f'<a class="skip" href="#conclusion">{escape(t.gettext("Skip to the conclusion"))}'
            "</a>" + svg.defs(list(layers.values()))
            + f'<main><h1>{escape(title)}</h1><p class="muted">{escape(intro)}</p>'
            f'<nav aria-label="{escape(t.gettext("Sections"))}"><ul>{nav}</ul></nav>'
            f"<ul>{allocations}</ul>{notes}"
            + "".join(body)
            + f"<footer><p>{escape(attribution(t))} "
            + escape(t.gettext("Overseas regions are moved beside the mainland for display."))
            + "</p></footer></main></body></html>\n")
