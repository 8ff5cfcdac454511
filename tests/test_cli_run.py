"""End to end through the command line: exit codes, files written, results read back."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.cli import main
from pvd_optim.output import table_frames

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TABLES = ("allocation_town_theme", "allocation_town", "allocation_group", "allocation_region",
          "allocation_directorate", "allocation_theme")


@pytest.fixture(scope="module")
def national_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("national") / "results"
    code = main(["run", str(SCENARIOS / "national.yaml"), "--out", str(out), "--quiet",
                 "--lang", "en"])
    return code, out


def test_national_solves_to_proven_optimality(national_run: tuple[int, Path]) -> None:
    code, out = national_run
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["mip_gap"] <= 1e-4
    assert summary["violations"] == []
    assert summary["totals"]["eligible_towns"] == 1646
    # The envelope is spent within the programme's rules (at least 95 %).
    assert summary["totals"]["funding_eur"] >= 0.95 * 25_800_000 - 1e-3
    assert summary["totals"]["posts"] * 45_000 <= 40_500_000
    prices = summary["shadow_prices"]
    assert prices["envelope_per_keur"] > 0
    assert prices["value_of_one_more_post"] >= 0
    assert prices["price_of_balance"] >= 0


def test_national_writes_every_output(national_run: tuple[int, Path]) -> None:
    _, out = national_run
    for name in TABLES:
        assert (out / f"{name}.csv").stat().st_size > 0
        assert (out / f"{name}.parquet").stat().st_size > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["scenario_content_sha256"]) == 64
    assert "communes.parquet" in manifest["embedded_data_sha256"]
    assert manifest["versions"]["highspy"] == "1.15.1"
    assert manifest["solver"] == "highs" and manifest["status"] == "optimal"
    explain = (out / "explain.md").read_text()
    assert "Status: optimal" in explain and "Shadow prices" in explain
    town = pd.read_csv(out / "allocation_town.csv", dtype={"insee": str})
    assert len(town) == 1646 and town["insee"].is_unique


def test_results_read_back_equal_what_was_computed(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "toy.yaml")
    allocation = optimise(scenario)
    from pvd_optim.output import write_allocation

    out = write_allocation(allocation, scenario, tmp_path / "toy")
    for name, frame in table_frames(allocation).items():
        back = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(back, frame.reset_index(drop=True), check_dtype=False)
        from_csv = pd.read_csv(out / f"{name}.csv", dtype={"insee": str})
        numeric = frame.select_dtypes("number").columns
        pd.testing.assert_frame_equal(from_csv[numeric], frame[numeric].reset_index(drop=True),
                                      check_dtype=False)


def test_results_folder_reads_back_as_the_same_allocation(tmp_path: Path) -> None:
    from pvd_optim.output import read_allocation, write_allocation

    scenario = load_scenario(SCENARIOS / "toy.yaml")
    allocation = optimise(scenario)
    again = read_allocation(write_allocation(allocation, scenario, tmp_path / "toy"))
    assert again.objective == allocation.objective
    assert again.shadow_prices == allocation.shadow_prices
    assert again.binding == allocation.binding and again.check.ok
    for name in ("by_town_theme", "by_town", "by_group", "by_region", "by_directorate",
                 "by_theme"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(allocation, name))


def test_reading_a_folder_that_is_not_results_is_a_clear_error(tmp_path: Path) -> None:
    from pvd_optim.errors import InputError
    from pvd_optim.output import read_allocation

    with pytest.raises(InputError, match="is not a pvd-optim results folder"):
        read_allocation(tmp_path)


def test_existing_results_are_not_overwritten_without_force(tmp_path: Path, capsys) -> None:
    out = tmp_path / "toy"
    assert main(["run", str(SCENARIOS / "toy.yaml"), "--out", str(out), "-q"]) == 0
    before = (out / "summary.json").read_bytes()
    assert main(["run", str(SCENARIOS / "toy.yaml"), "--out", str(out), "-q"]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "summary.json").read_bytes() == before
    assert main(["run", str(SCENARIOS / "toy.yaml"), "--out", str(out), "-q", "--force",
                 "--set", "resources.funding.envelope_eur=50000"]) == 0
    assert json.loads((out / "summary.json").read_text())["totals"]["funding_eur"] == 50_000


def test_same_inputs_give_byte_identical_tables(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main(["run", str(SCENARIOS / "toy.yaml"), "--out", str(tmp_path / name),
                     "-q"]) == 0
    for name in TABLES:
        for ext in ("csv", "parquet"):
            a = (tmp_path / "a" / f"{name}.{ext}").read_bytes()
            assert a == (tmp_path / "b" / f"{name}.{ext}").read_bytes(), name


def test_default_results_folder_stays_under_results(tmp_path: Path, monkeypatch) -> None:
    from pvd_optim.cli import folder_name

    assert folder_name("../../escaped") == "escaped"
    assert folder_name("=1+1") == "1-1"
    assert folder_name("national 2027/v2") == "national-2027-v2"
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(SCENARIOS / "toy.yaml"), "-q", "--set", "name=../../escaped"]) == 0
    assert (tmp_path / "results" / "escaped" / "summary.json").is_file()
    assert not (tmp_path.parent / "escaped").exists()


def test_inherited_csv_paths_are_found_next_to_the_file_that_names_them(tmp_path: Path) -> None:
    mine = tmp_path / "planner" / "my-toy.yaml"
    mine.parent.mkdir()
    mine.write_text(f"extends: {SCENARIOS / 'toy.yaml'}\nname: my-toy\n")
    assert main(["run", str(mine), "--out", str(tmp_path / "out"), "-q"]) == 0


def test_toy_infeasible_exits_3_with_diagnosis(tmp_path: Path, capsys) -> None:
    out = tmp_path / "infeasible"
    code = main(["run", str(SCENARIOS / "toy.yaml"), "--out", str(out), "-q", "--lang", "en",
                 "--set", "resources.engineering.cover_min_share=1",
                 "--set", "resources.engineering.budget_eur=45000"])
    assert code == 3
    err = capsys.readouterr().err
    assert "raise the engineering budget to at least 0.090 M EUR (1 more post)" in err
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    families = {fix["family"]: fix for fix in diagnosis["fixes"]}
    assert families["engineering_budget"]["needed"] == pytest.approx(90_000)
    # Rounded down, so that the suggested limit is enough: 0.667 would still ask for 2 towns.
    assert families["cover_min"]["needed"] == pytest.approx(0.666)
    assert diagnosis["irreducible_infeasible_subset_rows"]
    assert "infeasible" in (out / "explain.md").read_text()
    # Each suggested fix, applied alone, makes the scenario feasible.
    for fix in diagnosis["fixes"]:
        fixed = ["run", str(SCENARIOS / "toy.yaml"), "--out", str(tmp_path / fix["family"]), "-q",
                 "--set", "resources.engineering.cover_min_share=1",
                 "--set", "resources.engineering.budget_eur=45000",
                 "--set", f"{fix['field']}={fix['needed']}"]
        assert main(fixed) == 0, fix


def test_national_infeasible_example_is_explained(tmp_path: Path, capsys) -> None:
    out = tmp_path / "infeasible"
    code = main(["run", str(SCENARIOS / "infeasible-example.yaml"), "--out", str(out), "-q",
                 "--lang", "en"])
    assert code == 3
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    fixes = {fix["family"]: fix for fix in diagnosis["fixes"]}
    # 1,646 towns need 955 posts (groups of up to 3 in their intercommunality).
    assert fixes["engineering_budget"]["needed"] == pytest.approx(955 * 45_000)
    assert "cover_min" in fixes
    assert "engineering budget" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["validate", str(SCENARIOS / "national.yaml"), "--lang", "en"], 0,
         "1646 eligible towns"),
        (["validate", str(SCENARIOS / "rules-based.yaml"), "--lang", "en"], 0,
         "1649 eligible towns"),
        (["schema"], 0, '"envelope_eur"'),
        (["--version"], 0, "pvd-optim"),
    ],
)
def test_commands(argv: list[str], code: int, needle: str, capsys) -> None:
    assert main(argv) == code
    assert needle in capsys.readouterr().out


def test_towns_command_writes_scores(tmp_path: Path) -> None:
    out = tmp_path / "towns.csv"
    assert main(["towns", str(SCENARIOS / "national.yaml"), "--out", str(out), "-q"]) == 0
    towns = pd.read_csv(out, dtype={"insee": str})
    assert len(towns) == 1646
    needs = towns.filter(like="need_")
    assert list(needs.columns) == ["need_habitat", "need_services", "need_heritage",
                                   "need_revitalisation", "need_mobility", "need_digital"]
    assert ((needs >= 0) & (needs <= 1)).all().all()


def test_a_solve_stopped_with_a_solution_is_marked_not_optimal() -> None:
    """A limit reached after a solution was found: results marked ``feasible``, never optimal.

    The limit is HiGHS's solution limit (stop at the first improving solution), which
    is deterministic, unlike a time limit: on tight-budget that solution is 0.76 % from
    the proven bound, so the stop is certain.
    """
    from pvd_optim.explain import explain_markdown
    from pvd_optim.i18n import translator
    from pvd_optim.pipeline import run

    scenario = load_scenario(SCENARIOS / "tight-budget.yaml", {
        "solver.mip_gap": 0.0,
        "solver.highs_options": {"mip_heuristic_run_root_reduced_cost": False,
                                 "mip_max_improving_sols": 1},
        "analysis.shadow_prices": False, "analysis.price_of_balance": False,
        "analysis.value_of_one_more_post": False})
    allocation = run(scenario).allocation
    assert allocation.status == "feasible"
    assert allocation.mip_gap is not None and allocation.mip_gap > 1e-3
    assert allocation.summary()["status"] == "feasible"
    assert allocation.check.ok
    assert "NOT proven optimal" in explain_markdown(allocation, translator("en"))


def test_a_solve_stopped_before_any_solution_is_a_clear_solver_error() -> None:
    from pvd_optim.errors import SolverError
    from pvd_optim.pipeline import run

    scenario = load_scenario(SCENARIOS / "national.yaml", {"solver.time_limit_s": 1e-6})
    with pytest.raises(SolverError, match="before finding any allocation"):
        run(scenario)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("themes:\n  definitions:\n    habitat: {no_such_indicator: 1}\n",
         ":5: themes.definitions.habitat.no_such_indicator: unknown indicator"),
        ("eligibility:\n  mode: official\n  include: ['99999']\n",
         ":5: eligibility.include: INSEE code(s) ['99999'] are not current communes"),
    ],
)
def test_errors_found_after_loading_still_name_the_line(tmp_path: Path, capsys, body: str,
                                                        where: str) -> None:
    path = tmp_path / "planner.yaml"
    path.write_text(f"extends: {SCENARIOS / 'national.yaml'}\nname: planner\n{body}")
    assert main(["validate", str(path), "-q", "--lang", "en"]) == 2
    assert f"error: {path}{where}" in capsys.readouterr().err


def test_national_tables_carry_no_float_noise(national_run: tuple[int, Path]) -> None:
    """Money to the cent, days to 0.01, counts whole, other numbers to 1e-6, no -0.0."""
    import re

    from pvd_optim.output.rounding import decimals

    _, out = national_run
    for name in TABLES:
        text = (out / f"{name}.csv").read_text()
        assert not re.search(r"(^|,)-0(\.0+)?(,|$)", text, re.M), name
        assert not re.search(r"\de-\d", text), name  # no 5.68e-11
        frame = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in frame.columns:
            cells = [c for c in frame[column] if re.fullmatch(r"-?\d+\.\d+", c)]
            places = max((len(c.split(".")[1]) for c in cells), default=0)
            allowed = max(decimals(column), 1)  # pandas writes 45000.0 for a whole float
            assert places <= allowed, (name, column, places)
    group = pd.read_csv(out / "allocation_group.csv")
    assert group["posts"].dtype.kind == "i" and group["covered_towns"].dtype.kind == "i"
    directorate = pd.read_csv(out / "allocation_directorate.csv")
    assert (directorate["utilisation"] <= 1.0).all()


def test_a_closed_pipe_ends_quietly() -> None:
    """`pvd-optim towns ... | head -1` printed `internal error: BrokenPipeError`."""
    import subprocess
    import sys

    command = (f"{sys.executable} -m pvd_optim.cli towns {SCENARIOS / 'national.yaml'} -q "
               "| head -1")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.stdout.startswith("insee,name,")
    assert done.stderr == ""
    assert done.returncode == 0
