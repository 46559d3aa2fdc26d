"""One module per command of `python -m sim`; see sim.cli."""
