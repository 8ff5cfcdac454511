"""How the build maps every source onto the COG 2026 map: readers, former codes, populations.

Used only by :mod:`pvd_optim.data.build` (never at run time): the rules that
change a number (how merged communes are mapped, what an absent commune means)
are here, each documented, and pinned by ``tests/test_data.py``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pvd_optim.errors import DataError
from pvd_optim.i18n.message import Message

__all__ = [
    "PERMIT_YEARS",
    "build_code_map",
    "by_code",
    "population_2020",
    "read_csv",
    "read_json",
    "sitadel_long",
    "sitadel_permits",
    "to_current",
    "to_float",
]

#: Sitadel window: the last five complete years of the 2026-06 vintage.
PERMIT_YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)


# --------------------------------------------------------------------------- readers


def read_json(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def read_csv(path: Path, *, sep: str = ",") -> pd.DataFrame:
    # Everything as text: INSEE codes have leading zeros and letters (2A/2B).
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")


def to_float(values: pd.Series) -> pd.Series:
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
        raise DataError(Message("Sitadel codes unknown to the COG: {codes}",
                                codes=str(sorted(long.loc[unmapped, "code"]))), field="sitadel")
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



def by_code(mapping: Mapping[str, Mapping[str, Any]], fields: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(dict(mapping), orient="index")
    frame = frame.reindex(columns=list(fields))
    frame.index = frame.index.astype(str)
    return frame
