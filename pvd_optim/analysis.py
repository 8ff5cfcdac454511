"""Measures of an allocation, comparable across strategies (pure functions, no I/O).

Every function reads an :class:`~pvd_optim.results.Allocation` (its inputs and
arrays) and returns plain numbers or a DataFrame; nothing here solves, writes
or prints. Money is reported in EUR (the model's k EUR converted back), like
the rest of the planner-facing outputs.

``METRICS`` describes every number :func:`metrics_table` puts in a column:
its label, unit and which direction is better, so a report can format and
rank without knowing the metrics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from pvd_optim.check import band_deviations, check_allocation, objective_parts
from pvd_optim.errors import InputError
from pvd_optim.families import Family, of_kind
from pvd_optim.families.reference import BALANCE
from pvd_optim.i18n.message import Message
from pvd_optim.inputs import EUR_PER_UNIT, RESOURCES, FloatArray, ProgrammeArrays
from pvd_optim.tolerances import TIE_RELATIVE, allowed_excess

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.results import Allocation


@dataclass(frozen=True)
class MetricInfo:
    """How to read one metric: ``better`` is the direction a planner prefers, if any."""

    label: str
    unit: str
    better: Literal["higher", "lower"] | None
    description: str


_RESOURCE_WORDS = {"funding": "funding", "days": "expert-days", "towns": "covered towns"}

#: Target families measured by the checker's own violations (balance, per resource and
#: region, has its own metrics below); the registry's unit of each family's rows gives the
#: metric's unit and the factor from model units.
SHORTFALL_FAMILIES: tuple[Family, ...] = tuple(f for f in of_kind("target") if f is not BALANCE)
_SHORTFALL_UNIT: dict[str, tuple[str, str, float]] = {
    "k EUR": ("EUR", "eur", EUR_PER_UNIT),
    "towns": ("towns", "towns", 1.0),
    "expert-days": ("days", "days", 1.0),
    "posts": ("posts", "posts", 1.0),
    "events": ("events", "events", 1.0),  # Cerema's collective actions (collective_minimum)
}


def shortfall_key(family: Family) -> str:
    """The metric naming how far an allocation misses a target family (``spend_min_...``)."""
    return f"{family.name}_shortfall_{_SHORTFALL_UNIT[family.unit][1]}"

#: Every column of :func:`metrics_table`, in order.
METRICS: dict[str, MetricInfo] = {
    "objective": MetricInfo(
        "Need-weighted benefit", "k EUR-equivalent", "higher",
        "The model's objective recomputed from the allocation: need-weighted benefit of "
        "funding and expert-days on the concave curve, plus fragility-weighted coverage, "
        "minus soft-balance penalties."),
    "covered_share": MetricInfo(
        "Towns covered", "share of eligible towns", "higher",
        "Eligible towns with a co-funded project lead, over all eligible towns."),
    "need_covered_share": MetricInfo(
        "Need in covered towns", "share of total need", "higher",
        "Sum of need over all themes of the covered towns, over the sum over all towns."),
    "need_funded_share": MetricInfo(
        "Need reached by funding", "share of total need", "higher",
        "sum over towns and themes of need x min(1, funding / saturation), over the sum of "
        "need: 1 when every town-theme pair with need is funded up to saturation."),
    "fragile_fifth_covered_share": MetricInfo(
        "Most fragile fifth covered", "share of those towns", "higher",
        "Share of the ceil(n/5) most fragile eligible towns (ties by town order) that have "
        "a project lead."),
    "gini_funding_per_inhabitant": MetricInfo(
        "Gini of funding per inhabitant", "index in [0, 1]", "lower",
        "Gini coefficient of funding per inhabitant across all eligible towns (unfunded towns "
        "count as 0): 0 when every town gets the same per inhabitant."),
    "theil_funding_per_inhabitant": MetricInfo(
        "Theil of funding per inhabitant", "index in [0, ln n]", "lower",
        "Theil T index of funding per inhabitant across eligible towns (0 ln 0 = 0): 0 when "
        "equal, ln n when one town gets everything."),
    **{
        f"{kind}_regional_deviation_{resource}": MetricInfo(
            f"{kind.capitalize()} regional deviation, {_RESOURCE_WORDS[resource]}",
            "share of the fair share", "lower",
            f"{'Largest' if kind == 'max' else 'Mean'} over regions of |used - fair| / fair, "
            f"fair = the region's fair share x the {_RESOURCE_WORDS[resource]} allocated.")
        for resource in RESOURCES for kind in ("max", "mean")
    },
    "funding_eur": MetricInfo(
        "Funding allocated", "EUR", None, "Total funding allocated."),
    "envelope_used_share": MetricInfo(
        "Envelope used", "share of the envelope", None,
        "Funding allocated over the funding envelope."),
    "expert_days": MetricInfo(
        "Expert-days allocated", "days", None, "Total Cerema expert-days allocated."),
    "capacity_used_share": MetricInfo(
        "Cerema capacity used", "share of capacity", None,
        "Expert-days allocated over the capacity of all directorates."),
    "max_directorate_utilisation": MetricInfo(
        "Busiest directorate", "share of its capacity", None,
        "Largest days used / capacity over Cerema directorates."),
    "covered_towns": MetricInfo(
        "Covered towns", "towns", "higher",
        "Towns with a co-funded project lead (over several years: in the last one)."),
    "posts": MetricInfo(
        "Posts", "posts", None,
        "Co-funded posts: ceil(covered towns / m) per group, summed (over several years: "
        "the last year's)."),
    "engineering_used_share": MetricInfo(
        "Engineering budget used", "share of the budget", None,
        "Posts x subsidy per post over the engineering budget (over several years: "
        "the post-years of every year over the horizon's budget)."),
    "outside_band_funding_eur": MetricInfo(
        "Funding outside the balance band", "EUR", "lower",
        "Sum over regions of the funding below or above the regional balance band."),
    "outside_band_days": MetricInfo(
        "Days outside the balance band", "days", "lower",
        "Sum over regions of the expert-days below or above the regional balance band."),
    "outside_band_towns": MetricInfo(
        "Covered towns outside the balance band", "towns", "lower",
        "Sum over regions of the covered towns below or above the (widened) balance band."),
    "region_resource_pairs_outside_band": MetricInfo(
        "Region-resource pairs outside the band", "count", "lower",
        "Number of (region, resource) pairs outside the balance band (beyond the checker's "
        "tolerance)."),
    **{
        shortfall_key(family): MetricInfo(
            f"{family.title.capitalize()} shortfall", _SHORTFALL_UNIT[family.unit][0], "lower",
            f"How far the allocation misses the rule '{family.verifies}': the sum of the "
            "checker's violations beyond its tolerance.")
        for family in SHORTFALL_FAMILIES
    },
}


# ---- inequality indices --------------------------------------------------------------------


def gini(values: FloatArray) -> float:
    """Gini coefficient of non-negative ``values``: 0 if equal; NaN if empty or all zero.

    Sorted form of mean |x_i - x_j| / (2 mean): ``sum_i (2i - n - 1) x_(i) / (n sum x)``
    with ``i`` = 1..n over the ascending values.
    """
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n, total = len(x), float(x.sum()) if len(x) else 0.0
    if n == 0 or total <= 0:
        return math.nan
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def theil(values: FloatArray) -> float:
    """Theil T index ``mean((x/mu) ln(x/mu))`` with 0 ln 0 = 0; NaN if empty or all zero."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if len(x) == 0 or x.sum() <= 0:
        return math.nan
    ratio = x / x.mean()
    positive = ratio > 0
    return float((ratio[positive] * np.log(ratio[positive])).sum() / len(x))


# ---- measures of one allocation ------------------------------------------------------------


def need_weighted_benefit(a: Allocation) -> float:
    """The model's objective recomputed from the arrays (k EUR-equivalents).

    Computed from the allocation and the inputs alone, whatever produced it, so
    it is comparable across strategies on the same inputs.
    """
    return objective_parts(a.full_programme, ProgrammeArrays(a.years_arrays))["total"]


def coverage(a: Allocation) -> dict[str, float]:
    """Coverage shares (see ``METRICS`` for the exact definitions).

    ``covered_share``, ``need_covered_share``, ``need_funded_share`` (need x
    min(1, funding / saturation) over total need) and
    ``fragile_fifth_covered_share``.
    """
    inp, arr = a.inputs, a.arrays
    n = inp.n_towns
    covered = arr.covered
    total_need = float(inp.need.sum())
    funded_fraction = np.minimum(1.0, arr.funding_keur / inp.saturation_keur[None, :])
    fifth = math.ceil(n / 5)
    # Most fragile first, ties in town order: a stable sort of -fragility.
    fragile = np.argsort(-inp.fragility, kind="stable")[:fifth]
    return {
        "covered_share": float(covered.sum() / n) if n else math.nan,
        "need_covered_share": (float((inp.need.sum(axis=1) * covered).sum() / total_need)
                               if total_need > 0 else math.nan),
        "need_funded_share": (float((inp.need * funded_fraction).sum() / total_need)
                              if total_need > 0 else math.nan),
        "fragile_fifth_covered_share": float(covered[fragile].mean()) if fifth else math.nan,
    }


def regional_relative_deviation(a: Allocation) -> FloatArray:
    """(3, R) ``(used - fair) / fair`` per resource (funding, days, towns) and region.

    ``fair`` = the region's fair share x the resource's allocated total; 0 where
    the fair amount is 0 (nothing of the resource allocated, or a zero share).
    """
    used = a.arrays.used_by_region(a.inputs)
    fair = a.inputs.fair_share[None, :] * used.sum(axis=1, keepdims=True)
    return np.divide(used - fair, fair, out=np.zeros_like(used), where=fair > 0)


def equity(a: Allocation) -> dict[str, float]:
    """Gini and Theil of funding per inhabitant across towns; regional deviations.

    ``max_regional_deviation_<resource>`` and ``mean_regional_deviation_<resource>``
    are the largest and mean ``|used - fair| / fair`` over regions, for
    funding, days and covered towns. Towns with no recorded population are
    left out of the per-inhabitant indices.
    """
    inp = a.inputs
    per_inhabitant = a.arrays.funding_keur.sum(axis=1) * EUR_PER_UNIT
    has_people = inp.population > 0
    per_inhabitant = per_inhabitant[has_people] / inp.population[has_people]
    out = {
        "gini_funding_per_inhabitant": gini(per_inhabitant),
        "theil_funding_per_inhabitant": theil(per_inhabitant),
    }
    deviation = np.abs(regional_relative_deviation(a))
    for j, resource in enumerate(RESOURCES):
        out[f"max_regional_deviation_{resource}"] = float(deviation[j].max())
        out[f"mean_regional_deviation_{resource}"] = float(deviation[j].mean())
    return out


def resource_use(a: Allocation) -> dict[str, float | dict[str, dict[str, float]]]:
    """Funding, days and posts used, absolutely and as shares of what was available.

    ``by_directorate`` maps each Cerema directorate to its ``days``,
    ``capacity_days`` and ``utilisation``; the other keys are numbers.
    """
    inp, arr = a.inputs, a.arrays
    funding_keur = float(arr.funding_keur.sum())
    days_used = np.bincount(inp.directorate_of_town, weights=arr.days.sum(axis=1),
                            minlength=inp.n_directorates)
    utilisation = np.divide(days_used, inp.capacity_days, out=np.zeros_like(days_used),
                            where=inp.capacity_days > 0)
    capacity = float(inp.capacity_days.sum())
    posts = float(a.posts_by_group.sum())
    # Over several years the budget is the horizon's (horizon_view), so the posts that
    # spend it are every year's, not the last year's that ``posts`` reports.
    subsidy_keur = sum(float(year.posts_needed(arrays.covered).sum()) * year.post_cost_keur
                       for year, arrays in zip(a.years_inputs, a.years_arrays, strict=True))
    return {
        "funding_eur": funding_keur * EUR_PER_UNIT,
        "envelope_used_share": funding_keur / inp.envelope_keur if inp.envelope_keur > 0
        else math.nan,
        "expert_days": float(days_used.sum()),
        "capacity_used_share": float(days_used.sum()) / capacity if capacity > 0 else math.nan,
        "max_directorate_utilisation": float(utilisation.max()) if len(utilisation)
        else math.nan,
        "covered_towns": float(arr.covered.sum()),
        "posts": posts,
        "engineering_used_share": (subsidy_keur / inp.engineering_budget_keur
                                   if inp.engineering_budget_keur > 0 else math.nan),
        "by_directorate": {
            name: {"days": float(days_used[d]), "capacity_days": float(inp.capacity_days[d]),
                   "utilisation": float(utilisation[d])}
            for d, name in enumerate(inp.directorate_names)
        },
    }


def constraint_violations(a: Allocation) -> dict[str, float]:
    """How far the allocation misses the rules beyond what it promises.

    Computed for every target family whatever the strategy promised (a promised
    family was checked, so its figure is 0): balance-band excess per resource
    (measured with the scenario's tolerance even when balance is soft or off)
    and the number of region-resource pairs outside the band; for every other
    target family, the sum of the checker's violations beyond its tolerance
    (solver noise within it counts as 0). Money in EUR.
    """
    inp, arr = a.inputs, a.arrays
    years = ProgrammeArrays(a.years_arrays)  # every year (a one-year allocation: its year)
    below, above = band_deviations(a.full_programme, years)
    used = arr.used_by_region(inp)
    outside = _beyond_tolerance(below + above, used)
    out = {
        "outside_band_funding_eur": float(outside[0].sum() * EUR_PER_UNIT),
        "outside_band_days": float(outside[1].sum()),
        "outside_band_towns": float(outside[2].sum()),
        "region_resource_pairs_outside_band": float((outside > 0).sum()),
    }
    report = check_allocation(a.full_programme, years, SHORTFALL_FAMILIES)
    for family in SHORTFALL_FAMILIES:
        excess = sum(v.excess for v in report.violations if v.family == family.name)
        out[shortfall_key(family)] = float(excess * _SHORTFALL_UNIT[family.unit][2])
    return out


def _beyond_tolerance(shortfall: FloatArray, rhs: FloatArray) -> FloatArray:
    """``shortfall`` where it exceeds the checker's tolerance on ``rhs``, else 0."""
    shortfall = np.maximum(shortfall, 0.0)
    return np.where(shortfall > allowed_excess(rhs), shortfall, 0.0)


def metrics(a: Allocation) -> dict[str, float]:
    """Every metric of ``METRICS`` for one allocation, as plain floats."""
    use = {key: value for key, value in resource_use(a).items() if not isinstance(value, dict)}
    values: dict[str, float] = {
        "objective": need_weighted_benefit(a),
        **coverage(a),
        **equity(a),
        **use,
        **constraint_violations(a),
    }
    return {key: float(values[key]) for key in METRICS}


def metrics_table(allocations: Sequence[Allocation]) -> pd.DataFrame:
    """One row per allocation (index: labels), one column per ``METRICS`` key, numbers only.

    Raises ``InputError`` (a ``ValueError``) when two allocations share a label (rows would
    be ambiguous).
    """
    import pandas as pd

    labels = [a.label for a in allocations]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        raise InputError(Message(
            "The 'allocations' parameter of metrics_table must have distinct labels. "
            "Got {duplicated} more than once instead.", duplicated=str(duplicated)))
    rows = [metrics(a) for a in allocations]
    return pd.DataFrame(rows, index=pd.Index(labels, name="allocation"),
                        columns=list(METRICS), dtype=np.float64)


def best_labels(table: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """For each ranked metric in ``table``, the labels of the best allocations.

    Every allocation tied with the best value (within 1e-9, relative) is listed, in
    row order: giving a tie to one of them would flatter it. Metrics without a
    direction (``better is None``), unknown columns and all-NaN columns are
    skipped; NaN never wins.
    """
    out: dict[str, tuple[str, ...]] = {}
    for key in table.columns:
        info = METRICS.get(key)
        if info is None or info.better is None:
            continue
        column = table[key].astype(np.float64)
        if column.isna().all():
            continue
        best = column.max() if info.better == "higher" else column.min()
        tied = (column - best).abs() <= TIE_RELATIVE * max(1.0, abs(best))
        out[key] = tuple(str(label) for label in column.index[tied.fillna(False).to_numpy()])
    return out
