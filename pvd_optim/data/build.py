"""Derive the embedded reference dataset from the raw public files.

Run from the repository root, naming the raw data folder::

    python -m pvd_optim.data.build SOURCE [--out PATH]

``SOURCE`` is the folder of raw public files (the COG packages, the indicator
files, the programme lists; described in its own README). In a development
checkout it is the ``data`` folder of the ``shared`` folder that sits beside the
repository; users of the package never need it. It is read only here, never at
run time: the outputs written to ``pvd_optim/data/files/`` are what the package
ships and loads.

Outputs
-------
``communes.parquet``
    One row per current commune (COG 2026), the columns documented in
    :mod:`pvd_optim.data.towns` and ``NOTICE.md``.
``regions.csv``, ``departments.csv``, ``cerema_directorates.csv``
    Small reference tables.
``build_summary.json``
    The counts measured while building (caveats quoted in ``NOTICE.md``).

Every choice that changes a number (how merged communes are mapped, what an
absent commune means in each source) is made once, in
:mod:`~pvd_optim.data.build_mapping` (the mapping rules),
:mod:`~pvd_optim.data.build_sources` (one function per source) and
:mod:`~pvd_optim.data.build_ort` (ORT dates, cross-checked), and documented
in ``NOTICE.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pvd_optim.data import build_sources as sources_
from pvd_optim.data.build_mapping import build_code_map, read_json
from pvd_optim.data.build_ort import add_ort
from pvd_optim.data.build_sources import EVERYDAY_SERVICES, OTHER_BPE, Sources
from pvd_optim.errors import DataError
from pvd_optim.i18n.message import Message

DEFAULT_OUT = Path(__file__).resolve().parent / "files"

# Parquet writer options kept fixed so re-runs give the same bytes.
_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": False,
}

#: The source functions, in the order they run (later ones read earlier columns).
_STEPS = (
    sources_.add_population_change,
    sources_.add_epci,
    sources_.add_programmes,
    add_ort,
    sources_.add_vacancy,
    sources_.add_income,
    sources_.add_unemployment,
    sources_.add_services,
    sources_.add_brownfields,
    sources_.add_social_housing,
    sources_.add_permits,
    sources_.add_heritage,
    sources_.add_fibre,
    sources_.measure_programme_caveats,
)


def check_source(folder: Path) -> None:
    """Raise :class:`DataError` unless ``folder`` looks like the raw data folder."""
    marker = folder / sources_.COG_FOLDER / "communes.json"
    if not marker.is_file():
        raise DataError(Message("not the raw data folder: {marker} is missing; name the folder "
                                "of raw public files", marker=str(marker.relative_to(folder))),
                        file=folder)


def build(source: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read the raw folder ``source`` and return the output tables and the measured counts."""
    check_source(source)
    communes_cog = read_json(source / sources_.COG_FOLDER / "communes.json")
    sources = Sources(source, communes_cog, build_code_map(communes_cog))
    t, regions, departments = sources_.identity(sources)
    for step in _STEPS:
        step(t, sources)
    cerema = sources_.cerema_directorates(sources)
    return {
        "communes": t[COLUMNS],
        "regions": regions,
        "departments": departments,
        "cerema_directorates": cerema,
    }, sources.summary


COLUMNS: list[str] = [
    "name",
    "department",
    "region",
    "region_name",
    "zone",
    "population",
    "population_2020",
    "population_change_pct",
    "epci_siren",
    "epci_name",
    "epci_type",
    "epci_population",
    "epci_members",
    "rank_chef_lieu",
    "pvd",
    "pvd_signed_at",
    "pvd_group_2021",
    "acv",
    "ort",
    "ort_signed_at",
    "housing_vacancy_pct",
    "fiscal_vacancy_pct",
    "long_term_vacancy_pct",
    "median_income_eur",
    "minimum_benefits_pct",
    "unemployment_pct",
    "unemployment_change_pts",
    "services_per_1000",
    *EVERYDAY_SERVICES.values(),
    *OTHER_BPE,
    "brownfield_count",
    "brownfield_surface_ha",
    "social_housing_pct",
    "social_housing_below_threshold",
    "housing_permits_5y",
    "housing_permits_per_1000_5y",
    "monuments",
    "protected_areas",
    "museums",
    "fibre_pct",
]


def write(tables: Mapping[str, pd.DataFrame], summary: Mapping[str, Any], out: Path) -> None:
    """Write the tables with fixed options so that a re-run gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    communes = tables["communes"].reset_index()
    schema_types = {
        c: pa.string() for c in communes.columns if communes[c].dtype not in _NUMERIC_OR_BOOL
    }
    arrow = pa.Table.from_pandas(communes, preserve_index=False)
    arrow = arrow.cast(
        pa.schema([pa.field(f.name, schema_types.get(f.name, f.type)) for f in arrow.schema])
    ).replace_schema_metadata(None)
    pq.write_table(arrow, out / "communes.parquet", **_PARQUET_OPTIONS)
    for name in ("regions", "departments", "cerema_directorates"):
        tables[name].to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    (out / "build_summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )


_NUMERIC_OR_BOOL = {
    np.dtype("float64"),
    np.dtype("int64"),
    np.dtype("bool"),
    pd.Int64Dtype(),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: build and write the embedded files."""
    parser = argparse.ArgumentParser(prog="python -m pvd_optim.data.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="the raw data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    try:
        tables, summary = build(args.source)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    write(tables, summary, args.out)
    for path in sorted(args.out.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
