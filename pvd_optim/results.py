"""``Allocation``: one allocation's numbers, explanations and tables.

Values come from the solver once, as numpy arrays (``AllocationArrays``), are
checked, and only then wrapped in DataFrames here. Money in tables is in EUR
(the model's k EUR converted back); shadow prices are in planner units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim.check import CheckReport, band_deviations, objective_parts
from pvd_optim.families import Binding
from pvd_optim.inputs import EUR_PER_UNIT, RESOURCES, AllocationArrays, ModelInputs
from pvd_optim.scenario.schema import SolverSection
from pvd_optim.tolerances import NOISE

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class Problem:
    """One allocation problem as posed: the model inputs and where they came from.

    Every way of allocating (the optimum, each baseline rule) reads a
    ``Problem`` and returns a complete :class:`Allocation`: ``scenario_name``
    labels it, ``solver`` is the scenario's solver section (the one owner of
    solver settings), ``town_info`` the identity columns joined into the town
    table (a pandas DataFrame indexed like ``inputs.town_codes``).
    """

    inputs: ModelInputs
    scenario_name: str = ""
    solver: SolverSection = field(default_factory=SolverSection)  # type: ignore[arg-type]
    town_info: Any = None


@dataclass(frozen=True)
class ShadowPrices:
    """Marginal values at the optimum, in planner units.

    ``envelope_per_keur``: objective gained per extra k EUR of envelope;
    ``capacity_per_day``: per extra expert-day, by directorate. Both come from
    the LP with posts and coverage fixed at their optimum (``basis``).
    ``price_of_balance``: objective gained if the balance tolerance widened by
    0.05 (re-solve). ``value_of_one_more_post``: objective gained with one more
    post's budget (re-solve).
    """

    basis: str
    envelope_per_keur: float | None = None
    capacity_per_day: dict[str, float] = field(default_factory=dict)
    price_of_balance: float | None = None
    value_of_one_more_post: float | None = None


@dataclass(frozen=True, eq=False)
class Allocation:
    """An allocation of the three resources, verified, with its explanations.

    Attributes
    ----------
    label:
        The strategy that produced it (``optimum``, ``equal_split``...).
    status:
        ``optimal``, ``feasible`` (stopped at a limit: not proven optimal) or
        ``relaxed`` (LP relaxation, posts and coverage fractional).
    objective:
        Need-weighted benefit in k EUR-equivalents, recomputed from the allocation.
    """

    label: str
    scenario_name: str
    inputs: ModelInputs
    arrays: AllocationArrays
    status: str
    objective: float
    objective_parts: dict[str, float]
    check: CheckReport
    solver: str = ""
    solver_version: str = ""
    mip_gap: float | None = None
    solve_seconds: float = 0.0
    shadow_prices: ShadowPrices | None = None
    binding: tuple[Binding, ...] = ()  # constraints holding with equality, planner-worded
    solver_objective: float | None = None
    notes: tuple[str, ...] = ()  # how the solves ran: threads clamped, follow-ups skipped...
    town_info: Any = None  # pandas DataFrame of identity columns, indexed like town_codes

    @classmethod
    def of(cls, problem: Problem, label: str, arrays: AllocationArrays, status: str,
           check: CheckReport, **solver_details: Any) -> Allocation:
        """A complete allocation of ``problem``, its objective recomputed once from the arrays.

        ``solver_details`` are the remaining fields (solver, mip_gap, shadow_prices...).
        """
        parts = objective_parts(problem.inputs, arrays)
        return cls(label=label, scenario_name=problem.scenario_name, inputs=problem.inputs,
                   arrays=arrays, status=status, objective=parts["total"],
                   objective_parts=parts, check=check, town_info=problem.town_info,
                   **solver_details)

    # ---- tables -------------------------------------------------------------------------
    @cached_property
    def by_town_theme(self) -> pd.DataFrame:
        """Funding (EUR) and expert-days per town and theme (long format)."""
        import pandas as pd

        inp = self.inputs
        index = pd.MultiIndex.from_product([inp.town_codes, inp.themes],
                                           names=["insee", "theme"])
        return pd.DataFrame(
            {
                "funding_eur": (self.arrays.funding_keur * EUR_PER_UNIT).ravel(),
                "expert_days": self.arrays.days.ravel(),
                "need": inp.need.ravel(),
            },
            index=index,
        )

    @cached_property
    def posts_by_group(self) -> np.ndarray:
        """Posts reported per group: what the coverage needs (``ModelInputs.posts_needed``)."""
        return self.inputs.posts_needed(self.arrays.covered)

    @cached_property
    def by_town(self) -> pd.DataFrame:
        """One row per eligible town: covered, group, post share, funding, days, need."""
        import pandas as pd

        inp = self.inputs
        covered = self.arrays.covered
        group_covered = np.bincount(inp.group_of_town, weights=covered, minlength=inp.n_groups)
        posts = self.posts_by_group
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(covered > 0,
                             posts[inp.group_of_town] / group_covered[inp.group_of_town], 0.0)
        frame = pd.DataFrame(
            {
                "name": inp.town_names,
                "region_code": [inp.region_codes[r] for r in inp.region_of_town],
                "region_name": [inp.region_names[r] for r in inp.region_of_town],
                "directorate": [inp.directorate_names[d] for d in inp.directorate_of_town],
                "group": [inp.group_labels[g] for g in inp.group_of_town],
                "population": inp.population.astype(np.int64),
                "fragility": inp.fragility,
                "mean_need": inp.need.mean(axis=1),
                "covered": covered,
                "post_share": share,
                "funding_eur": self.arrays.funding_keur.sum(axis=1) * EUR_PER_UNIT,
                "expert_days": self.arrays.days.sum(axis=1),
                "cap_eur": inp.cap_keur * EUR_PER_UNIT,
            },
            index=pd.Index(inp.town_codes, name="insee"),
        )
        return frame

    @cached_property
    def by_group(self) -> pd.DataFrame:
        """One row per project-lead group: towns, covered towns, posts, subsidy."""
        import pandas as pd

        inp = self.inputs
        return pd.DataFrame(
            {
                "towns": inp.group_size,
                "covered_towns": np.bincount(inp.group_of_town, weights=self.arrays.covered,
                                             minlength=inp.n_groups),
                "posts": self.posts_by_group,
                "subsidy_eur": self.posts_by_group * inp.post_cost_keur * EUR_PER_UNIT,
            },
            index=pd.Index(inp.group_labels, name="group"),
        )

    @cached_property
    def by_region(self) -> pd.DataFrame:
        """Per region and resource: used, fair share, band, deviation from the fair share."""
        import pandas as pd

        inp = self.inputs
        used = self.arrays.used_by_region(inp)
        totals = used.sum(axis=1, keepdims=True)
        fair = inp.fair_share[None, :] * totals
        below, above = band_deviations(inp, self.arrays)
        scale = np.array([EUR_PER_UNIT, 1.0, 1.0])[:, None]
        units = ("eur", "days", "towns")
        frames = []
        for j, resource in enumerate(RESOURCES):
            frames.append(pd.DataFrame(
                {
                    "region_code": inp.region_codes,
                    "region_name": inp.region_names,
                    "resource": resource,
                    "unit": units[j],
                    "used": used[j] * scale[j],
                    "fair_share": fair[j] * scale[j],
                    "fair_share_fraction": inp.fair_share,
                    "deviation": (used[j] - fair[j]) * scale[j],
                    "relative_deviation": np.divide(
                        used[j] - fair[j], fair[j], out=np.zeros(inp.n_regions),
                        where=fair[j] > 0),
                    "outside_band": (below[j] + above[j]) * scale[j],
                }
            ))
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def by_directorate(self) -> pd.DataFrame:
        """Per Cerema directorate: days used, capacity, towns, fair share, deviation."""
        import pandas as pd

        inp = self.inputs
        used = np.bincount(inp.directorate_of_town, weights=self.arrays.days.sum(axis=1),
                           minlength=inp.n_directorates)
        towns = np.bincount(inp.directorate_of_town, minlength=inp.n_directorates)
        capacity = inp.capacity_days
        fair = towns / max(1, inp.n_towns) * used.sum()
        prices = self.shadow_prices.capacity_per_day if self.shadow_prices else {}
        return pd.DataFrame(
            {
                "eligible_towns": towns,
                "days_used": used,
                "capacity_days": capacity,
                "utilisation": np.divide(used, capacity, out=np.zeros_like(used),
                                         where=capacity > 0),
                "fair_share_days": fair,
                "deviation_days": used - fair,
                "shadow_price_keur_eq_per_day": [prices.get(d, np.nan)
                                                 for d in inp.directorate_names],
            },
            index=pd.Index(inp.directorate_names, name="directorate"),
        )

    @cached_property
    def by_theme(self) -> pd.DataFrame:
        """Per theme: funding, days, share of funding, floor."""
        import pandas as pd

        inp = self.inputs
        funding = self.arrays.funding_keur.sum(axis=0) * EUR_PER_UNIT
        total = funding.sum()
        return pd.DataFrame(
            {
                "funding_eur": funding,
                "expert_days": self.arrays.days.sum(axis=0),
                "funding_share": funding / total if total > 0 else np.zeros_like(funding),
                "floor_share": inp.theme_floor,
                "towns_funded": (self.arrays.funding_keur > NOISE).sum(axis=0),
            },
            index=pd.Index(inp.themes, name="theme"),
        )

    # ---- summary ------------------------------------------------------------------------
    def totals(self) -> dict[str, float]:
        """National totals in planner units (euros to the cent, days and counts to 1e-6).

        Rounded because sums of solver values carry float noise (20000.000000000007
        days) that reads as a real amount in a planner's summary.
        """
        inp = self.inputs
        raw = {
            "funding_eur": float(self.arrays.funding_keur.sum() * EUR_PER_UNIT),
            "envelope_eur": inp.envelope_keur * EUR_PER_UNIT,
            "expert_days": float(self.arrays.days.sum()),
            "capacity_days": float(inp.capacity_days.sum()),
            "covered_towns": float(self.arrays.covered.sum()),
            "eligible_towns": float(inp.n_towns),
            "posts": float(self.posts_by_group.sum()),
            "engineering_eur": float(self.posts_by_group.sum() * inp.post_cost_keur
                                     * EUR_PER_UNIT),
            "engineering_budget_eur": inp.engineering_budget_keur * EUR_PER_UNIT,
        }
        return {key: round(value, 2 if key.endswith("_eur") else 6)
                for key, value in raw.items()}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: status, objective and parts, totals, prices, checks."""
        prices = self.shadow_prices
        by_region = self.by_region
        deviation = {
            resource: {
                "max_abs_relative": float(
                    by_region.loc[by_region.resource == resource, "relative_deviation"].abs().max()
                ),
                "mean_abs_relative": float(
                    by_region.loc[by_region.resource == resource, "relative_deviation"].abs().mean()
                ),
            }
            for resource in RESOURCES
        }
        return {
            "label": self.label,
            "scenario": self.scenario_name,
            "status": self.status,
            "objective_keur_equivalent": self.objective,
            "solver_objective": self.solver_objective,
            "objective_parts_keur_equivalent": self.objective_parts,
            "mip_gap": self.mip_gap,
            "solver": self.solver,
            "solver_version": self.solver_version,
            "solve_seconds": self.solve_seconds,
            "totals": self.totals(),
            "regional_deviation": deviation,
            "shadow_prices": None if prices is None else {
                "basis": prices.basis,
                "envelope_per_keur": prices.envelope_per_keur,
                "capacity_per_day": prices.capacity_per_day,
                "price_of_balance": prices.price_of_balance,
                "value_of_one_more_post": prices.value_of_one_more_post,
            },
            "binding_constraints": [item.label for item in self.binding],
            "checked_constraints": list(self.check.checked),
            "violations": [str(v) for v in self.check.violations],
            "notes": list(self.notes),
        }
