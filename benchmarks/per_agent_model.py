"""A plain per-agent Mesa model of the engagement rules: the yardstick for the vectorised model's speed.

This is how the model would be written in the textbook Mesa style: one `mesa.Agent` per customer,
each with a `step` method in plain Python, activated in random order with
`self.agents.shuffle_do("step")`. It exists only to be timed against `sim.EngagementModel`
(`python -m sim bench`), so it implements comparable work per customer per step, written the way a
careful Mesa user would write it (local variables, plain floats, no deliberate slowness), and reads
its parameter values from the same resolved scenario and the same starting population
(`sim.state.create`, the same network generator).

Rules of one customer's step (same parameters as the vectorised mechanisms):
  1. service touchpoint with probability `touchpoint_rate`; quality = service quality + uniform noise;
     it fails with probability `failure_rate` (felt as minus the severity, amplified by earlier
     failures) or is felt as quality minus expectation. Good: expectations adapt towards the quality
     and the best on the market, trust builds by `trust.gain` x personal rate. Failure: trust loses
     `trust.loss`. Peak-end memory records the experience.
  2. complaint: after a failure, voiced with the personal propensity; an open complaint is resolved
     with probability `complaint_handling` (recovery value halving with every `patience` steps of
     waiting, fatigued by earlier failures; a quick recovery builds trust, anger is released), or
     waits and anger escalates (damped by listening) and the complainant may give up (trust loss).
     Without an open complaint anger fades.
  3. programmes (participation, appreciation, sensation) of the customer's company: the stocks fade;
     an enrolled customer in the target group is touched with probability `frequency` (sensation
     also enters memory and lifts the bond at once, less at relationship capacity).
  4. advertising: identification with every brand fades; each company's advertising is seen with
     probability `reach` and moves identification (attention damped for the indifferent); a prospect
     who sees it may convert.
  5. word of mouth: with probability `conversation_rate` the customer talks with a random network
     contact; a passionate contact may praise (identification and trust up; a prospect may be
     referred), a hostile one warn (identification and trust down; anger contagion).
  6. memory: the remembered peak and the count of recent failures fade.
  7. bond: moves by `bond.rate` (up) or `bond.fall_rate` (down) towards identification + remembered
     experience + relational relevance (crowded at capacity) - anger, then is capped by the trust gate.
  8. switching: hazard 1 - exp(-pressure / cost of leaving) with pressure from the bond (damped by
     habit), anger, the regular price gap and the extra gap of a promotion noticed at random; a leaver
     picks a new company or leaves the market by a logit on identification, trust and price.
  9. level reading (five levels from bond and anger) with the transition counted, and revenue.
Interventions other than a viral complaint (timed parameter changes) are not implemented: the
benchmark scenario uses programmes, promotions and advertising set in the companies themselves.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import mesa
import numpy as np

from sim import network as networks
from sim import state as states
from sim.levels import LEVELS
from sim.parameters import PROGRAMME_TARGETS, PROGRAMMES
from sim.scenario import resolve as resolve_scenario
from sim.streams import Streams

INDIFFERENT, INVOLVED, PASSIONATE, DISENGAGED, HOSTILE = range(5)


class PlainCustomer(mesa.Agent):
    """One customer with its own state in plain Python attributes and a `step` method."""

    def __init__(self, model: PerAgentModel, row: dict):
        super().__init__(model)
        self.__dict__.update(row)
        self.contacts: list[PlainCustomer] = []
        self.heard_praise = -1  # company praised to this person this step (-1: none)

    def remember(self, experience: float) -> None:
        """Peak-end memory: keep the most intense experience and the latest one."""
        if abs(experience) >= abs(self.peak):
            self.peak = experience
        self.end = experience

    def join(self, company: int) -> None:
        """Start afresh with `company` (-1: leave the market)."""
        p = self.model.p
        self.company = company
        self.peak = self.end = self.participation = self.appreciation = self.sensation = 0.0
        self.advocacy = self.anger = 0.0
        self.tenure = self.failures = self.complaint_wait = 0
        self.complaint_open = False
        self.bond = 0.0
        if company >= 0:
            start = p.identification_weight * self.identification[company]
            self.bond = max(-1.0, min(start, self.model.ceiling(self.trust[company]), 1.0))
        self.level = self.model.read_level(self.bond, self.anger) if company >= 0 else -1

    def step(self) -> None:
        model = self.model
        p = model.p
        random = model.random.random
        companies = model.companies
        self.heard_praise = -1
        c = self.company
        co = companies[c] if c >= 0 else None

        # 4. advertising (before service, as in the vectorised order); prospects may convert
        strength = min(abs(self.bond) / p.involved, 1.0)
        attention = p.indifferent_attention + (1 - p.indifferent_attention) * strength if co is not None else 1.0
        joined = -1
        identification = self.identification
        for k in range(len(identification)):
            identification[k] *= p.identification_keep
        for k, other in enumerate(companies):
            if other.ad_reach > 0 and random() < other.ad_reach:
                i = self.identification[k]
                self.identification[k] = i + other.ad_effect * attention * (1 - i)
                model.ad_exposures[k] += 1
                if co is None and joined < 0 and random() < other.ad_conversion:
                    joined = k

        # 5. word of mouth: listen to one random contact
        if self.contacts and random() < p.conversation_rate:
            speaker = self.contacts[int(random() * len(self.contacts))]
            talk = random() / (1 - p.introversion_damping * speaker.introversion)
            brand = speaker.company
            if speaker.level == PASSIONATE and talk < p.praise_rate:
                i, t = self.identification[brand], self.trust[brand]
                self.identification[brand] = i + p.identification_effect * (1 - i)
                self.trust[brand] = t + p.trust_word_of_mouth * (1 - t)
                speaker.advocacy += 1
                self.heard_praise = brand
                model.praise[brand] += 1
            elif (speaker.level == HOSTILE or speaker.former_anger >= p.hostile_anger) and talk < p.warning_rate:
                brand = brand if speaker.level == HOSTILE else speaker.former_company
                if brand >= 0:
                    i = self.identification[brand]
                    self.identification[brand] = i - p.identification_effect * (1 + i)
                    self.trust[brand] *= 1 - p.trust_word_of_mouth
                    if brand == c and self.level == DISENGAGED:
                        self.anger += p.contagion * (1 - self.anger)
                    model.warnings[brand] += 1

        if co is None:  # a prospect: join through advertising or a referral
            if joined < 0 and self.heard_praise >= 0 and random() < p.referral_conversion:
                joined = self.heard_praise
            if joined >= 0:
                self.join(joined)
                model.acquired[joined] += 1
            return

        # 1. service touchpoint, failure, trust, peak-end memory, expectations
        failed = False
        if random() < co.touchpoint_rate:
            model.interactions[c] += 1
            quality = co.quality + co.quality_spread * (2 * random() - 1)
            if random() < co.failure_rate:
                failed = True
                severity = co.failure_severity * (1 + p.repeat_amplification * min(self.failures, 3))
                self.remember(-min(severity, 1.0))
                self.trust[c] *= 1 - p.trust_loss
                self.failures += 1
                model.failures[c] += 1
            else:
                self.remember(quality - self.expectation)
                target = (1 - p.benchmark_weight) * quality + p.benchmark_weight * model.best_quality
                self.expectation += self.adaptation_rate * (target - self.expectation)
                t = self.trust[c]
                self.trust[c] = min(1.0, t + p.trust_gain * self.trust_rate * (1 - t))

        # 2. complaints: voice, recovery (paradox) or escalation (anger)
        if failed and not self.complaint_open and random() < self.complaint_propensity:
            self.complaint_open = True
            self.complaint_wait = 0
            model.complaints[c] += 1
        if self.complaint_open:
            if random() < co.complaint_handling:
                wait = self.complaint_wait
                value = p.recovery_strength * (2 * 0.5 ** (wait / p.patience) - 1)
                if value > 0:
                    value *= p.recovery_fatigue ** max(self.failures - 1, 0)
                self.remember(value)
                if wait == 0:
                    t = self.trust[c]
                    self.trust[c] = min(1.0, t + p.recovery_gain * (1 - t))
                self.anger *= 1 - p.anger_release
                self.complaint_open = False
                model.recoveries[c] += 1
            else:
                self.complaint_wait += 1
                self.anger += p.escalation * (1 - co.listening) * (1 - self.anger)
                if random() < p.give_up:
                    self.complaint_open = False
                    self.trust[c] *= 1 - p.trust_loss
        if not self.complaint_open:
            self.anger *= 1 - p.anger_fading
        self.former_anger *= 1 - p.anger_fading

        # 3. programmes: participation, appreciation, sensation
        self.participation *= 1 - p.participation_fading
        self.appreciation *= 1 - p.appreciation_fading
        self.sensation *= 1 - p.sensation_fading
        crowding = p.crowding if self.relationships >= p.capacity else 1.0
        for k, name, reach, target, frequency, gain in co.programmes:
            if ((target <= 1 or self.level == target - 2) and self.enrolment[k] < reach
                    and random() < frequency):
                stock = getattr(self, name)
                setattr(self, name, stock + gain * (1 - stock))
                if name == "sensation":
                    self.remember(gain)
                    self.bond = min(self.bond + p.sensation_jump * gain * crowding, 1.0)
                model.programme_touches[c] += 1

        # 6. memory: the remembered peak fades, and so does the count of recent failures
        self.peak *= 1 - p.peak_fading
        self.failures *= p.failure_keep

        # 7. bond towards its three-factor target, gated by trust
        drive = (p.identification_weight * self.identification[c]
                 + p.experience_weight * (p.peak_weight * self.peak + (1 - p.peak_weight) * self.end)
                 + p.relational_weight * (p.participation_weight * self.participation
                                          + p.appreciation_weight * self.appreciation
                                          + p.sensation_weight * self.sensation))
        if drive > 0:
            drive *= crowding
        gap = drive - p.anger_weight * self.anger - self.bond
        self.bond += (p.bond_rate if gap > 0 else p.fall_rate) * gap
        self.bond = max(-1.0, min(self.bond, model.ceiling(self.trust[c]), 1.0))

        # 8. switching: hazard from bond, habit, anger and the best offer seen
        cheapest, best_offer = math.inf, math.inf
        noticed = random()  # one draw decides which promotions are noticed, as in the vectorised model
        for k, other in enumerate(companies):
            if k != c:
                offer = other.price
                cheapest = min(cheapest, offer)
                if noticed < other.promotion_reach:
                    offer *= 1 - other.promotion_discount
                best_offer = min(best_offer, offer)
        own = max(co.price, 1e-9)
        regular_gap = min(max((own - cheapest) / own, 0.0), 1.0)
        promotion_gap = max(min(max((own - best_offer) / own, 0.0), 1.0) - regular_gap, 0.0)
        sensitivity = (self.price_sensitivity * (1 - p.participation_price_damping * self.participation)
                       * (1 - p.engaged_price_damping * min(max(self.bond / p.passionate, 0.0), 1.0)))
        pressure = (p.base_hazard * math.exp(-p.bond_sensitivity * self.bond) / (1 + p.habit * self.tenure / 365)
                    + p.anger_hazard * self.anger
                    + sensitivity * (p.price_response * regular_gap + p.promotion_response * promotion_gap))
        cost = 1 + p.participation_lock * self.participation + p.advocacy_lock * math.log1p(self.advocacy)
        if random() < -math.expm1(-pressure / cost):
            weights = [math.exp(p.choice_sharpness * (self.identification[k] + self.trust[k]
                                                      - sensitivity * other.price / max(co.price, 1e-9)))
                       if k != c else 0.0 for k, other in enumerate(companies)]
            weights.append(math.exp(p.choice_sharpness * p.outside_option))
            pick, x = 0, random() * sum(weights)
            while pick < len(weights) - 1 and x >= weights[pick]:
                x -= weights[pick]
                pick += 1
            new = pick if pick < len(companies) else -1
            model.lost[c] += 1
            self.former_company, self.former_anger = c, self.anger
            self.join(new)
            return
        self.tenure += 1

        # 9. level reading with the transition counted, and revenue
        level = model.read_level(self.bond, self.anger)
        if level != self.level:
            model.transitions[self.level][level] += 1
            self.level = level
        model.revenue[c] += co.price * (1 + p.engagement_uplift * max(self.bond, 0.0))


class PerAgentModel(mesa.Model):
    """The engagement rules as a textbook Mesa model: one agent per customer, `shuffle_do("step")`."""

    def __init__(self, scenario=None, *, rng=None, overrides: dict | None = None):
        resolved = resolve_scenario(scenario, overrides)
        data = resolved.data
        super().__init__(rng=data["seed"] if rng is None else rng)
        self.market_scenario = resolved  # not `scenario`: newer Mesa keeps its own Scenario there
        self.p = flat_parameters(data)
        self.names = list(data["companies"])
        self.companies = [company_parameters(data["companies"][name]) for name in self.names]
        self.best_quality = max(co.quality for co in self.companies)
        self.viral = [(e["at"], self.names.index(e["company"]), e["viral_complaint"])
                      for e in data["interventions"] if e.get("viral_complaint")]
        size = len(self.names)
        for name in ("interactions", "failures", "complaints", "recoveries", "praise", "warnings", "lost",
                     "acquired", "programme_touches", "ad_exposures", "revenue"):
            setattr(self, name, [0] * size)
        self.transitions = [[0] * len(LEVELS) for _ in LEVELS]

        # the same starting population and network as the vectorised model, copied into plain agents
        streams = Streams(int(self.rng.integers(2**63)))
        network = networks.build(data["network"], data["customers"], streams.generator("network", 0))
        quality = np.array([co.quality for co in self.companies])
        state = states.create(data, size, streams.generator("population", 0), quality)
        customers = self.customers = []
        columns = {name: getattr(state, name).tolist() for name in (
            "introversion", "price_sensitivity", "trust_rate", "complaint_propensity", "adaptation_rate",
            "relationships", "company", "bond", "expectation", "enrolment")}
        trust, identification = state.trust[:, :size].tolist(), state.identification[:, :size].tolist()
        for i in range(state.n):
            row = {name: values[i] for name, values in columns.items()}
            if row["company"] >= size:
                row["company"] = -1
            row.update(trust=trust[i], identification=identification[i], anger=0.0, peak=0.0, end=0.0,
                       participation=0.0, appreciation=0.0, sensation=0.0, advocacy=0.0, tenure=0, failures=0,
                       complaint_open=False, complaint_wait=0, former_company=-1, former_anger=0.0)
            customers.append(PlainCustomer(self, row))
        for i, customer in enumerate(customers):
            if customer.company >= 0:
                customer.bond = max(-1.0, min(customer.bond, self.ceiling(customer.trust[customer.company]), 1.0))
                customer.level = self.read_level(customer.bond, 0.0)
            else:
                customer.bond, customer.level = 0.0, -1
            if network.complete:
                customer.contacts = customers  # any other person (self excluded in expectation only)
            else:
                customer.contacts = [customers[j] for j in network.indices[network.indptr[i]:network.indptr[i + 1]]]
        self.records = [self.level_counts()]

    def ceiling(self, trust: float) -> float:
        """Trust gate: the highest bond allowed by this trust (as sim.mechanisms.trust.ceiling)."""
        p = self.p
        if trust >= p.gate:
            return 1.0
        return p.involved * min(trust / max(p.gate, 1e-9), 1.0) * 0.999

    def read_level(self, bond: float, anger: float) -> int:
        p = self.p
        if bond <= p.disengaged:
            return HOSTILE if anger >= p.hostile_anger else DISENGAGED
        if bond >= p.passionate:
            return PASSIONATE
        return INVOLVED if bond >= p.involved else INDIFFERENT

    def step(self) -> None:
        for at, company, share in self.viral:
            if at == self.steps:
                for customer in self.customers:
                    if customer.company == company and self.random.random() < share:
                        customer.anger = 1.0
                        customer.bond = min(customer.bond, self.p.disengaged - 0.1)
                        customer.complaint_open = True
        self.agents.shuffle_do("step")
        self.records.append(self.level_counts())

    def level_counts(self) -> np.ndarray:
        """Customers per company (rows) and level (columns), like EngagementModel.level_counts."""
        counts = np.zeros((len(self.names), len(LEVELS)), np.int64)
        for customer in self.customers:
            if customer.company >= 0:
                counts[customer.company, customer.level] += 1
        return counts


def flat_parameters(data: dict) -> SimpleNamespace:
    """The scenario's global parameters as attributes (plain floats, fast to read in a loop).

    Each value is available as `section_key` (e.g. `trust_gain`, `bond_rate`) and, where the key is
    unique across sections, as `key` alone (e.g. `patience`).
    """
    p: dict = {}
    for section, values in data.items():
        if isinstance(values, dict) and section not in ("traits", "initial", "network", "companies"):
            for key, value in values.items():
                p[f"{section}_{key}"] = value
                p.setdefault(key, value)
    p["gate"], p["recovery_gain"] = data["trust"]["gate"], data["trust"]["recovery_gain"]
    # rules added while the model is tuned; neutral values if a scenario has no such key
    p.setdefault("fall_rate", p["bond_rate"])
    p.setdefault("promotion_response", p["price_response"])
    p["identification_keep"] = 1 - p.get("identification_fading", 0.0)
    p["failure_keep"] = 1 - p.get("failure_fading", 0.0)
    return SimpleNamespace(**p)


def company_parameters(c: dict) -> SimpleNamespace:
    """One company's parameters; only programmes that reach someone are kept."""
    programmes = [(k, name, c["programmes"][name]["reach"], PROGRAMME_TARGETS.index(c["programmes"][name]["target"]),
                   c["programmes"][name]["frequency"], c["programmes"][name]["gain"])
                  for k, name in enumerate(PROGRAMMES) if c["programmes"][name]["reach"] > 0]
    return SimpleNamespace(
        quality=c["service_quality"], quality_spread=c["quality_spread"], touchpoint_rate=c["touchpoint_rate"],
        failure_rate=c["failure_rate"], failure_severity=c["failure_severity"],
        complaint_handling=c["complaint_handling"], listening=c["listening"], price=c["price"],
        ad_reach=c["advertising"]["reach"], ad_effect=c["advertising"]["effect"],
        ad_conversion=c["advertising"]["conversion"], promotion_reach=c["promotion"]["reach"],
        promotion_discount=c["promotion"]["discount"], programmes=programmes)

