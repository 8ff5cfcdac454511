"""The command line's own lines in French and English: result, progress, warnings, errors.

The language is ``--lang`` (on every command), else the scenario's
``output.language`` for ``run`` and ``sweep``, else the locale's, else French, and
it is chosen before anything is read, so that an error raised before the scenario
is parsed is framed in it (and its message worded in it: tests/test_error_language.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pvd_optim import cli, i18n
from pvd_optim.cli import main
from pvd_optim.cli.parser import build_parser
from pvd_optim.errors import ExitCode

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"


@pytest.fixture
def no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """No language in the environment: the default (French) decides."""
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_the_run_line_in_french_and_in_english(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(TOY), "--out", str(tmp_path / "fr"), "--lang", "fr"]) == 0
    printed = capsys.readouterr()
    assert printed.out.strip() == (
        "optimal : objectif 161,5 k€-éq. ; 0,10 M€, 10 jours d'expertise, 2 postes couvrant "
        f"3/3 communes -> {tmp_path / 'fr'}")
    # The steps, named in pipeline.py, are shown in French with a decimal comma.
    assert re.search(r"^\[ *\d+,\d s\] chargement des communes et calcul de leurs scores…$",
                     printed.err, re.MULTILINE), printed.err
    assert "résolution avec highs (" in printed.err and "loading" not in printed.err
    assert main(["run", str(TOY), "--out", str(tmp_path / "en"), "--lang", "en"]) == 0
    printed = capsys.readouterr()
    assert printed.out.strip() == ("optimal: objective 161.5 k EUR-eq; 0.10 M EUR, 10 days, "
                                   f"2 posts covering 3/3 towns -> {tmp_path / 'en'}")
    assert re.search(r"^\[ *\d+\.\ds\] loading and scoring towns \.\.\.$", printed.err,
                     re.MULTILINE), printed.err


def test_the_run_line_over_several_years_in_french(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Over two years (the toy at 45,000 EUR a post): money summed, posts the last year's."""
    assert main(["run", str(TOY), "--set", "years=[2025, 2026]", "--set",
                 "resources.engineering.budget_eur={2025: 90000, 2026: 45000}",
                 "--out", str(tmp_path / "out"), "--lang", "fr"]) == 0
    line = capsys.readouterr().out
    assert ("0,20 M€, 20 jours d'expertise sur 2025-2026 ; 1 poste en 2026 couvrant 2/3 "
            "communes") in line, line


def test_the_run_line_groups_thousands_the_french_way() -> None:
    """National-sized totals: ``1 646`` (narrow no-break space) and a decimal comma."""
    from types import SimpleNamespace

    from pvd_optim.cli.solve import result_line

    totals = {"funding_eur": 25_800_000.0, "expert_days": 12_345.4, "posts": 1_001.0,
              "covered_towns": 1_580.0, "eligible_towns": 1_646.0}
    allocation = SimpleNamespace(totals=lambda: totals, calendar=(2021,), status="optimal",
                                 objective=85_628.23687646672)
    line = result_line(allocation, Path("results/national"))  # type: ignore[arg-type]
    assert line.render(i18n.translator("fr")) == (
        "optimal : objectif 85\u202f628,2 k€-éq. ; 25,80 M€, 12\u202f345 jours d'expertise, "
        "1\u202f001 postes couvrant 1\u202f580/1\u202f646 communes -> results/national")
    assert line.render(i18n.translator("en")) == (
        "optimal: objective 85,628.2 k EUR-eq; 25.80 M EUR, 12,345 days, 1,001 posts covering "
        "1,580/1,646 towns -> results/national")


def test_the_scenario_language_decides_a_run_without_lang(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         no_locale: None) -> None:
    assert main(["run", str(TOY), "--out", str(tmp_path / "en"),
                 "--set", "output.language=en"]) == 0
    assert capsys.readouterr().out.startswith("optimal: objective 161.5 k EUR-eq; ")
    assert main(["run", str(TOY), "--out", str(tmp_path / "fr")]) == 0
    assert capsys.readouterr().out.startswith("optimal : objectif 161,5 k€-éq. ; ")


@pytest.mark.parametrize(("lang", "locale", "prefix"), [
    ("fr", None, "erreur : "), ("en", None, "error: "),
    (None, "en_GB.UTF-8", "error: "), (None, "fr_FR.UTF-8", "erreur : "),
    (None, None, "erreur : "),  # no locale: French
])
def test_an_error_before_the_scenario_is_read_is_framed_in_the_language(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        no_locale: None, lang: str | None, locale: str | None, prefix: str) -> None:
    if locale:
        monkeypatch.setenv("LANG", locale)
    missing = tmp_path / "missing.yaml"
    argv = ["validate", str(missing), *(("--lang", lang) if lang else ())]
    assert main(argv) == ExitCode.INPUT
    lines = capsys.readouterr().err.splitlines()
    # The framing and the message are the reader's; the location frame is the same.
    body = ("fichier de scénario introuvable ; vérifiez le chemin" if prefix == "erreur : "
            else "scenario file not found; check the path")
    assert lines == [f"{prefix}{missing}: {body}"], lines


def test_validate_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(TOY), "-q", "--lang", "fr"]) == 0  # -q: nothing printed
    assert capsys.readouterr().out == ""
    assert main(["validate", str(TOY), "--lang", "fr"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "valide : toy : 3 communes éligibles dans 1 région, 1 direction territoriale, "
        "2 groupes, 2 thèmes", "thèmes : habitat, heritage"]
    assert main(["validate", str(TOY), "--lang", "en"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "valid: toy: 3 eligible towns in 1 region, 1 directorate, 2 groups, 2 themes",
        "themes: habitat, heritage"]


def test_internal_errors_and_interruptions_are_framed_in_the_language(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: object, progress: object) -> int:
        raise RuntimeError("boom")

    def stopped(args: object, progress: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "schema", broken)
    assert main(["schema", "--lang", "fr"]) == ExitCode.INTERNAL
    assert capsys.readouterr().err.strip() == (
        "erreur interne : RuntimeError : boom (relancez avec --debug pour obtenir la trace, "
        "et signalez-la)")
    assert main(["schema", "--lang", "en"]) == ExitCode.INTERNAL
    assert capsys.readouterr().err.strip() == (
        "internal error: RuntimeError: boom (rerun with --debug for the traceback and "
        "report it)")
    monkeypatch.setitem(cli.COMMANDS, "schema", stopped)
    assert main(["schema", "--lang", "fr"]) == ExitCode.INTERRUPTED
    assert capsys.readouterr().err.strip() == "interrompu"


def test_every_command_takes_lang() -> None:
    parser = build_parser()
    argv_of = {"run": [str(TOY)], "validate": [str(TOY)], "towns": [str(TOY)], "schema": [],
               "compare": [str(TOY)], "explain": ["results", "--town", "01350"],
               "sweep": [str(TOY)]}
    assert set(argv_of) == set(cli.COMMANDS)
    for command, rest in argv_of.items():
        assert parser.parse_args([command, *rest, "--lang", "en"]).lang == "en", command
        assert parser.parse_args([command, *rest]).lang is None, command


def test_a_command_keeps_the_callers_language(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with i18n.using("en"):
        assert main(["validate", str(TOY), "-q", "--lang", "fr"]) == 0
        assert i18n.active().language == "en"


def test_the_sweep_lines_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   no_locale: None) -> None:
    path = tmp_path / "toy-sweep.yaml"
    path.write_text(f"extends: {TOY}\nname: toy-sweep\nsweep:\n  grid:\n"
                    "    resources.funding.envelope_eur: [100_000, 300_000]\n"
                    "    resources.funding.spend_min_share: [0, 0.95]\n")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == ExitCode.OK
    printed = capsys.readouterr().out
    assert f"4 variantes (3 optimales, 1 infaisable) -> {out} (report.html" in printed, printed
    assert '<html lang="fr">' in (out / "report.html").read_text()
    # The base scenario's language, without --lang: the report and the line in English.
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1",
                 "--set", "output.language=en"]) == ExitCode.OK
    assert ("4 variants (3 optimal, 1 infeasible; 4 resumed from the folder)"
            in capsys.readouterr().out)
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1",
                 "--lang", "fr"]) == ExitCode.OK
    assert "déjà résolues dans le dossier : 4" in capsys.readouterr().out
