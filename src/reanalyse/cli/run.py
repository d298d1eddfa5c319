"""``reanalyse run``: the whole re-analysis into results/ (``make run``)."""

from __future__ import annotations

import argparse
import sys

from reanalyse.cli.project import project_root

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``run`` subcommand."""
    p = sub.add_parser("run", help="run the whole re-analysis into results/",
                       description="Reproduction table, frequentist results, Bayesian random "
                       "effects under the default priors, the sensitivity grid, the network "
                       "meta-analyses, then tables, figures and report.html under results/. "
                       "Cached: an unchanged rerun samples nothing.")
    p.add_argument("analyses", nargs="*", metavar="ANALYSIS",
                   help="analysis ids (default: every specification under the project's analyses/)")
    p.add_argument("--scenario", default="sourced", choices=["sourced", "reconstruction"],
                   help="data scenario of the headline results (default sourced)")
    p.add_argument("--jobs", type=int, default=1, help="local worker processes for MCMC")
    p.add_argument("--force", action="store_true", help="ignore the cache and recompute")
    p.add_argument("--executor", default="local", choices=["local", "dask"])
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of a running Dask scheduler (with --executor dask)")
    p.add_argument("--results", default=None, metavar="DIR",
                   help="output folder (default: the project's results/)")
    p.add_argument("--no-mcmc", action="store_true",
                   help="exact engine only: skip the MCMC fits")
    p.add_argument("--no-nma", action="store_true", help="skip the network meta-analyses")
    p.add_argument("--wait", action="store_true",
                   help="when another run is writing the results, wait for it to finish "
                   "(default: exit 2 at once)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress (default: a bar on a terminal, one line per task otherwise)")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    root = project_root(args)
    if not args.quiet:  # the first line comes before the heavy imports (a second or more)
        print(f"reanalyse run: project {root}; checking its analyses and data", file=sys.stderr,
              flush=True)
    from reanalyse.pipeline.run import run_pipeline

    summary = run_pipeline(root=root, analyses=args.analyses or None, scenario=args.scenario,
                           jobs=args.jobs, force=args.force, executor=args.executor,
                           scheduler=args.scheduler, results_dir=args.results,
                           mcmc=not args.no_mcmc, nma=not args.no_nma,
                           progress=not args.quiet, wait=args.wait)
    print(f"reanalyse run: {len(summary.analyses)} analyses; {len(summary.sampled)} tasks "
          f"sampled, {len(summary.cached)} from the cache; results in {summary.results_dir}")
    print(f"report: {summary.results_dir / 'report.html'}")
    return 0
