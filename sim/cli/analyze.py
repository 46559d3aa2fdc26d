"""`analyze RESULTS_DIR`: the tidy table, Sobol indices or influence rankings, plots and summary.md."""

from __future__ import annotations

from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("analyze", help="analyse a sweep's results folder (table, indices, plots)")
    parser.add_argument("results", help="results folder of `python -m sim sweep` (e.g. results/sweeps/NAME)")
    parser.add_argument("--out", help="where to write the analysis (default: RESULTS/analysis)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.set_defaults(handler=main)


def main(args) -> int:
    from ..experiments.sweep.analysis import analyze

    target = analyze(Path(args.results), args.out, plots=not args.no_plots)
    print(f"analysis written to {target}:")
    print((target / "summary.md").read_text(encoding="utf-8"))
    return 0
