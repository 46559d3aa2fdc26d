"""Validation: the model against known results, written up as docs/validation.md.

- bass: the Bass (1969) limit, the scenario-to-(p, q) mapping and its conditions, and sparse networks;
- properties: each property of the brief as a small experiment (a Demonstration);
- facts: stylized facts (praise against warnings, loyalty after a complaint, the recovery paradox);
- report, report_sections, figures: the run behind `python -m sim validate-model` and the report it writes.
"""

from .report import generate

__all__ = ["generate"]
