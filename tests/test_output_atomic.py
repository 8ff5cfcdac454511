"""Replacement is atomic, killed runs leave nothing behind, and runs do not race.

The kills are deterministic: the writer's fault-injection hook (``PVD_OPTIM_FAULT``,
read only by :mod:`pvd_optim.output.atomic`) makes the child kill itself with
SIGKILL, or stop with SIGSTOP, at a named point of the replacement.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pvd_optim.cli import main
from pvd_optim.errors import ExitCode
from pvd_optim.output import verify_folder, write_file_atomic, write_folder
from tests.results_folders import TOY, manifest_of

NEW_ENVELOPE = ["--set", "resources.funding.envelope_eur=50000"]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="renameat2(RENAME_EXCHANGE) is Linux's")


def _run_child(out: Path, fault: str | None, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PVD_OPTIM_FAULT"}
    if fault is not None:
        env["PVD_OPTIM_FAULT"] = fault
    # In English: the assertions read the error lines' English words.
    return subprocess.Popen([sys.executable, "-m", "pvd_optim.cli", "run", str(TOY), "--out",
                             str(out), "-q", "--lang", "en", *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=300)
    return process.returncode, err


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _funding(folder: Path) -> float:
    return json.loads((folder / "summary.json").read_text())["totals"]["funding_eur"]


def _whole(folder: Path) -> None:
    """Every file the manifest lists is present and unchanged, and nothing else is there."""
    verify_folder(folder)
    listed = set(manifest_of(folder)["files_sha256"]) | {"manifest.json"}
    assert {p.name for p in folder.iterdir()} == listed


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


@pytest.fixture
def old(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A complete results folder (envelope 100 k EUR) and its bytes."""
    out = tmp_path / "results"
    assert main(["run", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
    return out, _snapshot(out)


@pytest.mark.parametrize(
    ("fault", "holds"),
    [
        ("while-writing", "old"),
        ("before-exchange", "old"),
        ("after-exchange", "new"),
        ("no-exchange,while-writing", "old"),
        ("no-exchange,before-exchange", "old"),
        ("no-exchange,after-exchange", "new"),
    ],
)
def test_a_kill_inside_the_replacement_leaves_the_old_or_the_new_folder_whole(
        old: tuple[Path, dict[str, bytes]], fault: str, holds: str) -> None:
    out, before = old
    code, _ = _finish(_run_child(out, fault, "--force", *NEW_ENVELOPE))
    assert code == -signal.SIGKILL
    _whole(out)
    if holds == "old":
        assert _snapshot(out) == before
    else:
        assert _funding(out) == 50_000
    assert _leftovers(out.parent, out.name)  # the killed run's temporary and lock
    # The next run cleans the dead run's leftovers and replaces the folder as asked.
    assert main(["run", str(TOY), "--out", str(out), "-q", "--force"]) == ExitCode.OK
    _whole(out)
    assert _funding(out) == 100_000
    assert _leftovers(out.parent, out.name) == []


def test_a_kill_between_the_fallbacks_two_renames_is_recovered(
        old: tuple[Path, dict[str, bytes]], capsys: pytest.CaptureFixture[str]) -> None:
    out, before = old
    code, _ = _finish(_run_child(out, "no-exchange,after-aside", "--force", *NEW_ENVELOPE))
    assert code == -signal.SIGKILL
    # The documented window of the fallback: the path is missing for that instant, the
    # previous folder is whole beside it, and read-back says where it is.
    assert not out.exists()
    (aside,) = [p for p in out.parent.iterdir() if p.name.startswith(".results.old-")]
    _whole(aside)
    assert main(["compare", str(out), "--out", str(out.parent / "cmp"), "-q", "--lang",
                 "en"]) == 2
    assert "interrupted run left the previous one in .results.old-" in capsys.readouterr().err
    # The next run into it puts the previous folder back before anything else.
    assert main(["run", str(TOY), "--out", str(out), "-q", "--lang", "en"]) == ExitCode.INPUT
    assert "already exists" in capsys.readouterr().err
    assert _snapshot(out) == before
    assert _leftovers(out.parent, out.name) == []


@linux_only
def test_linux_replaces_by_exchange_not_by_two_renames(
        old: tuple[Path, dict[str, bytes]]) -> None:
    out, _ = old
    # after-aside exists only on the fallback path: with the exchange, the run completes.
    code, err = _finish(_run_child(out, "after-aside", "--force", *NEW_ENVELOPE))
    assert code == ExitCode.OK, err
    _whole(out)
    assert _funding(out) == 50_000


def test_a_kill_before_a_first_write_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    code, _ = _finish(_run_child(out, "before-exchange"))
    assert code == -signal.SIGKILL and not out.exists()
    assert main(["run", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
    _whole(out)
    assert _leftovers(tmp_path, "fresh") == []


def test_only_dead_runs_temporaries_are_cleaned(tmp_path: Path) -> None:
    out = tmp_path / "results"
    dead = tmp_path / ".results.tmp-999999999-deadbeef"  # above any pid_max: no such process
    dead.mkdir()
    (dead / "allocation_town.csv").write_text("half written")
    dead_file = tmp_path / ".results.tmp-999999998-0badf00d"
    dead_file.write_text("half")
    alive = tmp_path / f".results.tmp-{os.getpid()}-cafecafe"  # this process: alive
    alive.mkdir()
    other = tmp_path / ".results2.tmp-999999999-deadbeef"  # another target's
    other.mkdir()
    mine = tmp_path / ".results.tmp-notes"  # not a temporary name: never touched
    mine.write_text("keep")
    assert main(["run", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
    assert not dead.exists() and not dead_file.exists()
    assert alive.exists() and other.exists() and mine.read_text() == "keep"


def test_a_second_run_while_the_first_holds_the_target_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = _run_child(out, "before-exchange:stop")
    _, status = os.waitpid(first.pid, os.WUNTRACED)
    try:
        assert os.WIFSTOPPED(status), "the first run did not stop before its exchange"
        # Stopped with its results complete but not yet in place: the target is locked.
        for force in ([], ["--force"]):
            code, err = _finish(_run_child(out, None, *force))
            assert code == ExitCode.INPUT, err
            lines = err.strip().splitlines()
            assert len(lines) == 1 and "another pvd-optim run (PID" in lines[0], lines
            assert str(first.pid) in lines[0]
    finally:
        os.kill(first.pid, signal.SIGCONT)
    code, err = _finish(first)
    assert code == ExitCode.OK, err
    _whole(out)
    assert _leftovers(tmp_path, "results") == []


def test_runs_racing_for_the_same_out_exactly_one_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "results"
    processes = [_run_child(out, None) for _ in range(3)]
    outcomes = [_finish(p) for p in processes]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [ExitCode.OK, ExitCode.INPUT, ExitCode.INPUT], outcomes
    for code, err in outcomes:
        if code == ExitCode.INPUT:
            lines = err.strip().splitlines()
            assert len(lines) == 1, lines
            assert "already exists" in lines[0] or "another pvd-optim run" in lines[0], lines
    _whole(out)


def test_the_lock_is_shared_within_one_process(tmp_path: Path) -> None:
    from pvd_optim.output import reserve

    out = tmp_path / "folder"
    with reserve(out, force=False):
        write_folder(out, {"a.txt": b"1"})  # the writer re-enters the lock it holds
        assert (tmp_path / ".folder.lock").exists()
    assert not (tmp_path / ".folder.lock").exists()
    assert (out / "a.txt").read_bytes() == b"1"


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_files_get_the_ordinary_permissions(umask: int, tmp_path: Path) -> None:
    previous = os.umask(umask)
    try:
        folder = write_folder(tmp_path / "f", {"a.csv": b"x"})
        single = write_file_atomic(tmp_path / "r.html", b"<html>")
    finally:
        os.umask(previous)
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask
    assert (folder / "a.csv").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (folder / "manifest.json").stat().st_mode & 0o777 == 0o666 & ~umask
    assert single.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_single_file_killed_before_its_rename_is_left_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "towns.csv"
    out.write_text("previous")
    env = {**os.environ, "PVD_OPTIM_FAULT": "before-exchange"}
    done = subprocess.run([sys.executable, "-m", "pvd_optim.cli", "towns", str(TOY), "--out",
                           str(out), "-q"], env=env, capture_output=True, timeout=300,
                          check=False)
    assert done.returncode == -signal.SIGKILL
    assert out.read_text() == "previous"
    assert main(["towns", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
    assert out.read_text().startswith("insee,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["towns.csv"]


@linux_only
def test_renameat2_exchanges_two_folders(tmp_path: Path) -> None:
    from pvd_optim.output.atomic import _RENAME_EXCHANGE, _renameat2

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from-a").touch()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "from-b").touch()
    if not _renameat2(tmp_path / "a", tmp_path / "b", _RENAME_EXCHANGE):
        pytest.skip("this file system has no RENAME_EXCHANGE")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["from-b"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from-a"]
