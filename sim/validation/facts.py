"""Stylized facts the model is compared with, not tuned to: praise against warnings (East, Hammond &
Wright 2007), loyalty after a complaint by how it was handled (TARP), and the recovery paradox after a
first but not a second failure (Maxham & Netemeyer 2002), all on scenarios/baseline.yaml.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..levels import Level
from ..model import EngagementModel
from ..scenario import BUNDLED

BASELINE_SCENARIO = BUNDLED / "baseline.yaml"

# --- word of mouth --------------------------------------------------------------------------------


def word_of_mouth_ratio(seeds: int, overrides: dict | None = None, tick: Callable = lambda: None) -> pd.DataFrame:
    """Praise and warnings over a baseline run, per company and seed (East, Hammond & Wright 2007: ~3:1)."""
    rows = []
    for seed in range(seeds):
        model = EngagementModel(BASELINE_SCENARIO, rng=seed, overrides=overrides)
        model.run()
        frame = model.timeseries()
        for name in model.market.names:
            rows.append({"seed": seed, "company": name, "praise": int(frame[f"{name}_praise"].sum()),
                         "warnings": int(frame[f"{name}_warnings"].sum())})
        tick()
    return pd.DataFrame(rows)


# --- complaint outcomes per customer (read by the TARP cohort and the recovery twins) -------------


def watch_of(model: EngagementModel) -> dict:
    """Who had a failure in the last step and what happened to their complaint: boolean arrays, and recovery values.

    Read from the outcomes the complaints mechanism leaves in the step's tally.
    """
    tally, n = model.last_tally, model.state.n
    outcomes = tally.complaint_outcomes

    def mask(rows: np.ndarray) -> np.ndarray:
        chosen = np.zeros(n, bool)
        chosen[rows] = True
        return chosen

    value = np.zeros(n, np.float32)
    value[outcomes.resolved] = outcomes.recovery_value
    return {"failed": tally.failed if tally.failed is not None else np.zeros(n, bool), "recovery_value": value,
            **{key: mask(getattr(outcomes, key)) for key in ("complained", "resolved", "quick", "gave_up")}}


# --- loyalty after a complaint (TARP) -------------------------------------------------------------


TARP_GROUPS = ("did not complain", "complained, not satisfied", "complained, satisfied",
               "complained, satisfied quickly")


@dataclass
class ComplaintCohort:
    """Customers followed from their first failure in a window: how the complaint went, and did they stay."""

    n: int
    first: np.ndarray = field(init=False)
    home: np.ndarray = field(init=False)
    status: np.ndarray = field(init=False)  # 0 silent, 1 open, 2 quick, 3 satisfied later, 4 not satisfied
    left: np.ndarray = field(init=False)

    def __post_init__(self):
        self.first = np.full(self.n, -1, np.int32)
        self.home = np.zeros(self.n, np.int16)
        self.status = np.zeros(self.n, np.int8)
        self.left = np.zeros(self.n, bool)

    def observe(self, model: EngagementModel, window: tuple[int, int], horizon: int) -> None:
        """Update after one model step."""
        step, watch, company = model.steps, watch_of(model), model.state.company
        before = model.last_tally.company_before
        fresh = watch["failed"] & (self.first < 0) & (window[0] <= step < window[1])
        self.first[fresh] = step
        self.home[fresh] = before[fresh]
        self.status[fresh] = np.where(watch["complained"][fresh], 1, 0)
        following = (self.first >= 0) & (step <= self.first + horizon)
        pending = following & (self.status == 1)
        satisfied = watch["resolved"] & (watch["recovery_value"] > 0)
        self.status[pending & satisfied & watch["quick"]] = 2
        self.status[pending & satisfied & ~watch["quick"]] = 3
        self.status[pending & ((watch["resolved"] & ~satisfied) | watch["gave_up"] | (company != self.home))] = 4
        self.left |= following & (company != self.home)

    def groups(self, last_step: int, horizon: int) -> pd.DataFrame:
        """Retention over the horizon by TARP group (still-open complaints count as not satisfied)."""
        done = (self.first >= 0) & (self.first + horizon <= last_step)
        group = np.select([self.status == 0, np.isin(self.status, (1, 4)), self.status == 3, self.status == 2],
                          [0, 1, 2, 3])
        rows = []
        for k, label in enumerate(TARP_GROUPS):
            members = done & (group == k)
            stayed = (~self.left[members]).mean() if members.any() else float("nan")
            rows.append({"group": label, "customers": int(members.sum()), "retention": float(stayed)})
        return pd.DataFrame(rows)


TARP_HORIZON = 90  # steps a customer is followed after their first failure


def complaint_loyalty(seeds: int, overrides: dict | None = None, horizon: int = TARP_HORIZON,
                      tick: Callable = lambda: None) -> pd.DataFrame:
    """Retention after a first failure by how the complaint went (TARP shape), baseline scenario, pooled seeds."""
    frames = []
    for seed in range(seeds):
        model = EngagementModel(BASELINE_SCENARIO, rng=seed, overrides=overrides)
        last = model.params["steps"]
        cohort = ComplaintCohort(model.state.n)
        for _ in range(last):
            model.step()
            cohort.observe(model, (1, last - horizon + 1), horizon)
        frames.append(cohort.groups(last, horizon).assign(seed=seed))
        tick()
    table = pd.concat(frames)
    table["stayed"] = table["retention"] * table["customers"]
    pooled = table.groupby("group", sort=False)[["customers", "stayed"]].sum().reindex(TARP_GROUPS).reset_index()
    pooled["retention"] = pooled["stayed"] / pooled["customers"].replace(0, np.nan)
    pooled["ci95"] = 1.96 * np.sqrt(pooled["retention"] * (1 - pooled["retention"]) / pooled["customers"].clip(lower=1))
    return pooled.drop(columns="stayed")


# --- the recovery paradox -------------------------------------------------------------------------


@dataclass
class Twin:
    """One arm of the recovery twin experiment: what matters towards the focal company, step by step.

    `bond` (towards the focal company, 0 for people who are not its customers) is kept for every step;
    the rest only for the steps in `keep`.
    """

    label: str
    keep: set
    bond: list = field(default_factory=list)
    engaged: dict = field(default_factory=dict)
    customer: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    quick: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)  # failures with the focal company since the start
    count: np.ndarray | None = None

    def record(self, model: EngagementModel) -> None:
        state, watch, focal = model.state, watch_of(model), model.market.focal
        mine = state.company == focal
        failed = watch["failed"] & (model.last_tally.company_before == focal)
        self.count = failed.astype(np.int16) if self.count is None else self.count + failed
        self.bond.append(np.where(mine, state.bond, 0).astype(np.float32))
        step = model.steps
        if step in self.keep:
            self.engaged[step] = mine & ((state.level == Level.INVOLVED) | (state.level == Level.PASSIONATE))
            self.customer[step] = mine
            self.failed[step] = failed
            self.quick[step] = watch["quick"].copy()
            self.failures[step] = self.count.copy()


def outage(at: int) -> dict:
    """A one-step outage: every focal customer with a touchpoint in step `at` has a failure."""
    return {"at": at, "until": at + 1, "company": "focal", "outage": {"failure_rate": 1.0, "share": 1.0}}


def run_twin(label: str, outages: list[int], seed: int, steps: int, overrides: dict, keep: set) -> Twin:
    """Run the baseline with the given outages and record a Twin (common random numbers: same seed)."""
    twin = Twin(label, keep)
    model = EngagementModel(BASELINE_SCENARIO, rng=seed,
                            overrides={**overrides, "interventions": [outage(t) for t in outages]})
    for _ in range(steps):
        model.step()
        twin.record(model)
    return twin


def paired(treated: Twin, control: Twin, members: np.ndarray, step: int) -> dict:
    """Mean paired differences (treated - control twin) of the group `members` at `step`."""
    count = int(members.sum())
    if count < 2:
        return {"customers": count, "bond_difference": float("nan"), "bond_difference_se": float("nan"),
                "engaged_difference": float("nan"), "retention_difference": float("nan")}
    diff = treated.bond[step - 1][members].astype(float) - control.bond[step - 1][members]
    return {"customers": count, "bond_difference": float(diff.mean()),
            "bond_difference_se": float(diff.std(ddof=1) / math.sqrt(count)),
            "engaged_difference": float(treated.engaged[step][members].mean() - control.engaged[step][members].mean()),
            "retention_difference": float(treated.customer[step][members].mean()
                                          - control.customer[step][members].mean())}


@dataclass
class RecoveryDesign:
    """The recovery twin experiment: outages at `first` and `second`, effects read `horizon` steps later."""

    first: int = 20
    second: int = 80
    horizon: int = 30
    good_handling: float = 0.9
    poor_handling: float = 0.1
    customers: int | None = 20_000
    burn_in: int | None = None  # None: the scenario's own


def recovery_paradox(design: RecoveryDesign, seed: int = 0, tick: Callable = lambda: None) -> tuple[pd.DataFrame, dict]:
    """Twins under common random numbers: no outage, one and two outages (good handling); none and one (poor).

    Group "one failure": focal customers whose first failure with the company came in the first outage;
    "two failures": those of them whose second failure came in the second outage; "... at first contact":
    the subgroup whose complaints were resolved in the step of the failure. Each group is compared with
    the same people in the twin run without outages, `horizon` steps after its last failure.
    Returns the table and, per group, the mean paired bond difference at every step.
    """
    t1, t2, horizon = design.first, design.second, design.horizon
    steps = t2 + horizon
    keep = {t1, t2, t1 + horizon, t2 + horizon}
    base = {"customers": design.customers} if design.customers else {}
    if design.burn_in is not None:
        base["burn_in"] = design.burn_in
    arms = {}
    for name, handling, outages in (("good", design.good_handling, ([], [t1], [t1, t2])),
                                    ("poor", design.poor_handling, ([], [t1]))):
        for times in outages:
            label = f"{name}/{len(times)}"
            changes = {**base, "companies.focal.complaint_handling": handling}
            arms[label] = run_twin(label, times, seed, steps, changes, keep)
            tick()
    control, once, twice = arms["good/0"], arms["good/1"], arms["good/2"]
    hit_once = once.failed[t1] & (once.failures[t1] == 1)
    hit_twice = hit_once & twice.failed[t2] & (twice.failures[t2] == 2)
    poor = arms["poor/1"]
    rows = [
        ("one failure, good handling", once, control, hit_once, t1),
        ("one failure, recovered at first contact", once, control, hit_once & once.quick[t1], t1),
        ("two failures, good handling", twice, control, hit_twice, t2),
        ("two failures, both recovered at first contact", twice, control,
         hit_twice & twice.quick[t1] & twice.quick[t2], t2),
        ("one failure, poor handling", poor, arms["poor/0"], poor.failed[t1] & (poor.failures[t1] == 1), t1),
    ]
    table = pd.DataFrame([{"group": label, "failure_step": at, "read_at": at + horizon,
                           **paired(treated, twin, members, at + horizon)}
                          for label, treated, twin, members, at in rows])
    paths = {label: np.array([(treated.bond[k][members].astype(float) - twin.bond[k][members]).mean()
                              if members.any() else np.nan for k in range(steps)])
             for label, treated, twin, members, _ in rows}
    return table, paths
