"""The page's CSS: a layout for a projector (1280x720 and larger), and the look of its sliders, tables and Info text.

Sizes are CSS pixels, for a class reading from the back of the room: page text 16 px (17 px on
screens 1600 px wide and more), hints and legends 15 px. The class names (sim-...) are the ones the
page modules give their elements; sim.app.page puts this on the page.
"""

CSS = """
.sim-page { display: flex; height: 100vh; font-size: 16px; line-height: 1.35; }
.sim-side { flex: 0 0 290px; overflow-y: auto; padding: 8px; background: #f5f5f7;
            border-right: 1px solid #ddd; }
/* scroll, not auto: a scroll bar that came and went would change the width of the pictures,
   which the page answers by redrawing them at the new width */
.sim-main { flex: 1 1 auto; min-width: 0; overflow-y: scroll; overflow-x: hidden; padding: 8px 12px; }
@media (min-width: 1600px) { .sim-side { flex-basis: 340px; } .sim-page { font-size: 17px; } }
.sim-title { font-size: 20px; font-weight: 600; margin: 2px 4px 8px; line-height: 1.2; }
.sim-tabs { margin: 0 0 8px; }
.sim-day { font-size: 22px; font-weight: 600; margin: 8px 0 2px; }
.sim-columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.1fr); gap: 12px;
               align-items: start; }
.sim-columns > div { min-width: 0; }
.sim-page .v-card { margin-bottom: 10px; overflow: hidden; }
.sim-page .v-card-text { font-size: 16px; }
.sim-page .v-card-title { font-size: 20px; padding-bottom: 2px; white-space: normal; line-height: 1.3; }
.sim-page .v-btn { font-size: 15px; letter-spacing: 0.02em; }
.sim-page .v-btn__content { white-space: normal; }
.sim-hint { font-size: 15px; color: #444; margin: 6px 0; }
.sim-legend { font-size: 15px; margin: 0 0 6px; }
.sim-key { white-space: nowrap; margin-right: 6px; }
/* side margins: a thumb at either end, and the halo Vuetify draws round it, stay inside the card */
.sim-slider { margin: 2px 14px 4px; }
.sim-slider-head { display: flex; justify-content: space-between; font-size: 16px; margin: 0 -10px; }
.sim-slider-value { font-weight: 600; font-variant-numeric: tabular-nums; }
.sim-slider .v-input { margin: 0; }
.sim-slider .v-slider.v-input--horizontal { margin-inline: 0; }
.sim-slider .v-input__details { display: none; }
.sim-classroom { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.sim-buttons { display: flex; flex-direction: column; gap: 8px; flex: 1 1 180px; min-width: 0; }
.sim-buttons .v-btn { height: auto !important; min-height: 40px; padding: 6px 8px; }
.sim-table { border-collapse: collapse; font-size: 16px; margin: 4px 0; }
.sim-table th, .sim-table td { padding: 3px 8px; border-bottom: 1px solid #e0e0e0; text-align: right;
                               font-variant-numeric: tabular-nums; }
.sim-table th:first-child, .sim-table td:first-child { text-align: left; padding-left: 0; }
.sim-event { white-space: nowrap; margin-right: 12px; font-size: 15px; }
.sim-event-number { display: inline-block; min-width: 1.5em; text-align: center; border: 1px solid #000;
                    border-radius: 6px; }
.sim-pick { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; margin-bottom: 6px; }
.sim-pick .v-input { flex: 0 0 100px; }
.sim-pick .v-input__details { display: none; }
.sim-pick .v-btn { padding: 0 6px; }
.sim-info { max-width: 62em; font-size: 17px; }
/* Vuetify's reset takes the weight off <strong> and the indent off lists: give them back for the Info text */
.sim-info strong, .sim-info b { font-weight: 700; }
.sim-info h2 { font-size: 24px; font-weight: 600; margin: 20px 0 8px; }
.sim-info p { margin: 6px 0; }
.sim-info ol, .sim-info ul { padding-left: 1.8em; margin: 6px 0 10px; }
.sim-info li { margin: 3px 0; }
/* Solara's page style right-aligns and centres tables (for numbers); the Info tables hold text */
.sim-page .sim-info table { border-collapse: collapse; margin: 8px 0 !important; }
.sim-page .sim-info th, .sim-page .sim-info td { border-bottom: 1px solid #ddd; padding: 4px 8px;
                                                 text-align: left !important; vertical-align: top; }
"""
