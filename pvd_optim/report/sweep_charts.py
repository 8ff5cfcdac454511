"""Inline SVG charts of a sweep: metric-versus-parameter curves, scatters and tornado charts.

Drawn in Python like :mod:`pvd_optim.report.svg` (no script, nothing loaded): each
function returns one ``<figure>``, its words and numbers in the active language
(:func:`pvd_optim.i18n.using`). Series colours are the Okabe-Ito palette, told
apart by most colour-blind readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from pvd_optim.i18n import active, gettext
from pvd_optim.report.svg import number

SERIES = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442",
          "#000000")
_LEFT, _RIGHT, _TOP, _BOTTOM = 54.0, 10.0, 10.0, 34.0


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _range(values: Sequence[float], pad_share: float = 0.0) -> tuple[float, float]:
    """The span of ``values``, widened by ``pad_share`` of it on each side (points fit)."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high <= low:
        pad = abs(low) * 0.05 or 1.0
        return low - pad, high + pad
    pad = (high - low) * pad_share
    return low - pad, high + pad


def _ticks(values: Sequence[float]) -> list[float]:
    """The lowest, middle and highest of the data (not of the padded span): values as read."""
    if not values:
        return []
    low, high = min(values), max(values)
    return [low] if high <= low else [low, (low + high) / 2, high]


def _frame(width: float, height: float, x: tuple[float, float], y: tuple[float, float],
           x_label: str, y_label: str, xs: Sequence[float], ys: Sequence[float]
           ) -> list[str]:
    """Axes with ticks at the data's lowest, middle and highest values, and the labels.

    The first and last x labels are anchored inside the plot, so that they are not cut
    off by the picture's edge.
    """
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    items = [f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w:.1f}" height="{plot_h:.1f}" '
             'fill="none" stroke="#999" stroke-width="0.6"/>']
    x_ticks = _ticks(xs)
    for i, fx in enumerate(x_ticks):
        px = _scale(fx, x, _LEFT, plot_w)
        anchor = ("middle" if len(x_ticks) == 1 or 0 < i < len(x_ticks) - 1
                  else "start" if i == 0 else "end")
        items.append(f'<text x="{px:.1f}" y="{height - _BOTTOM + 12:.1f}" '
                     f'text-anchor="{anchor}">{escape(number(fx))}</text>')
    for fy in _ticks(ys):
        py = _scale(fy, y, _TOP, plot_h, True)
        items.append(f'<text x="{_LEFT - 4:.1f}" y="{py + 3:.1f}" text-anchor="end">'
                     f"{escape(number(fy))}</text>")
    items.append(f'<text x="{_LEFT + plot_w / 2:.1f}" y="{height - 4:.1f}" '
                 f'text-anchor="middle" class="unit">{escape(x_label)}</text>')
    items.append(f'<text x="10" y="{_TOP + plot_h / 2:.1f}" text-anchor="middle" class="unit" '
                 f'transform="rotate(-90 10 {_TOP + plot_h / 2:.1f})">{escape(y_label)}</text>')
    return items


def _named(name: str, value: str) -> str:
    """``name: value`` with the reader's typography (``name : value`` in French)."""
    return gettext("{name}: {value}").format(name=name, value=value)


def _scale(value: float, span: tuple[float, float], start: float, length: float,
           flip: bool = False) -> float:
    share = (value - span[0]) / (span[1] - span[0])
    return start + length * (1 - share if flip else share)


def _figure(width: float, height: float, title: str, items: list[str],
            legend: str = "") -> str:
    return (f'<figure class="chart"><svg viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}">'
            + "".join(items) + f"</svg><figcaption>{escape(title)}</figcaption>{legend}"
            "</figure>")


def line_chart(series: Sequence[tuple[str, Sequence[float], Sequence[float]]], *, title: str,
               x_label: str, y_label: str, width: float = 360.0, height: float = 230.0) -> str:
    """Lines with markers, one per ``(label, xs, ys)``; a legend when there are several."""
    xs = _finite([x for _, s, _ in series for x in s])
    ys = _finite([y for _, _, s in series for y in s])
    x_span, y_span = _range(xs, 0.04), _range(ys, 0.04)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    items = _frame(width, height, x_span, y_span, x_label, y_label, xs, ys)
    legend = []
    for i, (label, x_values, y_values) in enumerate(series):
        colour = SERIES[i % len(SERIES)]
        points = [(_scale(x, x_span, _LEFT, plot_w), _scale(y, y_span, _TOP, plot_h, True), x, y)
                  for x, y in zip(x_values, y_values, strict=True)
                  if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            items.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         'stroke-width="1.6"/>')
        for px, py, x, y in points:
            items.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.6" fill="{colour}">'
                         f"<title>{escape(_named(label, f'{number(x)} → {number(y)}'))}"
                         "</title></circle>")
        if len(series) > 1:
            legend.append(f'<span style="color:{colour}">●</span> {escape(label)}')
    legend_html = (f'<div class="legend-lines">{"<br>".join(legend)}</div>' if legend else "")
    return _figure(width, height, title, items, legend_html)


def scatter_chart(xs: Sequence[float], ys: Sequence[float], *, title: str, x_label: str,
                  y_label: str, width: float = 300.0, height: float = 220.0) -> str:
    """One point per variant."""
    pairs = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)
             if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]
    x_span = _range([x for x, _ in pairs], 0.04)
    y_span = _range([y for _, y in pairs], 0.04)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    items = _frame(width, height, x_span, y_span, x_label, y_label, [x for x, _ in pairs],
                   [y for _, y in pairs])
    for x, y in pairs:
        items.append(f'<circle cx="{_scale(x, x_span, _LEFT, plot_w):.1f}" '
                     f'cy="{_scale(y, y_span, _TOP, plot_h, True):.1f}" r="2" '
                     f'fill="{SERIES[0]}" fill-opacity="0.55"/>')
    return _figure(width, height, title, items)


def tornado_chart(rows: Sequence[tuple[str, float, float, float]], *, title: str, unit: str,
                  width: float = 520.0) -> str:
    """Bars from each field's low-value metric to its high-value metric, around a reference.

    ``rows``: (field, metric at the field's lowest value, at its highest, reference),
    largest swing first. Blue where the field's highest value is above the reference.
    """
    label_w, value_w, bar, gap = 230.0, 60.0, 14.0, 6.0
    values = _finite([v for _, low, high, ref in rows for v in (low, high, ref)])
    span = _range(values)
    plot = width - label_w - value_w
    height = len(rows) * (bar + gap) + gap + 16
    reference = rows[0][3] if rows else 0.0
    zero = _scale(reference, span, label_w, plot) if math.isfinite(reference) else label_w
    reference_text = gettext("reference (line): {value} {unit}").format(
        value=number(reference), unit=unit)
    items = [f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height - 14:.0f}" '
             'stroke="#666" stroke-width="0.8"/>',
             f'<text x="{label_w + plot / 2:.1f}" y="{height - 3:.0f}" text-anchor="middle" '
             f'class="unit">{escape(reference_text)}</text>']
    for i, (label, low, high, _) in enumerate(rows):
        y = gap + i * (bar + gap)
        short = label if len(label) <= 38 else "…" + label[-37:]
        items.append(f'<text x="{label_w - 4:.0f}" y="{y + bar - 3:.1f}" text-anchor="end">'
                     f"<title>{escape(label)}</title>{escape(short)}</text>")
        if not (math.isfinite(low) and math.isfinite(high)):
            continue
        a, b = _scale(low, span, label_w, plot), _scale(high, span, label_w, plot)
        colour = SERIES[0] if high >= low else SERIES[3]
        items.append(f'<rect x="{min(a, b):.1f}" y="{y:.1f}" width="{max(abs(b - a), 0.8):.1f}" '
                     f'height="{bar:.0f}" fill="{colour}"><title>'
                     + escape(gettext("{field}: {low} at its lowest value, {high} at its "
                                      "highest ({unit})").format(
                         field=label, low=number(low), high=number(high), unit=unit))
                     + "</title></rect>")
        items.append(f'<text x="{max(a, b) + 4:.1f}" y="{y + bar - 3:.1f}">'
                     f"{escape(number(abs(high - low)))}</text>")
    return _figure(width, height, title, items)


def correlation_chart(rows: Sequence[tuple[str, float]], *, title: str,
                      width: float = 520.0) -> str:
    """Bars of rank correlations in [-1, 1] from a middle line, largest first."""
    label_w, value_w, bar, gap = 230.0, 50.0, 14.0, 6.0
    plot = width - label_w - value_w
    height = len(rows) * (bar + gap) + gap + 16
    middle = label_w + plot / 2
    items = [f'<line x1="{middle:.1f}" y1="0" x2="{middle:.1f}" y2="{height - 14:.0f}" '
             'stroke="#666" stroke-width="0.8"/>',
             f'<text x="{label_w:.0f}" y="{height - 3:.0f}" class="unit">−1</text>',
             f'<text x="{label_w + plot:.0f}" y="{height - 3:.0f}" text-anchor="end" '
             'class="unit">+1</text>']
    for i, (label, rho) in enumerate(rows):
        y = gap + i * (bar + gap)
        short = label if len(label) <= 38 else "…" + label[-37:]
        items.append(f'<text x="{label_w - 4:.0f}" y="{y + bar - 3:.1f}" text-anchor="end">'
                     f"<title>{escape(label)}</title>{escape(short)}</text>")
        if not math.isfinite(rho):
            items.append(f'<text x="{middle + 4:.1f}" y="{y + bar - 3:.1f}">'
                         f'{escape(gettext("n/a"))}</text>')
            continue
        end = middle + rho * plot / 2
        shown = active().decimal_mark(f"{rho:+.2f}")
        colour = SERIES[0] if rho >= 0 else SERIES[3]
        items.append(f'<rect x="{min(middle, end):.1f}" y="{y:.1f}" '
                     f'width="{max(abs(end - middle), 0.8):.1f}" height="{bar:.0f}" '
                     f'fill="{colour}"><title>{escape(_named(label, shown))}</title></rect>')
        items.append(f'<text x="{label_w + plot + 4:.1f}" y="{y + bar - 3:.1f}">{shown}</text>')
    return _figure(width, height, title, items)


__all__ = ["correlation_chart", "line_chart", "scatter_chart", "tornado_chart"]
