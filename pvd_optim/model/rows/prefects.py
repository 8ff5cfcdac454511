"""Rows of the prefects' envelopes (``pvd_optim.families.prefects``)."""

from __future__ import annotations

from pvd_optim.families import define_rows
from pvd_optim.families.prefects import PREFECTS
from pvd_optim.inputs import ModelInputs
from pvd_optim.model.builder import ProgramBuilder, Term
from pvd_optim.model.variables import Variables


@define_rows(PREFECTS)
def define_prefects(b: ProgramBuilder, inputs: ModelInputs, v: Variables, tight: bool) -> None:
    """9. Per département d holding an envelope P_d: floor P_d <= sum f[t in d] (<= ceiling P_d).

    One row per département holding an envelope, the same départements every year (a
    year none of its towns has joined has P_d = 0). Without prefects' envelopes, or
    without a ceiling, the blocks are empty.
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
    b.add_rows(floor_spec, (H,), ("department",), terms, sense=">=", rhs=held.floor_keur)
    if held.has_ceiling:
        b.add_rows(ceiling_spec, (H,), ("department",), terms, sense="<=",
                   rhs=held.ceiling_keur)
    else:
        b.add_rows(ceiling_spec, (0,), ("department",), [], sense="<=", rhs=0.0)
