"""Same answers whichever way a sweep runs, and a folder that resumes what it holds.

Serial, a 2-worker LocalCluster and an external scheduler (``dask scheduler`` and
``dask worker`` started here on 127.0.0.1, stopped at the end) give identical tables
on a small sweep of the toy scenario, with an infeasible variant among them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pvd_optim.errors import OutputError
from pvd_optim.sweep import run_sweep
from pvd_optim.sweep.folder import SweepFolder

TOY = Path(__file__).resolve().parents[1] / "scenarios" / "toy.yaml"
SWEEP = f"""extends: {TOY}
name: toy-sweep
sweep:
  grid:
    resources.funding.envelope_eur: [60_000, 100_000, 300_000]
    resources.funding.spend_min_share: [0, 0.95]
  monte_carlo:
    draws: 2
    seed: 7
    parameters:
      resources.expertise.capacity_days: {{distribution: uniform, low: 4, high: 15}}
      themes.definitions.habitat.housing_vacancy_pct:
        {{distribution: loguniform, low: 0.5, high: 2}}
"""
TABLES = ("table", "towns", "regions", "sensitivity")


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "toy-sweep.yaml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def serial(sweep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    return run_sweep(sweep_file, out=tmp_path_factory.mktemp("serial") / "out", workers=1)


def _assert_same(a: object, b: object) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True,
                                      obj=name)
    # Where and how fast the base was solved, and whether that process had scored the
    # towns already, depend on the mode; nothing else does.
    def solved(record: dict[str, object]) -> dict[str, object]:
        work = dict(record["work"])  # type: ignore[call-overload]
        work.pop("scoring")
        return {**record, "timing_s": None, "worker": None, "work": work}

    assert solved(a.base) == solved(b.base)  # type: ignore[attr-defined]
    columns = ["variant_id", "status", "model", "warm_start"]
    pd.testing.assert_frame_equal(a.timings[columns], b.timings[columns])  # type: ignore[attr-defined]


def test_the_serial_sweep_records_every_variant(serial: object) -> None:
    table = serial.table  # type: ignore[attr-defined]
    assert len(table) == 12
    assert set(table["status"]) == {"optimal", "infeasible"}
    infeasible = table[table["status"] == "infeasible"]
    assert set(infeasible["resources.funding.envelope_eur"]) == {300_000}
    towns = serial.towns  # type: ignore[attr-defined]
    assert (towns["variants_infeasible"] == len(infeasible)).all()
    # Each variant's wall and CPU time, so that a starved worker shows.
    timings = serial.timings  # type: ignore[attr-defined]
    assert (timings["cpu_s"] > 0).all() and (timings["total_s"] > 0).all()
    assert (towns["variants_feasible"] == 12 - len(infeasible)).all()


def test_a_two_worker_local_cluster_gives_the_same_tables(serial: object,
                                                          sweep_file: Path,
                                                          tmp_path: Path) -> None:
    _assert_same(serial, run_sweep(sweep_file, out=tmp_path / "out", workers=2))


def test_the_local_clusters_workers_keep_glibcs_memory_defaults_and_sample_less() -> None:
    """Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` tripled a variant's page faults: not set;
    the monitors nobody reads without a dashboard run less often (``LOCAL_WORKER_SETTINGS``)."""
    import dask

    from pvd_optim.sweep.execute import LOCAL_WORKER_SETTINGS, dask_client

    default = dask.config.get("distributed.nanny.pre-spawn-environ")
    assert default.get("MALLOC_TRIM_THRESHOLD_") is not None  # what the sweep undoes
    settings = [key for key in LOCAL_WORKER_SETTINGS if "pre-spawn-environ" not in key]
    assert [dask.config.get(key) for key in settings] != [LOCAL_WORKER_SETTINGS[key]
                                                          for key in settings]
    with dask_client(1, None) as client:
        seen = client.run(lambda: ({k: os.environ.get(k) for k in default},
                                   [dask.config.get(key) for key in settings]))
        periodic = client.run(lambda dask_worker: set(dask_worker.periodic_callbacks))
    ((environ, worker_settings),) = seen.values()
    assert environ["MALLOC_TRIM_THRESHOLD_"] is None
    assert worker_settings == [LOCAL_WORKER_SETTINGS[key] for key in settings]
    (callbacks,) = periodic.values()
    assert "profile" not in callbacks and "heartbeat" in callbacks
    # Dask's other settings for its workers (one thread for OpenMP and BLAS) are kept.
    assert environ["OMP_NUM_THREADS"] == "1"
    assert dask.config.get("distributed.nanny.pre-spawn-environ") == default


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _external_cluster(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    env = dict(os.environ)
    logs = [open(tmp_path / name, "w") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
    processes = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port",
                                   str(port), "--no-dashboard"], stdout=logs[0],
                                  stderr=subprocess.STDOUT, env=env, start_new_session=True)]
    try:
        processes.append(subprocess.Popen(
            [*dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
             "--no-dashboard", "--host", "127.0.0.1"], stdout=logs[1],
            stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True))
        yield address
    finally:
        for process in reversed(processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for log in logs:
            log.close()


def test_an_external_scheduler_gives_the_same_tables(serial: object, sweep_file: Path,
                                                     tmp_path: Path) -> None:
    with _external_cluster(tmp_path) as address:
        external = run_sweep(sweep_file, out=tmp_path / "out", scheduler=address)
    _assert_same(serial, external)
    workers = set(external.timings["worker"])  # type: ignore[attr-defined]
    assert len(workers) == 1 and f":{os.getpid()}" not in next(iter(workers))


def test_an_interrupted_sweep_resumes_from_its_records(serial: object, sweep_file: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(serial.out, out)  # type: ignore[attr-defined]
    ids = list(serial.table["variant_id"])  # type: ignore[attr-defined]
    folder = SweepFolder(out, serial.sweep.identity)  # type: ignore[attr-defined]
    for lost in ids[:3]:  # as if killed before these three were written
        folder.record_path(lost).unlink()
    folder.record_path(ids[3]).write_text("{not json")  # and one damaged
    resumed = run_sweep(sweep_file, out=out, workers=1)
    assert resumed.solved_now == 4
    _assert_same(serial, resumed)
    assert run_sweep(sweep_file, out=out, workers=1).solved_now == 0


def test_a_different_sweep_into_the_folder_is_refused(serial: object, sweep_file: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(serial.out, out)  # type: ignore[attr-defined]
    with pytest.raises(OutputError, match=r"holds a different sweep .*base scenario"):
        run_sweep(sweep_file, out=out, workers=1,
                  overrides={"resources.engineering.budget_eur": 45_000})


def test_a_new_description_or_other_plotted_metrics_resume_the_same_variants(
        serial: object, sweep_file: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    shutil.copytree(serial.out, out)  # type: ignore[attr-defined]
    reworded = tmp_path / "reworded.yaml"
    reworded.write_text(sweep_file.read_text().replace(
        "sweep:\n", "sweep:\n  description: Reworded.\n  report_metrics: [covered_share]\n"))
    again = run_sweep(reworded, out=out, workers=1)
    assert again.solved_now == 0
    assert set(again.sensitivity["metric"]) == {"covered_share"}
    pd.testing.assert_frame_equal(again.table, serial.table)  # type: ignore[attr-defined]
    identity = json.loads((out / "sweep.json").read_text())
    assert identity["definition"]["description"] == "Reworded."
    assert identity["started_at"] == serial.sweep.identity["started_at"]  # type: ignore[attr-defined]


def test_a_folder_of_another_format_is_refused_as_such(serial: object, sweep_file: Path,
                                                       tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    shutil.copytree(serial.out, out)  # type: ignore[attr-defined]
    identity = json.loads((out / "sweep.json").read_text())
    (out / "sweep.json").write_text(json.dumps({**identity, "sweep_sha256": "0" * 64,
                                                "identity_format": 1}))
    with pytest.raises(OutputError, match=r"not the same folder format\)"):
        run_sweep(sweep_file, out=out, workers=1)


def test_a_folder_that_is_not_a_sweeps_is_refused(sweep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    with pytest.raises(OutputError, match="is not a sweep folder"):
        run_sweep(sweep_file, out=out, workers=1)
    assert sorted(os.listdir(out)) == ["summary.json"]


def test_a_second_sweep_into_a_held_folder_is_refused(serial: object, sweep_file: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(serial.out, out)  # type: ignore[attr-defined]
    script = ("import sys, time\nfrom pvd_optim.output import reserve\n"
              f"with reserve({str(out / 'sweep.json')!r}, force=True, kind='file'):\n"
              "    print('held', flush=True)\n    time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputError, match="another pvd-optim run"):
            run_sweep(sweep_file, out=out, workers=1)
    finally:
        holder.kill()
        holder.wait(timeout=10)
