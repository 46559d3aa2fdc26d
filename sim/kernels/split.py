"""A pass of the fused step split between threads, for the kernels compiled ahead of time (no numba).

numba's threaded builds run a pass's chunks with `prange` on its own thread pool, which needs numba and its LLVM
loaded: 0.15 to 0.5 s of a process's start, a first compilation of some 12 s, and 100 MB of a million-customer
run's memory. The module compiled ahead of time (sim.kernels.ahead) holds each pass as a loop over a range of
chunks (`pass_a_chunks(first, last, ...)`) that releases the GIL, so Python threads can run the ranges side by
side. Each chunk writes its own rows and its own row of partial counts whichever thread runs it, so the result
is the same bytes as on one thread (tests/test_ahead.py, tests/test_fused.py).

The helpers are plain threads handed their work through two locks each: a pool's futures cost 68 us a pass
here, a fifth of what splitting a pass over 100,000 people saves.
"""

from __future__ import annotations

import os
import threading
import time


class _Helper:
    """A thread that runs one function call at a time, handed over through locks (`go` released: work; `done`
    released: finished)."""

    def __init__(self):
        self.go, self.done = threading.Lock(), threading.Lock()
        self.go.acquire()
        self.done.acquire()
        self.call, self.error = None, None
        self.started = self.finished = 0.0
        threading.Thread(target=self._loop, name="sim-pass", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.go.acquire()
            function, args = self.call
            self.started = time.perf_counter()
            try:
                function(*args)
            except BaseException as error:  # raised again on the thread that waits for it
                self.error = error
            self.finished = time.perf_counter()
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


class Balance:
    """Where to cut one pass between this thread and a helper, learnt from that pass's last calls so that both
    finish together: the helper starts some 25 us late (a sleeping thread is woken), and a chunk does not take
    the same time on both. The cut changes no result: each chunk's work is the same whoever runs it."""

    __slots__ = ("lag", "here", "there")

    SMOOTHING = 0.3  # the weight of the last call in the running estimates

    def __init__(self):
        self.lag = self.here = self.there = None  # seconds: the helper's late start; a chunk here, there

    def cut(self, chunks: int) -> int:
        """The chunks this thread takes (the first ones), at least half until the pass has been timed."""
        if self.here is None:
            return chunks - chunks // 2
        wanted = (self.lag + chunks * self.there) / (self.here + self.there)  # both done at the same moment
        return min(chunks, max(1, round(wanted)))

    def learn(self, lag: float, here: float, there: float) -> None:
        if self.here is None:
            self.lag, self.here, self.there = lag, here, there
        else:
            w = self.SMOOTHING
            self.lag += w * (lag - self.lag)
            self.here += w * (here - self.here)
            self.there += w * (there - self.there)


def split(parts: int, function, chunks: int, *args, balance: Balance | None = None) -> None:
    """`function(first, last, *args)` over chunks 0 to `chunks - 1` in `parts` ranges: the first on this thread,
    the others on helper threads; returns when all are done (an error in any is raised here). With two parts and
    a `balance`, the cut is the one that made both threads finish together in the last calls; otherwise the
    ranges are of equal size, this thread's the largest. One thread at a time may split (the fused step of one
    model)."""
    if parts == 2 and balance is not None:
        bounds = [0, balance.cut(chunks), chunks]
    else:  # this thread's range first and the largest: the helpers start a wake-up later
        bounds = [0] + [chunks - (chunks * (parts - k)) // parts for k in range(1, parts + 1)]
    with _lock:
        while len(_helpers) < parts - 1:
            _helpers.append(_Helper())
        helpers = _helpers[: parts - 1]
        start = time.perf_counter()
        for k, helper in enumerate(helpers, start=1):
            helper.start(function, (bounds[k], bounds[k + 1], *args))
        try:
            function(bounds[0], bounds[1], *args)
            mine = time.perf_counter() - start
        finally:
            for helper in helpers:
                helper.wait()
        if balance is not None and parts == 2 and 0 < bounds[1] < chunks:
            helper = helpers[0]
            balance.learn(helper.started - start, mine / bounds[1], (helper.finished - helper.started)
                          / (chunks - bounds[1]))
