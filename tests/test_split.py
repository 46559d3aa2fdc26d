"""sim.kernels.split: a pass's chunks shared between threads (the bytes themselves: tests/test_ahead.py)."""

from __future__ import annotations

import threading

import pytest

from sim.kernels.split import split


@pytest.mark.parametrize("parts", [1, 2, 3])
@pytest.mark.parametrize("chunks", [0, 1, 2, 5, 25, 245])
def test_every_chunk_is_run_once_and_the_calling_thread_takes_the_first_range(chunks, parts):
    seen, lock, me = [], threading.Lock(), threading.get_ident()

    def run(first, last, label):
        assert label == "pass"
        with lock:
            seen.append((first, last, threading.get_ident() == me))

    split(parts, run, chunks, "pass")
    covered = sorted(b for first, last, _ in seen for b in range(first, last))
    assert covered == list(range(chunks))
    mine = [(first, last) for first, last, here in seen if here]
    assert len(mine) == 1 and mine[0][0] == 0
    assert all(mine[0][1] >= last - first for first, last, here in seen)  # this thread's range is the largest


def test_an_error_on_a_helper_is_raised_to_the_caller_after_every_range_is_done():
    done = []

    def run(first, last):
        if first > 0:
            raise ValueError("a helper's chunk failed")
        done.append((first, last))

    with pytest.raises(ValueError, match="helper's chunk"):
        split(2, run, 10)
    assert done == [(0, 5)]
    again = []
    split(2, lambda first, last: again.append((first, last)), 10)  # the helper is still there, and idle
    assert sorted(again) == [(0, 5), (5, 10)]
