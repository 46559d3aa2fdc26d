"""`compare SCENARIO --policies FILE`: policies compared under common random numbers, with one report.

Every policy in the file is validated against every market scenario before anything runs. Jobs
(market, policy, replication) run in parallel; each finished one is kept in OUT/parts at once, so
Ctrl-C or a crash loses nothing finished and the same command with the same --out resumes. The
tables, plots and report.md are written last, each atomically, report.md at the very end.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import scenario as scenarios
from ..errors import UsageError

if TYPE_CHECKING:
    from ..experiments.compare import posterior as uncertainty


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("compare", help="compare policies under common random numbers; one report")
    parser.add_argument("scenario", nargs="?", help="market scenario YAML file (with --posterior, default: "
                        "DIR/calibrated.yaml)")
    parser.add_argument("--policies", required=True, help="policies YAML file (baseline and policies to compare)")
    parser.add_argument("--scenarios", nargs="+", default=[], metavar="SCENARIO",
                        help="further market scenarios for the robustness table")
    parser.add_argument("--replications", type=int, help="replications per policy (default: the scenario's if "
                        "above 1, else 20)")
    parser.add_argument("--workers", type=int, help="parallel processes (default: local cores)")
    parser.add_argument("--steps", type=int, help="steps per run (default: each scenario's)")
    parser.add_argument("--company", help="company whose results are compared (default: the focal company)")
    parser.add_argument("--metric", default="profit", help="metric for the ranking and regret (default: profit)")
    parser.add_argument("--out", help="output folder (default: results/compare/<scenario>/<run id>); "
                        "give the same folder again to resume")
    parser.add_argument("--posterior", metavar="DIR", help="a calibration folder (calibrate --method abc): also run "
                        "replication i of every policy with the same parameter set drawn from its posterior, and "
                        "report both intervals and the probability that each policy beats the baseline")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or table")
    parser.set_defaults(handler=main)


def main(args) -> int:
    from ..experiments import compare
    from ..experiments.compare import posterior as uncertainty
    from ..experiments.compare import report
    from ..experiments.executors import default_workers, make_executor
    from ..experiments.jobs import run_jobs
    from ..experiments.store import PartStore

    posterior = load_posterior(args)
    markets = load_markets(args)
    company = args.company or markets[0].data["focal"]
    check_arguments(args, markets, company)
    policy_set = compare.load_policies(args.policies, markets)
    replications = args.replications or (markets[0].data["replications"] if markets[0].data["replications"] > 1
                                         else 20)
    if replications < 2:
        raise UsageError(f"--replications {replications}: expected at least 2 (a confidence interval needs two)")
    jobs = all_jobs = compare.plan_jobs(policy_set, replications)
    if posterior is not None:  # every draw is validated against every policy before anything runs
        particles, drawn = uncertainty.draws(posterior, replications, markets[0].data["seed"])
        posterior_jobs = uncertainty.plan_jobs(policy_set, markets[0], drawn)
        all_jobs = uncertainty.interleave(jobs, posterior_jobs)
    out = output_folder(args, markets[0])  # after every check: a refused command leaves no folder
    store = PartStore(out / "parts")
    workers = args.workers or default_workers()
    try:
        with make_executor("local", min(workers, len(all_jobs))) as executor:
            outcome = run_jobs(all_jobs, store, executor, progress=not args.quiet, description="compare")
    except KeyboardInterrupt:
        finished = sum(store.has(job.key, job.fingerprint) for job in all_jobs)
        print(f"{finished} of {len(all_jobs)} replications are kept in {out / 'parts'}; to resume, run the same "
              f"command with --out {out}")
        raise
    tables = compare.build_tables(jobs, store, policy_set, markets, company, args.metric)
    extra = None
    if posterior is not None:
        rows = uncertainty.replication_table(posterior_jobs, store, company, drawn, particles)
        metrics = tuple(dict.fromkeys([*compare.REPORTED, args.metric]))
        extra = {"posterior": posterior, "rows": rows, "seed": markets[0].data["seed"],
                 "summary": uncertainty.summary_table(rows, tables["summary"], markets[0].name, policy_set, metrics)}
    write_results(out, tables, policy_set, markets, company, args.metric, replications, outcome.computed,
                  outcome.reused, extra)
    if not args.quiet:
        report.print_table(tables, policy_set, markets[0], company, args.metric, replications)
        if extra is not None:
            print("\n".join(uncertainty.print_lines(extra["summary"], policy_set, args.metric)))
    kept = outcome.reused  # the one line --quiet keeps: where the results went
    print(f"report: {out / 'report.md'}" + (f" ({kept} replications reused from an earlier run)" if kept else ""))
    return 0


def load_posterior(args) -> uncertainty.Posterior | None:
    """The posterior of --posterior DIR (None without it); SCENARIO defaults to DIR/calibrated.yaml."""
    from ..experiments.compare import posterior as uncertainty

    if args.posterior is None:
        if args.scenario is None:
            raise UsageError("expected a market SCENARIO (or --posterior DIR, whose calibrated.yaml is the default)")
        return None
    if args.scenarios:
        raise UsageError("--scenarios cannot be combined with --posterior: the posterior belongs to one market")
    posterior = uncertainty.load_posterior(args.posterior)
    if args.scenario is None:
        args.scenario = str(Path(args.posterior) / "calibrated.yaml")
    return posterior


def load_markets(args) -> list[scenarios.Scenario]:
    """The main market scenario and any --scenarios, each validated (with --steps applied)."""
    overrides = [f"steps={args.steps}"] if args.steps is not None else []
    labels = {"steps": f"--steps {args.steps}"}  # an error names the flag the user typed
    markets = [scenarios.load(path, overrides, labels) for path in [args.scenario, *args.scenarios]]
    names = [m.name for m in markets]
    if len(set(names)) < len(names):
        raise UsageError(f"--scenarios: two market scenarios are named {names!r}; give each a distinct 'name:'")
    return markets


def check_arguments(args, markets, company: str) -> None:
    """Company, metric and counts make sense before anything runs."""
    from ..experiments.metrics import METRICS
    from ..yaml_input import did_you_mean

    for market in markets:
        if company not in market.data["companies"]:
            raise UsageError(f"--company {company}: {market.source} has no company of that name; expected one of "
                             f"{', '.join(market.data['companies'])}")
    if args.metric not in METRICS:
        raise UsageError(f"--metric {args.metric}: unknown metric" + did_you_mean(args.metric, METRICS))
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")


def output_folder(args, market) -> Path:
    """--out or results/compare/<scenario>/<run id>; an existing folder must be an earlier comparison."""
    from ..experiments import output

    if not args.out:
        return output.new_run_folder(Path("results") / "compare" / market.name, market.data["seed"])
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "parts").is_dir())):
        raise UsageError(f"--out {out}: exists and is not a comparison folder; choose another --out")
    return out


def write_results(out: Path, tables, policy_set, markets, company, metric, replications, ran, kept,
                  posterior: dict | None = None) -> None:
    """Tables, plots and manifest first, report.md last; each file atomically. `posterior`: the results of
    --posterior (posterior_replications.csv, posterior_summary.csv, posterior.png and a report section)."""
    from ..experiments import output
    from ..experiments.compare import plots, report
    from ..experiments.compare import posterior as uncertainty

    main_market = markets[0].name
    section, described = None, {}
    if posterior is not None:
        output.write_csv(out / "posterior_replications.csv", posterior["rows"])
        output.write_csv(out / "posterior_summary.csv", posterior["summary"])
        shown = tuple(dict.fromkeys([metric, "share_passionate", "churn"]))
        plot = uncertainty.plot_intervals(posterior["summary"], policy_set, out / "posterior.png", shown)
        section = uncertainty.section(posterior["summary"], policy_set, metric, posterior["posterior"], replications,
                                      posterior["seed"], plot.name)
        described = {"posterior": str(posterior["posterior"].folder), "posterior_draw_seed": posterior["seed"],
                     "posterior_keys": posterior["posterior"].keys}
    output.write_csv(out / "replications.csv", tables["replications"])
    output.write_csv(out / "summary.csv", tables["summary"])
    output.write_csv(out / "ranking.csv", tables["ranking"])
    output.write_csv(out / "over_time.csv", tables["over_time"])
    if tables["robustness"] is not None:
        output.write_csv(out / "robustness.csv", tables["robustness"])
    output.write_json(out / "summary.json", report.summary_json(tables, policy_set, markets, company, metric))
    plots.plot_over_time(tables["over_time"], policy_set.baseline, company, out / "over_time.png")
    shown = tuple(dict.fromkeys([metric, "share_passionate", "churn", "nps"]))
    plots.plot_differences(tables["summary"], main_market, policy_set.names, policy_set.baseline,
                             out / "differences.png", shown)
    output.write_json(out / "manifest.json", output.manifest(
        markets[0], policies_file=policy_set.source, policies={n: p.describe() for n, p in policy_set.policies.items()},
        baseline=policy_set.baseline, company=company, metric=metric, replications=replications,
        markets={m.name: m.source for m in markets}, runs_this_time=ran, runs_reused=kept, **described,
        files=sorted(p.name for p in out.iterdir() if p.is_file()) + ["report.md"]))
    text = report.render_report(tables, policy_set, markets, company, metric, replications, section)
    output.write_text(out / "report.md", text)
