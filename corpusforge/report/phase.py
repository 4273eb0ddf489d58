"""The report phase: ``OUT/report/`` from everything in the output folder, the last phase of a run."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from corpusforge.executors.base import Step, Task
from corpusforge.phases import Job, Phase, PhaseContext, PhaseSteps
from corpusforge.report.build import write_report
from corpusforge.report.inputs import write_run_info


def _progress_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def report_task(out: str, config: dict[str, Any], wall: dict[str, float], argv: list[str],
                progress: bool) -> dict[str, Any]:
    """Record the run (``stats/run.json``) and write the report; returns where and how much is missing."""
    write_run_info(out, config, wall, argv)
    js, html = write_report(out, _progress_line if progress else None)
    missing = json.loads(js.read_text(encoding="utf-8"))["missing"]
    for m in missing:
        print(f"report: missing: {m}", file=sys.stderr)
    return {"html": str(html), "missing": len(missing)}


class ReportPhase(Phase):
    """One task, redone at every run (what it reports on changed); ``wall`` holds the wall
    seconds of the phases that ran before it in this process (empty in batch jobs)."""

    name = "report"
    kinds = ("report",)
    jobs = (Job(("report",), array=False),)

    def __init__(self, wall: dict[str, float] | None = None) -> None:
        self.wall = dict(wall or {})

    def steps(self, ctx: PhaseContext) -> PhaseSteps:
        task = Task("report", args=(str(ctx.output), ctx.config, self.wall, list(sys.argv), ctx.progress),
                    inputs=("stats", "docs", "removed", "dedup"), outputs=("report", "stats/run.json"),
                    stamp=str(time.time_ns()))
        done = yield Step("report", [task], report_task)
        return done.results[0]
