"""How long a run's three plots take in one process: the frames, rendered before the data arrive (in `run` the
plotting child renders them while the model runs), and each plot's drawing once the data are there (what `run`
waits for, beside writing its tables). Medians of --repeats, on a baseline year of 10,000 customers; the same
measurement as the plots' line of `python -m sim bench`.

    python benchmarks/plot_drawing.py [--repeats 12]
"""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=12)
    args = parser.parse_args(argv)

    from sim.experiments.benchmark_measure import plots

    drawn = plots(repeats=args.repeats)
    print(f"the three frames, before the data: {drawn['frames_seconds']:.3f} s")
    for name in ("levels", "transitions", "money"):
        print(f"{name:>12}, its data drawn: {drawn[f'{name}_seconds']:.3f} s")
    print(f"the three plots' data drawn in one process: {drawn['data_seconds']:.3f} s (medians of {args.repeats})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
