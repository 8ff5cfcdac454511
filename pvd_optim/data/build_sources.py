"""One function per raw source of the build: each adds its columns to the commune table.

Used only by :mod:`pvd_optim.data.build` (never at run time). Every function
takes the :class:`Sources` being built (the raw folder, the code map, the current
communes and the counts measured so far) and the table, adds the columns of its
source, and records what it measured in ``sources.summary`` (quoted in
``NOTICE.md``). Where an absent commune means 0 and where it means unknown is
decided here, once per source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pvd_optim.data.build_mapping import (
    by_code,
    population_2020,
    read_csv,
    read_json,
    sitadel_permits,
    to_current,
    to_float,
)
from pvd_optim.errors import DataError
from pvd_optim.i18n.message import Message

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
#: Unemployment quarters: latest, and the reference for the change.
UNEMPLOYMENT_LATEST = "2025-T4"
UNEMPLOYMENT_REFERENCE = "2021-T4"
LARGE_URBAN_EPCI = ("CU", "METRO", "MET69")
CORSICA = ("2A", "2B")
#: Where the COG 2026 files are inside the raw folder.
COG_FOLDER = "decoupage-administratif-6.0.0"


@dataclass
class Sources:
    """The raw folder being read, and what the build has learnt from it so far."""

    folder: Path
    communes_cog: list[dict[str, Any]]
    code_map: dict[str, str]
    current: pd.Index = field(default_factory=lambda: pd.Index([]))
    summary: dict[str, Any] = field(default_factory=dict)
    sitadel: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def cog(self) -> Path:
        """The COG 2026 folder."""
        return self.folder / COG_FOLDER

    @property
    def indicators(self) -> Path:
        """The folder of indicator files."""
        return self.folder / "indicators"

    def covered(self, t: pd.DataFrame) -> pd.Series:
        """Communes that BPE, Cartofriches and Sitadel cover: metro and DROM, not COM."""
        return t["zone"] != "com"


def _text(values: pd.Series) -> pd.Series:
    """Text cells, a missing one kept missing (pandas 2's ``astype(str)`` writes ``'nan'``)."""
    return values.astype("str").where(values.notna())


def identity(sources: Sources) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The current communes (COG 2026) with their identity, and the region / department tables."""
    cur_rows = [r for r in sources.communes_cog if r["type"] == "commune-actuelle"]
    sources.summary.update({"communes": len(cur_rows),
                            "former_codes_mapped": len(sources.code_map)})
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
    sources.current = t.index
    sources.summary["communes_without_population"] = int(
        sum("population" not in r for r in cur_rows))

    regions = pd.DataFrame(read_json(sources.cog / "regions.json"))
    departments = pd.DataFrame(read_json(sources.cog / "departements.json"))
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
    return t, regions, departments


def add_population_change(t: pd.DataFrame, sources: Sources) -> None:
    """``population_2020`` (0.8.0 edition on the 2026 map) and ``population_change_pct``."""
    sources.sitadel = read_json(sources.indicators / "gazetteer_sitadel.json.gz")["communes"]
    last_year = {code: row["y0"] + len(row["a"]) - 1 for code, row in sources.sitadel.items()}
    communes_2020 = read_json(sources.folder / "decoupage-administratif-0.8.0" / "communes.json")
    pop20, counts = population_2020(communes_2020, sources.code_map, sources.current, last_year)
    sources.summary.update(counts)
    t["population_2020"] = pop20
    t["population_change_pct"] = (t["population"] / t["population_2020"] - 1.0) * 100.0
    t.loc[t["population_2020"] <= 0, "population_change_pct"] = np.nan


def add_epci(t: pd.DataFrame, sources: Sources) -> None:
    """The intercommunality of each commune: SIREN, name, type, population, members."""
    epcis = read_json(sources.cog / "epci.json")
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
        raise DataError(Message("a commune belongs to two EPCIs"), file=sources.cog / "epci.json")
    members = members.set_index("insee").reindex(sources.current)
    for col in ("epci_siren", "epci_name", "epci_type"):
        t[col] = _text(members[col])
    for col in ("epci_population", "epci_members"):
        t[col] = members[col].astype("Int64")
    sources.summary["communes_without_epci"] = int(t["epci_siren"].isna().sum())


def add_programmes(t: pd.DataFrame, sources: Sources) -> None:
    """PVD, ACV and ORT flags (ANCT list, COG 2025: 5 ORT-only codes merged since) and groups."""
    current, code_map = sources.current, sources.code_map
    prog = by_code(
        read_json(sources.folder / "pvd" / "gazetteer_anct_programmes.json")["communes"],
        ["pvd", "pvd_signed_at", "acv", "ort"],
    )
    prog["target"] = to_current(pd.Series(prog.index, index=prog.index), code_map, current)
    sources.summary["programme_codes_remapped"] = int((prog.index != prog["target"]).sum())
    flags = prog[["pvd", "acv", "ort"]].fillna(False).astype(bool).groupby(prog["target"]).any()
    for col in ("pvd", "acv", "ort"):
        t[col] = flags[col].reindex(current, fill_value=False).astype(bool)
    pvd_rows = prog[prog["pvd"].fillna(False).astype(bool)]
    if not pvd_rows["target"].is_unique:
        raise DataError(Message("two PVD rows map to one current commune"),
                        file=sources.folder / "pvd" / "gazetteer_anct_programmes.json")
    signed = pvd_rows.set_index("target")["pvd_signed_at"].dropna()
    t["pvd_signed_at"] = _text(signed.reindex(current))

    list_path = sources.folder / "pvd" / "anct_pvd_liste_2021-01-22_sans_donnees_personnelles.csv"
    list_2021 = read_csv(list_path)
    list_2021["target"] = to_current(list_2021["insee_com"], code_map, current)
    grouped = list_2021[list_2021["id_pvd"] != ""]
    if not grouped["target"].is_unique:
        raise DataError(Message("two 2021 rows map to one current commune"), file=list_path)
    t["pvd_group_2021"] = _text(grouped.set_index("target")["id_pvd"].reindex(current))


def add_vacancy(t: pd.DataFrame, sources: Sources) -> None:
    """Census vacancy and LOVAC fiscal and long-term vacancy (rates: current codes only)."""
    vac = by_code(
        read_json(sources.indicators / "gazetteer_vacance_communes.json.gz")["communes"],
        ["vacancy_rate_pct"],
    )
    t["housing_vacancy_pct"] = vac["vacancy_rate_pct"].reindex(sources.current).astype("float64")
    lovac = read_csv(sources.indicators / "gazetteer_lovac_communes.csv", sep=";")
    lovac = lovac.set_index("INSEE_C")
    t["fiscal_vacancy_pct"] = to_float(lovac["taux_vacance_25_pct"]).reindex(sources.current)
    t["long_term_vacancy_pct"] = to_float(lovac["taux_vacance_long_25_pct"]).reindex(
        sources.current)


def add_income(t: pd.DataFrame, sources: Sources) -> None:
    """Filosofi median income and share of minimum social benefits."""
    filo = by_code(
        read_json(sources.indicators / "gazetteer_filosofi_communes.json")["communes"],
        ["median_eur", "minima_pct"],
    )
    t["median_income_eur"] = filo["median_eur"].reindex(sources.current).astype("float64")
    t["minimum_benefits_pct"] = filo["minima_pct"].reindex(sources.current).astype("float64")


def add_unemployment(t: pd.DataFrame, sources: Sources) -> None:
    """Unemployment of the commune's employment zone, latest quarter and change."""
    chom = read_json(sources.indicators / "gazetteer_chomage_zones_emploi.json")
    quarters = chom["quarters"]
    i_last, i_ref = quarters.index(UNEMPLOYMENT_LATEST), quarters.index(UNEMPLOYMENT_REFERENCE)
    zone_rate = pd.DataFrame(
        {
            z: {"last": v["rate_pct"][i_last], "ref": v["rate_pct"][i_ref]}
            for z, v in chom["zes"].items()
        }
    ).T.astype("float64")
    ze = pd.Series(chom["communes"]).reindex(sources.current)
    t["unemployment_pct"] = ze.map(zone_rate["last"]).astype("float64")
    t["unemployment_change_pts"] = (ze.map(zone_rate["last"]) - ze.map(zone_rate["ref"])).round(2)
    t["unemployment_change_pts"] = t["unemployment_change_pts"].astype("float64")


def add_services(t: pd.DataFrame, sources: Sources) -> None:
    """BPE facility counts (absent = none counted, where BPE covers) and services per 1,000."""
    covered = sources.covered(t)
    bpe = pd.DataFrame.from_dict(
        read_json(sources.indicators / "gazetteer_bpe_communes.json.gz")["communes"],
        orient="index",
    )
    bpe = bpe.reindex(sources.current).fillna(0.0).astype("float64")
    for bucket, col in EVERYDAY_SERVICES.items():
        t[col] = bpe[bucket].where(covered)
    for col, buckets in OTHER_BPE.items():
        t[col] = bpe[list(buckets)].sum(axis=1).where(covered)
    services = t[list(EVERYDAY_SERVICES.values())].sum(axis=1, min_count=len(EVERYDAY_SERVICES))
    per_1000 = services / t["population"].where(t["population"] > 0) * 1000.0
    t["services_per_1000"] = per_1000.astype("float64")


def add_brownfields(t: pd.DataFrame, sources: Sources) -> None:
    """Cartofriches site counts and surfaces; former codes added to the current commune."""
    covered = sources.covered(t)
    carto_raw = read_json(sources.indicators / "gazetteer_cartofriches_communes.json.gz")
    carto = by_code(carto_raw["communes"], ["n", "total_surface_m2"]).astype("float64")
    carto["target"] = to_current(pd.Series(carto.index, index=carto.index), sources.code_map,
                                 sources.current)
    sources.summary["cartofriches_codes_remapped"] = int((carto.index != carto["target"]).sum())
    carto_sum = carto.groupby("target")[["n", "total_surface_m2"]].sum().reindex(sources.current)
    carto_listed = carto_sum["n"].notna()
    # Absent = 0 sites where the inventory covers the territory; COM listed rows are kept.
    t["brownfield_count"] = carto_sum["n"].fillna(0.0).where(covered | carto_listed)
    surface_ha = carto_sum["total_surface_m2"].fillna(0.0) / 10_000.0
    t["brownfield_surface_ha"] = surface_ha.where(covered | carto_listed)


def add_social_housing(t: pd.DataFrame, sources: Sources) -> None:
    """SRU social housing rate; a rate of exactly 0 upstream means below the legal threshold."""
    rpls = by_code(
        read_json(sources.indicators / "gazetteer_rpls_communes.json.gz")["communes"],
        ["rate_pct"],
    )
    rate = rpls["rate_pct"].reindex(sources.current).astype("float64")
    t["social_housing_below_threshold"] = (rate == 0.0).astype(bool)
    t["social_housing_pct"] = rate.where(rate != 0.0)
    sources.summary["rpls_zero_current"] = int(t["social_housing_below_threshold"].sum())
    sources.summary["rpls_absent_current"] = int(rate.isna().sum())


def add_permits(t: pd.DataFrame, sources: Sources) -> None:
    """Sitadel dwellings authorised over the window, and per 1,000 inhabitants."""
    covered = sources.covered(t)
    current, code_map, sitadel = sources.current, sources.code_map, sources.sitadel
    permits = sitadel_permits(sitadel, code_map, current)
    count = permits["permits"].where(covered)
    t["housing_permits_5y"] = count.astype("float64")
    t["housing_permits_per_1000_5y"] = count / t["population"].where(t["population"] > 0) * 1000.0
    sit_codes = pd.Index(list(sitadel))
    sit_old = sit_codes[~sit_codes.isin(current)]
    sources.summary.update(
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


def add_heritage(t: pd.DataFrame, sources: Sources) -> None:
    """Basilic monuments, protected areas and museums; unknown in Corsica."""
    her = read_csv(sources.indicators / "heritage_counts_by_commune_basilic.csv").set_index("insee")
    her_cols = {
        "monuments": "n_monuments",
        "protected_areas": "n_espaces_proteges_spr",
        "museums": "n_musees",
    }
    her_num = her[list(her_cols.values())].apply(to_float)
    her_num["target"] = to_current(pd.Series(her.index, index=her.index), sources.code_map,
                                   sources.current)
    sources.summary["basilic_codes_dropped"] = sorted(her_num.index[her_num["target"].isna()])
    her_sum = her_num.dropna(subset=["target"]).groupby("target").sum().reindex(sources.current)
    her_listed = her_sum["n_monuments"].notna()
    corsica = t["department"].isin(CORSICA)
    her_known = ((t["zone"] != "com") | her_listed) & ~corsica
    for col, src in her_cols.items():
        t[col] = her_sum[src].fillna(0.0).where(her_known)


def add_fibre(t: pd.DataFrame, sources: Sources) -> None:
    """ARCEP share of premises connectable to fibre."""
    arcep = read_csv(sources.indicators / "arcep_ftth_pct_commune_vivrea_2026-02.csv")
    t["fibre_pct"] = to_float(arcep.set_index("insee")["fibre_pct"]).reindex(sources.current)


def measure_programme_caveats(t: pd.DataFrame, sources: Sources) -> None:
    """The counts of the programme list that ``NOTICE.md`` quotes as caveats."""
    pvd = t[t["pvd"]]
    sources.summary.update(
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
    sources.summary["indicator_non_missing"] = {
        c: int(t[c].notna().sum()) for c in t.columns if t[c].dtype == "float64"
    }


def cerema_directorates(sources: Sources) -> pd.DataFrame:
    """Default department -> Cerema territorial directorate, with the evidence per row."""
    cerema = read_csv(sources.folder / "cerema" / "cerema_dter_by_departement.csv")
    cerema = cerema.rename(columns={"code_dep": "department", "cerema_dter": "directorate"})
    cerema = cerema[["department", "directorate", "evidence"]].sort_values("department")
    sources.summary["cerema_rows"] = len(cerema)
    sources.summary["cerema_inferred"] = int(cerema["evidence"].str.startswith("inferred").sum())
    return cerema.reset_index(drop=True)
