"""Batch schedulers: a whole run submitted as array jobs chained by dependencies.

Every phase of the run becomes one array job per ``Job`` of the phase (extract: one;
dedup: manifest, buckets, pairs, components, drop; apply: one), each held until the one
before succeeded. Array task ``rank`` runs ``corpusforge worker``, which runs the
tasks ``index % width == rank`` of the job's steps (``ArrayExecutor``) and writes its
output to ``OUT/logs/<phase>-<job>/rank-<rank>.log``. Job scripts go to ``OUT/jobs/``
and the submission (job ids, widths) to ``OUT/jobs/submission.json``.

Before a worker starts, it checks that every earlier job of the run has finished all
its tasks (markers), so a dependant never runs on a partial result, whatever the
scheduler's dependency semantics (Grid Engine's ``-hold_jid`` waits for completion,
not success). A resubmission of a partly finished run skips finished jobs and submits
only the ranks that still have unfinished tasks in the first unfinished job.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpusforge.cli import CliError
from corpusforge.executors.base import Executor, Step, StepResult, read_marker, record_plan
from corpusforge.io.atomic import atomic_write_text
from corpusforge.phases import Job, Phase, PhaseContext, SegmentExecutor, run_phase

if TYPE_CHECKING:
    from corpusforge.run import Run

SCHEDULERS = ("slurm", "sge", "pbs")
DEFAULT_DEDUP_WIDTH = 64


def add_batch_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("batch schedulers (--executor slurm / sge / pbs)")
    g.add_argument("--executor", choices=("local",) + SCHEDULERS, default="local",
                   help="local: run here (default); slurm / sge / pbs: submit every phase as array jobs")
    g.add_argument("--tasks", type=int, metavar="N", help="array tasks per job (default: one per input file for "
                   f"document phases, min(files, {DEFAULT_DEDUP_WIDTH}) for dedup steps)")
    g.add_argument("--partition", "--queue", dest="partition", help="Slurm partition / SGE or PBS queue")
    g.add_argument("--time", help="wall-time limit per task (HH:MM:SS)")
    g.add_argument("--cpus-per-task", type=int, default=1, help="cores per task (its worker processes unless "
                   "--workers says otherwise)")
    g.add_argument("--mem", help="memory per task (Slurm --mem, e.g. 8G; SGE h_vmem; PBS mem)")
    g.add_argument("--account", help="account / project (Slurm --account, SGE -P, PBS -P)")
    g.add_argument("--qos", help="Slurm QOS")
    g.add_argument("--array-parallel", type=int, metavar="K", help="at most K tasks of an array at once")
    g.add_argument("--sbatch-arg", "--qsub-arg", dest="scheduler_args", action="append", default=[], metavar="ARG",
                   help="extra submit options (split like a shell line), e.g. --sbatch-arg=--constraint=cpu or "
                        "--qsub-arg='-g tga-XXX'; may repeat")
    g.add_argument("--directive", action="append", default=[], metavar="LINE",
                   help="extra line for the job scripts' header, e.g. '#$ -l cpu_4=1' (TSUBAME); may repeat")
    g.add_argument("--setup", action="append", default=[], metavar="CMD",
                   help="shell line run before the task, e.g. 'module load python/3.11'; may repeat")
    g.add_argument("--dry-run", action="store_true", help="write the job scripts to OUT/jobs/ without submitting")
    g.add_argument("--wait", action="store_true", help="stay until the jobs are done, showing progress")


def batch_executor(args: argparse.Namespace) -> "BatchExecutor":
    from corpusforge.executors.pbs import PbsExecutor
    from corpusforge.executors.sge import SgeExecutor
    from corpusforge.executors.slurm import SlurmExecutor

    cls = {"slurm": SlurmExecutor, "sge": SgeExecutor, "pbs": PbsExecutor}[args.executor]
    if args.cpus_per_task < 1 or (args.tasks is not None and args.tasks < 1):
        raise CliError("--cpus-per-task and --tasks must be at least 1")
    return cls(partition=args.partition, time=args.time, cpus_per_task=args.cpus_per_task, mem=args.mem,
               account=args.account, qos=args.qos, array_parallel=args.array_parallel, tasks=args.tasks,
               extra_args=[a for arg in args.scheduler_args for a in shlex.split(arg)],
               directives=list(args.directive), setup=list(args.setup),
               dry_run=args.dry_run, wait=args.wait, workers=args.workers if args.workers > 1 else None)


class SubmitError(CliError):
    """The scheduler refused a submission (its message included)."""


@dataclass
class SubmittedJob:
    phase: str
    job: int
    kinds: tuple[str, ...]
    width: int
    ranks: list[int]
    script: str
    ids: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # rank offset of each submitted chunk

    @property
    def log_dir(self) -> str:
        return f"{self.phase}-{self.job}"


@dataclass
class Submission:
    scheduler: str
    jobs: list[SubmittedJob] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)  # "phase-job" already complete
    dry_run: bool = False
    waited_ok: bool | None = None

    @property
    def ok(self) -> bool:
        return self.waited_ok is not False

    def to_dict(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler, "dry_run": self.dry_run, "finished": self.finished,
                "jobs": [{"phase": j.phase, "job": j.job, "kinds": list(j.kinds), "width": j.width, "ranks": j.ranks,
                          "script": j.script, "ids": j.ids, "offsets": j.offsets, "logs": f"logs/{j.log_dir}"}
                         for j in self.jobs]}


# --------------------------------------------------------------------------------------
# probing markers: which jobs of a run are finished, which ranks still have work


class NotReady(Exception):
    def __init__(self, step: Step, results: list[dict[str, Any] | None]) -> None:
        super().__init__(step.name)
        self.step = step
        self.results = results


class ProbeExecutor(Executor):
    """Runs nothing: returns a step's results from markers, or stops at the first unfinished step."""

    def __init__(self, world_size: int) -> None:
        self.rank = 0
        self.world_size = world_size

    def run_step(self, out: Path, step: Step, progress: bool = True) -> StepResult:
        record_plan(out, step)
        results = [read_marker(out, step, t) for t in step.tasks]
        if any(r is None for r in results):
            raise NotReady(step, results)
        return StepResult(step.name, results, skipped=len(results))


@dataclass
class JobState:
    """A job of a run as the markers say: finished, or the ranks of ``width`` with work left
    (None: its steps cannot be planned yet, every rank has work)."""

    finished: bool
    pending_ranks: list[int] | None = None
    reason: str = ""


def probe_job(run: "Run", phase: Phase, job: Job, width: int) -> JobState:
    """Whether ``job`` of ``phase`` is finished, from the markers."""
    ctx = PhaseContext(run.output.resolve(), ProbeExecutor(width), run.config, run.inputs, progress=False)
    try:
        reason = phase.applies(ctx)
        if reason:
            return JobState(True, [], reason)
        ctx.executor = SegmentExecutor(ctx.executor, phase, job)
        run_phase(phase, ctx)
        return JobState(True, [])
    except NotReady as e:
        if e.step.kind not in job.kinds:
            return JobState(False, None, f"{e.step.label} not finished")
        ranks = sorted({i % width for i, r in enumerate(e.results) if r is None})
        return JobState(False, ranks, f"{e.step.label}: {sum(r is None for r in e.results)} task(s) left")
    except Exception as e:  # noqa: BLE001  (not plannable yet: an earlier job has not run)
        return JobState(False, None, f"{type(e).__name__}: {e}")


def job_width(run: "Run", phase: Phase, job: Job, tasks: int | None) -> int:
    if not job.array:
        return 1
    files = max(1, len(run.inputs))
    if phase.name in ("dedup",):
        return max(1, run.dedup_width or min(files, DEFAULT_DEDUP_WIDTH))
    return max(1, min(files, tasks or files))


def check_earlier_jobs(run: "Run", phase_name: str, job_index: int, tasks: int | None) -> None:
    """Raise when a job before (phase, job) has unfinished tasks (the guard of every worker)."""
    for name in run.phase_names:
        phase = run.phase(name)
        for j, job in enumerate(phase.batch_jobs()):
            if name == phase_name and j == job_index:
                return
            state = probe_job(run, phase, job, job_width(run, phase, job, tasks))
            if not state.finished:
                raise RuntimeError(f"an earlier job ({name} {'+'.join(job.kinds)}) is not finished: "
                                   f"{state.reason}; see `corpusforge status {run.output}`, then resubmit")


# --------------------------------------------------------------------------------------
# the executor


class BatchExecutor(Executor):
    """Writes job scripts and submits them; subclasses know one scheduler's commands."""

    scheduler = ""
    suffix = ".sh"
    id_filter = "cat"  # shell filter from the submit command's output to the job id

    def __init__(self, partition: str | None = None, time: str | None = None, cpus_per_task: int = 1,
                 mem: str | None = None, account: str | None = None, qos: str | None = None,
                 array_parallel: int | None = None, tasks: int | None = None, extra_args: list[str] | None = None,
                 directives: list[str] | None = None, setup: list[str] | None = None, dry_run: bool = False,
                 wait: bool = False, workers: int | None = None, python: str = sys.executable) -> None:
        self.partition, self.time, self.cpus_per_task, self.mem = partition, time, cpus_per_task, mem
        self.account, self.qos, self.array_parallel, self.tasks = account, qos, array_parallel, tasks
        self.extra_args = extra_args or []
        self.directives = directives or []
        self.setup = setup or []
        self.dry_run, self.wait, self.python = dry_run, wait, python
        self.task_workers = workers or cpus_per_task  # processes per array task

    # scheduler specifics -------------------------------------------------------------

    def header(self, name: str, width: int, log: Path) -> list[str]:
        raise NotImplementedError

    def index_expr(self) -> str:
        """Shell expression of the array index, counted from 0."""
        raise NotImplementedError

    def submit_command(self, script: Path, indices: str, offset: int, after: list[str]) -> list[str]:
        """The submit command of one array chunk (``indices``: the scheduler's index list)."""
        raise NotImplementedError

    def parse_id(self, stdout: str) -> str:
        return stdout.strip().splitlines()[-1].strip()

    max_index: int | None = None  # largest array index the scheduler accepts
    contiguous = False  # index lists must be one range (Grid Engine, PBS)
    first_index = 0

    def chunks(self, ranks: list[int]) -> list[tuple[int, str]]:
        """(rank offset, index list) per submission: ranks split where the index limit or a gap needs it."""
        limit = self.max_index if self.max_index is not None else 1 << 62
        out: list[tuple[int, str]] = []
        group: list[int] = []
        for r in sorted(ranks):
            if group and (r - group[0] + self.first_index > limit or (self.contiguous and r != group[-1] + 1)):
                out.append(self._chunk(group))
                group = []
            group.append(r)
        if group:
            out.append(self._chunk(group))
        return out

    def _chunk(self, group: list[int]) -> tuple[int, str]:
        offset = group[0]
        return offset, compress_ranges([r - offset + self.first_index for r in group])

    def submit_array(self, script: Path, ranks: list[int], after: list[str]) -> list[str]:
        """Submit ``script`` for ``ranks`` after jobs ``after`` succeed; returns the job ids."""
        ids = []
        for offset, indices in self.chunks(ranks):
            ids.append(self.parse_id(run_command(self.submit_command(script, indices, offset, after), self.scheduler)))
        return ids

    def queue_states(self, ids: list[str]) -> dict[str, dict[int, str]] | None:
        """Per job id, per array index: the scheduler's state; None when the scheduler does not answer."""
        return None

    def notice(self) -> str:
        return ""

    # common ---------------------------------------------------------------------------

    def script(self, run: "Run", phase: Phase, j: int, job: Job, width: int) -> Path:
        out = run.output.resolve()
        name = f"{phase.name}-{j}"
        path = out / "jobs" / f"{name}-{'+'.join(job.kinds)}.{self.scheduler}{self.suffix}"
        log_dir = out / "logs" / name
        workers = self.task_workers
        cmd = [self.python, "-m", "corpusforge", "worker", str(out / "jobs" / "run.json"), "--phase", phase.name,
               "--job", str(j), "--rank", "$RANK", "--world-size", str(width), "--workers", str(workers)]
        if self.tasks:
            cmd += ["--tasks", str(self.tasks)]
        lines = ["#!/bin/bash", *self.header(f"cf-{name}", width, out / "logs" / self.scheduler), *self.directives,
                 "# corpusforge: one array task = one rank of this job (see OUT/jobs/submission.json)",
                 "set -u",
                 f"RANK=$(( {self.index_expr()} + ${{CF_RANK_OFFSET:-0}} ))",
                 f"mkdir -p {shlex.quote(str(log_dir))}",
                 f"exec >>{shlex.quote(str(log_dir))}/rank-$RANK.log 2>&1",
                 'echo "== corpusforge rank $RANK on $(hostname) at $(date -u +%FT%TZ)"',
                 *self.setup,
                 f"cd {shlex.quote(os.getcwd())}",
                 " ".join(c if c == "$RANK" else shlex.quote(c) for c in cmd).replace("'$RANK'", "$RANK"),
                 ""]
        atomic_write_text(path, "\n".join(lines))
        path.chmod(0o755)
        return path

    def submit(self, run: "Run", echo: bool = True) -> Submission:
        out = run.output.resolve()
        (out / "logs").mkdir(parents=True, exist_ok=True)
        if run.dedup_width is None:  # the dedup arrays' width also sizes its partitions
            run.dedup_width = self.tasks or min(max(1, len(run.inputs)), DEFAULT_DEDUP_WIDTH)
        atomic_write_text(out / "jobs" / "run.json", json.dumps(run.spec(), indent=1))
        sub = Submission(self.scheduler, dry_run=self.dry_run)
        after: list[str] = []
        dry_lines = ["#!/bin/bash", "# corpusforge --dry-run: the submissions of this run, in order", "set -e"]
        blocked = False  # an earlier job is submitted now: later ones cannot be probed
        for name in run.phase_names:
            phase = run.phase(name)
            for j, job in enumerate(phase.batch_jobs()):
                width = job_width(run, phase, job, self.tasks)
                ranks = list(range(width))
                if not blocked:
                    state = probe_job(run, phase, job, width)
                    if state.finished:
                        sub.finished.append(f"{name}-{j}")
                        continue
                    if state.pending_ranks is not None:
                        ranks = state.pending_ranks
                script = self.script(run, phase, j, job, width)
                sj = SubmittedJob(name, j, job.kinds, width, ranks, str(script.relative_to(out)),
                                  offsets=[off for off, _ in self.chunks(ranks)])
                if self.dry_run:
                    for k, (off, ix) in enumerate(self.chunks(ranks)):
                        var = f"J{len(sub.jobs)}_{k}"
                        cmd = " ".join(_quote(c) for c in self.submit_command(script, ix, off, after))
                        what = f"{name} {'+'.join(job.kinds)}"
                        dry_lines.append(f"{var}=$({cmd} | {self.id_filter}); echo \"{what}: ${var}\"")
                        sj.ids.append(f"${var}")
                else:
                    sj.ids = self.submit_array(script, ranks, after)
                after = sj.ids
                sub.jobs.append(sj)
                blocked = True
        atomic_write_text(out / "jobs" / "submission.json", json.dumps(sub.to_dict(), indent=1))
        if self.dry_run:
            atomic_write_text(out / "jobs" / f"submit-{self.scheduler}.sh", "\n".join(dry_lines) + "\n")
        _echo(echo, self.describe(sub, out))
        if self.wait and not self.dry_run and sub.jobs:
            sub.waited_ok = self.wait_for_jobs(run, sub, echo)
        return sub

    def describe(self, sub: Submission, out: Path) -> str:
        lines = []
        if sub.finished:
            lines.append(f"already finished: {', '.join(sub.finished)}")
        verb = "written (dry run, nothing submitted)" if sub.dry_run else "submitted"
        for j in sub.jobs:
            part = "" if len(j.ranks) == j.width else f" ({len(j.ranks)} unfinished of {j.width})"
            ids = f" job {', '.join(j.ids)}" if j.ids else ""
            lines.append(f"{j.phase} {'+'.join(j.kinds)}: {len(j.ranks)} task(s){part}{ids}  {j.script}")
        if not sub.jobs:
            lines.append("nothing to submit: every task of the run is finished")
        else:
            lines.append(f"{len(sub.jobs)} job(s) {verb}; logs in {out / 'logs'}; "
                         f"`corpusforge status {out}` shows progress")
            if self.notice() and not sub.dry_run:
                lines.append(self.notice())
        return "\n".join(lines)

    def wait_for_jobs(self, run: "Run", sub: Submission, echo: bool, poll_s: float = 2.0) -> bool:
        """Poll until no job of the submission is queued or running; True when all finished."""
        from corpusforge.status import run_status

        ids = [i for j in sub.jobs for i in j.ids]
        last = ""
        while True:
            states = self.queue_states(ids)
            st = run_status(run.output, query_scheduler=False)
            if states is None:  # the scheduler does not answer: go by the markers
                active = not st.complete and not any(s.failed for s in st.steps)
            else:
                active = any(s in ACTIVE_STATES for per in states.values() for s in per.values())
            line = st.one_line()
            if line != last:
                _echo(echo, line)
                last = line
            if not active:
                time.sleep(0.5)  # markers written at the very end of the last task
                st = run_status(run.output)
                _echo(echo, st.table())
                return st.complete
            time.sleep(poll_s)


ACTIVE_STATES = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED",
                 "qw", "hqw", "r", "t", "Rr", "Rt", "hr", "Q", "R", "H", "W", "B", "E"}


def _echo(echo: bool, text: str) -> None:
    if echo and text:
        print(text, flush=True)


def run_command(cmd: list[str], what: str) -> str:
    """Run a scheduler command; its stdout, or a SubmitError with its stderr."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise SubmitError(f"{cmd[0]} not found: is this a {what} login node?") from None
    if r.returncode != 0:
        raise SubmitError(f"{' '.join(shlex.quote(c) for c in cmd)} failed: {(r.stderr or r.stdout).strip()}")
    return r.stdout


def _quote(arg: str) -> str:
    """Shell-quote, leaving ``$J..`` job-id variables of a dry-run script expandable."""
    if "$J" in arg:
        return '"' + arg.replace('"', '\\"') + '"'
    return shlex.quote(arg)


def compress_ranges(values: list[int]) -> str:
    """[0,1,2,5,7,8] -> '0-2,5,7-8' (array index lists)."""
    parts = []
    start = prev = None
    for v in sorted(values):
        if start is None:
            start = prev = v
        elif v == prev + 1:
            prev = v
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = v
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ",".join(parts)
