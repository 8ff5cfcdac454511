"""Derive the compact region and department outlines the comparison report draws.

Run from the repository root::

    python -m pvd_optim.data.build_geo SOURCE [--out PATH]

``SOURCE`` is the raw data folder of :mod:`pvd_optim.data.build`; only its
``geo/`` folder is read, and only here, never at run time.

Source: ANCT cartography, ``anct_fr-drom-4326-pur-style1-{reg,dep}.geojson``
(Licence Ouverte 2.0): the 18 regions and 101 departments in WGS84 longitude /
latitude, with the five overseas departments moved beside the mainland so that
one map shows all of them at a legible size.

Outputs (in ``pvd_optim/data/files/``)
--------------------------------------
``geo_regions.json``, ``geo_departments.json``
    GeoJSON FeatureCollections of MultiPolygons, properties ``code`` (the
    commune table's ``region`` / ``department`` code), ``name`` and, for
    departments, ``region``. Coordinates are rounded to 3 decimals (~100 m),
    simplified with Douglas-Peucker at :data:`TOLERANCE_DEG` (a report map is
    ~500 px wide for ~15 degrees, so 1 px is ~0.03 degree: the simplification
    is invisible), and rings smaller than :data:`MIN_RING_AREA_DEG2` dropped
    unless a feature's largest. Moved overseas outlines are not geographic
    positions: they are for display only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parent / "files"
SOURCES = {
    "regions": ("anct_fr-drom-4326-pur-style1-reg.geojson", "insee_reg", "lib_reg"),
    "departments": ("anct_fr-drom-4326-pur-style1-dep.geojson", "insee_dep", "lib_dep"),
}
#: Douglas-Peucker tolerance in degrees (about 500 m).
TOLERANCE_DEG = 0.005
#: Rings below this area (square degrees, about 1 km2) are dropped (islets).
MIN_RING_AREA_DEG2 = 1e-4
DECIMALS = 3
ATTRIBUTION = ("ANCT (Agence nationale de la cohésion des territoires), fonds de carte "
               "fr-drom-4326-pur-style1, Licence Ouverte 2.0; simplified by pvd-optim")


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Keep the points of an open polyline that lie farther than ``tolerance`` from the chord.

    Iterative (an explicit stack) so long outlines cannot exhaust the recursion limit.
    """
    n = len(points)
    if n < 3:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        a, b = points[start], points[end]
        seg = b - a
        inner = points[start + 1:end]
        length = float(np.hypot(*seg))
        if length == 0.0:
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(seg[0] * (inner[:, 1] - a[1]) - seg[1] * (inner[:, 0] - a[0])) / length
        worst = int(np.argmax(dist))
        if dist[worst] > tolerance:
            mid = start + 1 + worst
            keep[mid] = True
            stack.extend([(start, mid), (mid, end)])
    return points[keep]


def ring_area(ring: np.ndarray) -> float:
    """Absolute area of a closed ring (shoelace), in square degrees."""
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2.0


def simplify_ring(ring: np.ndarray, tolerance: float) -> np.ndarray | None:
    """A closed ring simplified, or ``None`` when fewer than 3 distinct points survive.

    A closed ring's chord from its first point to itself has length 0, so the
    ring is split at its farthest point and both halves simplified.
    """
    if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
        ring = ring[:-1]
    if len(ring) < 3:
        return None
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    first = douglas_peucker(ring[:far + 1], tolerance)
    second = douglas_peucker(np.vstack([ring[far:], ring[:1]]), tolerance)
    out = np.vstack([first, second[1:]]).round(DECIMALS)
    # Rounding can merge neighbours; drop consecutive duplicates.
    out = out[np.r_[True, np.any(np.diff(out, axis=0) != 0, axis=1)]]
    if len(out) < 4:  # 3 distinct points plus the closing one
        return None
    if not np.array_equal(out[0], out[-1]):
        out = np.vstack([out, out[:1]])
    return out


def simplify_feature(polygons: list[list[list[list[float]]]], tolerance: float
                     ) -> list[list[list[list[float]]]]:
    """Simplify a MultiPolygon's rings, dropping islets but never the largest ring."""
    rings = [(p, r, np.asarray(ring, dtype=float))
             for p, polygon in enumerate(polygons) for r, ring in enumerate(polygon)]
    largest = max(range(len(rings)), key=lambda i: ring_area(rings[i][2]))
    out: dict[int, list[list[list[float]]]] = {}
    for i, (p, r, ring) in enumerate(rings):
        if i != largest and ring_area(ring) < MIN_RING_AREA_DEG2:
            continue
        small = simplify_ring(ring, tolerance)
        if small is None:
            if i != largest:
                continue
            small = ring.round(DECIMALS)
        if r > 0 and p not in out:  # a hole whose outer ring was dropped
            continue
        out.setdefault(p, []).append(small.tolist())
    return [out[p] for p in sorted(out)]


def build_layer(source: dict[str, Any], code_key: str, name_key: str,
                tolerance: float = TOLERANCE_DEG) -> dict[str, Any]:
    """One simplified FeatureCollection from an ANCT GeoJSON layer."""
    features: list[dict[str, Any]] = []
    for feature in source["features"]:
        props = feature["properties"]
        geometry = feature["geometry"]
        polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                    else [geometry["coordinates"]])
        properties = {"code": str(props[code_key]), "name": str(props[name_key])}
        if "insee_reg" in props and code_key != "insee_reg":
            properties["region"] = str(props["insee_reg"])
        features.append({
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "MultiPolygon",
                         "coordinates": simplify_feature(polygons, tolerance)},
        })
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}


def main(argv: Sequence[str] | None = None) -> int:
    """Write ``geo_regions.json`` and ``geo_departments.json``; print their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="the raw data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    geo = args.source / "geo"
    for layer, (filename, code_key, name_key) in SOURCES.items():
        path = geo / filename
        if not path.is_file():
            print(f"error: {path} not found; is SOURCE the raw data folder?", file=sys.stderr)
            return 2
        collection = build_layer(json.loads(path.read_text(encoding="utf-8")), code_key,
                                 name_key)
        target = args.out / f"geo_{layer}.json"
        text = json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        points = sum(len(ring) for f in collection["features"]
                     for polygon in f["geometry"]["coordinates"] for ring in polygon)
        print(f"{target}: {len(collection['features'])} features, {points} points, "
              f"{len(text.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
