"""The convention's ORT condition: which communes fail it, and why.

A scenario may require an ORT (*opération de revitalisation de territoire*), signed on or
before a date (``convention.require_ort``, ``convention.require_ort_signed_by``); the
model inputs drop the towns that fail it (:mod:`pvd_optim.assemble`) and a town's page
says which reason applies (:mod:`pvd_optim.town.exclusion`).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import numpy as np

from pvd_optim.data.eligibility import require_columns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ORT_REASONS", "ort_reasons"]


#: Why a commune fails the scenario's ORT condition (``convention.require_ort``,
#: ``convention.require_ort_signed_by``): it has no ORT; its ORT date is unknown (1
#: commune in the embedded data) while a date is required; or it signed after the date.
ORT_REASONS: tuple[str, ...] = ("no_ort", "ort_date_unknown", "ort_signed_after")


def ort_reasons(table: pd.DataFrame, *, signed_by: datetime.date | None) -> pd.Series:
    """Per commune, why it fails the ORT condition (one of :data:`ORT_REASONS`), or ``""``.

    The condition: the commune has an ORT (``ort``) and, when ``signed_by`` is given, its
    ORT was signed on or before that date (``ort_signed_at``; an unknown date fails it).
    """
    import pandas as pd

    require_columns(table, ["ort", "ort_signed_at"], "ort_reasons")
    has_ort = table["ort"].fillna(False).to_numpy(dtype=bool)
    reason = np.where(has_ort, "", "no_ort").astype(object)
    if signed_by is not None:
        signed = pd.to_datetime(table["ort_signed_at"].astype("object"), format="%Y-%m-%d",
                                errors="coerce")
        unknown = has_ort & signed.isna().to_numpy()
        after = has_ort & (signed > pd.Timestamp(signed_by)).to_numpy()
        reason[unknown] = "ort_date_unknown"
        reason[after] = "ort_signed_after"
    return pd.Series(reason, index=table.index, name="ort_reason", dtype=object)
