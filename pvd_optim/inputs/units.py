"""Units and shared vocabularies of the model inputs: k EUR inside the model, array types."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: The calendar year that labels the one model year of a scenario without ``years``: the
#: edition of the embedded data (COG 2026). Every programme town has joined by then.
ONE_YEAR = 2026

#: Money inside the model is expressed in thousands of euros.
EUR_PER_UNIT = 1_000.0
#: Euros in a million, for amounts shown in M EUR.
EUR_PER_MILLION = 1_000_000.0


def keur_to_eur(amount_keur: float) -> float:
    """A model amount (k EUR) in euros."""
    return amount_keur * EUR_PER_UNIT


def keur_to_meur(amount_keur: float) -> float:
    """A model amount (k EUR) in millions of euros."""
    return amount_keur * EUR_PER_UNIT / EUR_PER_MILLION

RESOURCES = ("funding", "days", "towns")
#: Cerema's collective actions, in model order (docs/model.md#collective-actions).
COLLECTIVE_ACTIONS = ("awareness_day", "training_path")
#: Kinds of post, as they are paid: without Anah, and co-funded by Anah (habitat operation).
POST_TYPES = ("standard", "with_anah")
