"""The fused step: the mechanisms of STEP_ORDER as three compiled passes over the customers.

The mechanism modules (sim/mechanisms) are the reference: each is a readable NumPy function of the
whole population, and each is the specification of its concept. This module runs the same step with
each customer's row touched three times instead of a dozen, in sim.kernels.compiled:

  interventions                                          the reference function (Python; acts rarely)
  A  advertising, service, complaints, programmes         each person's own row, in that order
  B  word of mouth                                       a loop over listeners; speakers are only read
  C  memory, bond, switching, levels, money              each person's own row, in that order

A and C can run the four (five) mechanisms row by row because none of them reads another person's row; B must see
every speaker as A left them, and C every listener as B left them, hence three passes. The random numbers are those
of the reference: each mechanism's stream is counter-based (sim.streams), so the value the reference draws at flat
index k of its array is computed only where it is used. Per-company counts are summed per chunk of rows and reduced
after each step, so the result does not depend on the number of threads, nor on which thread runs a chunk
(sim.kernels.split). tests/test_fused.py checks that the fused step leaves the state, the tally and the timeseries
exactly as the reference does.

A mutation of the reference (sim.validation.mutations patches mechanism functions, and a user may too)
is not in the compiled code, so the model runs the reference step whenever a function of a mechanism
module, or STEP_ORDER, is not the one this module was written for (`FusedStep.usable`).
"""

from __future__ import annotations

import inspect
import math
import operator
import weakref
from functools import partial

import numpy as np

from . import mechanisms
from . import state as states
from .kernels import fast as K
from .kernels import threaded, threads
from .kernels.split import split
from .levels import PROSPECT
from .mechanisms import memory, trust, word_of_mouth
from .parameters import PROGRAMMES
from .tally import COUNTS, ComplaintOutcomes, Lazy, Tally

# the mechanisms whose streams the fused step draws from, in the order of the keys it takes
DRAWING = ("advertising", "service", "complaints", "programmes", "word_of_mouth", "switching")
KEY_NAMES = (*DRAWING, "interventions")
PASSES = ("interventions", "A: advertising+service+complaints+programmes", "B: word_of_mouth",
          "C: memory+bond+switching+levels+money")
ORDER = tuple(name for name, _ in mechanisms.STEP_ORDER)


def _functions(module) -> dict:
    return {name: value for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__}


# the reference as this module compiles it: every function of every mechanism module
_MODULES = tuple(dict.fromkeys([module for _, module in mechanisms.STEP_ORDER] + [memory, trust]))
_REFERENCE = {module: _functions(module) for module in _MODULES}
_CHECKS = [(vars(module), name, function) for module, functions in _REFERENCE.items()
           for name, function in functions.items()]
_STEP_ORDER = mechanisms.STEP_ORDER


def parameter_vector(params: dict) -> np.ndarray:
    """The scenario's parameters in the layout of the compiled passes (float64, as given)."""
    P = np.zeros(K.P_SIZE)
    identification, levels, memory_, trust_ = (params["identification"], params["levels"], params["memory"],
                                               params["trust"])
    c, relational, b = params["complaints"], params["relational"], params["bond"]
    wom, s, money = params["word_of_mouth"], params["switching"], params["money"]
    values = {
        K.P_REVERSION: identification["reversion"], K.P_ATTENTION: identification["indifferent_attention"],
        K.P_INVOLVED: levels["involved"], K.P_AMPLIFICATION: memory_["repeat_amplification"],
        K.P_BENCHMARK: memory_["benchmark_weight"], K.P_TRUST_GAIN: trust_["gain"], K.P_TRUST_LOSS: trust_["loss"],
        K.P_ANGER_FADING: c["anger_fading"], K.P_GRIEVANCE_FADING: c["grievance_fading"],
        K.P_FOLLOW_UP: c["follow_up"], K.P_RECOVERY_STRENGTH: c["recovery_strength"], K.P_PATIENCE: c["patience"],
        K.P_RECOVERY_FATIGUE: c["recovery_fatigue"], K.P_RECOVERY_GAIN: trust_["recovery_gain"],
        K.P_ANGER_RELEASE: c["anger_release"], K.P_ESCALATION: c["escalation"], K.P_GIVE_UP: c["give_up"],
        K.P_PARTICIPATION_FADING: relational["participation_fading"],
        K.P_APPRECIATION_FADING: relational["appreciation_fading"],
        K.P_SENSATION_FADING: relational["sensation_fading"], K.P_SENSATION_JUMP: b["sensation_jump"],
        K.P_CAPACITY: b["capacity"], K.P_CROWDING: b["crowding"], K.P_CONVERSATION: wom["conversation_rate"],
        K.P_PRAISE: wom["praise_rate"], K.P_WARNING: wom["warning_rate"], K.P_DAMPING: wom["introversion_damping"],
        K.P_IDENTIFICATION_EFFECT: wom["identification_effect"], K.P_WARNING_EFFECT: wom["warning_effect"],
        K.P_TRUST_WOM: trust_["word_of_mouth"], K.P_CONTAGION: wom["contagion"],
        K.P_HOSTILE_ANGER: levels["hostile_anger"], K.P_PEAK_FADING: memory_["peak_fading"],
        K.P_FAILURE_FADING: memory_["failure_fading"], K.P_BOND_RATE: b["rate"], K.P_FALL_RATE: b["fall_rate"],
        K.P_W_IDENTIFICATION: b["identification_weight"], K.P_W_EXPERIENCE: b["experience_weight"],
        K.P_W_RELATIONAL: b["relational_weight"], K.P_W_ANGER: b["anger_weight"],
        K.P_W_GRIEVANCE: b["grievance_weight"], K.P_W_PARTICIPATION: b["participation_weight"],
        K.P_W_APPRECIATION: b["appreciation_weight"], K.P_W_SENSATION: b["sensation_weight"],
        K.P_PEAK_WEIGHT: memory_["peak_weight"], K.P_GATE: trust_["gate"], K.P_INERTIA: b["inertia"],
        K.P_BASE_HAZARD: s["base_hazard"], K.P_BOND_SENSITIVITY: s["bond_sensitivity"], K.P_HABIT: s["habit"],
        K.P_HABIT_STEPS: s["habit_years"] * 365, K.P_ANGER_HAZARD: s["anger_hazard"],
        K.P_GRIEVANCE_HAZARD: s["grievance_hazard"], K.P_DISTRUST_HAZARD: s["distrust_hazard"],
        K.P_PRICE_RESPONSE: s["price_response"], K.P_PROMOTION_RESPONSE: s["promotion_response"],
        K.P_PARTICIPATION_PRICE_DAMPING: s["participation_price_damping"],
        K.P_ENGAGED_PRICE_DAMPING: s["engaged_price_damping"], K.P_PASSIONATE: levels["passionate"],
        K.P_PARTICIPATION_LOCK: s["participation_lock"], K.P_ADVOCACY_LOCK: s["advocacy_lock"],
        K.P_OUTSIDE_OPTION: s["outside_option"], K.P_SHARPNESS: s["choice_sharpness"],
        K.P_REFERRAL_PULL: s["referral_pull"], K.P_REFERRAL_MEMORY: wom["referral_memory"],
        K.P_REFERRAL_CONVERSION: wom["referral_conversion"], K.P_DISENGAGED: levels["disengaged"],
        K.P_UPLIFT: money["engagement_uplift"],
    }
    for index, value in values.items():
        P[index] = value
    return P


class _Companies:
    """The companies' parameters at this step in the layout of the compiled passes."""

    def __init__(self, market):
        m = market
        self.source = m.quality, m.price, m.listening, m.programme  # rebuilt when the market rebuilds its arrays
        self.matrix = np.stack([m.quality, m.quality_spread, m.touchpoint_rate, m.failure_rate, m.failure_severity,
                                m.complaint_handling, m.listening, m.price, m.ad_reach, m.ad_effect, m.ad_conversion,
                                m.promotion_discount, m.promotion_reach, m.outage_failure_rate,
                                m.outage_share]).astype(np.float32)
        programme = [m.programme[name] for name in PROGRAMMES]
        self.reach = np.stack([p["reach"] for p in programme]).astype(np.float32)
        self.target = np.stack([p["target"] for p in programme]).astype(np.int8)
        self.frequency = np.stack([p["frequency"] for p in programme]).astype(np.float32)
        self.gain = np.stack([p["gain"] for p in programme]).astype(np.float32)
        self.on = np.array([bool(p["reach"][:-1].any()) for p in programme])
        self.promotion_on = bool(m.promotion_reach[:-1].any())

    def current(self, market) -> bool:
        m = market
        return all(a is b for a, b in zip(self.source, (m.quality, m.price, m.listening, m.programme)))


class FusedStep:
    """The buffers and calls of the fused step for one model (one population size and market)."""

    def __init__(self, state, market, params):
        self.n = n = state.n
        self.size = size = market.size + 1
        chunks = max(1, math.ceil(n / K.CHUNK))
        self.counts = np.zeros((chunks, K.S_SIZE, size), np.int64)
        self.transitions = np.zeros((chunks, 5, 5), np.int64)
        self.praise_by_level = np.zeros((chunks, PROSPECT + 1), np.int64)
        self.warnings_by_level = np.zeros((chunks, PROSPECT + 1), np.int64)
        self.warnings_about_former = np.zeros(chunks, np.int64)
        self.lost_by_level = np.zeros((chunks, size, PROSPECT + 1), np.int64)
        # One set of per-customer event buffers (11 bytes a customer), written again every step: a step's tally
        # decodes its signals from it lazily, and a tally still held when the next step starts has its signals
        # decoded first (`_reuse`), so no tally ever reads another step's events. The model lets go of its own
        # last tally before a step, so only a tally someone keeps pays for decoding.
        self._events_set = self._events(n)
        # the kernels compiled ahead of time, called without their checks while the state's arrays are the
        # objects their checks accepted (the fused step's own arrays are of the declared types by construction):
        # a check of 30-odd arguments costs a few us a call, a tenth of a step at 1,000 people
        self._direct, self._direct_for = {}, None
        self._owner = None  # a weak reference to the tally reading the set
        self.params = None
        self.companies = None
        self.set_params(params)
        self.threaded = threaded(n)
        self.threads = threads()
        self.timings = dict.fromkeys(PASSES, 0.0)

    def _reuse(self, tally: Tally | None) -> tuple:
        """The event buffers for this step (see __init__), after the tally that read them last, if it is still
        held, has decoded its signals; a step without a tally (burn-in) leaves the buffers to nobody."""
        owner = self._owner() if self._owner is not None else None
        if owner is not None:
            owner.materialise()
        self._owner = None if tally is None else weakref.ref(tally)
        return self._events_set

    @staticmethod
    def _events(n: int) -> tuple:
        return (np.empty(n, np.uint8), np.empty(n, np.float32), np.empty(n, np.uint8), np.empty(n, np.int32),
                np.empty(n, np.int8))

    def set_params(self, params: dict) -> None:
        if params is not self.params:
            self.params, self.P = params, parameter_vector(params)

    @staticmethod
    def usable(step_order) -> str | None:
        """Why the fused step cannot stand in for the reference now (None if it can): STEP_ORDER or a function
        of a mechanism module is not the one it was compiled from."""
        if step_order is not _STEP_ORDER:
            if tuple(name for name, _ in step_order) != ORDER:
                return "STEP_ORDER differs from the order the fused step implements"
            for (_, module), (_, expected) in zip(step_order, _STEP_ORDER):
                if module is not expected:
                    return f"the mechanism {module.__name__} is not the one the fused step implements"
        if all(namespace.get(name) is function for namespace, name, function in _CHECKS):
            return None
        for namespace, name, function in _CHECKS:
            if namespace.get(name) is not function:
                return f"{namespace['__name__']}.{name} was replaced"
        return None

    def run(self, state, market, keys: np.ndarray, tally: Tally | None = None, clock=None) -> None:
        """Advertising to money for one step (interventions have acted); fill `tally` if given."""
        if self.companies is None or not self.companies.current(market):
            self.companies = _Companies(market)
        co, P = self.companies, self.P
        P[K.P_BEST_QUALITY] = market.best_quality
        P[K.P_STEP] = market.step
        if tally is not None:
            for array in (self.counts, self.transitions, self.praise_by_level, self.warnings_by_level,
                          self.warnings_about_former, self.lost_by_level):
                array.fill(0)
        events = self._reuse(tally)
        events_a, recovery, events_b, heard_from, warned_brand = events
        s, n = state, self.n
        kernels = self._kernels(state)
        chunks = self.counts.shape[0]  # each pass's chunk loop, on this thread or split between threads
        pass_a, pass_b, pass_c = (partial(split, self.threads, kernel, chunks) if self.threaded
                                  else partial(kernel, 0, chunks) for kernel in kernels[:3])
        advocacy, revenue = kernels[3:]
        now = clock() if clock else 0.0
        pass_a(n, keys, P, co.matrix, co.reach, co.target, co.frequency, co.gain, co.on, s.company, s.level, s.bond,
               s.anger, s.former_anger, s.grievance, s.expectation, s.peak, s.end, s.failures, s.complaint_open,
               s.complaint_wait, s.trust, s.identification, s.fit, s.trust_rate, s.adaptation_rate,
               s.complaint_propensity, s.outage_draw, s.enrolment, s.relationships, s.participation, s.appreciation,
               s.sensation, self.counts, events_a, recovery)
        now = self._tick(clock, now, 1)
        network = market.network
        complete = network.complete
        indptr = _EMPTY_INT64 if complete else network.indptr
        indices = _EMPTY_INT32 if complete else network.indices
        praising = np.zeros(PROSPECT + 1, np.bool_)
        praising[list(word_of_mouth.PRAISING)] = True  # read each step: a patched list acts at once
        warning = np.zeros(PROSPECT + 1, np.bool_)
        warning[list(word_of_mouth.WARNING)] = True
        pass_b(n, keys, P, co.matrix, praising, warning, indptr, indices, complete, s.company, s.level,
               s.former_anger, s.former_company, s.introversion, s.identification, s.trust, s.anger, s.recommended,
               s.recommended_at, self.counts, self.praise_by_level, self.warnings_by_level,
               self.warnings_about_former, events_b, heard_from, warned_brand)
        advocacy(events_b, heard_from, s.advocacy)
        now = self._tick(clock, now, 2)
        pass_c(n, keys, P, co.matrix, s.company, s.level, s.bond, s.anger, s.grievance, s.peak, s.end,
               s.participation, s.appreciation, s.sensation, s.advocacy, s.tenure, s.failures, s.complaint_open,
               s.relationships, s.price_sensitivity, s.identification, s.trust, s.recommended, s.recommended_at,
               s.former_company, s.former_anger, self.counts, self.transitions, self.lost_by_level, co.promotion_on)
        if tally is not None:
            # a sum of floats: customer after customer, as the reference adds it (one core, one read of two arrays)
            revenue(s.company, s.bond, market.price, self.P[K.P_UPLIFT], market.no_company, tally.money["revenue"])
        self._tick(clock, now, 3)
        self._accepted(kernels if tally is not None else kernels[:4])
        if tally is not None:
            self._fill(tally, market, events)

    def _kernels(self, state) -> list:
        """The kernels of this step (`_KERNELS`): those whose checks accepted this state's arrays called directly,
        the others through their checks (or numba's, where nothing is compiled ahead of time)."""
        arrays = _STATE(state)
        if self._direct_for is None or not all(map(operator.is_, arrays, self._direct_for)):
            self._direct, self._direct_for = {}, arrays
        direct = self._direct
        return [direct.get(name) or getattr(K, name) for name in _KERNELS]

    def _accepted(self, called) -> None:
        """Remember the kernels called through their checks this step whose checks passed."""
        for name, function in zip(_KERNELS, called):
            if getattr(function, "accepted", False):
                self._direct[name] = function.function

    def _tick(self, clock, start: float, index: int) -> float:
        if not clock:
            return 0.0
        now = clock()
        self.timings[PASSES[index]] += now - start
        return now

    def _fill(self, tally: Tally, market, events) -> None:
        """The step's tally from the partial counts, with money in the reference's order of additions."""
        counts = self.counts.sum(axis=0)
        customers = counts[K.S_LEVEL:K.S_LEVEL + 5].sum(axis=0)  # the customers after the step, by company
        counts[K.S_CUSTOMERS_AFTER] = customers
        counts[K.S_CUSTOMERS_AFTER, market.no_company] = self.n - customers.sum()
        tally.count_table += counts[: len(COUNTS)]  # the first slots are COUNTS, in order
        money = tally.money
        money["cost_advertising"] += counts[K.S_AD_EXPOSURES] * market.ad_cost
        money["cost_service"] += counts[K.S_INTERACTIONS] * market.touchpoint_cost
        money["cost_complaints"] += counts[K.S_CUSTOMERS_BEFORE] * market.listening_cost
        money["cost_complaints"] += counts[K.S_ATTEMPTS] * market.complaint_cost
        for k, name in enumerate(PROGRAMMES):
            if self.companies.on[k]:
                programme = market.programme[name]
                money["cost_programmes"] += counts[K.S_ENROLLED + k] * programme["running_cost"]
                money["cost_programmes"] += counts[K.S_TOUCHED + k] * programme["cost"]
        money["cost_serving"] += counts[K.S_CUSTOMERS_AFTER] * market.serving_cost
        tally.transitions += self.transitions.sum(axis=0)
        tally.praise_by_level += self.praise_by_level.sum(axis=0)
        tally.warnings_by_level += self.warnings_by_level.sum(axis=0)
        tally.warnings_about_former += int(self.warnings_about_former.sum())
        tally.lost_by_level += self.lost_by_level.sum(axis=0)
        tally.level_counts = counts[K.S_LEVEL:K.S_LEVEL + 5, : market.size].T.copy()
        events_a, recovery, events_b, heard_from, warned_brand = events
        tally.failed = Lazy(lambda: (events_a & K.E_FAILED) != 0)
        tally.complaint_outcomes = Lazy(lambda: _outcomes(events_a, recovery))
        tally.speakers = Lazy(lambda: heard_from[events_b != 0].astype(np.int64))
        tally.warned = Lazy(lambda: _warned(events_b, warned_brand))


_STATE = operator.attrgetter(*states.field_names())  # a state's arrays, in one call
_KERNELS = ("pass_a_chunks", "pass_b_chunks", "pass_c_chunks", "count_advocacy", "revenue")
_EMPTY_INT64 = np.zeros(1, np.int64)
_EMPTY_INT32 = np.zeros(1, np.int32)


def _outcomes(events: np.ndarray, recovery: np.ndarray) -> ComplaintOutcomes:
    resolved = np.flatnonzero(events & K.E_RESOLVED)
    return ComplaintOutcomes(np.flatnonzero(events & K.E_COMPLAINED), resolved, np.flatnonzero(events & K.E_QUICK),
                             np.flatnonzero(events & K.E_GAVE_UP), recovery[resolved])


def _warned(events: np.ndarray, brand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.flatnonzero(events == K.W_WARNING)
    return rows, brand[rows]
