"""The Info tab's text, in the style of NetLogo's: what it is, how it works, things to notice, things to try.

INFO is Markdown; the Info tab (sim.app.info_tab) shows it as it is. Its two tables are filled in here: the
five levels, each with a dot in its colour on the plots, and the mechanisms, each with what to
notice and what to try in the app. The text names the app's sliders and buttons (sim.app.model), so
rename them in both places.
"""

from __future__ import annotations

from ..levels import COLOURS

_TEMPLATE = """
## What is it?

A market of customers and companies. Each customer has an **emotional bond** with the company they buy
from. Engagement is this bond, not loyalty: people stay out of habit, but fans are *made*. We read the
bond as one of **five levels**:

{level_table}

Each dot in the network is a person; its colour is the level, its shape the company (circle: the focal
company, square: the rival, small grey dot: nobody's customer yet). Lines are friendships.

## How it works

Every step (one day) the same mechanisms run for everybody, in this order:

1. **Interventions**: what companies do (programmes, promotions, outages) and what happens to them
   (a complaint going viral). The buttons add one of these from the next step.
2. **Advertising** nudges identification with a brand ("does it fit me?") and brings in new customers.
3. **Service**: some customers interact with their company. A good interaction builds **trust**
   slowly; a **failure** destroys it quickly. Memory keeps the **peak and the end**, not the average.
   Good service becomes the new normal: **expectations rise**.
4. **Complaints**: after a failure a customer may complain or stay silent. A complaint handled quickly
   and well can leave the customer *happier than before* (the **service recovery paradox**). An open
   complaint that nobody listens to breeds **anger**.
5. **Programmes** build the significance of the relationship: **participation** (the customer invests
   and finds it harder to leave), **appreciation** (feeling valued: cheap, and most companies skip it)
   and **sensation** (a peak experience that can make a fan at once).
6. **Word of mouth**: people talk to a friend in the network. Only **passionate** customers praise, only
   **hostile** ones warn. **Introverts** say less of both.
7. **Memory** lets peaks fade.
8. **Bond**: the bond moves towards what identification, remembered experience and the relationship
   justify, minus anger. **Trust gates everything**: below the trust gate nobody rises above
   indifferent, however good the service.
9. **Switching**: disappointed, angry and price-sensitive indifferent customers leave; fans almost never.
10. **Levels** are read from the bond and anger; **money** is counted.

## Things to notice

- The **trust gate**: most customers trust their company and still feel nothing for it (indifferent).
- **Fans cluster**: praise travels along friendships, so green spreads in patches.
- Hostile customers (red) keep warning after they have left; watch the squares around a red circle.
- After an **outage**, trust drops in days and comes back over weeks (trust asymmetry).
- Passionate customers rarely switch, even when the rival cuts its price.

## Things to try

- Press **Viral complaint**: the focal company's red and orange counts jump. How many recover? Now
  move **complaint handling** up, press *Reset*, and press the button again at the same step.
- Raise the **trust gate** to 0.95 and reset: can anybody still become a fan?
- Set **mean introversion** to 0.9: does word of mouth still spread fans (and anger)?
- Press **Start a fan programme** and follow a circle that turns green: click it to see it in the inspector.
- Raise the **rival's promotion**: who switches first, indifferent or involved customers?
- Raise the **price**: who leaves? (Look at the levels of the customers who go.)

## Mechanism by mechanism

{mechanism_table}

## Sliders and buttons

Sliders set up a **new run**: move them, then press **Reset** (Mesa's convention); each shows its value.
Buttons act on the running model from the next step; a dotted line and a number mark them on the plots,
and the numbers are listed under the plots. Click a dot in the network to follow that customer in the
inspector, or type a number, or pick a fan or an enemy.
"""


_LEVEL_ROWS = (
    ("indifferent", "no feeling; brands look alike", "buys from habit, follows promotions, switches easily"),
    ("involved", "a positive bond", "prefers the brand but can be tempted by a good offer"),
    ("passionate", "a real fan", "stays, and **recommends** the brand to friends"),
    ("disengaged", "disappointed", "leaves at the first chance"),
    ("hostile", "angry, not heard", "**warns** friends, even after leaving"),
)
_MECHANISMS = (
    ("trust gate", "nobody rises above indifferent without trust, whatever the experiences",
     "set the trust gate to 0.95, Reset: blue and green almost vanish"),
    ("trust asymmetry", "one failure costs more trust than one good interaction gains",
     "press Outage and watch a customer's trust line in the inspector: a cliff, then a slow climb"),
    ("peak-end memory", "a customer remembers the best (or worst) moment and the latest one, not the average",
     "start a fan programme: one memorable moment lifts a bond at once"),
    ("rising expectations", "good service becomes the norm; satisfaction drifts back to neutral",
     "follow a loyal indifferent customer: good service, yet the bond stays flat"),
    ("recovery paradox", "a complaint resolved well can leave a customer more engaged than before",
     "complaint handling 1.0, Reset, Viral complaint: some customers end above where they started"),
    ("escalation", "open, unheard complaints turn disappointment into anger (red)",
     "complaint handling 0.1, Reset, Viral complaint: orange turns red"),
    ("introversion", "introverts say less, both praise and warnings",
     "introversion 0.9 versus 0.1: how fast do green patches grow?"),
    ("valence", "only fans praise and only hostile customers warn; the middle levels are quiet",
     "pick a fan and an enemy: who are their neighbours?"),
    ("participation", "customers who invest find it harder to leave and care less about price",
     "see lesson 4: churn falls with a participation programme"),
    ("appreciation", "feeling valued raises the bond, with diminishing returns",
     "programme reach 0 versus 1: how many more fans, and is the second half worth it?"),
    ("sensation", "one peak experience can make a fan at once",
     "Start a fan programme: involved (blue) customers jump to green"),
    ("relationship capacity", "people with many deep brand relationships become fans less often",
     "look at the 'relationships' trait of the fans you pick"),
    ("switching", "hostile and disengaged leave first, passionate almost never",
     "Rival's promotion: which colours change shape from circle to square?"),
    ("habit", "without any driver, customers stay out of habit but do not become fans",
     "most grey circles stay grey circles for the whole year"),
    ("money", "engaged customers spend more and bring others in (referrals)", "lesson 4 counts revenue, cost and ROI"),
)


def _table(header: tuple[str, ...], rows) -> str:
    """A Markdown table."""
    return "\n".join(["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
                     + ["| " + " | ".join(row) + " |" for row in rows])


INFO = _TEMPLATE.replace("{level_table}", _table(
    ("level", "what it means", "what you see them do"),
    ((f'<span style="color:{COLOURS[level]}">&#9679;</span> **{level}**', meaning, behaviour)
     for level, meaning, behaviour in _LEVEL_ROWS)))
INFO = INFO.replace("{mechanism_table}", _table(
    ("mechanism", "what to notice", "what to try"),
    ((f"**{name}**", notice, attempt) for name, notice, attempt in _MECHANISMS)))
