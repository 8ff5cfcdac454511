"""The fast paths of the national scoring give the very floats of the general paths.

``score_towns`` without a normaliser or rows fits and scores in one pass per column
(``normalise_on_itself``, ``own_percentiles``); with ``rows`` it takes the general
path (``Normaliser.fit`` then ``transform``, a lookup table per indicator). Group
known weights are read from a table by missing-value pattern, or summed town by
town for groups with many incomplete columns. Every comparison here is bit for bit
(``assert_array_equal``: NaN in the same places, same floats).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pvd_optim.scoring.normalisation as normalisation
import pvd_optim.scoring.scores as scores_module
from pvd_optim.scoring import NORMALISATION_METHODS, Scores, score_towns
from pvd_optim.scoring.percentile import own_percentiles, percentile_scores, percentile_table

NAMES = ("a", "b", "c", "d")
DIRS = {"a": "higher", "b": "lower", "c": "higher", "d": "lower"}
THEMES = {"t1": {"a": 2.0, "b": 1.0, "d": 0.3}, "t2": {"b": 0.5, "c": 1.5, "a": 0.0},
          "t3": {"d": 1.0}}
FRAG = {"a": 1.0, "c": 1.0, "d": 0.1}
FIELDS = ("need", "fragility", "coverage", "fragility_coverage", "normalised")


def _score(matrix: np.ndarray, method: str, policy: str, **kw: object) -> Scores:
    return score_towns(matrix, NAMES, themes=THEMES, fragility=FRAG, directions=DIRS,
                       method=method, nan_policy=policy, **kw)


def _assert_same(got: Scores, want: Scores) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert (got.method, got.targets) == (want.method, want.targets)


def _national_like(rows: int, seed: int) -> np.ndarray:
    """Skewed columns (crowded buckets, square-root buckets), ties, zeros, -0.0 and NaN."""
    rng = np.random.default_rng(seed)
    m = np.column_stack([
        rng.lognormal(0, 3, rows),  # skewed: crowded first buckets
        np.round(rng.normal(0, 5, rows), 1),  # many ties, negative values
        np.where(rng.random(rows) < 0.7, 0.0, rng.lognormal(2, 2, rows)),  # mostly zero
        rng.integers(0, 4, rows).astype(float),  # a few distinct values
    ])
    m[rng.random(m.shape) < 0.05] = np.nan
    m[rng.random(rows) < 0.01, 2] = -0.0
    m[:20, :3] = np.nan  # towns with almost no data
    return m


values = st.sampled_from([0.0, -0.0, 1.0, 1.0, 2.5, -4.0, 1e150, 5e-324, np.nan]) | st.floats(
    -1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.just(len(NAMES))),
                  elements=values),
       st.sampled_from(NORMALISATION_METHODS), st.sampled_from(("renormalise", "neutral")))
def test_one_pass_equals_fit_then_transform(matrix, method, policy):
    """Ties, signed zeros, extremes, constant or empty columns: the same bits either way."""
    everyone = np.arange(matrix.shape[0])
    _assert_same(_score(matrix, method, policy), _score(matrix, method, policy, rows=everyone))
    targets = {"d": 2.0}
    _assert_same(_score(matrix, method, policy, targets=targets),
                 _score(matrix, method, policy, rows=everyone, targets=targets))


@pytest.mark.parametrize("method", NORMALISATION_METHODS)
@pytest.mark.parametrize("policy", ["renormalise", "neutral"])
def test_one_pass_equals_fit_then_transform_at_scale(method, policy):
    """Past the thread threshold, with crowded and square-root buckets."""
    m = _national_like(normalisation._PARALLEL_MIN_ROWS + 3_001, seed=5)
    _assert_same(_score(m, method, policy), _score(m, method, policy, rows=np.arange(len(m))))


def test_one_pass_with_and_without_threads(monkeypatch):
    m = _national_like(normalisation._PARALLEL_MIN_ROWS + 3_001, seed=6)
    threaded = _score(m, "percentile", "renormalise")
    monkeypatch.setattr(normalisation, "_PARALLEL_MIN_ROWS", 10**12)
    _assert_same(threaded, _score(m, "percentile", "renormalise"))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("lower", [False, True])
def test_own_percentiles_equal_the_lookup_table(seed, lower):
    rng = np.random.default_rng(seed)
    n = 30_000
    columns = {
        "skewed": rng.lognormal(0, 4, n),
        "zeros": np.where(rng.random(n) < 0.8, 0.0, rng.lognormal(0, 3, n)),
        "ties": np.round(rng.normal(0, 5, n), 2),
        "signed zeros": rng.choice([-0.0, 0.0, 1.0], n),
        "constant": np.full(n, 3.0),
        "huge span": rng.choice([-1.5e308, 0.0, 1.0, 1.5e308], n),  # the span overflows
        "one value": np.where(np.arange(n) == 7, 2.0, np.nan),
        "empty": np.full(n, np.nan),
    }
    for name, x in columns.items():
        x = x.copy()
        if name not in ("one value", "empty"):
            x[rng.random(n) < 0.1] = np.nan
        got = np.empty(n)
        own_percentiles(x, lower, got)
        ref = np.sort(x[~np.isnan(x)])
        want = np.full(n, np.nan)
        if ref.size:
            want = percentile_scores(percentile_table(ref, lower), x)
            want[np.isnan(x)] = np.nan
        np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.mark.parametrize("policy", ["renormalise", "neutral"])
@pytest.mark.parametrize("indicators", [4, 12])
def test_known_weights_by_pattern_equal_the_town_by_town_sums(monkeypatch, policy, indicators):
    """The pattern tables (on bytes up to 8 incomplete columns, wider above) or plain sums."""
    rng = np.random.default_rng(indicators)
    names = tuple(f"x{j}" for j in range(indicators))
    m = rng.random((7_000, indicators))
    m[rng.random(m.shape) < 0.3] = np.nan
    m[:30] = np.nan  # no data at all: the neutral fallback, coverage 0
    weights = {n: float(w) for n, w in zip(names, rng.integers(1, 9, indicators) / 7,
                                                      strict=True)}
    themes = {"all": weights, "half": {n: weights[n] for n in names[::2]}}

    def scored() -> Scores:
        return score_towns(m, names, themes=themes, fragility=weights,
                           directions=dict.fromkeys(names, "higher"), nan_policy=policy)

    tables = scored()
    monkeypatch.setattr(scores_module, "_MAX_PATTERN_BITS", 0)  # every group sums by town
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(tables, name), getattr(scored(), name))
    if policy == "renormalise":
        assert (tables.coverage[:30] == 0).all() and (tables.need[:30] == 0.5).all()
