"""The ORT signature date of the embedded table, and the build's cross-check of it.

Facts pinned from the raw files (ANCT programme list, COG 2025): 2,260 current
communes are ORT communes, all dated but one (77296 Moissy-Cramayel, a PVD town
whose date is missing upstream, in the ANCT list and in the merged list alike).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pvd_optim.data.build_ort import add_ort_dates
from pvd_optim.data.build_sources import Sources
from pvd_optim.data.towns import load_communes


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return load_communes()


def test_every_dated_commune_is_an_ort_commune(communes: pd.DataFrame) -> None:
    dated = communes["ort_signed_at"].notna()
    assert int(dated.sum()) == 2_259
    assert not (dated & ~communes["ort"]).any()
    assert communes.index[communes["ort"] & ~dated].tolist() == ["77296"]
    assert communes["ort_signed_at"].dropna().str.fullmatch(r"\d{4}-\d\d-\d\d").all()


def test_ort_dates_checked_by_hand(communes: pd.DataFrame) -> None:
    # Belley (01034): ORT signed 2022-12-22 in the ANCT list and in the merged list.
    assert communes.at["01034", "ort_signed_at"] == "2022-12-22"
    # Hesdin-la-Forêt (62447) absorbed three ORT communes of COG 2025, all of 2022-07-12.
    assert communes.at["62447", "ort_signed_at"] == "2022-07-12"
    pvd = communes[communes["pvd"]]
    assert int(pvd["ort"].sum()) == 1_526
    years = pvd["ort_signed_at"].dropna().str.slice(0, 4).value_counts()
    assert years.to_dict() == {"2023": 792, "2022": 415, "2024": 157, "2020": 50, "2025": 47,
                               "2021": 40, "2019": 19, "2026": 5}


def _sources(tmp_path: Path, merged_rows: list[str]) -> Sources:
    folder = tmp_path / "raw"
    (folder / "pvd").mkdir(parents=True)
    (folder / "pvd" / "pvd_communes_merged.csv").write_text(
        "insee_com,ort,ort_date_signature\n" + "".join(row + "\n" for row in merged_rows),
        encoding="utf-8")
    return Sources(folder, [], {"00002": "00001"}, current=pd.Index(["00001", "00003"]))


def _anct() -> pd.DataFrame:
    """Two ANCT rows merged into 00001 (dates differ), and 00003 without an ORT."""
    return pd.DataFrame({"ort": [True, True, None], "target": ["00001", "00001", "00003"],
                         "ort_signed_at": ["2022-05-01", "2021-03-02", None]},
                        index=["00001", "00002", "00003"])


def test_merged_commune_takes_the_earliest_date(tmp_path: Path) -> None:
    sources = _sources(tmp_path, ["00001,True,2021-03-02", "00003,False,"])
    t = pd.DataFrame({"ort": [True, False]}, index=sources.current)
    add_ort_dates(t, sources, _anct())
    assert t["ort_signed_at"].tolist()[0] == "2021-03-02"
    assert pd.isna(t["ort_signed_at"].tolist()[1])
    assert sources.summary["ort_merged_codes_with_different_dates"] == 1
    assert sources.summary["ort_merged_csv_disagreements"] == []


def test_disagreements_with_the_merged_list_are_reported_not_hidden(tmp_path: Path) -> None:
    sources = _sources(tmp_path, ["00001,True,2021-04-01", "00003,True,2023-01-01"])
    t = pd.DataFrame({"ort": [True, False]}, index=sources.current)
    add_ort_dates(t, sources, _anct())
    assert sources.summary["ort_merged_csv_disagreements"] == [
        {"insee": "00001", "anct_ort": True, "anct_ort_signed_at": "2021-03-02",
         "merged_ort": "True", "merged_ort_date_signature": "2021-04-01"},
        {"insee": "00003", "anct_ort": False, "anct_ort_signed_at": "",
         "merged_ort": "True", "merged_ort_date_signature": "2023-01-01"},
    ]
    # The ANCT list is kept.
    assert t["ort_signed_at"].tolist()[0] == "2021-03-02"
