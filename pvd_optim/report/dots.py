"""Schematic positions of towns inside their department's outline, for the town maps.

The embedded data carries no coordinates of towns, only the outlines of
departments and regions; a town's dot is therefore placed *inside its
department*, on a regular grid clipped to the outline, towns in INSEE order.
Every map that uses these positions says so: the department is right, the place
within it is not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pvd_optim.report.svg import Layer


def inside(points: np.ndarray, rings: Sequence[Sequence[tuple[float, float]]]) -> np.ndarray:
    """Which ``points`` (n, 2) lie inside the outline (even-odd rule over every ring)."""
    result = np.zeros(len(points), dtype=bool)
    x, y = points[:, 0], points[:, 1]
    for ring in rings:
        vertices = np.asarray(ring, dtype=float)
        x1, y1 = vertices[:, 0], vertices[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        for a, b, c, d in zip(x1, y1, x2, y2, strict=True):
            if b == d:
                continue
            crosses = (b > y) != (d > y)
            at = a + (y - b) * (c - a) / (d - b)
            result ^= crosses & (x < at)
    return result


def _area(rings: Sequence[Sequence[tuple[float, float]]]) -> float:
    total = 0.0
    for ring in rings:
        v = np.asarray(ring, dtype=float)
        total += abs(float(np.dot(v[:, 0], np.roll(v[:, 1], -1))
                           - np.dot(v[:, 1], np.roll(v[:, 0], -1)))) / 2
    return total


def grid_points(rings: Sequence[Sequence[tuple[float, float]]], count: int) -> np.ndarray:
    """``count`` points spread over the outline on a grid, finer until enough fall inside."""
    vertices = np.concatenate([np.asarray(r, dtype=float) for r in rings])
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    step = math.sqrt(max(_area(rings), 1e-6) / max(count, 1))
    for _ in range(12):
        xs = np.arange(low[0] + step / 2, high[0], step)
        ys = np.arange(low[1] + step / 2, high[1], step)
        if len(xs) and len(ys):
            grid = np.array([(x + (step / 2 if i % 2 else 0.0), y)
                             for i, y in enumerate(ys) for x in xs])
            found = grid[inside(grid, rings)]
            if len(found) >= count:
                chosen = np.linspace(0, len(found) - 1, count).round().astype(int)
                return found[chosen]
        step /= 1.4
    centre = vertices.mean(axis=0)  # a sliver of an outline: stack at its centre
    return np.repeat(centre[None, :], count, axis=0)


def town_positions(layer: Layer, codes: Sequence[str], departments: Sequence[str]
                   ) -> dict[str, tuple[float, float]]:
    """Schematic (x, y) of each town inside its department (towns of unknown outline left out)."""
    by_department: dict[str, list[str]] = {}
    for code, department in zip(codes, departments, strict=True):
        if department in layer.rings:
            by_department.setdefault(department, []).append(code)
    out: dict[str, tuple[float, float]] = {}
    for department, towns in by_department.items():
        points = grid_points(layer.rings[department], len(towns))
        for town, (x, y) in zip(sorted(towns), points, strict=True):
            out[town] = (float(x), float(y))
    return out
