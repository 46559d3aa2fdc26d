"""Switching and acquisition: who leaves, where they go, and how prospects are won.

Concept: switching depends on the level, price sensitivity, the offer and the cost of leaving.
The hazard of leaving per step is 1 - exp(-pressure / cost of leaving), with
    pressure = base_hazard x exp(-bond_sensitivity x bond) / (1 + habit x min(tenure, habit_years))
             + anger_hazard x anger + grievance_hazard x grievance + distrust_hazard x (1 - trust)^2
             + effective price sensitivity x (price_response x relative gap to the cheapest regular price
                                              + promotion_response x extra gap from a promotion noticed)
    cost of leaving = 1 + participation_lock x participation + advocacy_lock x log(1 + messages sent)
Effective price sensitivity falls with the bond (`engaged_price_damping`: the passionate choose without
thinking, the involved compare with their favourite) and with participation. Competitors' promotions
are noticed with probability `promotion.reach` and cut their price by `promotion.discount`, so
price-sensitive indifferent customers follow promotions. Habit: the hazard falls with tenure (up to
`habit_years`), so customers with no driver stay, but habit adds nothing to the bond. An unresolved
grievance (a problem suffered in silence) and lost trust make people leave: exit instead of voice.
A leaver picks a company (or leaves the market, `outside_option`) by a logit on identification,
trust and price; a brand a friend recommended within `word_of_mouth.referral_memory` steps pulls
(`referral_pull`), and the switcher counts as won by referral when that changed where they went.
Prospects become customers through advertising or a referral, with hazards added (Bass's p + q F on
a complete network).
Tests: tests/test_properties.py::test_property_holds[switching order], ::test_property_holds[promotions],
::test_property_holds[participation], ::test_property_holds[habit], ::test_property_holds[advocacy lock],
::test_property_holds[money] (referrals).
"""


from __future__ import annotations

import numpy as np

from .. import kernels
from ..streams import uniform
from . import trust as trust_mechanism

F32 = np.float32


def leaving_pressure(state, market, params, promotion_draw: np.ndarray, leave_draw: np.ndarray | None = None):
    """Pressure to leave (per step, after the cost of leaving), effective price sensitivity, and who
    leaves (leave_draw < 1 - exp(-pressure)), for everyone."""
    return kernels.leaving_pressure(*pressure_arguments(state, market, params, promotion_draw, leave_draw))


def pressure_arguments(state, market, params, promotion_draw: np.ndarray, leave_draw: np.ndarray | None = None):
    """The arguments of the leaving-pressure kernel, in its order."""
    s = params["switching"]
    if leave_draw is None:
        leave_draw = np.ones(state.n, np.float32)
    return (state.company, state.bond, state.anger, state.grievance, state.trust, state.tenure, state.participation,
            state.advocacy, state.price_sensitivity, promotion_draw, leave_draw, market.price, market.promotion_reach,
            market.promotion_discount, market.no_company, s["base_hazard"], s["bond_sensitivity"], s["habit"],
            s["habit_years"] * 365, s["anger_hazard"], s["grievance_hazard"], s["distrust_hazard"],
            s["price_response"], s["promotion_response"], s["participation_price_damping"],
            s["engaged_price_damping"], params["levels"]["passionate"], s["participation_lock"], s["advocacy_lock"])


def offers(market, promotion_draw: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Price each company offers each of these people (promotions included if noticed); inf for their own."""
    companies = market.size
    seen = promotion_draw[:, None] < market.promotion_reach[None, :companies]
    offer = market.price[None, :companies] * (1 - market.promotion_discount[None, :companies] * seen)
    rows = np.flatnonzero(current < market.no_company)
    offer[rows, current[rows]] = np.inf
    return offer


def choose(utilities: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """Index of the option picked by a logit choice, using one uniform per row."""
    utilities = utilities - utilities.max(axis=1, keepdims=True)
    weights = kernels.exp(utilities)  # the C library's exp, as the fused step computes it
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    return np.minimum((draw[:, None] >= cumulative).sum(axis=1), utilities.shape[1] - 1)


def recent_recommendation(state, rows: np.ndarray, step: int, params: dict) -> np.ndarray:
    """The brand last recommended to each person, if within `word_of_mouth.referral_memory` steps
    (else the "no company" index)."""
    no_company = state.trust.shape[1] - 1
    recent = step - state.recommended_at[rows] <= params["word_of_mouth"]["referral_memory"]
    return np.where(recent, state.recommended[rows], no_company).astype(np.int8)


def join(state, rows: np.ndarray, brand: np.ndarray, params: dict, no_company: int) -> None:
    """Start a new relationship: memory, programmes, complaints and tenure begin afresh."""
    state.company[rows] = brand
    for name in ("peak", "end", "participation", "appreciation", "sensation", "advocacy", "anger", "grievance"):
        getattr(state, name)[rows] = 0
    state.tenure[rows] = 0
    state.failures[rows] = 0
    state.complaint_open[rows] = False
    joined = rows[brand < no_company]
    b = params["bond"]
    start = b["identification_weight"] * state.identification[joined, state.company[joined]]
    ceiling = trust_mechanism.ceiling(state.trust[joined, state.company[joined]], params["trust"]["gate"],
                                      params["levels"]["involved"])
    state.bond[rows] = 0
    state.bond[joined] = np.clip(np.minimum(start, ceiling), -1, 1)


def step(state, market, params, stream, tally) -> None:
    s = params["switching"]
    draw = uniform(stream, (3, state.n))
    no_company, companies = market.no_company, market.size
    prospects = np.flatnonzero(state.company == no_company)  # before anyone lapses: lapsers wait a step
    _, sensitivity, leaves = leaving_pressure(state, market, params, draw[0], draw[1])
    leaving = np.flatnonzero(leaves)
    old = state.company[leaving]
    offer = offers(market, draw[0, leaving], old)

    # where leavers go: identification, trust and price; never back to the company they just left
    utility = np.empty((leaving.size, companies + 1), np.float64)
    utility[:, :companies] = (state.identification[leaving, :companies] + state.trust[leaving, :companies]
                              - sensitivity[leaving, None] * offer / np.maximum(market.price[old], 1e-9)[:, None])
    recommended = recent_recommendation(state, leaving, market.step, params)
    has_tip = np.flatnonzero(recommended < no_company)
    utility[np.arange(leaving.size), old] = -np.inf
    utility[:, companies] = s["outside_option"]
    # the choice a switcher would make without any recommendation, and the one they make
    untold = choose(utility * s["choice_sharpness"], draw[2, leaving])
    utility[has_tip, recommended[has_tip]] += s["referral_pull"]
    new = choose(utility * s["choice_sharpness"], draw[2, leaving])
    heard = tally.heard_praise
    # a switcher is won by referral when a friend's recent recommendation changed where they went
    tally.count("referrals", new[(recommended == new) & (new != untold) & (new < no_company)])
    tally.count("lost", old)
    np.add.at(tally.lost_by_level, (old, state.level[leaving]), 1)
    tally.count("gained", new[new < no_company])
    tally.count("lapsed", old[new == no_company])

    state.former_company[leaving] = old
    state.former_anger[leaving] = state.anger[leaving]
    join(state, leaving, new.astype(np.int8), params, no_company)

    # prospects join through advertising or a referral
    pulls = np.zeros((prospects.size, companies + 1), np.float32)
    ad_seen = tally.ad_seen
    if ad_seen is not None:  # an exposed prospect converts with the advertiser's conversion rate
        # advertising listed the same prospects (nobody changes company between the two mechanisms)
        seen = ad_seen[1] if np.array_equal(ad_seen[0], prospects) else np.zeros((prospects.size, companies), bool)
        pulls[:, :companies] = np.where(seen, market.ad_conversion[None, :companies], 0)
    referral_brand = heard[prospects] if heard is not None else np.full(prospects.size, no_company)
    pulls[:, companies] = np.where(referral_brand < no_company, params["word_of_mouth"]["referral_conversion"], 0)
    cumulative = np.cumsum(pulls, axis=1)
    x = draw[2, prospects]
    joins = x < cumulative[:, -1]
    channel = (x[joins, None] >= cumulative[joins]).sum(axis=1)
    referred = channel == companies
    brand = np.where(referred, referral_brand[joins], channel).astype(np.int8)
    rows = prospects[joins]
    join(state, rows, brand, params, no_company)
    tally.count("acquired", brand)
    tally.count("referrals", brand[referred])
    state.tenure += state.company < no_company
