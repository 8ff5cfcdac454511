"""The checks of the convention's families (``pvd_optim.families.convention``).

Written from the definition: a theme of ``themes_after_ort`` gets no funding beyond what
is committed, town by town, in a year before the town's ORT was signed.
"""

from __future__ import annotations

import numpy as np

from pvd_optim.check.core import Collector
from pvd_optim.families import verify
from pvd_optim.families.convention import THEMES_AFTER_ORT
from pvd_optim.inputs import AllocationArrays, ModelInputs


@verify(THEMES_AFTER_ORT)
def check_themes_after_ort(inputs: ModelInputs, a: AllocationArrays, out: Collector) -> None:
    """Funding of each (town, theme) that waits for the town's ORT <= its commitment."""
    for k in np.flatnonzero(inputs.themes_after_ort):
        signed_later = np.flatnonzero(inputs.ort_year > inputs.year)
        labels = [f"{inputs.town_codes[t]}/{inputs.themes[k]}" for t in signed_later]
        out.check(labels, a.funding_keur[signed_later, k], "<=",
                  inputs.committed_funding_keur[signed_later, k], funding_cells=1)
