"""The serial fused step on the kernels compiled ahead of time (sim/kernels/ahead.py) against the same step on
numba's just-in-time functions: one model, blocks of steps on each in turn (the machine's speed drifts within
seconds, so only steps taken in turn compare fairly). Prints the median microseconds a step of each and how
often the module's block was the faster.

    python benchmarks/ahead_steps.py [--people 1000,10000] [--blocks 80]
"""

from __future__ import annotations

import argparse
import statistics
import time

NAMES = ("pass_a_chunks", "pass_b_chunks", "pass_c_chunks", "count_advocacy", "revenue", "stream_keys")


def measure(people: int, blocks: int, steps: int = 10) -> dict:
    import sim
    from sim.kernels import compiled, fast

    if not fast.ahead:
        raise SystemExit("the kernels compiled ahead of time are not in use here (SIM_AHEAD=0, or see their "
                         ".failed file)")
    model = sim.EngagementModel("baseline", rng=1, overrides={"burn_in": 0, "customers": people,
                                                                "customer_agents": 0,
                                                                "steps": blocks * 2 * (steps + 2) + 2})
    model.step()
    kernels = {"ahead": {name: getattr(fast, name) for name in NAMES},
               "numba": {name: getattr(compiled, name) for name in NAMES}}
    times = {name: [] for name in kernels}
    try:
        for block in range(blocks):
            for name in (("ahead", "numba") if block % 2 else ("numba", "ahead")):
                for function, kernel in kernels[name].items():
                    setattr(fast, function, kernel)
                model._fused._direct, model._fused._direct_for = {}, None  # the fused step decides afresh
                model.step()
                model.step()
                start = time.perf_counter()
                for _ in range(steps):
                    model.step()
                times[name].append((time.perf_counter() - start) / steps * 1e6)
    finally:
        for function, kernel in kernels["ahead"].items():
            setattr(fast, function, kernel)
    faster = sum(a < b for a, b in zip(times["ahead"], times["numba"]))
    return {"ahead": statistics.median(times["ahead"]), "numba": statistics.median(times["numba"]),
            "faster": faster, "blocks": blocks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", default="1000,10000", help="populations, comma-separated")
    parser.add_argument("--blocks", type=int, default=80, help="blocks of 10 steps on each")
    args = parser.parse_args(argv)
    for people in (int(text) for text in args.people.split(",")):
        result = measure(people, args.blocks)
        print(f"{people:>9,} people: {result['ahead']:.1f} us a step on the module compiled ahead of time, "
              f"{result['numba']:.1f} us on numba's functions; the module faster in {result['faster']} of "
              f"{result['blocks']} blocks")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
