"""States at rest kept between commands, so that `run` plays a market's burn-in once, not on every run.

`python -m sim run` plays the scenario's burn-in before step 0 (sim.model), which costs two to three times a
recorded year. The state it reaches depends only on the scenario less what cannot act before step 0 (its name,
steps, replications and interventions: sim.rest_state.NOT_AT_REST), on the replication's seed and on the model's
code, so `run` keeps that state here, and a later run of the same market and seed reads it instead of playing the
burn-in again: the same bytes as a run that plays it (tests/test_rest_cache.py). Each file carries the
fingerprint of what made it (sim.rest_state), so a file from another market, seed or version of the code is
never used; and each version of the code has files of its own, so two checkouts of different versions do not
replace each other's states (an old version's files go in time, by the size limit).

Where: the folder $SIM_REST_CACHE names ("off" turns the cache off, as `run --no-cache` does), else
$XDG_CACHE_HOME/customer-engagement/rest-states (~/.cache/... without XDG_CACHE_HOME). The folder is kept under
LIMIT_BYTES by removing the files used longest ago (a million customers' state is about 150 MB, 10,000's 1.5 MB).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..rest_state import at_rest_data, code_fingerprint

ENV = "SIM_REST_CACHE"
LIMIT_BYTES = 2 * 2**30


def folder() -> Path | None:
    """The cache folder, or None when the cache is off."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen).expanduser()
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no home folder to be found: no cache, every run plays its burn-in
        return None
    return Path(base) / "customer-engagement" / "rest-states"


def path_for(scenario_data: dict, seed: int) -> Path | None:
    """The file for this market and seed (None when the cache is off)."""
    where = folder()
    if where is None:
        return None
    text = json.dumps({"scenario": at_rest_data(scenario_data), "seed": int(seed), "code": code_fingerprint()},
                      sort_keys=True, default=str)
    return where / f"rest-{hashlib.sha256(text.encode()).hexdigest()[:24]}.npz"


def mark_used(path: Path | None) -> None:
    """Note that a file was read now, so that pruning removes the files used longest ago first."""
    if path is not None:
        try:
            os.utime(path)
        except OSError:
            pass


def prune(limit: int = LIMIT_BYTES) -> None:
    """Remove the files used longest ago until the folder holds at most `limit` bytes."""
    where = folder()
    if where is None or not where.is_dir():
        return
    files = []
    for path in where.glob("rest-*.npz"):
        try:
            status = path.stat()
        except OSError:  # removed meanwhile by another run
            continue
        files.append((status.st_mtime, status.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= limit:
            break
        path.unlink(missing_ok=True)
        total -= size
