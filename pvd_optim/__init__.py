"""pvd-optim: allocate the Petites villes de demain programme's scarce resources.

The public API is re-exported here lazily, so that ``import pvd_optim`` stays fast:
pandas and the solver libraries load only when a function that needs them runs.
"""

from __future__ import annotations

__version__ = "0.1.0"
