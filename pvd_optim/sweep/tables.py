"""The sweep's tables, from its records: tidy variants, per-town robustness, per-region summary.

Every table is computed from the records alone (never from which process solved what),
in the variants' fixed order, so the tables are the same however the sweep ran.
Figures "over the feasible variants" use the variants that have an allocation
(``optimal``, ``feasible``, ``relaxed``); a town not eligible in a variant counts there
as getting nothing. Percentiles are numpy's linear interpolation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.sweep.work import WITH_ALLOCATION

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.sweep.variants import Variant

#: Columns of the tidy table before the parameters and the metrics.
ID_COLUMNS = ("variant_id", "sample")
STATUS_COLUMNS = ("status", "error", "mip_gap")
#: Percentiles of the robustness tables, as (column suffix, percentile).
PERCENTILES = (("p10", 10.0), ("p90", 90.0))
#: Per-town figures of a record, with the names of their robustness columns.
TOWN_FIGURES = (("funding_eur", "funding"), ("expert_days", "days"))


def tidy_table(variants: Sequence[Variant], records: dict[str, dict[str, Any]],
               parameter_keys: Sequence[str]) -> pd.DataFrame:
    """One row per variant: id, draw, parameters, status, error, MIP gap, every metric."""
    import pandas as pd

    from pvd_optim.analysis import METRICS

    rows = []
    for variant in variants:
        record = records[variant.variant_id]
        metrics = record.get("metrics") or {}
        rows.append({
            "variant_id": variant.variant_id,
            "sample": variant.sample,
            **{key: variant.parameters.get(key) for key in parameter_keys},
            "status": record["status"],
            "error": record.get("error") or "",
            "mip_gap": record.get("mip_gap"),
            **{key: metrics.get(key) for key in METRICS},
        })
    columns = [*ID_COLUMNS, *parameter_keys, *STATUS_COLUMNS, *METRICS]
    frame = pd.DataFrame(rows, columns=columns)
    frame["sample"] = frame["sample"].astype("Int64")
    for key in ("mip_gap", *METRICS):
        frame[key] = pd.to_numeric(frame[key], errors="coerce").astype(np.float64)
    return frame


def status_counts(records: dict[str, dict[str, Any]]) -> dict[str, int]:
    """How many variants ended with each status."""
    counts: dict[str, int] = {}
    for record in records.values():
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    return counts


def _feasible(records: dict[str, dict[str, Any]], order: Sequence[str]) -> list[dict[str, Any]]:
    return [records[i] for i in order
            if records[i]["status"] in WITH_ALLOCATION and records[i].get("towns")]


def town_matrix(feasible: Sequence[dict[str, Any]]) -> tuple[list[str], dict[str, np.ndarray]]:
    """Towns (sorted INSEE codes) x feasible variants: eligible, covered, funding, days."""
    codes = sorted({code for r in feasible for code in r["towns"]["insee"]})
    position = {code: i for i, code in enumerate(codes)}
    shape = (len(codes), len(feasible))
    out = {name: np.zeros(shape) for name in ("eligible", "covered", "funding_eur",
                                              "expert_days")}
    for j, record in enumerate(feasible):
        towns = record["towns"]
        rows = np.fromiter((position[c] for c in towns["insee"]), dtype=np.int64,
                           count=len(towns["insee"]))
        out["eligible"][rows, j] = 1.0
        for name in ("covered", "funding_eur", "expert_days"):
            out[name][rows, j] = np.asarray(towns[name], dtype=np.float64)
    return codes, out


def _town_info(codes: Sequence[str]) -> pd.DataFrame:
    from pvd_optim.data.towns import load_communes

    table = load_communes()
    return table.reindex(list(codes))[["name", "department", "region", "region_name"]].rename(
        columns={"region": "region_code"})


def _spread(values: np.ndarray, stem: str) -> dict[str, np.ndarray]:
    """Mean and percentiles over the variants (axis 1); NaN when there is no variant."""
    if values.shape[1] == 0:
        nan = np.full(values.shape[0], np.nan)
        return {f"{stem}_mean": nan, **{f"{stem}_{name}": nan for name, _ in PERCENTILES}}
    return {f"{stem}_mean": values.mean(axis=1),
            **{f"{stem}_{name}": np.percentile(values, q, axis=1) for name, q in PERCENTILES}}


def _counts(records: dict[str, dict[str, Any]]) -> dict[str, int]:
    counts = status_counts(records)
    feasible = sum(counts.get(s, 0) for s in WITH_ALLOCATION)
    infeasible = counts.get("infeasible", 0)
    return {"variants_feasible": feasible, "variants_infeasible": infeasible,
            "variants_failed": len(records) - feasible - infeasible}


def town_robustness(records: dict[str, dict[str, Any]], order: Sequence[str]) -> pd.DataFrame:
    """Per town, over the feasible variants: how often it gets a lead and funding, and how much.

    Columns: name, department, region; the counts of feasible, infeasible and failed
    variants (the same on every row, beside the shares they qualify); ``eligible_share``,
    ``lead_share`` (covered by a project lead), ``funded_share`` (any funding, to the
    cent); mean, 10th and 90th percentile of funding (EUR) and expert-days.
    """
    import pandas as pd

    feasible = _feasible(records, order)
    codes, m = town_matrix(feasible)
    n = max(len(feasible), 1)
    frame = _town_info(codes)
    for name, value in _counts(records).items():
        frame[name] = value
    frame["eligible_share"] = m["eligible"].sum(axis=1) / n
    frame["lead_share"] = (m["covered"] > 0.5).sum(axis=1) / n
    frame["funded_share"] = (m["funding_eur"] > 0).sum(axis=1) / n
    for figure, stem in TOWN_FIGURES:
        for column, values in _spread(m[figure], stem).items():
            frame[f"{column}_eur" if figure.endswith("_eur") else f"{column}_days"] = values
    frame.index = pd.Index(codes, name="insee")
    return frame.reset_index()


def region_summary(records: dict[str, dict[str, Any]], order: Sequence[str]) -> pd.DataFrame:
    """Per region, over the feasible variants: eligible and covered towns, funding, days.

    Each figure is summed over the region's towns in every variant; the table gives its
    mean, 10th and 90th percentile over the variants, with the variant counts beside.
    """
    import pandas as pd

    feasible = _feasible(records, order)
    codes, m = town_matrix(feasible)
    info = _town_info(codes)
    regions = info["region_code"].fillna("").astype(str).to_numpy()
    names = dict(zip(regions, info["region_name"].fillna("").astype(str), strict=True))
    out = []
    for region in sorted(set(regions)):
        rows = regions == region
        row: dict[str, Any] = {"region_code": region, "region_name": names[region],
                               **_counts(records)}
        for figure, stem in (("eligible", "eligible_towns"), ("covered", "covered_towns"),
                             ("funding_eur", "funding"), ("expert_days", "days")):
            totals = m[figure][rows].sum(axis=0, keepdims=True)
            unit = "_eur" if figure == "funding_eur" else ("_days" if figure == "expert_days"
                                                           else "")
            row.update({f"{k}{unit}": float(v[0]) for k, v in _spread(totals, stem).items()})
        out.append(row)
    return pd.DataFrame(out)


__all__ = ["ID_COLUMNS", "PERCENTILES", "STATUS_COLUMNS", "region_summary", "status_counts",
           "tidy_table", "town_matrix", "town_robustness"]
