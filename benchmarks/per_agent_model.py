"""A plain per-agent Mesa model of the engagement rules: the yardstick for the array model's speed.

This is how the model would be written in the textbook Mesa style: one `mesa.Agent` per customer, each
with a `step` method in plain Python, activated in random order with `self.agents.shuffle_do("step")`.
It exists only to be timed against `sim.EngagementModel` (`python -m sim bench`), so it implements the
same rules per customer per step, written the way a careful Mesa user would write them (local
variables, plain floats, no deliberate slowness), with the parameter values of the same resolved
scenario. It starts from the same market at rest: the customers' state after the array model's burn-in
(`start`), copied into the agents, so both models step comparable populations (the textbook model would
need hours for its own burn-in at 100,000 customers).

One customer's step, in the order of sim.mechanisms.STEP_ORDER (same parameters, same formulas):
  advertising   identification returns towards the person's brand fit; each advertiser reaches the
                person with its `reach` (attention damped for the indifferent); a reached prospect
                converts with the advertiser's `conversion`.
  service       a touchpoint with `touchpoint_rate`; quality = service quality + uniform noise; it fails
                with the failure (or outage) rate, felt as minus the severity amplified by recent
                failures. Good: expectations adapt, trust builds. Failure: trust is lost, a grievance stays.
  complaints    a failure is voiced with the personal propensity (the grievance gives way to the
                complaint); an open complaint is resolved at first contact with `complaint_handling`,
                later with `follow_up` of it; a recovery is an experience halving with each `patience`
                steps of waiting, fatigued by earlier failures, and a quick one wins back trust. Unresolved,
                anger escalates (damped by listening) and the complainant may give up (trust lost).
                Anger and grievance fade while no complaint is open.
  programmes    participation, appreciation and sensation fade; the company's programmes enrol their
                target group (everyone, a random share, one level) by a fixed draw and touch the enrolled
                with `frequency` (diminishing returns; a sensation enters memory and lifts the bond).
  word of mouth the person talks with a random contact with `conversation_rate`: a passionate contact
                praises (identification and trust up, the recommendation remembered, a prospect may be
                referred), a hostile one, or one still angry at a company it left, warns (identification
                and trust down; a disengaged customer of that brand catches anger, damped by listening).
  memory        the remembered peak and the count of recent failures fade.
  bond          towards identification + remembered experience (peak-end) + relational relevance
                (crowded at capacity) - anger - grievance, beyond a latitude, faster down than up,
                under the trust gate.
  switching     hazard 1 - exp(-pressure / cost of leaving): bond (damped by habit), anger, grievance,
                distrust, price gaps and a noticed promotion; participation and advocacy raise the cost.
                A leaver picks a company or leaves the market by a logit on identification, trust and
                price, pulled towards a brand recommended lately.
  levels, money the level is read with its transition counted; spend by engagement, costs counted.
Interventions other than a viral complaint (timed parameter changes) are not implemented: the benchmark
scenario sets its programmes, promotions and advertising in the companies themselves.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import mesa
import numpy as np

from sim.levels import LEVELS
from sim.parameters import PROGRAMME_TARGETS, PROGRAMMES
from sim.scenario import resolve as resolve_scenario

INDIFFERENT, INVOLVED, PASSIONATE, DISENGAGED, HOSTILE = range(5)
STATE = ("introversion", "price_sensitivity", "trust_rate", "complaint_propensity", "adaptation_rate",
         "relationships", "enrolment", "outage_draw", "company", "bond", "anger", "expectation", "peak", "end",
         "participation", "appreciation", "sensation", "advocacy", "tenure", "failures", "complaint_open",
         "complaint_wait", "level", "grievance", "recommended", "recommended_at", "former_company", "former_anger")


class PlainCustomer(mesa.Agent):
    """One customer with its own state in plain Python attributes and a `step` method."""

    def __init__(self, model: PerAgentModel, row: dict):
        super().__init__(model)
        self.__dict__.update(row)
        self.contacts: list[PlainCustomer] = []

    def remember(self, experience: float) -> None:
        """Peak-end memory: keep the most intense experience and the latest one."""
        if abs(experience) >= abs(self.peak):
            self.peak = experience
        self.end = experience

    def join(self, company: int) -> None:
        """Start afresh with `company` (-1: nobody's customer)."""
        p = self.model.p
        self.company = company
        self.peak = self.end = self.participation = self.appreciation = self.sensation = 0.0
        self.advocacy = self.anger = self.grievance = self.failures = 0.0
        self.tenure = 0
        self.complaint_open = False
        self.bond = 0.0
        if company >= 0:
            start = p.identification_weight * self.identification[company]
            self.bond = max(-1.0, min(start, self.model.ceiling(self.trust[company]), 1.0))

    def step(self) -> None:
        model, p = self.model, self.model.p
        random = model.random.random
        companies = model.companies
        c = self.company
        co = companies[c] if c >= 0 else None
        level = self.level

        # advertising (prospects may convert)
        identification, fit = self.identification, self.fit
        for k in range(len(identification)):
            identification[k] += p.reversion * (fit[k] - identification[k])
        attention = 1.0
        if co is not None:
            attention = p.indifferent_attention + (1 - p.indifferent_attention) * min(abs(self.bond) / p.involved, 1)
        joined = -1
        for k, other in enumerate(companies):
            if other.ad_reach > 0 and random() < other.ad_reach:
                identification[k] += other.ad_effect * attention * (1 - identification[k])
                model.count("ad_exposures", k)
                model.cost("advertising", k, other.ad_cost)
                if co is None and joined < 0 and random() < other.ad_conversion:
                    joined = k

        if co is not None:
            # service: touchpoint, failure, trust, peak-end memory, expectations, grievance
            failed = False
            if random() < co.touchpoint_rate:
                model.count("interactions", c)
                model.cost("service", c, co.touchpoint_cost)
                quality = co.quality + co.quality_spread * (2 * random() - 1)
                rate = co.outage_failure_rate if self.outage_draw < co.outage_share else co.failure_rate
                severity = co.failure_severity * (1 + p.repeat_amplification * min(self.failures, 3))
                if random() < rate:
                    failed = True
                    self.remember(-min(severity, 1.0))
                    self.trust[c] *= 1 - p.trust_loss
                    self.failures += 1
                    self.grievance = max(self.grievance, min(severity, 1.0))
                    model.count("failures", c)
                else:
                    self.remember(quality - self.expectation)
                    target = (1 - p.benchmark_weight) * quality + p.benchmark_weight * max(model.best_quality, 0)
                    self.expectation += self.adaptation_rate * (target - self.expectation)
                    t = self.trust[c]
                    self.trust[c] = min(1.0, t + p.trust_gain * self.trust_rate * (1 - t))

            # complaints: voice or silence, recovery (paradox) or escalation (anger)
            model.cost("complaints", c, co.listening_cost)
            if failed and not self.complaint_open and random() < self.complaint_propensity:
                self.complaint_open, self.complaint_wait, self.grievance = True, 0, 0.0
                model.count("complaints", c)
            elif failed:
                model.count("silent_failures", c)
            if self.complaint_open:
                model.cost("complaints", c, co.complaint_cost)
                wait = self.complaint_wait
                if random() < co.complaint_handling * (1.0 if wait == 0 else p.follow_up):
                    value = p.recovery_strength * (2 * 0.5 ** (wait / p.patience) - 1)
                    if value > 0:
                        value *= p.recovery_fatigue ** max(self.failures - 1, 0)
                    self.remember(value)
                    if wait == 0:
                        t = self.trust[c]
                        self.trust[c] = min(1.0, t + p.recovery_gain * (1 - t))
                        model.count("quick_recoveries", c)
                    self.anger *= 1 - p.anger_release
                    self.grievance = 0.0
                    self.complaint_open = False
                    model.count("recoveries", c)
                else:
                    self.complaint_wait += 1
                    self.anger += p.escalation * (1 - co.listening) * (1 - self.anger)
                    if random() < p.give_up:
                        self.complaint_open = False
                        self.trust[c] *= 1 - p.trust_loss
                        model.count("abandoned_complaints", c)
            if not self.complaint_open:
                self.anger *= 1 - p.anger_fading
                self.grievance *= 1 - p.grievance_fading
        self.former_anger *= 1 - p.anger_fading

        # programmes: participation, appreciation, sensation
        self.participation *= 1 - p.participation_fading
        self.appreciation *= 1 - p.appreciation_fading
        self.sensation *= 1 - p.sensation_fading
        crowding = p.crowding if self.relationships >= p.capacity else 1.0
        if co is not None:
            for k, name, reach, target, frequency, gain, cost, running_cost in co.programmes:
                if (target <= 1 or level == target - 2) and self.enrolment[k] < reach:
                    model.cost("programmes", c, running_cost)
                    if random() < frequency:
                        stock = getattr(self, name)
                        setattr(self, name, stock + gain * (1 - stock))
                        if name == "sensation":
                            self.remember(gain)
                            self.bond = min(self.bond + p.sensation_jump * gain * crowding, 1.0)
                        model.count("programme_touches", c)
                        model.cost("programmes", c, cost)

        # word of mouth: listen to one random contact
        heard = -1
        if self.contacts and random() < p.conversation_rate:
            speaker = self.contacts[int(random() * len(self.contacts))]
            talk = random() / (1 - p.introversion_damping * speaker.introversion)
            if speaker.level == PASSIONATE and talk < p.praise_rate:
                brand = speaker.company
                i, t = identification[brand], self.trust[brand]
                identification[brand] = i + p.identification_effect * (1 - i)
                self.trust[brand] = t + p.trust_word_of_mouth * (1 - t)
                self.recommended, self.recommended_at, heard = brand, model.steps, brand
                speaker.advocacy += 1
                model.count("praise", brand)
            elif (speaker.level == HOSTILE or speaker.former_anger >= p.hostile_anger) and talk < p.warning_rate:
                brand = speaker.company if speaker.level == HOSTILE else speaker.former_company
                if brand >= 0:
                    i = identification[brand]
                    identification[brand] = i - p.warning_effect * (1 + i)
                    self.trust[brand] *= 1 - p.trust_word_of_mouth
                    if brand == c and level == DISENGAGED:
                        self.anger += p.contagion * (1 - companies[brand].listening) * (1 - self.anger)
                    model.count("warnings", brand)

        if co is None:  # a prospect: joins through advertising or a referral
            if joined < 0 and heard >= 0 and random() < p.referral_conversion:
                joined = heard
            if joined >= 0:
                self.join(joined)
                self.tenure = 1
                self.level = model.read_level(self.bond, self.anger)
                model.count("acquired", joined)
            return

        # memory: the remembered peak and the count of recent failures fade
        self.peak *= 1 - p.peak_fading
        self.failures *= 1 - p.failure_fading

        # bond towards its three-factor target, beyond the latitude, gated by trust
        drive = (p.identification_weight * identification[c]
                 + p.experience_weight * (p.peak_weight * self.peak + (1 - p.peak_weight) * self.end)
                 + p.relational_weight * (p.participation_weight * self.participation
                                          + p.appreciation_weight * self.appreciation
                                          + p.sensation_weight * self.sensation))
        if drive > 0:
            drive *= crowding
        gap = drive - p.anger_weight * self.anger - p.grievance_weight * self.grievance - self.bond
        if gap > p.inertia:
            self.bond += p.bond_rate * (gap - p.inertia)
        elif gap < -p.inertia:
            self.bond += p.fall_rate * (gap + p.inertia)
        self.bond = max(-1.0, min(self.bond, model.ceiling(self.trust[c]), 1.0))

        # switching: hazard from bond, habit, anger, grievance, distrust and the best offer seen
        cheapest, best_offer = math.inf, math.inf
        noticed = random()  # one draw decides which promotions are noticed
        for k, other in enumerate(companies):
            if k != c:
                cheapest = min(cheapest, other.price)
                offer = other.price * (1 - other.promotion_discount) if noticed < other.promotion_reach else other.price
                best_offer = min(best_offer, offer)
        own = max(co.price, 1e-9)
        regular_gap = min(max((own - cheapest) / own, 0.0), 1.0)
        promotion_gap = max(min(max((own - best_offer) / own, 0.0), 1.0) - regular_gap, 0.0)
        sensitivity = (self.price_sensitivity * (1 - p.participation_price_damping * self.participation)
                       * (1 - p.engaged_price_damping * min(max(self.bond / p.passionate, 0.0), 1.0)))
        distrust = 1 - self.trust[c]
        pressure = (p.base_hazard * math.exp(-p.bond_sensitivity * self.bond)
                    / (1 + p.habit * min(self.tenure, p.habit_years * 365) / 365)
                    + p.anger_hazard * self.anger + p.grievance_hazard * self.grievance
                    + p.distrust_hazard * distrust * distrust
                    + sensitivity * (p.price_response * regular_gap + p.promotion_response * promotion_gap))
        cost = 1 + p.participation_lock * self.participation + p.advocacy_lock * math.log1p(self.advocacy)
        if random() < -math.expm1(-pressure / cost):
            tip = self.recommended if model.steps - self.recommended_at <= p.referral_memory else -1
            weights = []
            for k, other in enumerate(companies):
                if k == c:
                    weights.append(0.0)
                    continue
                offer = other.price * (1 - other.promotion_discount) if noticed < other.promotion_reach else other.price
                utility = identification[k] + self.trust[k] - sensitivity * offer / own + (p.referral_pull * (k == tip))
                weights.append(math.exp(p.choice_sharpness * utility))
            weights.append(math.exp(p.choice_sharpness * p.outside_option))
            pick, x = 0, random() * sum(weights)
            while pick < len(weights) - 1 and x >= weights[pick]:
                x -= weights[pick]
                pick += 1
            new = pick if pick < len(companies) else -1
            model.count("lost", c)
            if new >= 0:
                model.count("gained", new)
            self.former_company, self.former_anger = c, self.anger
            self.join(new)
            self.tenure = 1 if new >= 0 else 0
            self.level = model.read_level(self.bond, self.anger) if new >= 0 else -1
            return
        self.tenure += 1

        # level reading with the transition counted, revenue and the cost of serving
        new_level = model.read_level(self.bond, self.anger)
        if new_level != level:
            model.transitions[level][new_level] += 1
            self.level = new_level
        model.revenue[c] += co.price * (1 + p.engagement_uplift * max(self.bond, 0.0))
        model.cost("serving", c, co.serving_cost)


class PerAgentModel(mesa.Model):
    """The engagement rules as a textbook Mesa model: one agent per customer, `shuffle_do("step")`.

    Args:
        scenario: as for sim.EngagementModel.
        rng: Mesa seed (default: the scenario's).
        start: the customers' state to start from (a sim.state.CustomerState); default: the market at rest
            of sim.EngagementModel(scenario, rng) after its burn-in, so both models start alike.
        network: the social network (default: the same model's).
    """

    def __init__(self, scenario=None, *, rng=None, overrides: dict | None = None, start=None, network=None):
        resolved = resolve_scenario(scenario, overrides)
        data = resolved.data
        seed = data["seed"] if rng is None else rng
        if start is None or network is None:
            from sim import EngagementModel

            array_model = EngagementModel(resolved, rng=seed)
            start, network = start or array_model.state, network or array_model.market.network
        super().__init__(rng=seed)
        self.market_scenario = resolved  # not `scenario`: newer Mesa keeps its own Scenario there
        self.p = flat_parameters(data)
        self.names = list(data["companies"])
        self.companies = [company_parameters(data["companies"][name]) for name in self.names]
        self.best_quality = max(co.quality for co in self.companies)
        self.viral = [(e["at"], self.names.index(e["company"]), e["viral_complaint"])
                      for e in data["interventions"] if e.get("viral_complaint")]
        size = len(self.names)
        self.counts: dict[str, list[float]] = {}
        self.costs: dict[str, list[float]] = {}
        self.revenue = [0.0] * size
        self.transitions = [[0] * len(LEVELS) for _ in LEVELS]

        # the starting state, copied into plain agents (-1 marks nobody's customer)
        columns = {name: getattr(start, name).tolist() for name in STATE}
        trust, identification = start.trust[:, :size].tolist(), start.identification[:, :size].tolist()
        fit = start.fit[:, :size].tolist()
        customers = self.customers = []
        for i in range(start.n):
            row = {name: values[i] for name, values in columns.items()}
            for key in ("company", "recommended", "former_company"):
                if row[key] >= size:
                    row[key] = -1
            if row["company"] < 0:
                row["level"] = -1
            row.update(trust=trust[i], identification=identification[i], fit=fit[i])
            customers.append(PlainCustomer(self, row))
        for i, customer in enumerate(customers):
            if network.complete:
                customer.contacts = customers  # any other person (self excluded in expectation only)
            else:
                customer.contacts = [customers[j] for j in network.indices[network.indptr[i]:network.indptr[i + 1]]]
        self.records = [self.level_counts()]

    def count(self, name: str, company: int) -> None:
        self.counts.setdefault(name, [0] * len(self.names))[company] += 1

    def cost(self, name: str, company: int, amount: float) -> None:
        self.costs.setdefault(name, [0.0] * len(self.names))[company] += amount

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
                        customer.anger = max(customer.anger, 1.0)
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
    """The scenario's global parameters as plain attributes (fast to read in a loop)."""
    t, m, b, lv = data["trust"], data["memory"], data["bond"], data["levels"]
    c, w, s, r = data["complaints"], data["word_of_mouth"], data["switching"], data["relational"]
    identification = data["identification"]
    return SimpleNamespace(
        reversion=identification["reversion"], indifferent_attention=identification["indifferent_attention"],
        gate=t["gate"], trust_gain=t["gain"], trust_loss=t["loss"], recovery_gain=t["recovery_gain"],
        trust_word_of_mouth=t["word_of_mouth"], peak_weight=m["peak_weight"], peak_fading=m["peak_fading"],
        benchmark_weight=m["benchmark_weight"], repeat_amplification=m["repeat_amplification"],
        failure_fading=m["failure_fading"], bond_rate=b["rate"], fall_rate=b["fall_rate"], inertia=b["inertia"],
        identification_weight=b["identification_weight"], experience_weight=b["experience_weight"],
        relational_weight=b["relational_weight"], anger_weight=b["anger_weight"],
        grievance_weight=b["grievance_weight"], participation_weight=b["participation_weight"],
        appreciation_weight=b["appreciation_weight"], sensation_weight=b["sensation_weight"], capacity=b["capacity"],
        crowding=b["crowding"], sensation_jump=b["sensation_jump"], involved=lv["involved"],
        passionate=lv["passionate"], disengaged=lv["disengaged"], hostile_anger=lv["hostile_anger"],
        recovery_strength=c["recovery_strength"], patience=c["patience"], escalation=c["escalation"],
        give_up=c["give_up"], follow_up=c["follow_up"], anger_release=c["anger_release"],
        anger_fading=c["anger_fading"], recovery_fatigue=c["recovery_fatigue"], grievance_fading=c["grievance_fading"],
        conversation_rate=w["conversation_rate"], praise_rate=w["praise_rate"], warning_rate=w["warning_rate"],
        introversion_damping=w["introversion_damping"], identification_effect=w["identification_effect"],
        warning_effect=w["warning_effect"], contagion=w["contagion"], referral_conversion=w["referral_conversion"],
        referral_memory=w["referral_memory"], participation_fading=r["participation_fading"],
        appreciation_fading=r["appreciation_fading"], sensation_fading=r["sensation_fading"],
        base_hazard=s["base_hazard"], bond_sensitivity=s["bond_sensitivity"], habit=s["habit"],
        habit_years=s["habit_years"], anger_hazard=s["anger_hazard"], grievance_hazard=s["grievance_hazard"],
        distrust_hazard=s["distrust_hazard"], price_response=s["price_response"],
        promotion_response=s["promotion_response"], participation_price_damping=s["participation_price_damping"],
        engaged_price_damping=s["engaged_price_damping"], participation_lock=s["participation_lock"],
        advocacy_lock=s["advocacy_lock"], outside_option=s["outside_option"],
        choice_sharpness=s["choice_sharpness"], referral_pull=s["referral_pull"],
        engagement_uplift=data["money"]["engagement_uplift"])


def company_parameters(c: dict) -> SimpleNamespace:
    """One company's parameters; only programmes that reach someone are kept."""
    programmes = [(k, name, c["programmes"][name]["reach"], PROGRAMME_TARGETS.index(c["programmes"][name]["target"]),
                   c["programmes"][name]["frequency"], c["programmes"][name]["gain"], c["programmes"][name]["cost"],
                   c["programmes"][name]["running_cost"])
                  for k, name in enumerate(PROGRAMMES) if c["programmes"][name]["reach"] > 0]
    costs = c["costs"]
    return SimpleNamespace(
        quality=c["service_quality"], quality_spread=c["quality_spread"], touchpoint_rate=c["touchpoint_rate"],
        failure_rate=c["failure_rate"], failure_severity=c["failure_severity"],
        outage_failure_rate=c["outage"]["failure_rate"], outage_share=c["outage"]["share"],
        complaint_handling=c["complaint_handling"], listening=c["listening"], price=c["price"],
        ad_reach=c["advertising"]["reach"], ad_effect=c["advertising"]["effect"],
        ad_conversion=c["advertising"]["conversion"], ad_cost=c["advertising"]["cost"],
        promotion_reach=c["promotion"]["reach"], promotion_discount=c["promotion"]["discount"],
        serving_cost=costs["serving"], touchpoint_cost=costs["touchpoint"],
        listening_cost=costs["listening"] * c["listening"],
        complaint_cost=costs["complaint"] * (1 + costs["handling_premium"] * c["complaint_handling"] ** 2),
        programmes=programmes)
