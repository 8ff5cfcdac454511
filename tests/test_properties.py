"""Properties of the model on small generated problems (hypothesis), solved at MIP gap 0."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pvd_optim.check import check_allocation
from pvd_optim.inputs import ModelInputs
from pvd_optim.model import SolveStatus, build_program, solve
from pvd_optim.postprocess import extract
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs

EXACT = SolverSection(name="highs", mip_gap=0.0)
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

problems = st.builds(
    random_inputs,
    n_towns=st.integers(4, 12),
    n_themes=st.integers(1, 3),
    n_regions=st.integers(1, 3),
    n_directorates=st.integers(1, 2),
    n_groups=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    balance_mode=st.sampled_from(["hard", "soft", "off"]),
    balance_tolerance=st.sampled_from([0.2, 0.4, 0.8]),
    spend_min_share=st.sampled_from([0.0, 0.3]),
    cover_min_share=st.sampled_from([0.0, 0.3]),
)


def optimum(inputs: ModelInputs) -> float | None:
    result = solve(build_program(inputs), EXACT)
    if result.status is SolveStatus.INFEASIBLE:
        return None
    assert result.status is SolveStatus.OPTIMAL
    return result.objective


@PROPERTY
@given(problems, st.floats(1.0, 200.0))
def test_more_envelope_never_lowers_the_optimum(inputs: ModelInputs, extra: float) -> None:
    # Minimum spend scales with the envelope, so hold it at the smaller envelope's amount.
    base = dataclasses.replace(inputs, spend_min_share=0.0)
    before = optimum(base)
    after = optimum(dataclasses.replace(base, envelope_keur=base.envelope_keur + extra))
    if before is not None:
        assert after is not None and after >= before - 1e-6 * max(1.0, abs(before))


@PROPERTY
@given(problems, st.floats(1.0, 50.0))
def test_more_capacity_never_lowers_the_optimum(inputs: ModelInputs, extra: float) -> None:
    before = optimum(inputs)
    after = optimum(dataclasses.replace(inputs, capacity_days=inputs.capacity_days + extra))
    if before is not None:
        assert after is not None and after >= before - 1e-6 * max(1.0, abs(before))


@PROPERTY
@given(problems, st.floats(0.01, 0.15))
def test_tighter_balance_never_raises_the_optimum(inputs: ModelInputs, cut: float) -> None:
    loose = optimum(inputs)
    tight = optimum(dataclasses.replace(
        inputs, balance_tolerance=max(0.0, inputs.balance_tolerance - cut)))
    if tight is not None:
        assert loose is not None and tight <= loose + 1e-6 * max(1.0, abs(loose))


@PROPERTY
@given(problems)
def test_every_solution_passes_the_independent_checker(inputs: ModelInputs) -> None:
    program = build_program(inputs)
    result = solve(program, EXACT)
    if result.status.has_solution:
        assert check_allocation(inputs, extract(program, result.require_values())).ok


def _permuted(inputs: ModelInputs, order: np.ndarray) -> ModelInputs:
    per_town = {name: getattr(inputs, name) for name in (
        "population", "need", "fragility", "region_of_town", "directorate_of_town",
        "group_of_town", "cap_keur")}
    return dataclasses.replace(
        inputs,
        town_codes=tuple(np.asarray(inputs.town_codes)[order]),
        town_names=tuple(np.asarray(inputs.town_names)[order]),
        **{name: value[order] for name, value in per_town.items()},
    )


@PROPERTY
@given(problems, st.randoms(use_true_random=False))
def test_permuting_towns_leaves_the_optimum_unchanged(inputs: ModelInputs, rnd) -> None:
    order = np.arange(inputs.n_towns)
    rnd.shuffle(order)
    before = optimum(inputs)
    after = optimum(_permuted(inputs, order))
    if before is None:
        assert after is None
    else:
        assert after is not None and abs(after - before) <= 1e-6 * max(1.0, abs(before))
