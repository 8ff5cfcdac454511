"""Nothing lost or half-written, nothing a spreadsheet would execute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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


SLOW_WRITER = """
import sys, time
import pvd_optim.output as output
original = output.neutralise_formulas
def slow(frame):
    time.sleep(0.4)
    return original(frame)
output.neutralise_formulas = slow
from pvd_optim.cli import main
sys.exit(main(["run", sys.argv[1], "--out", sys.argv[2], "--force", "-q"]))
"""


def test_a_run_killed_while_writing_leaves_previous_results_intact(tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = subprocess.run([sys.executable, "-c", SLOW_WRITER, str(TOY), str(out)],
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    process = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(TOY), str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".results.tmp-*/*.csv")):  # writing has begun
        assert process.poll() is None, "the run ended before it started writing"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    assert process.returncode == -signal.SIGKILL
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
