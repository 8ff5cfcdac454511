"""Ruff and mypy keep the house clean: a lint or type error fails the suite like a bug."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, check=False)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "pvd_optim", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing(tmp_path: Path) -> None:
    result = _run("mypy", "pvd_optim", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert result.returncode == 0, result.stdout + result.stderr


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(executable), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, timeout=600, check=False,
                          env={**os.environ, "PYTHONPATH": str(cwd)})


def test_layers_are_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "pvd_optim", tmp_path / "pvd_optim",
                    ignore=shutil.ignore_patterns("files", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_an_arrow_pointing_up_breaks_the_layers(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    (copy / "pvd_optim" / "scenario" / "upward.py").write_text(
        "from pvd_optim.model import build_program  # noqa: F401\n")
    result = _lint_imports(copy)
    assert result.returncode != 0
    assert "pvd_optim.scenario.upward -> pvd_optim.model" in result.stdout


def test_a_solver_import_outside_the_model_layer_is_refused(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    (copy / "pvd_optim" / "leak.py").write_text("import highspy  # noqa: F401\n")
    result = _run("ruff", "check", "--no-cache", "pvd_optim/leak.py", cwd=copy)
    assert result.returncode != 0
    assert "TID251" in result.stdout and "only pvd_optim.model imports solver libraries" in (
        result.stdout)
