"""Scenario sweeps: many variants of one scenario, solved locally or on a Dask cluster.

* :mod:`.definition`: the ``sweep:`` section (grid, Monte Carlo draws), validated;
* :mod:`.variants`: every variant as a complete, validated scenario with a stable id;
* :mod:`.work`: one variant's work, the same in every mode (only what it changes);
* :mod:`.execute`: in this process, on a ``LocalCluster``, or on a running scheduler;
* :mod:`.folder`: the resumable folder of compact records and tables;
* :mod:`.tables`, :mod:`.sensitivity`: the tidy table, per-town robustness, per-region
  summaries and the tornado's figures.

``pvd_optim.sweep(...)`` runs a sweep and returns its tidy table: the package itself is
callable, so that the function and the package (``pvd_optim.sweep.run_sweep(...)``,
which returns every table) are one name. The HTML section is
:func:`pvd_optim.report.sweep.render_sweep_html`.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from pvd_optim.sweep import api
from pvd_optim.sweep.api import Sweep, SweepResult, load_sweep, run_sweep, sweep_of
from pvd_optim.sweep.definition import SweepSection


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`pvd_optim.sweep.api.sweep` (``pvd_optim.sweep(...)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return api.sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
#: ``pvd_optim.sweep`` (the lazy attribute of the top package) is this package itself, so
#: that both ``pvd_optim.sweep(...)`` and ``pvd_optim.sweep.run_sweep(...)`` work.
sweep = sys.modules[__name__]

__all__ = ["Sweep", "SweepResult", "SweepSection", "load_sweep", "run_sweep", "sweep",
           "sweep_of"]
