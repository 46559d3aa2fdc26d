"""`bench`: every figure of the performance targets with its goal (whole run, start, memory, set-up, mechanisms)."""

from __future__ import annotations

from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure speed, start time and memory against the targets (and a plain per-agent Mesa model)",
        description="Whole `run` commands, start time, the step loop, the per-agent Mesa model, a million customers "
                    "for a year: each in fresh processes, on scenarios/baseline.yaml with every mechanism on. "
                    "Prints the figures with their goals; --out also writes them as JSON. Whole runs are timed 3 times "
                    "and the fastest kept. Takes 3 to 10 minutes, by the machine's speed (--quick: less).")
    parser.add_argument("--quick", action="store_true",
                        help="a shorter run: the per-agent model at 10,000, a million customers set up but not run")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds, with small populations: checks that every figure is produced (the figures "
                             "themselves mean nothing)")
    parser.add_argument("--threads", type=int, help="threads of the compiled step in each measured process "
                        "(NUMBA_NUM_THREADS; default: all cores)")
    parser.add_argument("--out", help="write the figures as JSON to this file")
    parser.add_argument("--quiet", action="store_true", help="no progress")
    parser.set_defaults(handler=main)


def command_line(args) -> str:
    """The command that reproduces this benchmark, for the report."""
    words = ["python -m sim bench"] + (["--quick"] if args.quick else []) + (["--smoke"] if args.smoke else [])
    words += [f"--threads {args.threads}"] if args.threads else []
    words += [f"--out {args.out}"] if args.out else []
    return " ".join(words)


def main(args) -> int:
    from ..errors import UsageError
    from ..experiments import benchmark as bench

    if args.threads is not None and args.threads < 1:
        raise UsageError(f"--threads: expected at least 1, got {args.threads}")
    if args.out and Path(args.out).is_dir():
        raise UsageError(f"--out {args.out}: is a folder; expected a file name such as bench.json")
    log = None if args.quiet else print
    if log:
        log("Benchmark: each figure in fresh processes (figures are noisy on a shared machine)")
    plan = "smoke" if args.smoke else ("quick" if args.quick else "full")
    report = bench.run(plan, threads=args.threads, log=log, command=command_line(args))
    print(bench.format_report(report))
    if args.out:
        from ..experiments import output

        output.write_json(args.out, report)
        print(f"figures written to {args.out}")
    failed = [key for key, value in report.items() if isinstance(value, dict) and "error" in value]
    return 1 if failed else 0
