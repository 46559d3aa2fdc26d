"""Scenario files: defaults, validation with one-line errors (file, line, key path, expectation), overrides."""

import pytest

from sim import scenario as scenarios
from sim.scenario import ScenarioError

from .conftest import SCENARIOS


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scenarios_validate(path):
    scenario = scenarios.load(path)
    assert scenario.data["customers"] >= 2 and scenario.companies


def test_three_line_file_runs(small_yaml):
    path = small_yaml("""
        customers: 300
        steps: 5
        seed: 7
    """)
    import sim

    model = sim.EngagementModel(path)
    model.run()
    assert model.steps == 5 and len(model.timeseries()) == 6
    assert model.market.names == ["focal", "rival"]


BAD = {
    "unknown key with suggestion": ("customers: 300\ncompanies:\n  focal:\n    prise: 1.0\n",
                                    ":4: companies.focal.prise: unknown key (did you mean 'price'?)"),
    "wrong type": ("customers: lots\n", ":1: customers: expected a whole number, got the text 'lots'"),
    "out of range": ("trust:\n  gate: 1.5\n", ":2: trust.gate: expected a value of at most 1, got 1.5"),
    "unknown focal company": ("focal: acme\n", ":1: focal: no company named 'acme'"),
    "intervention for a missing company": (
        "interventions:\n  - {at: 3, company: focla, price: 0.9}\n",
        ":2: interventions.0.company: no company named 'focla' (did you mean 'focal'?)"),
    "malformed yaml": ("customers: 300\n  steps: [1, 2\n", ": malformed YAML"),
    "empty file": ("", ":1: the file is empty"),
    "comment-only file": ("# nothing here\n", ":1: the file is empty"),
    "python tag refused": ("customers: !!python/object/apply:os.system ['echo hi']\n",
                           ":1: malformed YAML: tag not allowed"),
    "duplicate key": ("steps: 3\nsteps: 4\n", ":2: steps: key given twice"),
    "top level list": ("- 1\n- 2\n", ":1: (top level): expected a mapping"),
    "bad choice": ("network:\n  kind: small_world\n", ":2: network.kind: expected one of watts_strogatz"),
    "shares above one": ("companies:\n  a: {initial_share: 0.7}\n  b: {initial_share: 0.6}\n",
                         ":1: companies: expected initial_share values adding up to at most 1, got 1.3"),
    "until before at": ("interventions:\n  - {at: 9, until: 4, company: focal, price: 1}\n",
                        ":2: interventions.0.until: expected a step after 'at' (9), got 4"),
    "programme target typo": ("companies:\n  focal:\n    programmes:\n      appreciation: {target: pasionate}\n",
                              ":4: companies.focal.programmes.appreciation.target: expected one of"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gives_one_line(case, small_yaml):
    text, expected = BAD[case]
    path = small_yaml(text, "bad.yaml")
    with pytest.raises(ScenarioError) as error:
        scenarios.load(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message, message


def test_missing_file():
    with pytest.raises(ScenarioError, match="no such file"):
        scenarios.load("does/not/exist.yaml")


def test_set_overrides_are_validated(small_yaml):
    path = small_yaml("customers: 300\n")
    scenario = scenarios.load(path, ["companies.focal.price=0.8", "trust.gate=0.3", "steps=12"])
    assert scenario.data["companies"]["focal"]["price"] == 0.8
    assert scenario.data["trust"]["gate"] == 0.3 and scenario.data["steps"] == 12
    with pytest.raises(ScenarioError, match=r"--set companies.focal.prise=0.8 .*unknown key \(did you mean 'price'"):
        scenarios.load(path, ["companies.focal.prise=0.8"])
    with pytest.raises(ScenarioError, match="expected a value of at most 1"):
        scenarios.load(path, ["trust.gate=2"])


def test_interventions_shortcuts():
    scenario = scenarios.from_dict({"interventions": [
        {"at": 5, "company": "focal", "start": "appreciation", "target": "passionate", "reach": 0.3},
        {"at": 50, "company": "focal", "stop": "appreciation"}]})
    start, stop = scenario.data["interventions"]
    assert start["changes"]["programmes"]["appreciation"] == {"reach": 0.3, "target": "passionate", "frequency": 0.05}
    assert stop["changes"]["programmes"]["appreciation"] == {"reach": 0.0}


def test_cli_bad_input_exit_2_no_traceback_nothing_written(cli, small_yaml, tmp_path):
    path = small_yaml("customers: 300\ncompanies:\n  focal: {prise: 2}\n", "bad.yaml")
    out = tmp_path / "out"
    for command in (["run", path, "--out", out], ["validate", path], ["run", small_yaml("steps: 3\n"), "--out", out,
                                                                      "--set", "trust.gat=0.2"]):
        result = cli(*command, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr
        assert not out.exists() and not (tmp_path / "results").exists()


def test_overrides_on_a_scenario_with_interventions():
    base = scenarios.load(SCENARIOS / "fan_programme.yaml")
    changed = base.with_overrides({"companies.focal.price": 0.9})
    assert changed.data["companies"]["focal"]["price"] == 0.9
    assert changed.data["interventions"] == base.data["interventions"]
    again = changed.with_overrides({"interventions": []})
    assert again.data["interventions"] == [] and again.name == base.name == "fan_programme"
