"""The registry of constraint families: every family has its rows and its check, names are owned."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pvd_optim.check import check_allocation
from pvd_optim.errors import InputError
from pvd_optim.families import FAMILIES, FAMILY_NAMES, Elastic, family, resolve, row_block
from pvd_optim.model import build_program, rows
from pvd_optim.model.formulation import build_program as build
from pvd_optim.postprocess import binding
from tests.collective_factories import with_collective_actions
from tests.factories import random_inputs

#: Inputs that switch every family on: a town floor, hard balance, tight rows, collective
#: actions.
EVERYTHING = with_collective_actions(
    random_inputs(n_towns=20, n_groups=4, seed=3, min_per_town_keur=2.0))


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.name)
def test_every_family_has_rows_in_the_model_and_a_check(fam) -> None:
    assert fam.define.__module__.startswith(rows.__name__ + ".")
    assert fam.check.__module__.startswith("pvd_optim.check.")
    # The two implementations are separate: the checker never reads the builder.
    assert fam.define is not fam.check


def test_a_family_without_an_implementation_is_an_error_not_a_skip() -> None:
    from pvd_optim.errors import VerificationError
    from pvd_optim.families import Family

    orphan = Family("orphan", "an orphan", "nothing", "", "target")
    with pytest.raises(VerificationError, match="has no rows"):
        _ = orphan.define
    with pytest.raises(VerificationError, match="has no check"):
        _ = orphan.check


def test_every_row_of_the_model_belongs_to_one_family_or_defines_a_total() -> None:
    program = build_program(EVERYTHING)
    owned = [block.name for fam in FAMILIES for block in fam.blocks]
    assert len(owned) == len(set(owned)), "a row block is claimed by two families"
    in_program = [name for name in program.rows if not name.startswith("define_")]
    assert set(in_program) == set(owned)
    # Rows appear in registry order.
    order = [owned.index(name) for name in in_program]
    assert order == sorted(order)


def test_the_loose_program_leaves_out_only_strengthening_rows() -> None:
    tight, loose = build(EVERYTHING, tight=True), build(EVERYTHING, tight=False)
    missing = set(tight.rows) - set(loose.rows)
    assert missing and all(row_block(name)[1].strengthening for name in missing)


@pytest.mark.parametrize("fam", [f for f in FAMILIES if isinstance(f.relax, Elastic)],
                         ids=lambda f: f.name)
def test_the_diagnosis_bends_only_rows_of_its_own_family(fam) -> None:
    assert isinstance(fam.relax, Elastic)
    own = {block.name for block in fam.blocks}
    assert set(fam.relax.blocks) <= own


def test_an_unknown_family_name_is_an_error() -> None:
    with pytest.raises(InputError, match="unknown constraint family 'envlope'"):
        family("envlope")
    with pytest.raises(InputError, match="unknown constraint family"):
        check_allocation(EVERYTHING, _zero_allocation(), ["envelope", "envlope"])
    assert [f.name for f in resolve(["theme_floor", "bounds"])] == ["bounds", "theme_floor"]
    assert tuple(f.name for f in FAMILIES) == FAMILY_NAMES


def _zero_allocation():
    from pvd_optim.inputs import AllocationArrays

    n, k = EVERYTHING.n_towns, EVERYTHING.n_themes
    return AllocationArrays(np.zeros((n, k)), np.zeros((n, k)), np.zeros(n),
                            np.zeros(EVERYTHING.n_groups))


def test_binding_limits_are_worded_from_the_registry_on_the_program_solved() -> None:
    from pvd_optim.model import solve
    from pvd_optim.scenario.schema import SolverSection

    # A scarce envelope binds; its planner wording comes from its registry entry.
    scarce = dataclasses.replace(EVERYTHING, envelope_keur=30.0, spend_min_share=0.0,
                                 min_per_town_keur=0.0)
    program = build_program(scarce)
    result = solve(program, SolverSection(mip_gap=0.0))
    words = binding(program, result.require_values(), scarce)
    assert ("envelope", "funding envelope") in {(item.family, item.label) for item in words}
    # Read on a program without the strengthening rows, the same solution gives the same words.
    loose = build(scarce, tight=False)
    values = np.zeros(loose.n_cols)
    for name, block in loose.columns.items():
        values[block.slice] = result.require_values()[program.columns[name].slice]
    assert binding(loose, values, scarce) == words
