"""Inline SVG drawn in Python: outlines, choropleth maps, bar charts, colour scales.

No browser-side library and no network: every map reuses outlines defined
once in the page (``<use href="#geo-...">``), so a page with ninety maps
carries the department outlines only once.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from pvd_optim.data.towns import FILES_DIR
from pvd_optim.i18n import gettext

MAP_WIDTH = 300.0
#: Longitudes shrink with latitude; one factor at mainland France's middle (46.5 N)
#: keeps shapes right without a projection library.
_COS_LAT = math.cos(math.radians(46.5))
NO_DATA = "#d4d4d4"
#: Sequential (low -> high) and diverging (negative -> positive) palettes, ColorBrewer
#: YlGnBu and RdBu, readable in greyscale and by most colour-blind readers.
SEQUENTIAL = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")
DIVERGING = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")


@dataclass(frozen=True)
class Layer:
    """Projected outlines of one level: SVG path data per area code, and the view box."""

    level: str
    paths: dict[str, str]
    names: dict[str, str]
    width: float
    height: float
    #: Projected rings of each area (x, y in the view box), for placing points inside.
    rings: dict[str, list[list[tuple[float, float]]]] = field(default_factory=dict)

    def element_id(self, code: str) -> str:
        """The id of an area's ``<path>`` in the page's shared ``<defs>``."""
        return f"geo-{self.level[0]}-{code}"


@functools.cache
def load_layer(level: str) -> Layer:
    """Outlines of ``region`` or ``department`` from the embedded ``geo_*.json``."""
    filename = {"region": "geo_regions.json", "department": "geo_departments.json"}[level]
    collection = json.loads((FILES_DIR / filename).read_text(encoding="utf-8"))
    features = collection["features"]
    xs: list[float] = []
    ys: list[float] = []
    for f in features:
        for polygon in f["geometry"]["coordinates"]:
            for ring in polygon:
                xs.extend(p[0] * _COS_LAT for p in ring)
                ys.extend(-p[1] for p in ring)
    x0, y0 = min(xs), min(ys)
    scale = MAP_WIDTH / (max(xs) - x0)
    height = (max(ys) - y0) * scale
    paths = {}
    rings: dict[str, list[list[tuple[float, float]]]] = {}
    for f in features:
        parts = []
        code = f["properties"]["code"]
        for polygon in f["geometry"]["coordinates"]:
            for ring in polygon:
                projected = [((p[0] * _COS_LAT - x0) * scale, (-p[1] - y0) * scale)
                             for p in ring[:-1]]
                rings.setdefault(code, []).append(projected)
                parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in projected) + "Z")
        paths[code] = "".join(parts)
    names = {f["properties"]["code"]: f["properties"]["name"] for f in features}
    return Layer(level, paths, names, MAP_WIDTH, round(height, 1), rings)


def defs(layers: Sequence[Layer]) -> str:
    """A hidden SVG holding every outline once, for the maps to ``<use>``."""
    items = [f'<path id="{layer.element_id(code)}" d="{d}"/>'
             for layer in layers for code, d in layer.paths.items()]
    return ('<svg class="geo-defs" width="0" height="0" aria-hidden="true" '
            'style="position:absolute"><defs>' + "".join(items) + "</defs></svg>")


# ---- colour scales ------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    """Colour classes between increasing ``bounds`` (one more bound than colours).

    Sequential scales use quantile classes over every value of a row of maps,
    so one outlier (a small overseas region) cannot wash out all the others,
    and every map of the row shares the classes. Diverging scales are symmetric,
    with a middle class holding only "no change".
    """

    bounds: tuple[float, ...]
    palette: tuple[str, ...]

    @classmethod
    def sequential(cls, values: Sequence[float]) -> Scale:
        """Quantile classes of ``values`` (equal widths when too few distinct values)."""
        finite = sorted(v for v in values if v is not None and math.isfinite(v))
        n = len(SEQUENTIAL)
        if not finite:
            return cls(tuple(float(i) for i in range(n + 1)), SEQUENTIAL)
        low, high = min(0.0, finite[0]), finite[-1]
        if high <= low:
            high = low + 1.0
        cuts = [_quantile(finite, i / n) for i in range(1, n)]
        bounds = (low, *cuts, high)
        if len(set(bounds)) < n + 1:  # ties: quantiles collapse, use equal widths
            bounds = tuple(low + (high - low) * i / n for i in range(n + 1))
        return cls(bounds, SEQUENTIAL)

    @classmethod
    def diverging(cls, values: Sequence[float]) -> Scale:
        """Symmetric classes around 0: thirds of the changes' sizes on each side."""
        sizes = sorted(abs(v) for v in values if v is not None and math.isfinite(v))
        top = sizes[-1] if sizes else 0.0
        if top <= 0:
            top = 1.0
        moved = [v for v in sizes if v > top * 1e-9]
        third, two_thirds = (_quantile(moved, 1 / 3), _quantile(moved, 2 / 3)) if moved else (
            top / 3, 2 * top / 3)
        if not 0 < third < two_thirds < top:
            third, two_thirds = top / 3, 2 * top / 3
        zero = top * 1e-9  # the middle class: no change (beyond rounding noise)
        positive = (zero, third, two_thirds, top)
        return cls(tuple(-v for v in reversed(positive)) + positive, DIVERGING)

    def colour(self, value: float | None) -> str:
        """The class colour of ``value``; grey when missing."""
        if value is None or not math.isfinite(value):
            return NO_DATA
        for i, upper in enumerate(self.bounds[1:-1]):
            if value < upper or (self.palette is DIVERGING and i == 3 and value <= upper):
                return self.palette[i]
        return self.palette[-1]

    def legend(self, unit: str, width: float = MAP_WIDTH) -> str:
        """A row of class boxes with their bounds (alternately above and below the line)."""
        n = len(self.palette)
        box = width / n
        items = []
        for i, colour in enumerate(self.palette):
            items.append(f'<rect x="{i * box:.1f}" y="0" width="{box:.1f}" height="10" '
                         f'fill="{colour}" stroke="#999" stroke-width="0.3"/>')
        for i, bound in enumerate(self.bounds):
            if self.palette is DIVERGING and i in (3, 4):
                text, x = "0", 3.5 * box  # the middle class is exactly "no change"
                if i == 4:
                    continue
            else:
                text, x = number(bound), i * box
            anchor = "start" if i == 0 else ("end" if i == n else "middle")
            y = 20 if i % 2 == 0 else 29
            items.append(f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}">{escape(text)}'
                         "</text>")
        legend = gettext("legend")
        return (f'<svg class="legend" viewBox="0 0 {width:.0f} 40" width="{width:.0f}" '
                f'height="40" role="img" aria-label="{escape(legend)} ({escape(unit)})">'
                + "".join(items)
                + f'<text x="{width:.0f}" y="39" text-anchor="end" class="unit">'
                f"{escape(unit)}</text></svg>")


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of an ascending sequence."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def number(value: float | None) -> str:
    """A compact, readable number in the active language: thousands separated, 3
    significant digits below 100 (``25 800 000`` in French, ``25,800,000`` in English)."""
    from pvd_optim.i18n import active

    return active().compact(value)


# ---- maps -----------------------------------------------------------------------------------
def choropleth(layer: Layer, values: Mapping[str, float], scale: Scale, *, title: str,
               unit: str, tooltip: Mapping[str, str] | None = None, alt: str | None = None
               ) -> str:
    """One map: every outline of ``layer``, filled by ``scale`` (grey without a value).

    ``alt``: the map's text alternative (default: its title).
    """
    items = []
    no_town = gettext("no eligible town")
    for code in layer.paths:
        value = values.get(code)
        name = layer.names.get(code, code)
        text = (tooltip or {}).get(code) or (
            f"{name} ({code}): {number(value)} {unit}" if value is not None
            and math.isfinite(value) else f"{name} ({code}): {no_town}")
        items.append(f'<use href="#{layer.element_id(code)}" fill="{scale.colour(value)}">'
                     f"<title>{escape(text)}</title></use>")
    return (f'<figure class="map"><svg class="choropleth" data-level="{layer.level}" '
            f'viewBox="0 0 {layer.width:.0f} {layer.height:.0f}" role="img" '
            f'aria-label="{escape(alt or title)}">' + "".join(items)
            + f"</svg><figcaption>{escape(title)}</figcaption></figure>")


# ---- bar charts ----------------------------------------------------------------------------
def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str,
              best: Sequence[str] = (), width: float = 360.0) -> str:
    """Horizontal bars from 0, one per allocation; the best ones (ties included) stand out."""
    bar, gap, label_width, value_width = 16.0, 6.0, 120.0, 70.0
    plot = width - label_width - value_width
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low = min(0.0, min(finite, default=0.0))
    high = max(0.0, max(finite, default=0.0))
    span = (high - low) or 1.0
    zero = label_width + (0.0 - low) / span * plot
    height = len(labels) * (bar + gap) + gap
    items = [f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height:.0f}" stroke="#666" '
             'stroke-width="0.8"/>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = gap + i * (bar + gap)
        short = label if len(label) <= 20 else label[:19] + "…"
        items.append(f'<text x="{label_width - 4:.0f}" y="{y + bar - 4:.1f}" '
                     f'text-anchor="end">{escape(short)}</text>')
        if value is None or not math.isfinite(value):
            items.append(f'<text x="{zero + 4:.1f}" y="{y + bar - 4:.1f}">–</text>')
            continue
        x_end = label_width + (value - low) / span * plot
        x, w = min(zero, x_end), abs(x_end - zero)
        cls = "bar best" if label in best else "bar"
        items.append(f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" '
                     f'height="{bar:.0f}"><title>{escape(label)}: {escape(number(value))} '
                     f"{escape(unit)}</title></rect>")
        items.append(f'<text x="{max(zero, x_end) + 4:.1f}" y="{y + bar - 4:.1f}">'
                     f'{escape(number(value))}{" ★" if label in best else ""}</text>')
    return (f'<figure class="chart"><svg viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}">'
            + "".join(items) + f"</svg><figcaption>{escape(title)}"
            + (f" ({escape(unit)})" if unit else "") + "</figcaption></figure>")
