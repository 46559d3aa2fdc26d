"""Interventions scheduled while a model runs (the classroom app's buttons)."""

import sim
from sim.app.model import trigger


def test_scheduled_event_acts_and_leaves_the_scenario_alone():
    scenario = sim.from_dict({"customers": 500, "steps": 20})
    model = sim.EngagementModel(scenario, rng=1)
    model.run(5)
    trigger(model, {"company": "focal", "viral_complaint": 0.5})
    model.step()
    assert model.timeseries().iloc[-1]["focal_hostile"] > 0
    assert scenario.data["interventions"] == [] and model.params["interventions"] == []
