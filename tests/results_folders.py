"""Helpers for tests that write, damage and read back results folders."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TOY = SCENARIOS / "toy.yaml"
STATE = "allocation_state.npz"


def copy_folder(folder: Path, to: Path) -> Path:
    """A copy of ``folder`` at ``to`` (tests damage copies, never the shared fixture)."""
    shutil.copytree(folder, to)
    return to


def manifest_of(folder: Path) -> dict[str, Any]:
    """The folder's manifest as a dict."""
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def replace_listed(folder: Path, name: str, content: bytes) -> None:
    """Replace ``name`` and update its hash in the manifest, as a careful forger would."""
    (folder / name).write_bytes(content)
    manifest = manifest_of(folder)
    if "files_sha256" in manifest:  # folders before manifests listed files had no hashes
        manifest["files_sha256"][name] = hashlib.sha256(content).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def edit_manifest(folder: Path, **changes: Any) -> None:
    """Set top-level manifest keys."""
    manifest = manifest_of(folder)
    manifest.update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def state_members(folder: Path) -> dict[str, np.ndarray]:
    """The state file's arrays, by member name."""
    with np.load(folder / STATE, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def npz_bytes(members: dict[str, Any]) -> bytes:
    """Members written as a compressed ``.npz``."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **members)
    return buffer.getvalue()


def rewrite_state(folder: Path, **changes: Any) -> None:
    """Change state members (``arrays__funding_keur=...`` names ``arrays.funding_keur``)."""
    members = state_members(folder)
    for key, value in changes.items():
        members[key.replace("__", ".")] = np.asarray(value)
    replace_listed(folder, STATE, npz_bytes(members))
