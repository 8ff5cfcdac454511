"""``pvd-optim sweep``: one command, a folder of tables and a self-contained report."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pvd_optim.cli import main
from pvd_optim.errors import ExitCode

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"


def _sweep_file(tmp_path: Path, grid: str) -> Path:
    path = tmp_path / "toy-sweep.yaml"
    path.write_text(f"extends: {TOY}\nname: toy-sweep\nsweep:\n  grid:\n{grid}")
    return path


GRID = ("    resources.funding.envelope_eur: [60_000, 100_000, 300_000]\n"
        "    resources.funding.spend_min_share: [0, 0.95]\n")


def test_the_command_writes_the_tables_and_the_report(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    path = _sweep_file(tmp_path, GRID)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--lang", "en"]
                ) == ExitCode.OK
    printed = capsys.readouterr()
    assert "6 variants (5 optimal, 1 infeasible)" in printed.out
    for name in ("variants", "towns", "regions", "sensitivity"):
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.parquet").is_file()
    table = pd.read_parquet(out / "variants.parquet")
    assert list(table.columns[:4]) == ["variant_id", "sample", "resources.funding.envelope_eur",
                                       "resources.funding.spend_min_share"]
    html = (out / "report.html").read_text()
    for section in ("curves", "sensitivity", "robustness", "regions", "failures"):
        assert f'id="{section}"' in html
    assert "<script" not in html and not re.search(r"(src|href)=\"https?:", html)
    assert html.count("<svg") > 10
    # The same command again resumes: nothing is solved twice.
    records = sorted((out / "variants").glob("*/*.json"))
    written = [r.stat().st_mtime_ns for r in records]
    assert len(records) == 6
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--lang", "en"]
                ) == ExitCode.OK
    assert "6 resumed from the folder" in capsys.readouterr().out
    assert [r.stat().st_mtime_ns for r in records] == written


def test_list_prints_the_variants_without_solving(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _sweep_file(tmp_path, GRID)
    assert main(["sweep", str(path), "--list"]) == ExitCode.OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("variant_id,sample,resources.funding.envelope_eur,"
                        "resources.funding.spend_min_share")
    assert len(lines) == 7 and not (tmp_path / "results").exists()


def test_a_mistake_in_the_sweep_is_one_located_line(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = _sweep_file(tmp_path, "    resources.funding.envelope_eur: [60_000, -5]\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--lang", "en"]
                ) == ExitCode.INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}:5: sweep.grid.resources.funding.envelope_eur: "
                          "value -5: must be >= 0")
    assert "\n" not in err and not (tmp_path / "out").exists()


def test_workers_and_scheduler_exclude_each_other(tmp_path: Path) -> None:
    path = _sweep_file(tmp_path, GRID)
    with pytest.raises(SystemExit):
        main(["sweep", str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "0"]) == (
        ExitCode.INPUT)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pvd_optim.sweep.execute.CONNECT_TIMEOUT_S", 1)
    path = _sweep_file(tmp_path, GRID)
    code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler",
                 "tcp://127.0.0.1:9", "--lang", "en"])  # the English words (French is default)
    assert code == ExitCode.INPUT
    assert "cannot reach a Dask scheduler at 'tcp://127.0.0.1:9'" in capsys.readouterr().err


def test_pvd_optim_sweep_is_the_function_and_the_package(tmp_path: Path) -> None:
    import pvd_optim
    from pvd_optim.sweep import run_sweep

    assert pvd_optim.sweep.run_sweep is run_sweep
    table = pvd_optim.sweep(_sweep_file(tmp_path, GRID), out=tmp_path / "out", workers=1)
    assert len(table) == 6 and set(table["status"]) == {"optimal", "infeasible"}


def test_the_help_gives_the_sweeps_own_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", "--help", "--lang", "en"])
    shown = " ".join(capsys.readouterr().out.split())
    # An infeasible variant is a result (exit 0), not the single run's exit 3.
    assert "0 every variant solved or proven infeasible" in shown
    assert "3 infeasible" not in shown
