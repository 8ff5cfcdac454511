"""The allocation model, defined once, as vectorised blocks of a sparse matrix.

Every back end (HiGHS in memory, PuLP for CBC and file export) is generated from
the ``LinearProgram`` built here, so the model is written exactly once
(``docs/model.md`` describes it). The columns and the objective come from
``variables``; each constraint family of the registry (``pvd_optim.families``)
adds its rows through its own ``define_*`` function in ``rows``, in registry
order, so a family cannot be left out of the model without an error.
"""

from __future__ import annotations

from pvd_optim.families import FAMILIES
from pvd_optim.inputs import ModelInputs, ProgrammeInputs, as_programme
from pvd_optim.model import rows as _rows  # noqa: F401  (registers each family's rows)
from pvd_optim.model.builder import ProgramBuilder
from pvd_optim.model.program import Block, LinearProgram
from pvd_optim.model.variables import define_totals, define_variables


def build_program(inputs: ModelInputs | ProgrammeInputs, *, tight: bool = True
                  ) -> LinearProgram:
    """Build the allocation model from ``inputs`` (one year, or a programme of years).

    ``tight`` adds the perspective rows of ``lead`` (redundant for integer
    solutions) that make the LP relaxation much closer to the integer optimum;
    the optimum is the same. The fixed-integer LP of the shadow prices leaves
    them out: with posts and coverage fixed they only restate bounds.
    """
    programme = as_programme(inputs)
    count = programme.n_years
    builder = ProgramBuilder()
    variables = define_variables(builder, programme)
    for y, (year, v) in enumerate(zip(programme.years, variables, strict=True)):
        with builder.year(y, count):
            define_totals(builder, year, v)
    for family in FAMILIES:
        if family.scope == "programme":
            family.define(builder, programme, variables, tight)
            continue
        for y, (year, v) in enumerate(zip(programme.years, variables, strict=True)):
            with builder.year(y, count):
                family.define(builder, year, v, tight)
    return builder.build(maximise=True)


__all__ = ["Block", "LinearProgram", "build_program"]
