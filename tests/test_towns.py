"""Loader API, planner indicator CSVs (every error case) and imputation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pvd_optim
from pvd_optim.data import towns
from pvd_optim.data.towns import (
    INDICATORS,
    IndicatorInfo,
    apply_planner_indicators,
    impute,
    load_cerema_directorates,
    load_communes,
    load_departments,
    load_reference_tables,
    load_regions,
)
from pvd_optim.errors import DataError

FIXTURES = Path(__file__).parent / "data" / "planner_csv"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_communes()


def write(tmp_path: Path, text: str, name: str = "planner.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def error_of(table: pd.DataFrame, path: Path) -> DataError:
    with pytest.raises(DataError) as info:
        apply_planner_indicators(table, path)
    return info.value


def cell(frame: pd.DataFrame, code: str, column: str) -> float:
    """One numeric cell as a float (keeps the type checker out of pandas' scalar union)."""
    return float(frame[column].to_numpy(dtype="float64")[frame.index.get_loc(code)])


# --------------------------------------------------------------------------- loading


def test_load_returns_independent_copies() -> None:
    a = load_communes()
    a.loc["01034", "fibre_pct"] = -1.0
    assert load_communes().loc["01034", "fibre_pct"] == 92.0


def test_indicator_metadata() -> None:
    assert "services_per_1000" in INDICATORS
    info = INDICATORS["median_income_eur"]
    assert isinstance(info, IndicatorInfo) and info.higher_means_more_need is False
    assert INDICATORS["long_term_vacancy_pct"].higher_means_more_need is True
    with pytest.raises(AttributeError):
        info.unit = "x"  # type: ignore[misc]


def test_need_directions_have_one_table() -> None:
    """The catalogue reads the directions of pvd_optim.themes; it stores none of its own."""
    import dataclasses

    from pvd_optim.themes import DEFAULT_DIRECTIONS

    assert not {f.name for f in dataclasses.fields(IndicatorInfo)} & {
        "direction", "higher_means_more_need"}
    for name, info in INDICATORS.items():
        assert info.name == name
        assert info.direction == DEFAULT_DIRECTIONS.get(name), name
    # The decision recorded in themes.py: a thin social rental stock is a need.
    assert INDICATORS["social_housing_pct"].direction == "lower"
    assert INDICATORS["social_housing_pct"].higher_means_more_need is False
    assert INDICATORS["housing_permits_5y"].direction is None


def test_dtypes(table: pd.DataFrame) -> None:
    assert table["population"].dtype == np.int64
    assert table["epci_population"].dtype == "Int64"
    assert table["pvd"].dtype == bool
    assert pd.api.types.is_string_dtype(table["pvd_signed_at"].dtype)


def test_reference_tables() -> None:
    regions, departments = load_regions(), load_departments()
    assert len(regions) == 18 and set(regions["zone"]) == {"metro", "drom"}
    assert len(departments) == 109
    assert departments.loc[departments["zone"] == "com", "region"].isna().all()
    assert set(departments.loc[departments["zone"] != "com", "region"]) == set(regions["code"])
    cerema = load_cerema_directorates()
    assert list(cerema.columns) == ["department", "directorate", "evidence"]
    assert len(cerema) == 101 and cerema["department"].is_unique
    assert cerema["evidence"].str.startswith("inferred").sum() == 72
    assert set(load_reference_tables()) == {"regions", "departments", "cerema_directorates"}


def test_validate_rejects_broken_tables(table: pd.DataFrame) -> None:
    broken = table.copy()
    broken["fibre_pct"] = broken["fibre_pct"].fillna(0).astype("int64")
    with pytest.raises(DataError, match="fibre_pct: expected dtype float64"):
        towns.validate_communes(broken)
    with pytest.raises(DataError, match="duplicate INSEE codes"):
        towns.validate_communes(pd.concat([table.iloc[:2], table.iloc[:1]]))


def test_package_source_does_not_reference_shared_paths() -> None:
    package = Path(pvd_optim.__file__).parent
    # A path to the raw folder: "shared/data", or "shared" as a quoted path component.
    raw_folder = re.compile(r"shared/data|[\"']shared[\"']")
    for path in package.rglob("*.py"):  # the build scripts included: they take the folder
        assert not raw_folder.search(path.read_text("utf-8")), path
    assert towns.COMMUNES_FILE.is_relative_to(package)


def test_loading_opens_nothing_outside_the_package() -> None:
    """Import and load in a fresh interpreter, recording every file opened."""
    code = """
import sys
opened = []
sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == "open" else None)
from pvd_optim.data import towns
towns.load_communes(); towns.load_reference_tables()
bad = [p for p in opened if "/shared/" in p]  # the raw folder (not pandas' shared_docs)
print("BAD", bad)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "BAD []" in out


# --------------------------------------------------------------------------- planner CSV


def test_planner_adds_and_overrides(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(
        tmp_path,
        "insee;commercial_vacancy_pct;fibre_pct\n01034;12,5;\n2A004;3;50\n01001;;99.5\n",
    )
    out = apply_planner_indicators(table, path)
    assert out.loc["01034", "commercial_vacancy_pct"] == 12.5
    assert np.isnan(cell(out, "01001", "commercial_vacancy_pct"))  # empty cell, new column
    assert out["commercial_vacancy_pct"].notna().sum() == 2  # absent communes: NaN
    assert out.loc["01034", "fibre_pct"] == 92.0  # empty cell keeps the embedded value
    assert out.loc["2A004", "fibre_pct"] == 50.0
    assert out.loc["01001", "fibre_pct"] == 99.5
    assert cell(out, "01004", "fibre_pct") == cell(table, "01004", "fibre_pct")
    assert "commercial_vacancy_pct" not in table.columns  # input untouched


def test_planner_fixture_comma_separated(table: pd.DataFrame) -> None:
    out = apply_planner_indicators(table, FIXTURES / "travel_time.csv")
    assert out.loc["01034", "travel_time_min"] == 18.0
    assert out["travel_time_min"].notna().sum() == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code,x\n01034,1\n", "1: insee: no 'insee' key column in the header (found: code, x)"),
        ("insee,x\n01034,1\n01001,2\n01034,3\n", "4: insee: INSEE code 01034 appears twice"),
        ("insee,x\n1034,1\n", "2: insee: malformed INSEE code '1034'"),
        ("insee,x\n01034,1\n2C001,1\n", "3: insee: malformed INSEE code '2C001'"),
        ("insee,x\n99999,1\n", "2: insee: INSEE code 99999 is not a current commune"),
        ("insee,x\n01034,1\n01001,abc\n", "3: x: value 'abc' (code 01001) is not a number"),
        ("insee,x\n01034,inf\n", "2: x: infinite value 'inf' (code 01034) is not accepted"),
        ("insee,x\n01034,NaN\n", "2: x: 'nan' value 'NaN' (code 01034) is not accepted"),
        ("insee\n01034\n", "1: no indicator columns besides 'insee'"),
        ("insee,population\n01034,1\n", "1: population: would override an identity column"),
        ("insee,pvd\n01034,1\n", "1: pvd: would override an identity column"),
        ("insee,x,x\n01034,1,2\n", "1: x: column appears twice in the header"),
        ("insee,x\n01034,1,2\n", "2: 3 cells where the header has 2"),
        ("insee,x\n", "1: no data rows after the header"),
    ],
)
def test_planner_errors(tmp_path: Path, table: pd.DataFrame, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    err = error_of(table, path)
    assert str(err).startswith(f"{path}:"), str(err)
    assert expected in str(err)


def test_planner_duplicate_names_both_lines(tmp_path: Path, table: pd.DataFrame) -> None:
    err = error_of(table, write(tmp_path, "insee,x\n01034,1\n01001,2\n01034,3\n"))
    assert "(lines 2 and 4)" in str(err)
    assert err.line == 4 and err.field == "insee"


def test_planner_missing_file(tmp_path: Path, table: pd.DataFrame) -> None:
    err = error_of(table, tmp_path / "nope.csv")
    assert str(err) == f"{tmp_path / 'nope.csv'}: planner indicator file not found; check the path"


def test_planner_empty_file(tmp_path: Path, table: pd.DataFrame) -> None:
    err = error_of(table, write(tmp_path, "\n  \n"))
    assert "file is empty" in str(err)


def test_planner_not_utf8(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(tmp_path, "insee;note_élu\n01034;1\n", encoding="cp1252")
    err = error_of(table, path)
    assert str(err).startswith(f"{path}:1: file is not valid UTF-8")
    assert "save it as UTF-8" in str(err)


def test_planner_accepts_bom_crlf_lowercase_corsica(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(tmp_path, "\ufeffinsee,x\r\n2a004,1.5\r\n\r\n")
    out = apply_planner_indicators(table, path)
    assert out.loc["2A004", "x"] == 1.5


def test_planner_custom_key(tmp_path: Path, table: pd.DataFrame) -> None:
    path = write(tmp_path, "code_commune,x\n01034,2\n")
    out = apply_planner_indicators(table, path, key="code_commune")
    assert out.loc["01034", "x"] == 2.0


# --------------------------------------------------------------------------- imputation


def test_impute_department_then_region_then_national() -> None:
    t = pd.DataFrame(
        {
            "department": ["01", "01", "01", "02", "03", "975"],
            "region": ["84", "84", "84", "84", "99", pd.NA],
            "v": [1.0, 3.0, np.nan, np.nan, np.nan, np.nan],
            "w": [np.nan] * 6,
            "z": [5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
        },
        index=pd.Index(["01001", "01002", "01003", "02001", "03001", "97501"], name="insee"),
    )
    filled, imputed = impute(t, ["v", "w", "z"])
    assert filled["v"].tolist() == [1.0, 3.0, 2.0, 2.0, 2.0, 2.0]
    assert imputed.shape == t.shape and list(imputed.columns) == list(t.columns)
    assert imputed["v"].tolist() == [False, False, True, True, True, True]
    assert not imputed["w"].any() and filled["w"].isna().all()  # nothing to learn from
    assert not imputed["z"].any() and not imputed["department"].any()
    assert t["v"].isna().sum() == 4  # input untouched


def test_impute_real_table(table: pd.DataFrame) -> None:
    filled, imputed = impute(table, ["minimum_benefits_pct", "fibre_pct"])
    assert filled["minimum_benefits_pct"].notna().all()
    assert imputed["minimum_benefits_pct"].sum() == table["minimum_benefits_pct"].isna().sum()
    kept = ~imputed["fibre_pct"]
    assert filled.loc[kept, "fibre_pct"].equals(table.loc[kept, "fibre_pct"])
    dept01 = table.loc[table["department"] == "01", "minimum_benefits_pct"].median()
    holes = imputed["minimum_benefits_pct"] & (table["department"] == "01")
    assert (filled.loc[holes, "minimum_benefits_pct"] == dept01).all()
    national, _ = impute(table, ["minimum_benefits_pct"], method="national_median")
    assert national["minimum_benefits_pct"].nunique() < filled["minimum_benefits_pct"].nunique()


def test_impute_errors(table: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="method: unknown imputation method 'mean'"):
        impute(table, ["fibre_pct"], method="mean")
    with pytest.raises(DataError, match="nope: column not in the commune table"):
        impute(table, ["nope"])
    with pytest.raises(DataError, match="name: cannot impute"):
        impute(table, ["name"])
