"""Scoring benchmark: the vectorised core against a row-wise pandas ``.apply`` reference.

Both score the real embedded communes with the default themes and fragility
weights (percentile normalisation over all 34,969 communes, ``renormalise``
NaN policy) and must agree to 1e-12. Timings, the speed-up ratio and how to
regenerate them are in ``benchmarks/README.md`` (section "Scoring")::

    pytest benchmarks/test_bench_scoring.py --benchmark-only -s

With ``--benchmark-disable`` every function runs once (CI smoke mode), still
checking that the two implementations agree.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import record

from pvd_optim.data.towns import load_communes
from pvd_optim.scoring import (
    DEFAULT_DIRECTIONS,
    DEFAULT_FRAGILITY,
    DEFAULT_THEMES,
    NEUTRAL,
    Normaliser,
    Scores,
    score_towns,
)
from pvd_optim.scoring_frame import indicator_matrix

SIZES = ("official_1646", "all_34969")
# Vectorised timings (seconds, median) by size, read by the reference benchmark.
_VECTORISED_MEDIAN: dict[str, float] = {}
_VECTORISED_RESULT: dict[str, Scores] = {}


@pytest.fixture(scope="module")
def inputs() -> dict[str, Any]:
    table = load_communes()
    used = list(
        dict.fromkeys([i for w in DEFAULT_THEMES.values() for i in w] + list(DEFAULT_FRAGILITY))
    )
    matrix, names = indicator_matrix(table, used)
    pvd = table["pvd"].to_numpy(dtype=bool)
    return {
        "matrix": matrix,
        "names": names,
        "pvd": pvd,
        "frame": pd.DataFrame(matrix, columns=list(names), index=table.index),
        # Reference population = every commune; fitted once for the 1,646-town case.
        "normaliser": Normaliser.fit(matrix, names),
    }


# --------------------------------------------------------------------------- row-wise reference


def _rowwise_scores(
    frame: pd.DataFrame, reference: pd.DataFrame, directions: Mapping[str, str]
) -> pd.DataFrame:
    """The same scores, one town at a time with ``DataFrame.apply(axis=1)``."""
    refs = {c: sorted(reference[c].dropna().tolist()) for c in reference.columns}
    groups = [*DEFAULT_THEMES.items(), ("fragility", DEFAULT_FRAGILITY)]

    def percentile(x: float, ref: list[float], lower: bool) -> float:
        m = len(ref)
        left, right = bisect_left(ref, x), bisect_right(ref, x)
        p = (left + right) / 2 if m == 1 else (left + right - 1) / (2 * (m - 1))
        p = min(max(p, 0.0), 1.0)
        return 1.0 - p if lower else p

    def one_town(row: pd.Series) -> pd.Series:
        norm = {}
        for name, x in row.items():
            if not math.isnan(x) and refs[str(name)]:
                norm[name] = percentile(x, refs[str(name)], directions[str(name)] == "lower")
        out = {}
        for group, weights in groups:
            num = known = 0.0
            for indicator, w in weights.items():
                if w > 0 and indicator in norm:
                    num += w * norm[indicator]
                    known += w
            out[group] = num / known if known > 0 else NEUTRAL
        return pd.Series(out)

    return frame.apply(one_town, axis=1)


def _rows(inputs: dict[str, Any], size: str) -> np.ndarray:
    return inputs["pvd"] if size == "official_1646" else np.ones(len(inputs["pvd"]), dtype=bool)


# --------------------------------------------------------------------------- benchmarks


@pytest.mark.parametrize("size", SIZES)
def test_vectorised(benchmark, inputs, size):
    if size == "official_1646":
        # Score the programme towns against the national reference fitted once.
        sub = inputs["matrix"][inputs["pvd"]]

        def run() -> Scores:
            return score_towns(sub, inputs["names"], normaliser=inputs["normaliser"])
    else:
        # Fit on, and score, every commune.
        def run() -> Scores:
            return score_towns(inputs["matrix"], inputs["names"])

    scores = benchmark(run)
    assert scores.need.shape == (int(_rows(inputs, size).sum()), len(DEFAULT_THEMES))
    _VECTORISED_RESULT[size] = scores
    if benchmark.stats is not None:
        _VECTORISED_MEDIAN[size] = benchmark.stats.stats.median


def test_vectorised_fit_then_score(benchmark, inputs):
    """All communes through ``Normaliser.fit`` then ``transform``, the path of any subset.

    ``test_vectorised[all_34969]`` fits and scores in one pass per column; this is the
    general path it shortcuts (a lookup table per indicator), for comparison. Both give
    the same floats.
    """
    everyone = np.arange(len(inputs["pvd"]))

    def run() -> Scores:
        return score_towns(inputs["matrix"], inputs["names"], rows=everyone)

    scores = benchmark(run)
    one_pass = _VECTORISED_RESULT.get("all_34969") or score_towns(inputs["matrix"],
                                                                   inputs["names"])
    for name in ("need", "fragility", "coverage", "fragility_coverage", "normalised"):
        np.testing.assert_array_equal(getattr(scores, name), getattr(one_pass, name))


@pytest.mark.parametrize("size", SIZES)
def test_rowwise_reference(benchmark, inputs, size):
    frame = inputs["frame"]
    rows = _rows(inputs, size)
    if benchmark.disabled and size == "all_34969":
        # Smoke mode (CI): the full row-wise pass takes ~30 s; every 10th commune
        # still checks agreement, against the national reference.
        rows = rows & (np.arange(len(rows)) % 10 == 0)
    result = benchmark.pedantic(
        _rowwise_scores,
        args=(frame[rows], frame, DEFAULT_DIRECTIONS),
        rounds=2 if size == "official_1646" else 1,
        iterations=1,
    )
    vectorised = _VECTORISED_RESULT.get(size)
    if vectorised is None or vectorised.need.shape[0] != int(rows.sum()):
        vectorised = score_towns(inputs["matrix"], inputs["names"], rows=rows)
    np.testing.assert_allclose(
        result[list(DEFAULT_THEMES)].to_numpy(), vectorised.need, rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        result["fragility"].to_numpy(), vectorised.fragility, rtol=0, atol=1e-12
    )
    if benchmark.stats is not None and size in _VECTORISED_MEDIAN:
        ratio = benchmark.stats.stats.median / _VECTORISED_MEDIAN[size]
        benchmark.extra_info["speedup_vs_vectorised"] = round(ratio, 1)
        record("scoring", size, ratio=ratio, median_ms=_VECTORISED_MEDIAN[size] * 1e3,
               rowwise_s=benchmark.stats.stats.median)
        print(
            f"\n[scoring {size}] vectorised {_VECTORISED_MEDIAN[size] * 1e3:.1f} ms, "
            f"row-wise .apply {benchmark.stats.stats.median * 1e3:.0f} ms: {ratio:.0f}x faster"
        )


@pytest.mark.parametrize("rows", ["official_1646", "all_34969"])
def test_planner_csv_300_columns(benchmark, rows, tmp_path):
    """A 300-column planner indicator CSV read and applied (issue 11: 7.8 s and 406 warnings).

    The 34,969-row file takes a quarter of a minute to write and read: full mode only.
    """
    from cases import full_mode

    from pvd_optim.data.towns import apply_planner_indicators

    if rows == "all_34969" and not full_mode():
        pytest.skip("34,969-row planner CSV: set PVD_BENCH_FULL=1")

    table = load_communes()
    codes = table.index[table["pvd"].to_numpy()] if rows == "official_1646" else table.index
    rng = np.random.default_rng(11)
    values = np.round(rng.random((len(codes), 300)) * 100, 3)
    path = tmp_path / "wide.csv"
    lines = [",".join(["insee", *(f"ind_{j:03d}" for j in range(300))])]
    lines += [",".join([code, *map(str, row)]) for code, row in zip(codes, values, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = benchmark.pedantic(apply_planner_indicators, args=(table, path), rounds=3,
                             iterations=1)
    assert out.shape[1] == table.shape[1] + 300
