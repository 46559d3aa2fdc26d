"""The bundled scenarios do what their names say, measured against twins under common random numbers.

- `hostile_cascade`: the focal company's hostile share 90 days after the viral complaint, against the
  level before it and against a twin without the complaint; warnings that reach people who were never
  its customers; and the same with the company listening (0.8).
- `high_failure`: churn and the NPS-like index against the baseline market, seed by seed.
- `fan_programme`: fans a year on, with the programmes and without them.
Used by tests/test_market.py and docs/validation.md.
"""

from __future__ import annotations

import numpy as np

from ..experiments.metrics import summarize
from ..model import EngagementModel


def hostile_cascade(seed: int = 0, listening: float | None = None, viral: bool = True) -> dict:
    """Hostile share of the focal company before and after the viral complaint, and who heard warnings."""
    overrides = {}
    if listening is not None:
        overrides["companies.focal.listening"] = listening
    model = EngagementModel("hostile_cascade", rng=seed, overrides=overrides or None)
    event = model.params["interventions"][0]
    at = event["at"]
    if not viral:  # the twin: the same market and draws, no complaint going viral
        model.market.interventions = []
        model.market.active_key = None
    focal = model.market.focal
    ever = model.state.company == focal  # customers of the focal company at some point
    warned_strangers = 0
    strangers_warned = np.zeros(model.state.n, bool)
    for _ in range(model.params["steps"]):
        model.step()
        ever |= model.state.company == focal
        warned = model.last_tally.warned
        if warned is not None and model.steps > at:
            about = warned[0][warned[1] == focal]
            strangers = about[~ever[about]]
            warned_strangers += strangers.size
            strangers_warned[strangers] = True
    hostile = model.timeseries()["focal_hostile_share"].to_numpy()
    return {"seed": seed, "at": at, "listening": model.params["companies"]["focal"]["listening"], "viral": viral,
            "hostile_before": float(hostile[at - 1]), "hostile_after_1": float(hostile[at + 1]),
            "hostile_after_30": float(hostile[at + 30]), "hostile_after_90": float(hostile[at + 90]),
            "hostile_series": hostile.tolist(),
            "warnings_to_never_customers": int(warned_strangers),
            "never_customers_warned": int(strangers_warned.sum()),
            "never_customers": int((~ever).sum()),
            "identification_of_never_customers": float(model.state.identification[~ever, focal].mean())}


def cascade_check(seeds=(0, 1, 2)) -> list[dict]:
    """Per seed: the cascade, its twin without the viral complaint, and the company that listens."""
    rows = []
    for seed in seeds:
        shocked = hostile_cascade(seed)
        calm = hostile_cascade(seed, viral=False)
        heard = hostile_cascade(seed, listening=0.8)
        rows.append({"seed": seed, "before": shocked["hostile_before"], "after_90": shocked["hostile_after_90"],
                     "twin_without_viral_after_90": calm["hostile_after_90"],
                     "listening_0.8_after_90": heard["hostile_after_90"],
                     "warnings_to_never_customers": shocked["warnings_to_never_customers"],
                     "never_customers_warned": shocked["never_customers_warned"],
                     "identification_of_never_customers": shocked["identification_of_never_customers"],
                     "identification_of_never_customers_twin": calm["identification_of_never_customers"],
                     "series": shocked["hostile_series"], "series_twin": calm["hostile_series"],
                     "series_listening": heard["hostile_series"]})
    return rows


def metrics_of(scenario: str, seed: int, overrides: dict | None = None, company: str = "focal") -> dict:
    model = EngagementModel(scenario, rng=seed, overrides=overrides)
    model.run()
    return summarize(model.timeseries(), company)


def high_failure_check(seeds=(0, 1, 2)) -> list[dict]:
    """Churn and the NPS-like index of the focal company: baseline against high_failure, same seeds."""
    rows = []
    for seed in seeds:
        base, worse = metrics_of("baseline", seed), metrics_of("markets/high_failure", seed)
        rows.append({"seed": seed, "churn_baseline": base["churn"], "churn_high_failure": worse["churn"],
                     "nps_baseline": base["nps"], "nps_high_failure": worse["nps"]})
    return rows


def fan_programme_check(seeds=(0, 1, 2)) -> list[dict]:
    """Share of fans a year on, with the fan programme's interventions and without them, same seeds."""
    rows = []
    for seed in seeds:
        with_it = metrics_of("fan_programme", seed)
        without = metrics_of("fan_programme", seed, {"interventions": []})
        rows.append({"seed": seed, "passionate_with_programme": with_it["share_passionate"],
                     "passionate_without": without["share_passionate"]})
    return rows
