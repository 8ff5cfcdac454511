"""The comparison as one self-contained HTML page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from pvd_optim.report import svg
from pvd_optim.report.tables import LEVELS, MEASURES, Comparison

if TYPE_CHECKING:
    import pandas as pd

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222}
main{max-width:1400px;margin:0 auto;padding:1rem 2rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #225ea8;padding-bottom:.2rem;margin-top:2.5rem}
h3{margin-top:1.5rem}
nav a{margin-right:1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right;vertical-align:top}
th{background:#f0f3f8}td.text,th.text{text-align:left}
td.best{background:#dff3df;font-weight:600}
table.metrics td.text{white-space:nowrap}
.scroll{overflow-x:auto}
.grid{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
figure{margin:0}figcaption{font-size:.85rem;color:#444;max-width:300px}
figure.map svg{width:260px;height:auto}
svg text{font-size:10px;fill:#222}svg .unit{fill:#555}
svg use{stroke:#fff;stroke-width:.4}svg use:hover{stroke:#000;stroke-width:1}
path{fill-rule:evenodd}
rect.bar{fill:#7fa7d6}rect.best{fill:#1a7f37}
.note{background:#fff6d6;border-left:4px solid #e0a800;padding:.4rem .8rem}
.muted{color:#666}
footer{margin-top:3rem;font-size:.8rem;color:#555}
"""


def _cell(value: Any) -> tuple[str, str]:
    """Formatted text and CSS class of a table cell."""
    if isinstance(value, bool):
        return ("yes" if value else "no"), "text"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return svg.number(float(value)), ""
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf":
        return svg.number(float(value)), ""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–", ""
    return str(value), "text"


def table_html(frame: pd.DataFrame, *, index: bool = False, css_class: str = "data",
               highlight: dict[tuple[int, str], str] | None = None) -> str:
    """A DataFrame as an HTML table; ``highlight`` maps (row, column) to a cell class."""
    frame = frame.reset_index() if index else frame
    head = "".join(f'<th class="text">{escape(str(c))}</th>' if frame[c].dtype.kind not in "iuf"
                   else f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, record in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            text, cls = _cell(value)
            extra = (highlight or {}).get((i, column))
            cls = " ".join(c for c in (cls, extra) if c)
            cells.append(f'<td class="{cls}">{escape(text)}</td>' if cls
                         else f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table class="{css_class}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _metrics_section(c: Comparison) -> str:
    metrics = c.metrics
    best = c.best
    # Metrics down, allocations across: there are many more metrics than allocations.
    header = ['<th class="text">metric</th>', '<th class="text">unit</th>']
    header += [f"<th>{escape(str(label))}</th>" for label in metrics.index]
    rows = []
    for key in metrics.columns:
        label, unit, better, description = c.metric_info(key)
        arrow = {"higher": " ↑", "lower": " ↓"}.get(better or "", "")
        cells = [f'<td class="text" title="{escape(description)}">{escape(label)}{arrow}</td>',
                 f'<td class="text muted">{escape(unit)}</td>']
        for allocation_label, value in metrics[key].items():
            text, _ = _cell(value)
            if allocation_label in best.get(key, ()):
                cells.append(f'<td class="best" title="best">{escape(text)} ★</td>')
            else:
                cells.append(f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table = (f'<div class="scroll"><table class="metrics"><thead><tr>{"".join(header)}</tr>'
             f"</thead><tbody>{''.join(rows)}</tbody></table></div>")
    charts = []
    for key in metrics.columns:
        label, unit, better, description = c.metric_info(key)
        values = [float(v) if v is not None else math.nan for v in metrics[key].tolist()]
        charts.append(svg.bar_chart([str(x) for x in metrics.index], values, title=label,
                                    unit=unit, best=best.get(key, ())))
    return ('<section id="metrics"><h2>Metrics</h2><p>★ marks the best value of each metric, '
            "in every allocation that reaches it (↑ higher is better, ↓ lower is better; "
            "no mark when neither is better).</p>"
            + table + "<h3>Each metric</h3>" + f'<div class="grid">{"".join(charts)}</div>'
            + "<h3>Totals</h3>" + table_html(c.summary)
            + ("<h3>Totals per programme year</h3>" + table_html(c.summary_by_year)
               if c.has_years else "") + "</section>")


def _maps_section(c: Comparison, layers: dict[str, svg.Layer]) -> str:
    parts = ['<section id="maps"><h2>Maps</h2><p>Per region and department, over the eligible '
             "towns' population (funding, days) or number (posts). One colour scale per row "
             "so the allocations compare; grey: no eligible town.</p>"]
    for level in LEVELS:
        layer = layers[level]
        areas = c.areas(level)
        parts.append(f"<h3>{level.capitalize()}s</h3>")
        for measure in MEASURES:
            all_values = [v for frame in areas.values() for v in frame[measure.key].tolist()]
            scale = svg.Scale.sequential(all_values)
            maps = [svg.choropleth(layer, dict(zip(frame["code"], frame[measure.key],
                                                   strict=True)),
                                   scale, title=f"{label}: {measure.label}", unit=measure.unit)
                    for label, frame in areas.items()]
            parts.append(f"<h4>{escape(measure.label)}</h4>" + scale.legend(measure.unit)
                         + f'<div class="grid">{"".join(maps)}</div>')
        diffs = c.area_differences(level)
        if diffs:
            parts.append(f"<h3>Differences by {level} (second minus first)</h3>")
            for measure in MEASURES:
                key = f"{measure.key}_change"
                scale = svg.Scale.diverging(
                    [v for frame in diffs.values() for v in frame[key].tolist()])
                maps = [svg.choropleth(layer, dict(zip(frame["code"], frame[key], strict=True)),
                                       scale, title=f"{y} minus {x}: {measure.label}",
                                       unit=measure.unit)
                        for (x, y), frame in diffs.items()]
                parts.append(f"<h4>Change in {escape(measure.label.lower())}</h4>"
                             + scale.legend(measure.unit)
                             + f'<div class="grid">{"".join(maps)}</div>')
    parts.append("</section>")
    return "".join(parts)


def _deviation_section(c: Comparison) -> str:
    deviation = c.deviation
    parts = ['<section id="deviation"><h2>Regional deviation from the fair share</h2>'
             "<p>Relative deviation of each region's share from its fair share "
             "((used − fair) / fair, in %); red below, blue above.</p>"]
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
        head = ('<th class="text">region</th>'
                + "".join(f"<th>{escape(str(x))}</th>" for x in wide.columns))
        rows = []
        for (code, name), values in zip(wide.index.tolist(), wide.itertuples(index=False),
                                        strict=True):
            cells = [f'<td class="text">{escape(str(name))} ({escape(str(code))})</td>']
            for value in values:
                colour = scale.colour(value)
                text = "–" if value is None or not math.isfinite(value) else f"{value:+.1%}"
                cells.append(f'<td style="background:{colour}">{escape(text)}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(f"<h3>{escape(str(resource).capitalize())}</h3>"
                     f'<div class="scroll"><table class="deviation"><thead><tr>{head}</tr>'
                     f"</thead><tbody>{''.join(rows)}</tbody></table></div>")
    parts.append("</section>")
    return "".join(parts)


def _towns_section(c: Comparison) -> str:
    changes = c.town_changes
    parts = [f'<section id="towns"><h2>The {c.top_n} towns whose allocation changes most</h2>']
    if not changes:
        parts.append('<p class="muted">Nothing to compare: one allocation, or no pair over '
                     "the same towns (see the notes).</p>")
    for (x, y), frame in changes.items():
        parts.append(f"<h3>{escape(x)} → {escape(y)}</h3>"
                     + table_html(frame, index=frame.index.name is not None))
    parts.append("</section>")
    return "".join(parts)


def _inputs_section(c: Comparison) -> str:
    frame = c.scenario_differences
    users = c.scenario_users
    parts = ['<section id="inputs"><h2>Input differences between scenarios</h2>']
    if users:
        parts.append("<ul>" + "".join(
            f"<li><b>{escape(name)}</b>: {escape(', '.join(labels))}</li>"
            for name, labels in users.items()) + "</ul>")
    if len(users) < 2:
        parts.append('<p class="muted">All allocations with a known scenario come from the '
                     "same scenario: no input differs.</p>" if users else
                     '<p class="muted">No scenario known for these allocations.</p>')
    elif frame.empty:
        parts.append("<p>The scenarios differ only in their file location.</p>")
    else:
        parts.append(table_html(frame))
    parts.append("</section>")
    return "".join(parts)


def render_html(c: Comparison, *, title: str | None = None) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    layers = {level: svg.load_layer(level) for level in LEVELS}
    title = title or "Allocation comparison: " + ", ".join(c.labels)
    # Sections are rendered first: the town section may add notes.
    body = [_metrics_section(c), _maps_section(c, layers), _deviation_section(c),
            _towns_section(c), _inputs_section(c)]
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in c.notes)
    allocations = "".join(
        f"<li><b>{escape(a.label)}</b>: scenario {escape(a.scenario_name)}, {escape(a.status)}, "
        f"{a.inputs.n_towns:,} eligible towns</li>" for a in c.allocations)
    nav = "".join(f'<a href="#{k}">{v}</a>' for k, v in (
        ("metrics", "Metrics"), ("maps", "Maps"), ("deviation", "Regional deviation"),
        ("towns", "Town changes"), ("inputs", "Input differences")))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + svg.defs(list(layers.values()))
        + f"<main><h1>{escape(title)}</h1><p class=\"muted\">pvd-optim, {generated}. The first "
        "allocation is the reference for differences.</p>"
        f"<nav>{nav}</nav><ul>{allocations}</ul>{notes}"
        + "".join(body)
        + "<footer>Outlines: ANCT (Agence nationale de la cohésion des territoires), "
        "fonds de carte fr-drom-4326-pur-style1, Licence Ouverte 2.0, simplified; overseas "
        "regions are moved beside the mainland for display.</footer></main></body></html>\n"
    )
