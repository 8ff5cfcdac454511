"""The rows of each constraint family: one ``define_*`` function per family of the registry.

Each function is registered against its family (``pvd_optim.families``) and
adds that family's rows (or, for ``bounds`` and ``integrality``, column bounds
and types) to the builder; ``build_program`` calls them in registry order. The
numbered comments refer to the constraints of ``docs/model.md``. One module per
group of families, as in ``pvd_optim.families``: ``reference`` (the one-year
reference model), ``programme`` (what links the years), ``quota`` (balance mode
``quota``), ``prefects`` (the prefects' envelopes), ``collective`` (Cerema's collective
actions), ``convention`` (themes funded after the ORT); importing this package registers them all.

A family of scope ``year`` is called once per model year, with that year's inputs and
columns, inside the builder's year scope; a family of scope ``programme`` once, with
the programme and every year's columns (it links years, or spans the horizon).
"""

from pvd_optim.model.rows import collective, convention, prefects, programme, quota, reference

__all__ = ["collective", "convention", "prefects", "programme", "quota", "reference"]
