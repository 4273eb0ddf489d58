"""``corpusforge report OUT``: the report of a run directory (also the last phase of ``run`` / ``demo``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from corpusforge.cli import EXIT_OK, CliError

NAME = "report"
HELP = "Write OUT/report/index.html and OUT/report/report.json from a run's stats and parquet columns."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("output", metavar="OUT", help="the output directory of a run")


def make_report(output: Path) -> int:
    """Write the report and say where it is and what it lacks."""
    from corpusforge.report import write_report

    try:
        js, html = write_report(output)
    except OSError as e:
        raise CliError(f"cannot write the report into {output}: {e.strerror or e}", code=1) from None
    missing = json.loads(js.read_text(encoding="utf-8"))["missing"]
    print(f"\nreport: {html}  (numbers: {js.name})")
    for m in missing:
        print(f"  missing: {m}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return make_report(Path(args.output))
