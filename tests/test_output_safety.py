"""Nothing lost or half-written, nothing a spreadsheet would execute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from pvd_optim.output import neutralise_formulas

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"


def test_formula_like_text_is_neutralised_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({
        "name": ["=HYPERLINK(\"x\")", "+33 cmd", "-2+3", "@SUM(A1)", "Saint-Malo", "plain"],
        "value": [-5.0, 1.5, -0.25, 0.0, 3.0, -1e6],
    })
    safe = neutralise_formulas(frame)
    assert safe["name"].tolist() == ["'=HYPERLINK(\"x\")", "'+33 cmd", "'-2+3", "'@SUM(A1)",
                                     "Saint-Malo", "plain"]
    assert safe["value"].tolist() == [-5.0, 1.5, -0.25, 0.0, 3.0, -1e6]
    assert safe["value"].dtype.kind == "f"
    headers = neutralise_formulas(pd.DataFrame({"parameter": ["x"], "=1+1": [1.0]}))
    assert list(headers.columns) == ["parameter", "'=1+1"]


def test_a_run_killed_while_writing_leaves_previous_results_intact(tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = subprocess.run([sys.executable, "-m", "pvd_optim.cli", "run", str(TOY), "--out",
                            str(out), "-q"], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    # Killed deterministically by the writer's fault hook once writing has begun.
    env = {**os.environ, "PVD_OPTIM_FAULT": "while-writing"}
    killed = subprocess.run([sys.executable, "-m", "pvd_optim.cli", "run", str(TOY), "--out",
                             str(out), "--force", "-q"], env=env, capture_output=True,
                            timeout=300, check=False)

    assert killed.returncode == -signal.SIGKILL
    assert list(tmp_path.glob(".results.tmp-*/*.csv"))  # it had begun writing
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before


def test_json_outputs_write_nan_and_infinities_as_null() -> None:
    """JSON has no NaN or Infinity: summary.json and sweep records alike write null."""
    import json

    from pvd_optim.output import dumps
    from pvd_optim.sweep.folder import record_bytes

    data = {"nan": float("nan"), "up": float("inf"), "down": [float("-inf"), 1.5]}
    expected = {"nan": None, "up": None, "down": [None, 1.5]}
    assert json.loads(dumps(data)) == expected
    assert "Infinity" not in dumps(data) and "NaN" not in dumps(data)
    assert json.loads(record_bytes(data)) == expected
