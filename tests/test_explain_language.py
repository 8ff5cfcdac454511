"""``explain.md`` in French and English: one per run, in the language the run chose.

The language is ``pvd-optim run --lang``, else the scenario's ``output.language``,
else the environment's locale, else French; ``output.language`` is not part of the
scenario's content hash.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pvd_optim import i18n, load_scenario, optimise
from pvd_optim.cli import main
from pvd_optim.errors import ExitCode
from pvd_optim.explain import explain_markdown
from pvd_optim.output import scenario_hash

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "toy.yaml"
#: Words every French explain.md of the toy uses (planner vocabulary).
FRENCH_WORDS = ("## Ce qui a été attribué", "## Ce qui limite l'allocation",
                "## Prix implicites", "## Glossaire", "enveloppe", "jours d'expertise",
                "chef de projet", "direction territoriale du Cerema", "prix implicite",
                "Statut : optimal")
ENGLISH_WORDS = ("## What was allocated", "## What limits the allocation",
                 "## Shadow prices", "## Glossary", "envelope", "expert-days", "project lead",
                 "shadow price", "Status: optimal")


def _headings(text: str) -> set[str]:
    return {line for line in text.splitlines() if line.startswith("## ")}


@pytest.fixture(scope="module")
def toy_texts() -> dict[str, str]:
    allocation = optimise(load_scenario(TOY))
    return {language: explain_markdown(allocation, i18n.translator(language))
            for language in i18n.LANGUAGES}


def test_french_explain_has_french_headings_words_and_numbers(toy_texts: dict[str, str]
                                                               ) -> None:
    french, english = toy_texts["fr"], toy_texts["en"]
    for word in FRENCH_WORDS:
        assert word in french, word
    # No English heading left over, and money written the French way.
    assert not _headings(french) & _headings(english)
    assert "## What" not in french and "Shadow prices" not in french
    assert i18n.translator("fr").eur(100_000) in french  # 100 000 €
    assert "EUR" not in french


def test_binding_limits_are_named_in_the_language_of_the_run(toy_texts: dict[str, str]
                                                            ) -> None:
    # The toy's directorate capacity binds: its name is a proper name, the words around it
    # come from the catalogue (the registry's binding message), in both languages.
    assert "(capacité de Cerema Est)" in toy_texts["fr"]
    assert "Cerema capacity of" not in toy_texts["fr"]
    assert "(Cerema capacity of Cerema Est)" in toy_texts["en"]


def test_english_explain_has_english_headings_and_words(toy_texts: dict[str, str]) -> None:
    english = toy_texts["en"]
    for word in ENGLISH_WORDS:
        assert word in english, word
    assert not re.search(r"[éèàù]", "\n".join(_headings(english)))
    assert "€100,000" in english


def _clear_locale(monkeypatch: pytest.MonkeyPatch, lang: str | None = None) -> None:
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    if lang is not None:
        monkeypatch.setenv("LANG", lang)


def _run(tmp_path: Path, name: str, *extra: str, language: str | None = None) -> Path:
    scenario = tmp_path / f"{name}.yaml"
    option = f"output:\n  language: {language}\n" if language else ""
    scenario.write_text(f"extends: {TOY}\nname: toy\n{option}", encoding="utf-8")
    out = tmp_path / name
    assert main(["run", str(scenario), "--out", str(out), "--quiet", *extra]) == ExitCode.OK
    return out


def _language_of(out: Path) -> str:
    text = (out / "explain.md").read_text(encoding="utf-8")
    french, english = "## Ce qui a été attribué" in text, "## What was allocated" in text
    assert french != english, text[:400]
    return "fr" if french else "en"


@pytest.mark.parametrize(
    ("flag", "option", "locale", "expected"),
    [
        ("en", "fr", "fr_FR.UTF-8", "en"),   # --lang beats the scenario and the locale
        ("fr", "en", "en_GB.UTF-8", "fr"),
        (None, "en", "fr_FR.UTF-8", "en"),   # the scenario's option beats the locale
        (None, "fr", "en_US.UTF-8", "fr"),
        (None, None, "en_US.UTF-8", "en"),   # the locale beats the default
        (None, None, "C.UTF-8", "fr"),       # no language in the locale: French
        (None, None, None, "fr"),
    ],
)
def test_run_writes_one_explain_in_the_chosen_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str | None, option: str | None,
        locale: str | None, expected: str) -> None:
    _clear_locale(monkeypatch, locale)
    out = _run(tmp_path, "run", *(("--lang", flag) if flag else ()), language=option)
    assert _language_of(out) == expected
    assert sorted(p.name for p in out.glob("explain*")) == ["explain.md"]


def test_a_run_in_process_does_not_change_the_callers_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_locale(monkeypatch, "en_GB.UTF-8")
    with i18n.using("en"):
        _run(tmp_path, "fr-run", "--lang", "fr")
        assert i18n.active().language == "en"


def test_the_output_language_is_not_part_of_the_scenario_hash(tmp_path: Path) -> None:
    plain = load_scenario(TOY)
    french = load_scenario(TOY, {"output.language": "fr"})
    english = load_scenario(TOY, {"output.language": "en"})
    assert english.output.language == "en"
    assert scenario_hash(plain) == scenario_hash(french) == scenario_hash(english)
    # The hash still sees what changes an allocation.
    other = load_scenario(TOY, {"resources.funding.envelope_eur": 90_000})
    assert scenario_hash(other) != scenario_hash(plain)


def test_runs_differing_only_in_language_record_the_same_content_hash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_locale(monkeypatch)
    hashes = {json.loads((_run(tmp_path, language, language=language) / "manifest.json")
                         .read_text())["scenario_content_sha256"]
              for language in i18n.LANGUAGES}
    assert len(hashes) == 1


def test_an_unknown_output_language_is_a_one_line_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "de.yaml"
    scenario.write_text(f"extends: {TOY}\noutput:\n  language: de\n", encoding="utf-8")
    assert main(["run", str(scenario), "--out", str(tmp_path / "de"), "--quiet"]) == (
        ExitCode.INPUT)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "output.language" in err[0] and "language" in err[0]


def test_compare_lang_chooses_the_report_language(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_locale(monkeypatch, "fr_FR.UTF-8")
    for language in i18n.LANGUAGES:
        report = tmp_path / f"report-{language}.html"
        assert main(["compare", str(TOY), "--out", str(tmp_path / f"tables-{language}"),
                     "--report", str(report), "--lang", language, "--quiet"]) == ExitCode.OK
        assert f'<html lang="{language}">' in report.read_text(encoding="utf-8")
