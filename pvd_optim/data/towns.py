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

import csv
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pvd_optim.codes import INSEE_CODE_PATTERN
from pvd_optim.errors import DataError
from pvd_optim.textfiles import EXCEL_HINT, decode_text

if TYPE_CHECKING:
    import pandas as pd

FILES_DIR = Path(__file__).resolve().parent / "files"
COMMUNES_FILE = FILES_DIR / "communes.parquet"


@dataclass(frozen=True)
class IndicatorInfo:
    """What an indicator column measures.

    ``higher_means_more_need`` is a hint for scoring defaults: ``True`` if a
    higher value signals more need for the programme, ``False`` if lower does,
    ``None`` if it is context (a size, a count) rather than a need signal.
    """

    unit: str
    source: str
    year: str
    description: str
    higher_means_more_need: bool | None


_BPE = "INSEE BPE (via bpineau/gazetteer)"
_BASILIC = "Ministry of Culture, Basilic (via naloui1/Dataforgood)"

#: Every indicator column of the commune table, with its meaning.
INDICATORS: dict[str, IndicatorInfo] = {
    "population_change_pct": IndicatorInfo(
        "%",
        "INSEE populations légales (decoupage-administratif 0.8.0 and 6.0.0)",
        "2020-2026",
        "Population change between the 2020 and 2026 editions; NaN if the territory changed.",
        False,
    ),
    "housing_vacancy_pct": IndicatorInfo(
        "%",
        "INSEE census, base logement",
        "2021",
        "Vacant dwellings / all dwellings (census demographic vacancy).",
        True,
    ),
    "fiscal_vacancy_pct": IndicatorInfo(
        "%",
        "LOVAC (DGFiP/CGDD, via bpineau/gazetteer)",
        "2025",
        "Share of private dwellings fiscally vacant (LOVAC); secret-protected cells are NaN.",
        True,
    ),
    "long_term_vacancy_pct": IndicatorInfo(
        "%",
        "LOVAC (DGFiP/CGDD, via bpineau/gazetteer)",
        "2025",
        "Share of private dwellings vacant for 2+ years (LOVAC).",
        True,
    ),
    "median_income_eur": IndicatorInfo(
        "EUR per consumption unit",
        "INSEE Filosofi",
        "2021",
        "Median disposable income per consumption unit.",
        False,
    ),
    "minimum_benefits_pct": IndicatorInfo(
        "%",
        "INSEE Filosofi",
        "2021",
        "Share of minimum social benefits in disposable income; ~5,300 communes only.",
        True,
    ),
    "unemployment_pct": IndicatorInfo(
        "%",
        "INSEE localised unemployment (zones d'emploi 2020)",
        "2025-T4",
        "Unemployment rate of the commune's employment zone (seasonally adjusted).",
        True,
    ),
    "unemployment_change_pts": IndicatorInfo(
        "percentage points",
        "INSEE localised unemployment (zones d'emploi 2020)",
        "2021-T4 to 2025-T4",
        "Change of the employment-zone unemployment rate.",
        True,
    ),
    "services_per_1000": IndicatorInfo(
        "per 1,000 inhabitants",
        _BPE,
        "2024",
        "Everyday services (post office, GP, pharmacy, primary school, bakery, superette, "
        "supermarket) per 1,000 inhabitants (2026 population).",
        False,
    ),
    "post_offices": IndicatorInfo("count", _BPE, "2024", "Post offices and agencies.", None),
    "general_practitioners": IndicatorInfo("count", _BPE, "2024", "General practitioners.", None),
    "pharmacies": IndicatorInfo("count", _BPE, "2024", "Pharmacies.", None),
    "primary_schools": IndicatorInfo("count", _BPE, "2024", "Primary schools.", None),
    "bakeries": IndicatorInfo("count", _BPE, "2024", "Bakeries.", None),
    "groceries": IndicatorInfo("count", _BPE, "2024", "Grocery shops (supérettes).", None),
    "supermarkets": IndicatorInfo("count", _BPE, "2024", "Supermarkets (grandes surfaces).", None),
    "railway_stations": IndicatorInfo("count", _BPE, "2024", "Railway stations.", None),
    "secondary_schools": IndicatorInfo("count", _BPE, "2024", "Collèges plus lycées.", None),
    "brownfield_count": IndicatorInfo(
        "count",
        "Cerema Cartofriches (via bpineau/gazetteer)",
        "2025",
        "Referenced brownfield sites.",
        True,
    ),
    "brownfield_surface_ha": IndicatorInfo(
        "ha",
        "Cerema Cartofriches (via bpineau/gazetteer)",
        "2025",
        "Total land-unit surface of referenced brownfield sites.",
        True,
    ),
    "social_housing_pct": IndicatorInfo(
        "%",
        "RPLS / SRU rate, data.gouv.fr",
        "2024",
        "Social rented dwellings / main residences (SRU); NaN when below the legal "
        "threshold (see social_housing_below_threshold) or not published.",
        None,
    ),
    "housing_permits_5y": IndicatorInfo(
        "dwellings",
        "SDES Sitadel (via bpineau/gazetteer)",
        "2021-2025",
        "Dwellings authorised over 2021-2025, former communes included.",
        False,
    ),
    "housing_permits_per_1000_5y": IndicatorInfo(
        "per 1,000 inhabitants",
        "SDES Sitadel (via bpineau/gazetteer)",
        "2021-2025",
        "Dwellings authorised over 2021-2025 per 1,000 inhabitants (2026 population).",
        False,
    ),
    "monuments": IndicatorInfo(
        "count",
        _BASILIC,
        "2024",
        "Historic monuments (no classé/inscrit split); NaN in Corsica.",
        None,
    ),
    "protected_areas": IndicatorInfo(
        "count",
        _BASILIC,
        "2024",
        "Remarkable heritage sites (SPR); NaN in Corsica.",
        None,
    ),
    "museums": IndicatorInfo("count", _BASILIC, "2024", "Museums; NaN in Corsica.", None),
    "fibre_pct": IndicatorInfo(
        "%",
        "ARCEP (via VoxNovalys/vivrea-project)",
        "2026-02",
        "Premises connectable to fibre to the home.",
        False,
    ),
}

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

_INFINITY_WORDS = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_NAN_WORDS = frozenset({"nan", "-nan", "+nan"})


# --------------------------------------------------------------------------- loading


@functools.cache
def _communes_cached() -> pd.DataFrame:
    import pandas as pd

    if not COMMUNES_FILE.is_file():
        raise DataError(
            "embedded commune table is missing; reinstall pvd-optim or run "
            "`python -m pvd_optim.data.build`",
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
        raise DataError(f"index must be named 'insee', got {index.name!r}", file=source)
    if not index.is_unique:
        dups = sorted(index[index.duplicated()].unique())[:5]
        raise DataError(f"duplicate INSEE codes {dups}", file=source, field="insee")
    if not pd.api.types.is_string_dtype(index.dtype):
        raise DataError(f"index must be str, got {index.dtype}", file=source, field="insee")
    bad = index[~index.str.fullmatch(INSEE_CODE_PATTERN)]
    if len(bad):
        raise DataError(f"malformed INSEE codes {list(bad[:5])}", file=source, field="insee")
    expected = {
        **{c: "string" for c in _STRING_COLUMNS},
        **{c: "int64" for c in _INT_COLUMNS},
        **{c: "Int64" for c in _NULLABLE_INT_COLUMNS},
        **{c: "bool" for c in _BOOL_COLUMNS},
        **{c: "float64" for c in (*_FLOAT_IDENTITY, *INDICATORS)},
    }
    for col, kind in expected.items():
        if col not in table.columns:
            raise DataError("missing column", file=source, field=col)
        dtype = table[col].dtype
        ok = pd.api.types.is_string_dtype(dtype) if kind == "string" else str(dtype) == kind
        if not ok:
            raise DataError(f"expected dtype {kind}, got {dtype}", file=source, field=col)


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
        raise DataError("embedded reference table is missing", file=path)
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


def _split_decimal(row: list[str], key_index: int) -> bool:
    """Whether two neighbouring non-key cells look like the halves of a decimal comma."""
    return any(
        row[j].strip().lstrip("+-").isdigit() and row[j + 1].strip().isdigit()
        for j in range(len(row) - 1)
        if key_index not in (j, j + 1)
    )


def _sniff_separator(header: str) -> str:
    # The header alone decides: data cells may hold decimal commas.
    return ";" if header.count(";") > header.count(",") else ","


def apply_planner_indicators(
    table: pd.DataFrame, csv_path: str | Path, *, key: str = "insee"
) -> pd.DataFrame:
    """Add or override numeric indicator columns from a planner CSV keyed by INSEE code.

    The CSV has a ``key`` column of current INSEE codes (5 characters: digits,
    or ``2A``/``2B`` then 3 digits) and one or more numeric columns, separated
    by ``,`` or ``;`` (sniffed from the header). With ``;``, decimal commas
    (``12,5``) are accepted. An empty cell means "no value": an existing column
    keeps its value there, a new column gets NaN. ``nan``/``inf`` literals are
    rejected, as are identity columns (``population``, ``pvd``...). Communes
    missing from the CSV keep their values (existing column) or get NaN (new
    column).

    Returns a new table; ``table`` is not modified. Raises :class:`DataError`
    naming file, line and column for every problem found.
    """
    import numpy as np
    import pandas as pd

    path = Path(csv_path)
    if not path.is_file():
        raise DataError("planner indicator file not found", file=path)
    text = decode_text(path.read_bytes(), file=path, error=DataError, hint=EXCEL_HINT)
    if not text.strip():
        raise DataError(
            f"file is empty; expected a header line with an '{key}' column and indicator columns",
            file=path,
        )
    first_line = text.lstrip("\r\n").splitlines()[0]
    sep = _sniff_separator(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    header_line = 1
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header, header_line = [c.strip() for c in row], reader.line_num
                continue
            records.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(f"unreadable CSV: {exc}", file=path, line=reader.line_num) from None
    assert header is not None  # the text is not blank

    if key not in header:
        raise DataError(
            f"no '{key}' key column in the header (found: {', '.join(header)}); "
            f"separator detected: '{sep}'",
            file=path,
            line=header_line,
            field=key,
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(
                "column appears twice in the header", file=path, line=header_line, field=name
            )
        if not name:
            raise DataError(
                "a header cell is empty; name every column", file=path, line=header_line
            )
        seen.add(name)
    columns = [c for c in header if c != key]
    if not columns:
        raise DataError(f"no indicator columns besides '{key}'", file=path, line=header_line)
    for name in columns:
        if name in IDENTITY_COLUMNS:
            raise DataError(
                "would override an identity column of the commune table; rename it",
                file=path,
                line=header_line,
                field=name,
            )
    if not records:
        raise DataError("no data rows after the header", file=path, line=header_line)
    for row, line in zip(records, lines, strict=True):
        if len(row) != len(header):
            hint = ""
            if any("\n" in cell for cell in row):
                hint = "; a quoted cell runs over several lines: a quote \" is probably not closed"
            elif sep == "," and len(row) > len(header) and _split_decimal(row, header.index(key)):
                hint = "; a decimal comma (12,5) needs ';' as separator, or write 12.5"
            raise DataError(
                f"{len(row)} cells where the header has {len(header)} (separator '{sep}'){hint}",
                file=path,
                line=line,
            )

    raw = pd.DataFrame(records, columns=header, dtype=str).apply(lambda s: s.str.strip())
    raw["_line"] = lines
    codes = raw[key].str.upper()

    malformed = ~codes.str.fullmatch(INSEE_CODE_PATTERN)
    if malformed.any():
        i = int(np.flatnonzero(malformed.to_numpy())[0])
        hint = ""
        if codes.iloc[i].isdigit() and len(codes.iloc[i]) == 4:
            hint = " (a spreadsheet may have dropped a leading zero: store codes as text)"
        raise DataError(
            f"malformed INSEE code {raw[key].iloc[i]!r}: expected 5 characters, digits or "
            f"2A/2B then 3 digits{hint}",
            file=path,
            line=int(raw["_line"].iloc[i]),
            field=key,
        )
    dup = codes.duplicated(keep=False)
    if dup.any():
        first = codes[dup].iloc[0]
        where = raw.loc[codes == first, "_line"].tolist()
        raise DataError(
            f"INSEE code {first} appears twice (lines {' and '.join(map(str, where))})",
            file=path,
            line=int(where[1]),
            field=key,
        )
    unknown = ~codes.isin(table.index)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(
            f"INSEE code {codes.iloc[i]} is not a current commune (COG 2026); a merged "
            "commune uses the code of the commune it joined",
            file=path,
            line=int(raw["_line"].iloc[i]),
            field=key,
        )

    values = {}
    for name in columns:
        cells = raw[name]
        if sep == ";":
            cells = cells.str.replace(r"^([+-]?\d+),(\d+)$", r"\1.\2", regex=True)
        lowered = cells.str.lower()
        for words, what in ((_INFINITY_WORDS, "infinite"), (_NAN_WORDS, "'nan'")):
            bad = lowered.isin(words)
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{what} value {cells.iloc[i]!r} (code {codes.iloc[i]}) is not accepted; "
                    "leave the cell empty for a missing value",
                    file=path,
                    line=int(raw["_line"].iloc[i]),
                    field=name,
                )
        numbers = pd.to_numeric(cells.replace("", np.nan), errors="coerce").astype("float64")
        bad = numbers.isna() & (cells != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"value {cells.iloc[i]!r} (code {codes.iloc[i]}) is not a number; write a plain "
                "number (12.5, or 12,5 with ';' as separator) without units, % signs or "
                "thousands separators, or leave the cell empty for a missing value",
                file=path,
                line=int(raw["_line"].iloc[i]),
                field=name,
            )
        overflow = np.isinf(numbers.to_numpy())
        if overflow.any():
            i = int(np.flatnonzero(overflow)[0])
            raise DataError(
                f"value {cells.iloc[i]!r} (code {codes.iloc[i]}) is too large to be a number "
                "(it overflows to infinity); check the cell",
                file=path,
                line=int(raw["_line"].iloc[i]),
                field=name,
            )
        values[name] = pd.Series(numbers.to_numpy(), index=pd.Index(codes, name="insee"))

    out = table.copy()
    for name, series in values.items():
        if name in out.columns:
            if not pd.api.types.is_float_dtype(out[name].dtype):
                raise DataError(
                    f"column exists with non-numeric dtype {out[name].dtype}; rename it",
                    file=path,
                    line=header_line,
                    field=name,
                )
            given = series.dropna()
            out.loc[given.index, name] = given.to_numpy()
        else:
            out[name] = series.reindex(out.index).astype("float64")
    return out


# --------------------------------------------------------------------------- imputation

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
        raise DataError(
            f"unknown imputation method {method!r}; choose one of {', '.join(IMPUTATION_METHODS)}",
            field="method",
        )
    levels = {"department_median": ["department", "region"], "region_median": ["region"]}.get(
        method, []
    )
    for col in (*columns, *levels):
        if col not in table.columns:
            raise DataError("column not in the commune table", field=col)
    for col in columns:
        if not pd.api.types.is_float_dtype(table[col].dtype):
            raise DataError(f"cannot impute a {table[col].dtype} column", field=col)

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
