"""Checks of the prefects' envelopes (``pvd_optim.families.prefects``)."""

from __future__ import annotations

import numpy as np

from pvd_optim.check.core import Collector
from pvd_optim.families import verify
from pvd_optim.families.prefects import PREFECTS
from pvd_optim.inputs import AllocationArrays, ModelInputs


@verify(PREFECTS)
def check_prefects(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Per département holding an envelope: floor x P_d <= its towns' funding (<= ceiling x P_d).

    From the definition: the towns of a département are those whose town-table
    département it is; a département holding no envelope in a year (none of its towns
    has joined) has neither floor nor ceiling that year; the envelopes together stay
    inside the year's funding envelope.
    """
    held = inputs.prefects
    if held is None:
        return
    per_town = a.funding_keur.sum(axis=1)
    funding = np.array([per_town[held.department_of_town == h].sum()
                        for h in range(held.n_departments)])
    cells = np.array([np.count_nonzero(held.department_of_town == h) * inputs.n_themes
                      for h in range(held.n_departments)])
    labels = [f"prefect's envelope of {name}" for name in held.department_names]
    envelope = held.envelope_keur
    out.check(labels, funding, ">=", held.floor_share * envelope, funding_cells=cells)
    if held.has_ceiling:
        holds = envelope > 0
        out.check([label for label, h in zip(labels, holds, strict=True) if h], funding[holds],
                  "<=", held.ceiling_multiple * envelope[holds], funding_cells=cells[holds])
    out.check("prefects' envelopes inside the funding envelope", float(envelope.sum()), "<=",
              inputs.envelope_keur)
