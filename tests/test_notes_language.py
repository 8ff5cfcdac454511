"""A run's notes read back from its results folder in the reader's language.

A note (a follow-up solve left out, a capped quota, threads clamped) is a catalogue
``Message``; the state file keeps its template and values (state format 5), so
that ``pvd-optim explain RESULTS`` shows it in French or in English, whatever the
run's language was. A format-4 folder kept only the English text: its notes stay
English. Read back, a template must be a message of the catalogue: a file cannot
have arbitrary ``str.format`` templates formatted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pvd_optim import i18n
from pvd_optim.cli import main
from pvd_optim.errors import ExitCode
from pvd_optim.i18n.message import Message, Plural, joined, message_data, message_from_data
from pvd_optim.model.solve import threads_to_use
from pvd_optim.output import read_allocation
from tests.results_folders import rewrite_state, state_members

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
FR, EN = i18n.translator("fr"), i18n.translator("en")
SKIPPED = ("{what} not computed: the solver time limit ({limit:g} s) was used up before it")


@pytest.fixture(scope="module")
def noted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy's results, run in English with 0.5 s: too little left for any follow-up."""
    out = tmp_path_factory.mktemp("noted") / "toy"
    assert main(["run", str(TOY), "--set", "solver.time_limit_s=0.5", "--out", str(out),
                 "-q", "--lang", "en"]) == ExitCode.OK
    return out


def _explain_notes(folder: Path, language: str, capsys: pytest.CaptureFixture[str]
                   ) -> list[str]:
    assert main(["explain", str(folder), "--town", "10268", "--lang", language]) == ExitCode.OK
    return [line for line in capsys.readouterr().err.splitlines()
            if line.startswith(("note", "Note"))]


def test_an_english_runs_note_is_explained_in_french(noted: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _explain_notes(noted, "fr", capsys) == [
        "note : prix implicites : pas de calcul, la limite de temps du solveur (0,5 s) était "
        "épuisée avant",
        "note : valeur d'un poste de plus : pas de calcul, la limite de temps du solveur (0,5 s) "
        "était épuisée avant"]
    assert _explain_notes(noted, "en", capsys) == [
        "note: shadow prices not computed: the solver time limit (0.5 s) was used up before it",
        "note: value of one more post not computed: the solver time limit (0.5 s) was used up "
        "before it"]


def test_the_state_keeps_each_notes_template_and_values(noted: Path) -> None:
    meta = json.loads(str(state_members(noted)["meta"]))
    assert meta["format_version"] == 5
    assert meta["notes"][0] == {"message": SKIPPED, "values": {
        "what": {"message": "shadow prices", "values": {}}, "limit": 0.5}}
    notes = read_allocation(noted).notes
    assert [str(n) for n in notes] == [
        "shadow prices not computed: the solver time limit (0.5 s) was used up before it",
        "value of one more post not computed: the solver time limit (0.5 s) was used up "
        "before it"]
    # summary.json keeps the English text, the stable form other programs read.
    summary = json.loads((noted / "summary.json").read_text(encoding="utf-8"))
    assert summary["notes"] == [str(n) for n in notes]


def test_a_format_4_folders_notes_stay_english(noted: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    old = Path(shutil.copytree(noted, tmp_path / "old"))
    meta = json.loads(str(state_members(old)["meta"]))
    english = [str(note) for note in read_allocation(noted).notes]
    rewrite_state(old, meta=json.dumps({**meta, "format_version": 4, "notes": english}))
    assert [str(n) for n in read_allocation(old).notes] == english
    assert _explain_notes(old, "fr", capsys) == [f"note : {text}" for text in english]


@pytest.mark.parametrize("notes", [
    [{"message": "{what.__class__.__init__} of {x}", "values": {"what": "a", "x": "b"}}],
    [{"message": "not a message of pvd-optim", "values": {}}],
    [{"message": SKIPPED, "values": {"what": "shadow prices"}}],  # no limit
    [{"message": SKIPPED, "values": {"what": "x", "limit": "not a number"}}],
    [{"message": SKIPPED, "values": {"what": True, "limit": 1}}],
    [12],
    "not a list",
])
def test_a_forged_note_is_refused_in_one_line(noted: Path, tmp_path: Path, notes: object,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    forged = Path(shutil.copytree(noted, tmp_path / "forged"))
    meta = json.loads(str(state_members(forged)["meta"]))
    rewrite_state(forged, meta=json.dumps({**meta, "notes": notes}))
    assert main(["explain", str(forged), "--town", "10268", "-q", "--lang", "en"]) == (
        ExitCode.INPUT)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {forged}: allocation_state.npz: "
                                                   "its "), lines
    assert "re-run `pvd-optim run`" in lines[0]


def test_messages_become_data_and_back_in_every_language() -> None:
    note = Message("{what} not computed: its solve ended {status} ({raw})",
                   what=Message("value of one more post for {funder}", funder="Cerema"),
                   status="time_limit", raw="Time limit reached")
    plural = Plural("solver.threads asks for {requested} threads; this machine has {count} "
                    "core, so the solver used {count}",
                    "solver.threads asks for {requested} threads; this machine has {count} "
                    "cores, so the solver used {count}", 2, requested=64)
    listed = joined([Message("price of balance"), "a name"])
    for text in (note, plural, listed, "plain text", Message("shadow prices")):
        back = message_from_data(json.loads(json.dumps(message_data(text))))
        assert back == text
        for t in (FR, EN):
            assert i18n.message.render(back, t) == i18n.message.render(text, t)
    assert i18n.message.render(message_from_data(message_data(note)), FR) == (
        "valeur d'un poste de plus pour Cerema : pas de calcul, la résolution s'est terminée "
        "time_limit (Time limit reached)")


def test_a_nesting_too_deep_is_refused() -> None:
    data: object = "x"
    for _ in range(20):
        data = {"message": "{what} not computed: its solve ended {status} ({raw})",
                "values": {"what": data, "status": "s", "raw": "r"}}
    with pytest.raises(ValueError, match="too deep"):
        message_from_data(data)


def test_the_threads_note_is_a_message() -> None:
    used, notes = threads_to_use(10_000)
    assert str(notes[0]) == (f"solver.threads asks for 10000 threads; this machine has {used} "
                             f"core{'s' if used > 1 else ''}, so the solver used {used}")
    assert notes[0].render(FR).startswith("solver.threads demande 10000 fils d'exécution ; "
                                          f"cette machine a {used} cœur")
