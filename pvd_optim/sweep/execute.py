"""Where a sweep's variants are solved: in this process, on a local Dask cluster, or on one's own.

Every mode calls the same two functions of :mod:`pvd_optim.sweep.work`: first
``solve_base`` (the base scenario, cold), then ``evaluate`` for each variant with the
base's state, so the answers do not depend on the mode:

* ``workers=1``: one after the other in this process (no Dask);
* ``workers=N`` (default: one per core): a ``dask.distributed.LocalCluster`` of N
  worker processes, one thread each (each solve is single-threaded; the cluster's
  processes are the parallelism);
* ``scheduler=ADDRESS``: an existing Dask scheduler (``dask scheduler``, then
  ``dask worker ADDRESS --nthreads 1`` on each machine; dask-jobqueue and
  dask-kubernetes start the same workers as batch jobs or pods).

Records come back to this process, which hands each to ``on_record`` (the folder
writes it) as soon as it arrives; the workers never write. A worker lost while
solving a variant gives that variant a record with status ``error`` that a resumed
sweep solves again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pvd_optim import i18n
from pvd_optim.errors import InputError
from pvd_optim.i18n import Translator
from pvd_optim.i18n.message import Message
from pvd_optim.sweep.work import (
    BaseState,
    VariantTask,
    base_record,
    blank_record,
    evaluate,
    solve_base,
)

#: Seconds to wait for an external scheduler to answer and for its first worker.
CONNECT_TIMEOUT_S = 30
WORKERS_TIMEOUT_S = 120
#: What the sweep's own LocalCluster changes in Dask's settings for its worker processes.
#: Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (its
#: ``distributed.nanny.pre-spawn-environ``) so that freed memory goes back to the system;
#: setting it also switches off glibc's moving mmap threshold, so that every block over
#: 128 KiB that HiGHS or numpy allocates is mapped afresh and faulted in page by page.
#: Measured on 10 variants of ``sweep-weights.yaml`` on 2 workers: 1,066,625 page faults
#: with it, 332,552 without; serially, 880,270 with it set against 215,371. A variant's
#: memory is the next variant's, so the workers keep glibc's default (``None`` unsets).
#: The cluster has no dashboard, so nothing reads the workers' stack samples (every 10 ms)
#: or the system monitor's (every 0.5 s), and a blocked event loop (checked every 20 ms)
#: is a solve at work: sampled less often, in six interleaved pairs of 20-variant sweeps
#: on 2 workers (all six in favour) a variant took 10-12 % less time and the parent a
#: third less CPU.
LOCAL_WORKER_SETTINGS: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}

OnRecord = Callable[[dict[str, Any]], None]


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


class Progress:
    """A progress bar with the count, the elapsed time and an ETA, on stderr (rich).

    Its words are in ``t``'s language (default: the run's, which the sweep command
    chose); ``label`` (the scenario's name) is shown as written.
    """

    def __init__(self, total: int, done: int, enabled: bool, label: str,
                 t: Translator | None = None) -> None:
        self._bar: Any = None
        if not enabled:
            return
        t = t or i18n.active()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        # The description is rich markup: a scenario's name is shown, not interpreted.
        self._bar = Bar(TextColumn("{task.description}", markup=False), BarColumn(),
                        MofNCompleteColumn(), TextColumn(t.gettext("elapsed")),
                        TimeElapsedColumn(), TextColumn(t.gettext("ETA")),
                        TimeRemainingColumn(), console=Console(file=sys.stderr),
                        transient=False)
        description = Message("sweep {name}", name=label).render(t)
        self._task = self._bar.add_task(description, total=total, completed=done)
        self._bar.start()

    def advance(self) -> None:
        """One more variant done."""
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        """Stop drawing (the last state stays on screen)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _lost(task: VariantTask, exc: BaseException) -> dict[str, Any]:
    """The record of a variant whose worker failed (solved again when the sweep resumes)."""
    record = blank_record(task)
    record.update(status="error", error=f"the worker failed: {type(exc).__name__}: {exc}",
                  error_type=type(exc).__name__, transient=True)
    return record


def run_serial(base_task: VariantTask, tasks: Sequence[VariantTask], on_base: OnRecord,
               on_record: OnRecord, progress: Progress) -> None:
    """Solve the base, then every variant, in this process."""
    base = solve_base(base_task)
    on_base(base.record)
    for task in tasks:
        on_record(evaluate(task, base))
        progress.advance()


@contextlib.contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A Dask client: of a new ``LocalCluster`` (``workers`` processes), or of ``scheduler``."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise InputError(Message("cannot reach a Dask scheduler at {scheduler} ({reason}); "
                                     "start one with `dask scheduler` and pass the address it "
                                     "prints (tcp://HOST:8786)", scheduler=repr(scheduler),
                                     reason=str(exc)), field="--scheduler") from None
        try:
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
            except TimeoutError:
                raise InputError(Message("no Dask worker joined the scheduler at {shown} "
                                         "within {seconds} s; start workers with `dask worker "
                                         "{scheduler} --nthreads 1`", shown=repr(scheduler),
                                         seconds=WORKERS_TIMEOUT_S, scheduler=scheduler),
                                 field="--scheduler") from None
            yield client
        finally:
            client.close()
        return
    import dask

    # The nanny reads its settings when it is made, and keeps them for a restart.
    with dask.config.set(LOCAL_WORKER_SETTINGS):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_dask(client: Any, base_task: VariantTask, tasks: Sequence[VariantTask],
             on_base: OnRecord, on_record: OnRecord, progress: Progress) -> None:
    """Solve the base on the cluster, then every variant, each record handled on arrival."""
    from distributed import as_completed

    prefix = f"pvd-sweep-{base_task.sweep_sha256[:12]}"
    base_future = client.submit(solve_base, base_task, key=f"{prefix}-base", pure=False,
                                priority=1)
    # Before the variants, and ahead of them: the base's record is written first.
    record_future = client.submit(base_record, base_future, key=f"{prefix}-base-record",
                                  pure=False, priority=1)
    futures = {client.submit(evaluate, task, base_future, key=f"{prefix}-{task.variant_id}",
                             pure=False): task for task in tasks}
    try:
        on_base(record_future.result())
    except Exception as exc:  # the base's worker failed: the variants cannot start from it
        raise RuntimeError(f"the base scenario could not be solved on the cluster: {exc}") \
            from exc
    for future in as_completed(futures):
        task = futures.pop(future)
        try:
            record = future.result()
        except Exception as exc:  # a worker lost (killed, out of memory): recorded, go on
            record = _lost(task, exc)
        on_record(record)
        future.release()
        progress.advance()
    base_future.release()


def execute(base_task: VariantTask, tasks: Sequence[VariantTask], *, workers: int | None,
            scheduler: str | None, on_base: OnRecord, on_record: OnRecord,
            progress: Progress) -> None:
    """Solve the base and ``tasks`` in the mode asked (see the module's docstring)."""
    if scheduler is None and (workers or default_workers()) <= 1:
        run_serial(base_task, tasks, on_base, on_record, progress)
        return
    with dask_client(workers or default_workers(), scheduler) as client:
        run_dask(client, base_task, tasks, on_base, on_record, progress)


__all__ = ["BaseState", "Progress", "default_workers", "execute", "run_dask", "run_serial"]
