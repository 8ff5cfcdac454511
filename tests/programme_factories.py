"""Small programmes of several years built from ``tests.factories.random_inputs``."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pvd_optim.inputs import ModelInputs, ProgrammeInputs
from tests.factories import random_inputs


def year_of(base: ModelInputs, year: int, *, rho: float = 1.0, joined: Any = None,
            weight: float = 1.0, **changes: Any) -> ModelInputs:
    """``base`` as calendar ``year``, scaled by running share ``rho`` (as assemble does)."""
    scaled = {} if rho == 1.0 else {
        "envelope_keur": base.envelope_keur * rho, "cap_keur": base.cap_keur * rho,
        "saturation_keur": base.saturation_keur * rho,
        "min_per_town_keur": base.min_per_town_keur * rho,
        "capacity_days": base.capacity_days * rho, "saturation_days": base.saturation_days * rho,
        "max_days_per_town": base.max_days_per_town * rho,
        "post_cost_keur": base.post_cost_keur * rho,
        "engineering_budget_keur": base.engineering_budget_keur * rho,
        "value_per_cover_keur": base.value_per_cover_keur * rho,
        "penalty_towns": base.penalty_towns * rho}
    return dataclasses.replace(
        base, year=year, running_share=rho, objective_weight=weight,
        joined=np.ones(base.n_towns, dtype=bool) if joined is None else np.asarray(joined),
        **{**scaled, **changes})


def random_programme(years: int = 3, *, seed: int = 0, n_towns: int = 12,
                     per_year: list[dict[str, Any]] | None = None,
                     programme: dict[str, Any] | None = None, **base_changes: Any
                     ) -> ProgrammeInputs:
    """A programme of ``years`` years over one random problem; ``per_year`` changes each year."""
    base = random_inputs(n_towns=n_towns, seed=seed, **base_changes)
    per_year = per_year or [{} for _ in range(years)]
    return ProgrammeInputs(
        tuple(year_of(base, 2021 + y, **per_year[y]) for y in range(years)),
        **(programme or {}))
