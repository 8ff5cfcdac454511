"""The folder format every pvd-optim output folder shares: files and a manifest listing them.

Each folder (a run's results, an infeasible run's diagnosis, compare's tables)
has a ``manifest.json`` recording its kind (``folder_kind``), the folder format
version and the SHA-256 of every other file (``files_sha256``). That list is how
``--force`` recognises a folder pvd-optim wrote, and how a folder is verified
whole (:func:`verify_folder`): every listed file present, regular, unchanged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pvd_optim.errors import InputError
from pvd_optim.i18n import N_
from pvd_optim.i18n.message import Message
from pvd_optim.output.atomic import replace_folder
from pvd_optim.output.cells import csv_text
from pvd_optim.output.provenance import dumps, sha256_bytes
from pvd_optim.output.target import MANIFEST_FILE, MAX_JSON_BYTES
from pvd_optim.textfiles import read_regular_file

if TYPE_CHECKING:
    import pandas as pd

#: Version of the folder layout (manifest with a file list). Folders without one predate it.
FOLDER_FORMAT_VERSION = 1
#: Largest file of an output folder verified by :func:`verify_folder`.
MAX_FOLDER_FILE_BYTES = 1 << 30  # 1 GiB


def render_table(name: str, frame: pd.DataFrame) -> dict[str, bytes]:
    """A table as ``name.csv`` (formula-like text neutralised) and ``name.parquet`` bytes."""
    csv = csv_text(frame).encode()
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return {f"{name}.csv": csv, f"{name}.parquet": buffer.getvalue()}


def folder_manifest(files: Mapping[str, bytes], kind: str,
                    extra: Mapping[str, Any] | None = None) -> bytes:
    """``manifest.json`` for a folder of ``files``: ``extra`` plus kind, version and hashes."""
    return dumps({
        **(extra or {}),
        "folder_kind": kind,
        "folder_format_version": FOLDER_FORMAT_VERSION,
        "files_sha256": {name: sha256_bytes(content) for name, content in files.items()},
    }).encode()


def write_folder(
    out_dir: str | Path,
    files: Mapping[str, bytes | pd.DataFrame],
    *,
    force: bool = False,
    kind: str = "files",
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``files`` (name -> bytes, or a DataFrame written as CSV and Parquet) atomically.

    ``manifest.json`` is added: ``manifest`` plus the folder's kind and the
    hash of each file. Refuses (``OutputError``) an existing folder without
    ``force``, and even with it a folder pvd-optim did not write.
    """
    rendered: dict[str, bytes] = {}
    for name, content in files.items():
        if isinstance(content, bytes | bytearray):
            rendered[name] = bytes(content)
        else:
            rendered.update(render_table(name, content))
    if MANIFEST_FILE in rendered:
        raise ValueError(f"{MANIFEST_FILE} is written by write_folder; pass manifest= instead")
    rendered[MANIFEST_FILE] = folder_manifest(rendered, kind, manifest)
    return replace_folder(out_dir, rendered, force=force)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The folder's ``manifest.json`` (bounded read), or ``InputError`` if unreadable."""
    raw = read_regular_file(folder / MANIFEST_FILE, max_bytes=MAX_JSON_BYTES,
                            what=N_("results manifest"))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InputError(Message("{manifest} is not valid JSON ({kind}); the folder is damaged: "
                                 "re-run `pvd-optim run`", manifest=MANIFEST_FILE,
                                 kind=exc.__class__.__name__), file=folder) from None
    if not isinstance(data, dict):
        raise InputError(Message("{manifest} is not a JSON object; the folder is damaged: re-run "
                                 "`pvd-optim run`", manifest=MANIFEST_FILE), file=folder)
    return data


def listed_files(folder: Path, manifest: Mapping[str, Any]) -> dict[str, str]:
    """``name -> sha256`` of the files the manifest lists; ``InputError`` if it lists none."""
    files = manifest.get("files_sha256")
    if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise InputError(Message("{manifest} lists no files (written by an older pvd-optim, or "
                                 "not by pvd-optim); re-run `pvd-optim run` to rewrite the "
                                 "folder", manifest=MANIFEST_FILE), file=folder)
    bad = [name for name in files if Path(name).name != name or name in ("", ".", "..")]
    if bad:
        raise InputError(Message("{manifest} lists {name}, which is not a file name of the "
                                 "folder; it was not written by pvd-optim: give a folder written "
                                 "by `pvd-optim run`", manifest=MANIFEST_FILE, name=repr(bad[0])),
                         file=folder)
    return dict(files)


def read_listed(folder: Path, name: str, expected_sha256: str, *, max_bytes: int) -> bytes:
    """The bytes of the listed file ``name``, refused unless they hash as the manifest says."""
    if not (folder / name).exists():
        raise InputError(Message("is incomplete: {name} is missing although {manifest} lists "
                                 "it; re-run `pvd-optim run` to write the folder again",
                                 name=name, manifest=MANIFEST_FILE), file=folder)
    raw = read_regular_file(folder / name, max_bytes=max_bytes, what=N_("results file"))
    if sha256_bytes(raw) != expected_sha256:
        raise InputError(Message("{name} differs from the file pvd-optim wrote (its SHA-256 is "
                                 "not the one {manifest} records): it was edited or damaged; "
                                 "re-run `pvd-optim run` to write the folder again", name=name,
                                 manifest=MANIFEST_FILE), file=folder)
    return raw


def verify_folder(folder: str | Path) -> dict[str, Any]:
    """Check that every file the manifest lists is present and unchanged; return the manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for name, digest in listed_files(folder, manifest).items():
        read_listed(folder, name, digest, max_bytes=MAX_FOLDER_FILE_BYTES)
    return manifest
