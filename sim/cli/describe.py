"""`describe`: the order of mechanisms in a step and every parameter with its default, unit and meaning."""

from __future__ import annotations

from .. import parameters as params


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("describe", help="print the step order and every parameter")
    parser.add_argument("--markdown", action="store_true", help="print the parameters as a Markdown table")
    parser.set_defaults(handler=main)


def _first_line(module) -> str:
    return (module.__doc__ or "").strip().splitlines()[0]


def main(args) -> int:
    from ..mechanisms import STEP_ORDER

    print("Order of mechanisms in one step:")
    for number, (name, module) in enumerate(STEP_ORDER, start=1):
        print(f"  {number:2d}. {name:<14} {_first_line(module)}")
    print("Before step 0 the same steps run `burn_in` times without being recorded or counted, so every run\n"
          "starts from the market at rest (interventions act from step 0; see sim.model.EngagementModel.burn_in).")
    sections = [("", params.SCHEMA), ("companies.NAME.", params.COMPANY), ("interventions[].", params.INTERVENTION)]
    if args.markdown:
        print("\n| key | default | unit | meaning |\n| --- | --- | --- | --- |")
    for prefix, schema in sections:
        if not args.markdown:
            print(f"\nParameters{' of ' + prefix.rstrip('.') if prefix else ''}:")
        for path, spec in params.flatten(schema, prefix):
            default = "" if spec.default is None else spec.default
            if spec.choices:
                meaning = f"{spec.meaning} ({' | '.join(spec.choices)})"
            else:
                meaning = spec.meaning
            if args.markdown:
                print(f"| `{path}` | {default!r} | {spec.unit} | {meaning} |")
            else:
                print(f"  {path:<52} {str(default)!s:>14}  {spec.unit:<18} {meaning}")
    return 0
