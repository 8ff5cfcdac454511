"""Embedded reference data: the commune table, reference tables and planner CSV inputs.

The files under ``files/`` are derived by :mod:`pvd_optim.data.build` from public
sources listed in ``NOTICE.md``; :mod:`pvd_optim.data.towns` loads them.
"""
