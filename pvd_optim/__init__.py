"""pvd-optim: allocate the Petites villes de demain programme's scarce resources.

The public API is re-exported here lazily, so that ``import pvd_optim`` stays fast:
pandas and the solver libraries load only when a function that needs them runs.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Scenario": "pvd_optim.scenario.schema",
    "load_scenario": "pvd_optim.scenario.load",
    "with_overrides": "pvd_optim.scenario.load",
    "sweep": "pvd_optim.sweep",
    "Allocation": "pvd_optim.results",
    "write_allocation": "pvd_optim.output",
    "PvdError": "pvd_optim.errors",
    "ScenarioError": "pvd_optim.errors",
    "DataError": "pvd_optim.errors",
    "InfeasibleError": "pvd_optim.errors",
    "SolverError": "pvd_optim.errors",
    "VerificationError": "pvd_optim.errors",
}

__all__ = ["__version__", "optimise", "run", *_LAZY]


def optimise(scenario: Any, progress: Any = None) -> Any:
    """Solve ``scenario`` (see :func:`pvd_optim.pipeline.optimise`), reading its commitments.

    A scenario whose commitments are an earlier results folder has that folder read
    back and re-verified first (:func:`pvd_optim.output.resolve_commitments`).
    """
    return run(scenario, progress).allocation


def run(scenario: Any, progress: Any = None) -> Any:
    """:func:`pvd_optim.pipeline.run`, with a results folder's commitments read first."""
    from pvd_optim import pipeline
    from pvd_optim.output.commitments import resolve_commitments

    return pipeline.run(scenario, progress, resolve_commitments(scenario))


def __getattr__(name: str) -> object:
    """Import public names on first use, keeping ``import pvd_optim`` light."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'pvd_optim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
