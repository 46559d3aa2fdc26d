"""The text of validation.md: formatting helpers, one function per section, and `render` joining them."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import scenario as scenarios
from ..experiments.output import git_revision, versions
from .bass import (
    BASS_SCENARIO,
    bass_coefficients,
    bass_conditions,
    bass_continuous,
    bass_discrete,
    bass_steps,
    network_summary,
)
from .facts import TARP_HORIZON
from .figures import (
    figure_bass_curves,
    figure_bass_error,
    figure_networks,
    figure_property,
    figure_recovery,
    figure_tarp,
    figure_word_of_mouth,
)

if TYPE_CHECKING:
    from .report import Plan, Results


def markdown_table(frame: pd.DataFrame, formats: dict | None = None) -> str:
    """A pandas frame as a Markdown table, columns formatted by `formats` (format spec or callable)."""
    formats = formats or {}

    def cell(column, value):
        spec = formats.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if callable(spec):
            return spec(value)
        return format(value, spec) if spec else str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * len(frame.columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(cell(c, row[c]) for c in frame.columns) + " |")
    return "\n".join(lines)


def fmt(value) -> str:
    """A value for the report: floats to 4 significant digits, integers with thousands separators, yes/no."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return "-" if math.isnan(value) else f"{value:.4g}"
    return str(value)


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
complete network; everyone starts as a prospect (`initial_share: 0`); no touchpoints (so no experiences,
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

{error_table}

The "linear-noise sd" is the largest standard deviation of the simulated share around the recursion,
predicted by propagating the binomial noise of each step through the recursion (`bass_noise_sd`). The mean
maximum error is {ratio_low:.1f} to {ratio_high:.1f} times it, and both fall like 1/sqrt(N): error x sqrt(N)
stays roughly constant (fitted slopes below). Small populations with a small p deviate more: with N p of a few
adopters a step, when the take-off starts is itself random, which shifts the whole curve.

{figure_bass_error(table, folder, prefix)}

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

{net_table}
"""


def property_section(results: Results, folder: Path, prefix: str) -> str:
    """Section 2: a summary table, then each demonstration's claim, numbers and figure."""
    header = "## 2. The properties of the brief, demonstrated\n\n"
    summary = pd.DataFrame([{"property": d.name, "holds": "yes" if d.holds else "**NO**",
                             "seed": d.seed} for d in results.demonstrations])
    parts = [header + f"Scale {results.plan.property_scale:g} (`sim.properties`; seed 0).\n\n"
             + markdown_table(summary) + "\n"]
    for demo in results.demonstrations:
        numbers = pd.DataFrame([(k, fmt(v)) for k, v in (demo.numbers or {}).items()], columns=["figure", "value"])
        error = getattr(demo, "error", None)  # only a BrokenDemonstration has one
        parts.append(f"""### {demo.name}: {"holds" if demo.holds else "DOES NOT HOLD"}

**Claim.** {demo.claim or "-"}

**Scenario.** {demo.scenario or "-"} (seed {demo.seed})
{f"{chr(10)}**Error.** `{error}`{chr(10)}" if error else ""}
{markdown_table(numbers) if len(numbers) else "(no numbers)"}

{figure_property(demo, folder, prefix) or ""}
""")
    return "\n".join(parts)


def baseline_changes(plan: Plan) -> str:
    """' with customers 4,000, steps 200' for the overrides of the baseline used by the stylized facts."""
    if not plan.baseline:
        return ""
    return " with " + ", ".join(f"{key} {fmt(value)}" for key, value in plan.baseline.items())


def wom_section(results: Results, folder: Path, prefix: str) -> str:
    """Praise per warning by company and for the market, against the published 3:1."""
    wom = results.wom
    totals = wom.groupby("company", sort=False)[["praise", "warnings"]].sum()
    totals.loc["market (all companies)"] = totals.sum()
    totals["praise per warning"] = totals["praise"] / totals["warnings"].replace(0, np.nan)
    per_seed = wom.groupby("seed")[["praise", "warnings"]].sum()
    ratios = per_seed["praise"] / per_seed["warnings"].replace(0, np.nan)
    overall = totals.loc["market (all companies)", "praise per warning"]
    verdict = ("close to" if 2 <= overall <= 4.5 else "above" if overall > 4.5 else "below")
    seed_text = "seed 0" if len(ratios) == 1 else f"seeds 0 to {len(ratios) - 1}"
    spread = f"{ratios.min():.2f} to {ratios.max():.2f}" if len(ratios) > 1 else f"{ratios.iloc[0]:.2f}"
    return f"""### Positive versus negative word of mouth

Published: East, Hammond & Wright (2007) find positive word of mouth about three times as common as
negative across 15 studies (about 3:1). Model: scenarios/baseline.yaml, {seed_text}{
baseline_changes(results.plan)}: messages of
praise and warnings over the whole run (timeseries columns NAME_praise, NAME_warnings).

{markdown_table(totals.reset_index().rename(columns={"company": "company"}),
                {"praise": ",d", "warnings": ",d", "praise per warning": ".2f"})}

Market ratio per seed: {spread}. The model's ratio is **{overall:.2f}:1**, {verdict} the published 3:1.
In the model only passionate customers praise and only hostile ones (or those still angry at a company they
left) warn, so the ratio is set by the number of fans against hostiles and by `word_of_mouth.praise_rate`
against `warning_rate`.

{figure_word_of_mouth(wom, folder, prefix)}
"""


def recovery_section(results: Results, folder: Path, prefix: str) -> str:
    """The recovery twins' bond differences, against Maxham & Netemeyer's first-but-not-second pattern."""
    design = results.plan.recovery
    table = results.recovery
    shown = table.rename(columns={"failure_step": "failure at", "read_at": "read at",
                                  "bond_difference": "bond - twin", "bond_difference_se": "se",
                                  "engaged_difference": "engaged share - twin",
                                  "retention_difference": "still customer - twin"})
    rows = table.set_index("group")["bond_difference"]
    first = rows.get("one failure, recovered at first contact", float("nan"))
    second = rows.get("two failures, both recovered at first contact", float("nan"))
    verdict = ("reproduces" if first > 0 and not second > 0 else "does not reproduce")
    return f"""### The recovery paradox after a first failure, not after a second

Published: Maxham & Netemeyer (2002) find satisfaction after a well-recovered first failure above that of
customers with no failure (the paradox), but not after a second failure, even recovered as well.
Model: scenarios/baseline.yaml{f" with {design.customers:,} customers" if design.customers else ""}, seed 0,
focal complaint handling {design.good_handling:g} (poor: {design.poor_handling:g}); twins under common
random numbers (same seed): no outage, a one-step outage at step {design.first} (every focal customer with
a touchpoint that step has a failure), and outages at steps {design.first} and {design.second}. Groups are
the focal customers whose first (second) failure with the company came in the outage; they are compared
with themselves in the twin without outages, {design.horizon} steps after their last failure. Bond counts
0 for people who are no longer the focal company's customers.

{markdown_table(shown, {"customers": ",d", "bond - twin": "+.3f", "se": ".3f", "engaged share - twin": "+.3f",
                        "still customer - twin": "+.3f"})}

The model **{verdict}** the published pattern: after one failure recovered at first contact the bond is
{first:+.3f} against the no-failure twin; after a second failure, both recovered at first contact, {second:+.3f}.
Averaged over everyone hit (including those who did not complain or waited), one failure with good handling
gives {rows.get("one failure, good handling", float("nan")):+.3f}, with poor handling
{rows.get("one failure, poor handling", float("nan")):+.3f}.

{figure_recovery(results.recovery_paths, design, folder, prefix)}
"""


def tarp_section(results: Results, folder: Path, prefix: str) -> str:
    """Retention by how a complaint went, against the rising TARP order."""
    tarp = results.tarp
    horizon = TARP_HORIZON
    values = tarp["retention"].to_numpy()
    order = [f"{a} {'<' if x < y else '>='} {b}" for a, b, x, y in
             zip(tarp["group"][:-1], tarp["group"][1:], values[:-1], values[1:], strict=True)]
    agrees = bool(np.all(np.diff(values) > 0))
    silent_note = (" Why the silent do better here: in the model a silent failure costs trust and leaves a bad "
                   "memory, but anger (which drives `switching.anger_hazard`) grows only while a complaint stays "
                   "open and unheard (`complaints.escalation`), so an unsatisfied complainant is angrier than a "
                   "silent one. TARP's ordering implies that voicing a complaint, even unsatisfied, binds the "
                   "customer; the model has no such effect of voice itself.")
    return f"""### Loyalty after a complaint, by how it was handled (TARP)

Published: the TARP studies (e.g. TARP 1986 for the US Office of Consumer Affairs) report repurchase
intention rising in the order: did not complain < complained and not satisfied < complained and satisfied
< complained and satisfied quickly. Model: scenarios/baseline.yaml{baseline_changes(results.plan)},
{results.plan.tarp_seeds} seed(s) pooled;
every customer is followed for {horizon} steps from their first failure (if it came at least {horizon} steps
before the end of the run).
Groups: no complaint; complained and gave up, left, was still waiting at the horizon, or got a recovery that
felt negative (late); complained and got a positive recovery after waiting; recovered at first contact.
Retention: never left the company within the horizon (95% binomial interval).

{markdown_table(tarp, {"customers": ",d", "retention": ".3f", "ci95": ".3f"})}

Order in the model: {"; ".join(order)}. The model {"**matches**" if agrees else "**does not match**"} the
TARP shape{"" if agrees else " in every step"}.{"" if values[0] < values[1] else silent_note}

{figure_tarp(tarp, horizon, folder, prefix)}
"""


def summary_section(results: Results) -> str:
    """One table of the headline numbers, each next to what it is compared with."""
    table = convergence_table(results.convergence)
    biggest = table[table["customers"] == table["customers"].max()]
    slopes = error_slopes(table)
    networks = network_summary(results.networks)
    sparse = networks[networks["network"] != "complete"]
    wom = results.wom[["praise", "warnings"]].sum()
    recovery = results.recovery.set_index("group")["bond_difference"]
    tarp = results.tarp["retention"].to_numpy()
    demos = results.demonstrations
    rows = [
        ("Bass limit, complete network", f"max error {biggest['max_error'].max():.4f} at N = "
         f"{int(biggest['customers'].iloc[0]):,}; slopes of log error vs log N "
         + ", ".join(f"{s:.2f}" for s in slopes.values()), "error ~ 1/sqrt(N) (slope -0.5)"),
        ("Bass limit, sparse networks", f"complete graph ahead by up to {sparse['complete_lead_max'].max():.3f}; "
         f"never behind by more than {max(0.0, -sparse['complete_lead_min'].min()):.3f}",
         "complete graph is an upper bound (Fibich & Gibori 2010)"),
        ("properties of the brief", f"{sum(bool(d.holds) for d in demos)} of {len(demos)} hold", "all hold"),
        ("praise per warning (baseline)", f"{wom['praise'] / max(wom['warnings'], 1):.1f} : 1",
         "about 3 : 1 (East, Hammond & Wright 2007)"),
        ("recovery paradox, bond vs no-failure twin",
         f"first failure recovered at once {recovery.get('one failure, recovered at first contact', np.nan):+.3f}; "
         f"second {recovery.get('two failures, both recovered at first contact', np.nan):+.3f}",
         "positive after a first, not after a second (Maxham & Netemeyer 2002)"),
        ("retention by complaint handling",
         ", ".join(f"{label} {x:.2f}" for label, x in zip(("silent", "unsatisfied", "satisfied", "quickly"), tarp,
                                                           strict=True)),
         "rising: silent < unsatisfied < satisfied < satisfied quickly (TARP)"),
    ]
    return "## Summary\n\n" + markdown_table(pd.DataFrame(rows, columns=["check", "model", "reference"])) + "\n"


def render(results: Results, folder: Path, figure_prefix: str) -> str:
    """The Markdown report; figures are written into `folder` and linked as `figure_prefix`/NAME.png."""
    import matplotlib

    matplotlib.use("Agg")  # figures only go to files: no display needed, and none on CI
    plan = results.plan
    kind = "a quick run: small populations, few seeds; for CI, not for citing" if plan.quick else "the full run"
    header = f"""# Validation of the customer engagement model

Generated by `python -m sim validate-model{" --quick" if plan.quick else ""}` ({kind}) on
{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC in {results.seconds / 60:.1f} minutes;
git revision `{git_revision()}`; numpy {versions().get("numpy", "?")}, mesa {versions().get("mesa", "?")}.
Do not edit by hand: rerun the command. Every number below comes from a named scenario and seed.

Contents: 1. the Bass limit (mapping, complete network, sparse networks); 2. the properties of the brief;
3. stylized facts (word of mouth, recovery paradox, loyalty after a complaint). Experiments live in
`sim/validation.py`.
"""
    stylized = ("## 3. Stylized facts (reported, not tuned into tests)\n\n"
                + wom_section(results, folder, figure_prefix) + "\n" + recovery_section(results, folder, figure_prefix)
                + "\n" + tarp_section(results, folder, figure_prefix))
    return "\n".join([header, summary_section(results), bass_section(results, folder, figure_prefix),
                      property_section(results, folder, figure_prefix), stylized])
