"""`validate-model [--quick] [--out DIR]`: rerun the validation experiments and regenerate the report.

Writes DIR/validation.md and DIR/figures/validation/*.png (default DIR: docs). The full run is the
committed report; `--quick` uses small populations and few seeds (under a minute) for CI.
"""

from __future__ import annotations

from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("validate-model", help="reproduce the Bass limit, the properties and "
                                   "stylized facts; write docs/validation.md")
    parser.add_argument("--quick", action="store_true", help="small populations and few seeds (under a minute)")
    parser.add_argument("--out", default="docs", help="folder for validation.md and figures/validation/ "
                        "(default: docs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=main)


def main(args) -> int:
    from ..errors import UsageError
    from ..validation import generate

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; expected a folder")
    report = generate(out, quick=args.quick, progress=not args.quiet)
    if not args.quiet:
        print(f"validation report written to {report} (figures in {report.parent / 'figures' / 'validation'})")
    return 0
