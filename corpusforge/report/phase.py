"""The report phase: ``OUT/report/`` from everything in the output folder, the last phase of a run."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from corpusforge.executors.base import Step, Task
from corpusforge.phases import Job, Phase, PhaseContext, PhaseSteps
from corpusforge.report.build import write_report
from corpusforge.report.inputs import RUN_INFO, STATS_DIRS, write_run_info


def _progress_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _without_seconds(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if not k.endswith("seconds")}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


def inputs_digest(out: Path) -> str:
    """A digest of what the report summarises (the merged stats of every phase, the dedup
    summary; timings left out, a re-run that skips a finished phase rewrites them): the
    report is redone when it changes, skipped when not (``corpusforge report OUT`` writes it
    again at any time)."""
    files = [f for d in STATS_DIRS for f in sorted((out / d).glob("*.json")) if f.name != RUN_INFO]
    files.append(out / "dedup" / "summary.json")
    digest = hashlib.sha1()
    for f in files:
        try:
            content = json.dumps(_without_seconds(json.loads(f.read_text(encoding="utf-8"))), sort_keys=True)
        except (OSError, ValueError):  # absent, or half-written: the report says so
            content = "unreadable" if f.exists() else "absent"
        digest.update(f"{f.relative_to(out)}\n{content}\n".encode())
    return digest.hexdigest()


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
    """One task, redone when what it reports on changed; ``wall`` holds the wall seconds of
    the phases that ran before it in this process (empty in batch jobs)."""

    name = "report"
    kinds = ("report",)
    jobs = (Job(("report",), array=False),)

    def __init__(self, wall: dict[str, float] | None = None) -> None:
        self.wall = dict(wall or {})

    def steps(self, ctx: PhaseContext) -> PhaseSteps:
        task = Task("report", args=(str(ctx.output), ctx.config, self.wall, list(sys.argv), ctx.progress),
                    inputs=("stats", "docs", "removed", "dedup"), outputs=("report", "stats/run.json"),
                    stamp=inputs_digest(ctx.output))
        done = yield Step("report", [task], report_task)
        return done.results[0]
