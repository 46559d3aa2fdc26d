"""How long a run's three plots take in one process: the frames, rendered before the data arrive (in `run` the
plotting child renders them while the model runs), and each plot's drawing once the data are there (what `run`
waits for, beside writing its tables). Medians of --repeats, on a baseline year of 10,000 customers.

    python benchmarks/plot_drawing.py [--repeats 12]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=12)
    args = parser.parse_args(argv)

    import sim
    from sim.experiments import plots

    model = sim.EngagementModel("baseline", rng=1, overrides={"burn_in": 0})  # the values do not matter here
    model.run()
    companies = model.market.names
    data = plots.plot_columns(model.timeseries_arrays(), companies)
    steps = int(data["step"][0][-1])
    drawers = {"levels": lambda folder, frame: plots.levels_over_time(data, companies, folder / "l.png", frame),
               "transitions": lambda folder, frame: plots.transitions(data, folder / "t.png", frame),
               "money": lambda folder, frame: plots.money(data, companies, folder / "m.png", frame)}
    seconds: dict[str, list[float]] = {"frames": [], **{name: [] for name in drawers}}
    with tempfile.TemporaryDirectory(prefix="sim-plots-") as scratch:
        for _ in range(args.repeats):
            start = time.perf_counter()
            frames = plots.layouts(companies, steps)
            seconds["frames"].append(time.perf_counter() - start)
            for (name, draw), frame in zip(drawers.items(), frames):
                start = time.perf_counter()
                draw(Path(scratch), frame)
                seconds[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    print(f"the three frames, before the data: {medians['frames']:.3f} s")
    for name in drawers:
        print(f"{name:>12}, its data drawn: {medians[name]:.3f} s")
    print(f"the three plots' data drawn in one process: {sum(medians[name] for name in drawers):.3f} s "
          f"(medians of {args.repeats})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
