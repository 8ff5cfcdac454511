"""Collective actions switched on in a small problem built as ``ModelInputs`` (no data files)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pvd_optim.inputs import ModelInputs


def with_collective_actions(inputs: ModelInputs, **overrides: Any) -> ModelInputs:
    """``inputs`` with awareness days and training paths in every region.

    Each region's covering directorate is that of its first town; seats, days, values,
    counts and minimums are small round figures (``overrides`` replace any
    ``collective_*`` field).
    """
    regions = np.arange(inputs.n_regions, dtype=np.int64)
    first_town = np.array([np.flatnonzero(inputs.region_of_town == r)[0] for r in regions])
    fields: dict[str, Any] = {
        "collective_region": regions,
        "collective_directorate": inputs.directorate_of_town[first_town].astype(np.int64),
        "collective_seats": np.array([10.0, 3.0]),
        "collective_days": np.array([2.0, 5.0]),
        "collective_value_keur": np.array([0.5, 3.0]),
        "collective_max_count": np.array([1.0, 2.0]),
        "collective_minimum": np.array([1.0, 1.0]),
        "collective_need": inputs.need[:, 0].copy(),
        "collective_further_discount_keur": 0.25,
    }
    fields.update(overrides)
    return dataclasses.replace(inputs, **fields)
