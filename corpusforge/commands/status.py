"""``corpusforge status OUT``: tasks done / failed / running / pending per step of a run."""

from __future__ import annotations

import argparse
from pathlib import Path

from corpusforge.cli import EXIT_FAILED, EXIT_OK, CliError

NAME = "status"
HELP = "Show per phase and step how many tasks of a run are done, failed, running or pending."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("output", help="the run's output directory")
    p.add_argument("--lines", type=int, default=5, help="last lines shown of each failed task's log (default 5)")
    p.add_argument("--no-scheduler", action="store_true", help="do not ask squeue / qstat")


def run(args: argparse.Namespace) -> int:
    from corpusforge.status import run_status

    out = Path(args.output)
    if not (out / "_plan").is_dir() and not (out / "jobs").is_dir():
        raise CliError(f"{out}: no corpusforge run here (no _plan/ or jobs/ folder)")
    st = run_status(out, query_scheduler=not args.no_scheduler)
    print(st.table(args.lines))
    return EXIT_OK if not any(s.failed for s in st.steps) else EXIT_FAILED
