"""The text of validation.md: the header, the summary table of every check, section 1 (the Bass limit),
and `render` joining them with sections 2-5 (report_market, report_scenarios, report_facts,
report_properties). Every number in the text is read from the run's Results.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import scenario as scenarios
from ..experiments.output import git_revision, versions
from . import report_facts, report_market, report_properties, report_scenarios
from .bass import (
    BASS_SCENARIO,
    bass_coefficients,
    bass_conditions,
    bass_continuous,
    bass_discrete,
    bass_steps,
    network_summary,
)
from .figures import STYLE, figure_bass_curves, figure_bass_error, figure_networks
from .report_format import Check, caption, checks_table, fmt, markdown_table

if TYPE_CHECKING:
    from .report import Results

__all__ = ["fmt", "markdown_table", "render"]
SECTION = "1. Bass limit"


def convergence_table(convergence: pd.DataFrame) -> pd.DataFrame:
    """Mean (sd) maximum absolute error per (p, q, N), against the discrete and the continuous curves."""
    grouped = convergence.groupby(["p", "q", "customers"], sort=False)
    table = grouped.agg(runs=("seed", "size"), max_error=("max_error", "mean"), sd=("max_error", "std"),
                        expected_sd=("expected_sd", "first"), continuous=("max_error_continuous", "mean"))
    table["error_x_sqrt_n"] = table["max_error"] * np.sqrt(table.index.get_level_values("customers"))
    return table.reset_index()


def error_slopes(table: pd.DataFrame) -> dict:
    """Slope of log(mean max error) against log(N) per (p, q): about -0.5 if the error is ~ 1/sqrt(N)."""
    slopes = {}
    for (p, q), group in table.groupby(["p", "q"], sort=False):
        if len(group) > 1:
            slopes[(p, q)] = float(np.polyfit(np.log(group["customers"]), np.log(group["max_error"]), 1)[0])
    return slopes


def mapping_section() -> str:
    """Section 1 opening: scenario parameters behind p and q, and the conditions of the exact limit."""
    data = scenarios.load(BASS_SCENARIO).data
    p, q = bass_coefficients(data)
    missing = bass_conditions(data)
    company = data["companies"]["brand"]
    wom = data["word_of_mouth"]
    rows = [
        ("p (innovation)", "companies.X.advertising.reach x companies.X.advertising.conversion (summed over companies)",
         f"{company['advertising']['reach']:g} x {company['advertising']['conversion']:g} = {p:g}"),
        ("q (imitation)", "word_of_mouth.conversation_rate x praise_rate x referral_conversion "
         "x (1 - introversion_damping x introversion)",
         f"{wom['conversation_rate']:g} x {wom['praise_rate']:g} x {wom['referral_conversion']:g} x 1 = {q:g}"),
    ]
    table = markdown_table(pd.DataFrame(rows, columns=["Bass", "model parameters", "scenarios/bass.yaml"]))
    conditions = ("all met" if not missing else "MISSING: " + "; ".join(missing))
    return f"""{table}

Conditions for the exact limit (checked by `sim.validation.bass_conditions`, {conditions}):
complete network; no burn-in (`burn_in: 0`: the curve starts from nobody, not from a market at rest);
everyone starts as a prospect (`initial_share: 0`); no touchpoints (so no experiences,
failures or complaints); programmes and promotions off; nobody leaves (`switching.base_hazard`,
`anger_hazard`, `price_response` all 0); introversion 0 for everyone; identification 1 and trust above the
gate with spread 0, and no fading of identification (`identification.fading: 0`), so a new customer's bond
starts at `bond.identification_weight` x 1 >= `levels.passionate` and stays there: adopters praise from the
step after they join; nobody at relationship capacity (`traits.relationships.mean: 0`), since crowding would
halve the bond's target; and
`advertising.conversion + referral_conversion <= 1`, because the two conversion chances are added and
one uniform decides (sim/mechanisms/switching.py), which is exactly "hazard p + q F" only while the sum
stays below 1.

Why the discrete recursion is the reference: within a step the model fixes every hazard from the state
at the start of the step, and people who join in step t talk from step t+1. The expected share of new
adopters is therefore (p + q F(t)) (1 - F(t)), exactly the recursion F(t+1) = F(t) + (p + q F(t))(1 - F(t)).
The closed form F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t) solves the differential equation
dF/dt = (p + qF)(1 - F), in which new adopters start influencing others at once; it is the limit of the
recursion when p + q per step is small (steps short compared with the diffusion), and with p + q of
0.2 to 0.5 per step it runs ahead of the model (and of the recursion) by several percentage points.
The chance that a random contact of a prospect is an adopter is A / (N - 1) rather than A / N: a bias
of order q/N, far below the noise."""


def bass_section(results: Results, folder: Path, prefix: str) -> str:
    """Section 1: the complete network against the discrete Bass curve, then the sparse networks."""
    table = convergence_table(results.convergence)
    slopes = error_slopes(table)
    ratio = table["max_error"] / table["expected_sd"]
    ratio_low, ratio_high = float(ratio.min()), float(ratio.max())
    gaps = []
    for p, q in results.plan.pairs:
        steps = bass_steps(p, q)
        gap = np.abs(bass_discrete(p, q, steps) - bass_continuous(p, q, np.arange(steps + 1))).max()
        gaps.append({"p": p, "q": q, "p + q": p + q, "max gap": gap, "slope": slopes.get((p, q), float("nan"))})
    shown = table.rename(columns={"customers": "N", "max_error": "mean max error", "sd": "sd over runs",
                                  "expected_sd": "linear-noise sd (max over t)",
                                  "continuous": "vs continuous form", "error_x_sqrt_n": "error x sqrt(N)"})
    error_table = markdown_table(shown, {"N": lambda v: f"{int(v):,}", "runs": lambda v: f"{int(v)}",
                                         "mean max error": ".4f",
                                         "sd over runs": ".4f", "linear-noise sd (max over t)": ".4f",
                                         "vs continuous form": ".4f", "error x sqrt(N)": ".3f"})
    gap_table = markdown_table(pd.DataFrame(gaps).rename(columns={
        "max gap": "max abs(discrete - continuous)", "slope": "fitted slope of log error vs log N"}),
        {"max abs(discrete - continuous)": ".4f", "fitted slope of log error vs log N": ".2f", "p + q": ".3f"})
    networks = network_summary(results.networks)
    net_table = markdown_table(networks.rename(columns={
        "steps_to_half": "steps to 50% adoption", "complete_lead_max": "largest lead of complete graph",
        "complete_lead_min": "smallest lead (negative = sparse ahead)"}),
        {"largest lead of complete graph": ".3f", "smallest lead (negative = sparse ahead)": ".3f"})
    plan = results.plan
    return f"""## 1. The Bass limit

{mapping_section()}

### Complete network: the model follows the discrete Bass curve

Each run uses scenarios/bass.yaml with `sim.validation.bass_overrides(p, q)` (reach 0.2, conversion 5p,
conversation rate 0.8, praise rate 0.8, referral conversion q / 0.64), seeds 0, 1, ...; the error is the
maximum over all steps of |adopter share - F(t)| until the curve passes 99.5% (plus 5 steps).

{figure_bass_curves(results, folder, prefix)}

{caption("What to see: the model's dots lie on the black discrete recursion; the red dashed closed form runs "
         "ahead of both, the more so the larger p + q.")}

{error_table}

The "linear-noise sd" is the largest standard deviation of the simulated share around the recursion,
predicted by propagating the binomial noise of each step through the recursion (`bass_noise_sd`). The mean
maximum error is {ratio_low:.1f} to {ratio_high:.1f} times it, and both fall like 1/sqrt(N): error x sqrt(N)
stays roughly constant (fitted slopes below). Small populations with a small p deviate more: with N p of a few
adopters a step, when the take-off starts is itself random, which shifts the whole curve.

{figure_bass_error(table, folder, prefix)}

{caption("What to see: each coloured line falls parallel to the dashed slope -1/2 and stays close to its "
         "dotted noise prediction: the error is sampling noise, not bias.")}

{gap_table}

The gap between the discrete recursion and the continuous closed form does not shrink with N: it is the
difference between a daily step and continuous time, which is why the model is compared with the recursion
(column "vs continuous form" above: the model's distance to the closed form stays at that gap).

### Sparse networks: slower diffusion

Same (p, q), N = {plan.network_customers:,}, {plan.network_seeds} seed(s) averaged, degree 10. On a sparse
network a prospect's contacts are its neighbours, and adopters cluster, so a prospect's chance of meeting an
adopter is below the population share: diffusion is slower and the complete graph is an upper bound
(Fibich & Gibori 2010). "Lead" is the complete graph's adopter share minus the network's, over all steps.

{figure_networks(results.networks, folder, prefix)}

{caption("What to see: every sparse network's curve lies to the right of the complete graph's (thick), which "
         "lies on the discrete Bass curve; the ring lattice, with no long links, is slowest.")}

{net_table}
"""


def bass_checks(results: Results) -> list[Check]:
    """The Bass limit's two rows of the summary table."""
    table = convergence_table(results.convergence)
    biggest = table[table["customers"] == table["customers"].max()]
    slopes = error_slopes(table)
    ratio = (table["max_error"] / table["expected_sd"]).max()
    networks = network_summary(results.networks)
    sparse = networks[networks["network"] != "complete"]
    behind = max(0.0, -float(sparse["complete_lead_min"].min()))
    return [
        Check(SECTION, "complete network: max error against the discrete Bass curve",
              f"{biggest['max_error'].max():.4f} at N = {int(biggest['customers'].iloc[0]):,}; slopes of log error "
              "vs log N " + ", ".join(f"{s:.2f}" for s in slopes.values()),
              "within the binomial noise (under 3 linear-noise sd), which shrinks like 1/sqrt(N) (slope -0.5)",
              "Bass 1969", bool(ratio < 3)),
        Check(SECTION, "sparse networks against the complete graph",
              f"complete graph ahead by up to {sparse['complete_lead_max'].max():.3f}; never behind by more than "
              f"{behind:.3f}", "the complete graph is an upper bound", "Fibich & Gibori 2010",
              bool(behind < 0.01)),
    ]


def all_checks(results: Results) -> list[Check]:
    return (bass_checks(results) + report_market.checks(results) + report_scenarios.checks(results)
            + report_facts.checks(results) + report_properties.checks(results))


def summary_section(results: Results) -> str:
    """One table of every check: our figure, the published figure or band, its source, inside or not."""
    checks = all_checks(results)
    judged = [c for c in checks if c.inside is not None]
    missed = [c for c in judged if not c.inside]
    differ = ("" if not missed else "\n\nWhere we differ (each is discussed in its section):\n\n"
              + "\n".join(f"- {c.check}: {c.ours} against {c.published}" for c in missed))
    return f"""## Summary

{len(judged) - len(missed)} of {len(judged)} checks are inside their published figure or band. Figures of a market
are means over the seeds named in its section.

{checks_table(checks)}{differ}
"""


def header(results: Results) -> str:
    plan = results.plan
    kind = ("a quick run: small populations, short burn-ins, few seeds, few mutations; for CI, not for "
            "citing" if plan.quick else "the full run; `--quick` is a one-minute version for CI")
    return f"""# Validation of the customer engagement model

Generated by `python -m sim validate-model{" --quick" if plan.quick else ""}` ({kind}) on
{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC in {results.seconds / 60:.1f} minutes;
git revision `{git_revision()}`; numpy {versions().get("numpy", "?")}, mesa {versions().get("mesa", "?")}.
Do not edit by hand: rerun the command. Every number below comes from a named scenario and seed.

Contents: the summary of every check; 1. the Bass limit (mapping, complete network, sparse networks);
2. the market at rest (the baseline and two industry markets after their burn-in, the burn-in's cost);
3. the scenarios do what their names say (hostile_cascade, high_failure, fan_programme); 4. stylized facts
(word of mouth, loyalty after a complaint, the recovery paradox); 5. the properties of the brief and the
mutations that would break them. Experiments live in `sim/validation/` (bass, at_rest, scenarios, facts,
properties, mutations); the report in report.py and its section modules.
"""


def render(results: Results, folder: Path, figure_prefix: str) -> str:
    """The Markdown report; figures are written into `folder` and linked as `figure_prefix`/NAME.png."""
    import matplotlib

    matplotlib.use("Agg")  # figures only go to files: no display needed, and none on CI
    with matplotlib.rc_context(STYLE):
        sections = [bass_section(results, folder, figure_prefix),
                    report_market.section(results, folder, figure_prefix),
                    report_scenarios.section(results, folder, figure_prefix),
                    report_facts.section(results, folder, figure_prefix),
                    report_properties.section(results, folder, figure_prefix)]
    return "\n".join([header(results), summary_section(results), *sections])
