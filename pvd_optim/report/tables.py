"""The comparison's tables: metrics, per-area values, differences, deviations, inputs.

Everything the HTML report draws is one of these DataFrames, so the CSV, Excel
and Markdown exports show exactly the numbers behind each chart and map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.errors import InputError
from pvd_optim.i18n.message import Message
from pvd_optim.report.areas import area_difference, area_table, department_codes

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``{"a.b.c": value}``; lists stay whole, as compact JSON text.

    Lists (INSEE code lists, benefit slopes) are one parameter each: a planner
    changes the list, not its third item.
    """
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key in sorted(data):
            out.update(flatten(data[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list | tuple):
        return {prefix: json.dumps(list(data), ensure_ascii=False)}
    return {prefix: data}


def scenario_differences(scenarios: Mapping[str, Mapping[str, Any] | None]) -> pd.DataFrame:
    """Parameters whose values differ between scenarios: one row each, a column per scenario.

    ``scenarios`` maps a column name to ``scenario.model_dump(mode="json")`` (or
    ``None`` when unknown, which is left out). ``source`` (the file path) is
    ignored: the same scenario read from two places is the same input.
    """
    import pandas as pd

    flat = {name: flatten({k: v for k, v in content.items() if k != "source"})
            for name, content in scenarios.items() if content is not None}
    if len(flat) < 2:
        return pd.DataFrame(columns=["parameter", *flat])
    keys = sorted(set().union(*flat.values()))
    missing = "(not set)"
    rows = []
    for key in keys:
        values = [flat[name].get(key, missing) for name in flat]
        if any(v != values[0] for v in values[1:]):
            rows.append([key, *("" if v is None else v for v in values)])
    # Text columns: a parameter's values may mix numbers, booleans and text.
    return pd.DataFrame(rows, columns=["parameter", *flat]).astype(str)


def _long(frames: Mapping[str, pd.DataFrame], column: str) -> pd.DataFrame:
    import pandas as pd

    if not frames:
        return pd.DataFrame()
    parts = []
    for name, frame in frames.items():
        frame = frame.copy()
        frame.insert(0, column, name)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


@dataclass(eq=False)
class Comparison:
    """Several allocations side by side, with what differs between them and why.

    Parameters
    ----------
    allocations:
        Allocations with distinct ``label``; the first is the reference.
    scenarios:
        ``label -> scenario.model_dump(mode="json")`` (or ``None``) for the
        input differences.
    pairs:
        ``(from_label, to_label)`` pairs for difference maps and town changes;
        default: the first allocation against each other one.
    """

    allocations: list[Allocation]
    scenarios: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    top_n: int = 20

    def __post_init__(self) -> None:
        if not self.allocations:
            raise InputError(Message("nothing to compare: give at least one allocation"))
        labels = [a.label for a in self.allocations]
        duplicated = sorted({x for x in labels if labels.count(x) > 1})
        if duplicated:
            raise InputError(Message("allocation labels must be distinct; repeated: "
                                     "{duplicated}", duplicated=str(duplicated)))
        if not self.pairs:
            self.pairs = [(labels[0], other) for other in labels[1:]]
        for pair in self.pairs:
            unknown = [x for x in pair if x not in labels]
            if unknown:
                raise InputError(Message("unknown allocation label(s) {unknown} in the compared "
                                         "pair; labels are {labels}", unknown=str(unknown),
                                         labels=str(labels)))

    # ---- lookups ------------------------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        """Allocation labels, in order."""
        return [a.label for a in self.allocations]

    def allocation(self, label: str) -> Allocation:
        """The allocation labelled ``label``."""
        return self.allocations[self.labels.index(label)]

    # ---- metrics ------------------------------------------------------------------------
    @cached_property
    def metrics(self) -> pd.DataFrame:
        """``analysis.metrics_table``: one row per allocation, one column per metric."""
        from pvd_optim import analysis

        return analysis.metrics_table(self.allocations)

    @cached_property
    def best(self) -> dict[str, tuple[str, ...]]:
        """Metric -> labels of the allocations tied at the best value (metrics with a direction)."""
        from pvd_optim import analysis

        return dict(analysis.best_labels(self.metrics))

    def metric_info(self, key: str) -> tuple[str, str, str | None, str]:
        """``(label, unit, better, description)`` of a metric, tolerant of unknown keys."""
        from pvd_optim import analysis

        info = analysis.METRICS.get(key)
        if info is None:
            return key, "", None, ""
        return info.label, info.unit, info.better, info.description

    @cached_property
    def summary_by_year(self) -> pd.DataFrame:
        """National totals per allocation and programme year (one row per year)."""
        import pandas as pd

        rows = []
        for a in self.allocations:
            for year, totals in a.totals_by_year().items():
                rows.append({
                    "label": a.label, "year": int(year),
                    "funding_eur": totals["funding_eur"], "envelope_eur": totals["envelope_eur"],
                    "expert_days": totals["expert_days"],
                    "capacity_days": totals["capacity_days"], "posts": totals["posts"],
                    "covered_towns": totals["covered_towns"],
                    "joined_towns": totals["joined_towns"],
                })
        return pd.DataFrame(rows)

    @property
    def has_years(self) -> bool:
        """Whether any allocation spans several programme years."""
        return any(len(a.calendar) > 1 for a in self.allocations)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Status, objective and national totals per allocation."""
        import pandas as pd

        rows = []
        for a in self.allocations:
            totals = a.totals()
            rows.append({
                "label": a.label, "scenario": a.scenario_name, "status": a.status,
                "objective_keur_equivalent": a.objective,
                "funding_eur": totals["funding_eur"], "expert_days": totals["expert_days"],
                "posts": totals["posts"], "covered_towns": totals["covered_towns"],
                "eligible_towns": totals["eligible_towns"],
                # The regional quotas of posts in force (balance mode quota), if any.
                "quota_method": a.inputs.quota_method,
                "quota_posts": (float(a.inputs.post_quota.sum())
                                if a.inputs.post_quota is not None else np.nan),
            })
        return pd.DataFrame(rows)

    # ---- areas ----------------------------------------------------------------------------
    @cached_property
    def _departments(self) -> dict[tuple[str, ...], np.ndarray]:
        # One commune-table lookup per distinct town set (strategies share theirs), only
        # when no allocation of that set carries its departments in town_info.
        out: dict[tuple[str, ...], np.ndarray] = {}
        for a in self.allocations:
            codes = tuple(a.inputs.town_codes)
            info = a.town_info
            if info is not None and "department" in info.columns:
                out[codes] = info["department"].reindex(list(codes)).fillna("").astype(
                    str).to_numpy()
        for a in self.allocations:
            codes = tuple(a.inputs.town_codes)
            if codes not in out:
                out[codes] = department_codes(codes)
        return out

    def areas(self, level: str) -> dict[str, pd.DataFrame]:
        """``label -> area_table`` at ``level`` (``region`` or ``department``)."""
        cache = self.__dict__.setdefault("_areas", {})
        if level not in cache:
            cache[level] = {
                a.label: area_table(a, level, self._departments[tuple(a.inputs.town_codes)]
                                    if level == "department" else None)
                for a in self.allocations}
        return cache[level]

    def area_differences(self, level: str) -> dict[tuple[str, str], pd.DataFrame]:
        """``(from, to) -> area_difference`` for each compared pair."""
        areas = self.areas(level)
        return {(x, y): area_difference(areas[x], areas[y]) for x, y in self.pairs}

    @cached_property
    def deviation(self) -> pd.DataFrame:
        """Per allocation, region and resource: used, fair share, relative deviation."""
        frames = {a.label: a.by_region[["period", "region_code", "region_name", "resource",
                                        "unit", "used", "fair_share", "relative_deviation",
                                        "outside_band"]]
                  for a in self.allocations}
        return _long(frames, "label")

    # ---- towns ----------------------------------------------------------------------------
    @cached_property
    def town_changes(self) -> dict[tuple[str, str], pd.DataFrame]:
        """``changes.top_changes`` per pair over the same towns; other pairs get a note."""
        from pvd_optim.changes import top_changes

        out = {}
        for x, y in self.pairs:
            a, b = self.allocation(x), self.allocation(y)
            if tuple(a.inputs.town_codes) != tuple(b.inputs.town_codes):
                self.notes.append(
                    f"Town changes {x} -> {y} skipped: the two allocations cover different "
                    f"town sets ({a.inputs.n_towns} and {b.inputs.n_towns} towns); "
                    "regional and departmental differences are still shown.")
                continue
            out[(x, y)] = top_changes(a, b, n=self.top_n)
        return out

    # ---- inputs ---------------------------------------------------------------------------
    @cached_property
    def _scenario_groups(self) -> dict[str, tuple[dict[str, Any], list[str]]]:
        # Distinct scenarios (ignoring the file path), named by scenario name, with the
        # labels of the allocations that came from each: strategies share one scenario.
        out: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for label in self.labels:
            content = self.scenarios.get(label)
            if content is None:
                continue
            clean = {k: v for k, v in content.items() if k != "source"}
            match = next((name for name, (other, _) in out.items() if other == clean), None)
            if match is None:
                match = str(content.get("name") or label)
                if match in out:  # two different scenarios with the same name
                    match = f"{match} ({label})"
                out[match] = (clean, [])
            out[match][1].append(label)
        return out

    @cached_property
    def scenario_differences(self) -> pd.DataFrame:
        """Scenario parameters that differ, one column per distinct scenario."""
        return scenario_differences({name: content for name, (content, _)
                                     in self._scenario_groups.items()})

    @property
    def scenario_users(self) -> dict[str, list[str]]:
        """Scenario column of :attr:`scenario_differences` -> allocation labels using it."""
        return {name: labels for name, (_, labels) in self._scenario_groups.items()}

    # ---- export ---------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report, named as its file (CSV) or sheet (Excel)."""
        metrics = self.metrics.copy()
        metrics.index.name = "label"
        metrics = metrics.reset_index()
        metrics["best_in"] = [", ".join(sorted(k for k, v in self.best.items() if label in v))
                              for label in metrics["label"]]
        town_changes = _long({f"{x} -> {y}": frame.reset_index(drop=frame.index.name is None)
                              for (x, y), frame in self.town_changes.items()}, "comparison")
        by_year = {"summary_by_year": self.summary_by_year} if self.has_years else {}
        from pvd_optim.report.collective import collective_table

        collective = collective_table(self)
        by_year |= {"collective_actions": collective} if collective is not None else {}
        return {
            "metrics": metrics,
            "summary": self.summary,
            **by_year,
            "regions": _long(self.areas("region"), "label"),
            "departments": _long(self.areas("department"), "label"),
            "region_differences": _long({f"{x} -> {y}": f for (x, y), f
                                         in self.area_differences("region").items()},
                                        "comparison"),
            "department_differences": _long({f"{x} -> {y}": f for (x, y), f
                                             in self.area_differences("department").items()},
                                            "comparison"),
            "regional_deviation": self.deviation,
            "top_changes": town_changes,
            "scenario_differences": self.scenario_differences,
        }
