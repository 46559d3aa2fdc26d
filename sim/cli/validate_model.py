"""`validate-model [--quick] [--out DIR] [--mutations]`: rerun the validation experiments.

Writes DIR/validation.md and DIR/figures/validation/*.png (default DIR: docs). The full run is the
committed report; `--quick` uses small populations and few seeds (under a minute) for CI.
`--mutations` instead runs every mutation of sim.validation.mutations against its property experiment
and prints property x mutation -> caught or survived; the exit code is 1 if any mutation survives.
"""

from __future__ import annotations

from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("validate-model", help="reproduce the Bass limit, the properties and "
                                   "stylized facts; write docs/validation.md (or run the mutations)")
    parser.add_argument("--quick", action="store_true", help="small populations and few seeds (under a minute)")
    parser.add_argument("--out", default="docs", help="folder for validation.md and figures/validation/ "
                        "(default: docs)")
    parser.add_argument("--mutations", action="store_true", help="check that every property test fails when its "
                        "mechanism or term is switched off; exit code 1 if a mutation survives")
    parser.add_argument("--seed", type=int, default=0, help="seed of the experiments (with --mutations)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=main)


def main(args) -> int:
    from ..errors import UsageError

    if args.mutations:
        return mutations(args)
    from ..validation import generate

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; expected a folder")
    report = generate(out, quick=args.quick, progress=not args.quiet)
    if not args.quiet:
        print(f"validation report written to {report} (figures in {report.parent / 'figures' / 'validation'})")
    return 0


def mutations(args) -> int:
    from tqdm.auto import tqdm

    from ..validation.mutations import MUTATIONS, run_all

    scale = 0.5 if args.quick else 1.0
    with tqdm(total=len(MUTATIONS), desc="mutations", unit="mutation", disable=args.quiet) as bar:
        rows = run_all(args.seed, scale, tick=bar.update)
    width = max(len(row["property"]) for row in rows)
    print(f"{'property':<{width}}  {'result':<9} mutation")
    for row in rows:
        print(f"{row['property']:<{width}}  {'caught' if row['caught'] else 'SURVIVED':<9} {row['mutation']}")
    survived = [row for row in rows if not row["caught"]]
    print(f"{len(rows) - len(survived)} of {len(rows)} mutations caught (seed {args.seed}, scale {scale:g})")
    return 1 if survived else 0
