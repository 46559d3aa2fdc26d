"""Section 5 of validation.md: every property of the brief as a demonstration (claim, scenario, numbers,
figure), and the mutation table (property x mutation -> caught or survived) that shows each experiment can
fail; with the checks this section hands to the summary table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .figures import figure_property
from .report_format import Check, caption, fmt, markdown_table

if TYPE_CHECKING:
    from .report import Results

SECTION = "5. properties"


def checks(results: Results) -> list[Check]:
    demos, rows = results.demonstrations, results.mutations
    held = sum(bool(d.holds) for d in demos)
    caught = sum(bool(row["caught"]) for row in rows)
    failing = [d.name for d in demos if not d.holds]
    survived = [f"{row['property']}: {row['mutation']}" for row in rows if not row["caught"]]
    plan = results.plan
    which = ("every mutation" if plan.mutation_properties is None else
             f"the first mutation of {len(rows)} properties (quick run)")
    return [
        Check(SECTION, "properties of the brief", f"{held} of {len(demos)} hold"
              + (f" (not: {', '.join(failing)})" if failing else ""), "all hold", "the brief's property table",
              held == len(demos)),
        Check(SECTION, f"mutations caught ({which})", f"{caught} of {len(rows)}"
              + (f" (survived: {'; '.join(survived)})" if survived else ""), "all caught", "issue 11, item 5",
              caught == len(rows)),
    ]


def mutation_section(results: Results) -> str:
    rows = results.mutations
    plan = results.plan
    frame = pd.DataFrame([{"property": row["property"], "mutation": row["mutation"],
                           "result": "caught" if row["caught"] else "**SURVIVED**"} for row in rows])
    caught = sum(bool(row["caught"]) for row in rows)
    which = ("every mutation of `sim.validation.mutations.MUTATIONS`" if plan.mutation_properties is None else
             f"the first mutation of the first {len(rows)} properties only (a quick run; the full report and "
             "tests/test_properties.py run all of them)")
    return f"""### Mutations: could each experiment fail?

A mutation breaks the model on purpose: the mechanism a property is about, or the one term of it the
property names, is switched off, either by a scenario parameter set to the value that disables it (for
example `trust.gate: 0`) or by patching the code for the length of the experiment (for example letting the
involved praise too). The property's experiment is then rerun unchanged. If it still says "holds", the
experiment cannot catch the loss of the thing it guards, and the mutation **survived**; if it fails, the
mutation is **caught**. Here: {which}, seed 0, scale {plan.mutation_scale:g}
(`python -m sim validate-model --mutations` prints the same table).

{markdown_table(frame)}

{caught} of {len(rows)} mutations caught.
"""


def figure_with_caption(figure: str | None, claim: str) -> str:
    """The figure's link and, a blank line below, what to see in it (the property's claim)."""
    if not figure:
        return ""
    if not figure.startswith("!["):  # a note that drawing it failed
        return figure
    return figure + "\n\n" + caption("What to see: " + (claim[:1].lower() + claim[1:] if claim else "the property."))


def section(results: Results, folder: Path, prefix: str) -> str:
    demos = results.demonstrations
    summary = pd.DataFrame([{"property": d.name, "holds": "yes" if d.holds else "**NO**", "seed": d.seed}
                            for d in demos])
    parts = ["## 5. The properties of the brief, demonstrated, and the mutations that would break them\n\n"
             f"Each row of the brief's property table is an experiment that drives the model on a small market "
             f"built for it (`sim.validation.properties`; scale {results.plan.property_scale:g}, seed 0). Most "
             "markets here start without a burn-in, from the exact state the property is about; those that need a "
             "market say so.\n\n" + markdown_table(summary) + "\n",
             mutation_section(results)]
    for demo in demos:
        numbers = pd.DataFrame([(k, fmt(v)) for k, v in (demo.numbers or {}).items()], columns=["figure", "value"])
        error = getattr(demo, "error", None)  # only a BrokenDemonstration has one
        figure = figure_property(demo, folder, prefix)
        parts.append(f"""### {demo.name}: {"holds" if demo.holds else "DOES NOT HOLD"}

**Claim.** {demo.claim or "-"}

**Scenario.** {demo.scenario or "-"} (seed {demo.seed})
{f"{chr(10)}**Error.** `{error}`{chr(10)}" if error else ""}
{markdown_table(numbers) if len(numbers) else "(no numbers)"}

{figure_with_caption(figure, demo.claim)}
""")
    return "\n".join(parts)
