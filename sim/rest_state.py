"""The state at rest after a burn-in, kept in a file so that runs starting from the same market skip the burn-in.

Every policy of replication i of a comparison starts from the same market at rest (the market's scenario and
seed), so the job engine (sim.experiments.jobs) gives their models one file: the first computes the burn-in
and writes the customers' arrays, the others read them. The file carries a fingerprint of what decides the
state (the market's scenario as resolved, the run's entropy, and the source of the model's modules), so a
file from another market, seed or version of the code is never used; it is written under a temporary name
and renamed, so a worker that dies, or two that race, leave either a whole file or none.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from . import state as states

_CODE_FINGERPRINT: str | None = None
REST_SOURCES = ("model.py", "rest_state.py", "fused.py", "state.py", "market.py", "network.py", "streams.py",
                "parameters.py", "scenario.py", "levels.py", "tally.py", "mesa_core.py", "mechanisms", "kernels")


def code_fingerprint() -> str:
    """A hash of the source of everything that decides a burn-in (this package's model modules)."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        root = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for name in REST_SOURCES:
            path = root / name
            for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(file.read_bytes())
        _CODE_FINGERPRINT = digest.hexdigest()[:16]
    return _CODE_FINGERPRINT


# Keys of a scenario that cannot change its state at rest: labels, what happens after step 0 (interventions start
# at step 0 or later: sim.parameters.INTERVENTION), and how many Mesa agent views are made.
NOT_AT_REST = ("name", "description", "steps", "replications", "interventions", "customer_agents")


def at_rest_data(data: dict) -> dict:
    """The part of a resolved scenario that decides its state at rest."""
    return {key: value for key, value in data.items() if key not in NOT_AT_REST}


def rest_fingerprint(start, root_entropy: int) -> str:
    """What decides a state at rest: the market's scenario as resolved (less NOT_AT_REST), the run's entropy, and
    the code."""
    text = json.dumps({"scenario": at_rest_data(start.data), "entropy": int(root_entropy), "code": code_fingerprint()},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load_rest(path: Path, fingerprint: str) -> states.CustomerState | None:
    """The state kept at `path` if it was made with this fingerprint; None if absent, unreadable or another's."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) != fingerprint:
                return None
            return states.CustomerState(**{name: data[name] for name in states.field_names()})
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # a damaged file: play the burn-in
        return None


def save_rest(path: Path, state: states.CustomerState, fingerprint: str) -> None:
    """Keep a state at rest (written to a temporary name and renamed: concurrent writers are harmless)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as file:
            np.savez(file, fingerprint=np.array(fingerprint),
                     **{name: getattr(state, name) for name in states.field_names()})
        os.replace(temporary, path)
    except OSError:  # a read-only or missing folder (e.g. on a remote worker): the run goes on without it
        pass
    finally:
        temporary.unlink(missing_ok=True)
