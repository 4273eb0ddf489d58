"""``corpusforge worker``: one array task of a submitted run (what the job scripts call)."""

from __future__ import annotations

import argparse
import sys

from corpusforge.cli import EXIT_FAILED, EXIT_OK

NAME = "worker"
HELP = "Run one rank of one job of a submitted run (called by the scripts in OUT/jobs/)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help="OUT/jobs/run.json")
    p.add_argument("--phase", required=True)
    p.add_argument("--job", type=int, required=True, help="job index within the phase")
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--world-size", type=int, required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--tasks", type=int, help="the --tasks of the submission")


def run(args: argparse.Namespace) -> int:
    from corpusforge.executors.base import ArrayExecutor
    from corpusforge.executors.batch import check_earlier_jobs
    from corpusforge.phases import PhaseContext, SegmentExecutor, run_phase
    from corpusforge.run import load_spec

    run = load_spec(args.spec)
    phase = run.phase(args.phase)
    job = phase.batch_jobs()[args.job]
    if args.rank >= args.world_size:  # PBS arrays have two indices at least
        print(f"rank {args.rank}: outside the job's {args.world_size} task(s), nothing to do")
        return EXIT_OK
    try:
        check_earlier_jobs(run, args.phase, args.job, args.tasks)
    except RuntimeError as e:
        print(f"corpusforge: not started: {e}", file=sys.stderr)
        return EXIT_FAILED
    inner = ArrayExecutor(args.rank, args.world_size, args.workers, barrier=not job.array)
    ctx = PhaseContext(run.output, SegmentExecutor(inner, phase, job), run.config, run.inputs, progress=False)
    reason = phase.applies(ctx)
    if reason:
        print(f"{phase.name}: {reason}: nothing to do")
        return EXIT_OK
    with ctx.executor:
        res = run_phase(phase, ctx)
    print(f"{phase.name} {'+'.join(job.kinds)} rank {args.rank}/{args.world_size}: {res.done_now} task(s) done now, "
          f"{res.skipped} already done, {len(res.failed)} failed in {res.seconds:.1f}s")
    for name, msg in res.failed:
        print(f"  failed: {name}: {msg}", file=sys.stderr)
    return EXIT_OK if res.ok else EXIT_FAILED
