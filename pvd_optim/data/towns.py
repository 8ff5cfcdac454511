"""The commune table: loading, planner-supplied indicators and imputation.

The table ships with the package (``files/communes.parquet``, built by
:mod:`pvd_optim.data.build`; sources and caveats in ``NOTICE.md``). One row per
current commune (COG 2026, 34,969 rows), indexed by the INSEE code ``insee``.
Indicator columns are float64 and NaN always means *unknown*, never 0; where a
source lists only communes with at least one counted item (BPE, Cartofriches,
Basilic, Sitadel) an absent commune is a real 0, as documented per column in
:data:`INDICATORS`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from pvd_optim.codes import INSEE_CODE_PATTERN
from pvd_optim.data.imputation import IMPUTATION_METHODS, impute
from pvd_optim.data.indicators import INDICATORS, IndicatorInfo
from pvd_optim.data.planner_csv import read_planner_csv
from pvd_optim.errors import DataError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message

if TYPE_CHECKING:
    import pandas as pd

FILES_DIR = Path(__file__).resolve().parent / "files"
COMMUNES_FILE = FILES_DIR / "communes.parquet"


_STRING_COLUMNS = (
    "name",
    "department",
    "region",
    "region_name",
    "zone",
    "epci_siren",
    "epci_name",
    "epci_type",
    "pvd_signed_at",
    "pvd_group_2021",
    "ort_signed_at",
)
_INT_COLUMNS = ("population", "rank_chef_lieu")
_NULLABLE_INT_COLUMNS = ("epci_population", "epci_members")
_BOOL_COLUMNS = ("pvd", "acv", "ort", "social_housing_below_threshold")
_FLOAT_IDENTITY = ("population_2020",)

#: Columns describing who a commune is; a planner CSV may not override them.
IDENTITY_COLUMNS: frozenset[str] = frozenset(
    (
        "insee",
        *_STRING_COLUMNS,
        *_INT_COLUMNS,
        *_NULLABLE_INT_COLUMNS,
        *_BOOL_COLUMNS,
        *_FLOAT_IDENTITY,
    )
)

# --------------------------------------------------------------------------- loading


@functools.cache
def _communes_cached() -> pd.DataFrame:
    import pandas as pd

    if not COMMUNES_FILE.is_file():
        raise DataError(
            Message("embedded commune table is missing; reinstall pvd-optim or run "
                    "`python -m pvd_optim.data.build`"),
            file=COMMUNES_FILE,
        )
    table = pd.read_parquet(COMMUNES_FILE)
    table = table.set_index("insee")
    # Parquet keeps nullable ints as int64-with-nulls, which pandas reads as float.
    for col in _NULLABLE_INT_COLUMNS:
        table[col] = table[col].astype("Int64")
    validate_communes(table, source=COMMUNES_FILE)
    return table


def validate_communes(table: pd.DataFrame, *, source: str | Path = "commune table") -> None:
    """Check the commune-table contract; raise :class:`DataError` on the first breach."""
    import pandas as pd

    index = table.index
    if index.name != "insee":
        raise DataError(Message("index must be named 'insee', got {name}", name=repr(index.name)),
                        file=source)
    if not index.is_unique:
        dups = sorted(index[index.duplicated()].unique())[:5]
        raise DataError(Message("duplicate INSEE codes {codes}", codes=str(dups)), file=source,
                        field="insee")
    if not pd.api.types.is_string_dtype(index.dtype):
        raise DataError(Message("index must be str, got {dtype}", dtype=str(index.dtype)),
                        file=source, field="insee")
    bad = index[~index.str.fullmatch(INSEE_CODE_PATTERN)]
    if len(bad):
        raise DataError(Message("malformed INSEE codes {codes}", codes=str(list(bad[:5]))),
                        file=source, field="insee")
    expected = {
        **{c: "string" for c in _STRING_COLUMNS},
        **{c: "int64" for c in _INT_COLUMNS},
        **{c: "Int64" for c in _NULLABLE_INT_COLUMNS},
        **{c: "bool" for c in _BOOL_COLUMNS},
        **{c: "float64" for c in (*_FLOAT_IDENTITY, *INDICATORS)},
    }
    for col, kind in expected.items():
        if col not in table.columns:
            raise DataError(Message("missing column"), file=source, field=col)
        dtype = table[col].dtype
        ok = pd.api.types.is_string_dtype(dtype) if kind == "string" else str(dtype) == kind
        if not ok:
            raise DataError(Message("expected dtype {kind}, got {dtype}", kind=kind,
                                    dtype=str(dtype)), file=source, field=col)


def load_communes() -> pd.DataFrame:
    """Return the embedded commune table (a fresh copy: callers may modify it).

    Index ``insee`` (str, 5 characters, unique); columns as in ``NOTICE.md``
    and :data:`INDICATORS`. Validated once per process.
    """
    return _communes_cached().copy()


def _read_reference(name: str) -> pd.DataFrame:
    import pandas as pd

    path = FILES_DIR / f"{name}.csv"
    if not path.is_file():
        raise DataError(Message("embedded reference table is missing"), file=path)
    # Codes are text ("01", "2A", "975"); an empty cell is missing, "NA" is not.
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return table.replace("", pd.NA)


def load_regions() -> pd.DataFrame:
    """The 18 regions: ``code``, ``name``, ``zone`` (metro/drom)."""
    return _read_reference("regions")


def load_departments() -> pd.DataFrame:
    """The 109 departments and overseas collectivities: ``code, name, region, zone``.

    ``region`` is missing for the overseas collectivities (zone ``com``).
    """
    return _read_reference("departments")


def load_cerema_directorates() -> pd.DataFrame:
    """Default department -> Cerema territorial directorate: ``department, directorate, evidence``.

    72 of the 101 rows are inferred (see ``evidence``); scenarios may override.
    """
    return _read_reference("cerema_directorates")


def load_reference_tables() -> dict[str, pd.DataFrame]:
    """All reference tables, keyed ``regions``, ``departments``, ``cerema_directorates``."""
    return {
        "regions": load_regions(),
        "departments": load_departments(),
        "cerema_directorates": load_cerema_directorates(),
    }


# --------------------------------------------------------------------------- planner CSV


def apply_planner_indicators(
    table: pd.DataFrame, csv_path: str | Path, *, key: str = "insee"
) -> pd.DataFrame:
    """Add or override numeric indicator columns from a planner CSV keyed by INSEE code.

    The CSV (read by :func:`pvd_optim.data.planner_csv.read_planner_csv`) has a
    ``key`` column of current INSEE codes (5 characters: digits, or ``2A``/``2B``
    then 3 digits) and one or more numeric columns, separated by ``,`` or ``;``
    (sniffed from the header). With ``;``, decimal commas (``12,5``) are
    accepted. An empty cell means "no value": an existing column keeps its value
    there, a new column gets NaN. ``nan``/``inf`` literals are rejected, as are
    identity columns (``population``, ``pvd``...). Communes missing from the CSV
    keep their values (existing column) or get NaN (new column).

    Returns a new table; ``table`` is not modified. Raises :class:`DataError`
    naming file, line and column for every problem found.
    """
    import numpy as np
    import pandas as pd

    planner = read_planner_csv(csv_path, known_codes=table.index, key=key,
                               what=N_("planner indicator file"))
    for name in planner.values.columns:
        if name in IDENTITY_COLUMNS:
            raise planner.error(Message(
                "would override an identity column of the commune table; rename it"), field=name)
        if name in table.columns and not pd.api.types.is_float_dtype(table[name].dtype):
            raise planner.error(Message(
                "column exists with non-numeric dtype {dtype}; rename it",
                dtype=str(table[name].dtype)), field=name)
    rows = table.index.get_indexer(planner.values.index)
    given = planner.values.to_numpy()
    # Every column is built whole, then the table is assembled once: inserting
    # hundreds of columns one by one fragments the frame (slow, and pandas warns).
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(planner.values.columns):
        known = ~np.isnan(given[:, j])
        if name in table.columns:
            column = table[name].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        else:
            column = np.full(len(table), np.nan)
        column[rows[known]] = given[known, j]
        columns[name] = column
    kept = table.drop(columns=[c for c in columns if c in table.columns])
    added = pd.DataFrame(columns, index=table.index)
    out = pd.concat([kept, added], axis=1)
    # Overridden columns stay where they were; new ones follow, in file order.
    order = [*table.columns, *(c for c in columns if c not in table.columns)]
    return out[order]


__all__ = [
    "COMMUNES_FILE",
    "IDENTITY_COLUMNS",
    "IMPUTATION_METHODS",
    "INDICATORS",
    "IndicatorInfo",
    "apply_planner_indicators",
    "impute",
    "load_cerema_directorates",
    "load_communes",
    "load_departments",
    "load_reference_tables",
    "load_regions",
    "validate_communes",
]
