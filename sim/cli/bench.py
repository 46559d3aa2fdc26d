"""`bench`: customer-steps per second, set-up time and peak memory, against a plain per-agent Mesa model."""

from __future__ import annotations

from pathlib import Path

from ..experiments import benchmark as bench
from ..experiments import output


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure speed and memory (vectorised model vs a plain per-agent Mesa model)",
        description="Each size runs in a fresh process on scenarios/baseline.yaml with every mechanism on. "
                    "Prints a table; --out also writes the figures as JSON.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(bench.SIZES), metavar="N",
                        help="population sizes of the vectorised model (default: 10000 100000 1000000)")
    parser.add_argument("--steps", type=int, help="timed steps per size (default: about 5 million customer-steps, "
                        "10 to 365 steps), after 3 warm-up steps")
    parser.add_argument("--per-agent-sizes", type=int, nargs="*", default=None, metavar="N",
                        help="population sizes of the plain per-agent Mesa model (default: 10000 100000; "
                             "--quick: 10000; none to skip)")
    parser.add_argument("--per-agent-steps", type=int, help="timed steps of the per-agent model (default: 20 at "
                        "10,000, 3 at 100,000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: sizes 10000 100000, few steps")
    parser.add_argument("--full-year", action="store_true",
                        help="also time 1,000,000 customers for 365 steps in one run (the brief's scale target)")
    parser.add_argument("--threads", type=int, help="threads of the parallel numba kernels in each measured process "
                        "(NUMBA_NUM_THREADS; default: all cores)")
    parser.add_argument("--out", help="write the figures as JSON to this file")
    parser.add_argument("--quiet", action="store_true", help="no progress")
    parser.set_defaults(handler=main)


def command_line(args) -> str:
    """The command that reproduces this benchmark, for the report."""
    words = ["python -m sim bench"]
    if args.quick:
        words.append("--quick")
    if not (args.quick and args.sizes == list(bench.SIZES)):
        words.append("--sizes " + " ".join(map(str, args.sizes)))
    if args.steps:
        words.append(f"--steps {args.steps}")
    if args.per_agent_sizes is not None:
        words.append("--per-agent-sizes " + " ".join(map(str, args.per_agent_sizes)))
    if args.per_agent_steps:
        words.append(f"--per-agent-steps {args.per_agent_steps}")
    if args.full_year:
        words.append("--full-year")
    if args.threads:
        words.append(f"--threads {args.threads}")
    if args.out:
        words.append(f"--out {args.out}")
    return " ".join(words)


def main(args) -> int:
    from ..errors import UsageError

    sizes = args.sizes if not (args.quick and args.sizes == list(bench.SIZES)) else [10_000, 100_000]
    if args.per_agent_sizes is None:
        per_agent = [10_000] if args.quick else list(bench.PER_AGENT_SIZES)
    else:
        per_agent = args.per_agent_sizes
    for n in [*sizes, *per_agent]:
        if not 100 <= n <= 50_000_000:
            raise UsageError(f"--sizes/--per-agent-sizes: expected populations from 100 to 50,000,000, got {n}")
    for name in ("steps", "per_agent_steps", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')}: expected at least 1, got {value}")
    if args.out and Path(args.out).is_dir():
        raise UsageError(f"--out {args.out}: is a folder; expected a file name such as bench.json")

    log = None if args.quiet else print
    if log:
        log("Benchmark: each size in a fresh process (figures are noisy on a shared machine)")
    report = bench.run(sizes, args.steps, per_agent, args.per_agent_steps, full_year=args.full_year,
                       quick=args.quick, progress=not args.quiet, log=log, command=command_line(args),
                       threads=args.threads)
    print(bench.format_report(report))
    if args.out:
        output.write_json(args.out, report)
        print(f"figures written to {args.out}")
    failed = [r for r in [*report["vectorised"], *report["per_agent"], report["full_year"] or {}] if "error" in r]
    return 1 if failed else 0
