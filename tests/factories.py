"""Small, seeded allocation problems built directly as ``ModelInputs`` (no data files)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from pvd_optim.inputs import ModelInputs


def random_inputs(
    n_towns: int = 12,
    n_themes: int = 3,
    n_regions: int = 3,
    n_directorates: int = 2,
    n_groups: int = 5,
    seed: int = 0,
    **overrides: Any,
) -> ModelInputs:
    """A random but always well-formed problem; ``overrides`` replace any field."""
    rng = np.random.default_rng(seed)
    region = np.concatenate([np.arange(n_regions), rng.integers(0, n_regions, n_towns - n_regions)])
    directorate = region % n_directorates
    group = np.concatenate([np.arange(n_groups), rng.integers(0, n_groups, n_towns - n_groups)])
    population = rng.integers(800, 19_000, n_towns).astype(float)
    counts = np.bincount(region, minlength=n_regions).astype(float)
    inputs = ModelInputs(
        town_codes=tuple(f"{10000 + i:05d}" for i in range(n_towns)),
        town_names=tuple(f"Town {i}" for i in range(n_towns)),
        population=population,
        themes=tuple(f"theme{k}" for k in range(n_themes)),
        need=rng.uniform(0, 1, (n_towns, n_themes)).round(3),
        fragility=rng.uniform(0, 1, n_towns).round(3),
        region_of_town=region.astype(np.int64),
        region_codes=tuple(f"R{r}" for r in range(n_regions)),
        region_names=tuple(f"Region {r}" for r in range(n_regions)),
        directorate_of_town=directorate.astype(np.int64),
        directorate_names=tuple(f"Directorate {d}" for d in range(n_directorates)),
        group_of_town=group.astype(np.int64),
        group_labels=tuple(f"G{g}" for g in range(n_groups)),
        envelope_keur=40.0 * n_towns,
        cap_keur=np.minimum(300.0, 0.06 * population),
        saturation_keur=np.full(n_themes, 40.0),
        min_per_town_keur=0.0,
        spend_min_share=0.5,
        capacity_days=np.full(n_directorates, 10.0 * n_towns / n_directorates),
        saturation_days=np.full(n_themes, 10.0),
        max_days_per_town=25.0,
        post_cost_keur=45.0,
        engineering_budget_keur=45.0 * max(1, n_towns // 3),
        towns_per_post=3,
        cover_min_share=0.5,
        segment_widths=np.array([0.25, 0.25, 0.5]),
        slopes=np.array([1.0, 0.6, 0.3]),
        value_per_day_keur=1.0,
        value_per_cover_keur=60.0,
        balance_mode="hard",
        balance_tolerance=0.5,
        fair_share=counts / counts.sum(),
        penalty_funding=1.0,
        penalty_days=1.0,
        penalty_towns=60.0,
        theme_floor=np.full(n_themes, 0.05),
    )
    return replace(inputs, **overrides) if overrides else inputs
