"""Where a run stands, per step: tasks done / failed / running / pending.

From the run's own files (``OUT/_plan``, ``OUT/_done``, ``OUT/_failed``, the checkpoints
of files read in segments under ``OUT/_work/segments``, the submission in
``OUT/jobs/submission.json``), plus the scheduler's view of the submitted jobs when
its commands answer (squeue / qstat), and the last lines of each failed task's log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpusforge.executors.base import failure_dir, marker_dir
from corpusforge.phases.segments import CHECKPOINT_SUFFIX, segment_dir

RUNNING_STATES = {"RUNNING", "COMPLETING", "CONFIGURING", "r", "t", "Rr", "Rt", "R", "B"}


@dataclass
class StepStatus:
    step: str
    kind: str
    total: int | None  # None: not planned yet
    done: int = 0
    failed: list[str] = field(default_factory=list)
    running: int = 0
    job: dict[str, Any] | None = None
    segments: dict[str, int] = field(default_factory=dict)  # unfinished task -> segments checkpointed

    @property
    def pending(self) -> int:
        if self.total is None:
            return 0
        return max(0, self.total - self.done - len(self.failed) - self.running)


@dataclass
class RunStatus:
    output: Path
    steps: list[StepStatus] = field(default_factory=list)
    waiting_jobs: list[dict[str, Any]] = field(default_factory=list)  # submitted, not planned yet
    scheduler: str | None = None
    queue_reachable: bool = False
    failed_logs: dict[str, list[str]] = field(default_factory=dict)  # log path -> last lines

    @property
    def complete(self) -> bool:
        return bool(self.steps) and not self.waiting_jobs and all(
            s.total is not None and s.done == s.total for s in self.steps)

    def one_line(self) -> str:
        parts = [f"{s.step} {s.done}/{s.total}" + (f" ({len(s.failed)} failed)" if s.failed else "")
                 for s in self.steps]
        parts += [f"{j['phase']} {'+'.join(j['kinds'])} waiting" for j in self.waiting_jobs]
        return "progress: " + ", ".join(parts)

    def table(self, log_lines: int = 5) -> str:
        rows = [("step", "tasks", "done", "failed", "running", "pending", "job")]
        for s in self.steps:
            job = ",".join(s.job["ids"]) if s.job and s.job.get("ids") else ""
            rows.append((s.step, str(s.total), str(s.done), str(len(s.failed)), str(s.running), str(s.pending), job))
        for j in self.waiting_jobs:
            rows.append((f"{j['phase']} {'+'.join(j['kinds'])}", "?", "0", "0", "0", "(not planned yet)",
                         ",".join(j.get("ids") or [])))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.scheduler:
            note = "" if self.queue_reachable else " (not answering from here: running tasks counted as pending)"
            lines.append(f"\nscheduler: {self.scheduler}{note}")
        for s in self.steps:
            if s.segments:
                lines.append(f"{s.step}: {len(s.segments)} file(s) part done, {sum(s.segments.values())} segment(s) "
                             f"checkpointed (a re-run goes on from there)")
            for name in s.failed[:10]:
                first = (failure_dir(self.output, s.step) / name).read_text(encoding="utf-8").splitlines()[:1]
                lines.append(f"failed: {s.step}/{name}: {first[0] if first else ''}")
        for log, tail in self.failed_logs.items():
            lines.append(f"\n--- {log} (last {log_lines} lines)")
            lines += tail[-log_lines:]
        if self.complete:
            lines.append("\nevery task is done")
        return "\n".join(lines)


def run_status(output: str | Path, query_scheduler: bool = True) -> RunStatus:
    out = Path(output)
    st = RunStatus(out)
    plans = sorted((out / "_plan").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    sub = _load(out / "jobs" / "submission.json")
    jobs = (sub or {}).get("jobs", [])
    job_of_kind = {(j["phase"], k): j for j in jobs for k in j["kinds"]}
    kind_jobs = {k: j for j in jobs for k in j["kinds"]}
    seen_kinds = set()
    for plan_path in plans:
        plan = _load(plan_path) or {}
        step = plan_path.stem
        names = plan.get("tasks", [])
        done_dir = marker_dir(out, step)
        done = sum(1 for n in names if (done_dir / n).exists())
        failed = sorted(n for n in names if (failure_dir(out, step) / n).exists() and not (done_dir / n).exists())
        kind = plan.get("kind", step)
        seen_kinds.add(kind)
        segments = {n: c for n in names if not (done_dir / n).exists()
                    and (c := len(list(segment_dir(out, step, n).glob(f"*{CHECKPOINT_SUFFIX}"))))}
        st.steps.append(StepStatus(step, kind, len(names), done, failed, job=kind_jobs.get(kind), segments=segments))
    st.waiting_jobs = [j for j in jobs if not any(k in seen_kinds for k in j["kinds"])]
    if sub:
        st.scheduler = sub.get("scheduler")
        if query_scheduler and not sub.get("dry_run"):
            _add_queue(st, sub)
    _add_failed_logs(st, out, job_of_kind)
    return st


def _add_queue(st: RunStatus, sub: dict[str, Any]) -> None:
    from corpusforge.executors.pbs import PbsExecutor
    from corpusforge.executors.sge import SgeExecutor
    from corpusforge.executors.slurm import SlurmExecutor

    cls = {"slurm": SlurmExecutor, "sge": SgeExecutor, "pbs": PbsExecutor}.get(sub["scheduler"])
    if cls is None:
        return
    ids = [i for j in sub["jobs"] for i in j["ids"]]
    answer = cls().queue_states(ids)
    st.queue_reachable = answer is not None
    states = answer or {}
    for s in st.steps:
        if not s.job or s.total is None:
            continue
        running_ranks = set()
        for k, job_id in enumerate(s.job["ids"]):
            for index, state in states.get(job_id, {}).items():
                if state in RUNNING_STATES:
                    running_ranks.add(index + _offset(s.job, k))
        plan = _load(st.output / "_plan" / f"{s.step}.json") or {}
        width = max(1, int(s.job["width"]))
        s.running = sum(1 for i, n in enumerate(plan.get("tasks", [])) if i % width in running_ranks
                        and not (marker_dir(st.output, s.step) / n).exists() and n not in s.failed)


def _offset(job: dict[str, Any], chunk: int) -> int:
    """Rank offset of a submitted chunk (chunks cover ``ranks`` in order)."""
    offsets = job.get("offsets") or [0]
    return offsets[chunk] if chunk < len(offsets) else 0


def _add_failed_logs(st: RunStatus, out: Path, job_of_kind: dict[tuple[str, str], dict[str, Any]]) -> None:
    for s in st.steps:
        if not s.failed or not s.job:
            continue
        plan = _load(out / "_plan" / f"{s.step}.json") or {}
        index = {n: i for i, n in enumerate(plan.get("tasks", []))}
        width = max(1, int(s.job["width"]))
        for name in s.failed[:10]:
            log = out / s.job["logs"] / f"rank-{index.get(name, 0) % width}.log"
            if log.exists() and str(log) not in st.failed_logs:
                st.failed_logs[str(log)] = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
