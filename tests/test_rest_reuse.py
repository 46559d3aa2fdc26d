"""The burn-in of a compared market runs once per seed, and reusing it changes no byte of the results.

Every policy of replication i starts from the same market at rest (the market's scenario and seed), so
the job engine lets the first job of each (market, seed) write the state at rest to the experiment's
`parts/rest/` folder and the others read it (sim.experiments.jobs).
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.experiments import compare
from sim.experiments.executors import InProcess, LocalExecutor
from sim.experiments.jobs import execute, rest_file, run_jobs
from sim.experiments.store import PartStore

POLICIES = """\
baseline: baseline
policies:
  baseline: {about: as now}
  cheaper: {about: a lower price, companies.focal.price: 0.9}
  listening: {about: listen more, companies.focal.listening: 0.6, companies.focal.complaint_handling: 0.7}
"""


@pytest.fixture
def policy_set(tmp_path):
    market = sim.scenario.resolve("baseline", {"customers": 1200, "steps": 25, "burn_in": 60, "seed": 11})
    (tmp_path / "policies.yaml").write_text(POLICIES)
    return compare.load_policies(tmp_path / "policies.yaml", [market])


def direct(job):
    """The job's table computed on its own, with its own burn-in and no rest-state file."""
    model = sim.EngagementModel(job.resolve(), rng=job.seed, rest=job.rest)
    model.run()
    table = job.keep(model, job.replication)
    return table.to_pandas() if hasattr(table, "to_pandas") else table  # the timeseries is kept as an Arrow table


def test_the_policies_of_a_replication_share_one_burn_in(policy_set, tmp_path):
    jobs = compare.plan_jobs(policy_set, 2)
    folder = tmp_path / "rest"
    assert len({rest_file(folder, job) for job in jobs}) == 2  # one market at rest per replication
    first, second = jobs[0], jobs[1]  # two policies of replication 0
    key, table, _ = execute(first, rest_folder=str(folder))
    assert rest_file(folder, first).is_file()
    model = sim.EngagementModel(second.resolve(), rng=second.seed, rest=second.rest,
                                rest_file=rest_file(folder, second))
    assert model.rest_reused and model.burn_in_seconds < 0.05
    reference = sim.EngagementModel(second.resolve(), rng=second.seed, rest=second.rest)
    assert not reference.rest_reused
    for name in ("bond", "trust", "company", "level", "anger", "identification", "tenure", "advocacy"):
        assert np.array_equal(getattr(model.state, name), getattr(reference.state, name))


@pytest.mark.parametrize("executor", ["in-process", "two workers"])
def test_results_are_byte_identical_with_and_without_reuse(policy_set, tmp_path, executor):
    jobs = compare.plan_jobs(policy_set, 2)
    store = PartStore(tmp_path / "parts")
    run_jobs(jobs, store, InProcess() if executor == "in-process" else LocalExecutor(2), progress=False)
    for job in jobs:
        assert store.read(job.key).to_csv() == direct(job).to_csv(), job.key
    assert not (store.folder / "rest").exists()  # every group is kept: its rest-state file was removed


def test_a_rest_file_of_another_market_seed_or_code_is_not_used(policy_set, tmp_path):
    jobs = compare.plan_jobs(policy_set, 2)
    file = tmp_path / "rest.npz"
    sim.EngagementModel(jobs[0].resolve(), rng=jobs[0].seed, rest=jobs[0].rest, rest_file=file)
    other_seed = jobs[-1]  # replication 1: another seed
    model = sim.EngagementModel(other_seed.resolve(), rng=other_seed.seed, rest=other_seed.rest, rest_file=file)
    assert not model.rest_reused
    file.write_bytes(b"not a rest state")
    assert not sim.EngagementModel(jobs[0].resolve(), rng=jobs[0].seed, rest=jobs[0].rest, rest_file=file).rest_reused


def test_a_job_builds_no_customer_agents_and_keeps_the_same_table(monkeypatch):
    """Nothing in a batch job reads a customer's Mesa agent, so `execute` builds none up front (a model of up to
    `customer_agents` customers otherwise builds one per customer); the table is the same."""
    from sim.agents import Customer
    from sim.experiments.replications import replication_jobs

    made = []
    build = Customer.__init__

    def counted(self, *args, **kwargs):
        made.append(1)
        build(self, *args, **kwargs)

    monkeypatch.setattr(Customer, "__init__", counted)
    scenario = sim.scenario.resolve("baseline", {"customers": 300, "steps": 5, "burn_in": 5, "seed": 2})
    job = replication_jobs(scenario, [0])[0]
    _, table, _ = execute(job)
    assert made == []
    expected = direct(job)
    assert len(made) == 300  # the same model outside a job has its agents
    assert table.to_pandas().equals(expected)
