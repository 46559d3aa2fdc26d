"""The classroom app: the model live in a browser (Mesa's SolaraViz), for a teacher to project.

- sim.app.model: ClassroomModel (EngagementModel plus the history a class looks at), the buttons
  that schedule interventions while it runs, and the sliders;
- sim.app.figures: the network and the time plots as matplotlib figures, updated in place;
- sim.app.info: the Info tab's text (what it is, how it works, things to notice, things to try);
- sim.app.page: the Solara page, served by `python -m sim app` (`solara run sim.app.page`), and
  `classroom()` for Jupyter.

Only sim.app.page imports Solara, so the model, figures and text work (and are tested) without it;
keep this file free of imports for the same reason.
"""
