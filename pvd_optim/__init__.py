"""pvd-optim: allocate the Petites villes de demain programme's scarce resources.

The public API is re-exported here lazily, so that ``import pvd_optim`` stays fast:
pandas and the solver libraries load only when a function that needs them runs.
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Scenario": "pvd_optim.scenario.schema",
    "load_scenario": "pvd_optim.scenario.load",
    "with_overrides": "pvd_optim.scenario.load",
    "optimise": "pvd_optim.pipeline",
    "run": "pvd_optim.pipeline",
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

__all__ = ["__version__", *_LAZY]


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
