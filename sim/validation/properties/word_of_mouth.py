"""Properties of word of mouth: introversion damps what is said, and only the passionate praise and only
the hostile warn."""

from __future__ import annotations

import numpy as np

from ...levels import LEVELS, Level
from ...market import merge
from .common import Demonstration, baseline_market, quiet_market, run, scaled


def _messages(everyone: str, seed: int, scale: float, changes: dict | None, steps: int = 20):
    """Messages sent per person in `steps` steps when everyone is passionate (or, from step 1, hostile)."""
    fans = quiet_market(customers=scaled(10000, scale), steps=steps + 1, network={"kind": "complete"},
                        traits={"introversion": {"mean": 0.5, "spread": 0.28}},
                        initial={"trust": {"mean": 0.9, "spread": 0.0}},
                        identification={"fit_spread": 0.0, "reversion": 0.0},
                        companies={"focal": {"appeal": 1.0}},
                        word_of_mouth={"conversation_rate": 0.3, "identification_effect": 0.0,
                                       "warning_effect": 0.0, "contagion": 0.0})
    scenario = fans if everyone == "passionate" else merge(fans, {
        "companies": {"focal": {"appeal": -1.0, "complaint_handling": 0.0}},  # nobody's anger is released
        "interventions": [{"at": 1, "company": "focal", "viral_complaint": 1.0}]})
    sent = None

    def count(model):
        nonlocal sent
        if sent is None:
            sent = np.zeros(model.state.n)
        if model.steps > 1:  # from step 2, when everyone is at the level
            sent += np.bincount(model.last_tally.speakers, minlength=model.state.n)

    model = run(scenario, seed, changes, every_step=count)
    level = Level.PASSIONATE if everyone == "passionate" else Level.HOSTILE
    return sent, model.state.introversion, float((model.state.level == level).mean())


def introversion(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    results, at_level = {}, {}
    for label, everyone in (("praise (all passionate)", "passionate"), ("warnings (all hostile)", "hostile")):
        sent, intro, at_level[label] = _messages(everyone, seed, scale, changes)
        bins = np.minimum((intro * 5).astype(int), 4)
        results[label] = [float(sent[bins == b].mean()) for b in range(5)]
    numbers = {f"{label}: messages per person by introversion quintile": " > ".join(f"{v:.2f}" for v in values)
               for label, values in results.items()}
    numbers.update({f"share at the level, {label}": share for label, share in at_level.items()})
    holds = all(all(a > b for a, b in zip(v, v[1:], strict=False)) and v[-1] < 0.5 * v[0]
                for v in results.values()) and min(at_level.values()) > 0.99

    def plot(ax):
        centres = np.arange(5) * 0.2 + 0.1
        for label, values in results.items():
            ax.plot(centres, values, marker="o", label=label)
        ax.set(xlabel="introversion", ylabel="messages sent per person (20 steps)",
               title="introversion damps word of mouth")
        ax.legend(fontsize=7)

    return Demonstration("introversion", "word of mouth sent falls monotonically with introversion, at equal "
                         "engagement", "everyone passionate (or, from a viral complaint at step 1, hostile) on a "
                         "complete network; messages sent in 20 steps by introversion quintile", seed, numbers, holds,
                         plot)


def valence(seed: int = 0, scale: float = 1.0, changes: dict | None = None) -> Demonstration:
    scenario = merge(baseline_market(scale), {"steps": 200, "companies": {
        "focal": {"complaint_handling": 0.2, "listening": 0.0,
                  "programmes": {"sensation": {"reach": 0.3, "frequency": 0.02}}}}})
    praise = np.zeros(6, int)
    warnings = np.zeros(6, int)
    former = [0]

    def watch(model):
        praise[:] += model.last_tally.praise_by_level
        warnings[:] += model.last_tally.warnings_by_level
        former[0] += model.last_tally.warnings_about_former

    run(scenario, seed, changes, every_step=watch)
    numbers = {**{f"praise from {LEVELS[k]}": int(praise[k]) for k in range(5)},
               **{f"warnings about their own company from {LEVELS[k]}": int(warnings[k]) for k in range(5)},
               "warnings about a company they left, from people still angry at it": former[0]}
    holds = bool(praise[Level.PASSIONATE] > 0 and praise.sum() == praise[Level.PASSIONATE]
                 and warnings[Level.HOSTILE] > 0 and warnings.sum() == warnings[Level.HOSTILE] and former[0] > 0)

    def plot(ax):
        x = np.arange(5)
        ax.bar(x - 0.2, praise[:5], 0.4, label="praise", color="#2e7d32")
        ax.bar(x + 0.2, warnings[:5], 0.4, label="warnings", color="#c62828")
        ax.set_xticks(x, LEVELS, rotation=20)
        ax.set(ylabel="messages over the run", title="who speaks (level of the speaker)")
        ax.legend()

    return Demonstration("valence of word of mouth", "only passionate customers spread praise, only hostile ones "
                         "spread warnings (also after leaving)", "the baseline market with poor complaint handling "
                         "and a small sensation programme at the focal company, 200 steps", seed, numbers, holds, plot)
