"""The build's source of ORT signature dates: ``ort_signed_at``, cross-checked.

Used only by :mod:`pvd_optim.data.build` (never at run time), as one step after
:func:`pvd_optim.data.build_sources.add_programmes` (which sets the ``ort`` flag).
The ANCT programme list gives the date (``ort_signed_at``); the convenience join of the
PVD towns (``pvd/pvd_communes_merged.csv``) repeats it, and every town where the two
differ is recorded in the summary, never hidden (``NOTICE.md``).
"""

from __future__ import annotations

import pandas as pd

from pvd_optim.data.build_mapping import by_code, read_csv, read_json, to_current
from pvd_optim.data.build_sources import Sources
from pvd_optim.data.build_sources import _text as text_cells
from pvd_optim.errors import DataError
from pvd_optim.i18n.message import Message

PROGRAMMES_FILE = ("pvd", "gazetteer_anct_programmes.json")
MERGED_FILE = ("pvd", "pvd_communes_merged.csv")


def add_ort(t: pd.DataFrame, sources: Sources) -> None:
    """``ort_signed_at`` from the ANCT list, each row on its current commune; measured."""
    prog = by_code(read_json(sources.folder.joinpath(*PROGRAMMES_FILE))["communes"],
                   ["ort", "ort_signed_at"])
    prog["target"] = to_current(pd.Series(prog.index, index=prog.index), sources.code_map,
                                sources.current)
    add_ort_dates(t, sources, prog)
    pvd = t[t["pvd"]]
    sources.summary.update({
        "pvd_with_ort": int(pvd["ort"].sum()),
        "pvd_ort_signed_by_year": _by_year(pvd["ort_signed_at"]),
    })


def _by_year(dates: pd.Series) -> dict[str, int]:
    counts = dates.dropna().str.slice(0, 4).value_counts()
    return {str(year): int(n) for year, n in sorted(counts.items())}


def add_ort_dates(t: pd.DataFrame, sources: Sources, prog: pd.DataFrame) -> None:
    """``ort_signed_at``: when the commune's ORT convention was signed, cross-checked.

    ``prog`` is the ANCT list (``ort``, ``ort_signed_at``), with each row's current
    commune in ``target``. A current commune that absorbed several ORT communes takes the
    earliest date (the first ORT that covered part of it; the 5 such rows of COG 2025 all
    agree with their current commune today). The convenience join
    ``pvd/pvd_communes_merged.csv`` repeats the ORT flag and date for the PVD towns: every
    town where it differs from the ANCT list is recorded in the summary
    (``ort_merged_csv_disagreements``), and the ANCT list is kept.
    """
    ort_rows = prog[prog["ort"].fillna(False).astype(bool)]
    dated = ort_rows.dropna(subset=["ort_signed_at"])
    spread = dated.groupby("target")["ort_signed_at"].nunique()
    earliest = dated.groupby("target")["ort_signed_at"].min()
    t["ort_signed_at"] = text_cells(earliest.reindex(sources.current)).where(t["ort"])
    ort = t[t["ort"]]
    merged_path = sources.folder.joinpath(*MERGED_FILE)
    merged = read_csv(merged_path)
    merged["target"] = to_current(merged["insee_com"], sources.code_map, sources.current)
    if not merged["target"].is_unique:
        raise DataError(Message("two rows of the merged list map to one current commune"),
                        file=merged_path)
    merged = merged.set_index("target")
    listed_flag = t["ort"].reindex(merged.index).fillna(False).astype(bool)
    listed_date = t["ort_signed_at"].reindex(merged.index).fillna("")
    differ = (merged["ort"].eq("True") != listed_flag) | (
        merged["ort_date_signature"] != listed_date)
    sources.summary.update({
        "ort_with_date": int(ort["ort_signed_at"].notna().sum()),
        "ort_without_date": sorted(ort.index[ort["ort_signed_at"].isna()]),
        "ort_merged_codes_with_different_dates": int((spread > 1).sum()),
        "ort_signed_by_year": _by_year(ort["ort_signed_at"]),
        "ort_merged_csv_rows": len(merged),
        "ort_merged_csv_disagreements": [
            {"insee": code,
             "anct_ort": bool(listed_flag[code]), "anct_ort_signed_at": listed_date[code],
             "merged_ort": merged.at[code, "ort"],
             "merged_ort_date_signature": merged.at[code, "ort_date_signature"]}
            for code in sorted(merged.index[differ])],
    })
