"""The operating system's reasons in the reader's language (the common errno values)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from pvd_optim import i18n
from pvd_optim.cli import main
from pvd_optim.errors import ExitCode
from pvd_optim.i18n.os_reasons import os_reason
from pvd_optim.output.target import os_error

FR = i18n.translator("fr")


@pytest.mark.parametrize(("code", "english", "french"), [
    (errno.ENOENT, "no such file or folder", "fichier ou dossier introuvable"),
    (errno.EACCES, "permission denied", "permission refusée"),
    (errno.EISDIR, "is a folder", "est un dossier"),
    (errno.ENOTDIR, "a part of the path is a file, not a folder",
     "une partie du chemin est un fichier, pas un dossier"),
    (errno.ENOSPC, "no space left on the file system",
     "plus de place sur le système de fichiers"),
    (errno.EROFS, "read-only file system", "système de fichiers en lecture seule"),
])
def test_a_common_reason_is_a_catalogue_message(code: int, english: str, french: str) -> None:
    reason = os_reason(OSError(code, "the C library's words"))
    assert reason == english
    assert i18n.message.render(reason, FR) == french


def test_another_reason_keeps_the_oss_text() -> None:
    reason = os_reason(OSError(errno.EIO, "Input/output error"))
    assert reason == "Input/output error" == i18n.message.render(reason, FR)
    assert os_reason(OSError("no errno")) == "OSError"


def test_a_write_that_fails_on_a_missing_folder_says_so_in_french() -> None:
    error = os_error(FileNotFoundError(errno.ENOENT, "No such file or directory"), "out/x",
                     "write the file")
    assert error.render(FR) == "out/x: impossible d'écrire le fichier : fichier ou dossier " \
        "introuvable"


def test_a_scenario_path_through_a_file_in_french(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("a file", encoding="utf-8")
    path = tmp_path / "notes.txt" / "s.yaml"
    assert main(["validate", str(path), "-q", "--lang", "fr"]) == ExitCode.INPUT
    assert capsys.readouterr().err.strip() == (
        f"erreur : {path}: impossible d'ouvrir le fichier de scénario : une partie du chemin "
        "est un fichier, pas un dossier")
