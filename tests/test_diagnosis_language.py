"""An infeasible run's explanation in the reader's language: the fixes, their numbers, the notes.

The diagnosis words its fixes once (:class:`pvd_optim.i18n.message.Message`: the English
text, which ``diagnosis.json`` keeps, with its catalogue template and values); explain.md
and the command line render them in the run's language.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pvd_optim import i18n, load_scenario
from pvd_optim.assemble import prepare
from pvd_optim.cli import main
from pvd_optim.diagnose import diagnose
from pvd_optim.errors import ExitCode

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
# Full coverage with budget for one post: infeasible (the toy needs two posts, 90,000 EUR).
IMPOSSIBLE = {"resources.engineering.cover_min_share": 1,
              "resources.engineering.budget_eur": 45000}


@pytest.fixture(scope="module")
def diagnosis():
    scenario = load_scenario(TOY, IMPOSSIBLE)
    return diagnose(prepare(scenario).inputs, scenario)


def test_the_english_words_are_the_fix_messages(diagnosis) -> None:
    english = diagnosis.markdown(i18n.translator("en"))
    budget = next(f for f in diagnosis.fixes if f.family == "engineering_budget")
    assert str(budget.message) == ("raise the engineering budget to at least 0.090 M EUR "
                                   "(1 more post)")
    assert f"{budget.message} (proven minimal)" in english
    assert diagnosis.headline() == diagnosis.headline(i18n.translator("en"))


def test_the_french_explanation_has_french_words_and_numbers(diagnosis) -> None:
    french = diagnosis.markdown(i18n.translator("fr"))
    assert french.startswith("# toy : infaisable")
    assert ("relever le budget d'ingénierie à au moins 0,090 M€ (1 poste de plus) "
            "(minimalité prouvée)") in french
    assert "abaisser la part minimale de communes couvertes à au plus 0,666" in french
    for english in ("raise", "lower", "M EUR", "proven minimal", "Note:", "project lead"):
        assert english not in french, english
    headline = diagnosis.headline(i18n.translator("fr"))
    assert headline.startswith("relever le budget d'ingénierie") and " ; ou " in headline


def test_run_writes_the_diagnosis_in_the_chosen_language_and_json_in_english(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "infeasible"
    overrides = [item for key, value in IMPOSSIBLE.items() for item in ("--set", f"{key}={value}")]
    code = main(["run", str(TOY), "--out", str(out), "--lang", "fr", "--quiet", *overrides])
    assert code == ExitCode.INFEASIBLE
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("infaisable : relever le budget d'ingénierie") and str(out) in line
    assert "minimalité prouvée" in (out / "explain.md").read_text(encoding="utf-8")
    fixes = json.loads((out / "diagnosis.json").read_text(encoding="utf-8"))["fixes"]
    assert any(f["message"].startswith("raise the engineering budget") for f in fixes)
