"""The derived commune table: real facts pinned, and the build's mapping rules.

Facts were checked by hand against the raw files (the ``data`` folder of the
``shared`` folder beside a development checkout). The tests that rebuild from
those raw files skip when the folder is absent (users do not have it); everything
else runs on the embedded files.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pvd_optim.data import build, build_mapping
from pvd_optim.data.towns import COMMUNES_FILE, INDICATORS, load_communes
from pvd_optim.errors import DataError

#: The raw data folder of a development checkout: the package never names it.
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not (SHARED / "decoupage-administratif-6.0.0" / "communes.json").is_file(),
    reason="raw data folder not available",
)


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return load_communes()


def cell(frame: pd.DataFrame, code: str, column: str) -> float:
    """One numeric cell as a float (keeps the type checker out of pandas' scalar union)."""
    return float(frame[column].to_numpy(dtype="float64")[frame.index.get_loc(code)])


# --------------------------------------------------------------------------- real facts


def test_shape_and_index(communes: pd.DataFrame) -> None:
    assert len(communes) == 34_969
    assert communes.index.name == "insee"
    assert communes.index.is_unique
    assert (communes.index.str.len() == 5).all()
    assert communes["zone"].value_counts().to_dict() == {"metro": 34_746, "drom": 129, "com": 94}


def test_programme_counts(communes: pd.DataFrame) -> None:
    assert communes["pvd"].sum() == 1_646
    assert communes["acv"].sum() == 245
    # 2,265 ORT rows upstream; 5 ORT-only codes merged since into communes already listed.
    assert communes["ort"].sum() == 2_260
    assert not (communes["pvd"] & communes["acv"]).any()


def test_measured_caveats(communes: pd.DataFrame) -> None:
    pvd = communes[communes["pvd"]]
    assert pvd["pvd_signed_at"].isna().sum() == 58
    assert pvd["pvd_group_2021"].isna().sum() == 635
    assert sorted(pvd.index[pvd["population"] >= 20_000]) == [
        "29039",
        "84054",
        "85047",
        "97117",
        "97128",
    ]
    assert pvd["epci_type"].isin(["CU", "METRO", "MET69"]).sum() == 24
    assert pvd["epci_siren"].isna().sum() == 1  # L'Île-d'Yeu, an island outside any EPCI
    assert pvd["minimum_benefits_pct"].notna().sum() == 1_151


def test_com_communes_have_no_region_and_no_epci(communes: pd.DataFrame) -> None:
    com = communes[communes["zone"] == "com"]
    assert len(com) == 94
    assert com["region"].isna().all() and com["region_name"].isna().all()
    assert com["epci_siren"].isna().all()
    assert communes.loc[communes["zone"] != "com", "region"].notna().all()


def test_belley_checked_by_hand(communes: pd.DataFrame) -> None:
    """Belley (01034), a PVD town, against each raw file."""
    b = communes.loc["01034"]
    assert b["name"] == "Belley" and b["department"] == "01" and b["region"] == "84"
    assert b["population"] == 9_388 and b["population_2020"] == 9_133
    assert b["epci_siren"] == "200040350" and b["epci_type"] == "CC"
    assert b["pvd"] and b["ort"] and not b["acv"]
    assert b["pvd_signed_at"] == "2021-04-22" and b["pvd_group_2021"] == "pvd-84-01-2"
    assert b["housing_vacancy_pct"] == 13.37
    assert (b["fiscal_vacancy_pct"], b["long_term_vacancy_pct"]) == (10.0, 6.51)
    assert (b["median_income_eur"], b["minimum_benefits_pct"]) == (21_180, 3.2)
    assert b["unemployment_pct"] == 5.6 and b["unemployment_change_pts"] == pytest.approx(0.1)
    counts = ("post_offices", "general_practitioners", "pharmacies", "primary_schools")
    assert [b[c] for c in counts] == [1, 15, 4, 3]
    assert [b["bakeries"], b["groceries"], b["supermarkets"]] == [11, 2, 5]
    assert b["railway_stations"] == 0 and b["secondary_schools"] == 5  # 2 collèges + 3 lycées
    assert b["services_per_1000"] == pytest.approx(41 / 9_388 * 1000)
    assert b["brownfield_count"] == 8 and b["brownfield_surface_ha"] == pytest.approx(11.6165)
    assert b["social_housing_pct"] == 26.0 and not b["social_housing_below_threshold"]
    assert b["housing_permits_5y"] == 86 + 203 + 190 + 22 + 39
    assert b["housing_permits_per_1000_5y"] == pytest.approx(540 / 9_388 * 1000)
    assert (b["monuments"], b["protected_areas"], b["museums"]) == (11, 0, 0)
    assert b["fibre_pct"] == 92.0


def test_indicators_are_float_and_documented(communes: pd.DataFrame) -> None:
    for col in INDICATORS:
        assert communes[col].dtype == np.float64, col
    for col in communes.columns:
        if communes[col].dtype == np.float64 and col != "population_2020":
            assert col in INDICATORS, col


def test_corsica_heritage_unknown_not_zero(communes: pd.DataFrame) -> None:
    corsica = communes["department"].isin(["2A", "2B"])
    assert corsica.sum() == 360
    for col in ("monuments", "protected_areas", "museums"):
        assert communes.loc[corsica, col].isna().all()
        mainland = communes.loc[~corsica & (communes["zone"] == "metro"), col]
        assert mainland.notna().all() and (mainland == 0).any()
    assert communes.loc[~corsica, "monuments"].sum() > 45_000


def test_social_housing_threshold(communes: pd.DataFrame) -> None:
    below = communes["social_housing_below_threshold"]
    assert below.dtype == bool
    assert below.sum() == 18_470  # rate exactly 0 upstream
    assert communes.loc[below, "social_housing_pct"].isna().all()
    assert (communes["social_housing_pct"].dropna() > 0).all()
    # Absent from RPLS (DROM and a few communes): unknown, and not flagged as below threshold.
    unknown = communes["social_housing_pct"].isna() & ~below
    assert unknown.sum() == 234
    assert communes.loc[communes["zone"] == "drom", "social_housing_pct"].isna().all()


def test_absent_means_zero_only_where_the_source_covers(communes: pd.DataFrame) -> None:
    covered = communes["zone"] != "com"
    for col in ("post_offices", "supermarkets", "secondary_schools", "brownfield_count"):
        assert communes.loc[covered, col].notna().all(), col
    assert communes.loc[~covered, "post_offices"].isna().all()
    assert (communes.loc[covered, "brownfield_count"] == 0).sum() > 25_000
    # Sitadel: every metro/DROM commune has a count except the one with a blank cell.
    assert communes.loc[covered, "housing_permits_5y"].isna().sum() == 1
    assert np.isnan(cell(communes, "27676", "housing_permits_5y"))


def test_population_2020_of_merged_communes(communes: pd.DataFrame) -> None:
    # Clean sums of communes still separate in 2020: Hesdin-la-Forêt (62447, 4 communes)
    # and La Boixe (16393 = 16393 + 16226), populations read in the 0.8.0 file.
    assert communes.loc["62447", "population_2020"] == 2_224 + 886 + 1_105 + 406
    assert communes.loc["16393", "population_2020"] == 2_067 + 733
    # 2019 communes nouvelles: the 2020 edition counted only the former chef-lieu.
    for code in ("85194", "01033", "85146"):  # Les Sables-d'Olonne, Valserhône, Montaigu-Vendée
        assert np.isnan(cell(communes, code, "population_2020")), code
    # Split territory (Neussargues en Pinatelle de-merged) and restored communes.
    assert np.isnan(cell(communes, "15141", "population_2020"))
    assert np.isnan(cell(communes, "15031", "population_2020"))
    change = communes["population_change_pct"].dropna()
    assert change.between(-60, 120).mean() > 0.999


def test_reference_files_small() -> None:
    files = list(COMMUNES_FILE.parent.iterdir())
    assert sum(p.stat().st_size for p in files) <= 6_000_000
    assert {p.name for p in files} >= {
        "communes.parquet",
        "regions.csv",
        "departments.csv",
        "cerema_directorates.csv",
    }


# --------------------------------------------------------------------------- build rules


COG: list[dict[str, Any]] = [
    {"code": "01001", "type": "commune-actuelle", "anciensCodes": ["01002", "01003"]},
    {"code": "01001", "type": "commune-deleguee", "chefLieu": "01001"},
    {"code": "01002", "type": "commune-deleguee", "chefLieu": "01001"},
    {"code": "01003", "type": "commune-associee", "chefLieu": "01004"},
    {"code": "01004", "type": "commune-actuelle"},
]


def test_code_map_prefers_present_attachment() -> None:
    mapping = build_mapping.build_code_map(COG)
    # 01003 is in 01001's history but is attached to 01004 today.
    assert mapping == {"01002": "01001", "01003": "01004"}


def test_sitadel_sums_former_codes_once_and_blanks_are_missing() -> None:
    sitadel = {
        "01001": {"y0": 2013, "a": [1] * 8 + [10, 10, 10, 10, 10]},
        # Former code: its series stops at the merger (2022), never overlapping later years.
        "01002": {"y0": 2013, "a": [1] * 8 + [5, 5]},
        "01004": {"y0": 2013, "a": [0] * 8 + [1, -1, 1, 1, 1]},
    }
    current = pd.Index(["01001", "01004", "01005"])
    out = build_mapping.sitadel_permits(sitadel, build_mapping.build_code_map(COG), current)
    assert out.loc["01001", "permits"] == 50 + 10
    assert np.isnan(cell(out, "01004", "permits")) and out.loc["01004", "blank"]
    assert not out.loc["01005", "listed"]


def test_sitadel_real_merger_adds_former_code(communes: pd.DataFrame) -> None:
    # La Boixe (16393) absorbed Montignac-Charente (16226), whose series runs to 2025:
    # own 5+12+3+2+11 plus former 0+2+1+0+1 dwellings over 2021-2025.
    assert communes.loc["16393", "housing_permits_5y"] == 33 + 4


@pytest.fixture(scope="module")
def rebuilt() -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    return build.build(SHARED)


@needs_shared
def test_committed_files_match_a_rebuild(rebuilt, communes: pd.DataFrame) -> None:
    tables, summary = rebuilt
    fresh = tables["communes"].copy()
    for col in ("epci_population", "epci_members"):
        fresh[col] = fresh[col].astype("Int64")
    pd.testing.assert_frame_equal(fresh, communes, check_dtype=False)
    committed = json.loads((COMMUNES_FILE.parent / "build_summary.json").read_text("utf-8"))
    assert committed == json.loads(json.dumps(summary))


@needs_shared
def test_sitadel_department_totals_equal_source(communes: pd.DataFrame) -> None:
    """After mapping former codes, every dwelling of the window is counted exactly once."""
    with gzip.open(SHARED / "indicators" / "gazetteer_sitadel.json.gz", "rt") as f:
        sitadel = json.load(f)["communes"]
    long = build_mapping.sitadel_long(sitadel)
    long = long[long["year"].between(2021, 2025)]
    cog = json.loads((SHARED / "decoupage-administratif-6.0.0" / "communes.json").read_text())
    code_map = build_mapping.build_code_map(cog)
    long["target"] = build_mapping.to_current(long["code"], code_map, communes.index)
    # Communes with a blank cell are NaN in the table: leave them out of both sides.
    blank_targets = set(long.loc[long["value"] < 0, "target"])
    assert blank_targets == {"27676"}
    long = long[~long["target"].isin(blank_targets)]
    dept = long["target"].map(communes["department"])
    source = long["value"].groupby(dept).sum()
    table = communes["housing_permits_5y"].groupby(communes["department"]).sum()
    table = table[table > 0]
    pd.testing.assert_series_equal(
        source.astype(float).sort_index(), table.sort_index(), check_names=False
    )
    # The 750 communes with both rows are where double counting could have crept in.
    former = pd.Index(list(sitadel)).difference(communes.index)
    assert len(former) == 1_454
    both = pd.Index(code_map).intersection(former).map(code_map)
    assert both.unique().isin(list(sitadel)).sum() == 750


@needs_shared
def test_build_is_deterministic(tmp_path: Path, rebuilt) -> None:
    tables, summary = rebuilt
    build.write(tables, summary, tmp_path / "a")
    build.write(tables, summary, tmp_path / "b")
    import pyarrow.parquet as pq

    for path in (tmp_path / "a").iterdir():
        committed = COMMUNES_FILE.parent / path.name
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
        writer = pq.ParquetFile(path).metadata.created_by if path.suffix == ".parquet" else ""
        if writer and writer != pq.ParquetFile(committed).metadata.created_by:
            # Another pyarrow (the lower bounds): its writer stamps its own version and
            # may encode differently; the table must still be the committed one.
            assert pq.read_table(path).equals(pq.read_table(committed)), path.name
            continue
        assert path.read_bytes() == committed.read_bytes(), path.name


def test_build_names_a_folder_that_is_not_the_raw_data(tmp_path: Path, capsys) -> None:
    with pytest.raises(DataError, match="not the raw data folder"):
        build.build(tmp_path)
    assert build.main([str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}: not the raw data folder") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_build_takes_its_source_as_an_argument() -> None:
    with pytest.raises(SystemExit):  # argparse: the source folder is required
        build.main([])
