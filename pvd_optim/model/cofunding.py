"""The reported split of posts' subsidies among co-funders: who pays first, who pays the rest.

The model only needs *a* split within every co-funder's rate, cap and budget; many
exist. The split reported is the one where the co-funders pay in the order the
scenario lists them, each as much as its rate, cap per post and budget allow, and
the residual funder (the State, FNADT) pays what is left: a small LP per year,
solved after the main solve (``docs/model.md#co-funders``).
"""

from __future__ import annotations

import numpy as np

from pvd_optim.inputs import FloatArray, ModelInputs
from pvd_optim.model.builder import ProgramBuilder
from pvd_optim.scenario.schema import SolverSection


def reported_split(inputs: ModelInputs, posts_by_type: FloatArray) -> FloatArray | None:
    """(2, F) each co-funder's share of each kind of post, residual funder last.

    ``None`` when no split of these posts fits the co-funders' rates, caps and budgets.
    """
    from pvd_optim.model.solve import solve
    from pvd_optim.model.status import SolveStatus

    count = inputs.n_funders
    subsidy = inputs.post_subsidy_keur * posts_by_type
    # Earlier funders weigh more; the residual funder nothing: it pays only what is left.
    order = np.arange(count, 0, -1, dtype=np.float64)
    weight = np.where(inputs.funder_residual, 0.0, order)
    b = ProgramBuilder()
    upper = inputs.funder_share_cap_keur.T * posts_by_type[:, None]  # (2, F)
    shares = b.add_columns("share", (2, count), ("post_type", "funder"),
                           cost=np.broadcast_to(weight, (2, count)), upper=upper)
    b.add_rows("subsidy", (2,), ("post_type",),
               [(np.repeat(np.arange(2), count), shares.indices, 1.0)], sense="=", rhs=subsidy)
    b.add_rows("budget", (count,), ("funder",),
               [(np.tile(np.arange(count), 2), shares.indices, 1.0)], sense="<=",
               rhs=inputs.funder_budget_keur)
    result = solve(b.build(maximise=True), SolverSection(mip_gap=0.0))  # type: ignore[call-arg]
    if result.status is not SolveStatus.OPTIMAL:
        return None
    return np.maximum(result.require_values().reshape(2, count), 0.0)
