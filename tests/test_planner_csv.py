"""The one planner-CSV reader: score files, file kinds, wide files, and its two paths agreeing.

Score files (``themes.scores_csv``) are read by the same reader as planner
indicators, so they get the same errors: a ``;`` file works, a decimal comma with
``,`` is named, a duplicated column or a header-only file is refused. Each case of
``tests/bad_inputs/scores_csv/`` is wrapped in a small generated scenario and run
through the command line, like the planner-indicator corpus of ``test_bad_inputs.py``.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvd_optim import load_scenario
from pvd_optim.assemble import prepare
from pvd_optim.cli import main
from pvd_optim.data import planner_csv
from pvd_optim.data.planner_csv import read_planner_csv
from pvd_optim.data.towns import apply_planner_indicators, load_communes
from pvd_optim.errors import DataError

HERE = Path(__file__).resolve().parent
SCORES = HERE / "bad_inputs" / "scores_csv"
SCENARIO_CORPUS = HERE / "bad_inputs" / "scenarios"

#: (file, line, fragments): every score file of the corpus not used by a scenario case.
SCORE_CASES = [
    ("empty.csv", None, ("file is empty", "'insee' column and score columns")),
    ("header-only.csv", 1, ("no data rows after the header",)),
    ("duplicate-column.csv", 1, ("need_habitat: column appears twice in the header",)),
    ("decimal-comma.csv", 2, ("7 cells where the header has 4 (separator ',')",
                              "a decimal comma (12,5) needs ';' as separator, or write 12.5")),
    ("semicolon-out-of-range.csv", 3, ("need_habitat: need_habitat must be a number in [0, 1], "
                                       "got 1.5 (code 10420)",)),
    ("inf.csv", 2, ("fragility: infinite value 'inf' (code 10268) is not accepted",
                    "write a number")),
    ("empty-cell.csv", 3, ("need_heritage: empty cell (code 10420); write a number",)),
    ("unexpected-column.csv", 1, ("need_culture: unexpected column(s) ['need_culture']",
                                  "(themes in force: habitat, heritage)")),
    ("comment-column.csv", 1, ("commentaire: unexpected column(s) ['commentaire']",)),
    ("code-leading-zero-dropped.csv", 3, ("insee: malformed INSEE code '1268'",
                                          "dropped a leading zero")),
    ("value-text.csv", 2, ("need_habitat: value 'haut' (code 10268) is not a number",)),
]


def _wrap_scores(tmp_path: Path, csv: Path) -> Path:
    """A small valid scenario (the toy's themes) that reads ``csv`` as its score file."""
    scenario = tmp_path / f"scores-{csv.stem}.yaml"
    scenario.write_text(
        "name: wrapper\neligibility:\n  mode: listed\n  include: ['10268', '10420', '10003']\n"
        "themes:\n  definitions:\n    habitat: {housing_vacancy_pct: 1.0}\n"
        "    heritage: {monuments: 1.0}\n    services: null\n    revitalisation: null\n"
        "    mobility: null\n    digital: null\n"
        f"  scores_csv: '{csv.as_posix()}'\n",
        encoding="utf-8",
    )
    return scenario


def _wrap_planner(tmp_path: Path, csv: Path) -> Path:
    scenario = tmp_path / f"planner-{csv.name}.yaml"
    scenario.write_text(
        "name: wrapper\neligibility:\n  mode: listed\n  include: ['10268', '10420']\n"
        f"data:\n  planner_indicators: ['{csv.as_posix()}']\n",
        encoding="utf-8",
    )
    return scenario


def _error_line(capsys: pytest.CaptureFixture[str], scenario: Path) -> str:
    capsys.readouterr()
    code = main(["validate", "-q", str(scenario), "--lang", "en"])
    captured = capsys.readouterr()
    assert code == 2, (code, captured.err)
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(("file", "line", "fragments"), SCORE_CASES,
                         ids=[c[0] for c in SCORE_CASES])
def test_bad_score_file(file: str, line: int | None, fragments: tuple[str, ...],
                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = _error_line(capsys, _wrap_scores(tmp_path, SCORES / file))
    where = f"{file}:{line}:" if line is not None else file
    assert where in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_every_score_file_has_a_case() -> None:
    used_by_scenarios = {
        line.split("scores_csv/")[1].strip()
        for path in SCENARIO_CORPUS.glob("data-scores-csv-*.yaml")
        for line in path.read_text("utf-8").splitlines() if "scores_csv/" in line
    }
    files = {p.name for p in SCORES.glob("*.csv")}
    assert files == used_by_scenarios | {c[0] for c in SCORE_CASES}
    assert not used_by_scenarios & {c[0] for c in SCORE_CASES}


def test_semicolon_score_file_with_decimal_commas(tmp_path: Path) -> None:
    """A ';' file from a French spreadsheet: read, and its decimal commas taken as points."""
    csv = tmp_path / "scores.csv"
    csv.write_text("insee;fragility;need_heritage;need_habitat\n10268;0,5;0,25;1\n"
                   "10420;0;0,75;0,125\n", encoding="utf-8")
    prepared = prepare(load_scenario(_wrap_scores(tmp_path, csv)))
    rows = prepared.table.index.get_indexer(["10268", "10420"])
    np.testing.assert_array_equal(prepared.scores.fragility[rows], [0.5, 0.0])
    np.testing.assert_array_equal(prepared.scores.need[rows], [[1.0, 0.25], [0.125, 0.75]])


# --------------------------------------------------------------------------- file kinds


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "folder.csv"
    path.mkdir()
    return path


def _loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _device(tmp_path: Path) -> Path:
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    return link


KINDS = [
    (_fifo, "is a named pipe (FIFO), not a"),
    (_directory, "is a directory, not a"),
    (_loop, "a loop of symbolic links"),
    (_device, "is a device, not a"),
]


@pytest.mark.parametrize("setting", ["planner", "scores"])
@pytest.mark.parametrize(("make", "fragment"), KINDS, ids=[k[0].__name__ for k in KINDS])
def test_not_a_regular_file(make, fragment: str, setting: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = make(tmp_path)
    wrap = _wrap_planner if setting == "planner" else _wrap_scores
    message = _error_line(capsys, wrap(tmp_path, path))
    assert str(path) in message and fragment in message, message
    what = "planner indicator file" if setting == "planner" else "score file"
    assert what in message, message


def test_dev_zero_named_directly(table: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"^/dev/zero: is a device, not a planner indicator file"):
        apply_planner_indicators(table, "/dev/zero")


def test_unreadable_file(tmp_path: Path) -> None:
    """A file its reader may not open: 'permission denied', naming it (root reads anything,
    so as root the child process drops to the unprivileged user 'nobody' before reading)."""
    folder = Path(tempfile.mkdtemp(prefix="pvd-unreadable-"))
    try:
        folder.chmod(0o755)
        csv = folder / "secret.csv"
        csv.write_text("insee,x\n10268,1\n", encoding="utf-8")
        csv.chmod(0)
        code = (
            "import os, sys\nfrom pvd_optim.data.towns import apply_planner_indicators, "
            "load_communes\nfrom pvd_optim.errors import DataError\n"
            "table = load_communes()\n"
            "if os.geteuid() == 0:\n    os.setuid(65534)\n"
            "try:\n    apply_planner_indicators(table, sys.argv[1])\n"
            "except DataError as exc:\n    print(exc)\n"
        )
        done = subprocess.run([sys.executable, "-c", code, str(csv)], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.stdout.strip() == (
            f"{csv}: cannot read the planner indicator file: permission denied"), done
    finally:
        csv.chmod(stat.S_IRUSR | stat.S_IWUSR)
        csv.unlink()
        folder.rmdir()


# --------------------------------------------------------------------------- wide files


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_communes()


def _wide_csv(path: Path, codes: pd.Index, n_columns: int, sep: str = ",") -> np.ndarray:
    rng = np.random.default_rng(3)
    values = np.round(rng.random((len(codes), n_columns)) * 100, 3)
    names = [f"ind_{j:03d}" for j in range(n_columns)]
    lines = [sep.join(["insee", *names])]
    for code, row in zip(codes, values, strict=True):
        cells = [f"{v:g}" for v in row]
        if sep == ";":
            cells = [c.replace(".", ",") for c in cells]
        lines.append(sep.join([code, *cells]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return values


@pytest.mark.parametrize("sep", [",", ";"])
def test_three_hundred_columns_silent_and_whole(sep: str, tmp_path: Path,
                                                table: pd.DataFrame) -> None:
    """A wide file adds its columns at once: no PerformanceWarning, every value in place."""
    codes = table.index[::20]
    path = tmp_path / "wide.csv"
    values = _wide_csv(path, codes, 300, sep)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = apply_planner_indicators(table, path)
    assert out.shape == (len(table), len(table.columns) + 300)
    rows = out.index.get_indexer(codes)
    np.testing.assert_array_equal(out.iloc[rows, len(table.columns):].to_numpy(), values)
    assert out.iloc[:, len(table.columns):].notna().sum().sum() == values.size
    assert list(out.columns[:len(table.columns)]) == list(table.columns)


def test_override_keeps_column_order_and_values_elsewhere(tmp_path: Path,
                                                          table: pd.DataFrame) -> None:
    path = tmp_path / "override.csv"
    path.write_text("insee,new_b,fibre_pct,new_a\n01034,1,50,\n01001,2,,3\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = apply_planner_indicators(table, path)
    assert list(out.columns) == [*table.columns, "new_b", "new_a"]
    assert out.loc["01034", "fibre_pct"] == 50.0
    assert out["fibre_pct"].drop(["01034"]).equals(table["fibre_pct"].drop(["01034"]))
    assert out["new_a"].notna().sum() == 1 and out.loc["01001", "new_a"] == 3.0


# --------------------------------------------------------------------------- two paths


CELL = st.one_of(
    st.sampled_from(["", " ", "0", "1", "-2", "+3", "1.5", ".5", "5.", "1e3", "2E-2", "1,5",
                     "-0,25", ",5", "5,", "1,5e3", "1.2,5", "1e", "e", ".", "-", "+-1",
                     "1 2", "1e400", "00012", "  7  ", "1.2.3", "inf", "nan", "1_000"]),
    st.text(alphabet="0123456789eE+-.,; ", max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([",", ";"]), st.lists(st.lists(CELL, min_size=2, max_size=2),
                                             min_size=1, max_size=4))
def test_fast_path_agrees_with_the_checking_path(sep: str, rows: list[list[str]]) -> None:
    """Whenever the fast path returns a table, the checking path returns the same one."""
    codes = ["10268", "10420", "10003", "2A004"]
    known = pd.Index(codes)
    text = sep.join(["insee", "a", "b"]) + "\n" + "\n".join(
        sep.join([code, *cells]) for code, cells in zip(codes, rows, strict=False)) + "\n"
    path = Path("generated.csv")
    fast = planner_csv._read_fast(text, path, known_codes=known, key="insee")
    if fast is None:
        return
    checked = planner_csv._read_checked(text, path, known_codes=known, key="insee",
                                        value_columns="indicator columns", allow_empty=True,
                                        expected=None, expected_hint="")
    pd.testing.assert_frame_equal(fast.values, checked.values)
    np.testing.assert_array_equal(fast.lines, checked.lines)
    assert fast.header_line == checked.header_line and fast.separator == checked.separator


def test_both_paths_are_exercised(tmp_path: Path) -> None:
    """A plain file takes the fast path; a quoted one the checking path; same values."""
    known = pd.Index(["10268", "10420"])
    plain = "insee;x\n10268;1,5\n\n10420;\n"
    quoted = 'insee;x\n"10268";"1,5"\n\n10420;\n'
    fast = planner_csv._read_fast(plain, tmp_path, known_codes=known, key="insee")
    assert fast is not None
    assert planner_csv._read_fast(quoted, tmp_path, known_codes=known, key="insee") is None
    path = tmp_path / "q.csv"
    path.write_text(quoted, encoding="utf-8")
    checked = read_planner_csv(path, known_codes=known, what="planner CSV")
    pd.testing.assert_frame_equal(fast.values, checked.values)
    assert checked.lines.tolist() == fast.lines.tolist() == [2, 4]
