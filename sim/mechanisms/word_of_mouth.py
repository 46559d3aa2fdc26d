"""Word of mouth on the social network, damped by introversion.

Concept: passionate customers recommend, hostile ones warn (also after they have left, while still
angry), and the middle levels stay quiet (`PRAISING`, `WARNING`). Each step a person has a
conversation with one random contact with probability `conversation_rate`. A passionate contact
praises its brand with probability `praise_rate` x (1 - `introversion_damping` x introversion); a
hostile one warns with probability `warning_rate` x the same damping. An introverted fan is as
enthusiastic as an extraverted one but says far less.
What is heard moves the listener's identification with that brand (`identification_effect` up,
`warning_effect` down: bad news weighs more) and trust (`trust.word_of_mouth`); a prospect who hears
praise becomes a customer with probability `referral_conversion` (Bass's imitation: q =
conversation_rate x praise_rate x referral_conversion), and the recommendation is remembered for a
switcher's choice (sim.mechanisms.switching). A disappointed (disengaged) customer warned about their
own company catches some of the anger (`contagion`, damped by how well the company listens): where
warnings are dense, hostility cascades. Every recommendation counts towards the speaker's advocacy,
which makes it harder to lure away.
Tests: tests/test_properties.py::test_property_holds[introversion], ::test_property_holds[valence of word of mouth];
tests/test_market.py::test_a_viral_complaint_starts_a_cascade_that_listening_slows.
"""


from __future__ import annotations

import numpy as np

from ..levels import Level
from ..state import F32
from ..streams import uniform

PRAISING = (Level.PASSIONATE,)  # the levels that recommend their brand
WARNING = (Level.HOSTILE,)  # the levels that warn against it (and anyone still angry at a company they left)


def damping(introversion: np.ndarray, params: dict) -> np.ndarray:
    """Share of an extravert's word of mouth that a person of this introversion sends."""
    return 1 - params["word_of_mouth"]["introversion_damping"] * introversion


def step(state, market, params, stream, tally) -> None:
    wom = params["word_of_mouth"]
    draw = uniform(stream, (3, state.n))
    no_company = market.no_company
    talking = np.flatnonzero(draw[0] < wom["conversation_rate"])
    contact = market.network.random_contact(draw[1, talking], talking)
    listener, speaker = talking[contact >= 0], contact[contact >= 0]
    speaker_level = state.level[speaker]
    angry_former = state.former_anger[speaker] >= params["levels"]["hostile_anger"]
    talk = draw[2, listener] / damping(state.introversion[speaker], params)
    praising = np.isin(speaker_level, PRAISING) & (talk < wom["praise_rate"])
    warning = ~praising & (np.isin(speaker_level, WARNING) | angry_former) & (talk < wom["warning_rate"])

    tally.heard_praise = np.full(state.n, no_company, np.int8)
    hearer, brand = listener[praising], state.company[speaker[praising]]
    tally.heard_praise[hearer] = brand
    state.recommended[hearer] = brand
    state.recommended_at[hearer] = market.step
    identification = state.identification[hearer, brand]
    state.identification[hearer, brand] = identification + wom["identification_effect"] * (1 - identification)
    trust = state.trust[hearer, brand]
    state.trust[hearer, brand] = trust + params["trust"]["word_of_mouth"] * (1 - trust)
    # a speaker may praise to several listeners: add.at counts each (whole numbers: exact in any order)
    np.add.at(state.advocacy, speaker[praising], F32(1))
    tally.count("praise", brand)
    tally.praise_by_level += np.bincount(speaker_level[praising], minlength=tally.praise_by_level.size)

    warned_speaker = speaker[warning]
    hearer = listener[warning]
    about_own = np.isin(state.level[warned_speaker], WARNING)  # else: about a company the speaker left, angry
    brand = np.where(about_own, state.company[warned_speaker], state.former_company[warned_speaker])
    identification = state.identification[hearer, brand]
    state.identification[hearer, brand] = identification - wom["warning_effect"] * (1 + identification)
    trust = state.trust[hearer, brand]
    state.trust[hearer, brand] = trust * (1 - params["trust"]["word_of_mouth"])
    # anger is catching among the brand's disappointed customers (a warning has to find a grievance to
    # feed on: the rest first lose identification, so hostility spreads only where warnings are dense);
    # a company that listens (answers public complaints) takes the heat out of it
    catching = (state.company[hearer] == brand) & (state.level[hearer] == Level.DISENGAGED)
    own, own_brand = hearer[catching], brand[catching]
    contagion = F32(wom["contagion"]) * (1 - market.listening[own_brand])
    # a person hears at most one message a step (one contact each), so every listener index is distinct
    state.anger[own] += contagion * (1 - state.anger[own])
    np.minimum(state.anger, 1, out=state.anger)
    tally.count("warnings", brand)
    tally.warned = (hearer, brand)
    tally.warnings_by_level += np.bincount(speaker_level[warning][about_own], minlength=tally.warnings_by_level.size)
    tally.warnings_about_former += int((~about_own).sum())
    tally.speakers = speaker[praising | warning]  # one entry per message sent
