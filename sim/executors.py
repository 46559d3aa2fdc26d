"""Executors: one interface for running sweep tasks on local cores or on a Dask cluster.

Both follow `concurrent.futures`: `submit(fn, *args)` returns a future with `.result()` and
`.cancel()`, and `wait_first(futures)` returns the futures that have finished. The sweep code only
talks to this interface, so the same sweep runs unchanged on a laptop (a process pool) and on a
cluster (`dask.distributed`). Results never depend on the executor: every task carries its own seed.
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

    def close(self, abort: bool = False) -> None:
        """Release the workers; `abort` stops running tasks too (after an error or Ctrl-C)."""
        raise NotImplementedError

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(abort=kind is not None)


class LocalExecutor(Executor):
    """A process pool on this machine (the default).

    Processes are started by a fork server that has imported the model once, so a pool starts fast
    and stays safe to create from a process that already runs threads (a Dask client, a GUI). As
    with any non-fork start method, a script that creates one needs `if __name__ == "__main__":`.
    Workers ignore Ctrl-C: the main process handles it, and `close(abort=True)` stops them.
    """

    kind = "local"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.sweep"])
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_ignore_interrupts)

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


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C reaches the whole process group; only the main process acts on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    """The executor for `--executor KIND [--workers N] [--scheduler ADDRESS]`."""
    if kind == "local":
        if scheduler:
            raise ValueError("--scheduler needs --executor dask")
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown executor {kind!r}; expected one of {', '.join(KINDS)}")
