"""The comparison's conclusion in words, every sentence computed from the tables.

Which allocation is best on which metric, what the leading allocation gains over
the best other one (by default the best simple rule), what it gives up, and why,
from quantities measured on the allocations: towns at their cap, town-theme
pairs at saturation, how funding per inhabitant varies with population, and
why towns are left without a project lead (:mod:`pvd_optim.reasons`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.i18n import Translator
from pvd_optim.inputs import EUR_PER_UNIT
from pvd_optim.report.labels import metric_label
from pvd_optim.tolerances import NOISE, TIE_RELATIVE, allowed_excess
from pvd_optim.town.wording import REASON_WORDS

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.report.tables import Comparison
    from pvd_optim.results import Allocation

HEURISTIC = "heuristic"


@dataclass
class Conclusion:
    """Sentences first, then one line per allocation: the metrics it is best on."""

    sentences: list[str] = field(default_factory=list)
    best: list[str] = field(default_factory=list)
    tradeoffs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Measured:
    """What explains an allocation's shape, measured on it."""

    towns_at_cap: int
    capped_per_inhabitant: int
    cap_per_inhabitant_eur: float | None
    pairs_at_saturation: int
    pairs_funded: int
    saturation_eur: float
    pairs_at_breakpoint: int  # funded pairs stopped exactly at the end of a curve segment
    small_towns_below: float  # population under which a town is in the smallest quarter
    large_towns_above: float
    per_inhabitant_small_eur: float
    per_inhabitant_large_eur: float
    per_town_small_eur: float  # mean funding of a funded town of the smallest quarter
    per_town_large_eur: float


def constant_metrics(c: Comparison) -> list[str]:
    """Metrics whose value is the same for every allocation (listed once, not charted)."""
    out = []
    for key in c.metrics.columns:
        values = c.metrics[key].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if len(values) > 1 and len(finite) == len(values) and np.all(
                np.abs(finite - finite[0]) <= TIE_RELATIVE * max(1.0, abs(finite[0]))):
            out.append(str(key))
    return out


def measure(a: Allocation) -> Measured:
    """Caps, saturation and funding per inhabitant by town size, in one allocation."""
    inp, arr = a.inputs, a.arrays
    funding = arr.funding_keur.sum(axis=1)
    at_cap = (arr.covered > 0.5) & (inp.cap_keur > 0) & (
        funding >= inp.cap_keur - allowed_excess(inp.cap_keur))
    absolute = float(inp.cap_keur.max()) if inp.n_towns else 0.0
    per_inhabitant = inp.cap_keur < absolute - float(allowed_excess(absolute))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = inp.cap_keur[per_inhabitant] / inp.population[per_inhabitant]
    cap_inh = float(np.median(ratios) * EUR_PER_UNIT) if per_inhabitant.any() else None
    saturation = inp.saturation_keur[None, :]
    funded = arr.funding_keur > NOISE
    saturated = funded & (arr.funding_keur >= saturation - allowed_excess(saturation))
    q1, q3 = np.quantile(inp.population, [0.25, 0.75]) if inp.n_towns else (0.0, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        head = np.where(inp.population > 0, funding * EUR_PER_UNIT / inp.population, np.nan)
    small, large = inp.population <= q1, inp.population >= q3
    ends = np.cumsum(inp.segment_widths)[None, None, :] * saturation[:, :, None]
    at_end = np.abs(arr.funding_keur[:, :, None] - ends) <= allowed_excess(ends)
    breakpoint = funded & at_end.any(axis=2)
    funded_town = funding > NOISE

    def mean(values: np.ndarray, where: np.ndarray) -> float:
        return float(np.nanmean(values[where])) if where.any() else float("nan")

    return Measured(
        int(at_cap.sum()), int((at_cap & per_inhabitant).sum()), cap_inh,
        int(saturated.sum()), int(funded.sum()),
        float(np.median(inp.saturation_keur) * EUR_PER_UNIT) if inp.n_themes else 0.0,
        int(breakpoint.sum()), float(q1), float(q3), mean(head, small), mean(head, large),
        mean(funding * EUR_PER_UNIT, small & funded_town),
        mean(funding * EUR_PER_UNIT, large & funded_town))


def _metric(metrics: pd.DataFrame, label: str, key: str) -> float:
    """One allocation's value of one metric."""
    return float(metrics[key].to_numpy(dtype=float)[metrics.index.get_loc(label)])


def _value(t: Translator, key: str, value: float) -> str:
    _, unit = metric_label(t, key)
    if "share" in key or "deviation" in key or key.endswith("utilisation"):
        return t.percent(value, 1)
    if key.endswith("_eur"):
        return t.eur(value)
    if key == "objective":
        return t.keur_eq(value, 1)
    return f"{t.compact(value)} {unit}".strip()


def _why(t: Translator, a: Allocation, m: Measured) -> list[str]:
    out = [t.gettext(
        "Why, in {label}: {at_cap} towns are at their funding cap ({per_inhabitant} of them "
        "capped per inhabitant{cap_inh}); of the {funded} funded town-theme pairs, "
        "{saturated} are at their saturation of {saturation} and {breakpoints} stop exactly "
        "where a segment of the benefit curve ends and the next euro is worth less.").format(
        label=a.label, at_cap=t.number(m.towns_at_cap),
        per_inhabitant=t.number(m.capped_per_inhabitant),
        cap_inh=(t.gettext(", at {cap} per inhabitant").format(cap=t.eur(m.cap_per_inhabitant_eur))
                 if m.cap_per_inhabitant_eur is not None else ""),
        saturated=t.number(m.pairs_at_saturation), funded=t.number(m.pairs_funded),
        saturation=t.eur(m.saturation_eur), breakpoints=t.number(m.pairs_at_breakpoint))]
    if np.isfinite(m.per_inhabitant_small_eur) and np.isfinite(m.per_inhabitant_large_eur):
        trend = (t.gettext("falls") if m.per_inhabitant_small_eur > m.per_inhabitant_large_eur
                 else t.gettext("rises"))
        out.append(t.gettext(
            "Funding per inhabitant {trend} with population: {small} a head on average in the "
            "smallest quarter of towns (up to {q1} inhabitants), {large} in the largest quarter "
            "(from {q3}). A funded town gets {small_town} on average in the smallest quarter and "
            "{large_town} in the largest: the benefit of a euro follows a town's need, not its "
            "size, so the amount per town varies far less than the population.").format(
            trend=trend, small=t.eur(m.per_inhabitant_small_eur, 2),
            large=t.eur(m.per_inhabitant_large_eur, 2), q1=t.number(m.small_towns_below),
            q3=t.number(m.large_towns_above), small_town=t.eur(m.per_town_small_eur),
            large_town=t.eur(m.per_town_large_eur)))
    return out


def _uncovered(t: Translator, a: Allocation) -> str:
    from pvd_optim.reasons import uncovered_towns

    towns = uncovered_towns(a)
    if not towns:
        return t.gettext("Every eligible town has a project lead in {label}.").format(
            label=a.label)
    counts = Counter(town.reason for town in towns)
    parts = "; ".join(t.gettext("{count} because {reason}").format(
        count=t.number(n), reason=t.gettext(REASON_WORDS[reason]))
        for reason, n in counts.most_common())
    return t.gettext("{count} towns have no project lead in {label}: {parts}.").format(
        count=t.number(len(towns)), label=a.label, parts=parts)


def conclusion(c: Comparison, t: Translator) -> Conclusion:
    """The conclusion of comparison ``c`` in ``t``'s language."""
    out = Conclusion()
    metrics = c.metrics
    objective = metrics["objective"]
    optimised = [a for a in c.allocations if a.status != HEURISTIC]
    lead = max(optimised or c.allocations, key=lambda a: float(objective[a.label]))
    others = [a for a in c.allocations if a is not lead]
    rules = [a for a in others if a.status == HEURISTIC]
    rival = max(rules or others, key=lambda a: float(objective[a.label])) if others else None
    constant = set(constant_metrics(c))
    if rival is None:
        out.sentences.append(t.gettext("One allocation, {label}: need-weighted benefit {value}."
                                       ).format(label=lead.label,
                                                value=t.keur_eq(float(objective[lead.label]))))
    else:
        ours, theirs = float(objective[lead.label]), float(objective[rival.label])
        template = (t.gettext("{lead} gives {gain} more need-weighted benefit than the best "
                              "simple rule, {rival} ({a} against {b}).") if rival in rules
                    else t.gettext("{lead} gives {gain} more need-weighted benefit than the "
                                   "next best allocation, {rival} ({a} against {b})."))
        out.sentences.append(template.format(
            lead=lead.label, rival=rival.label,
            gain=t.percent((ours - theirs) / abs(theirs) if theirs else 0.0, 1),
            a=t.keur_eq(ours), b=t.keur_eq(theirs)))
        fifth = "fragile_fifth_covered_share"
        gini = "gini_funding_per_inhabitant"
        out.sentences.append(t.gettext(
            "{lead} covers {lead_fifth} of the most fragile fifth of towns ({rival}: "
            "{rival_fifth}); its Gini of funding per inhabitant is {lead_gini}, against "
            "{rival_gini} for {rival} (0 when every town gets the same per inhabitant).").format(
            lead=lead.label, rival=rival.label,
            lead_fifth=t.percent(_metric(metrics, lead.label, fifth), 0),
            rival_fifth=t.percent(_metric(metrics, rival.label, fifth), 0),
            lead_gini=t.number(_metric(metrics, lead.label, gini), 2),
            rival_gini=t.number(_metric(metrics, rival.label, gini), 2)))
        worse = [key for key, labels in c.best.items() if key not in constant
                 and rival.label in labels and lead.label not in labels]
        if worse:
            against = t.gettext("against")
            out.tradeoffs.append(t.gettext("Where {rival} does better than {lead}: {metrics}."
                                           ).format(rival=rival.label, lead=lead.label,
                                                    metrics="; ".join(
                f"{metric_label(t, k)[0]} ({_value(t, k, _metric(metrics, rival.label, k))} "
                f"{against} {_value(t, k, _metric(metrics, lead.label, k))})"
                for k in worse)))
    out.sentences += _why(t, lead, measure(lead))
    if rival is not None:
        m = measure(rival)
        out.sentences.append(t.gettext(
            "In {label}: {at_cap} towns at their cap, {saturated} town-theme pairs at "
            "saturation.").format(label=rival.label, at_cap=t.number(m.towns_at_cap),
                                  saturated=t.number(m.pairs_at_saturation)))
    out.sentences.append(_uncovered(t, lead))
    for a in c.allocations:
        keys = [k for k, labels in c.best.items() if a.label in labels and k not in constant]
        out.best.append(t.gettext("{label}: best on {metrics}.").format(
            label=a.label, metrics=", ".join(metric_label(t, k)[0] for k in keys))
            if keys else t.gettext("{label}: best on none of the metrics that differ.").format(
            label=a.label))
    return out
