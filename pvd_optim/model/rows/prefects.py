"""Rows of the prefects' envelopes (``pvd_optim.families.prefects``)."""

from __future__ import annotations

import numpy as np

from pvd_optim.families import define_rows
from pvd_optim.families.prefects import PREFECTS
from pvd_optim.inputs import ModelInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.variables import Variables


@define_rows(PREFECTS)
def define_prefects(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """9. Per département d holding an envelope P_d: floor P_d <= sum f[t in d] (<= ceiling P_d).

    One row per département holding an envelope, the same départements every year (in a
    year none of its towns has joined, P_d = 0 and its rows are vacuous). Without
    prefects' envelopes, or without a ceiling, the blocks are empty.
    """
    floor_spec, ceiling_spec = PREFECTS.blocks
    held = inputs.prefects
    if held is None:
        b.add_rows(floor_spec, (0,), ("department",), [], sense=">=", rhs=0.0)
        b.add_rows(ceiling_spec, (0,), ("department",), [], sense="<=", rhs=0.0)
        return
    H = held.n_departments
    row_of_segment = held.department_of_town[v.seg_town]
    inside = row_of_segment >= 0
    terms: list[Term] = [(row_of_segment[inside], v.f.indices[inside], 1.0)]
    # A département holding no envelope this year keeps its rows (the same rows every
    # year) with bounds that always hold and never bind: funding >= -1 k EUR, and at most
    # 1 k EUR above what its towns can take.
    holds = held.envelope_keur > 0
    b.add_rows(floor_spec, (H,), ("department",), terms, sense=">=",
               rhs=np.where(holds, held.floor_keur, -1.0))
    if held.has_ceiling:
        most = np.array([np.minimum(inputs.cap_keur[held.towns_of(h)],
                                    inputs.saturation_keur.sum()).sum() for h in range(H)])
        b.add_rows(ceiling_spec, (H,), ("department",), terms, sense="<=",
                   rhs=np.where(holds, held.ceiling_keur, most + 1.0))
    else:
        b.add_rows(ceiling_spec, (0,), ("department",), [], sense="<=", rhs=0.0)
