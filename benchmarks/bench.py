"""Run the performance benchmark from a checkout: `python benchmarks/bench.py [options]`.

The same as `python -m sim bench [options]` (the code is in sim/bench.py so it is importable after
`pip install -e .`). See benchmarks/README.md and the Performance section of README.md.
"""

from __future__ import annotations

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
