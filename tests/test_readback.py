"""A results folder reads back whole, and is refused when it does not verify."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pvd_optim import load_scenario
from pvd_optim.cli import main
from pvd_optim.errors import ExitCode, InputError
from pvd_optim.output import read_allocation, read_results, verify_folder, write_allocation
from pvd_optim.output.state import MAX_STATE_UNPACKED_BYTES, STATE_FORMAT_VERSION
from pvd_optim.pipeline import optimise
from tests.results_folders import (
    STATE,
    TOY,
    copy_folder,
    edit_manifest,
    manifest_of,
    npz_bytes,
    replace_listed,
    rewrite_state,
    state_members,
)

TABLES = ("by_town_theme", "by_town", "by_group", "by_region", "by_directorate", "by_theme")


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """The toy optimum and the folder it was written to (copy it before damaging it)."""
    scenario = load_scenario(TOY)
    allocation = optimise(scenario)
    out = write_allocation(allocation, scenario, tmp_path_factory.mktemp("toy") / "toy")
    return allocation, out


@pytest.fixture
def folder(toy_run: tuple[object, Path], tmp_path: Path) -> Path:
    """A fresh copy of the toy results folder."""
    return copy_folder(toy_run[1], tmp_path / "toy")


def _compare_line(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["compare", str(folder), "--out", str(tmp_path / "cmp"), "--quiet",
                 "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == ExitCode.INPUT, err
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert not (tmp_path / "cmp").exists()
    return err[0]


# ---- whole ----------------------------------------------------------------------------------
def test_every_table_town_info_included_reads_back(toy_run: tuple[object, Path]) -> None:
    allocation, out = toy_run
    again = read_allocation(out)
    assert again.objective == allocation.objective  # type: ignore[attr-defined]
    assert again.objective_parts == allocation.objective_parts  # type: ignore[attr-defined]
    assert again.town_info is not None
    pd.testing.assert_frame_equal(again.town_info, allocation.town_info)  # type: ignore[attr-defined]
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(allocation, name))
    assert again.summary() == allocation.summary()  # type: ignore[attr-defined]


def test_national_reads_back_whole_with_departments(tmp_path: Path) -> None:
    scenario = load_scenario(TOY.parent / "national.yaml")
    allocation = optimise(scenario)
    again = read_results(write_allocation(allocation, scenario, tmp_path / "national"))
    pd.testing.assert_frame_equal(again.allocation.town_info, allocation.town_info)
    assert again.scenario.name == "national"
    assert again.allocation.town_info["department"].str.len().min() >= 2
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again.allocation, name), getattr(allocation, name))


def test_objective_parts_are_computed_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pvd_optim.check as check

    calls = []
    original = check.objective_parts

    def counted(*args: object, **kwargs: object) -> dict[str, float]:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(check, "objective_parts", counted)
    read_allocation(folder)
    assert len(calls) == 1


def test_the_state_file_has_a_format_version(folder: Path) -> None:
    meta = json.loads(str(state_members(folder)["meta"]))
    assert meta["format"] == "pvd-optim allocation state"
    assert meta["format_version"] == STATE_FORMAT_VERSION
    manifest = manifest_of(folder)
    assert manifest["folder_kind"] == "results" and manifest["folder_format_version"] == 1
    assert set(manifest["files_sha256"]) == {p.name for p in folder.iterdir()} - {
        "manifest.json"}
    verify_folder(folder)


# ---- other formats and kinds ----------------------------------------------------------------
def _meta(folder: Path) -> dict[str, object]:
    return json.loads(str(state_members(folder)["meta"]))


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        ("unversioned-state", "written by an older pvd-optim (unversioned state"),
        ("newer-state", f"state format 99, this pvd-optim reads format {STATE_FORMAT_VERSION}; "
                        "upgrade pvd-optim"),
        ("foreign-meta", "is not a pvd-optim state file"),
        ("binding-template", "its binding limit '{oops} of Cerema' is not a wording of"),
        ("no-meta", "has no meta record"),
        ("old-manifest", "written by an older pvd-optim (its manifest.json has no folder"),
        ("newer-folder", "has folder format 7"),
        ("comparison", "is not a run's results folder"),
        ("no-manifest", "has allocation_state.npz but no manifest.json"),
        ("manifest-not-json", "manifest.json is not valid JSON"),
        ("manifest-list", "manifest.json is not a JSON object"),
        ("listed-path", "which is not a file name of the folder"),
    ],
)
def test_old_or_foreign_folders_get_one_line_that_says_what_to_do(
        folder: Path, damage: str, needle: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    members = state_members(folder)
    meta = _meta(folder)
    if damage == "unversioned-state":
        for key in ("format", "format_version"):
            meta.pop(key)
        rewrite_state(folder, meta=json.dumps(meta))
    elif damage == "newer-state":
        rewrite_state(folder, meta=json.dumps({**meta, "format_version": 99}))
    elif damage == "foreign-meta":
        rewrite_state(folder, meta=json.dumps({"hello": 1}))
    elif damage == "binding-template":  # words a reader would format: a known message only
        rewrite_state(folder, meta=json.dumps(
            {**meta, "binding": [["capacity", "{oops} of Cerema", [], None, False]]}))
    elif damage == "no-meta":
        members.pop("meta")
        replace_listed(folder, STATE, npz_bytes(members))
    elif damage == "old-manifest":
        manifest = manifest_of(folder)
        for key in ("folder_kind", "folder_format_version", "files_sha256"):
            manifest.pop(key)
        (folder / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "newer-folder":
        edit_manifest(folder, folder_format_version=7)
    elif damage == "comparison":
        edit_manifest(folder, folder_kind="comparison")
    elif damage == "no-manifest":
        (folder / "manifest.json").unlink()
    elif damage == "manifest-not-json":
        (folder / "manifest.json").write_text("{not json")
    elif damage == "manifest-list":
        (folder / "manifest.json").write_text("[]")
    elif damage == "listed-path":
        manifest = manifest_of(folder)
        manifest["files_sha256"]["../outside.txt"] = "0" * 64
        (folder / "manifest.json").write_text(json.dumps(manifest))
    line = _compare_line(folder, tmp_path, capsys)
    assert needle in line, line
    assert "re-run `pvd-optim run`" in line or "give a folder written by" in line, line


def test_an_infeasible_runs_folder_is_named_so(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "infeasible"
    assert main(["run", str(TOY), "--out", str(out), "-q",
                 "--set", "resources.engineering.cover_min_share=1",
                 "--set", "resources.engineering.budget_eur=0"]) == ExitCode.INFEASIBLE
    capsys.readouterr()
    line = _compare_line(out, tmp_path, capsys)
    assert "is the folder of an infeasible run" in line and "no allocation" in line, line
    assert "not a pvd-optim results folder" not in line
    # The same for a diagnosis folder written before folders had a manifest.
    (out / "manifest.json").unlink()
    assert "is the folder of an infeasible run" in _compare_line(out, tmp_path, capsys)


# ---- damaged state files --------------------------------------------------------------------
def _zip_bomb() -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        header = np.lib.format  # a valid .npy header for a huge array, then zeros
        raw = io.BytesIO()
        header.write_array_header_1_0(raw, {"descr": "<f8", "fortran_order": False,
                                            "shape": (MAX_STATE_UNPACKED_BYTES // 8 + 1,)})
        archive.writestr("arrays.funding_keur.npy", raw.getvalue() + bytes(
            MAX_STATE_UNPACKED_BYTES + 8))
    return buffer.getvalue()


def _huge_header(members: dict[str, np.ndarray]) -> bytes:
    import io

    raw = io.BytesIO()
    np.lib.format.write_array_header_1_0(raw, {"descr": "<f8", "fortran_order": False,
                                               "shape": (1 << 40,)})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in members.items():
            item = io.BytesIO()
            np.lib.format.write_array(item, array)
            data = raw.getvalue() + b"\0" * 64 if name == "arrays.days" else item.getvalue()
            archive.writestr(f"{name}.npy", data)
    return buffer.getvalue()


def _pickled(members: dict[str, np.ndarray]) -> bytes:
    changed = dict(members)
    changed["arrays.posts"] = np.array([{"evil": 1}, 2], dtype=object)
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **changed, allow_pickle=True)  # type: ignore[arg-type]
    return buffer.getvalue()


def _bad_crc(original: bytes) -> bytes:
    import io

    source = zipfile.ZipFile(io.BytesIO(original))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
    raw = bytearray(buffer.getvalue())
    marker = raw.find(b"\x93NUMPY", 100)  # the data of some member after the first
    raw[marker + 200] ^= 0xFF
    return bytes(raw)


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        ("truncated", "is not a pvd-optim state file (not a readable .npz"),
        ("empty", "is not a pvd-optim state file"),
        ("text", "is not a pvd-optim state file"),
        ("bad-crc", "is damaged"),
        ("missing-array", "is incomplete (no days)"),
        ("wrong-shape", "funding_keur is (3,)"),
        ("nan", "holds NaN or infinite values"),
        ("zip-bomb", "would decompress to"),
        ("huge-header", "declares (1099511627776,)"),
        ("pickle", "holds Python objects, which are never loaded"),
        ("meta-not-json", "its meta record is not valid JSON"),
        ("meta-types", "its meta record has no valid 'label'"),
        ("meta-families", "names unknown constraint families"),
        ("unexpected-member", "unexpected member"),
    ],
)
def test_every_damaged_state_file_is_one_line_exit_2(
        folder: Path, damage: str, needle: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    original = (folder / STATE).read_bytes()
    members = state_members(folder)
    meta = _meta(folder)
    content = {
        "truncated": lambda: original[: len(original) // 2],
        "empty": lambda: b"",
        "text": lambda: b"funding,days\n1,2\n",
        "bad-crc": lambda: _bad_crc(original),
        "missing-array": lambda: npz_bytes({k: v for k, v in members.items()
                                            if k != "arrays.days"}),
        "wrong-shape": lambda: npz_bytes({**members, "arrays.funding_keur": np.zeros(3)}),
        "nan": lambda: npz_bytes({**members, "arrays.covered": np.full(3, np.nan)}),
        "zip-bomb": _zip_bomb,
        "huge-header": lambda: _huge_header(members),
        "pickle": lambda: _pickled(members),
        "meta-not-json": lambda: npz_bytes({**members, "meta": np.asarray("{oops")}),
        "meta-types": lambda: npz_bytes({**members, "meta": np.asarray(json.dumps(
            {**meta, "label": 3}))}),
        "meta-families": lambda: npz_bytes({**members, "meta": np.asarray(json.dumps(
            {**meta, "checked": ["bounds", "nonsense"]}))}),
        "unexpected-member": lambda: _with_member(original, "notes.txt", b"hello"),
    }[damage]()
    replace_listed(folder, STATE, content)
    line = _compare_line(folder, tmp_path, capsys)
    assert needle in line and "re-run `pvd-optim run`" in line, line


def _with_member(original: bytes, name: str, data: bytes) -> bytes:
    import io

    buffer = io.BytesIO(original)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("damage", ["edited", "missing", "directory", "device"])
def test_a_state_file_that_is_not_the_one_written_is_refused(
        folder: Path, damage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = folder / STATE
    if damage == "edited":
        state.write_bytes(state.read_bytes() + b"\0")
        needle = "allocation_state.npz differs from the file pvd-optim wrote"
    elif damage == "missing":
        state.unlink()
        needle = "is incomplete: allocation_state.npz is missing"
    elif damage == "directory":
        state.unlink()
        state.mkdir()
        needle = "is a directory"
    else:
        state.unlink()
        state.symlink_to("/dev/zero")
        needle = "is a device"
    assert needle in _compare_line(folder, tmp_path, capsys)


# ---- re-verification ------------------------------------------------------------------------
def test_an_allocation_spending_100x_the_envelope_is_refused(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    funding = state_members(folder)["arrays.funding_keur"]
    rewrite_state(folder, arrays__funding_keur=funding * 100)
    line = _compare_line(folder, tmp_path, capsys)
    assert "fails re-verification" in line and "envelope [national]" in line, line
    assert "constraint(s) violated" in line and "(and " in line


def test_editing_the_allocation_and_the_stored_inputs_together_is_caught(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    members = state_members(folder)
    rewrite_state(folder, arrays__funding_keur=members["arrays.funding_keur"] * 100,
                  inputs__envelope_keur=members["inputs.envelope_keur"] * 100,
                  inputs__cap_keur=members["inputs.cap_keur"] * 100,
                  inputs__saturation_keur=members["inputs.saturation_keur"] * 100)
    line = _compare_line(folder, tmp_path, capsys)
    assert "model inputs stored in allocation_state.npz (envelope_keur) differ" in line, line


def test_a_subtler_edit_within_the_limits_is_caught_by_the_stored_inputs(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need = state_members(folder)["inputs.need"]
    rewrite_state(folder, inputs__need=need[::-1])
    assert "(need) differ" in _compare_line(folder, tmp_path, capsys)


def test_an_edited_scenario_is_caught(folder: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    scenario = json.loads((folder / "scenario.json").read_text())
    scenario["resources"]["funding"]["envelope_eur"] *= 100
    replace_listed(folder, "scenario.json", json.dumps(scenario).encode())
    assert "is not the scenario the run recorded" in _compare_line(folder, tmp_path, capsys)


def test_a_scenario_that_no_longer_validates_is_one_line(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = json.loads((folder / "scenario.json").read_text())
    scenario["resources"]["funding"]["envelope_eur"] = -5
    replace_listed(folder, "scenario.json", json.dumps(scenario).encode())
    line = _compare_line(folder, tmp_path, capsys)
    assert "scenario.json is not a valid scenario" in line and "envelope_eur" in line, line


def test_other_embedded_data_is_a_clear_error(folder: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    hashes = manifest_of(folder)["embedded_data_sha256"]
    edit_manifest(folder, embedded_data_sha256={**hashes, "communes.parquet": "0" * 64})
    line = _compare_line(folder, tmp_path, capsys)
    assert "computed on other embedded data" in line and "communes.parquet" in line, line


@pytest.fixture
def own_toy(tmp_path: Path) -> Path:
    """The toy scenario and its scores CSV copied into a folder the test may change."""
    planner = tmp_path / "planner"
    planner.mkdir()
    shutil.copy(TOY, planner / "toy.yaml")
    shutil.copy(TOY.parent / "toy-scores.csv", planner / "toy-scores.csv")
    out = tmp_path / "own"
    assert main(["run", str(planner / "toy.yaml"), "--out", str(out), "-q"]) == ExitCode.OK
    return out


def test_a_planner_csv_that_is_gone_is_named(own_toy: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "planner" / "toy-scores.csv").unlink()
    line = _compare_line(own_toy, tmp_path, capsys)
    assert "the planner CSV" in line and "toy-scores.csv" in line and "is gone" in line, line


def test_a_planner_csv_that_changed_is_named(own_toy: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    scores = tmp_path / "planner" / "toy-scores.csv"
    scores.write_text(scores.read_text().replace("0.8", "0.9"))
    line = _compare_line(own_toy, tmp_path, capsys)
    assert "toy-scores.csv changed since the run" in line, line


def test_a_verified_folder_still_compares(own_toy: Path, tmp_path: Path) -> None:
    assert main(["compare", str(own_toy), "--out", str(tmp_path / "cmp"), "-q"]) == ExitCode.OK


def test_read_allocation_raises_input_error_from_python(folder: Path) -> None:
    rewrite_state(folder, arrays__covered=np.full(3, 2.0))
    with pytest.raises(InputError, match="fails re-verification"):
        read_allocation(folder)
