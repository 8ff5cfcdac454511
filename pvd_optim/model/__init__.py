"""The model layer: the only place that imports solver libraries (lazily).

``formulation`` defines the model once as vectorised sparse blocks; ``highs`` and
``pulp_backend`` hand it to a solver; ``status`` normalises their outcomes.
"""

from pvd_optim.model.formulation import build_program
from pvd_optim.model.program import Block, LinearProgram
from pvd_optim.model.solve import fix_integers, relax_integers, solve
from pvd_optim.model.status import SolveResult, SolveStatus

__all__ = [
    "Block",
    "LinearProgram",
    "SolveResult",
    "SolveStatus",
    "build_program",
    "fix_integers",
    "relax_integers",
    "solve",
]
