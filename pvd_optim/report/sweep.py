"""A sweep's report: one self-contained HTML page (inline CSS and SVG, no script, no network).

Sections: what was swept and how the variants ended; each plotted metric against each
grid field (averaged over the draws) and against the drawn fields that move it most;
the tornado of sensitivities (one at a time for grid fields, rank correlations for
drawn ones); maps and a table of town robustness; the regions; the variants without an
allocation, with their parameters and errors. Everything is in the reader's language
(French or English, :mod:`pvd_optim.i18n`), numbers formatted for people; the errors of
failed variants are shown as recorded (English).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from pvd_optim import i18n
from pvd_optim.i18n import N_
from pvd_optim.i18n.vocabulary import status as status_word
from pvd_optim.report import svg
from pvd_optim.report.html import CSS, table_html
from pvd_optim.report.labels import METRIC_WORDS, metric_label
from pvd_optim.report.sweep_charts import (
    correlation_chart,
    line_chart,
    scatter_chart,
    tornado_chart,
)
from pvd_optim.sweep.sensitivity import ONE_AT_A_TIME, RANK_CORRELATION
from pvd_optim.sweep.work import STATUSES, WITH_ALLOCATION
from pvd_optim.town.html import attribution

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.i18n import Translator
    from pvd_optim.sweep.api import SweepResult

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


#: The page's sections in order: (anchor, navigation label).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", N_("What was swept")), ("curves", N_("Curves")),
    ("sensitivity", N_("Sensitivity")), ("robustness", N_("Town robustness")),
    ("regions", N_("Regions")), ("failures", N_("Without allocation")))


def _html(t: Translator, template: str, **values: str) -> str:
    """A catalogue sentence as HTML: its text escaped, ``values`` inserted as given (HTML)."""
    return escape(t.gettext(template), quote=False).format(**values)


def _metric(key: str, t: Translator) -> tuple[str, str]:
    """A metric's label (with the direction a planner prefers) and unit, as read."""
    from pvd_optim.analysis import METRICS

    info = METRICS[key]
    label, unit = metric_label(t, key) if key in METRIC_WORDS else (info.label, info.unit)
    arrow = {"higher": " ↑", "lower": " ↓"}.get(info.better or "", "")
    return label + arrow, unit


def _finite(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _shown(value: Any, t: Translator) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return t.compact(float(value))
    return str(value)


def _distribution_text(distribution: Any, t: Translator | None = None) -> str:
    """``uniform, low 0.5, high 1.5, times the base value``: a distribution as read."""
    from pvd_optim.report.sweep_labels import distribution_text

    return distribution_text(distribution, t or i18n.active())


def _table(frame: pd.DataFrame, t: Translator) -> str:
    """A sweep table with its headers in the reader's language and its statuses read."""
    from pvd_optim.report.sweep_labels import sweep_column_label

    if "status" in frame.columns:
        frame = frame.assign(status=[status_word(t, str(s)) for s in frame["status"]])
    return table_html(frame.rename(columns={c: sweep_column_label(t, str(c))
                                            for c in frame.columns}), t)


def _overview(r: SweepResult, t: Translator) -> str:
    plan = r.sweep
    counts = "".join(f"<li>{escape(status_word(t, status))}{escape(t.gettext(': '))}"
                     f"{t.number(r.counts[status])}</li>"
                     for status in STATUSES if r.counts.get(status))
    axes = plan.section.axes()
    lines = [f"<li><b>{escape(k)}</b> {escape(t.gettext('(grid)'))}{escape(t.gettext(': '))}"
             f"{escape(', '.join(_shown(v, t) for v in values))}</li>"
             for k, values in axes.items()]
    draws = plan.section.monte_carlo
    if draws is not None:
        for key, distribution in draws.parameters.items():
            lines.append(f"<li><b>{escape(key)}</b> {escape(t.gettext('(drawn)'))}"
                         f"{escape(t.gettext(': '))}"
                         f"{escape(_distribution_text(distribution, t))}</li>")
        lines.append("<li>" + escape(t.ngettext(
            "{count} draw, seed {seed}", "{count} draws, seed {seed}", draws.draws).format(
                count=t.number(draws.draws), seed=draws.seed))
            + (escape(t.gettext(" (every draw at every grid point)")) if axes else "")
            + "</li>")
    base = r.base
    base_line = (escape(t.gettext("objective {value} ({status})").format(
                     value=t.keur_eq(_finite(base.get("objective")), 1),
                     status=status_word(t, str(base.get("status")))))
                 if base.get("objective") is not None
                 else escape(f"{status_word(t, str(base.get('status')))}"
                             f"{t.gettext(': ')}{base.get('error') or ''}"))
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in r.notes)
    return (f'<section id="overview"><h2>{escape(t.gettext("What was swept"))}</h2>{notes}'
            f"<p>{escape(plan.section.description)}</p>"
            "<p>" + _html(t, N_("Base scenario {name}: {base}. {count} variants:"),
                          name=f"<b>{escape(plan.base.name)}</b>", base=base_line,
                          count=t.number(len(plan.variants)))
            + f"</p><ul>{counts}</ul>"
            f"<h3>{escape(t.gettext('Fields'))}</h3><ul>{''.join(lines)}</ul></section>")


def _curves(r: SweepResult, t: Translator) -> str:
    table = r.table[r.table["status"].isin(WITH_ALLOCATION)]
    axes = r.sweep.section.axes()
    parts = [f'<section id="curves"><h2>{escape(t.gettext("Metrics against the swept fields"))}'
             "</h2>"]
    if table.empty:
        parts.append(f'<p class="muted">{escape(t.gettext("No variant has an allocation."))}'
                     "</p></section>")
        return "".join(parts)
    parts.append("<p>" + escape(t.gettext(
        "Grid fields: the metric at each value, one line per combination of the other grid "
        "fields (their mean past {count} lines), averaged over the draws when there are "
        "draws. Drawn fields: one point per feasible variant, for the fields that move the "
        "metric most.").format(count=MAX_LINES)) + "</p>")
    for metric in r.sweep.section.report_metrics:
        label, unit = _metric(metric, t)
        charts = []
        for key in axes:
            others = [k for k in axes if k != key]
            charts.append(_grid_curve(table, key, others, metric, label, unit, t))
        ranked = r.sensitivity[(r.sensitivity["metric"] == metric)
                               & (r.sensitivity["method"] == RANK_CORRELATION)]
        for key in ranked["parameter"].head(SCATTERS_PER_METRIC):
            xs = [_finite(x) for x in table[key]]
            charts.append(scatter_chart(
                xs, table[metric].tolist(),
                title=t.gettext("{label}: {field}").format(label=label, field=key),
                x_label=key, y_label=unit))
        parts.append(f"<h3>{escape(label)}</h3><div class=\"grid\">{''.join(charts)}</div>")
    parts.append("</section>")
    return "".join(parts)


def _grid_curve(table: pd.DataFrame, key: str, others: list[str], metric: str, label: str,
                unit: str, t: Translator) -> str:
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool)
                  for v in table[key].dropna())
    means = table.groupby([key, *others], dropna=False, sort=True)[metric].mean().reset_index()
    groups = list(means.groupby(others, dropna=False, sort=True)) if others else [
        (None, means)]
    combinations = len(groups)
    averaged = combinations > MAX_LINES
    if averaged:
        mean = means.groupby(key, sort=True)[metric].mean().reset_index()
        groups = [(None, mean)]
    series = []
    for name, frame in groups:
        if averaged:
            label_of = t.gettext("mean over {count} combinations").format(
                count=t.number(combinations))
        elif others:
            label_of = ", ".join(f"{k}={_shown(v, t)}" for k, v in zip(
                others, name if isinstance(name, tuple) else (name,), strict=False))
        else:
            label_of = t.gettext("all")
        xs = frame[key].tolist() if numeric else list(range(len(frame)))
        series.append((label_of, [_finite(x) for x in xs], frame[metric].tolist()))
    return line_chart(series, title=t.gettext("{label} against {field}").format(
        label=label, field=key), x_label=key, y_label=unit)


def _tornado(r: SweepResult, t: Translator) -> str:
    parts = [f'<section id="sensitivity"><h2>{escape(t.gettext("Sensitivity"))}</h2><p>'
             + escape(t.gettext(
                 "Grid fields, one at a time: the metric from the field's lowest value to its "
                 "highest, the other grid fields at the values nearest the base scenario's "
                 "(blue: higher at the highest value). Drawn fields: Spearman rank correlation "
                 "of the draws with the metric over the feasible variants.")) + "</p>"]
    for metric in r.sweep.section.report_metrics:
        label, unit = _metric(metric, t)
        rows = r.sensitivity[r.sensitivity["metric"] == metric]
        oat = rows[rows["method"] == ONE_AT_A_TIME]
        drawn = rows[rows["method"] == RANK_CORRELATION]
        charts = []
        if not oat.empty:
            charts.append(tornado_chart(
                [(str(p), _finite(lo), _finite(hi), _finite(ref)) for p, lo, hi, ref in zip(
                    oat["parameter"], oat["metric_at_low"], oat["metric_at_high"],
                    oat["reference_metric"], strict=True)],
                title=t.gettext("{label}: one at a time").format(label=label), unit=unit))
        if not drawn.empty:
            charts.append(correlation_chart(
                [(str(p), _finite(rho)) for p, rho in zip(drawn["parameter"],
                                                          drawn["rank_correlation"],
                                                          strict=True)],
                title=t.gettext("{label}: rank correlation with the draws").format(
                    label=label)))
        parts.append(f"<h3>{escape(label)}</h3><div class=\"grid\">{''.join(charts)}</div>")
    parts.append("</section>")
    return "".join(parts)


#: The robustness maps: (column of the department table, title).
ROBUSTNESS_MAPS: tuple[tuple[str, str], ...] = (
    ("lead", N_("Mean share of variants with a project lead")),
    ("funded", N_("Mean share of variants with funding")),
    ("unsettled", N_("Share of towns not settled (lead in some variants)")))


def _robustness(r: SweepResult, layer: svg.Layer, t: Translator) -> str:
    towns = r.towns
    parts = [f'<section id="robustness"><h2>{escape(t.gettext("Town robustness"))}</h2>']
    if towns.empty:
        parts.append(f'<p class="muted">{escape(t.gettext("No variant has an allocation."))}'
                     "</p></section>")
        return "".join(parts)
    first = towns.iloc[0]
    parts.append("<p>" + _html(
        t, N_("Over the {feasible} feasible variants ({infeasible} infeasible and {failed} "
              "failed left out). A town is {settled} when it gets a project lead in every "
              "feasible variant or in none."),
        feasible=t.number(int(first["variants_feasible"])),
        infeasible=t.number(int(first["variants_infeasible"])),
        failed=t.number(int(first["variants_failed"])),
        settled=f"<i>{escape(t.gettext('settled'))}</i>") + "</p>")
    towns = towns.assign(unsettled=((towns["lead_share"] > 0) & (towns["lead_share"] < 1))
                         .astype(float))
    by_department = towns.groupby("department").agg(
        lead=("lead_share", "mean"), funded=("funded_share", "mean"),
        unsettled=("unsettled", "mean"))
    share = t.gettext("share")
    maps = []
    for column, title in ROBUSTNESS_MAPS:
        values = {str(k): float(v) for k, v in by_department[column].items()}
        scale = svg.Scale.sequential(list(values.values()))
        maps.append(scale.legend(share) + svg.choropleth(
            layer, values, scale, unit=share, title=t.gettext("{title}, by department").format(
                title=t.gettext(title))))
    parts.append(f'<div class="grid">{"".join(f"<div>{m}</div>" for m in maps)}</div>')
    spread = towns["funding_p90_eur"] - towns["funding_p10_eur"]
    ranked = towns.assign(distance=(towns["lead_share"] - 0.5).abs(), funding_spread_eur=spread)
    ranked = ranked.sort_values(["distance", "funding_spread_eur"], ascending=[True, False],
                                kind="stable").head(UNSETTLED_TOWNS)
    columns = ["insee", "name", "region_name", "lead_share", "funded_share", "funding_mean_eur",
               "funding_p10_eur", "funding_p90_eur", "days_mean_days"]
    parts.append("<h3>" + escape(t.gettext("The {count} least settled towns").format(
        count=UNSETTLED_TOWNS)) + "</h3>" + _table(ranked[columns], t) + "</section>")
    return "".join(parts)


def _regions(r: SweepResult, t: Translator) -> str:
    columns = [c for c in r.regions.columns if not c.startswith("variants_")]
    return (f'<section id="regions"><h2>{escape(t.gettext("Regions"))}</h2><p>'
            + escape(t.gettext("Per region, over the feasible variants: mean, 10th and 90th "
                               "percentile of its eligible and covered towns, funding and "
                               "expert-days."))
            + "</p>" + _table(r.regions[columns], t) + "</section>")


def _failures(r: SweepResult, t: Translator) -> str:
    failed = r.table[~r.table["status"].isin(WITH_ALLOCATION)]
    parts = [f'<section id="failures"><h2>{escape(t.gettext("Variants without an allocation"))}'
             "</h2>"]
    if failed.empty:
        parts.append(f'<p class="muted">{escape(t.gettext("Every variant has an allocation."))}'
                     "</p></section>")
        return "".join(parts)
    explained = t.ngettext("{count} variant. {run} with its values as {set} explains why it "
                           "is infeasible.",
                           "{count} variants. {run} with a variant's values as {set} explains "
                           "an infeasible one.", len(failed))
    parts.append("<p>" + escape(explained, quote=False).format(
        count=t.number(len(failed)), run="<code>pvd-optim run</code>",
        set="<code>--set</code>") + "</p>")
    columns = ["variant_id", *r.sweep.keys, "status", "error"]
    parts.append(_table(failed[columns].head(FAILED_LISTED), t) + "</section>")
    return "".join(parts)


def render_sweep_html(r: SweepResult, *, title: str | None = None, lang: str | None = None
                      ) -> str:
    """The sweep's report as one HTML document (UTF-8 text), in ``lang`` (default: the run's).

    The language is the page's only: the caller's active language is kept.
    """
    with i18n.using(lang or i18n.active().language) as t:
        return _render(r, title, t)


def _render(r: SweepResult, title: str | None, t: Translator) -> str:
    layer = svg.load_layer("department")
    title = title or t.gettext("Sweep of {scenario}").format(scenario=r.sweep.base.name)
    nav = "".join(f'<li><a href="#{k}">{escape(t.gettext(v))}</a></li>' for k, v in SECTIONS)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [_overview(r, t), _curves(r, t), _tornado(r, t), _robustness(r, layer, t),
            _regions(r, t), _failures(r, t)]
    intro = t.gettext("pvd-optim, {generated}. Tables: variants, towns, regions and "
                      "sensitivity (CSV and Parquet) beside this page.").format(
                          generated=generated)
    return (
        f'<!DOCTYPE html>\n<html lang="{t.language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}{SWEEP_CSS}</style></head><body>"
        + svg.defs([layer])
        + f'<main><h1>{escape(title)}</h1><p class="muted">{escape(intro)}</p>'
        f'<nav aria-label="{escape(t.gettext("Sections"))}"><ul>{nav}</ul></nav>'
        + "".join(body)
        + f"<footer><p>{escape(attribution(t))} "
        + escape(t.gettext("Overseas regions are moved beside the mainland for display."))
        + "</p></footer></main></body></html>\n"
    )


__all__ = ["render_sweep_html"]
