"""Error messages in the reader's language: one line, the same location frame, French words.

An ``InputError``'s message is a catalogue ``Message``: ``str(error)`` is today's
English (what the Python API, the JSON and the other tests read), and
``error.render(t)`` gives the same "FILE:LINE: FIELD: message" line with the
message in ``t``'s language. The command line prints the rendered line. The last
tests keep every module of the package converted: no error raised with plain text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pvd_optim import i18n
from pvd_optim.cli import main
from pvd_optim.errors import ExitCode, InputError, ScenarioError
from pvd_optim.i18n.message import Message

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "toy.yaml"


def _cli_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line ``pvd-optim argv`` prints on stderr for a bad input (exit 2)."""
    assert main(argv) == ExitCode.INPUT
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def _both(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """The error line in French and in English."""
    return (_cli_error([*argv, "-q", "--lang", "fr"], capsys),
            _cli_error([*argv, "-q", "--lang", "en"], capsys))


# ---- the error itself ---------------------------------------------------------------------------

def test_an_error_renders_its_message_in_the_language_and_keeps_its_frame() -> None:
    error = ScenarioError(Message("{what} not found; check the path", what=Message(
        "scenario file")), file="a.yaml", line=3, field="resources.funding")
    assert str(error) == "a.yaml:3: resources.funding: scenario file not found; check the path"
    assert error.render(i18n.translator("en")) == str(error)
    assert error.render(i18n.translator("fr")) == (
        "a.yaml:3: resources.funding: fichier de scénario introuvable ; vérifiez le chemin")


def test_a_rendered_error_is_one_line_whatever_the_user_wrote() -> None:
    key = "bad\nerror: forged\x1b[2J"
    error = ScenarioError(Message("key {key} appears twice (also on line {first_line}); keep one",
                                  key=repr(key), first_line=2), file="x\ny.yaml", line=5)
    for language in ("fr", "en"):
        shown = error.render(i18n.translator(language))
        assert "\n" not in shown and "\x1b" not in shown, shown
        assert shown.startswith("x\\ny.yaml:5: ")
    assert "la clé 'bad\\nerror: forged\\x1b[2J' apparaît deux fois (aussi à la ligne 2)" in (
        error.render(i18n.translator("fr")))


def test_a_plain_text_message_stays_as_written_in_every_language() -> None:
    error = InputError("something English", field="--set")
    assert error.render(i18n.translator("fr")) == "--set: something English" == str(error)


def test_numbers_in_a_message_follow_the_language() -> None:
    error = ScenarioError(Message(
        "{value:,.0f} EUR is more than {limit:,.0f} EUR: probably a typo (extra zeros?); "
        "amounts are in euros", value=2.5e11, limit=1e11), field="resources.funding.envelope_eur")
    assert str(error).endswith("250,000,000,000 EUR is more than 100,000,000,000 EUR: probably "
                               "a typo (extra zeros?); amounts are in euros")
    assert "250\u202f000\u202f000\u202f000 EUR, c'est plus que 100\u202f000\u202f000\u202f000 EUR" \
        in error.render(i18n.translator("fr"))


# ---- typical mistakes, from the command line ---------------------------------------------------

def test_an_unknown_key_in_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: t\nresources:\n  fundng:\n    envelope_eur: 1\n", encoding="utf-8")
    french, english = _both(["validate", str(scenario)], capsys)
    frame = f"{scenario}:3: resources.fundng: "
    assert english == (f"error: {frame}unknown field; did you mean `funding`? check the spelling "
                       "(fields here: funding, expertise, engineering; `pvd-optim schema` lists "
                       "them all)")
    assert french == (f"erreur : {frame}champ inconnu ; vouliez-vous dire `funding` ? vérifiez "
                      "l'orthographe (champs possibles ici : funding, expertise, engineering ; "
                      "`pvd-optim schema` les liste tous)")


def test_a_number_written_with_a_decimal_comma(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: t\nsolver:\n  mip_gap: 0,01\n", encoding="utf-8")
    french, english = _both(["validate", str(scenario)], capsys)
    frame = f"{scenario}:3: solver.mip_gap: "
    assert english == (f"error: {frame}must be a number. Got '0,01' instead; write 0.01 "
                       "(a decimal point, not a comma)")
    # The number to type stays as YAML reads it: a decimal point, in French too.
    assert french == (f"erreur : {frame}doit être un nombre. Valeur donnée : '0,01' ; écrivez "
                      "0.01 (un point décimal, pas une virgule)")


def test_a_section_check_keeps_its_message_through_pydantic(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A validator's own message (raised inside pydantic) reaches the reader in French."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {TOY}\neligibility:\n  rules:\n    min_population: 30000\n"
                        "    max_population: 2500\n", encoding="utf-8")
    french, english = _both(["validate", str(scenario)], capsys)
    assert english.endswith("eligibility.rules: min_population (30,000) must be below "
                            "max_population (2,500): no town can satisfy both"), english
    assert french.endswith("eligibility.rules: min_population (30\u202f000) doit être inférieur "
                           "à max_population (2\u202f500) : aucune commune ne peut satisfaire les "
                           "deux"), french


def test_whole_scenario_checks_are_listed_in_french(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {TOY}\ntheme_floors_share: 0.7\n", encoding="utf-8")
    french, english = _both(["validate", str(scenario)], capsys)
    assert "theme_floors_share sum to 1.4 > 1 (0.7 for each of 2 themes; at most 0.5 each): " \
        "no allocation can meet them; lower some floors" in english
    assert "la somme de theme_floors_share vaut 1,4 > 1 (0,7 pour chacun des 2 thèmes ; au " \
        "plus 0,5 chacun) : aucune allocation ne peut les respecter ; baissez certains " \
        "planchers" in french


def test_a_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "absent.yaml"
    french, english = _both(["validate", str(missing)], capsys)
    assert english == f"error: {missing}: scenario file not found; check the path"
    assert french == f"erreur : {missing}: fichier de scénario introuvable ; vérifiez le chemin"


def test_a_bad_override(capsys: pytest.CaptureFixture[str]) -> None:
    french, english = _both(["validate", str(TOY), "--set", "resources"], capsys)
    assert english == ("error: --set: override 'resources' must look like dotted.key=value, "
                       "for example resources.funding.envelope_eur=30e6")
    assert french == ("erreur : --set: le remplacement 'resources' doit avoir la forme "
                      "clé.pointée=valeur, par exemple resources.funding.envelope_eur=30e6")


def test_an_unknown_insee_code_in_a_planner_csv(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "extra.csv").write_text("insee,vacancy_2024\n10268,12.5\n99999,1.0\n",
                                        encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {TOY}\ndata:\n  planner_indicators: [extra.csv]\n",
                        encoding="utf-8")
    french, english = _both(["validate", str(scenario)], capsys)
    frame = f"{tmp_path / 'extra.csv'}:3: insee: "
    assert english == (f"error: {frame}INSEE code 99999 is not a current commune (COG 2026); a "
                       "merged commune uses the code of the commune it joined")
    assert french == (f"erreur : {frame}le code INSEE 99999 n'est pas celui d'une commune "
                      "actuelle (COG 2026) ; une commune fusionnée prend le code de la commune "
                      "qu'elle a rejointe")


def test_a_code_listed_twice_in_a_planner_csv_names_its_lines_in_french(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "extra.csv").write_text(
        "insee,vacancy_2024\n10268,12.5\n10268,1.0\n10268,2.0\n", encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {TOY}\ndata:\n  planner_indicators: [extra.csv]\n",
                        encoding="utf-8")
    french, english = _both(["validate", str(scenario)], capsys)
    assert english.endswith("insee: INSEE code 10268 appears twice (lines 2 and 3 and 4)")
    assert french.endswith("insee: le code INSEE 10268 apparaît deux fois (lignes 2 et 3 et 4)")


def test_an_eligibility_code_that_is_no_commune(capsys: pytest.CaptureFixture[str]) -> None:
    french, english = _both(["validate", str(TOY), "--set", "eligibility.include=['99999']"],
                            capsys)
    assert english.endswith("eligibility.include: INSEE code(s) ['99999'] are not current "
                            "communes; use 5-character codes from the 2026 register (e.g. "
                            "'01033')"), english
    assert french.endswith("eligibility.include: le(s) code(s) INSEE ['99999'] ne sont pas ceux "
                           "de communes actuelles ; utilisez des codes à 5 caractères du code "
                           "officiel géographique 2026 (par exemple '01033')"), french


def test_a_sweep_range_written_backwards(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"extends: {TOY}\nsweep:\n  grid:\n    balance.tolerance_share: "
                     "{start: 0.25, stop: 0.05, step: 0.05}\n", encoding="utf-8")
    french, english = _both(["sweep", str(sweep), "--out", str(tmp_path / "out")], capsys)
    frame = f"{sweep}:4: sweep.grid.balance.tolerance_share: "
    assert english == (f"error: {frame}stop (0.05) is below start (0.25); write the smaller "
                       "value as start")
    assert french == (f"erreur : {frame}stop (0,05) est inférieur à start (0,25) ; écrivez la "
                      "plus petite valeur comme start")
    assert not (tmp_path / "out").exists()


def test_a_field_a_sweep_cannot_change_is_refused_in_french(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"extends: {TOY}\nsweep:\n  grid:\n    solver.threads: [1, 2]\n",
                     encoding="utf-8")
    french, english = _both(["sweep", str(sweep), "--out", str(tmp_path / "out")], capsys)
    frame = f"{sweep}:4: sweep.grid.solver.threads: "
    assert english == (f"error: {frame}a sweep cannot change solver.threads: a sweep solves "
                       "every variant on one thread (HiGHS keeps the thread count of a process's "
                       "first solve); parallelism comes from --workers")
    assert french == (f"erreur : {frame}un balayage ne peut pas modifier solver.threads : un "
                      "balayage résout chaque variante sur un seul fil d'exécution (HiGHS garde "
                      "le nombre de fils de la première résolution d'un processus) ; le "
                      "parallélisme vient de --workers")
    assert not (tmp_path / "out").exists()


def test_a_committed_results_folder_that_is_gone_is_named_in_french(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "gone"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {TOY}\nyears: [2025, 2026]\n"
                        f"commitments: {{results: {folder}, from_year: 2026}}\n",
                        encoding="utf-8")
    french, english = _both(["run", str(scenario), "--out", str(tmp_path / "out")], capsys)
    frame = f"{scenario}:3: commitments.results: "
    assert english == (f"error: {frame}no results folder {folder}; run the scenario whose "
                       f"allocation is committed first (`pvd-optim run ... --out {folder}`)")
    assert french == (f"erreur : {frame}pas de dossier de résultats {folder} ; exécutez d'abord "
                      "le scénario dont l'allocation est engagée (`pvd-optim run ... --out "
                      f"{folder}`)")
    assert not (tmp_path / "out").exists()


def test_a_results_folder_that_is_not_one(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "notes.txt").write_text("not results", encoding="utf-8")
    french, english = _both(["explain", str(folder), "--town", "01350"], capsys)
    assert english == (f"error: {folder}: is not a pvd-optim results folder (no manifest.json or "
                       "allocation_state.npz); give a folder written by `pvd-optim run`, or a "
                       "scenario file")
    assert french == (f"erreur : {folder}: n'est pas un dossier de résultats de pvd-optim (ni "
                      "manifest.json ni allocation_state.npz) ; donnez un dossier écrit par "
                      "`pvd-optim run`, ou un fichier de scénario")


def test_an_output_target_that_is_a_file(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "results.txt"
    target.write_text("a planner's notes", encoding="utf-8")
    french, english = _both(["run", str(TOY), "--out", str(target)], capsys)
    assert english == f"error: {target}: exists and is not a folder; choose another --out"
    assert french == (f"erreur : {target}: existe et n'est pas un dossier ; choisissez un autre "
                      "--out")
    assert target.read_text(encoding="utf-8") == "a planner's notes"


def test_an_os_error_while_writing_is_worded_in_french() -> None:
    from pvd_optim.output.target import os_error

    error = os_error(OSError(28, "No space left on device"), "results/x", "write the folder")
    assert str(error) == "results/x: cannot write the folder: no space left on the file system"
    assert error.render(i18n.translator("fr")) == (
        "results/x: impossible d'écrire le dossier : plus de place sur le système de fichiers")


def test_an_unknown_language_in_a_scenario_is_refused_in_the_run_language() -> None:
    with pytest.raises(InputError) as caught:
        i18n.choose_language(configured="de")
    assert str(caught.value) == "output.language: unknown language 'de'; choose one of fr, en"
    assert caught.value.render(i18n.translator("fr")) == (
        "output.language: langue inconnue 'de' ; choisissez l'une de : fr, en")


def test_a_missing_compare_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing"
    french, english = _both(["compare", str(missing), "--out", str(tmp_path / "out")], capsys)
    assert english == f"error: {missing}: no such results folder or scenario file"
    assert french == (f"erreur : {missing}: dossier de résultats ou fichier de scénario "
                      "introuvable")


def test_where_an_interrupted_run_left_a_folder_is_said_in_french(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    from pvd_optim.output.readback import _results_manifest

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".results.old-123").mkdir()
    with pytest.raises(InputError) as caught:
        _results_manifest(Path("results"))
    assert "an interrupted run left the previous one in .results.old-123" in str(caught.value)
    assert ("une exécution interrompue a laissé le précédent dans .results.old-123 à côté" in
            caught.value.render(i18n.translator("fr")))


# ---- every module stays converted --------------------------------------------------------------

#: Every module of the package: each error it raises for a user is a catalogue message, so a new
#: module cannot slip English in (the data-build modules too: the rule is uniform).
MODULES = tuple(sorted(path.relative_to(ROOT).as_posix()
                       for path in (ROOT / "pvd_optim").rglob("*.py")))
#: Calls that raise (or build) an error for a user: their message must be a ``Message``.
ERROR_CALLS = frozenset({"InputError", "ScenarioError", "DataError", "OutputError", "_Refused",
                         "_fail", "error", "fail", "SolverError", "InfeasibleError"})
#: In the scenario layer a validator's ``ValueError`` is the planner's message too (elsewhere
#: it is a programming error, or caught and reworded).
SCENARIO_ERROR_CALLS = ERROR_CALLS | {"ValueError"}


def _plain_text(node: ast.expr) -> bool:
    """Whether ``node`` builds plain text: a literal, an f-string, ``+`` or ``.format`` of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _plain_text(node.left) or _plain_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _plain_text(node.func.value)
    return False


def plain_text_errors(source: str, calls: frozenset[str] = SCENARIO_ERROR_CALLS) -> list[int]:
    """Lines of ``source`` where a call of ``calls`` has plain text as first argument."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        if name in calls and _plain_text(node.args[0]):
            found.append(node.lineno)
    return found


def test_the_scan_finds_plain_text_errors() -> None:
    """The scan below can fail: it sees a literal, an f-string and ``.format`` text."""
    source = ('raise ScenarioError("is empty", file=f)\n'
              'raise DataError(f"code {code} unknown")\n'
              'raise error("x {a}".format(a=1))\n'
              'raise OutputError(Message("fine {a}", a=1))\n')
    assert plain_text_errors(source) == [1, 2, 3]


def test_the_scan_sees_every_module() -> None:
    """The list scanned is the package's tree, not a hand-kept list: a new module is in it."""
    assert "pvd_optim/cli/__init__.py" in MODULES and "pvd_optim/data/build.py" in MODULES
    assert len(MODULES) > 150


@pytest.mark.parametrize("module", MODULES)
def test_a_module_raises_no_plain_text_error(module: str) -> None:
    calls = (SCENARIO_ERROR_CALLS if "/scenario/" in module or module.endswith("definition.py")
             else ERROR_CALLS)
    lines = plain_text_errors((ROOT / module).read_text(encoding="utf-8"), calls)
    assert not lines, f"{module}: errors with plain English text on lines {lines}; use Message"
