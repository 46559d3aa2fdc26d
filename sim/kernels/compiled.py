"""Every compiled loop of the model (numba): random numbers, stream keys, the kernels the NumPy
reference mechanisms call, the three passes of the fused step, and the set-up's (starting companies,
the network's neighbour lists).

All of it lives in this one file because numba's disk cache (`cache=True`) only checks the file that
defines a function: a row function edited in another file would leave stale machine code in the cache
of every kernel that inlines it. The functions the fused step, the streams and a model's set-up call are also
compiled ahead of time from these same Python functions (sim/kernels/ahead.py, its EXPORTS), so that a run
imports no numba.

Exactness. The fused passes repeat, row by row, the arithmetic of the NumPy reference mechanisms with
the same types: NumPy 2 casts a Python float to float32 before it meets a float32 array (NEP 50), so
every such parameter is turned into `np.float32` here before use, and every constant next to a
float32 is `np.float32` too (numba would otherwise compute in float64). Where the reference itself is
a numba kernel (advertising, bond, leaving pressure, levels, revenue) both call the same row function
below. Transcendental functions (exp, expm1, log1p, pow) are the C library's in both: the reference
calls `exp`/`power` below instead of NumPy's SIMD versions, which differ in the last bit on AVX-512.
With that, the fused step gives the reference's bytes, which tests/test_fused.py checks.

Vectorisation. numba wraps a negative index around (a[-1] is the last element), so an index it cannot
prove to be >= 0 costs a select per access, and a loop of such accesses is not vectorised by LLVM. The chunks
therefore loop `for j in range(m)` over `i = lo + j` after `lo = max(lo, 0)`, never `for i in range(lo, hi)`:
that alone made the fused step a third faster (`python -m sim bench`).

Parallelism. Each pass walks the customers in chunks of `CHUNK` rows; a chunk's counts (whole numbers)
go to its own row of a partial-sum array that is reduced after the pass, so the result is the same on one
thread or many. Revenue, the one sum of floats, is added up customer after customer by `revenue` after
the last pass, as the reference does. A pass is a loop over a range of chunks (`pass_a_chunks(first, last,
...)`) that releases the GIL, and sim.kernels.split runs ranges of it on several threads, whether the machine
code is numba's or the module compiled ahead of time.
"""

from __future__ import annotations

import math
import types

import numba
import numpy as np

from .cache import read_lightly

# NumPy's error model: a division by zero gives inf or nan, as in the NumPy reference, instead of a check
# and a Python exception on every division (which also keeps LLVM from optimising the loops).
jit = numba.njit(cache=True, nogil=True, error_model="numpy")
pjit = numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy")
# Row functions are inlined into their callers at numba's level: LLVM does not inline calls with this many
# array arguments, and a call per person per mechanism costs more than the mechanism.
row = numba.njit(inline="always", error_model="numpy")

CHUNK = 4096  # rows per chunk: the unit of threads' work and of the partial counts


def _renamed(func, name: str):
    """`func` under another name, for its threaded build. numba's disk cache keys a function by its name and
    line, not by `parallel=True`: a serial and a threaded build of one function would share one cache entry,
    and whichever was compiled first would be loaded for both (the threaded passes then ran on one thread)."""
    copy = types.FunctionType(func.__code__, func.__globals__, name, func.__defaults__, func.__closure__)
    copy.__qualname__ = name
    return copy


# --- random numbers -------------------------------------------------------------------------------------
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TO_UNIT = np.float32(1.0 / 16777216.0)


@row
def uniform_at(key, index):
    """Value `index` of the stream with this key: SplitMix64(key + (index + 1) x golden) -> float32 on [0, 1)."""
    z = key + np.uint64(index + 1) * GOLDEN
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z = z ^ (z >> np.uint64(31))
    return np.float32(np.int32(z >> np.uint64(40))) * TO_UNIT  # 24 bits, via int32 (fast to convert)


@jit
def fill_uniform_chunks(first, last, flat, key):
    """flat[i] = value i of the stream (a whole array, as the reference mechanisms draw), for chunks `first` to
    `last - 1` of CHUNK values: all of it on one thread, or one thread's share (sim.kernels.split)."""
    lo = max(first * CHUNK, 0)
    for j in range(max(min(last * CHUNK, flat.size) - lo, 0)):
        flat[lo + j] = uniform_at(key, lo + j)


# NumPy's SeedSequence, as far as the streams use it: a run's entropy (up to 4 words), then two spawn
# words (crc32 of the mechanism's name, step). Written out so that the keys of a whole step (or a
# whole burn-in) cost microseconds instead of 12 us each; tests/test_streams.py checks it against NumPy.
MASK32 = np.uint64(0xFFFFFFFF)
INIT_A, MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)
INIT_B, MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)
MIX_L, MIX_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)


@row
def _hashmix(value, hash_const):
    value = (value ^ hash_const[0]) & MASK32
    hash_const[0] = (hash_const[0] * MULT_A) & MASK32
    value = (value * hash_const[0]) & MASK32
    return value ^ (value >> np.uint64(16))


@row
def _mix(x, y):
    result = (MIX_L * x - MIX_R * y) & MASK32
    return result ^ (result >> np.uint64(16))


@jit
def stream_keys(root_words, crcs, steps):
    """keys[s, m] = SeedSequence(entropy=root, spawn_key=(crcs[m], steps[s])).generate_state(1, uint64)[0]."""
    keys = np.empty((steps.size, crcs.size), np.uint64)
    hash_const = np.empty(1, np.uint64)
    pool = np.empty(4, np.uint64)
    for s in range(steps.size):
        for m in range(crcs.size):
            hash_const[0] = INIT_A
            for i in range(4):
                pool[i] = _hashmix(root_words[i], hash_const)
            for src in range(4):
                for dst in range(4):
                    if src != dst:
                        pool[dst] = _mix(pool[dst], _hashmix(pool[src], hash_const))
            for word in (np.uint64(crcs[m]), np.uint64(steps[s])):
                for dst in range(4):
                    pool[dst] = _mix(pool[dst], _hashmix(word, hash_const))
            out = np.uint64(0)
            b = INIT_B
            for w in range(2):
                value = (pool[w] ^ b) & MASK32
                b = (b * MULT_B) & MASK32
                value = (value * b) & MASK32
                value = value ^ (value >> np.uint64(16))
                out |= value << np.uint64(32 * w)
            keys[s, m] = out
    return keys


# --- libm for the NumPy reference ---------------------------------------------------------------------------
@jit
def exp(x):
    """exp of a float64 array with the C library's exp (as compiled code computes it)."""
    out = np.empty_like(x)
    flat, result = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        result[i] = math.exp(flat[i])
    return out


@jit
def power(base, x):
    """np.float32 `base` ** a float32 array, with the C library's powf (as compiled code computes it)."""
    out = np.empty_like(x)
    flat, result = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        result[i] = base ** flat[i]
    return out


# --- row functions shared by the reference kernels and the fused passes --------------------------------------
@row
def revert(identification, fit, reversion):
    """Identification after one step back towards the person's fit (float64 arithmetic, stored as float32)."""
    return identification + reversion * (fit - identification)


@row
def attention_of(c, bond, none, floor, involved):
    """How much of an advertisement a person takes in: `floor` when indifferent, 1 with a strong feeling."""
    if c < none:
        return floor + (1.0 - floor) * min(abs(bond) / involved, 1.0)
    return 1.0


@row
def exposed(value, effect, attention):
    """Identification after one exposure."""
    return value + effect * attention * (1.0 - value)


@row
def fill(out, key, start, count):
    """out[:count] = values start .. start + count - 1 of a stream (a loop LLVM vectorises)."""
    for j in range(count):
        out[j] = uniform_at(key, start + j)


@row
def bond_row(bond_i, c, identification_c, trust_c, peak, end, participation, appreciation, sensation, anger,
             grievance, relationships, none, up, down, w_identification, w_experience, w_relational, w_anger,
             w_grievance, w_participation, w_appreciation, w_sensation, w_peak, capacity, crowded, trust_gate,
             latitude, below_gate):
    """The bond after one step towards its three-factor target, beyond the latitude, under the trust gate.
    Weights are float32; `below_gate` = float32(involved x 0.999 / gate)."""
    # written with selects, not branches (x 1 is exact), so that loops over people vectorise
    one, zero = np.float32(1.0), np.float32(0.0)
    drive = (w_identification * identification_c
             + w_experience * (w_peak * peak + (one - w_peak) * end)
             + w_relational * (w_participation * participation + w_appreciation * appreciation
                               + w_sensation * sensation))
    drive = drive * (crowded if (drive > zero) & (relationships >= capacity) else one)
    gap = drive - w_anger * anger - w_grievance * grievance - bond_i
    rising = bond_i + up * (gap - latitude)
    falling = bond_i + down * (gap + latitude)
    value = rising if gap > latitude else (falling if gap < -latitude else bond_i)
    ceiling = one if trust_c >= trust_gate else below_gate * min(trust_c, trust_gate)
    value = min(max(min(value, ceiling), -one), one)
    return value if c < none else zero


@row
def price_gaps(c, promotion_draw, price, promotion_reach, promotion_discount, none):
    """(regular gap, extra gap from a promotion noticed) between the own price and the cheapest other."""
    one, zero = np.float32(1.0), np.float32(0.0)
    own = max(price[c], np.float32(1e-9))
    cheapest_regular = np.float32(np.inf)
    cheapest_offer = np.float32(np.inf)
    for k in range(none):
        if k == c:
            continue
        cheapest_regular = min(cheapest_regular, price[k])
        offer = price[k]
        if promotion_draw < promotion_reach[k]:
            offer = price[k] * (one - promotion_discount[k])
        cheapest_offer = min(cheapest_offer, offer)
    regular_gap = min(max((own - cheapest_regular) / own, zero), one)
    return regular_gap, max(min(max((own - cheapest_offer) / own, zero), one) - regular_gap, zero)


@row
def sensitivity_row(bond, participation, price_sensitivity, participation_damping, engaged_damping, per_passionate):
    """Effective price sensitivity: damped by participation and by the bond."""
    one, zero = np.float32(1.0), np.float32(0.0)
    engaged = min(max(bond * per_passionate, zero), one)
    return price_sensitivity * (one - participation_damping * participation) * (one - engaged_damping * engaged)


@row
def pressure_total(c, bond, anger, grievance, trust_c, tenure, s, promotion_draw, price, promotion_reach,
                   promotion_discount, none, base, bond_term, habit_per_step, habit_cap, anger_rate, grievance_rate,
                   distrust_rate, regular_rate, promotion_rate):
    """The pressure to leave before the cost of leaving, with exp(-steepness x bond) given as `bond_term`."""
    one = np.float32(1.0)
    regular_gap, promotion_gap = price_gaps(c, promotion_draw, price, promotion_reach, promotion_discount, none)
    habit_tenure = min(np.float32(tenure), habit_cap)
    distrust = one - trust_c
    return (base * bond_term / (one + habit_per_step * habit_tenure)
            + anger_rate * anger + grievance_rate * grievance + distrust_rate * distrust * distrust
            + s * (regular_rate * regular_gap + promotion_rate * promotion_gap))


@row
def pressure_row(c, bond, anger, grievance, trust_c, tenure, participation, advocacy, price_sensitivity,
                 promotion_draw, leave_draw, price, promotion_reach, promotion_discount, none, base, steepness,
                 habit_per_step, habit_cap, anger_rate, grievance_rate, distrust_rate, regular_rate, promotion_rate,
                 participation_damping, engaged_damping, per_passionate, participation_cost, advocacy_cost):
    """(pressure to leave after the cost of leaving, effective price sensitivity, leaves?) of one person.

    As 1 - exp(-p) <= p, the exponential is only needed for the few draws below the pressure.
    """
    one, zero = np.float32(1.0), np.float32(0.0)
    s = sensitivity_row(bond, participation, price_sensitivity, participation_damping, engaged_damping,
                        per_passionate)
    if c >= none:
        return zero, s, False
    total = pressure_total(c, bond, anger, grievance, trust_c, tenure, s, promotion_draw, price, promotion_reach,
                           promotion_discount, none, base, math.exp(-steepness * bond), habit_per_step, habit_cap,
                           anger_rate, grievance_rate, distrust_rate, regular_rate, promotion_rate)
    cost = one + participation_cost * participation
    if advocacy > zero:
        cost += advocacy_cost * math.log1p(advocacy)
    p = total / cost
    return p, s, (leave_draw < p and leave_draw < -math.expm1(-p))


@row
def level_row(c, bond, anger, none, involved, passionate, disengaged, hostile_anger, prospect):
    """Level code read from bond and anger (thresholds in float64, as the kernel always compared).

    Arithmetic on the comparisons, not branches: levels differ person by person, which a branch predictor
    cannot guess, and numba turns `a if test else b` into branches (this form halves the cost of the levels
    in the fused step). It needs passionate > involved, which sim.scenario checks."""
    i64 = np.int64
    upper = i64(bond >= passionate) + i64(bond >= involved)  # 2 passionate, 1 involved, 0 indifferent
    lower = i64(3) + i64(anger >= hostile_anger)  # 3 disengaged, 4 hostile
    code = upper + i64(bond <= disengaged) * (lower - upper)
    return code + i64(c >= none) * (prospect - code)


@row
def spend_row(price_c, bond, uplift):
    """One customer's spend this step (float64)."""
    return price_c * (1.0 + uplift * max(bond, 0.0))


# --- the kernels the reference mechanisms call --------------------------------------------------------------
@jit
def advertise(identification, fit, draws, company, bond, reach, effect, none, reversion, floor, involved, exposures):
    """Identification with every brand returns towards the person's fit with it, then this step's
    exposures move it towards +1 (in place)."""
    n, brands = identification.shape
    for i in range(n):
        for k in range(brands):
            identification[i, k] = revert(identification[i, k], fit[i, k], reversion)
        attention = attention_of(company[i], bond[i], none, floor, involved)
        for k in range(none):
            if reach[k] > 0 and draws[k, i] < reach[k]:
                identification[i, k] = exposed(identification[i, k], effect[k], attention)
                exposures[k] += 1


def _bond_loop(bond, company, identification, trust, peak, end, participation, appreciation, sensation, anger,
               grievance, relationships, none, rate, fall_rate, identification_weight, experience_weight,
               relational_weight, anger_weight, grievance_weight, participation_weight, appreciation_weight,
               sensation_weight, peak_weight, capacity, crowding, gate, involved, inertia):
    f = np.float32
    up, down = f(rate), f(fall_rate)
    w_id, w_ex, w_rel = f(identification_weight), f(experience_weight), f(relational_weight)
    w_an, w_gr = f(anger_weight), f(grievance_weight)
    w_pa, w_ap, w_se, w_pk = f(participation_weight), f(appreciation_weight), f(sensation_weight), f(peak_weight)
    crowded, trust_gate, latitude = f(crowding), f(gate), f(inertia)
    below_gate = f(involved * 0.999 / max(gate, 1e-9))
    for i in numba.prange(bond.size):
        c = company[i]
        cc = min(c, none)
        bond[i] = bond_row(bond[i], c, identification[i, cc], trust[i, cc], peak[i], end[i], participation[i],
                           appreciation[i], sensation[i], anger[i], grievance[i], relationships[i], none, up, down,
                           w_id, w_ex, w_rel, w_an, w_gr, w_pa, w_ap, w_se, w_pk, capacity, crowded, trust_gate,
                           latitude, below_gate)


update_bond_serial = jit(_bond_loop)
update_bond_threaded = pjit(_renamed(_bond_loop, "_bond_loop_threaded"))


def _pressure_loop(company, bond, anger, grievance, trust, tenure, participation, advocacy, price_sensitivity,
                   promotion_draw, leave_draw, price, promotion_reach, promotion_discount, none, base_hazard,
                   bond_sensitivity, habit, habit_steps, anger_hazard, grievance_hazard, distrust_hazard,
                   price_response, promotion_response, participation_price_damping, engaged_price_damping, passionate,
                   participation_lock, advocacy_lock):
    n = company.size
    pressure = np.zeros(n, np.float32)
    sensitivity = np.empty(n, np.float32)
    leaves = np.zeros(n, np.bool_)
    f = np.float32
    base, steepness, habit_per_step = f(base_hazard), f(bond_sensitivity), f(habit / 365.0)
    habit_cap, anger_rate, grievance_rate = f(habit_steps), f(anger_hazard), f(grievance_hazard)
    distrust_rate, regular_rate, promotion_rate = f(distrust_hazard), f(price_response), f(promotion_response)
    participation_damping, engaged_damping = f(participation_price_damping), f(engaged_price_damping)
    per_passionate, participation_cost, advocacy_cost = f(1.0 / passionate), f(participation_lock), f(advocacy_lock)
    for i in numba.prange(n):
        c = company[i]
        p, s, go = pressure_row(c, bond[i], anger[i], grievance[i], trust[i, min(c, none)], tenure[i],
                                participation[i], advocacy[i], price_sensitivity[i], promotion_draw[i], leave_draw[i],
                                price, promotion_reach, promotion_discount, none, base, steepness, habit_per_step,
                                habit_cap, anger_rate, grievance_rate, distrust_rate, regular_rate, promotion_rate,
                                participation_damping, engaged_damping, per_passionate, participation_cost,
                                advocacy_cost)
        pressure[i], sensitivity[i], leaves[i] = p, s, go
    return pressure, sensitivity, leaves


leaving_pressure_serial = jit(_pressure_loop)
leaving_pressure_threaded = pjit(_renamed(_pressure_loop, "_pressure_loop_threaded"))


@jit
def read_levels(bond, anger, company, company_before, level, none, involved, passionate, disengaged, hostile_anger,
                prospect, transitions):
    """Read each level from bond and anger; count transitions of customers who stayed (in place)."""
    for i in range(bond.size):
        new = level_row(company[i], bond[i], anger[i], none, involved, passionate, disengaged, hostile_anger, prospect)
        if new != prospect and company[i] == company_before[i] and level[i] < prospect:
            transitions[level[i], new] += 1
        level[i] = new


@jit
def revenue(company, bond, price, uplift, none, totals):
    """Add each customer's spend to its company's total (in place), customer after customer.

    A sum of floats depends on its order, so the fused step calls this too, after its last pass, rather
    than summing per thread: one read of company and bond, on one core."""
    for i in range(company.size):
        c = company[i]
        if c < none:
            totals[c] += spend_row(price[c], bond[i], uplift)


@row
def choose_row(utility, draw):
    """Index picked by a logit choice over `utility` (float64) with one uniform, as switching.choose does:
    exp of utility - max, cumulative sum, divided by the total, first entry above the draw."""
    top = utility[0]
    for k in range(1, utility.size):
        top = max(top, utility[k])
    total = 0.0
    count = 0
    for k in range(utility.size):
        total += math.exp(utility[k] - top)
        utility[k] = total  # the cumulative sum, in place
    for k in range(utility.size):
        if draw >= utility[k] / total:
            count += 1
    return min(count, utility.size - 1)


# --- the fused step -----------------------------------------------------------------------------------------
# Parameters of the fused step, in a float64 vector P (sim.fused builds it from the scenario).
(P_REVERSION, P_ATTENTION, P_INVOLVED, P_AMPLIFICATION, P_BENCHMARK, P_BEST_QUALITY, P_TRUST_GAIN, P_TRUST_LOSS,
 P_ANGER_FADING, P_GRIEVANCE_FADING, P_FOLLOW_UP, P_RECOVERY_STRENGTH, P_PATIENCE, P_RECOVERY_FATIGUE,
 P_RECOVERY_GAIN, P_ANGER_RELEASE, P_ESCALATION, P_GIVE_UP, P_PARTICIPATION_FADING, P_APPRECIATION_FADING,
 P_SENSATION_FADING, P_SENSATION_JUMP, P_CAPACITY, P_CROWDING, P_CONVERSATION, P_PRAISE, P_WARNING, P_DAMPING,
 P_IDENTIFICATION_EFFECT, P_WARNING_EFFECT, P_TRUST_WOM, P_CONTAGION, P_HOSTILE_ANGER, P_PEAK_FADING,
 P_FAILURE_FADING, P_BOND_RATE, P_FALL_RATE, P_W_IDENTIFICATION, P_W_EXPERIENCE, P_W_RELATIONAL, P_W_ANGER,
 P_W_GRIEVANCE, P_W_PARTICIPATION, P_W_APPRECIATION, P_W_SENSATION, P_PEAK_WEIGHT, P_GATE, P_INERTIA,
 P_BASE_HAZARD, P_BOND_SENSITIVITY, P_HABIT, P_HABIT_STEPS, P_ANGER_HAZARD, P_GRIEVANCE_HAZARD, P_DISTRUST_HAZARD,
 P_PRICE_RESPONSE, P_PROMOTION_RESPONSE, P_PARTICIPATION_PRICE_DAMPING, P_ENGAGED_PRICE_DAMPING, P_PASSIONATE,
 P_PARTICIPATION_LOCK, P_ADVOCACY_LOCK, P_OUTSIDE_OPTION, P_SHARPNESS, P_REFERRAL_PULL, P_REFERRAL_MEMORY,
 P_REFERRAL_CONVERSION, P_DISENGAGED, P_UPLIFT, P_STEP) = range(70)
P_SIZE = 70

# Company parameters, rows of a float32 matrix CO[field, company] (last column: no company).
(C_QUALITY, C_SPREAD, C_TOUCHPOINT, C_FAILURE, C_SEVERITY, C_HANDLING, C_LISTENING, C_PRICE, C_AD_REACH, C_AD_EFFECT,
 C_AD_CONVERSION, C_PROMOTION_DISCOUNT, C_PROMOTION_REACH, C_OUTAGE_FAILURE, C_OUTAGE_SHARE) = range(15)
C_SIZE = 15

# Slots of the per-chunk counts, counts[chunk, slot, company]; the first ones are sim.tally.COUNTS in order.
(S_INTERACTIONS, S_FAILURES, S_COMPLAINTS, S_SILENT, S_RECOVERIES, S_QUICK, S_ABANDONED, S_PRAISE, S_WARNINGS,
 S_LOST, S_GAINED, S_ACQUIRED, S_REFERRALS, S_LAPSED, S_PROGRAMME_TOUCHES, S_AD_EXPOSURES, S_CUSTOMERS_BEFORE,
 S_ATTEMPTS, S_ENROLLED, _S_ENROLLED1, _S_ENROLLED2, S_TOUCHED, _S_TOUCHED1, _S_TOUCHED2, S_CUSTOMERS_AFTER,
 S_LEVEL) = range(26)
S_SIZE = S_LEVEL + 5

# Keys of the drawing mechanisms, in this order (sim.fused.DRAWING).
K_ADVERTISING, K_SERVICE, K_COMPLAINTS, K_PROGRAMMES, K_WORD_OF_MOUTH, K_SWITCHING = range(6)

# Per-customer events, kept for the analyses that read a step's tally (sim.tally)
E_FAILED, E_COMPLAINED, E_RESOLVED, E_QUICK, E_GAVE_UP = 1, 2, 4, 8, 16
W_PRAISE, W_WARNING = 1, 2
DISENGAGED, PROSPECT = 3, 5


@row
def remember_peak(peak, experience):
    """The remembered peak after an experience (memory.remember: the more intense one is kept)."""
    return experience if abs(experience) >= abs(peak) else peak


@row
def clip01(x):
    return min(max(x, np.float32(0.0)), np.float32(1.0))


# A chunk applies its mechanisms one after the other to its CHUNK rows, each as a short loop: the rows stay
# in the core's cache between the loops, the loops stay simple enough for LLVM to vectorise the common
# work (fading, the values of the streams everybody draws), and the rare work (a touchpoint, a complaint,
# a leaver) runs over a list of the rows that need it, drawing its values lazily.

@jit
def _chunk_a(lo, hi, b, n, keys, P, CO, programme_reach, programme_target, programme_frequency, programme_gain,
             programme_on, company, level, bond, anger, former_anger, grievance, expectation, peak, end, failures,
             complaint_open, complaint_wait, trust, identification, fit, trust_rate, adaptation_rate,
             complaint_propensity, outage_draw, enrolment, relationships, participation, appreciation, sensation,
             counts, events, recovery):
    """Advertising, service, complaints and programmes for rows lo..hi-1 (each person's own row)."""
    f = np.float32
    one, zero = f(1.0), f(0.0)
    none = CO.shape[1] - 1
    brands = none + 1
    lo = max(lo, 0)  # indices lo + j known to be >= 0: loops vectorise (see Vectorisation above)
    m = hi - lo
    draw = np.empty(m, np.float32)
    rows = np.empty(m, np.int64)
    tally = counts[b]

    # advertising: identification returns towards fit, then each advertiser's exposures
    key = keys[K_ADVERTISING]
    reversion, floor, involved = P[P_REVERSION], P[P_ATTENTION], P[P_INVOLVED]
    flat_identification, flat_fit = identification.reshape(-1), fit.reshape(-1)
    for y in range(m * brands):
        x = lo * brands + y
        flat_identification[x] = revert(flat_identification[x], flat_fit[x], reversion)
    for k in range(none):
        reach = CO[C_AD_REACH, k]
        if reach > 0:
            effect = CO[C_AD_EFFECT, k]
            fill(draw, key, k * n + lo, m)
            for j in range(m):
                if draw[j] < reach:
                    i = lo + j
                    attention = attention_of(company[i], bond[i], none, floor, involved)
                    identification[i, k] = exposed(identification[i, k], effect, attention)
                    tally[S_AD_EXPOSURES, k] += 1

    # service: who has a touchpoint, then what happens at each
    key = keys[K_SERVICE]
    amplification, three = f(P[P_AMPLIFICATION]), f(3.0)
    keep_weight = f(1 - P[P_BENCHMARK])
    benchmark = f(P[P_BENCHMARK] * max(P[P_BEST_QUALITY], 0.0))
    gain, loss_keep = f(P[P_TRUST_GAIN]), f(1 - P[P_TRUST_LOSS])
    for k in range(brands):  # customers of each company (a compare-and-add LLVM vectorises)
        customers = 0
        for j in range(m):
            i = lo + j
            customers += company[i] == k
        tally[S_CUSTOMERS_BEFORE, k] += customers
    fill(draw, key, lo, m)
    touched = 0
    touchpoint = CO[C_TOUCHPOINT]  # nobody's customers have rate 0 (the last entry): never touched
    for j in range(m):
        i = lo + j
        events[i] = 0
        if draw[j] < touchpoint[company[i]]:
            rows[touched] = i
            touched += 1
    for t in range(touched):
        i = rows[t]
        c = company[i]
        tally[S_INTERACTIONS, c] += 1
        quality = CO[C_QUALITY, c] + CO[C_SPREAD, c] * (f(2.0) * uniform_at(key, n + i) - one)
        rate = CO[C_OUTAGE_FAILURE, c] if outage_draw[i] < CO[C_OUTAGE_SHARE, c] else CO[C_FAILURE, c]
        severity = CO[C_SEVERITY, c] * (one + amplification * min(failures[i], three))
        if uniform_at(key, 2 * n + i) < rate:
            experience = -min(severity, one)
            peak[i] = remember_peak(peak[i], experience)
            end[i] = experience
            trust[i, c] = clip01(trust[i, c] * loss_keep)
            failures[i] = failures[i] + one
            grievance[i] = max(grievance[i], min(severity, one))
            tally[S_FAILURES, c] += 1
            events[i] = E_FAILED
        else:
            experience = quality - expectation[i]
            peak[i] = remember_peak(peak[i], experience)
            end[i] = experience
            e = expectation[i]
            expectation[i] = e + adaptation_rate[i] * ((keep_weight * quality + benchmark) - e)
            t_ = trust[i, c]
            trust[i, c] = clip01(t_ + gain * trust_rate[i] * (one - t_))

    # complaints: the failed and the open complaints, then fading for everyone whose complaint is closed
    key = keys[K_COMPLAINTS]
    calm, grievance_keep = f(1 - P[P_ANGER_FADING]), f(1 - P[P_GRIEVANCE_FADING])
    follow_up, strength = f(P[P_FOLLOW_UP]), f(P[P_RECOVERY_STRENGTH])
    patience, fatigue = f(P[P_PATIENCE]), f(P[P_RECOVERY_FATIGUE])
    recovery_gain, release_keep = f(P[P_RECOVERY_GAIN]), f(1 - P[P_ANGER_RELEASE])
    escalation, give_up = f(P[P_ESCALATION]), f(P[P_GIVE_UP])
    listed = 0
    for j in range(m):
        i = lo + j
        if events[i] != 0 or complaint_open[i]:
            rows[listed] = i
            listed += 1
    for t in range(listed):
        i = rows[t]
        c = company[i]
        failed = events[i] == E_FAILED
        if failed and not complaint_open[i] and uniform_at(key, i) < complaint_propensity[i]:
            complaint_open[i] = True
            complaint_wait[i] = 0
            grievance[i] = zero
            tally[S_COMPLAINTS, c] += 1
            events[i] |= E_COMPLAINED
        elif failed:
            tally[S_SILENT, c] += 1
        if complaint_open[i] and c < none:
            tally[S_ATTEMPTS, c] += 1
            wait = complaint_wait[i]
            chance = CO[C_HANDLING, c] * (one if wait == 0 else follow_up)
            if uniform_at(key, n + i) < chance:
                value = strength * (f(2.0) * f(0.5) ** (f(wait) / patience) - one)
                if value > zero:
                    value = value * fatigue ** max(failures[i] - one, zero)
                peak[i] = remember_peak(peak[i], value)
                end[i] = value
                if wait == 0:
                    t_ = trust[i, c]
                    trust[i, c] = clip01(t_ + recovery_gain * (one - t_))
                    tally[S_QUICK, c] += 1
                    events[i] |= E_QUICK
                anger[i] = anger[i] * release_keep
                grievance[i] = zero
                complaint_open[i] = False
                tally[S_RECOVERIES, c] += 1
                events[i] |= E_RESOLVED
                recovery[i] = value
            else:
                complaint_wait[i] = wait + 1
                unheard = escalation * (one - CO[C_LISTENING, c])
                a = anger[i]
                anger[i] = a + unheard * (one - a)
                if uniform_at(key, 2 * n + i) < give_up:
                    complaint_open[i] = False
                    trust[i, c] = clip01(trust[i, c] * loss_keep)
                    tally[S_ABANDONED, c] += 1
                    events[i] |= E_GAVE_UP
    for j in range(m):
        i = lo + j
        if not complaint_open[i]:
            anger[i] = anger[i] * calm
            grievance[i] = grievance[i] * grievance_keep
        former_anger[i] = former_anger[i] * calm

    # programmes: the stocks fade, then each running programme touches some of those it enrols
    participation_keep, appreciation_keep = f(1 - P[P_PARTICIPATION_FADING]), f(1 - P[P_APPRECIATION_FADING])
    sensation_keep = f(1 - P[P_SENSATION_FADING])
    for j in range(m):
        i = lo + j
        participation[i] = participation[i] * participation_keep
        appreciation[i] = appreciation[i] * appreciation_keep
        sensation[i] = sensation[i] * sensation_keep
    key = keys[K_PROGRAMMES]
    jump, room_full, capacity = f(P[P_SENSATION_JUMP]), f(P[P_CROWDING]), P[P_CAPACITY]
    hit = np.empty(m, np.uint8)
    for k in range(3):
        if not programme_on[k]:
            continue
        fill(draw, key, k * n + lo, m)
        targets, reaches, frequencies = programme_target[k], programme_reach[k], programme_frequency[k]
        # Company by company, who is enrolled and who is touched, as loops of comparisons LLVM vectorises (a loop
        # over people that looks up their company's settings does not vectorise, and costs 4 times as much);
        # then the touched, listed without branches. Nobody's customers (the last entry) are never enrolled.
        touched = 0
        for c in range(none):
            reach = reaches[c]
            if not reach > 0:
                continue
            target_group = targets[c]
            anyone, wanted, frequency = target_group <= 1, target_group - 2, frequencies[c]
            enrolled = 0
            for j in range(m):
                i = lo + j
                is_enrolled = (company[i] == c) & (anyone | (level[i] == wanted)) & (enrolment[i, k] < reach)
                enrolled += is_enrolled
                hit[j] = is_enrolled & (draw[j] < frequency)
            tally[S_ENROLLED + k, c] += enrolled
            for j in range(m):
                rows[touched] = lo + j
                touched += hit[j]
        for t in range(touched):
            i = rows[t]
            c = company[i]
            g = programme_gain[k, c]
            if k == 0:
                participation[i] = participation[i] + g * (one - participation[i])
            elif k == 1:
                appreciation[i] = appreciation[i] + g * (one - appreciation[i])
            else:
                sensation[i] = sensation[i] + g * (one - sensation[i])
                peak[i] = remember_peak(peak[i], g)
                end[i] = g
                room = room_full if relationships[i] >= capacity else one
                bond[i] = min(bond[i] + jump * g * room, one)
            tally[S_TOUCHED + k, c] += 1
            tally[S_PROGRAMME_TOUCHES, c] += 1


@jit
def pass_a_chunks(first, last, n, keys, P, CO, programme_reach, programme_target, programme_frequency,
                  programme_gain, programme_on, company, level, bond, anger, former_anger, grievance, expectation,
                  peak, end, failures, complaint_open, complaint_wait, trust, identification, fit, trust_rate,
                  adaptation_rate, complaint_propensity, outage_draw, enrolment, relationships, participation,
                  appreciation, sensation, counts, events, recovery):
    """Chunks `first` to `last - 1` of pass A: the whole pass on one thread (0, chunks), or one thread's
    share of it (sim.kernels.split)."""
    for b in range(first, last):
        _chunk_a(b * CHUNK, min(n, (b + 1) * CHUNK), b, n, keys, P, CO, programme_reach, programme_target,
                 programme_frequency, programme_gain, programme_on, company, level, bond, anger, former_anger,
                 grievance, expectation, peak, end, failures, complaint_open, complaint_wait, trust, identification,
                 fit, trust_rate, adaptation_rate, complaint_propensity, outage_draw, enrolment, relationships,
                 participation, appreciation, sensation, counts, events, recovery)


@jit
def _chunk_b(lo, hi, b, n, keys, P, CO, praising, warning, indptr, indices, complete, company, level, former_anger,
             former_company, introversion, identification, trust, anger, recommended, recommended_at, counts,
             praise_by_level, warnings_by_level, warnings_about_former, events, heard_from, warned_brand):
    """Word of mouth to listeners lo..hi-1: each reads one random contact and is changed by what it hears.
    Speakers are only read (their advocacy is counted after the pass)."""
    f = np.float32
    one = f(1.0)
    key = keys[K_WORD_OF_MOUTH]
    conversation, praise_rate, warning_rate = f(P[P_CONVERSATION]), f(P[P_PRAISE]), f(P[P_WARNING])
    damping, hostile_anger = f(P[P_DAMPING]), f(P[P_HOSTILE_ANGER])
    identification_effect, warning_effect = f(P[P_IDENTIFICATION_EFFECT]), f(P[P_WARNING_EFFECT])
    trust_effect, trust_keep = f(P[P_TRUST_WOM]), f(1 - P[P_TRUST_WOM])
    contagion = f(P[P_CONTAGION])
    step = np.int32(P[P_STEP])
    others = f(n - 1)
    lo = max(lo, 0)  # indices lo + j known to be >= 0: loops vectorise (see Vectorisation above)
    m = hi - lo
    talks = np.empty(m, np.float32)
    contacts = np.empty(m, np.float32)
    listens = np.empty(m, np.float32)
    fill(talks, key, lo, m)
    fill(contacts, key, n + lo, m)
    fill(listens, key, 2 * n + lo, m)
    tally = counts[b]
    for j in range(m):
        i = lo + j
        events[i] = 0
        if anger[i] > one:
            anger[i] = one
        if not talks[j] < conversation:
            continue
        u = contacts[j]
        s = -1
        if complete:
            s = min(np.int64(u * others), n - 2)
            if s >= i:
                s += 1
        else:
            start = indptr[i]
            degree = indptr[i + 1] - start
            if degree > 0:
                s = indices[start + min(np.int64(np.float64(u) * degree), max(degree - 1, 0))]
        if s < 0:
            continue
        speaker_level = level[s]
        talk = listens[j] / (one - damping * introversion[s])
        if praising[speaker_level] and talk < praise_rate:
            brand = company[s]
            recommended[i] = brand
            recommended_at[i] = step
            v = identification[i, brand]
            identification[i, brand] = v + identification_effect * (one - v)
            t_ = trust[i, brand]
            trust[i, brand] = t_ + trust_effect * (one - t_)
            tally[S_PRAISE, brand] += 1
            praise_by_level[b, speaker_level] += 1
            events[i] = W_PRAISE
            heard_from[i] = s
        elif (warning[speaker_level] or former_anger[s] >= hostile_anger) and talk < warning_rate:
            own = warning[speaker_level]
            brand = company[s] if own else former_company[s]
            v = identification[i, brand]
            identification[i, brand] = v - warning_effect * (one + v)
            trust[i, brand] = trust[i, brand] * trust_keep
            if company[i] == brand and level[i] == DISENGAGED:
                caught = contagion * (one - CO[C_LISTENING, brand])
                a = anger[i]
                anger[i] = min(a + caught * (one - a), one)
            tally[S_WARNINGS, brand] += 1
            if own:
                warnings_by_level[b, speaker_level] += 1
            else:
                warnings_about_former[b] += 1
            events[i] = W_WARNING
            heard_from[i] = s
            warned_brand[i] = brand


@jit
def pass_b_chunks(first, last, n, keys, P, CO, praising, warning, indptr, indices, complete, company, level,
                  former_anger, former_company, introversion, identification, trust, anger, recommended,
                  recommended_at, counts, praise_by_level, warnings_by_level, warnings_about_former, events,
                  heard_from, warned_brand):
    """Chunks `first` to `last - 1` of pass B: the whole pass on one thread (0, chunks), or one thread's
    share of it (sim.kernels.split)."""
    for b in range(first, last):
        _chunk_b(b * CHUNK, min(n, (b + 1) * CHUNK), b, n, keys, P, CO, praising, warning, indptr, indices, complete,
                 company, level, former_anger, former_company, introversion, identification, trust, anger,
                 recommended, recommended_at, counts, praise_by_level, warnings_by_level, warnings_about_former,
                 events, heard_from, warned_brand)


@jit
def count_advocacy(events, heard_from, advocacy):
    """Each praise sent adds one to its speaker's advocacy (whole numbers in float32: exact in any order)."""
    for i in range(events.size):
        if events[i] == W_PRAISE:
            advocacy[heard_from[i]] += np.float32(1.0)


@row
def _join(i, brand, none, company, bond, peak, end, participation, appreciation, sensation, advocacy, anger, grievance,
          tenure, failures, complaint_open, identification, trust, identification_weight, gate, involved, gate_floor):
    """Start a new relationship (switching.join): memory, programmes, complaints and tenure begin afresh."""
    f = np.float32
    zero, one = f(0.0), f(1.0)
    company[i] = brand
    peak[i] = end[i] = participation[i] = appreciation[i] = sensation[i] = zero
    advocacy[i] = anger[i] = grievance[i] = zero
    tenure[i] = 0
    failures[i] = zero
    complaint_open[i] = False
    bond[i] = zero
    if brand < none:
        start = identification_weight * identification[i, brand]
        t = trust[i, brand]
        ceiling = one if t >= gate else involved * min(t / gate_floor, one) * f(0.999)
        bond[i] = min(max(min(start, ceiling), -one), one)


@jit
def _chunk_c(lo, hi, b, n, keys, P, CO, company, level, bond, anger, grievance, peak, end,
             participation, appreciation, sensation, advocacy, tenure, failures, complaint_open, relationships,
             price_sensitivity, identification, trust, recommended, recommended_at, former_company, former_anger,
             counts, transitions, lost_by_level, promotion_on):
    """Memory, bond, switching, levels and money for rows lo..hi-1 (each person's own row); revenue, a sum of
    floats, is added up after the pass (`revenue`), in the reference's order."""
    f = np.float32
    one, zero = f(1.0), f(0.0)
    none = CO.shape[1] - 1
    lo = max(lo, 0)  # indices lo + j known to be >= 0: loops vectorise (see Vectorisation above)
    m = hi - lo
    tally = counts[b]

    # memory
    peak_keep, failure_keep = f(1 - P[P_PEAK_FADING]), f(1 - P[P_FAILURE_FADING])
    for j in range(m):
        i = lo + j
        peak[i] = peak[i] * peak_keep
        failures[i] = failures[i] * failure_keep

    # bond
    up, down = f(P[P_BOND_RATE]), f(P[P_FALL_RATE])
    w_id, w_ex, w_rel = f(P[P_W_IDENTIFICATION]), f(P[P_W_EXPERIENCE]), f(P[P_W_RELATIONAL])
    w_an, w_gr = f(P[P_W_ANGER]), f(P[P_W_GRIEVANCE])
    w_pa, w_ap, w_se, w_pk = f(P[P_W_PARTICIPATION]), f(P[P_W_APPRECIATION]), f(P[P_W_SENSATION]), f(P[P_PEAK_WEIGHT])
    capacity, crowded, trust_gate, latitude = P[P_CAPACITY], f(P[P_CROWDING]), f(P[P_GATE]), f(P[P_INERTIA])
    gate, involved = P[P_GATE], P[P_INVOLVED]
    below_gate = f(involved * 0.999 / max(gate, 1e-9))
    # each person's identification with and trust in their own company, gathered first: the loops after run over
    # contiguous arrays, which LLVM vectorises (bond does not change trust: switching reads the same values)
    own_identification, own_trust = np.empty(m, np.float32), np.empty(m, np.float32)
    for j in range(m):
        i = lo + j
        cc = min(company[i], none)
        own_identification[j] = identification[i, cc]
        own_trust[j] = trust[i, cc]
    for j in range(m):
        i = lo + j
        bond[i] = bond_row(bond[i], company[i], own_identification[j], own_trust[j], peak[i], end[i],
                           participation[i], appreciation[i], sensation[i], anger[i], grievance[i], relationships[i],
                           none, up, down, w_id, w_ex, w_rel, w_an, w_gr, w_pa, w_ap, w_se, w_pk, capacity, crowded,
                           trust_gate, latitude, below_gate)

    # switching: who leaves (and prospects who join), then where each leaver goes
    key, key_ad = keys[K_SWITCHING], keys[K_ADVERTISING]
    step = np.int64(P[P_STEP])
    base, steepness, habit_per_step = f(P[P_BASE_HAZARD]), f(P[P_BOND_SENSITIVITY]), f(P[P_HABIT] / 365.0)
    habit_cap, anger_rate, grievance_rate = f(P[P_HABIT_STEPS]), f(P[P_ANGER_HAZARD]), f(P[P_GRIEVANCE_HAZARD])
    distrust_rate, regular_rate = f(P[P_DISTRUST_HAZARD]), f(P[P_PRICE_RESPONSE])
    promotion_rate = f(P[P_PROMOTION_RESPONSE])
    participation_damping, engaged_damping = f(P[P_PARTICIPATION_PRICE_DAMPING]), f(P[P_ENGAGED_PRICE_DAMPING])
    per_passionate = f(1.0 / P[P_PASSIONATE])
    participation_cost, advocacy_cost = f(P[P_PARTICIPATION_LOCK]), f(P[P_ADVOCACY_LOCK])
    # exp(-steepness x bond) is at most exp(|steepness|) (bonds lie in [-1, 1], and exp is monotonic)
    bond_term_max = math.exp(max(steepness, -steepness))
    outside, sharpness, pull = P[P_OUTSIDE_OPTION], P[P_SHARPNESS], P[P_REFERRAL_PULL]
    memory = P[P_REFERRAL_MEMORY]
    referral_conversion = f(P[P_REFERRAL_CONVERSION])
    identification_weight, gate32, involved32 = f(P[P_W_IDENTIFICATION]), f(gate), f(involved)
    gate_floor = f(max(gate, 1e-9))
    price = CO[C_PRICE]
    promotion_reach, promotion_discount = CO[C_PROMOTION_REACH], CO[C_PROMOTION_DISCOUNT]
    promotion_draws = np.ones(m, np.float32)  # 1: no promotion is noticed (all reaches are 0)
    if promotion_on:
        fill(promotion_draws, key, lo, m)
    leave_draws = np.empty(m, np.float32)
    fill(leave_draws, key, n + lo, m)
    start_company = np.empty(m, np.int8)
    leavers = np.empty(m, np.int64)
    sensitivities = np.empty(m, np.float32)
    utility = np.empty(none + 1)
    untold_utility = np.empty(none + 1)
    pulls = np.empty(none + 1, np.float32)
    # A bound of each customer's pressure first: the largest bond term, the largest promotion gap any noticed
    # promotions could make, and no cost of leaving. Every operation after those terms is monotonic, so the
    # pressure computed in full is at most the bound; most draws are above it, and those people stay without
    # the exponential and the logarithm of the full pressure. The bound is computed for everyone without
    # branches (a loop LLVM vectorises); the few below it, and the prospects, follow one by one.
    regular_gaps, promotion_gaps = np.zeros(none + 1, np.float32), np.zeros(none + 1, np.float32)
    for k in range(none):
        regular_gaps[k], _ = price_gaps(k, f(2.0), price, promotion_reach, promotion_discount, none)  # none noticed
        cheapest_offer = f(np.inf)
        for other in range(none):  # every promotion that can be noticed, noticed (a discount only lowers a price)
            if other != k:
                discounted = price[other] * (one - promotion_discount[other])
                cheapest_offer = min(cheapest_offer, discounted if promotion_reach[other] > 0 else price[other])
        own_price = max(price[k], f(1e-9))
        promotion_gaps[k] = max(min(max((own_price - cheapest_offer) / own_price, zero), one) - regular_gaps[k], zero)
    maybe = np.empty(m, np.bool_)
    for j in range(m):
        i = lo + j
        c = company[i]
        cc = min(c, none)
        start_company[j] = c
        s = sensitivity_row(bond[i], participation[i], price_sensitivity[i], participation_damping, engaged_damping,
                            per_passionate)
        distrust = one - own_trust[j]
        bound = (base * bond_term_max / (one + habit_per_step * min(f(tenure[i]), habit_cap))
                 + anger_rate * anger[i] + grievance_rate * grievance[i] + distrust_rate * distrust * distrust
                 + s * (regular_rate * regular_gaps[cc] + promotion_rate * promotion_gaps[cc]))
        maybe[j] = (c >= none) | (leave_draws[j] < bound)
    leaving = 0
    for j in range(m):
        if not maybe[j]:
            continue
        i = lo + j
        c = company[i]
        if c < none:
            _, s, leaves = pressure_row(c, bond[i], anger[i], grievance[i], trust[i, c], tenure[i], participation[i],
                                        advocacy[i], price_sensitivity[i], promotion_draws[j], leave_draws[j], price,
                                        promotion_reach, promotion_discount, none, base, steepness, habit_per_step,
                                        habit_cap, anger_rate, grievance_rate, distrust_rate, regular_rate,
                                        promotion_rate, participation_damping, engaged_damping, per_passionate,
                                        participation_cost, advocacy_cost)
            if leaves:
                leavers[leaving] = j
                sensitivities[leaving] = s
                leaving += 1
            continue
        # a prospect joins through advertising or a referral
        for k in range(none):
            seen = CO[C_AD_REACH, k] > 0 and uniform_at(key_ad, k * n + i) < CO[C_AD_REACH, k]
            pulls[k] = CO[C_AD_CONVERSION, k] if seen else zero
        heard = recommended[i] if recommended_at[i] == step else none
        pulls[none] = referral_conversion if heard < none else zero
        for k in range(1, none + 1):
            pulls[k] = pulls[k - 1] + pulls[k]  # the cumulative pull, in place
        x = uniform_at(key, 2 * n + i)
        if x < pulls[none]:
            channel = 0
            for k in range(none + 1):
                if x >= pulls[k]:
                    channel += 1
            brand = heard if channel == none else channel
            _join(i, brand, none, company, bond, peak, end, participation, appreciation, sensation, advocacy,
                  anger, grievance, tenure, failures, complaint_open, identification, trust, identification_weight,
                  gate32, involved32, gate_floor)
            tally[S_ACQUIRED, brand] += 1
            if channel == none:
                tally[S_REFERRALS, brand] += 1
    for t in range(leaving):
        j = leavers[t]
        i = lo + j
        c = company[i]
        s = sensitivities[t]
        promotion_draw = promotion_draws[j]
        own_price = max(price[c], f(1e-9))
        for k in range(none):
            offer = price[k] * (one - promotion_discount[k] * f(promotion_draw < promotion_reach[k]))
            if k == c:
                offer = f(np.inf)
            utility[k] = np.float64((identification[i, k] + trust[i, k]) - s * offer / own_price)
        utility[c] = -np.inf
        utility[none] = outside
        recommended_brand = none
        if step - recommended_at[i] <= memory:
            recommended_brand = recommended[i]
        for k in range(none + 1):
            untold_utility[k] = utility[k] * sharpness
        draw = uniform_at(key, 2 * n + i)
        untold = choose_row(untold_utility, draw)
        if recommended_brand < none:
            utility[recommended_brand] += pull
        for k in range(none + 1):
            utility[k] = utility[k] * sharpness
        new = choose_row(utility, draw)
        if recommended_brand == new and new != untold and new < none:
            tally[S_REFERRALS, new] += 1
        tally[S_LOST, c] += 1
        lost_by_level[b, c, level[i]] += 1
        if new < none:
            tally[S_GAINED, new] += 1
        else:
            tally[S_LAPSED, c] += 1
        former_company[i] = c
        former_anger[i] = anger[i]
        _join(i, new, none, company, bond, peak, end, participation, appreciation, sensation, advocacy, anger,
              grievance, tenure, failures, complaint_open, identification, trust, identification_weight, gate32,
              involved32, gate_floor)

    # tenure, levels, and the counts money needs
    passionate, disengaged, hostile = P[P_PASSIONATE], P[P_DISENGAGED], P[P_HOSTILE_ANGER]
    for j in range(m):  # without branches where the outcome is a coin toss (levels differ person by person)
        i = lo + j
        now = company[i]
        customer = now < none
        tenure[i] += customer
        before = level[i]
        new_level = level_row(now, bond[i], anger[i], none, involved, passionate, disengaged, hostile, PROSPECT)
        stayed = customer & (now == start_company[j]) & (before < PROSPECT)
        transitions[b, min(before, 4), min(new_level, 4)] += stayed
        level[i] = new_level
        tally[S_LEVEL + min(new_level, 4), now] += customer


@jit
def pass_c_chunks(first, last, n, keys, P, CO, company, level, bond, anger, grievance, peak, end, participation,
                  appreciation, sensation, advocacy, tenure, failures, complaint_open, relationships,
                  price_sensitivity, identification, trust, recommended, recommended_at, former_company,
                  former_anger, counts, transitions, lost_by_level, promotion_on):
    """Chunks `first` to `last - 1` of pass C: the whole pass on one thread (0, chunks), or one thread's
    share of it (sim.kernels.split)."""
    for b in range(first, last):
        _chunk_c(b * CHUNK, min(n, (b + 1) * CHUNK), b, n, keys, P, CO, company, level, bond, anger,
                 grievance, peak, end, participation, appreciation, sensation, advocacy, tenure, failures,
                 complaint_open, relationships, price_sensitivity, identification, trust, recommended, recommended_at,
                 former_company, former_anger, counts, transitions, lost_by_level, promotion_on)


# --- set-up ---------------------------------------------------------------------------------------------
# The network's neighbour lists (sim.network): a counting sort of the edges, then each list sorted.
@numba.njit(cache=True, nogil=True)  # Python's error model, as always
def _edge(e, sources, targets, half, n, rewired, replacement, k):
    """Edge e's ends: from the arrays, or (when `sources` is empty) the ring lattice's edge e, whose far end is
    the next unused `replacement` if `rewired[e]`; returns (a, b, the replacements used so far)."""
    if sources.size:
        return sources[e], targets[e], k
    a = e // half
    if rewired[e]:
        return a, replacement[k], k + 1
    return a, (a + e % half + 1) % n, k


@numba.njit(cache=True, nogil=True)  # Python's error model, as always
def unsorted_lists(n, sources, targets, half, rewired, replacement):
    """Undirected edges to neighbour lists in edge order (counting sort; self-loops dropped): (start, lists).
    The edges are the arrays (sources, targets), or, with `sources` empty, a ring lattice of n * half edges
    (see `_edge`): a million people's lattice then needs no edge arrays beside its lists."""
    edges = sources.size if sources.size else n * half
    start = np.zeros(n + 1, np.int64)
    k = 0
    for e in range(edges):
        a, b, k = _edge(e, sources, targets, half, n, rewired, replacement, k)
        if a != b:
            start[a + 1] += 1
            start[b + 1] += 1
    for i in range(n):  # a running sum in place (np.cumsum's code would import numba's BLAS probe: cache.py)
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    indices = np.empty(start[-1], np.int32)
    k = 0
    for e in range(edges):
        a, b, k = _edge(e, sources, targets, half, n, rewired, replacement, k)
        if a != b:
            indices[fill[a]] = b
            fill[a] += 1
            indices[fill[b]] = a
            fill[b] += 1
    return start, indices


@numba.njit(cache=True, nogil=True)  # Python's error model, as always
def sort_lists(start, indices):
    """Each list sorted and its repeats dropped, in place: `start` becomes the CSR indptr; returns the count."""
    write = 0
    lo = start[0]
    for i in range(start.size - 1):
        hi = start[i + 1]  # read before this row's indptr overwrites it
        if hi - lo > 32:
            indices[lo:hi].sort()
        else:  # rows are short: an insertion sort in place, without allocating a sorted copy per person
            for k in range(lo + 1, hi):
                value = indices[k]
                j = k - 1
                while j >= lo and indices[j] > value:
                    indices[j + 1] = indices[j]
                    j -= 1
                indices[j + 1] = value
        last = -1
        for k in range(lo, hi):  # compacting in place: the write position never passes the read position
            value = indices[k]
            if value != last:
                indices[write] = value
                write += 1
                last = value
        start[i + 1] = write
        lo = hi
    return write


@jit
def share_fitting(pull, scale):
    """One round of sim.state.choose_companies' proportional fitting: each row of [pull, 1] x scale
    normalised to sum 1, and the column means of the result. `pull` is stored company by company
    (companies, people). A row is summed left to right, a column top to bottom (NumPy's mean sums a column
    pairwise, which differs in the last bits of the shares but not in the companies picked after 50 rounds:
    tests/test_model.py), without NumPy's temporaries: each block of rows is normalised company by company
    (loops over independent rows, which LLVM vectorises), then its columns are added up, four at a time in
    registers (each column's sum is still one chain of additions in row order: tests/test_kernels.py)."""
    companies, n = pull.shape
    width = companies + 1
    padded = 4 * ((width + 3) // 4)
    totals = np.zeros(padded)
    block = np.zeros((padded, CHUNK))  # a block of rows, company by company; the columns past `width` stay 0
    row_sums = np.empty(CHUNK)
    last = 1.0 * scale[companies]
    for low in range(0, n, CHUNK):
        rows = min(CHUNK, n - low)
        row_sums[:rows] = 0.0
        for j in range(companies):
            factor = scale[j]
            source, target = pull[j, low:low + rows], block[j]
            for r in range(rows):
                q = source[r] * factor
                target[r] = q
                row_sums[r] += q
        target = block[companies]
        for r in range(rows):
            target[r] = last
            row_sums[r] += last
        for j in range(width):
            target = block[j]
            for r in range(rows):
                target[r] = target[r] / row_sums[r]
        for j in range(0, padded, 4):
            t0, t1, t2, t3 = totals[j], totals[j + 1], totals[j + 2], totals[j + 3]
            b0, b1, b2, b3 = block[j], block[j + 1], block[j + 2], block[j + 3]
            for r in range(rows):
                t0 += b0[r]
                t1 += b1[r]
                t2 += b2[r]
                t3 += b3[r]
            totals[j], totals[j + 1], totals[j + 2], totals[j + 3] = t0, t1, t2, t3
    return totals[:width] / n


@jit
def pick_companies(pull, scale, draw):
    """Each person's company: the number of cumulative shares of their normalised [pull, 1] x scale at or
    below their draw, capped at the last company (as choose_companies does with NumPy); `pull` as above."""
    companies, n = pull.shape
    width = companies + 1
    out = np.empty(n, np.int8)
    row = np.empty(width)
    for i in range(n):
        total = 0.0
        for j in range(companies):
            row[j] = pull[j, i] * scale[j]
            total += row[j]
        row[companies] = 1.0 * scale[companies]
        total += row[companies]
        cumulative = 0.0
        count = 0
        for j in range(width):
            cumulative += row[j] / total
            if draw[i] >= cumulative:
                count += 1
        out[i] = min(count, companies)
    return out


read_lightly(globals())  # cached machine code without numba's compiler set-up (sim/kernels/cache.py)
