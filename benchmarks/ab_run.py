"""Two checkouts of this project against each other as a user feels them: `python -m sim run SCENARIO --quiet`
in each, in turn, for a number of pairs. Prints each pair, both medians, the median of the pairs' differences and
how often the second checkout was the faster.

    git worktree add /tmp/before COMMIT
    python benchmarks/ab_run.py /tmp/before . [--pairs 12] [--scenario baseline] [-- more run arguments]

Each checkout runs its own code (`python -m` imports the package from the folder it runs in, whatever is installed)
and keeps its states at rest in a cache folder of its own, since the cache's file names carry the code's version.
Python writes and reads bytecode as it does by default (PYTHONDONTWRITEBYTECODE is dropped). A first run of each,
not counted, fills the cache and the bytecode. The machine's speed drifts within minutes, so only runs in turn
compare fairly: read the pairs' differences, not two medians taken apart.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_run(checkout: Path, cache: Path, out: Path, arguments: list[str]) -> float:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["SIM_REST_CACHE"] = str(cache)
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim", "run", *arguments, "--quiet", "--out", str(out)], cwd=checkout,
                   env=environment, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="the first checkout (the code before a change)")
    parser.add_argument("after", type=Path, help="the second checkout")
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--scenario", default="baseline")
    argv = sys.argv[1:] if argv is None else list(argv)
    more = argv[argv.index("--") + 1:] if "--" in argv else []  # arguments for run, after --
    args = parser.parse_args(argv[:len(argv) - len(more) - (1 if "--" in argv else 0)])
    checkouts = [args.before.resolve(), args.after.resolve()]
    arguments = [args.scenario, *more]
    times: list[list[float]] = [[], []]
    with tempfile.TemporaryDirectory(prefix="sim-ab-") as scratch:
        folder = Path(scratch)
        caches = [folder / "cache-before", folder / "cache-after"]
        for checkout, cache in zip(checkouts, caches):
            timed_run(checkout, cache, folder / "out", arguments)
        for pair in range(args.pairs):
            for side, (checkout, cache) in enumerate(zip(checkouts, caches)):
                times[side].append(timed_run(checkout, cache, folder / "out", arguments))
            print(f"pair {pair + 1:2d}: {times[0][-1]:.3f} s  {times[1][-1]:.3f} s", flush=True)
    differences = [a - b for a, b in zip(*times)]
    print(f"median {statistics.median(times[0]):.3f} -> {statistics.median(times[1]):.3f} s; first minus second "
          f"in each pair: median {statistics.median(differences):+.3f} s; the second faster in "
          f"{sum(d > 0 for d in differences)} of {len(differences)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
