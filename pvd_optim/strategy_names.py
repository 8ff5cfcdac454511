"""The allocation strategies' names, in their registry order.

Light on purpose: the command line's help lists them, and ``pvd-optim --help`` must
not import the strategies themselves (numpy, the results and the scenario schema:
0.6 s of the 1 s it took). :data:`pvd_optim.strategies.STRATEGIES` maps each name, in
this order, to its rule.
"""

from __future__ import annotations

STRATEGY_NAMES: tuple[str, ...] = (
    "optimum",
    "equal_split",
    "pro_rata_population",
    "pro_rata_need",
    "greedy_by_need",
    "quota_hamilton",
    "quota_dhondt",
    "quota_sainte_lague",
)
