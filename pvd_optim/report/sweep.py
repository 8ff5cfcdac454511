"""A sweep's report: one self-contained HTML page (inline CSS and SVG, no script, no network).

Sections: what was swept and how the variants ended; each plotted metric against each
grid field (averaged over the draws) and against the drawn fields that move it most;
the tornado of sensitivities (one at a time for grid fields, rank correlations for
drawn ones); maps and a table of town robustness; the regions; the variants without an
allocation, with their parameters and errors.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from pvd_optim import i18n
from pvd_optim.report import svg
from pvd_optim.report.html import CSS, table_html
from pvd_optim.report.sweep_charts import (
    correlation_chart,
    line_chart,
    scatter_chart,
    tornado_chart,
)
from pvd_optim.sweep.sensitivity import ONE_AT_A_TIME, RANK_CORRELATION
from pvd_optim.sweep.work import STATUSES, WITH_ALLOCATION

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.i18n import Translator
    from pvd_optim.sweep.api import SweepResult

#: The page's language: its text is written in English, so its numbers and table headers
#: are English too (whatever language the run chose for other pages).
LANGUAGE = "en"

#: Most lines in one curve chart (one per combination of the other grid fields); past
#: it, the chart shows their mean.
MAX_LINES = 6
#: Drawn fields shown as scatter plots per metric (those with the largest correlations).
SCATTERS_PER_METRIC = 4
#: Towns listed as the least settled.
UNSETTLED_TOWNS = 20
#: Variants without an allocation listed.
FAILED_LISTED = 50

SWEEP_CSS = """
.legend-lines{font-size:.8rem;color:#333;max-width:340px}
figure.chart{margin-bottom:.6rem}
"""


def _metric(key: str) -> tuple[str, str]:
    from pvd_optim.analysis import METRICS

    info = METRICS[key]
    arrow = {"higher": " ↑", "lower": " ↓"}.get(info.better or "", "")
    return info.label + arrow, info.unit


def _finite(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _shown(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return svg.number(float(value))
    return str(value)


def _distribution_text(distribution: Any) -> str:
    """``uniform, low 0.5, high 1.5, times the base value``: a distribution as read."""
    fields = distribution.model_dump(exclude_none=True)
    name = fields.pop("distribution")
    relative = fields.pop("relative", False)
    decimals = fields.pop("decimals", None)
    parts = [name]
    for key, value in fields.items():
        values = value if isinstance(value, tuple | list) else (value,)
        # As written in the sweep file (0.5, not 0.500).
        written = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
        parts.append(f"{key} {' / '.join(written)}")
    if relative:
        parts.append("times the base value")
    if decimals is not None:
        parts.append(f"rounded to {decimals} decimal(s)")
    return ", ".join(parts)


def _overview(r: SweepResult) -> str:
    plan = r.sweep
    counts = "".join(f"<li>{escape(status)}: {r.counts[status]:,}</li>"
                     for status in STATUSES if r.counts.get(status))
    axes = plan.section.axes()
    lines = [f"<li><b>{escape(k)}</b> (grid): {escape(', '.join(map(_shown, values)))}</li>"
             for k, values in axes.items()]
    draws = plan.section.monte_carlo
    if draws is not None:
        for key, distribution in draws.parameters.items():
            lines.append(f"<li><b>{escape(key)}</b> (drawn): "
                         f"{escape(_distribution_text(distribution))}</li>")
        lines.append(f"<li>{draws.draws:,} draws, seed {draws.seed}"
                     + (" (every draw at every grid point)" if axes else "") + "</li>")
    base = r.base
    base_line = (f"objective {svg.number(_finite(base.get('objective')))} k EUR-eq "
                 f"({escape(str(base.get('status')))})" if base.get("objective") is not None
                 else escape(f"{base.get('status')}: {base.get('error') or ''}"))
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in r.notes)
    return (f'<section id="overview"><h2>What was swept</h2>{notes}'
            f"<p>{escape(plan.section.description)}</p>"
            f"<p>Base scenario <b>{escape(plan.base.name)}</b>: {base_line}. "
            f"{len(plan.variants):,} variants:</p><ul>{counts}</ul>"
            f"<h3>Fields</h3><ul>{''.join(lines)}</ul></section>")


def _curves(r: SweepResult) -> str:
    table = r.table[r.table["status"].isin(WITH_ALLOCATION)]
    axes = r.sweep.section.axes()
    parts = ['<section id="curves"><h2>Metrics against the swept fields</h2>']
    if table.empty:
        parts.append('<p class="muted">No variant has an allocation.</p></section>')
        return "".join(parts)
    parts.append("<p>Grid fields: the metric at each value, one line per combination of the "
                 "other grid fields (their mean past "
                 f"{MAX_LINES} lines), averaged over the draws when there are draws. Drawn "
                 "fields: one point per feasible variant, for the fields that move the metric "
                 "most.</p>")
    for metric in r.sweep.section.report_metrics:
        label, unit = _metric(metric)
        charts = []
        for key in axes:
            others = [k for k in axes if k != key]
            charts.append(_grid_curve(table, key, others, metric, label, unit))
        ranked = r.sensitivity[(r.sensitivity["metric"] == metric)
                               & (r.sensitivity["method"] == RANK_CORRELATION)]
        for key in ranked["parameter"].head(SCATTERS_PER_METRIC):
            xs = [_finite(x) for x in table[key]]
            charts.append(scatter_chart(xs, table[metric].tolist(), title=f"{label}: {key}",
                                        x_label=key, y_label=unit))
        parts.append(f"<h3>{escape(label)}</h3><div class=\"grid\">{''.join(charts)}</div>")
    parts.append("</section>")
    return "".join(parts)


def _grid_curve(table: pd.DataFrame, key: str, others: list[str], metric: str, label: str,
                unit: str) -> str:
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool)
                  for v in table[key].dropna())
    means = table.groupby([key, *others], dropna=False, sort=True)[metric].mean().reset_index()
    groups = list(means.groupby(others, dropna=False, sort=True)) if others else [
        ("all", means)]
    if len(groups) > MAX_LINES:
        mean = means.groupby(key, sort=True)[metric].mean().reset_index()
        groups = [(f"mean over {len(groups)} combinations", mean)]
    series = []
    for name, frame in groups:
        label_of = (", ".join(f"{k}={_shown(v)}" for k, v in zip(others, name if isinstance(
            name, tuple) else (name,), strict=False)) if others and not str(name).startswith(
            "mean") else str(name))
        xs = frame[key].tolist() if numeric else list(range(len(frame)))
        series.append((label_of, [_finite(x) for x in xs], frame[metric].tolist()))
    return line_chart(series, title=f"{label} against {key}", x_label=key, y_label=unit)


def _tornado(r: SweepResult) -> str:
    parts = ['<section id="sensitivity"><h2>Sensitivity</h2><p>Grid fields, one at a time: '
             "the metric from the field's lowest value to its highest, the other grid fields "
             "at the values nearest the base scenario's (blue: higher at the highest value). "
             "Drawn fields: Spearman rank correlation of the draws with the metric over the "
             "feasible variants.</p>"]
    for metric in r.sweep.section.report_metrics:
        label, unit = _metric(metric)
        rows = r.sensitivity[r.sensitivity["metric"] == metric]
        oat = rows[rows["method"] == ONE_AT_A_TIME]
        drawn = rows[rows["method"] == RANK_CORRELATION]
        charts = []
        if not oat.empty:
            charts.append(tornado_chart(
                [(str(p), _finite(lo), _finite(hi), _finite(ref)) for p, lo, hi, ref in zip(
                    oat["parameter"], oat["metric_at_low"], oat["metric_at_high"],
                    oat["reference_metric"], strict=True)],
                title=f"{label}: one at a time", unit=unit))
        if not drawn.empty:
            charts.append(correlation_chart(
                [(str(p), _finite(rho)) for p, rho in zip(drawn["parameter"],
                                                          drawn["rank_correlation"],
                                                          strict=True)],
                title=f"{label}: rank correlation with the draws"))
        parts.append(f"<h3>{escape(label)}</h3><div class=\"grid\">{''.join(charts)}</div>")
    parts.append("</section>")
    return "".join(parts)


def _robustness(r: SweepResult, layer: svg.Layer, t: Translator) -> str:
    towns = r.towns
    parts = ['<section id="robustness"><h2>Town robustness</h2>']
    if towns.empty:
        parts.append('<p class="muted">No variant has an allocation.</p></section>')
        return "".join(parts)
    first = towns.iloc[0]
    parts.append(f"<p>Over the {int(first['variants_feasible']):,} feasible variants "
                 f"({int(first['variants_infeasible']):,} infeasible and "
                 f"{int(first['variants_failed']):,} failed left out). A town is "
                 "<i>settled</i> when it gets a project lead in every feasible variant or in "
                 "none.</p>")
    towns = towns.assign(unsettled=((towns["lead_share"] > 0) & (towns["lead_share"] < 1))
                         .astype(float))
    by_department = towns.groupby("department").agg(
        lead=("lead_share", "mean"), funded=("funded_share", "mean"),
        unsettled=("unsettled", "mean"))
    maps = []
    for column, title in (("lead", "Mean share of variants with a project lead"),
                          ("funded", "Mean share of variants with funding"),
                          ("unsettled", "Share of towns not settled (lead in some variants)")):
        values = {str(k): float(v) for k, v in by_department[column].items()}
        scale = svg.Scale.sequential(list(values.values()))
        maps.append(scale.legend("share") + svg.choropleth(
            layer, values, scale, title=f"{title}, by department", unit="share"))
    parts.append(f'<div class="grid">{"".join(f"<div>{m}</div>" for m in maps)}</div>')
    spread = towns["funding_p90_eur"] - towns["funding_p10_eur"]
    ranked = towns.assign(distance=(towns["lead_share"] - 0.5).abs(), funding_spread_eur=spread)
    ranked = ranked.sort_values(["distance", "funding_spread_eur"], ascending=[True, False],
                                kind="stable").head(UNSETTLED_TOWNS)
    columns = ["insee", "name", "region_name", "lead_share", "funded_share", "funding_mean_eur",
               "funding_p10_eur", "funding_p90_eur", "days_mean_days"]
    parts.append(f"<h3>The {UNSETTLED_TOWNS} least settled towns</h3>"
                 + table_html(ranked[columns], t) + "</section>")
    return "".join(parts)


def _regions(r: SweepResult, t: Translator) -> str:
    columns = [c for c in r.regions.columns if not c.startswith("variants_")]
    return ('<section id="regions"><h2>Regions</h2><p>Per region, over the feasible variants: '
            "mean, 10th and 90th percentile of its eligible and covered towns, funding and "
            "expert-days.</p>" + table_html(r.regions[columns], t) + "</section>")


def _failures(r: SweepResult, t: Translator) -> str:
    failed = r.table[~r.table["status"].isin(WITH_ALLOCATION)]
    parts = ['<section id="failures"><h2>Variants without an allocation</h2>']
    if failed.empty:
        parts.append('<p class="muted">Every variant has an allocation.</p></section>')
        return "".join(parts)
    parts.append(f"<p>{len(failed):,} variant(s). <code>pvd-optim run</code> with a variant's "
                 "values as <code>--set</code> explains an infeasible one.</p>")
    columns = ["variant_id", *r.sweep.keys, "status", "error"]
    parts.append(table_html(failed[columns].head(FAILED_LISTED), t) + "</section>")
    return "".join(parts)


def render_sweep_html(r: SweepResult, *, title: str | None = None) -> str:
    """The sweep's report as one HTML document (UTF-8 text, in English)."""
    with i18n.using(LANGUAGE) as t:
        return _render(r, title, t)


def _render(r: SweepResult, title: str | None, t: Translator) -> str:
    layer = svg.load_layer("department")
    title = title or f"Sweep of {r.sweep.base.name}"
    nav = "".join(f'<li><a href="#{k}">{v}</a></li>' for k, v in (
        ("overview", "What was swept"), ("curves", "Curves"), ("sensitivity", "Sensitivity"),
        ("robustness", "Town robustness"), ("regions", "Regions"),
        ("failures", "Without allocation")))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [_overview(r), _curves(r), _tornado(r), _robustness(r, layer, t), _regions(r, t),
            _failures(r, t)]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}{SWEEP_CSS}</style></head><body>"
        + svg.defs([layer])
        + f"<main><h1>{escape(title)}</h1><p class=\"muted\">pvd-optim, {generated}. Tables: "
        "variants, towns, regions and sensitivity (CSV and Parquet) beside this page.</p>"
        f'<nav aria-label="Sections"><ul>{nav}</ul></nav>' + "".join(body)
        + "<footer>Outlines: ANCT (Agence nationale de la cohésion des territoires), "
        "fonds de carte fr-drom-4326-pur-style1, Licence Ouverte 2.0, simplified; overseas "
        "departments are moved beside the mainland for display.</footer></main></body></html>\n"
    )


__all__ = ["render_sweep_html"]
