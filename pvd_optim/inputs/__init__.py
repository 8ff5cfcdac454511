"""Everything the allocation model needs, as plain numpy arrays in solver units.

This is the hand-over point between the data side (town table, scores,
scenario) and the model layer: money is converted to k EUR here, once, so the
solver never sees raw euros (1e9 right-hand sides mislead HiGHS's scaling).
Index arrays (region, directorate, group of each town) are dense integer codes
so that every model block can be built with vectorised numpy.

One module per part: ``units`` (k EUR, array types, vocabularies), ``year``
(:class:`ModelInputs`, one model year), ``programme`` (:class:`ProgrammeInputs`, the
years together), ``arrays`` (:class:`AllocationArrays`, what the model gives back).
"""

from pvd_optim.inputs.arrays import (
    AllocationArrays,
    ProgrammeArrays,
    as_programme_arrays,
    collective_arrays,
    collective_days_by_directorate,
)
from pvd_optim.inputs.programme import ProgrammeInputs, as_programme
from pvd_optim.inputs.units import (
    COLLECTIVE_ACTIONS,
    EUR_PER_MILLION,
    EUR_PER_UNIT,
    ONE_YEAR,
    POST_TYPES,
    RESOURCES,
    BoolArray,
    FloatArray,
    IntArray,
    keur_to_eur,
    keur_to_meur,
)
from pvd_optim.inputs.year import ModelInputs, band_extra, penalty_weight

__all__ = [
    "COLLECTIVE_ACTIONS", "EUR_PER_MILLION", "EUR_PER_UNIT", "ONE_YEAR", "POST_TYPES",
    "RESOURCES", "AllocationArrays", "BoolArray", "FloatArray", "IntArray", "ModelInputs",
    "ProgrammeArrays", "ProgrammeInputs", "as_programme", "as_programme_arrays", "band_extra",
    "collective_arrays", "collective_days_by_directorate", "keur_to_eur", "keur_to_meur",
    "penalty_weight",
]
