"""The machine's cache of states at rest (sim.experiments.rest_cache): `run` plays a market's burn-in once.

A run that starts from a cached state gives the bytes of one that plays the burn-in; the state really is read
(a doctored one changes the results); runs that differ only in what cannot act before step 0 share it; another
market, seed or version of the code gets its own; `--no-cache` neither reads nor writes; the folder is kept under
its size limit.
"""

from __future__ import annotations

import os

import numpy as np

from sim.experiments import rest_cache

SMALL = ["baseline", "--set", "customers=1500", "--set", "burn_in=60", "--steps", "20", "--no-plots", "--quiet"]


def _run(cli, out, *extra, cache="off"):
    completed = cli("run", *SMALL, *extra, "--out", out, env={"SIM_REST_CACHE": str(cache)})
    assert completed.returncode == 0, completed.stderr
    return (out / "timeseries.csv").read_bytes()


def _files(cache):
    return sorted(cache.glob("rest-*.npz"))


def test_a_cached_state_gives_the_bytes_of_a_burn_in(cli, tmp_path):
    cache = tmp_path / "cache"
    played = _run(cli, tmp_path / "off")
    first = _run(cli, tmp_path / "first", cache=cache)
    assert len(_files(cache)) == 1
    second = _run(cli, tmp_path / "second", cache=cache)
    assert len(_files(cache)) == 1
    assert first == played and second == played


def test_the_cached_state_is_what_the_run_starts_from(cli, tmp_path):
    """Doctor the cached state (same fingerprint) two ways: each run starts from what it finds, so the two
    give different results, and neither gives the results of the state as played."""
    cache = tmp_path / "cache"
    played = _run(cli, tmp_path / "first", cache=cache)
    (path,) = _files(cache)
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    results = []
    for bond in (0.0, 0.5):
        arrays["bond"] = np.full_like(arrays["bond"], bond)
        with open(path, "wb") as file:
            np.savez(file, **arrays)
        results.append(_run(cli, tmp_path / f"doctored{bond}", cache=cache))
    assert results[0] != results[1]
    assert played not in results


def test_a_damaged_cached_state_is_played_again_and_replaced(cli, tmp_path):
    cache = tmp_path / "cache"
    played = _run(cli, tmp_path / "first", cache=cache)
    (path,) = _files(cache)
    whole = path.read_bytes()
    path.write_bytes(whole[:1000])  # cut short, as a full disk or a damaged file might leave it
    assert _run(cli, tmp_path / "again", cache=cache) == played
    assert path.read_bytes() == whole


def test_runs_that_differ_after_step_0_share_the_state(cli, tmp_path):
    cache = tmp_path / "cache"
    _run(cli, tmp_path / "first", cache=cache)
    (path,) = _files(cache)
    policy = ["--set", "interventions=[{at: 5, company: focal, price: 0.9}]", "--steps", "10"]
    shared = _run(cli, tmp_path / "shared", *policy, cache=cache)
    assert _files(cache) == [path]
    assert shared == _run(cli, tmp_path / "played", *policy)


def test_another_market_or_seed_gets_a_state_of_its_own(cli, tmp_path):
    cache = tmp_path / "cache"
    _run(cli, tmp_path / "first", cache=cache)
    for number, extra in enumerate((["--set", "companies.focal.failure_rate=0.02"], ["--seed", "9"]), start=2):
        result = _run(cli, tmp_path / f"cached{number}", *extra, cache=cache)
        assert len(_files(cache)) == number
        assert result == _run(cli, tmp_path / f"played{number}", *extra)


def test_another_version_of_the_code_keeps_its_states_in_files_of_its_own(tmp_path, monkeypatch):
    """Two checkouts of different versions, run in turn, would otherwise replace each other's state every run."""
    from sim import rest_state
    from sim.scenario import load

    monkeypatch.setenv("SIM_REST_CACHE", str(tmp_path))
    data = load("baseline").data
    here = rest_cache.path_for(data, 0)
    monkeypatch.setattr(rest_state, "_CODE_FINGERPRINT", "another version")
    assert rest_cache.path_for(data, 0) != here
    assert rest_cache.path_for(data, 0) == rest_cache.path_for(data, 0)


def test_no_cache_neither_reads_nor_writes(cli, tmp_path):
    cache = tmp_path / "cache"
    completed = cli("run", *SMALL, "--no-cache", "--out", tmp_path / "out", env={"SIM_REST_CACHE": str(cache)})
    assert completed.returncode == 0, completed.stderr
    assert not _files(cache)


def test_the_folder_is_kept_under_its_limit_by_removing_the_least_recently_used(tmp_path, monkeypatch):
    monkeypatch.setenv(rest_cache.ENV, str(tmp_path))
    for age, name in enumerate(["new", "middle", "old"]):
        path = tmp_path / f"rest-{name}.npz"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1e9 - 1000 * age, 1e9 - 1000 * age))
    rest_cache.mark_used(tmp_path / "rest-old.npz")  # read just now: the last to go
    rest_cache.prune(limit=2500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rest-new.npz", "rest-old.npz"]
    monkeypatch.setenv(rest_cache.ENV, "off")
    assert rest_cache.folder() is None and rest_cache.path_for({}, 1) is None
