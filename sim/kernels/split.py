"""A pass of the fused step split between threads: its chunks in ranges, one range a thread.

Each pass is a loop over a range of chunks (`pass_a_chunks(first, last, ...)` in sim.kernels.compiled) that
releases the GIL, both as numba compiles it (`nogil=True`) and as the module compiled ahead of time holds it
(sim.kernels.ahead), so Python threads can run the ranges side by side without numba's own thread pool
(`prange`), which would need numba and its LLVM loaded: 0.15 to 0.5 s of a process's start, a first
compilation of some 12 s, and 100 MB of a million-customer run's memory. Each chunk writes its own rows and its
own row of partial counts whichever thread runs it, so the result is the same bytes as on one thread
(tests/test_fused.py, tests/test_ahead.py).

The helpers are plain threads handed their work through two locks each: 58 us a pass here against 68 us for a
pool's futures (most of either is waking the sleeping helper), where splitting a pass over 100,000 people saves
some 400 us.
"""

from __future__ import annotations

import os
import threading


class _Helper:
    """A thread that runs one function call at a time, handed over through locks (`go` released: work; `done`
    released: finished)."""

    def __init__(self):
        self.go, self.done = threading.Lock(), threading.Lock()
        self.go.acquire()
        self.done.acquire()
        self.call, self.error = None, None
        threading.Thread(target=self._loop, name="sim-pass", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.go.acquire()
            function, args = self.call
            try:
                function(*args)
            except BaseException as error:  # raised again on the thread that waits for it
                self.error = error
            self.done.release()

    def start(self, function, args) -> None:
        self.call = function, args
        self.go.release()

    def wait(self) -> None:
        interrupted = None
        while True:  # a Ctrl-C here still waits for the chunks being written, so no later pass overlaps them
            try:
                self.done.acquire()
                break
            except KeyboardInterrupt as error:
                interrupted = error
        self.call = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        if interrupted is not None:
            raise interrupted


_helpers: list[_Helper] = []
_lock = threading.Lock()


def _forget_helpers() -> None:
    """In a forked child: the helper threads were not copied, so new ones are started when needed."""
    global _helpers, _lock
    _helpers, _lock = [], threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_helpers)


def split(parts: int, function, chunks: int, *args) -> None:
    """`function(first, last, *args)` over chunks 0 to `chunks - 1` in `parts` ranges of equal size (this
    thread's larger by a chunk where they cannot be): the first on this thread, the others on helper threads;
    returns when all are done (an error in any is raised here). One thread at a time may split (the fused step
    of one model)."""
    # this thread's range first and the largest: the helpers start a wake-up later (some 25 us), and this thread
    # then seldom has to sleep until they finish
    bounds = [0] + [chunks - (chunks * (parts - k)) // parts for k in range(1, parts + 1)]
    with _lock:
        while len(_helpers) < parts - 1:
            _helpers.append(_Helper())
        helpers = _helpers[: parts - 1]
        for k, helper in enumerate(helpers, start=1):
            helper.start(function, (bounds[k], bounds[k + 1], *args))
        try:
            function(bounds[0], bounds[1], *args)
        finally:
            for helper in helpers:
                helper.wait()
