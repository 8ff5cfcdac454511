"""How much each swept field moves each metric: the figures behind the tornado chart.

* **Grid fields: one at a time.** The other grid fields are held at a reference
  point, the grid value nearest the base scenario's value of each (the base value
  itself when it is on the grid); the field's swing is the range of the metric along
  its own axis through that point. With Monte Carlo draws too, each grid point's
  metric is its mean over the feasible draws.
* **Drawn fields: rank correlation.** Spearman's correlation between the field's draws
  and the metric over the feasible variants: its sign says the direction, its size how
  strongly the metric follows the field whatever the other draws.

Infeasible and failed variants have no metric and are left out (their count is in the
tables beside).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.sweep.work import WITH_ALLOCATION

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.sweep.definition import SweepSection

ONE_AT_A_TIME = "one at a time"
RANK_CORRELATION = "rank correlation"
COLUMNS = ("metric", "parameter", "method", "swing", "rank_correlation", "low_value",
           "high_value", "metric_at_low", "metric_at_high", "reference_metric", "variants")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def reference_point(section: SweepSection, base_values: dict[str, Any]) -> dict[str, Any]:
    """Per grid field, the grid value nearest the base scenario's value."""
    point = {}
    for key, values in section.axes().items():
        base = _number(base_values.get(key))
        numeric = [(_number(v), v) for v in values]
        if base is not None and all(x is not None for x, _ in numeric):
            point[key] = min(numeric, key=lambda item: abs(float(item[0] or 0.0) - base))[1]
        else:
            point[key] = base_values.get(key) if base_values.get(key) in values else values[0]
    return point


def _grid_rows(table: pd.DataFrame, section: SweepSection, metric: str,
               reference: dict[str, Any]) -> list[dict[str, Any]]:
    axes = section.axes()
    feasible = table[table["status"].isin(WITH_ALLOCATION)]
    keys = list(axes)
    means = feasible.groupby(keys, dropna=False, sort=False)[metric].mean() if keys else None
    rows: list[dict[str, Any]] = []
    if means is None:
        return rows

    def at(point: dict[str, Any]) -> float:
        index = tuple(point[k] for k in keys) if len(keys) > 1 else point[keys[0]]
        value = means.get(index, math.nan)
        return float(value) if value is not None else math.nan

    reference_value = at(reference)
    for key in keys:
        values = list(axes[key])
        along = [(v, at({**reference, key: v})) for v in values]
        known = [(v, m) for v, m in along if math.isfinite(m)]
        if not known:
            continue
        order = sorted(known, key=lambda item: (_number(item[0]) is None,
                                                _number(item[0]) or 0.0))
        low, high = order[0], order[-1]
        metrics = [m for _, m in known]
        rows.append({"metric": metric, "parameter": key, "method": ONE_AT_A_TIME,
                     "swing": max(metrics) - min(metrics), "rank_correlation": math.nan,
                     "low_value": low[0], "high_value": high[0], "metric_at_low": low[1],
                     "metric_at_high": high[1], "reference_metric": reference_value,
                     "variants": len(known)})
    return rows


def _drawn_rows(table: pd.DataFrame, section: SweepSection, metric: str
                ) -> list[dict[str, Any]]:
    import pandas as pd

    rows: list[dict[str, Any]] = []
    if section.monte_carlo is None:
        return rows
    feasible = table[table["status"].isin(WITH_ALLOCATION)]
    for key in section.monte_carlo.parameters:
        pair = pd.DataFrame({"x": pd.to_numeric(feasible[key], errors="coerce"),
                             "y": feasible[metric]}).dropna()
        x, y = pair["x"].to_numpy(dtype=np.float64), pair["y"].to_numpy(dtype=np.float64)
        rho = math.nan
        if len(pair) >= 3 and len(np.unique(x)) > 1 and len(np.unique(y)) > 1:
            rho = float(pair["x"].rank().corr(pair["y"].rank()))
        low, high = (int(np.argmin(x)), int(np.argmax(x))) if len(x) else (None, None)
        rows.append({"metric": metric, "parameter": key, "method": RANK_CORRELATION,
                     "swing": abs(rho) if math.isfinite(rho) else math.nan,
                     "rank_correlation": rho,
                     "low_value": x[low] if low is not None else math.nan,
                     "high_value": x[high] if high is not None else math.nan,
                     "metric_at_low": y[low] if low is not None else math.nan,
                     "metric_at_high": y[high] if high is not None else math.nan,
                     "reference_metric": float(y.mean()) if len(y) else math.nan,
                     "variants": len(pair)})
    return rows


def sensitivities(table: pd.DataFrame, section: SweepSection, metrics: Sequence[str],
                  base_values: dict[str, Any]) -> pd.DataFrame:
    """One row per (metric, swept field): its swing and how it was measured.

    Sorted by metric, then by decreasing swing within each method (the tornado's order).
    """
    import pandas as pd

    reference = reference_point(section, base_values)
    rows: list[dict[str, Any]] = []
    for metric in metrics:
        grid = sorted(_grid_rows(table, section, metric, reference),
                      key=lambda r: -r["swing"] if math.isfinite(r["swing"]) else math.inf)
        drawn = sorted(_drawn_rows(table, section, metric),
                       key=lambda r: -r["swing"] if math.isfinite(r["swing"]) else math.inf)
        rows.extend(grid + drawn)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("low_value", "high_value"):  # grid values may be text
        numeric = pd.to_numeric(frame[column], errors="coerce")
        text = frame[column].notna() & numeric.isna()
        frame[column] = frame[column].astype(str) if text.any() else numeric.astype(np.float64)
    return frame


__all__ = ["ONE_AT_A_TIME", "RANK_CORRELATION", "reference_point", "sensitivities"]
