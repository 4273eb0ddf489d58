"""``corpusforge run``: WARC files to an output directory (extract, dedup, apply), here or
submitted to Slurm / Grid Engine / PBS."""

from __future__ import annotations

import argparse

from typing import TYPE_CHECKING

from corpusforge.cli import EXIT_FAILED, EXIT_OK, CliError
from corpusforge.commands._options import add_array_options, check_output, expand_inputs, resolve_array
from corpusforge.executors.batch import SCHEDULERS, add_batch_options, batch_executor

if TYPE_CHECKING:
    from corpusforge.run import Run

NAME = "run"
HELP = "Run the pipeline on WARC files: extract Japanese text, filter, annotate, deduplicate."
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc.gz")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", "-i", action="append", required=True, metavar="GLOB",
                   help="WARC files (.warc / .warc.gz); a glob, quoted; may repeat")
    p.add_argument("--output", "-o", required=True, metavar="DIR", help="output directory (created)")
    add_run_options(p)


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", "-c", metavar="FILE", help="YAML config or shipped preset name "
                   "(its sections override the shipped 'pipeline' config)")
    p.add_argument("--workers", "-w", type=int, default=1, help="processes on this machine (default 1)")
    add_array_options(p)
    p.add_argument("--phases", help="comma-separated phases to run (default: extract,dedup,apply,report, plus "
                   "shard when the config has a shard: section; apply writes the documents without "
                   "near-duplicates to OUT/deduped/, shard Megatron token shards to OUT/shards/, report "
                   "OUT/report/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_batch_options(p)


def build_run(inputs: list[str], args: argparse.Namespace) -> "Run":
    from corpusforge.run import Run

    phases = [p.strip() for p in args.phases.split(",") if p.strip()] if args.phases else None
    try:
        return Run(inputs, check_output(args.output), args.config, phases, dedup_width=args.tasks)
    except ValueError as e:
        raise CliError(str(e)) from None


def execute(run: "Run", args: argparse.Namespace) -> int:
    """Run here (local pool or one array task) or submit (--executor slurm / sge / pbs)."""
    from corpusforge.executors.base import executor_for

    if args.executor in SCHEDULERS:
        if args.rank is not None:
            raise CliError(f"--rank is for one task of an array job; --executor {args.executor} submits them all")
        sub = run.execute(batch_executor(args), progress=not args.no_progress)
        return EXIT_OK if sub.ok else EXIT_FAILED
    rank, world = resolve_array(args)
    res = run.execute(executor_for(args.workers, rank, world), progress=not args.no_progress)
    return EXIT_OK if res.ok else EXIT_FAILED


def run(args: argparse.Namespace) -> int:
    inputs = expand_inputs(args.input)
    bad = [f for f in inputs if not f.endswith(WARC_SUFFIXES)]
    if bad:
        raise CliError(f"not a WARC file (.warc / .warc.gz): {bad[0]}")
    return execute(build_run(inputs, args), args)
