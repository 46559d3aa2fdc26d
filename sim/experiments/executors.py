"""Executors: where jobs run. This is the only module that starts worker processes.

Three kinds, one interface in the style of `concurrent.futures` (`submit(fn, *args)` returns a
future with `.result()` and `.cancel()`; `wait_first(futures)` returns the finished ones):
- `InProcess`: runs each job when submitted, in this process (one worker; a single run can then
  show a progress bar over its steps);
- `LocalExecutor`: a pool of processes on this machine, each running the numba kernels on one
  thread (processes, not threads, share the cores) and leaving Ctrl-C to the main process;
- `DaskExecutor`: a `dask.distributed` cluster, a LocalCluster on 127.0.0.1 or an existing scheduler.
The job engine (sim.experiments.jobs) only talks to this interface, so every experiment runs
unchanged on a laptop and on a cluster. Results never depend on the executor: every job carries its
own seed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any

KINDS = ("local", "dask")


def default_workers() -> int:
    """Worker processes when the user gives none: the cores of this machine (at most 8)."""
    return max(1, min(os.cpu_count() or 1, 8))


def worker_setup() -> None:
    """Prepare a worker process: numba kernels on one thread, Ctrl-C left to the main process.

    Ctrl-C reaches the whole process group; only the main process acts on it (and stops the
    workers), so a worker never dies halfway through writing anything.
    """
    from ..kernels import single_threaded
    from ..mesa_core import load

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load()  # Mesa's Model before numba, while few modules are loaded: its import inspects the call stack (sim.cli.run)
    single_threaded()


class Executor:
    """The interface: submit work, wait for the first results, cancel the rest, close."""

    kind = "abstract"

    def submit(self, fn: Callable, *args: Any, key: str | None = None):
        """Start `fn(*args)` somewhere; return a future. `key` names the task (used by Dask)."""
        raise NotImplementedError

    def wait_first(self, futures: Iterable) -> set:
        """Block until at least one of `futures` is finished; return the finished ones."""
        raise NotImplementedError

    def cancel(self, futures: Iterable) -> None:
        """Cancel futures that have not started (running ones may finish and are ignored)."""
        for future in futures:
            future.cancel()

    @property
    def slots(self) -> int:
        """How many tasks can run at once (cores or Dask worker threads)."""
        raise NotImplementedError

    @property
    def window(self) -> int:
        """How many jobs to keep submitted at once: a few per slot, so no worker waits for the next."""
        return max(2, 3 * self.slots)

    def close(self, abort: bool = False) -> None:
        """Release the workers; `abort` stops running tasks too (after an error or Ctrl-C)."""
        raise NotImplementedError

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(abort=kind is not None)


class _Done:
    """The finished 'future' of a job run in-process."""

    def __init__(self, fn: Callable, args: tuple):
        self._error: BaseException | None = None
        try:
            self._value = fn(*args)
        except Exception as error:  # reported by result(), as a pool's future would
            self._error = error

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self) -> bool:
        return False


class InProcess(Executor):
    """Runs each job in this process as it is submitted (one worker, no pool)."""

    kind = "in-process"

    def submit(self, fn: Callable, *args: Any, key: str | None = None):
        return _Done(fn, args)

    def wait_first(self, futures: Iterable) -> set:
        return set(futures)

    @property
    def slots(self) -> int:
        return 1

    @property
    def window(self) -> int:
        return 1  # each job runs when submitted: one at a time, so each is kept before the next starts

    def close(self, abort: bool = False) -> None:
        pass


class LocalExecutor(Executor):
    """A process pool on this machine (the default).

    Processes are started by a fork server that has imported the model once, so a pool starts fast
    and stays safe to create from a process that already runs threads (a Dask client, a GUI). As
    with any non-fork start method, a script that creates one needs `if __name__ == "__main__":`.
    Workers are set up by `worker_setup`; `close(abort=True)` stops them at once.
    """

    kind = "local"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.experiments.jobs"])
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=worker_setup)

    def submit(self, fn: Callable, *args: Any, key: str | None = None):
        return self.pool.submit(fn, *args)

    def wait_first(self, futures: Iterable) -> set:
        done, _ = futures_wait(list(futures), return_when=FIRST_COMPLETED)
        return set(done)

    @property
    def slots(self) -> int:
        return self.workers

    def close(self, abort: bool = False) -> None:
        if abort:
            self._terminate()
        self.pool.shutdown(wait=not abort, cancel_futures=True)

    def _terminate(self) -> None:
        """Stop the workers now: a run can take minutes, and Ctrl-C should not wait for it.

        Cancelled futures are dropped from the pool's pending items first: Python 3.11 marks every
        pending item failed when a worker dies and raises InvalidStateError on cancelled ones.
        """
        pending = getattr(self.pool, "_pending_work_items", {})
        for work_id, item in list(pending.items()):
            if item.future.cancelled():
                pending.pop(work_id, None)
        for process in list((getattr(self.pool, "_processes", None) or {}).values()):
            process.terminate()


class DaskExecutor(Executor):
    """A `dask.distributed` cluster: the scheduler at `address`, or a LocalCluster on 127.0.0.1.

    Dask reschedules the tasks of a worker that dies, so a lost worker costs time, not results.
    """

    kind = "dask"

    def __init__(self, workers: int | None = None, address: str | None = None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address:
            self.client = Client(address, timeout="20s")
        else:
            self.cluster = LocalCluster(n_workers=max(1, int(workers or os.cpu_count() or 1)), threads_per_worker=1,
                                        processes=True, host="127.0.0.1", dashboard_address=None,
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)

    def submit(self, fn: Callable, *args: Any, key: str | None = None):
        return self.client.submit(fn, *args, key=key, pure=False)

    def wait_first(self, futures: Iterable) -> set:
        from distributed import wait

        done, _ = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done)

    def cancel(self, futures: Iterable) -> None:
        futures = list(futures)
        if futures:
            self.client.cancel(futures)

    @property
    def slots(self) -> int:
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    def close(self, abort: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str = "local", workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for `--executor KIND [--workers N] [--scheduler ADDRESS]`; one local worker runs in-process."""
    if kind == "local":
        if scheduler:
            raise ValueError("--scheduler needs --executor dask")
        return InProcess() if workers == 1 else LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown executor {kind!r}; expected one of {', '.join(KINDS)}")
