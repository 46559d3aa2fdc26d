"""Every parameter of the model, with its default, unit and meaning, in one place.

A scenario file only lists what differs from these defaults, so a file of three lines runs.
`python -m sim describe` prints this table. Time is counted in steps; the bundled scenarios use one
step per day. Scores such as bond, trust and identification live on [-1, 1] or [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .levels import LEVELS

PROGRAMMES = ("participation", "appreciation", "sensation")
NETWORK_KINDS = ("watts_strogatz", "barabasi_albert", "erdos_renyi", "complete", "edge_list")
PROGRAMME_TARGETS = ("all", "random", *LEVELS)


@dataclass(frozen=True)
class Param:
    """One scenario parameter: its default, type, unit, meaning and allowed range."""

    default: Any
    kind: str  # "int", "float", "bool", "str", "choice", "path"
    unit: str
    meaning: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


def P(default, kind, unit, meaning, low=None, high=None, choices=()):
    return Param(default, kind, unit, meaning, low, high, tuple(choices))


def share(default, meaning, unit="share"):
    return P(default, "float", unit, meaning, 0.0, 1.0)


def rate(default, meaning, unit="per step"):
    return P(default, "float", unit, meaning, 0.0, 1.0)


def programme(gain: float, cost: float, running: float, meaning: str) -> dict:
    return {
        "reach": share(0.0, f"share of the target group enrolled in the {meaning} programme (0 = off)"),
        "target": P("all", "choice", "", "who is targeted: everyone, a random share, or one level",
                    choices=PROGRAMME_TARGETS),
        "frequency": rate(0.05, "chance per step that an enrolled customer is touched"),
        "gain": share(gain, "how far one touch moves the driver towards its maximum"),
        "cost": P(cost, "float", "money per touch", "cost of one programme touch", 0.0),
        "running_cost": P(running, "float", "money per enrolled customer per step",
                          "cost of running the programme for one enrolled customer (staff, systems)", 0.0),
    }


# Parameters of one company. Every company in `companies:` gets these defaults.
COMPANY: dict[str, Any] = {
    "initial_share": share(0.45, "share of the population that starts as this company's customers"),
    "appeal": P(0.2, "float", "score -1..1", "how well the brand fits people on average (\"does it fit me?\"): "
                "the mean of people's brand fit, towards which identification returns", -1.0, 1.0),
    "service_quality": share(0.6, "mean quality of a service interaction", "score 0..1"),
    "quality_spread": share(0.1, "half-width of the uniform noise on the quality of one interaction",
                            "score"),
    "touchpoint_rate": rate(0.1, "chance per step that a customer has a service interaction"),
    "failure_rate": share(0.01, "chance that a service interaction fails (a problem the customer notices)"),
    "failure_severity": share(0.4, "how bad a failure feels (the experience is minus this)", "score"),
    "complaint_handling": share(0.6, "first-contact resolution rate: the chance that a complaint is put right "
                                     "at once (afterwards complaints.follow_up of it per step)"),
    "listening": share(0.3, "how well complainants feel heard while their complaint is open; "
                            "damps the growth of anger"),
    "price": P(1.0, "float", "money per step", "price of one step of service", 0.0),
    "advertising": {
        "reach": rate(0.02, "chance per step that a person sees this company's advertising"),
        "effect": share(0.05, "how far one exposure moves identification towards +1"),
        "conversion": share(0.1, "chance that an exposed prospect becomes a customer"),
        "cost": P(0.01, "float", "money per exposure", "cost of one advertising exposure", 0.0),
    },
    "promotion": {
        "discount": share(0.0, "price cut offered to other companies' customers (0 = none)"),
        "reach": rate(0.0, "chance per step that a non-customer notices the promotion"),
    },
    "outage": {
        "failure_rate": share(0.0, "failure rate during an outage for the customers it hits"),
        "share": share(0.0, "share of customers hit by an outage (0 = no outage)"),
    },
    "costs": {
        "serving": P(0.85, "float", "money per customer per step",
                     "cost of delivering the product or service to one customer for one step", 0.0),
        "touchpoint": P(0.05, "float", "money per interaction", "cost of one service interaction", 0.0),
        "complaint": P(2.0, "float", "money per attempt", "staff cost of one complaint-handling attempt at "
                       "complaint_handling 0", 0.0),
        "handling_premium": P(4.0, "float", "multiplier", "extra cost of an attempt at full complaint handling "
                              "(cost = complaint x (1 + premium x complaint_handling^2): first-contact resolution "
                              "needs trained, empowered staff)", 0.0),
        "listening": P(0.02, "float", "money per customer per step", "cost of listening capacity at full "
                       "listening (social care, case owners), per customer of the company", 0.0),
    },
    "programmes": {
        "participation": programme(0.15, 0.5, 0.01, "participation (co-creation, configuring)"),
        "appreciation": programme(0.25, 0.2, 0.005, "appreciation (personal attention)"),
        "sensation": programme(0.8, 2.0, 0.01, "sensation (a memorable peak experience)"),
    },
}

SCHEMA: dict[str, Any] = {
    "name": P("", "str", "", "scenario name (defaults to the file name)"),
    "description": P("", "str", "", "what the scenario shows"),
    "customers": P(10_000, "int", "people", "size of the population (customers and prospects)", 2, 50_000_000),
    "steps": P(365, "int", "steps", "length of a run; one step is one day in the bundled scenarios", 1, 100_000),
    "seed": P(0, "int", "", "seed of the first replication", 0, 2**63 - 1),
    "replications": P(1, "int", "runs", "independent replications (seeds seed, seed+1, ...)", 1, 100_000),
    "focal": P("", "str", "", "name of the focal company (defaults to the first listed)"),
    "customer_agents": P(10_000, "int", "agents", "build a Mesa agent view per customer up to this "
                         "population; larger models create views on demand", 0),
    "traits": {
        "introversion": {"mean": share(0.5, "mean introversion"),
                         "spread": share(0.2, "standard deviation of introversion")},
        "price_sensitivity": {"mean": share(0.5, "mean price sensitivity"),
                              "spread": share(0.2, "standard deviation of price sensitivity")},
        "trust_rate": {"mean": P(1.0, "float", "multiplier", "mean speed at which trust grows", 0.0, 10.0),
                       "spread": P(0.3, "float", "multiplier", "standard deviation of trust speed", 0.0, 5.0)},
        "complaint_propensity": {"mean": share(0.5, "mean chance that a failure is voiced as a complaint"),
                                 "spread": share(0.2, "standard deviation of complaint propensity")},
        "adaptation_rate": {"mean": rate(0.03, "mean speed at which expectations follow experience"),
                            "spread": rate(0.01, "standard deviation of adaptation speed")},
        "relationships": {"mean": P(3.0, "float", "relationships", "mean number of deep brand relationships "
                                    "a person already has (Poisson)", 0.0, 50.0)},
    },
    "burn_in": P(730, "int", "steps", "steps run before step 0 and not recorded or counted, so that a run "
                 "starts from the market at rest (0 = start from the drawn population)", 0, 100_000),
    "initial": {
        "trust": {"mean": share(0.75, "mean trust at the start"),
                  "spread": share(0.15, "standard deviation of starting trust")},
    },
    "trust": {
        "gate": share(0.5, "trust needed before the bond can rise to involved or above", "trust 0..1"),
        "gain": share(0.03, "share of the remaining distance to full trust won by one good interaction"),
        "loss": share(0.3, "share of trust lost by one failure"),
        "recovery_gain": share(0.6, "share of the remaining distance to full trust won back by a complaint put "
                               "right at first contact"),
        "word_of_mouth": share(0.02, "trust moved by one recommendation or warning"),
    },
    "memory": {
        "peak_weight": share(0.5, "weight of the most intense moment in remembered experience; the "
                                  "rest is the latest moment (peak-end rule)"),
        "peak_fading": rate(0.01, "share of the remembered peak forgotten per step"),
        "benchmark_weight": share(0.3, "how much the best quality on the market pulls expectations up"),
        "repeat_amplification": P(1.0, "float", "multiplier", "extra severity of a failure per recent earlier "
                                  "failure with the same company (a second failure feels worse)", 0.0, 10.0),
        "failure_fading": rate(0.005, "share of the memory of earlier failures lost per step"),
    },
    "bond": {
        "rate": rate(0.05, "share of the gap to a higher target bond closed per step"),
        "fall_rate": rate(0.2, "share of the gap to a lower target bond closed per step (negativity bias)"),
        "inertia": P(0.1, "float", "score", "latitude of acceptance: a gap between target and bond smaller "
                     "than this does not move the bond", 0.0, 1.0),
        "identification_weight": P(1.0, "float", "weight", "weight of brand identification", 0.0, 5.0),
        "experience_weight": P(0.6, "float", "weight", "weight of remembered experience", 0.0, 5.0),
        "relational_weight": P(1.0, "float", "weight", "weight of relational relevance", 0.0, 5.0),
        "anger_weight": P(1.5, "float", "weight", "weight of anger (pulls the bond down)", 0.0, 5.0),
        "grievance_weight": P(1.0, "float", "weight", "weight of an unresolved problem's grievance (disappointment "
                              "pulls the bond down)", 0.0, 5.0),
        "participation_weight": share(0.4, "share of relational relevance due to participation"),
        "appreciation_weight": share(0.4, "share of relational relevance due to appreciation"),
        "sensation_weight": share(0.8, "share of relational relevance due to sensation"),
        "capacity": P(5, "int", "relationships", "deep relationships a person has room for", 0, 50),
        "crowding": share(0.5, "multiplier on positive drives for people already at capacity"),
        "sensation_jump": P(0.6, "float", "score", "immediate rise of the bond after a peak experience "
                            "of full intensity", 0.0, 2.0),
    },
    "levels": {
        "involved": P(0.2, "float", "bond", "bond at or above which a customer is involved", 0.0, 1.0),
        "passionate": P(0.55, "float", "bond", "bond at or above which a customer is passionate", 0.0, 1.0),
        "disengaged": P(-0.2, "float", "bond", "bond at or below which a customer is disengaged", -1.0, 0.0),
        "hostile_anger": share(0.5, "anger at or above which a disengaged customer is hostile", "anger 0..1"),
    },
    "complaints": {
        "recovery_strength": share(0.6, "experience of a complaint resolved at first contact", "score"),
        "patience": P(3.0, "float", "steps", "wait that halves the value of a recovery", 0.1, 1000.0),
        "escalation": rate(0.15, "anger added per step a complaint stays open and unheard"),
        "give_up": rate(0.05, "chance per step that a complainant gives up on an open complaint"),
        "follow_up": share(0.1, "after a failed first contact, the chance per step of resolution is this share "
                           "of complaint_handling (the complaint goes from desk to desk)"),
        "anger_release": share(0.7, "share of anger released when a complaint is resolved"),
        "anger_fading": rate(0.001, "share of anger that fades per step without an open complaint"),
        "recovery_fatigue": share(0.3, "multiplier on recovery value for each earlier failure"),
        "grievance_fading": rate(0.005, "share of an unresolved problem's grievance that fades per step "
                                 "(a recovery clears it at once)"),
    },
    "word_of_mouth": {
        "conversation_rate": rate(0.3, "chance per step that a person talks with a random contact"),
        "praise_rate": share(0.4, "chance that a passionate contact praises its brand in a conversation"),
        "warning_rate": share(1.0, "chance that a hostile contact warns against the brand"),
        "introversion_damping": share(0.9, "how much introversion damps both praise and warnings"),
        "identification_effect": share(0.03, "how far one recommendation moves the listener's identification "
                                            "towards +1"),
        "warning_effect": share(0.06, "how far one warning moves the listener's identification towards -1 (bad "
                                      "news weighs more than good)"),
        "referral_conversion": share(0.1, "chance that a praised prospect becomes a customer"),
        "referral_memory": P(90, "int", "steps", "how long a recommendation is remembered: a switcher who picks "
                             "a brand praised to them within this time is counted as won by referral", 0, 100_000),
        "contagion": share(0.2, "anger added to a listener who is not engaged (indifferent or worse) and is "
                                 "warned about their own company, damped by how well that company listens"),
    },
    "switching": {
        "base_hazard": rate(0.0005, "hazard of leaving per step at a neutral bond, before habit"),
        "bond_sensitivity": P(2.0, "float", "per unit bond", "how steeply the hazard falls with the bond",
                              0.0, 20.0),
        "anger_hazard": rate(0.002, "extra hazard of leaving per step at full anger"),
        "grievance_hazard": rate(0.01, "extra hazard of leaving per step with a full, unresolved grievance "
                                 "(a problem not put right: exit instead of voice)"),
        "distrust_hazard": rate(0.01, "extra hazard of leaving per step at no trust, times (1 - trust)^2: a "
                                "customer who no longer trusts the company looks elsewhere"),
        "habit": P(2.0, "float", "per year of tenure", "how fast habit damps the hazard with tenure", 0.0, 100.0),
        "habit_years": P(2.0, "float", "years", "tenure after which habit grows no further", 0.0, 100.0),
        "price_response": P(0.002, "float", "per relative price gap", "hazard per step of a fully "
                            "price-sensitive customer from a cheaper regular price elsewhere", 0.0, 10.0),
        "promotion_response": P(0.3, "float", "per relative discount", "hazard per step of a fully "
                                "price-sensitive customer who notices a promotion", 0.0, 100.0),
        "engaged_price_damping": share(0.9, "how much a strong bond damps price sensitivity"),
        "participation_lock": P(3.0, "float", "multiplier", "cost of leaving added by full participation",
                                0.0, 100.0),
        "participation_price_damping": share(0.6, "how much full participation damps price sensitivity"),
        "advocacy_lock": P(0.5, "float", "per log message", "cost of leaving added by past advocacy",
                           0.0, 100.0),
        "outside_option": P(0.5, "float", "utility", "attraction of leaving the market altogether",
                            -10.0, 10.0),
        "choice_sharpness": P(4.0, "float", "per utility", "how strongly switchers prefer the brand "
                              "they identify with most", 0.0, 100.0),
        "referral_pull": P(0.5, "float", "utility", "extra attraction, for a switcher, of a brand a friend "
                           "recommended within word_of_mouth.referral_memory steps", 0.0, 10.0),
    },
    "relational": {
        "participation_fading": rate(0.002, "share of participation lost per step (investment persists)"),
        "appreciation_fading": rate(0.01, "share of felt appreciation lost per step"),
        "sensation_fading": rate(0.002, "share of a sensation's glow lost per step"),
    },
    "identification": {
        "fit_spread": P(0.4, "float", "score", "standard deviation of brand fit across people around each "
                        "company's appeal", 0.0, 2.0),
        "indifferent_attention": share(0.2, "attention an indifferent person pays to advertising, "
                                            "relative to someone with a strong feeling either way"),
        "reversion": rate(0.01, "share of the gap between identification and brand fit closed per step "
                          "without reinforcement (what was heard or seen fades)"),
    },
    "money": {
        "engagement_uplift": P(0.6, "float", "share", "extra spend of a customer at full bond", 0.0, 10.0),
    },
    "network": {
        "kind": P("watts_strogatz", "choice", "", "social network", choices=NETWORK_KINDS),
        "degree": P(10, "int", "contacts", "mean number of contacts (Watts-Strogatz, Erdos-Renyi; "
                    "Barabasi-Albert uses half of it per new node)", 1, 10_000),
        "rewiring": share(0.1, "Watts-Strogatz rewiring probability"),
        "path": P("", "path", "", "edge list file (two customer indices per line) for kind edge_list"),
    },
}

# Keys of one intervention, besides company-parameter overrides (validated against COMPANY).
INTERVENTION: dict[str, Param] = {
    "at": P(0, "int", "step", "first step at which the intervention acts", 0),
    "until": P(None, "int", "step", "step at which it stops (empty = for the rest of the run)", 0),
    "company": P("", "str", "", "company it applies to"),
    "name": P("", "str", "", "label shown in reports"),
    "start": P("", "choice", "", "start a programme (shortcut for programmes.NAME)", choices=PROGRAMMES),
    "stop": P("", "choice", "", "stop a programme", choices=PROGRAMMES),
    "target": P("all", "choice", "", "with start: who is targeted", choices=PROGRAMME_TARGETS),
    "reach": share(0.2, "with start: share of the target group enrolled"),
    "frequency": rate(0.05, "with start: chance per step that an enrolled customer is touched"),
    "viral_complaint": share(0.0, "share of the company's customers made angry at once by a complaint "
                                  "going viral"),
}

DEFAULT_COMPANIES = {"focal": {}, "rival": {}}


def defaults(schema: dict[str, Any] = SCHEMA) -> dict[str, Any]:
    """The nested dictionary of default values of a schema."""
    return {key: defaults(value) if isinstance(value, dict) else value.default
            for key, value in schema.items()}


def flatten(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, Param]]:
    """(dotted key path, Param) for every leaf of a schema, in the order written."""
    rows = []
    for key, value in schema.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, path + "."))
        else:
            rows.append((path, value))
    return rows
