"""Phases: the parts of a run (extract, dedup, apply, ...) as plans of tasks.

Writing a phase
---------------
A phase is a small class with a ``name`` and one generator method, ``steps(ctx)``. It
plans a step (a list of ``Task``s and the top-level function that runs one of them,
see ``corpusforge.executors.base``), yields it, and receives the step's ``StepResult``
(the JSON result of every task, in task order) once all its tasks are done. It may then
plan further steps from those results. Its ``return`` value is the phase's summary
(``Stats`` of the phase or a dict), kept in ``PhaseResult``::

    def count_rows(path: str) -> dict:          # a task: top-level, picklable, JSON result
        return {"rows": pl.scan_parquet(path).select(pl.len()).collect().item()}

    def write_total(out: str, rows: int) -> dict:
        Path(out, "rows.json").write_text(json.dumps({"rows": rows}))
        return {}

    class CountPhase(Phase):
        name = "count"
        kinds = ("count", "count_total")           # step kinds, in order
        jobs = (Job(("count",)), Job(("count_total",), array=False))

        def steps(self, ctx):
            files = sorted((ctx.output / "docs").glob("*.parquet"))
            tasks = [Task(f.stem, args=(str(f),), inputs=(str(f),)) for f in files]
            done = yield Step("count", tasks, count_rows)          # one task per file
            rows = sum(r["rows"] for r in done.results)
            yield Step("count_total", [Task("total", (str(ctx.output), rows))], write_total)
            return {"rows": rows}

The layer does the rest, once for every phase: it skips finished tasks (markers under
``OUT/_done/<step>/``), records failures (``OUT/_failed/<step>/``), shards tasks over a
process pool or the ranks of an array job, puts a barrier between steps, shows progress,
and submits the steps to Slurm, Grid Engine or PBS (one array job per step ``kind``, in
order, each after the one before succeeded). Task functions report progress counters
with ``corpusforge.executors.base.report(records=..)``.

For batch schedulers a phase lists its ``jobs``: consecutive step kinds that go into
one array job; ``Job(("cc", "final"), array=False)`` runs as a single task with a local
pool (use this where the number of steps is only known at run time). The default is one
array job per step kind, named as in ``kinds``. The ranks of an array job do not wait
for each other: the code after the yield of a job's last step runs in the next job, so
work that must see every result (merging stats, a summary) goes in a final one-task
step (``Job((kind,), array=False)``), as ``DocumentsPhase`` and ``DedupPhase`` do.

``steps`` is replayed by every batch job and by ``corpusforge status`` / resubmission
(finished steps return their stored results without running): keep its planning cheap,
deterministic and free of side effects other than creating folders.

Add the phase to ``PHASES`` in ``corpusforge/run.py`` (a name and a factory building the
phase from the ``Run``, in run order); ``corpusforge run --phases``, the batch executors
and ``corpusforge status`` pick it up from there. ``applies(ctx)`` may return why the
phase has nothing to do in this run (printed, the phase is skipped).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generator

from corpusforge.executors.base import Executor, Step, StepResult, marker_dir, read_marker
from corpusforge.stats import Stats


@dataclass(frozen=True)
class Job:
    """Step kinds submitted as one batch job; ``array=False``: one task with a local pool."""

    kinds: tuple[str, ...]
    array: bool = True


@dataclass
class PhaseContext:
    """What a phase sees while it plans: the output folder, the executor, run settings."""

    output: Path
    executor: Executor
    config: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    progress: bool = True

    @property
    def rank(self) -> int | None:
        return self.executor.rank

    @property
    def world_size(self) -> int:
        return self.executor.world_size

    @property
    def workers(self) -> int:
        return self.executor.workers


PhaseSteps = Generator[Step, StepResult, "Stats | dict[str, Any] | None"]


class Phase:
    """A part of a run; subclasses set ``name`` and ``kinds`` and write ``steps``."""

    name: str = ""
    kinds: tuple[str, ...] = ()  # step kinds in order (batch jobs; status)
    jobs: tuple[Job, ...] = ()  # default: one array job per kind

    def batch_jobs(self) -> tuple[Job, ...]:
        return self.jobs or tuple(Job((k,)) for k in (self.kinds or (self.name,)))

    def applies(self, ctx: PhaseContext) -> str | None:
        """None when the phase has work in this run, else why it is skipped (printed)."""
        return None

    def steps(self, ctx: PhaseContext) -> PhaseSteps:
        raise NotImplementedError


@dataclass
class PhaseResult:
    """Merged outcome of a phase's steps."""

    phase: str
    steps: list[StepResult] = field(default_factory=list)
    summary: Any = None
    seconds: float = 0.0
    skipped_reason: str | None = None

    @property
    def failed(self) -> list[tuple[str, str]]:
        return [f for s in self.steps for f in s.failed]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def done_now(self) -> int:
        return sum(s.done_now for s in self.steps)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.steps)


class SegmentDone(Exception):
    """A batch job reached a step kind that belongs to a later job (``result``: of the
    job's last step, when it ran just before)."""

    def __init__(self, kind: str, result: StepResult | None = None) -> None:
        super().__init__(kind)
        self.result = result


class SegmentExecutor(Executor):
    """Runs only the steps of some kinds (one batch job); earlier kinds must be finished."""

    def __init__(self, inner: Executor, phase: Phase, job: Job) -> None:
        self.inner = inner
        self.job = job
        order = [k for j in phase.batch_jobs() for k in j.kinds]
        self.after = set(order[max(order.index(k) for k in job.kinds) + 1:])
        self.rank, self.world_size, self.workers = inner.rank, inner.world_size, inner.workers

    def run_step(self, out: Path, step: Step, progress: bool = True) -> StepResult:
        if step.kind in self.job.kinds:
            res = self.inner.run_step(out, step, progress)
            if self.job.array and step.kind == self.job.kinds[-1]:
                raise SegmentDone(step.kind, res)  # the other ranks' results are for the next job
            return res
        if step.kind in self.after:
            raise SegmentDone(step.kind)
        results = [read_marker(out, step, t) for t in step.tasks]
        missing = [t.name for t, r in zip(step.tasks, results) if r is None]
        if missing:
            raise RuntimeError(f"{step.label}: {len(missing)} task(s) of an earlier job are not finished "
                               f"(first: {marker_dir(out, step.name) / missing[0]}); run `corpusforge status`")
        return StepResult(step.name, results, skipped=len(results))

    def wait_for(self, paths: list[Path], what: str) -> None:
        self.inner.wait_for(paths, what)

    def close(self) -> None:
        self.inner.close()


def run_phase(phase: Phase, ctx: PhaseContext) -> PhaseResult:
    """Drive a phase's steps through ``ctx.executor``."""
    t0 = time.perf_counter()
    result = PhaseResult(phase.name)
    gen = phase.steps(ctx)
    try:
        step = next(gen)
        while True:
            sr = ctx.executor.run_step(ctx.output, step, ctx.progress)
            result.steps.append(sr)
            step = gen.send(sr)
    except StopIteration as stop:
        result.summary = stop.value
    except SegmentDone as done:
        if done.result is not None:
            result.steps.append(done.result)
        gen.close()
    result.seconds = time.perf_counter() - t0
    return result
