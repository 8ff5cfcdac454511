"""The arguments' own texts in the reader's language: ``--help``, the usage line, usage errors.

argparse's words (``usage:``, ``error:``, "the following arguments are required",
the help headings) and our options' help texts are catalogue messages, in the
language of ``--lang`` (before or after the command), else the locale's, else
French, chosen before parsing. A usage error keeps argparse's shape: the usage line,
then ``PROG: error: MESSAGE``, exit 2. The translation is the parser's only: a
caller's own argparse parsers stay as argparse writes them.
"""

from __future__ import annotations

import argparse
import gettext
import threading

import pytest

from pvd_optim import i18n
from pvd_optim.cli import main
from pvd_optim.cli.localized import argparse_in, language_before_parsing
from pvd_optim.errors import ExitCode


@pytest.fixture
def no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """No language in the environment: the default (French) decides."""
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines ``pvd-optim argv`` prints on stderr for a usage mistake (exit 2)."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == ExitCode.INPUT
    return capsys.readouterr().err.splitlines()


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == ExitCode.OK
    return " ".join(capsys.readouterr().out.split())


def test_a_missing_argument_in_french_and_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    french = _usage_error(["--lang", "fr", "run"], capsys)
    assert french[0].startswith("utilisation : pvd-optim run [-h]"), french
    assert french[-1] == "pvd-optim run : erreur : les arguments suivants sont requis : scenario"
    english = _usage_error(["--lang", "en", "run"], capsys)
    assert english[0].startswith("usage: pvd-optim run [-h]"), english
    assert english[-1] == "pvd-optim run: error: the following arguments are required: scenario"


def test_the_commands_own_lang_decides_too(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _usage_error(["explain", "results", "--lang", "fr"], capsys)
    assert lines[-1] == ("pvd-optim explain : erreur : les arguments suivants sont requis : "
                         "--town")


def test_an_invalid_choice_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _usage_error(["run", "s.yaml", "--lang", "fr", "--solver", "gurobi"], capsys)
    assert lines[-1] == ("pvd-optim run : erreur : argument --solver : choix invalide : "
                         "'gurobi' (choisissez parmi 'highs', 'cbc')")
    lines = _usage_error(["--lang", "fr", "solve"], capsys)
    assert "argument COMMAND : choix invalide : 'solve'" in lines[-1], lines


def test_unrecognized_arguments_and_exclusive_options_in_french(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert _usage_error(["--lang", "fr", "validate", "s.yaml", "--workers", "2"], capsys)[-1] \
        == "pvd-optim : erreur : arguments non reconnus : --workers 2"
    assert _usage_error(["sweep", "s.yaml", "--lang", "fr", "--workers", "2", "--scheduler",
                         "tcp://h:8786"], capsys)[-1] == (
        "pvd-optim sweep : erreur : argument --scheduler : non autorisé avec l'argument "
        "--workers")
    assert _usage_error(["sweep", "s.yaml", "--lang", "fr", "--out"], capsys)[-1] == (
        "pvd-optim sweep : erreur : argument --out : un argument attendu")


def test_an_unknown_language_is_refused_in_the_locales(no_locale: None,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert _usage_error(["run", "s.yaml", "--lang", "de"], capsys)[-1] == (
        "pvd-optim run : erreur : argument --lang : choix invalide : 'de' (choisissez parmi "
        "'fr', 'en')")


def test_the_help_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _help(["run", "--help", "--lang", "fr"], capsys)
    for french in ("utilisation : pvd-optim run", "arguments positionnels :", "options :",
                   "-h, --help afficher ce message d'aide et quitter",
                   "scenario fichier de scénario YAML", "--quiet, -q n'afficher que les erreurs",
                   "--force remplacer un dossier de résultats existant",
                   "codes de sortie : 0 optimal, 2 entrée invalide, 3 infaisable"):
        assert french in shown, (french, shown)
    for english in ("usage:", "positional arguments", "show this help", "scenario YAML file",
                    "exit codes"):
        assert english not in shown, english
    top = _help(["--lang", "fr", "--help"], capsys)
    assert "run résoudre un scénario" in top and "Répartir les moyens" in top, top


def test_the_help_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _help(["run", "--help", "--lang", "en"], capsys)
    for english in ("usage: pvd-optim run", "positional arguments:", "options:",
                    "-h, --help show this help message and exit", "scenario scenario YAML file",
                    "--quiet, -q print only errors",
                    "exit codes: 0 optimal, 2 bad input, 3 infeasible"):
        assert english in shown, (english, shown)
    assert "utilisation" not in shown and "fichier" not in shown


def test_the_sweeps_exit_codes_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _help(["sweep", "--help", "--lang", "fr"], capsys)
    assert "codes de sortie : 0 chaque variante résolue ou prouvée infaisable" in shown
    assert "130 interrompu" in shown


def test_without_lang_the_locale_decides(monkeypatch: pytest.MonkeyPatch, no_locale: None,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert _usage_error(["run"], capsys)[-1].startswith("pvd-optim run : erreur : ")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert _usage_error(["run"], capsys)[-1].startswith("pvd-optim run: error: ")
    # The last --lang that names a language wins, as argparse keeps the last.
    assert language_before_parsing(["--lang", "fr", "run", "x", "--lang=en"]) == "en"
    assert language_before_parsing(["run", "x", "--lang", "de"]) == "en"  # the locale's


def test_lang_before_the_command_sets_the_commands_language(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "fr", "validate", "missing.yaml", "-q"]) == ExitCode.INPUT
    assert capsys.readouterr().err.startswith("erreur : missing.yaml: fichier de scénario")
    assert main(["--lang", "en", "validate", "missing.yaml", "-q"]) == ExitCode.INPUT
    assert capsys.readouterr().err.startswith("error: missing.yaml: scenario file not found")


def test_a_callers_own_parser_keeps_argparses_words(capsys: pytest.CaptureFixture[str]) -> None:
    """After a French command, and in another thread during one, argparse is argparse."""
    _usage_error(["--lang", "fr", "run"], capsys)
    assert vars(argparse)["_"] is gettext.gettext
    assert vars(argparse)["ngettext"] is gettext.ngettext
    theirs = argparse.ArgumentParser(prog="theirs")
    assert theirs.format_usage().startswith("usage: theirs")

    seen: list[str] = []
    with argparse_in(i18n.translator("fr")):
        assert argparse.ArgumentParser(prog="ours").format_usage().startswith("utilisation")
        other = threading.Thread(
            target=lambda: seen.append(argparse.ArgumentParser(prog="other").format_help()))
        other.start()
        other.join()
    assert seen[0].startswith("usage: other") and "show this help message" in seen[0]
    assert vars(argparse)["_"] is gettext.gettext
