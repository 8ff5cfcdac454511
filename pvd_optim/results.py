"""``Allocation``: one allocation's numbers, explanations and tables.

Values come from the solver once, as numpy arrays (``AllocationArrays``), are
checked, and only then wrapped in DataFrames here. Money in tables is in EUR
(the model's k EUR converted back); shadow prices are in planner units.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from pvd_optim import allocation_tables as tables
from pvd_optim.check import CheckReport
from pvd_optim.families import Binding
from pvd_optim.inputs import (
    EUR_PER_UNIT,
    AllocationArrays,
    ModelInputs,
    ProgrammeArrays,
    ProgrammeInputs,
    as_programme,
    as_programme_arrays,
)
from pvd_optim.measures import balance_periods
from pvd_optim.scenario.schema import SolverSection

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class Problem:
    """One allocation problem as posed: the model inputs and where they came from.

    Every way of allocating (the optimum, each baseline rule) reads a
    ``Problem`` and returns a complete :class:`Allocation`: ``scenario_name``
    labels it, ``solver`` is the scenario's solver section (the one owner of
    solver settings), ``town_info`` the identity columns joined into the town
    table (a pandas DataFrame indexed like ``inputs.town_codes``). ``inputs`` is
    one year's problem or a programme of years (:attr:`programme` is always the
    programme).
    """

    inputs: ModelInputs | ProgrammeInputs
    scenario_name: str = ""
    solver: SolverSection = field(default_factory=SolverSection)  # type: ignore[arg-type]
    town_info: Any = None

    @property
    def programme(self) -> ProgrammeInputs:
        """The problem as a programme (one year: a programme of that year)."""
        return as_programme(self.inputs)

    @property
    def one_year(self) -> ModelInputs:
        """The problem's one year; ``InputError`` for a programme of several years."""
        programme = self.programme
        if programme.n_years > 1:
            from pvd_optim.errors import InputError
            from pvd_optim.i18n.message import Message

            raise InputError(Message("this problem spans {years} programme years; only one year "
                                     "can be allocated by this rule", years=programme.n_years))
        return programme.first


@dataclass(frozen=True)
class ShadowPrices:
    """Marginal values at the optimum, in planner units.

    ``envelope_per_keur``: objective gained per extra k EUR of envelope;
    ``capacity_per_day``: per extra expert-day, by directorate. Both come from
    the LP with posts and coverage fixed at their optimum (``basis``), and are
    given for a one-year scenario; ``*_by_year`` give them for every year
    (keys: the calendar years, as text). ``price_of_balance``: objective gained
    if the balance tolerance widened by 0.05 (re-solve). ``value_of_one_more_post``:
    objective gained with one more post's budget in every year (re-solve; pooled budget).
    ``value_of_one_more_post_by_funder``: the same for each co-funder's budget (by name),
    every year from ``budget_value_from_year`` on. ``price_of_quota``: with regional
    quotas of posts, the objective lost against the hard band on covered towns (re-solve).
    """

    basis: str
    envelope_per_keur: float | None = None
    capacity_per_day: dict[str, float] = field(default_factory=dict)
    price_of_balance: float | None = None
    value_of_one_more_post: float | None = None
    envelope_per_keur_by_year: dict[str, float] = field(default_factory=dict)
    capacity_per_day_by_year: dict[str, dict[str, float]] = field(default_factory=dict)
    value_of_one_more_post_by_funder: dict[str, float | None] = field(default_factory=dict)
    budget_value_from_year: int | None = None
    binding_commitments: tuple[str, ...] = ()
    # With quotas of posts: the objective lost against the band mode (re-solve).
    price_of_quota: float | None = None


def horizon_view(programme: ProgrammeInputs, arrays: ProgrammeArrays
                 ) -> tuple[ModelInputs, AllocationArrays]:
    """A programme's allocation seen as one period, for measures made for one year.

    Resources, saturations, caps and amounts are summed over the years; coverage and
    posts are those of the last year (the programme's end state); the fair shares are
    the horizon's. A one-year programme is its year, unchanged.
    """
    if programme.n_years == 1:
        return programme.first, arrays.years[0]
    years = programme.years
    first = programme.first

    def total(name: str) -> Any:
        return sum(getattr(year, name) for year in years)

    inputs = dataclasses.replace(
        first, envelope_keur=total("envelope_keur"), capacity_days=total("capacity_days"),
        engineering_budget_keur=total("engineering_budget_keur"),
        saturation_keur=total("saturation_keur"), saturation_days=total("saturation_days"),
        cap_keur=total("cap_keur"), max_days_per_town=total("max_days_per_town"),
        min_per_town_keur=total("min_per_town_keur"),
        value_per_cover_keur=years[-1].value_per_cover_keur,
        fair_share=programme.horizon_fair_share, joined=years[-1].joined,
        year=years[-1].year, running_share=float(sum(y.running_share for y in years)),
        objective_weight=1.0)
    last = arrays.years[-1]
    view = AllocationArrays(arrays.funding_keur.sum(axis=0), arrays.days.sum(axis=0),
                            last.covered.copy(), last.posts.copy())
    return inputs, view


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
    inputs, arrays:
        One year's inputs and allocation; for a programme of several years, its
        :func:`horizon_view` (the years are in ``programme`` and ``programme_arrays``).
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
    programme: ProgrammeInputs | None = None  # every year (None: the one year of ``inputs``)
    programme_arrays: ProgrammeArrays | None = None

    @classmethod
    def of(cls, problem: Problem, label: str, arrays: AllocationArrays | ProgrammeArrays,
           status: str, check: CheckReport, **solver_details: Any) -> Allocation:
        """A complete allocation of ``problem``, its objective recomputed once from the arrays.

        ``solver_details`` are the remaining fields (solver, mip_gap, shadow_prices...).
        """
        from pvd_optim import check as checker  # its objective_parts: the one recomputation

        programme = problem.programme
        years = as_programme_arrays(arrays)
        parts = checker.objective_parts(programme, years)
        inputs, view = horizon_view(programme, years)
        return cls(label=label, scenario_name=problem.scenario_name, inputs=inputs,
                   arrays=view, status=status, objective=parts["total"],
                   objective_parts=parts, check=check, town_info=problem.town_info,
                   programme=programme, programme_arrays=years, **solver_details)

    # ---- years --------------------------------------------------------------------------
    @property
    def years_inputs(self) -> tuple[ModelInputs, ...]:
        """Every model year's inputs (one year: ``inputs``)."""
        return self.programme.years if self.programme is not None else (self.inputs,)

    @property
    def years_arrays(self) -> tuple[AllocationArrays, ...]:
        """Every model year's allocation (one year: ``arrays``)."""
        return (self.programme_arrays.years if self.programme_arrays is not None
                else (self.arrays,))

    @property
    def full_programme(self) -> ProgrammeInputs:
        """The programme (one year: a programme of that year)."""
        return self.programme if self.programme is not None else as_programme(self.inputs)

    @property
    def calendar(self) -> tuple[int, ...]:
        """The calendar year of each model year."""
        return tuple(year.year for year in self.years_inputs)

    @cached_property
    def posts_by_year(self) -> tuple[np.ndarray, ...]:
        """Posts reported per group, each year: what the year's coverage needs."""
        return tuple(year.posts_needed(arrays.covered)
                     for year, arrays in zip(self.years_inputs, self.years_arrays,
                                             strict=True))

    def _each_year(self, make: Any) -> pd.DataFrame:
        import pandas as pd

        frames = [make(year, arrays, posts) for year, arrays, posts
                  in zip(self.years_inputs, self.years_arrays, self.posts_by_year,
                         strict=True)]
        return frames[0] if len(frames) == 1 else pd.concat(frames)

    # ---- tables -------------------------------------------------------------------------
    @cached_property
    def has_commitments(self) -> bool:
        """Whether anything was committed in any year (tables then mark it)."""
        return any(year.has_commitments for year in self.years_inputs)

    @cached_property
    def by_town_theme(self) -> pd.DataFrame:
        """Funding (EUR) and expert-days per year, town and theme (long format)."""
        marked = self.has_commitments
        return self._each_year(lambda i, a, p: tables.town_theme(i, a, marked))

    @cached_property
    def posts_by_group(self) -> np.ndarray:
        """Posts reported per group: what the coverage needs (``ModelInputs.posts_needed``).

        For a programme of several years, those of its last year.
        """
        return self.inputs.posts_needed(self.arrays.covered)

    @cached_property
    def by_town(self) -> pd.DataFrame:
        """One row per year and eligible town: covered, group, post share, funding, days."""
        marked = self.has_commitments
        return self._each_year(lambda i, a, p: tables.town(i, a, p, marked))

    @cached_property
    def horizon_by_town(self) -> pd.DataFrame:
        """One row per eligible town over the horizon (:func:`horizon_view`; one year: by_town)."""
        if len(self.years_inputs) == 1:
            return self.by_town
        return tables.town(self.inputs, self.arrays, self.posts_by_group)

    @cached_property
    def by_group(self) -> pd.DataFrame:
        """One row per year and project-lead group: towns, covered towns, posts, subsidy."""
        marked = self.has_commitments
        return self._each_year(lambda i, a, p: tables.group(i, a, p, marked))

    @cached_property
    def by_funder(self) -> pd.DataFrame:
        """Per co-funder and year: posts co-funded, amount, budget; and the local share."""
        import pandas as pd

        frames = [tables.funder(year, arrays, posts) for year, arrays, posts
                  in zip(self.years_inputs, self.years_arrays, self.posts_by_year, strict=True)]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    @cached_property
    def by_region(self) -> pd.DataFrame:
        """Per balance period (year or horizon), region and resource: used, fair share, band."""
        import pandas as pd

        programme = self.full_programme
        periods = balance_periods(programme, as_programme_arrays(
            ProgrammeArrays(self.years_arrays)))
        first = programme.first
        if len(periods) == programme.n_years:
            labelled: list[tuple[Any, int | None, str]] = [
                (period, year.year, str(year.year))
                for period, year in zip(periods, programme.years, strict=True)]
        else:
            labelled = [(periods[0], None,
                         f"{programme.calendar[0]}-{programme.calendar[-1]}")]
        frames = [tables.region(first, period, year, label) for period, year, label in labelled]
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    @cached_property
    def by_directorate(self) -> pd.DataFrame:
        """Per year and Cerema directorate: days used, capacity, towns, fair share, price."""
        prices = self.shadow_prices

        def make(year: ModelInputs, arrays: AllocationArrays, posts: np.ndarray) -> Any:
            by_year = prices.capacity_per_day_by_year.get(str(year.year)) if prices else None
            if by_year is None:
                by_year = prices.capacity_per_day if prices and len(self.years_inputs) == 1 else {}
            return tables.directorate(year, arrays, by_year)

        return self._each_year(make)

    @cached_property
    def by_department(self) -> pd.DataFrame | None:
        """Per year and département holding a prefect's envelope: funding against it.

        ``None`` when the scenario holds no prefects' envelopes.
        """
        import pandas as pd

        frames = [tables.department(year, arrays) for year, arrays
                  in zip(self.years_inputs, self.years_arrays, strict=True)]
        held = [frame for frame in frames if frame is not None]
        if not held:
            return None
        return held[0] if len(held) == 1 else pd.concat(held)

    @cached_property
    def by_collective(self) -> pd.DataFrame | None:
        """Per year, collective region and action: events, towns attending, expert-days, and
        the LP's break-even value of one more event (None: collective actions are off)."""
        prices = self.shadow_prices
        return tables.collective_by_year(
            self.years_inputs, self.years_arrays,
            prices.capacity_per_day_by_year if prices is not None else {})

    @cached_property
    def by_theme(self) -> pd.DataFrame:
        """Per year and theme: funding, days, share of funding, floor."""
        return self._each_year(lambda i, a, p: tables.theme(i, a))

    # ---- summary ------------------------------------------------------------------------
    def totals_by_year(self) -> dict[str, dict[str, float]]:
        """Each year's totals in planner units (keys: calendar years as text), rounded."""
        return {str(year.year): _rounded(tables.totals(year, arrays, posts))
                for year, arrays, posts in zip(self.years_inputs, self.years_arrays,
                                               self.posts_by_year, strict=True)}

    def totals(self) -> dict[str, float]:
        """National totals in planner units (euros to the cent, days and counts to 1e-6).

        Over the horizon: money and days summed over the years; covered towns,
        eligible towns and posts those of the last year. Rounded because sums of
        solver values carry float noise (20000.000000000007 days) that reads as a
        real amount in a planner's summary.
        """
        years = [tables.totals(year, arrays, posts) for year, arrays, posts
                 in zip(self.years_inputs, self.years_arrays, self.posts_by_year, strict=True)]
        last = years[-1]
        summed = ("funding_eur", "envelope_eur", "expert_days", "capacity_days",
                  "engineering_eur", "engineering_budget_eur")
        raw = {key: (sum(year[key] for year in years) if key in summed else last[key])
               for key in ("funding_eur", "envelope_eur", "expert_days", "capacity_days",
                           "covered_towns", "eligible_towns", "posts", "engineering_eur",
                           "engineering_budget_eur")}
        return _rounded(raw)

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
            for resource in ("funding", "days", "towns")
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
            "years": list(self.calendar),
            **({"commitments": self.commitments_summary()} if self.has_commitments else {}),
            "totals": self.totals(),
            "totals_by_year": self.totals_by_year(),
            "regional_deviation": deviation,
            "shadow_prices": None if prices is None else dataclasses.asdict(prices),
            "binding_constraints": [item.label for item in self.binding],
            "checked_constraints": list(self.check.checked),
            "violations": [str(v) for v in self.check.violations],
            "notes": list(self.notes),
        }


    def commitments_summary(self) -> dict[str, Any]:
        """What was committed, per year: locked years, amounts, towns kept for commitments."""
        by_year = {}
        for year in self.years_inputs:
            if not year.has_commitments:
                continue
            by_year[str(year.year)] = _rounded({
                "funding_eur": float(year.committed_funding_keur.sum()) * EUR_PER_UNIT,
                "expert_days": float(year.committed_days.sum()),
                "covered_towns": float(year.committed_covered.sum()),
                "posts": float(year.committed_posts.sum())}) | {"locked": year.locked}
        first = self.years_inputs[0]
        kept = [code for code, keep in zip(first.town_codes, ~first.eligible, strict=True)
                if keep]
        prices = self.shadow_prices
        return {"locked_years": [y.year for y in self.years_inputs if y.locked],
                "committed_by_year": by_year,
                "towns_no_longer_eligible": kept,
                "binding": list(prices.binding_commitments) if prices is not None else []}


def _rounded(raw: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 2 if key.endswith("_eur") else 6) for key, value in raw.items()}
