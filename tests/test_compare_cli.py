"""``pvd-optim compare``: inputs, files written, exit codes, one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pvd_optim.cli import main
from pvd_optim.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "toy.yaml"


@pytest.fixture(scope="module")
def toy_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder written by ``pvd-optim run`` on the toy scenario."""
    out = tmp_path_factory.mktemp("run") / "toy"
    assert main(["run", str(TOY), "--out", str(out), "--quiet"]) == ExitCode.OK
    return out


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # one line, no traceback
    return err[0]


def test_strategies_on_a_scenario_write_report_and_tables(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    out, report = tmp_path / "tables", tmp_path / "report.html"
    code = main(["compare", str(TOY), "--strategies", "all", "--out", str(out),
                 "--report", str(report), "--lang", "en"])
    assert code == ExitCode.OK
    assert "compared 8 allocations" in capsys.readouterr().out
    assert report.read_text().startswith("<!DOCTYPE html>")
    assert {"metrics.csv", "tables.xlsx", "tables.md", "top_changes.csv"} <= {
        p.name for p in out.iterdir()}
    assert not (out / "report.html").exists()
    metrics = pd.read_csv(out / "metrics.csv")
    # Labelled <scenario>/<strategy>, so that strategies of several scenarios stay distinct.
    assert metrics["label"].iloc[0] == "toy/optimum" and len(metrics) == 8
    # Again without --force: refused before solving, files untouched.
    before = report.read_bytes()
    assert main(["compare", str(TOY), "--strategies", "all", "--out", str(out),
                 "--report", str(report), "--quiet", "--lang", "en"]) == ExitCode.INPUT
    assert "already exists" in _error_line(capsys)
    assert report.read_bytes() == before
    assert main(["compare", str(TOY), "--strategies", "equal_split,optimum", "--out",
                 str(out), "--report", str(report), "--force", "--quiet"]) == ExitCode.OK
    assert list(pd.read_csv(out / "metrics.csv")["label"]) == ["toy/equal_split", "toy/optimum"]


def test_results_folder_and_scenario_with_other_towns(toy_results: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # Two of the toy's three towns, and a bigger envelope: towns differ, so no town diff.
    smaller = tmp_path / "toy-two.yaml"
    smaller.write_text(f"extends: {TOY}\nname: toy-two\neligibility:\n  mode: listed\n"
                       "  include: ['10268', '10420']\nresources:\n  funding:\n"
                       "    envelope_eur: 120_000\n"
                       f"themes:\n  scores_csv: {TOY.parent / 'toy-scores.csv'}\n")
    out = tmp_path / "cmp"
    assert main(["compare", str(toy_results), str(smaller), "--out", str(out)]) == ExitCode.OK
    captured = capsys.readouterr()
    assert "different town sets" in captured.err
    assert (out / "report.html").is_file()  # default: inside the tables folder
    differences = pd.read_csv(out / "scenario_differences.csv").set_index("parameter")
    assert list(differences.columns) == ["toy", "toy-two"]
    assert {"name", "eligibility.include", "resources.funding.envelope_eur"} <= set(
        differences.index)
    assert pd.read_csv(out / "summary.csv")["label"].tolist() == ["toy", "toy-two"]
    assert "different town sets" in (out / "tables.md").read_text()


def test_two_results_folders_and_a_chosen_pair(toy_results: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(toy_results), str(toy_results), "--out", str(out),
                 "--pair", "toy (2),toy", "--quiet"]) == ExitCode.OK
    assert set(pd.read_csv(out / "region_differences.csv")["comparison"]) == {"toy (2) -> toy"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["does-not-exist"], "no such results folder or scenario file"),
        ([str(TOY), "--strategies", "best_guess"], "unknown strategy best_guess"),
        ([str(TOY), "--strategies", ","], "unknown strategy (none given)"),
        ([str(ROOT / "scenarios")], "is not a pvd-optim results folder"),
        ([str(ROOT / "scenarios" / "toy-scores.csv")], ""),
        ([str(TOY), "--pair", "optimum"], "expected two labels"),
        ([str(TOY), "--pair", "optimum,nope"], "unknown allocation label"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(args: list[str], message: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", *args, "--out", str(tmp_path / "out"), "--quiet", "--lang", "en"])
    assert code == ExitCode.INPUT
    line = _error_line(capsys)
    assert line.startswith("error: ") and message in line
    assert not (tmp_path / "out").exists()


def test_strategies_need_a_scenario(toy_results: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", str(toy_results), "--strategies", "all", "--out",
                 str(tmp_path / "out"), "--lang", "en"])
    assert code == ExitCode.INPUT
    assert "--strategies: applies to scenario files" in _error_line(capsys)


def test_infeasible_scenario_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    impossible = tmp_path / "impossible.yaml"
    impossible.write_text(f"extends: {TOY}\nname: impossible\nresources:\n  engineering:\n"
                          "    budget_eur: 0\n    cover_min_share: 1\n"
                          f"themes:\n  scores_csv: {TOY.parent / 'toy-scores.csv'}\n")
    assert main(["compare", str(impossible), "--out", str(tmp_path / "out"),
                 "--quiet"]) == 3
    assert "infeasible" in capsys.readouterr().err


def test_a_scenario_input_is_labelled_by_its_name(tmp_path: Path) -> None:
    out = tmp_path / "one"
    assert main(["compare", str(TOY), "--out", str(out), "--quiet"]) == ExitCode.OK
    assert pd.read_csv(out / "summary.csv")["label"].tolist() == ["toy"]


def test_pairs_name_scenarios_folders_and_strategies(toy_results: Path, tmp_path: Path) -> None:
    folder = tmp_path / "last-year"
    shutil.copytree(toy_results, folder)
    out = tmp_path / "by-name"
    assert main(["compare", str(TOY), str(folder), "--out", str(out), "--pair",
                 "last-year,toy", "--quiet"]) == ExitCode.OK
    assert set(pd.read_csv(out / "region_differences.csv")["comparison"]) == {
        "last-year -> toy"}
    out = tmp_path / "by-strategy"
    assert main(["compare", str(TOY), str(folder), "--strategies", "optimum,equal_split",
                 "--out", str(out), "--pair", "toy/equal_split,last-year",
                 "--quiet"]) == ExitCode.OK
    assert pd.read_csv(out / "summary.csv")["label"].tolist() == [
        "toy/optimum", "toy/equal_split", "last-year"]
    # One strategy alone keeps its strategy in the label.
    out = tmp_path / "one-strategy"
    assert main(["compare", str(TOY), "--strategies", "equal_split", "--out", str(out),
                 "--quiet"]) == ExitCode.OK
    assert pd.read_csv(out / "summary.csv")["label"].tolist() == ["toy/equal_split"]


def test_an_unknown_pair_lists_the_labels(toy_results: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", str(TOY), str(toy_results), "--pair", "optimum,toy", "--out",
                 str(tmp_path / "out"), "--quiet", "--lang", "en"])  # the English words
    assert code == ExitCode.INPUT
    line = _error_line(capsys)
    assert "unknown allocation label" in line and "'toy (2)'" in line, line


def test_strategies_help_lists_the_strategy_names(capsys: pytest.CaptureFixture[str]) -> None:
    from pvd_optim.strategies import STRATEGIES

    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in STRATEGIES:
        assert name in text
    assert "SCENARIO/STRATEGY" in text
