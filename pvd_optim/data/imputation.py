"""Filling missing indicator values with group medians, and flagging every filled cell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pvd_optim.errors import DataError
from pvd_optim.i18n.message import Message

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["IMPUTATION_METHODS", "impute"]

IMPUTATION_METHODS = ("department_median", "region_median", "national_median")


def impute(
    table: pd.DataFrame, columns: list[str] | tuple[str, ...], *, method: str = "department_median"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing values of ``columns`` with group medians; flag what was filled.

    ``department_median``: the median of the commune's department, falling
    back to its region's median when the whole department is missing, then to
    the national median (communes of overseas collectivities, which have no
    region, go straight from department to national). ``region_median`` skips
    the department level; ``national_median`` uses only the national median.
    Medians are computed on observed values only, so imputed cells never feed
    other imputations. A column missing everywhere stays missing.

    Returns ``(filled, imputed)``: ``filled`` is a copy of ``table``;
    ``imputed`` is a boolean frame of the same shape, index and columns, True
    exactly where a value was filled in.
    """
    import pandas as pd

    if method not in IMPUTATION_METHODS:
        raise DataError(Message("unknown imputation method {method}; choose one of {methods}",
                                method=repr(method), methods=", ".join(IMPUTATION_METHODS)),
                        field="method")
    levels = {"department_median": ["department", "region"], "region_median": ["region"]}.get(
        method, []
    )
    for col in (*columns, *levels):
        if col not in table.columns:
            raise DataError(Message("column not in the commune table"), field=col)
    for col in columns:
        if not pd.api.types.is_float_dtype(table[col].dtype):
            raise DataError(Message("cannot impute a {dtype} column", dtype=str(table[col].dtype)),
                            field=col)

    filled = table.copy()
    imputed = pd.DataFrame(False, index=table.index, columns=table.columns)
    values = table[list(columns)]
    result = values.copy()
    for level in levels:
        medians = values.groupby(table[level], dropna=True).transform("median")
        result = result.fillna(medians)
    result = result.fillna(values.median())
    filled[list(columns)] = result
    imputed[list(columns)] = values.isna() & result.notna()
    return filled, imputed
