"""Derive the embedded reference dataset from the raw public files.

Run from the repository root::

    python -m pvd_optim.data.build [--shared PATH] [--out PATH]

``--shared`` defaults to ``../shared/data`` next to the repository. The raw
folder is read only here, never at run time: the outputs written to
``pvd_optim/data/files/`` are what the package ships and loads.

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
absent commune means in each source) is made here, once, and documented in
``NOTICE.md``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = Path(__file__).resolve().parent / "files"

#: BPE buckets counted as "everyday services" for ``services_per_1000``.
EVERYDAY_SERVICES: dict[str, str] = {
    "poste": "post_offices",
    "medecin_generaliste": "general_practitioners",
    "pharmacie": "pharmacies",
    "ecole_primaire": "primary_schools",
    "boulangerie": "bakeries",
    "superette": "groceries",
    "grande_surface": "supermarkets",
}
#: Other BPE counts kept as columns (not part of ``services_per_1000``).
OTHER_BPE: dict[str, tuple[str, ...]] = {
    "railway_stations": ("gare",),
    "secondary_schools": ("college", "lycee"),
}
#: Sitadel window: the last five complete years of the 2026-06 vintage.
PERMIT_YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
#: Unemployment quarters: latest, and the reference for the change.
UNEMPLOYMENT_LATEST = "2025-T4"
UNEMPLOYMENT_REFERENCE = "2021-T4"
LARGE_URBAN_EPCI = ("CU", "METRO", "MET69")
CORSICA = ("2A", "2B")

# Parquet writer options kept fixed so re-runs give the same bytes.
_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": False,
}


# --------------------------------------------------------------------------- readers


def _read_json(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _read_csv(path: Path, *, sep: str = ",") -> pd.DataFrame:
    # Everything as text: INSEE codes have leading zeros and letters (2A/2B).
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")


def _to_float(values: pd.Series) -> pd.Series:
    """Text cells to float64; an empty cell is missing (NaN), never 0."""
    return pd.to_numeric(values.replace("", np.nan), errors="raise").astype("float64")


# --------------------------------------------------------------------------- geography


def build_code_map(communes_cog: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Map every former INSEE code to the current commune that now contains it.

    Two relations of the COG are used: a ``commune-deleguee`` or
    ``commune-associee`` row names its current ``chefLieu``, and a current
    commune lists ``anciensCodes``. The delegated/associated relation wins when
    they disagree (2 codes in COG 2026: 55273 and 60455), because it states the
    present attachment while ``anciensCodes`` keeps history that later
    de-mergers made stale. A code that is itself a current commune is never
    remapped.
    """
    current = {r["code"] for r in communes_cog if r["type"] == "commune-actuelle"}
    mapping: dict[str, str] = {}
    for row in communes_cog:
        if row["type"] in ("commune-deleguee", "commune-associee"):
            code, parent = row["code"], row["chefLieu"]
            if code != parent and code not in current:
                mapping.setdefault(code, parent)
    for row in communes_cog:
        if row["type"] == "commune-actuelle":
            for old in row.get("anciensCodes", ()):
                if old not in current:
                    mapping.setdefault(old, row["code"])
    return mapping


def to_current(codes: pd.Series, code_map: Mapping[str, str], current: pd.Index) -> pd.Series:
    """Current INSEE code for each code (itself if current, mapped if former, else NA)."""
    mapped = codes.map(code_map)
    return codes.where(codes.isin(current), mapped)


# --------------------------------------------------------------------------- population


def population_2020(
    communes_2020: Sequence[Mapping[str, Any]],
    code_map: Mapping[str, str],
    current: pd.Index,
    sitadel_last_year: Mapping[str, int],
) -> tuple[pd.Series, dict[str, int]]:
    """2020-edition population on the 2026 map, NaN where not comparable.

    A current commune's 2020 population is the sum of the populations of the
    2020 communes now inside it (itself and those merged since). It is set to
    NaN when that sum would not describe the same territory:

    * no 2020 predecessor (a commune restored by a de-merger, or Mayotte,
      which has no population in the 2020 edition);
    * its 2020 territory was later split (a 2020 delegated commune of it is a
      current commune again);
    * the 2020 edition's population of a commune nouvelle formed on 1 January
      2019 counts only the former chef-lieu (the edition used the 2016 legal
      populations on the 2018 map). Such communes are recognised by a
      delegated commune whose Sitadel series, kept under its own code until
      the merger, runs until 2019 or later.
    """
    rows = [r for r in communes_2020 if r["type"] == "commune-actuelle"]
    frame = pd.DataFrame(
        {
            "code": [r["code"] for r in rows],
            "population": [r.get("population", np.nan) for r in rows],
        }
    )
    frame["target"] = to_current(frame["code"], code_map, current)
    summed = frame.groupby("target")["population"].sum(min_count=1)
    # A target is complete only if every piece had a population.
    all_known = frame.groupby("target")["population"].apply(lambda s: s.notna().all())
    summed = summed.where(all_known)

    delegated = pd.DataFrame(
        [
            (r["code"], r["chefLieu"])
            for r in communes_2020
            if r["type"] in ("commune-deleguee", "commune-associee") and r["code"] != r["chefLieu"]
        ],
        columns=["code", "parent"],
    )
    delegated["parent_now"] = to_current(delegated["parent"], code_map, current)
    split = delegated.loc[delegated["code"].isin(current), "parent_now"].dropna()
    last = delegated["code"].map(sitadel_last_year)
    merged_2019 = delegated.loc[last >= 2019, "parent_now"].dropna()
    merged_2019 = merged_2019[~merged_2019.isin(split)]

    result = summed.reindex(current).astype("float64")
    result[result.index.isin(split)] = np.nan
    result[result.index.isin(merged_2019)] = np.nan
    counts = {
        "population_2020_split_territories": int(pd.Index(split).nunique()),
        "population_2020_communes_nouvelles_2019": int(pd.Index(merged_2019).nunique()),
        "population_2020_missing": int(result.isna().sum()),
    }
    return result, counts


# --------------------------------------------------------------------------- sitadel


def sitadel_long(sitadel: Mapping[str, Mapping[str, Any]], series: str = "a") -> pd.DataFrame:
    """Sitadel per-commune arrays as a long table ``code, year, value`` (-1 kept)."""
    codes: list[str] = []
    years: list[int] = []
    values: list[int] = []
    for code, row in sitadel.items():
        arr = row[series]
        codes.extend([code] * len(arr))
        years.extend(range(row["y0"], row["y0"] + len(arr)))
        values.extend(arr)
    return pd.DataFrame({"code": codes, "year": years, "value": values})


def sitadel_permits(
    sitadel: Mapping[str, Mapping[str, Any]],
    code_map: Mapping[str, str],
    current: pd.Index,
    years: Iterable[int] = PERMIT_YEARS,
) -> pd.DataFrame:
    """Authorised dwellings over ``years`` per current commune.

    Rows under a former code are added to the current commune. This does not
    double count: the upstream keeps each permit under the code in force when
    it was filed, so a former code's series stops at its merger year and the
    current commune's own row does not include it (in 1,098 of 4,391
    overlapping commune-years the own row is smaller than the former
    communes' rows alone, which a retropolated row could not be). A ``-1``
    cell is a blank upstream: a commune with any blank in the window gets
    NaN; a commune without any cell in the window gets 0. Returns columns
    ``permits`` (float, NaN if blank), ``blank`` (bool) and ``listed``
    (bool: at least one source row maps to the commune).
    """
    long = sitadel_long(sitadel)
    long["target"] = to_current(long["code"], code_map, current)
    unmapped = long["target"].isna()
    if unmapped.any():
        raise ValueError(f"Sitadel codes unknown to the COG: {sorted(long.loc[unmapped, 'code'])}")
    listed = pd.Index(long["target"].unique())
    window = long[long["year"].isin(list(years))]
    blank = (window["value"] < 0).groupby(window["target"]).any()
    total = window["value"].clip(lower=0).groupby(window["target"]).sum()
    out = pd.DataFrame(index=current)
    out["listed"] = out.index.isin(listed)
    out["blank"] = blank.reindex(current, fill_value=False).astype(bool)
    # No cell in the window (not listed, or a series that ended earlier) = 0 dwellings.
    out["permits"] = total.reindex(current, fill_value=0).astype("float64")
    out.loc[out["blank"], "permits"] = np.nan
    return out


# --------------------------------------------------------------------------- build


def _by_code(mapping: Mapping[str, Mapping[str, Any]], fields: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(dict(mapping), orient="index")
    frame = frame.reindex(columns=list(fields))
    frame.index = frame.index.astype(str)
    return frame


def build(shared: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read the raw folder and return the output tables and the measured counts."""
    cog_dir = shared / "decoupage-administratif-6.0.0"
    ind = shared / "indicators"
    communes_cog = _read_json(cog_dir / "communes.json")
    code_map = build_code_map(communes_cog)
    cur_rows = [r for r in communes_cog if r["type"] == "commune-actuelle"]
    summary: dict[str, Any] = {"communes": len(cur_rows), "former_codes_mapped": len(code_map)}

    # ---- identity
    t = pd.DataFrame(
        {
            "insee": [r["code"] for r in cur_rows],
            "name": [r["nom"] for r in cur_rows],
            "department": [r["departement"] for r in cur_rows],
            "region": [r["region"] for r in cur_rows],
            "zone": [r["zone"] for r in cur_rows],
            # Only the six uninhabited TAAF/Clipperton territories lack one.
            "population": [r.get("population", 0) for r in cur_rows],
            "rank_chef_lieu": [r.get("rangChefLieu", 0) for r in cur_rows],
        }
    ).set_index("insee")
    t = t.sort_index()
    current = t.index
    summary["communes_without_population"] = int(sum("population" not in r for r in cur_rows))

    regions = pd.DataFrame(_read_json(cog_dir / "regions.json"))
    departments = pd.DataFrame(_read_json(cog_dir / "departements.json"))
    # The COM pseudo-regions are not regions: keep the 18 real ones.
    regions = regions[regions["zone"] != "com"]
    regions = regions.rename(columns={"nom": "name"})[["code", "name", "zone"]]
    regions = regions.sort_values("code").reset_index(drop=True)
    departments = departments.rename(columns={"nom": "name"})
    departments.loc[departments["zone"] == "com", "region"] = ""
    departments = departments[["code", "name", "region", "zone"]]
    departments = departments.sort_values("code").reset_index(drop=True)

    t.loc[t["zone"] == "com", "region"] = pd.NA
    t["region_name"] = t["region"].map(regions.set_index("code")["name"])

    # ---- 2020 population
    sitadel = _read_json(ind / "gazetteer_sitadel.json.gz")["communes"]
    last_year = {code: row["y0"] + len(row["a"]) - 1 for code, row in sitadel.items()}
    communes_2020 = _read_json(shared / "decoupage-administratif-0.8.0" / "communes.json")
    pop20, counts = population_2020(communes_2020, code_map, current, last_year)
    summary.update(counts)
    t["population_2020"] = pop20
    t["population_change_pct"] = (t["population"] / t["population_2020"] - 1.0) * 100.0
    t.loc[t["population_2020"] <= 0, "population_change_pct"] = np.nan

    # ---- EPCI
    epcis = _read_json(cog_dir / "epci.json")
    members = pd.DataFrame(
        [
            (
                m["code"],
                e["code"],
                e["nom"],
                e["type"],
                e["populationMunicipale"],
                len(e["membres"]),
            )
            for e in epcis
            for m in e["membres"]
        ],
        columns=[
            "insee",
            "epci_siren",
            "epci_name",
            "epci_type",
            "epci_population",
            "epci_members",
        ],
    )
    if members["insee"].duplicated().any():
        raise ValueError("a commune belongs to two EPCIs in epci.json")
    members = members.set_index("insee").reindex(current)
    for col in ("epci_siren", "epci_name", "epci_type"):
        t[col] = members[col].astype("str")
    for col in ("epci_population", "epci_members"):
        t[col] = members[col].astype("Int64")
    summary["communes_without_epci"] = int(t["epci_siren"].isna().sum())

    # ---- programmes (ANCT list, COG 2025: 5 ORT-only codes merged since)
    prog = _by_code(
        _read_json(shared / "pvd" / "gazetteer_anct_programmes.json")["communes"],
        ["pvd", "pvd_signed_at", "acv", "ort"],
    )
    prog["target"] = to_current(pd.Series(prog.index, index=prog.index), code_map, current)
    summary["programme_codes_remapped"] = int((prog.index != prog["target"]).sum())
    flags = prog[["pvd", "acv", "ort"]].fillna(False).astype(bool).groupby(prog["target"]).any()
    for col in ("pvd", "acv", "ort"):
        t[col] = flags[col].reindex(current, fill_value=False).astype(bool)
    pvd_rows = prog[prog["pvd"].fillna(False).astype(bool)]
    if not pvd_rows["target"].is_unique:
        raise ValueError("two PVD rows map to one current commune")
    signed = pvd_rows.set_index("target")["pvd_signed_at"].dropna()
    t["pvd_signed_at"] = signed.reindex(current).astype("str")

    list_2021 = _read_csv(
        shared / "pvd" / "anct_pvd_liste_2021-01-22_sans_donnees_personnelles.csv"
    )
    list_2021["target"] = to_current(list_2021["insee_com"], code_map, current)
    grouped = list_2021[list_2021["id_pvd"] != ""]
    if not grouped["target"].is_unique:
        raise ValueError("two 2021 rows map to one current commune")
    t["pvd_group_2021"] = grouped.set_index("target")["id_pvd"].reindex(current).astype("str")

    # ---- indicators
    vac = _by_code(
        _read_json(ind / "gazetteer_vacance_communes.json.gz")["communes"], ["vacancy_rate_pct"]
    )
    t["housing_vacancy_pct"] = vac["vacancy_rate_pct"].reindex(current).astype("float64")

    lovac = _read_csv(ind / "gazetteer_lovac_communes.csv", sep=";").set_index("INSEE_C")
    t["fiscal_vacancy_pct"] = _to_float(lovac["taux_vacance_25_pct"]).reindex(current)
    t["long_term_vacancy_pct"] = _to_float(lovac["taux_vacance_long_25_pct"]).reindex(current)

    filo = _by_code(
        _read_json(ind / "gazetteer_filosofi_communes.json")["communes"],
        ["median_eur", "minima_pct"],
    )
    t["median_income_eur"] = filo["median_eur"].reindex(current).astype("float64")
    t["minimum_benefits_pct"] = filo["minima_pct"].reindex(current).astype("float64")

    chom = _read_json(ind / "gazetteer_chomage_zones_emploi.json")
    quarters = chom["quarters"]
    i_last, i_ref = quarters.index(UNEMPLOYMENT_LATEST), quarters.index(UNEMPLOYMENT_REFERENCE)
    zone_rate = pd.DataFrame(
        {
            z: {"last": v["rate_pct"][i_last], "ref": v["rate_pct"][i_ref]}
            for z, v in chom["zes"].items()
        }
    ).T.astype("float64")
    ze = pd.Series(chom["communes"]).reindex(current)
    t["unemployment_pct"] = ze.map(zone_rate["last"]).astype("float64")
    t["unemployment_change_pts"] = (ze.map(zone_rate["last"]) - ze.map(zone_rate["ref"])).round(2)
    t["unemployment_change_pts"] = t["unemployment_change_pts"].astype("float64")

    covered = t["zone"] != "com"  # BPE, Cartofriches, Sitadel cover metro + DROM only
    bpe = pd.DataFrame.from_dict(
        _read_json(ind / "gazetteer_bpe_communes.json.gz")["communes"], orient="index"
    )
    bpe = bpe.reindex(current).fillna(0.0).astype("float64")
    for bucket, col in EVERYDAY_SERVICES.items():
        t[col] = bpe[bucket].where(covered)
    for col, buckets in OTHER_BPE.items():
        t[col] = bpe[list(buckets)].sum(axis=1).where(covered)
    services = t[list(EVERYDAY_SERVICES.values())].sum(axis=1, min_count=len(EVERYDAY_SERVICES))
    per_1000 = services / t["population"].where(t["population"] > 0) * 1000.0
    t["services_per_1000"] = per_1000.astype("float64")

    carto_raw = _read_json(ind / "gazetteer_cartofriches_communes.json.gz")["communes"]
    carto = _by_code(carto_raw, ["n", "total_surface_m2"]).astype("float64")
    carto["target"] = to_current(pd.Series(carto.index, index=carto.index), code_map, current)
    summary["cartofriches_codes_remapped"] = int((carto.index != carto["target"]).sum())
    carto_sum = carto.groupby("target")[["n", "total_surface_m2"]].sum().reindex(current)
    carto_listed = carto_sum["n"].notna()
    # Absent = 0 sites where the inventory covers the territory; COM listed rows are kept.
    t["brownfield_count"] = carto_sum["n"].fillna(0.0).where(covered | carto_listed)
    surface_ha = carto_sum["total_surface_m2"].fillna(0.0) / 10_000.0
    t["brownfield_surface_ha"] = surface_ha.where(covered | carto_listed)

    rpls = _by_code(_read_json(ind / "gazetteer_rpls_communes.json.gz")["communes"], ["rate_pct"])
    rate = rpls["rate_pct"].reindex(current).astype("float64")
    t["social_housing_below_threshold"] = (rate == 0.0).astype(bool)
    t["social_housing_pct"] = rate.where(rate != 0.0)
    summary["rpls_zero_current"] = int(t["social_housing_below_threshold"].sum())
    summary["rpls_absent_current"] = int(rate.isna().sum())

    permits = sitadel_permits(sitadel, code_map, current)
    count = permits["permits"].where(covered)
    t["housing_permits_5y"] = count.astype("float64")
    t["housing_permits_per_1000_5y"] = count / t["population"].where(t["population"] > 0) * 1000.0
    sit_codes = pd.Index(list(sitadel))
    sit_old = sit_codes[~sit_codes.isin(current)]
    summary.update(
        {
            "sitadel_rows": len(sit_codes),
            "sitadel_rows_former_codes": len(sit_old),
            "sitadel_communes_with_own_and_former_rows": int(
                pd.Index(sit_old.map(code_map)).unique().isin(sit_codes).sum()
            ),
            "sitadel_communes_with_blank_in_window": int(permits["blank"].sum()),
            "sitadel_communes_absent_set_to_0": int((~permits["listed"] & covered).sum()),
            "sitadel_absent_max_population": int(
                t.loc[~permits["listed"] & covered, "population"].max()
            ),
        }
    )

    her = _read_csv(ind / "heritage_counts_by_commune_basilic.csv").set_index("insee")
    her_cols = {
        "monuments": "n_monuments",
        "protected_areas": "n_espaces_proteges_spr",
        "museums": "n_musees",
    }
    her_num = her[list(her_cols.values())].apply(_to_float)
    her_num["target"] = to_current(pd.Series(her.index, index=her.index), code_map, current)
    summary["basilic_codes_dropped"] = sorted(her_num.index[her_num["target"].isna()])
    her_sum = her_num.dropna(subset=["target"]).groupby("target").sum().reindex(current)
    her_listed = her_sum["n_monuments"].notna()
    corsica = t["department"].isin(CORSICA)
    her_known = ((t["zone"] != "com") | her_listed) & ~corsica
    for col, src in her_cols.items():
        t[col] = her_sum[src].fillna(0.0).where(her_known)

    arcep = _read_csv(ind / "arcep_ftth_pct_commune_vivrea_2026-02.csv").set_index("insee")
    t["fibre_pct"] = _to_float(arcep["fibre_pct"]).reindex(current)

    # ---- caveats measured on the programme list
    pvd = t[t["pvd"]]
    summary.update(
        {
            "pvd": int(t["pvd"].sum()),
            "acv": int(t["acv"].sum()),
            "ort": int(t["ort"].sum()),
            "pvd_and_acv": int((t["pvd"] & t["acv"]).sum()),
            "pvd_without_signature_date": int(pvd["pvd_signed_at"].isna().sum()),
            "pvd_without_group_2021": int(pvd["pvd_group_2021"].isna().sum()),
            "non_pvd_with_group_2021": int(t.loc[~t["pvd"], "pvd_group_2021"].notna().sum()),
            "pvd_population_20000_plus": sorted(pvd.index[pvd["population"] >= 20_000]),
            "pvd_in_cu_metro": int(pvd["epci_type"].isin(LARGE_URBAN_EPCI).sum()),
            "pvd_without_epci": sorted(pvd.index[pvd["epci_siren"].isna()]),
            "pvd_drom": int((pvd["zone"] == "drom").sum()),
            "pvd_with_minimum_benefits": int(pvd["minimum_benefits_pct"].notna().sum()),
            "communes_with_minimum_benefits": int(t["minimum_benefits_pct"].notna().sum()),
        }
    )
    summary["indicator_non_missing"] = {
        c: int(t[c].notna().sum()) for c in t.columns if t[c].dtype == "float64"
    }

    cerema = _read_csv(shared / "cerema" / "cerema_dter_by_departement.csv")
    cerema = cerema.rename(columns={"code_dep": "department", "cerema_dter": "directorate"})
    cerema = cerema[["department", "directorate", "evidence"]].sort_values("department")
    summary["cerema_rows"] = len(cerema)
    summary["cerema_inferred"] = int(cerema["evidence"].str.startswith("inferred").sum())

    t = t[COLUMNS]
    return {
        "communes": t,
        "regions": regions,
        "departments": departments,
        "cerema_directorates": cerema.reset_index(drop=True),
    }, summary


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
    parser = argparse.ArgumentParser(prog="python -m pvd_optim.data.build", description=__doc__)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="raw data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    if not (args.shared / "decoupage-administratif-6.0.0" / "communes.json").is_file():
        print(f"error: {args.shared} does not look like the raw data folder", file=sys.stderr)
        return 2
    tables, summary = build(args.shared)
    write(tables, summary, args.out)
    for path in sorted(args.out.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
