"""Output targets are user errors found before solving: one line, exit 2, nothing written."""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pvd_optim.cli import main
from pvd_optim.errors import ExitCode, OutputError
from pvd_optim.output import check_target, write_folder
from tests.results_folders import TOY, manifest_of

NOT_NEW = "names the current folder, a parent or the root"


@pytest.fixture
def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything is solved: these refusals must come first."""
    import pvd_optim.pipeline as pipeline
    import pvd_optim.strategies as strategies

    def solved(*args: object, **kwargs: object) -> None:
        raise AssertionError("solved before checking the output target")

    monkeypatch.setattr(pipeline, "run", solved)
    monkeypatch.setattr(pipeline, "optimise", solved)
    monkeypatch.setattr(strategies, "run_strategies", solved)


def _one_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main([*argv, "--lang", "en"])  # the framing asserted is the English one
    err = capsys.readouterr().err.strip().splitlines()
    assert code == ExitCode.INPUT, err
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding a file ``afile``, a folder ``adir`` and a FIFO ``apipe``.

    (A FIFO rather than ``/dev/null``: a writer that replaces what it is given would
    replace the system's ``/dev/null`` when the tests run as root.)
    """
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "adir").mkdir()
    os.mkfifo(tmp_path / "apipe")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", str(TOY), "--out", "afile/x"], "which is a file, not a folder"),
        (["run", str(TOY), "--out", "afile/x/y/z"], "which is a file, not a folder"),
        (["run", str(TOY), "--out", "afile"], "exists and is not a folder"),
        (["run", str(TOY), "--out", ".", "--force"], NOT_NEW),
        (["run", str(TOY), "--out", "", "--force"], NOT_NEW),
        (["run", str(TOY), "--out", "..", "--force"], NOT_NEW),
        (["run", str(TOY), "--out", "adir/..", "--force"], NOT_NEW),
        (["run", str(TOY), "--out", "/", "--force"], NOT_NEW),
        (["run", str(TOY), "--out", "{parent}", "--force"], "is the current folder or one of"),
        (["run", str(TOY), "--out", "x" * 256], "more than the 255 the file system allows"),
        (["run", str(TOY), "--out", "adir/" + "é" * 128], "the name is 256 bytes long"),
        (["towns", str(TOY), "--out", "adir"], "is a folder, expected a file name"),
        (["towns", str(TOY), "--out", "afile/t.csv"], "which is a file, not a folder"),
        (["towns", str(TOY), "--out", "apipe"], "is not a regular file"),
        (["compare", str(TOY), "--out", "cmp", "--report", "afile/r.html"],
         "which is a file, not a folder"),
        (["compare", str(TOY), "--out", "afile/cmp"], "which is a file, not a folder"),
        (["compare", str(TOY), "--out", "cmp", "--report", "cmp/sub/r.html"],
         "inside a subfolder of the tables folder"),
        (["compare", str(TOY), "--out", "adir", "--report", "adir2"], "already exists"),
    ],
    ids=["inside-file", "deep-inside-file", "is-a-file", "dot", "empty", "dotdot",
         "dir-dotdot", "root", "cwd-parent", "long-name", "long-utf8-name", "towns-dir",
         "towns-inside-file", "towns-fifo", "report-inside-file", "compare-inside-file",
         "report-in-subfolder", "compare-exists"],
)
def test_bad_targets_are_refused_before_solving(argv: list[str], needle: str, workdir: Path,
                                                no_solve: None,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.replace("{parent}", str(workdir.parent)) for a in argv]
    before = sorted(p.name for p in workdir.iterdir())
    line = _one_error(capsys, [*argv, "--quiet"])
    assert needle in line, line
    assert sorted(p.name for p in workdir.iterdir()) == before
    assert (workdir / "afile").read_text() == "not a folder"


def test_a_full_file_system_is_refused_before_solving(
        workdir: Path, no_solve: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import pvd_optim.output.target as target

    real = os.statvfs(workdir)

    class Full:
        f_flag, f_frsize, f_bavail = real.f_flag, 4096, 3  # 12 kB free

    monkeypatch.setattr(target.os, "statvfs", lambda path: Full())
    line = _one_error(capsys, ["run", str(TOY), "--out", "out", "-q"])
    assert "but the file system has 12,288 bytes free" in line, line
    line = _one_error(capsys, ["compare", str(TOY), "--out", "cmp", "-q"])
    assert "free some space" in line, line


def test_a_read_only_file_system_is_refused_before_solving(
        workdir: Path, no_solve: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import pvd_optim.output.target as target

    real = os.statvfs(workdir)

    class ReadOnly:
        f_flag, f_frsize, f_bavail = os.ST_RDONLY, real.f_frsize, real.f_bavail

    monkeypatch.setattr(target.os, "statvfs", lambda path: ReadOnly())
    assert "is on a read-only file system" in _one_error(
        capsys, ["run", str(TOY), "--out", "out", "-q"])


def test_a_parent_without_write_permission_is_refused_before_solving(
        workdir: Path, no_solve: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import pvd_optim.output.target as target

    monkeypatch.setattr(target.os, "access", lambda path, mode: False)
    assert "permission denied" in _one_error(capsys, ["run", str(TOY), "--out", "adir/out",
                                                      "-q"])


def _in_child(argv: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pvd_optim.cli", *argv, "--lang", "en"], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False,
                          **kwargs)  # type: ignore[call-overload]


def _assert_one_line_exit_2(done: subprocess.CompletedProcess[str], needle: str) -> None:
    assert done.returncode == ExitCode.INPUT, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines


def test_a_file_size_limit_is_refused_before_solving(tmp_path: Path) -> None:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = _in_child(["run", str(TOY), "--out", "out", "-q"], tmp_path, preexec_fn=limit)
    _assert_one_line_exit_2(done, "the file-size limit (`ulimit -f`) is 4,096 bytes")
    assert not (tmp_path / "out").exists()


WRITE_BIG = """
import sys
from pvd_optim.errors import OutputError
from pvd_optim.output import write_folder
try:
    write_folder(sys.argv[1], {"big.bin": bytes(200_000)})
except OutputError as exc:
    print(exc)
    sys.exit(2)
"""


def test_a_write_past_the_file_size_limit_is_an_output_error(tmp_path: Path) -> None:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    done = subprocess.run([sys.executable, "-c", WRITE_BIG, str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit,
                          check=False)
    assert done.returncode == 2, done.stderr
    assert "cannot write the folder: file too large" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temporary, no lock left


@pytest.mark.parametrize(("code", "reason"), [
    (errno.ENOSPC, "no space left on the file system"),
    (errno.EDQUOT, "disk quota exceeded"),
    (errno.EFBIG, "file too large"),
    (errno.EROFS, "read-only file system"),
    (errno.EACCES, "permission denied"),
    (errno.EIO, "Input/output error"),
])
def test_write_failures_are_output_errors_with_path_and_reason(
        code: int, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pvd_optim.output.atomic as atomic

    out = tmp_path / "out"
    write_folder(out, {"a.txt": b"old"})
    real_write = os.write
    calls = []

    def failing(fd: int, data: bytes) -> int:
        calls.append(1)
        if len(calls) > 1:
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(atomic.os, "write", failing)
    with pytest.raises(OutputError) as raised:
        write_folder(out, {"a.txt": b"new", "b.txt": b"new"}, force=True)
    assert str(raised.value).startswith(f"{out}: cannot write the folder: {reason}")
    assert raised.value.exit_code == ExitCode.INPUT
    assert (out / "a.txt").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _unshare_available() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(not _unshare_available(),
                                  reason="needs root and mount namespaces (unshare -m)")


def _in_mount(tmp_path: Path, options: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    command = " ".join([sys.executable, "-m", "pvd_optim.cli", *argv, "--lang", "en"])
    return subprocess.run(["unshare", "-m", "sh", "-c",
                           f"mount -t tmpfs -o {options} tmpfs {mnt} && {command}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False)


@needs_mounts
def test_a_real_full_file_system_is_refused_before_solving(tmp_path: Path) -> None:
    done = _in_mount(tmp_path, "size=40k", ["run", str(TOY), "--out", "mnt/out", "-q"])
    _assert_one_line_exit_2(done, "but the file system has 40,960 bytes free")


@needs_mounts
def test_a_real_read_only_file_system_is_refused_before_solving(tmp_path: Path) -> None:
    done = _in_mount(tmp_path, "ro,size=1m", ["run", str(TOY), "--out", "mnt/out", "-q"])
    _assert_one_line_exit_2(done, "is on a read-only file system")


@pytest.mark.skipif(os.geteuid() != 0, reason="runs a child as another user (needs root)")
def test_a_real_parent_without_permission_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    locked = shared / "locked"
    locked.mkdir(mode=0o555)
    tmp_path.chmod(0o755)
    shared.chmod(0o777)
    try:
        done = _in_child(["run", str(TOY), "--out", str(locked / "out"), "-q"], shared,
                         user=65534, group=65534, env={**os.environ, "HOME": str(shared)})
    except PermissionError:
        pytest.skip("the Python interpreter is not executable by another user")
    if "No module named" in done.stderr or "Permission denied: '" in done.stderr:
        pytest.skip("the test environment is not readable by another user")
    _assert_one_line_exit_2(done, "permission denied")


def test_a_long_scenario_name_gives_a_folder_name_within_limits(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    monkeypatch.chdir(tmp_path)
    name = "Petites villes de demain " * 12  # 300 characters
    assert main(["run", str(TOY), "-q", "--set", f"name={name}"]) == ExitCode.OK
    (folder,) = (tmp_path / "results").iterdir()
    assert len(os.fsencode(folder.name)) <= 100 and (folder / "summary.json").is_file()
    # Another long name with the same beginning gets another folder.
    assert main(["run", str(TOY), "-q", "--set", f"name={name}2"]) == ExitCode.OK
    assert len(list((tmp_path / "results").iterdir())) == 2


def test_an_explicit_name_near_the_limit_still_writes(tmp_path: Path) -> None:
    out = tmp_path / ("r" * 250)  # its temporary names would pass 255 bytes
    assert main(["run", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
    assert main(["run", str(TOY), "--out", str(out), "-q", "--force"]) == ExitCode.OK
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


# ---- --force replaces only pvd-optim's own folders ------------------------------------------
@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ({"thesis.docx": b"years of work"}, "it has no manifest.json listing its files"),
        ({"summary.json": b"{}", "notes.txt": b"mine"}, "it has no manifest.json"),
        ({"allocation_state.npz": b"", "notes.txt": b"mine"}, "did not write (notes.txt)"),
        ({"sub/": b""}, "which pvd-optim never writes"),
    ],
    ids=["unrelated", "look-alike", "legacy-with-extra", "subfolder"],
)
def test_force_refuses_a_folder_pvd_optim_did_not_write(
        content: dict[str, bytes], needle: str, tmp_path: Path, no_solve: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    for name, data in content.items():
        if name.endswith("/"):
            (out / name).mkdir()
        else:
            (out / name).write_bytes(data)
    line = _one_error(capsys, ["run", str(TOY), "--out", str(out), "--force", "-q"])
    assert "is not a folder pvd-optim wrote" in line and needle in line, line
    assert sorted(p.name for p in out.iterdir()) == sorted(n.rstrip("/") for n in content)


def test_force_refuses_a_results_folder_with_a_file_added(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    out = tmp_path / "toy"
    assert main(["run", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
    (out / "my-notes.md").write_text("keep me")
    line = _one_error(capsys, ["run", str(TOY), "--out", str(out), "--force", "-q"])
    assert "did not write (my-notes.md)" in line
    assert (out / "my-notes.md").read_text() == "keep me"


@pytest.mark.parametrize("kind", ["results", "diagnosis", "comparison", "legacy", "empty"])
def test_force_replaces_folders_pvd_optim_wrote(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    if kind == "results":
        assert main(["run", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
    elif kind == "diagnosis":
        assert main(["run", str(TOY), "--out", str(out), "-q", "--set",
                     "resources.engineering.budget_eur=0", "--set",
                     "resources.engineering.cover_min_share=1"]) == ExitCode.INFEASIBLE
        assert manifest_of(out)["folder_kind"] == "diagnosis"
    elif kind == "comparison":
        assert main(["compare", str(TOY), "--out", str(out), "-q"]) == ExitCode.OK
        assert manifest_of(out)["folder_kind"] == "comparison"
    elif kind == "legacy":  # as written before manifests listed files
        out.mkdir()
        for name in ("allocation_state.npz", "summary.json", "allocation_town.csv",
                     "allocation_town.parquet", "manifest.json"):
            (out / name).write_text("{}")
    else:
        out.mkdir()
    assert main(["run", str(TOY), "--out", str(out), "-q", "--force"]) == ExitCode.OK
    assert json.loads((out / "summary.json").read_text())["status"] == "optimal"


def test_a_symbolic_link_target_is_refused(tmp_path: Path, no_solve: None,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    line = _one_error(capsys, ["run", str(TOY), "--out", str(tmp_path / "link"), "--force",
                               "-q"])
    assert "is a symbolic link" in line


def test_check_target_returns_the_resolved_target(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = check_target("results/../results/x", force=False)
    assert target.path == tmp_path / "results" / "x" and target.given == "results/../results/x"
    assert not (tmp_path / "results").exists()  # checking creates nothing


def test_the_subprocess_error_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    done = _in_child(["run", str(TOY), "--out", "afile/out"], tmp_path)
    _assert_one_line_exit_2(done, "which is a file, not a folder")
