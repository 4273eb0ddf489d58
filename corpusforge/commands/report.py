"""``corpusforge report OUT``: the report of a run directory (also the last phase of ``run`` / ``demo``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpusforge.cli import EXIT_OK, CliError

NAME = "report"
HELP = "Write OUT/report/index.html and OUT/report/report.json from a run's stats and parquet columns."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("output", metavar="OUT", help="the output directory of a run")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")


def _progress_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def make_report(output: Path, progress: bool = True) -> int:
    """Write the report and say where it is and what it lacks."""
    from corpusforge.report import write_report

    try:
        js, html = write_report(output, _progress_line if progress else None)
    except OSError as e:
        raise CliError(f"cannot write the report into {output}: {e.strerror or e}", code=1) from None
    missing = json.loads(js.read_text(encoding="utf-8"))["missing"]
    print(f"\nreport: {html}  (numbers: {js.name})")
    for m in missing:
        print(f"  missing: {m}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return make_report(Path(args.output), not args.no_progress)
