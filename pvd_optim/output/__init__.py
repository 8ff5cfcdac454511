"""Output folders and files: written atomically, checked before solving, read back verified.

* :mod:`.target` checks an output target before any solving (one-line
  ``OutputError``, exit 2); :mod:`.lock` holds it from that check to the final
  swap; :mod:`.atomic` writes and swaps it in so that the path always holds a
  complete version; :mod:`.names` keeps the names within the file system's limits.
* :mod:`.folder` is the folder format (a manifest listing every file),
  :mod:`.writer` a run's results, :mod:`.state` the exact numbers behind them,
  :mod:`.readback` reads them back and refuses what does not verify.
* :mod:`.cells` makes formula-like text inert in every CSV and workbook.
"""

from pvd_optim.output.atomic import write_file_atomic
from pvd_optim.output.cells import csv_text, is_formula_like, neutralise_formulas, safe_cell
from pvd_optim.output.commitments import commitments_from_results, resolve_commitments
from pvd_optim.output.folder import verify_folder, write_folder
from pvd_optim.output.lock import reserve
from pvd_optim.output.names import safe_name
from pvd_optim.output.provenance import dumps, manifest, scenario_hash, sha256_file
from pvd_optim.output.readback import ReadBack, read_allocation, read_results
from pvd_optim.output.state import STATE_FILE, allocation_state
from pvd_optim.output.target import check_target
from pvd_optim.output.writer import (
    expected_results_bytes,
    table_frames,
    write_allocation,
    write_diagnosis,
)

__all__ = [
    "STATE_FILE",
    "ReadBack",
    "allocation_state",
    "check_target",
    "commitments_from_results",
    "csv_text",
    "dumps",
    "expected_results_bytes",
    "is_formula_like",
    "manifest",
    "neutralise_formulas",
    "read_allocation",
    "read_results",
    "reserve",
    "resolve_commitments",
    "safe_cell",
    "safe_name",
    "scenario_hash",
    "sha256_file",
    "table_frames",
    "verify_folder",
    "write_allocation",
    "write_diagnosis",
    "write_file_atomic",
    "write_folder",
]
