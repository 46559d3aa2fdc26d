"""`validate SCENARIO`: check a scenario file without running it."""

from __future__ import annotations

from .. import scenario as scenarios


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("validate", help="check a scenario file without running it")
    parser.add_argument("scenario", help="scenario YAML file")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                        help="override a scenario key (repeatable)")
    parser.set_defaults(handler=main)


def main(args) -> int:
    scenario = scenarios.load(args.scenario, args.overrides)
    data = scenario.data
    print(f"{scenario.source}: ok: {data['name']!r}, {data['customers']} customers, {data['steps']} steps, "
          f"companies {', '.join(data['companies'])} (focal {data['focal']}), "
          f"{len(data['interventions'])} interventions, network {data['network']['kind']}")
    return 0
