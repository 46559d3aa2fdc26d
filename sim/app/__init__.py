"""The classroom app: the model live in a browser (on Mesa and Solara), for a teacher to project.

Without Solara (usable in tests and notebooks):
- sim.app.model: ClassroomModel (EngagementModel plus the history a class looks at), the buttons
  that schedule interventions while it runs, and the sliders;
- sim.app.info: the Info tab's text (what it is, how it works, things to notice, things to try);
- sim.app.network_layout: where each customer sits in the network picture, computed once;
- sim.app.network_picture: the network as a matplotlib figure, and the pieces the browser draws it from;
- sim.app.time_plots: the levels, shares and one customer's history over time, with events numbered;
- sim.app.figure_style: the pictures' text size, company markers and level colours;
- sim.app.png_frames: figures as PNG bytes, redrawing only what changed.

The page, served by `python -m sim app` (`solara run sim.app.page`), with Solara:
- sim.app.page: the layout that puts the rest together, `Page`, and `classroom()` for Jupyter;
- sim.app.page_style: its CSS;
- sim.app.controls: the Run and Next run cards (Mesa's ModelController, the sliders);
- sim.app.network_view: the network drawn by the browser, and a click selecting a customer;
- sim.app.customer_inspector: one customer's traits, state now and history;
- sim.app.classroom_panel: the buttons, and the level counts now;
- sim.app.levels_view: the live plots of levels and market shares;
- sim.app.info_tab: the Info tab;
- sim.app.live_picture: plots drawn by the server for the box the browser reports;
- sim.app.html_text and sim.app.mesa_viz: HTML text, and the parts of Mesa's SolaraViz used.

Only the page modules import Solara, so the model, pictures and text work (and are tested) without
it; keep this file free of imports for the same reason.
"""
