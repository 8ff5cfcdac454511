"""What a town's convention (ORT) status puts in the model inputs (``scenario.convention``).

Three uses, each off by default (``docs/model.md``, "Convention and ORT status"): the
eligibility condition is applied when towns are selected
(:func:`pvd_optim.assemble.select_eligible`, criteria in
:func:`pvd_optim.data.ort_condition.ort_reasons`); this module gives the other two:

* the **priority weight**, a factor on the benefit of each town with an ORT: its need
  per theme and its fragility enter ``ModelInputs`` multiplied by it, so the objective,
  the checker's recomputation of it and every marginal value agree;
* the **precondition**: the calendar year each town's ORT was signed (``inf`` without an
  ORT or without a known date) and which themes wait for it, read by the ``convention``
  family (``pvd_optim.families.convention``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from pvd_optim.scenario.schema import Scenario


def priority_weight(scenario: Scenario, towns: pd.DataFrame) -> np.ndarray:
    """(n,) the benefit weight of each town: ``ort_priority_weight`` with an ORT, else 1."""
    has_ort = towns["ort"].fillna(False).to_numpy(dtype=bool)
    return np.where(has_ort, scenario.convention.ort_priority_weight, 1.0).astype(np.float64)


def ort_year(towns: pd.DataFrame) -> np.ndarray:
    """(n,) the calendar year of each town's ORT signature; ``inf`` without one or a date."""
    import pandas as pd

    year = pd.to_numeric(towns["ort_signed_at"].astype("object").str.slice(0, 4),
                         errors="coerce")
    has_ort = towns["ort"].fillna(False).to_numpy(dtype=bool)
    return np.where(has_ort, year.to_numpy(dtype=np.float64, na_value=np.inf), np.inf)


def convention_fields(scenario: Scenario, towns: pd.DataFrame) -> dict[str, Any]:
    """The ``ModelInputs`` fields of the convention section, for the model's towns."""
    after = set(scenario.convention.themes_after_ort)
    return {
        "priority_weight": priority_weight(scenario, towns),
        "ort_year": ort_year(towns),
        "themes_after_ort": np.array([theme in after for theme in scenario.theme_names],
                                     dtype=bool),
    }


__all__ = ["convention_fields", "ort_year", "priority_weight"]
