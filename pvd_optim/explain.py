"""Explanations in plain words: what binds, what the shadow prices mean, who deviates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pvd_optim.inputs import EUR_PER_MILLION, EUR_PER_UNIT, keur_to_eur
from pvd_optim.tolerances import NOISE

if TYPE_CHECKING:
    from pvd_optim.results import Allocation


def _eur(value: float) -> str:
    if abs(value) >= EUR_PER_MILLION:
        return f"{value / EUR_PER_MILLION:,.2f} M EUR"
    if abs(value) >= EUR_PER_UNIT:
        return f"{value / EUR_PER_UNIT:,.1f} k EUR"
    return f"{value:,.0f} EUR"


def _signed_pct(value: float) -> str:
    """+1.5%, -0.2%, and 0.0% rather than a signed zero."""
    text = f"{value:+.1%}"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def explain_markdown(allocation: Allocation) -> str:
    """A planner-readable account of an allocation, as Markdown."""
    a = allocation
    totals = a.totals()
    parts = a.objective_parts
    lines = [f"# {a.scenario_name}: {a.label}", ""]
    status_words = {
        "optimal": "proven optimal",
        "feasible": "NOT proven optimal: the solver stopped at its limit with this allocation",
        "relaxed": "LP RELAXATION: posts and coverage may be fractional; not an allocation to "
                   "implement as is",
    }
    gap = f", MIP gap {a.mip_gap:.2e}" if a.mip_gap is not None else ""
    lines += [
        f"**Status: {a.status}** ({status_words.get(a.status, a.status)}{gap}); solver "
        f"{a.solver} {a.solver_version}, {a.solve_seconds:.2f} s.",
        "",
        "## What was allocated",
        "",
        f"- Funding: {_eur(totals['funding_eur'])} of an envelope of "
        f"{_eur(totals['envelope_eur'])}.",
        f"- Cerema expertise: {totals['expert_days']:,.1f} expert-days of "
        f"{totals['capacity_days']:,.0f} available.",
        f"- Engineering: {totals['posts']:,.0f} co-funded posts ({_eur(totals['engineering_eur'])}"
        f" of {_eur(totals['engineering_budget_eur'])}) covering "
        f"{totals['covered_towns']:,.0f} of {totals['eligible_towns']:,.0f} eligible towns.",
        "",
        "## Benefit (objective, k EUR-equivalents)",
        "",
        f"- Total: {a.objective:,.1f}",
        f"- Funding benefit (need-weighted, diminishing returns): {parts['funding_benefit']:,.1f}",
        f"- Expertise benefit (need-weighted, diminishing returns; a day is worth "
        f"{keur_to_eur(a.inputs.value_per_day_keur):,.0f} EUR at full need on the first segment): "
        f"{parts['expertise_benefit']:,.1f}",
        f"- Coverage value (at {keur_to_eur(a.inputs.value_per_cover_keur):,.0f} EUR per covered "
        f"town-year, weighted by fragility): {parts['coverage_value']:,.1f}",
    ]
    if parts["balance_penalty"]:
        lines.append(f"- Soft regional-balance penalty: {parts['balance_penalty']:,.1f}")
    lines += ["", "## What limits the allocation (binding constraints)", ""]
    if a.binding:
        lines += [f"- {item}" for item in a.binding]
    else:
        lines.append("- No national, directorate or regional constraint binds.")
    prices = a.shadow_prices
    if prices is not None:
        lines += ["", "## Shadow prices", "", f"Computed on the {prices.basis}.", ""]
        if prices.envelope_per_keur is not None:
            lines.append(
                f"- One more k EUR of funding envelope would add {prices.envelope_per_keur:.3f} "
                "k EUR-equivalents of benefit."
            )
        positive = {d: v for d, v in prices.capacity_per_day.items() if abs(v) > NOISE}
        if positive:
            for name, value in sorted(positive.items(), key=lambda kv: -kv[1]):
                lines.append(
                    f"- One more expert-day for {name} would add {value:.3f} k EUR-equivalents."
                )
        elif prices.capacity_per_day:
            lines.append("- No directorate's expert-day capacity is worth more at the margin.")
        if prices.price_of_balance is not None:
            lines.append(
                f"- Price of regional balance: widening the tolerance by 0.05 would add "
                f"{prices.price_of_balance:,.2f} k EUR-equivalents (re-solved at gap 0)."
            )
        if prices.value_of_one_more_post is not None:
            lines.append(
                f"- Value of one more post's budget: {prices.value_of_one_more_post:,.2f} "
                "k EUR-equivalents (re-solved at gap 0)."
            )
    lines += ["", "## Regional balance (deviation from the fair share)", ""]
    region = a.by_region
    lines.append("| region | funding | days | covered towns |")
    lines.append("|---|---:|---:|---:|")
    pivot = region.pivot(index="region", columns="resource", values="relative_deviation")
    for name, row in pivot.iterrows():  # type: ignore[assignment]
        lines.append(f"| {name} | {_signed_pct(row['funding'])} | {_signed_pct(row['days'])} | "
                     f"{_signed_pct(row['towns'])} |")
    lines += ["", "## Verification", ""]
    if a.check.ok:
        lines.append(
            "Every constraint was re-verified independently on the extracted numbers: "
            + ", ".join(a.check.checked) + "."
        )
    else:
        lines.append("Constraints this allocation does not satisfy (it does not promise them):")
        lines += [f"- {v}" for v in a.check.violations[:50]]
    return "\n".join(lines) + "\n"
