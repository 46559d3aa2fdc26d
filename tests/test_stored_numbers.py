"""Stored numbers: a small scenario's results at a fixed seed, kept in tests/stored/.

Any change of the model's behaviour, however small, changes these numbers, so it shows up in review as
a changed file. When a change of behaviour is intended, refresh them on purpose:

    python -m pytest tests/test_stored_numbers.py --refresh-stored

and commit the new file with the change that caused it.
"""

import json
from pathlib import Path

import pytest

from sim import EngagementModel
from sim.experiments.metrics import summarize
from sim.levels import LEVELS

STORED = Path(__file__).resolve().parent / "stored"
CASES = {
    # name: (scenario, overrides, seed)
    "classroom_seed7": ("classroom", {"steps": 120}, 7),
    "baseline_2000_seed3": ("baseline", {"customers": 2000, "steps": 90}, 3),
}


def numbers(scenario: str, overrides: dict, seed: int) -> dict:
    """Per company: every metric, and the level counts every 30 steps; the transitions in total."""
    model = EngagementModel(scenario, rng=seed, overrides=overrides)
    model.run()
    frame = model.timeseries()
    found = {"scenario": scenario, "overrides": overrides, "seed": seed, "companies": {}}
    for name in model.market.names:
        every30 = frame[frame["step"] % 30 == 0]
        found["companies"][name] = {
            "metrics": summarize(frame, name),
            "levels": {level: every30[f"{name}_{level}"].tolist() for level in LEVELS}}
    found["transitions"] = {f"{a}_to_{b}": int(frame[f"{a}_to_{b}"].sum()) for a in LEVELS for b in LEVELS if a != b}
    return json.loads(json.dumps(found))  # the JSON form: what is stored


@pytest.mark.parametrize("case", list(CASES))
def test_stored_numbers_are_reproduced(case, request):
    path = STORED / f"{case}.json"
    found = numbers(*CASES[case])
    if request.config.getoption("--refresh-stored"):
        path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"refreshed {path.name}")
    assert path.exists(), f"{path} is missing: run python -m pytest {__file__} --refresh-stored"
    assert found == json.loads(path.read_text()), (
        f"the model's numbers changed ({path.name}); if intended, refresh with "
        "python -m pytest tests/test_stored_numbers.py --refresh-stored")
