"""The validation report (docs/validation.md, `python -m sim validate-model`): every section is written with
its figures and captions, the summary judges each figure against its band, the numbers in the text are the
run's, a broken demonstration or a surviving mutation is shown as such, and `--quick` runs end to end.

Most tests render one tiny run (small populations, short burn-ins, stand-in property experiments and a stand-in
cascade: their own tests are tests/test_properties.py and tests/test_market.py) and change one figure in a copy
of its results to see that the report follows.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from sim.validation import facts, market_runs, mutations, properties, report, report_facts, report_market
from sim.validation.report_sections import all_checks

TINY = {"customers": 300, "burn_in": 30}


def tiny_plan() -> report.Plan:
    return report.Plan(quick=True, pairs=[(0.05, 0.5)], sizes=[300], seeds={300: 1}, network_pairs=[(0.05, 0.5)],
                       network_customers=300, network_seeds=1, rest_seeds=(0,), industry_seeds=(0,), rest_years=1,
                       rest_overrides=TINY, scenario_seeds=(0,), scenario_overrides=TINY,
                       wom_seeds=1, wom_overrides={**TINY, "steps": 60},
                       tarp_seeds=1, tarp_overrides={**TINY, "steps": 120}, tarp_horizon=30,
                       recovery=facts.RecoveryDesign(first=5, second=10, horizon=5, customers=400, burn_in=30),
                       property_scale=0.05, mutation_scale=0.05, mutation_properties=None)


def works(seed, scale, changes=None):
    """A stand-in property: holds unless a mutation changes something."""
    return properties.Demonstration("works", "a claim that holds", "a scenario", seed, {"effect": 0.5}, not changes,
                                    plot=lambda ax: (ax.plot([0, 1], [0, 1], label="x"), ax.legend(fontsize=6)))


def breaks(seed, scale, changes=None):
    raise RuntimeError("on purpose")


def stand_in_cascade(seeds):
    """Rows shaped like scenarios.cascade_check's, without running the 5,000-customer scenario."""
    series = np.r_[np.full(61, 0.03), np.full(180, 0.09)].tolist()
    return [{"seed": seed, "before": 0.03, "after_90": 0.09, "twin_without_viral_after_90": 0.035,
             "listening_0.8_after_90": 0.04, "warnings_to_never_customers": 500, "never_customers_warned": 120,
             "identification_of_never_customers": -0.02, "identification_of_never_customers_twin": 0.03,
             "series": series, "series_twin": [0.03] * 241, "series_listening": [0.035] * 241} for seed in seeds]


@pytest.fixture(scope="module")
def tiny():
    """Results of a tiny run: two stand-in properties (one breaks), one caught and one surviving mutation."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(properties, "PROPERTIES", {"works": works, "breaks": breaks})
        patch.setattr(mutations, "PROPERTIES", {"works": works})
        patch.setattr(mutations, "MUTATIONS", (mutations.Mutation("works", "switch it off", {"x.y": 0}),
                                               mutations.Mutation("works", "changes nothing", {})))
        patch.setattr(market_runs.scenarios, "cascade_check", stand_in_cascade)
        return report.run_all(tiny_plan(), progress=False)


@pytest.fixture
def results(tiny):
    return copy.deepcopy(tiny)


def written(results, tmp_path) -> str:
    return report.write_report(results, tmp_path).read_text()


def row_of(text: str, check: str) -> str:
    (line,) = [line for line in text.splitlines() if line.startswith("| ") and f"| {check} |" in line]
    return line


SECTIONS = ("## Summary", "## 1. The Bass limit", "## 2. The market at rest", "### The baseline",
            "### Industry market: UK retail bank", "### Industry market: mobile operator",
            "## 3. The scenarios do what their names say", "### hostile_cascade",
            "### high_failure against the baseline", "### fan_programme with and without its programmes",
            "## 4. Stylized facts", "### Positive versus negative word of mouth", "by how the complaint went (TARP)",
            "### The recovery paradox", "## 5. The properties of the brief",
            "### Mutations: could each experiment fail?")
FIGURES = ("bass_curves", "bass_error", "bass_networks", "at_rest_baseline", "at_rest_uk_retail_bank",
           "at_rest_mobile_operator", "hostile_cascade", "word_of_mouth_ratio", "complaint_loyalty", "recovery_paradox")


def test_every_section_and_figure_is_written_each_figure_with_a_caption(results, tmp_path):
    text = written(results, tmp_path)
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    folder = tmp_path / "figures" / "validation"
    for name in (*FIGURES, "property_works"):
        assert (folder / f"{name}.png").stat().st_size > 1000
        assert f"figures/validation/{name}.png" in text
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(re.findall(r"figures/validation/([\w.]+\.png)", text))
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("!["):
            assert lines[k + 2].startswith("*What to see:"), line
    assert not list(tmp_path.rglob("*.partial")) and not list(tmp_path.rglob("*.tmp"))


def test_a_broken_demonstration_and_a_surviving_mutation_are_shown(results, tmp_path):
    text = written(results, tmp_path)
    assert "### works: holds" in text and "### breaks: DOES NOT HOLD" in text and "RuntimeError: on purpose" in text
    assert "| works | switch it off | caught |" in text and "| works | changes nothing | **SURVIVED** |" in text
    assert "1 of 2 hold (not: breaks)" in row_of(text, "properties of the brief")
    assert "**no**" in row_of(text, "mutations caught (every mutation)")


def test_a_figure_outside_its_band_is_marked_in_the_summary_and_said_plainly(results, tmp_path):
    for run in results.rest["baseline"].runs:
        run["checked"]["passionate"] = 0.4321  # the band is 8% to 35%
    text = written(results, tmp_path)
    row = row_of(text, "baseline: passionate share (year 1)")
    assert "43.2%" in row and row.endswith("| **no** |")
    summary = text[text.index("## Summary"): text.index("## 1. The Bass limit")]
    assert "- baseline: passionate share (year 1): 43.2% against 8.0% to 35.0%" in summary
    for run in results.rest["baseline"].runs:
        run["checked"]["passionate"] = 0.2
    check = next(c for c in all_checks(results) if c.check == "baseline: passionate share (year 1)")
    assert check.inside and check.ours == "20.0%"


def test_an_industry_market_that_misses_its_source_says_so(results):
    bank = results.rest["markets/uk_retail_bank"]
    for run in bank.runs:
        run["checked"]["disengaged_or_hostile"] = 0.25
        run["checked"]["passionate"] = 0.16
    rows = {row["figure"]: row for row in report_market.industry_rows("markets/uk_retail_bank", bank)}
    assert not rows["disengaged + hostile share"]["inside"] and rows["passionate share"]["inside"]
    said = report_market.differences("markets/uk_retail_bank", bank)
    assert "the disengaged + hostile share is 25.0%, below the published about 38% actively disengaged" in said


def test_the_recovery_paradox_headline_is_the_overall_effect(results, tmp_path):
    table = results.recovery.set_index("group")
    table.loc[report_facts.OVERALL, ["bond_difference", "bond_difference_se"]] = (-0.4321, 0.01)
    table.loc[report_facts.FIRST, ["bond_difference", "bond_difference_se"]] = (0.0771, 0.01)
    results.recovery = table.reset_index()
    text = written(results, tmp_path)
    section = text[text.index("### The recovery paradox"):]
    headline, subgroup = section.index("**Headline"), section.index("recovered at first contact (")
    assert headline < subgroup
    assert "bond -0.432" in section[headline:subgroup] and "A first failure hurts on average" in section
    assert "+0.077 (z = 7.7), a significant paradox" in " ".join(section.split())
    assert "stays below zero" in section  # the caption follows the run
    row = row_of(text, "recovery paradox, HEADLINE: everyone hit by a first failure, good handling")
    assert "-0.432" in row and row.endswith("| yes |")


def test_tarp_gaps_are_judged_against_half_the_published_ones():
    tarp = facts.pd.DataFrame({"group": facts.TARP_GROUPS, "retention": [0.40, 0.46, 0.60, 0.80]})
    gaps = report_facts.tarp_gaps(tarp)
    assert list(gaps["at least half of TARP's"]) == [True, False, True]  # 0.06 >= 0.05; 0.14 < 0.175; 0.2 >= 0.14
    assert gaps["TARP"].round(2).tolist() == [0.10, 0.35, 0.28]


def test_small_fonts_are_raised_to_ten_points():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from sim.validation.figures import MIN_FONT, readable

    figure, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(fontsize=6)
    ax.set_title("small", fontsize=7)
    readable(figure)
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text()]
    plt.close(figure)
    assert min(sizes) >= MIN_FONT


def test_the_quick_plan_runs_a_few_mutations_and_the_full_plan_all():
    assert report.chosen_mutations(None) is mutations.MUTATIONS
    few = report.chosen_mutations(6)
    assert len(few) == 6 and len({m.property for m in few}) == 6
    small, full = report.Plan.small(), report.Plan.full()
    assert small.runs() < full.runs() and small.mutation_properties and full.mutation_properties is None


def test_validate_model_quick_writes_report_and_figures(tmp_path):
    """`validate-model --quick` is what CI runs (about a minute on two idle cores); it writes every section."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "sim", "validate-model", "--quick", "--quiet",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "validation.md").read_text()
    for heading in SECTIONS:
        assert heading in text, heading
    pngs = list((tmp_path / "figures" / "validation").glob("*.png"))
    assert len(pngs) >= len(FIGURES) + 17
    assert all(f"figures/validation/{png.name}" in text for png in pngs)
    assert "--quick" in text.splitlines()[2] and "not for citing" in text
    assert elapsed < 300, f"validate-model --quick took {elapsed:.0f} s"


def test_validate_model_refuses_a_file_as_out(tmp_path, capsys):
    from sim.cli import main

    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["validate-model", "--quick", "--out", str(target)]) == 2
    error = capsys.readouterr().err
    assert error.strip().count("\n") == 0 and "is a file" in error and "Traceback" not in error
    assert target.read_text() == "x"


def test_complaint_watch_agrees_with_the_models_own_counts():
    """The per-customer complaint outcomes (read by the TARP cohort and the recovery twins) add up to the
    model's per-company tallies."""
    from sim import EngagementModel

    model = EngagementModel(facts.BASELINE_SCENARIO, rng=3, overrides={"customers": 3000})
    seen = {"complained": 0, "resolved": 0, "quick": 0, "gave_up": 0}
    counted = dict.fromkeys(seen, 0)
    for _ in range(80):
        model.step()
        watch, tally = facts.watch_of(model), model.last_tally
        for key in seen:
            seen[key] += int(watch[key].sum())
        for key, column in (("complained", "complaints"), ("resolved", "recoveries"),
                            ("quick", "quick_recoveries"), ("gave_up", "abandoned_complaints")):
            counted[key] += int(tally.counts[column].sum())
    assert seen == counted and seen["quick"] > 0 and seen["gave_up"] > 0

