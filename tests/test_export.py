"""Model export: HiGHS writes the program's arrays with its names and objective sense."""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest

from pvd_optim.errors import OutputError
from pvd_optim.model import SolveStatus, build_program, solve
from pvd_optim.model.program import Block, _names
from pvd_optim.model.solve import write_model
from pvd_optim.scenario.schema import SolverSection
from tests.factories import random_inputs


def _read_back(path: Path) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    assert h.readModel(str(path)) != highspy.HighsStatus.kError
    return h


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
@pytest.mark.parametrize("seed", range(3))
def test_a_written_model_read_back_by_highspy_has_the_same_optimum(
        tmp_path: Path, suffix: str, seed: int) -> None:
    program = build_program(random_inputs(n_towns=12, seed=seed))
    in_memory = solve(program, SolverSection(mip_gap=0.0))
    assert in_memory.status is SolveStatus.OPTIMAL and in_memory.objective is not None
    path = tmp_path / f"model{suffix}"
    write_model(program, str(path))
    h = _read_back(path)
    # The sense comes from the file (PuLP's MPS only had it as a comment: read back,
    # highspy minimised).
    assert h.getLp().sense_ == highspy.ObjSense.kMaximize
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getInfo().objective_function_value == pytest.approx(in_memory.objective, rel=1e-9)
    lp = h.getLp()
    assert (lp.num_col_, lp.num_row_) == (program.n_cols, program.n_rows)
    if suffix == ".mps":  # MPS keeps the program's order; an LP reader numbers by appearance
        assert list(lp.col_names_) == program.col_names()
        assert list(lp.row_names_) == program.row_names()
    else:
        assert sorted(lp.col_names_) == sorted(program.col_names())
        assert sorted(lp.row_names_) == sorted(program.row_names())


def test_the_mps_file_states_the_sense_and_readable_names(tmp_path: Path) -> None:
    program = build_program(random_inputs(n_towns=5))
    path = tmp_path / "model.mps"
    write_model(program, str(path))
    text = path.read_text()
    assert "OBJSENSE" in text.split("ROWS")[0] and "MAX" in text.split("ROWS")[0]
    assert "envelope" in text and "capacity_0" in text and "f_0_0_0" in text


def test_another_extension_is_written_as_lp_without_leftovers(tmp_path: Path) -> None:
    program = build_program(random_inputs(n_towns=5))
    path = tmp_path / "model.txt"
    write_model(program, str(path))
    assert path.read_text().splitlines()[1].strip() == "max"
    assert [p.name for p in tmp_path.iterdir()] == ["model.txt"]


def test_an_unwritable_target_is_an_output_error(tmp_path: Path) -> None:
    program = build_program(random_inputs(n_towns=5))
    with pytest.raises(OutputError, match="could not write the model"):
        write_model(program, str(tmp_path / "missing-folder" / "model.mps"))


def _numpy_names(blocks: list[Block], total: int) -> list[str]:
    """The names as numpy's string functions built them before (independent check)."""
    names = [""] * total
    for block in blocks:
        if block.size == 0:
            continue
        if block.shape == (1,):
            names[block.start] = block.name
            continue
        grids = np.unravel_index(np.arange(block.size), block.shape)
        suffix = np.char.add("_", grids[0].astype(str))
        for axis in grids[1:]:
            suffix = np.char.add(np.char.add(suffix, "_"), axis.astype(str))
        names[block.slice] = np.char.add(block.name, suffix).tolist()
    return names


def test_names_follow_the_blocks_in_c_order() -> None:
    shapes = [(3, 4, 2), (5,), (1,), (1, 3), (0, 4), (11, 2)]
    blocks, start = [], 0
    for k, shape in enumerate(shapes):
        block = Block(f"b{k}", start, shape, tuple(f"a{i}" for i in range(len(shape))))
        blocks.append(block)
        start += block.size
    assert _names(blocks, start) == _numpy_names(blocks, start)
    assert _names(blocks, start)[:3] == ["b0_0_0_0", "b0_0_0_1", "b0_0_1_0"]
