"""The one task layer: steps of tasks, their markers and failures, and the executors.

A **task** is the unit of work and of resume: it has a name (unique in its step), the
arguments of its function, and the inputs and outputs it reads and writes. When its
function returns, the layer writes its completion marker ``OUT/_done/<step>/<task>``
(the task's JSON result, stamped with the step's fingerprint); a task whose marker
exists with the same fingerprint is skipped. A task that raises leaves
``OUT/_failed/<step>/<task>`` (the error and traceback) instead, which ``corpusforge
status`` shows and the next successful run removes.

A **step** is a set of independent tasks: every task of a step finishes before the
phase plans its next step (local mode: the pool drains; array mode: each rank waits at
a barrier of markers; batch schedulers: an ``afterok`` dependency between jobs).

An **executor** runs the tasks of a step: ``LocalExecutor`` in a process pool on this
machine, ``ArrayExecutor`` only the share ``task index % world_size == rank`` (one copy
per scheduler array index). ``SlurmExecutor``, ``SgeExecutor`` and ``PbsExecutor`` submit
array jobs whose tasks run ``ArrayExecutor`` (``corpusforge.executors.batch``).
"""

from __future__ import annotations

import json
import os
import queue as queue_mod
import sys
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from corpusforge.io.atomic import atomic_write_text

PROGRESS_EVERY_S = 0.5


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)`` of its step; ``inputs``/``outputs`` say what it touches."""

    name: str
    args: tuple = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    stamp: str = ""  # a marker written under another stamp is redone (e.g. a digest of what the task merges)


@dataclass
class Step:
    """Independent tasks of one function. ``name`` is the marker folder (``OUT/_done/<name>``);
    ``kind`` groups steps into one batch job (dedup's components rounds share a kind)."""

    name: str
    tasks: list[Task]
    fn: Callable[..., dict[str, Any]]
    kind: str = ""
    fingerprint: str = ""
    unit: str = "task"
    wait: bool = True  # the phase reads every task's result before going on
    keep_going: bool = False  # a failed task is recorded and the others run; else the first error raises
    label: str = ""  # progress bar title

    def __post_init__(self) -> None:
        self.kind = self.kind or self.name
        self.label = self.label or self.name.replace("_", " ")


@dataclass
class StepResult:
    """What running a step did; ``results`` in task order (None for a task not finished)."""

    step: str
    results: list[dict[str, Any] | None]
    done_now: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (task name, message)

    @property
    def ok(self) -> bool:
        return not self.failed


# --------------------------------------------------------------------------------------
# markers and failure records


def marker_dir(out: Path, step: str) -> Path:
    return out / "_done" / step


def failure_dir(out: Path, step: str) -> Path:
    return out / "_failed" / step


def stored_marker(out: Path, step: str, task: str) -> dict[str, Any] | None:
    """The raw marker of a task (``fingerprint``, ``stamp``, ``result``), or None."""
    try:
        data = json.loads((marker_dir(out, step) / task).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def read_marker(out: Path, step: Step, task: Task) -> dict[str, Any] | None:
    """The stored result of a finished task; None when it is not finished, or finished
    under another step fingerprint or task stamp."""
    data = stored_marker(out, step.name, task.name)
    if data is None or data.get("fingerprint", "") != step.fingerprint or data.get("stamp", "") != task.stamp:
        return None
    return data.get("result") or {}


def run_task(out: str, step: str, fingerprint: str, fn: Callable[..., dict[str, Any]], task: Task) -> dict[str, Any]:
    """Run one task and write its marker (or its failure record, then re-raise)."""
    o = Path(out)
    fail = failure_dir(o, step) / task.name
    try:
        result = fn(*task.args) or {}
    except BaseException as e:
        if isinstance(e, Exception):
            atomic_write_text(fail, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        raise
    atomic_write_text(marker_dir(o, step) / task.name,
                      json.dumps({"fingerprint": fingerprint, "stamp": task.stamp, "result": result}, sort_keys=True))
    fail.unlink(missing_ok=True)
    return result


def record_plan(out: Path, step: Step) -> None:
    """``OUT/_plan/<step>.json``: the task names, so ``status`` can count what is missing."""
    path = out / "_plan" / f"{step.name}.json"
    text = json.dumps({"kind": step.kind, "tasks": [t.name for t in step.tasks]})
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except FileNotFoundError:
        pass
    atomic_write_text(path, text)


# --------------------------------------------------------------------------------------
# progress: tasks report counters (records, kept, ...) to the bar of the step


_sink: Any = None


def report(**counts: int) -> None:
    """Add to the running step's progress counters (no-op outside a progress bar)."""
    if _sink is not None:
        _sink.put(counts)


def set_progress_sink(q: Any) -> None:
    """Where ``report`` sends counters in this process (anything with ``put(counts)``; None: nowhere)."""
    global _sink
    _sink = q


class _Bar:
    def __init__(self, step: Step, total: int, initial: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, initial=initial, unit=step.unit, desc=step.label, dynamic_ncols=True,
                        mininterval=0.5, file=sys.stderr)
        self.counts: dict[str, int] = {}

    def put(self, counts: dict[str, int]) -> None:
        for k, v in counts.items():
            self.counts[k] = self.counts.get(k, 0) + int(v)
        self.bar.set_postfix(self.counts, refresh=False)

    def drain(self, q: Any) -> None:
        if q is None:
            return
        while True:
            try:
                self.put(q.get_nowait())
            except (queue_mod.Empty, EOFError, OSError):
                break

    def close(self) -> None:
        self.bar.close()


# --------------------------------------------------------------------------------------
# executors


class Executor:
    """Runs the tasks of a step; ``rank`` is None when this process sees the whole step."""

    rank: int | None = None
    world_size: int = 1
    workers: int = 1

    def run_step(self, out: Path, step: Step, progress: bool = True) -> StepResult:
        raise NotImplementedError

    def wait_for(self, paths: list[Path], what: str) -> None:
        """Block until every path exists (array mode: other ranks' work)."""

    def close(self) -> None:
        """Release pools."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _todo(self, out: Path, step: Step, indices: list[int]) -> tuple[list[int], int]:
        todo = [i for i in indices if read_marker(out, step, step.tasks[i]) is None]
        return todo, len(indices) - len(todo)

    def _collect(self, out: Path, step: Step, res: StepResult) -> None:
        res.results = [read_marker(out, step, t) for t in step.tasks]


def _message(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


class LocalExecutor(Executor):
    """Every task on this machine, in a pool of ``workers`` processes (in this process for 1)."""

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._manager: Any = None
        self._queue: Any = None

    def _get_pool(self, progress: bool) -> ProcessPoolExecutor:
        if self._pool is None:
            if progress:
                import multiprocessing as mp

                self._manager = mp.Manager()
                self._queue = self._manager.Queue()
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=set_progress_sink,
                                             initargs=(self._queue,))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._manager is not None:
            self._manager.shutdown()
            self._manager = None
            self._queue = None

    def run_step(self, out: Path, step: Step, progress: bool = True) -> StepResult:
        record_plan(out, step)
        todo, skipped = self._todo(out, step, list(range(len(step.tasks))))
        res = StepResult(step.name, [], skipped=skipped)
        self._run_indices(out, step, todo, res, _Bar(step, len(step.tasks), skipped) if progress
                          and len(step.tasks) > 1 else None)
        self._collect(out, step, res)
        return res

    def _run_indices(self, out: Path, step: Step, todo: list[int], res: StepResult, bar: _Bar | None) -> None:
        global _sink
        try:
            if self.workers > 1 and len(todo) > 1:
                self._run_pool(out, step, todo, res, bar)
            else:
                saved, _sink = _sink, bar
                try:
                    for i in todo:
                        self._one(out, step, i, res, bar)
                finally:
                    _sink = saved
        finally:
            if bar is not None:
                bar.close()

    def _one(self, out: Path, step: Step, i: int, res: StepResult, bar: _Bar | None) -> None:
        try:
            run_task(str(out), step.name, step.fingerprint, step.fn, step.tasks[i])
            res.done_now += 1
        except Exception as e:  # noqa: BLE001  (recorded; keep_going decides)
            self._failed(step, i, e, res)
        if bar is not None:
            bar.bar.update(1)

    def _failed(self, step: Step, i: int, e: BaseException, res: StepResult) -> None:
        if not step.keep_going:
            raise e
        res.failed.append((step.tasks[i].name, _message(e)))
        sys.stderr.write(f"corpusforge: {step.label} failed on {step.tasks[i].name}: {_message(e)}\n")
        if os.environ.get("CORPUSFORGE_DEBUG"):
            traceback.print_exception(e)

    def _run_pool(self, out: Path, step: Step, todo: list[int], res: StepResult, bar: _Bar | None) -> None:
        pool = self._get_pool(bar is not None)
        futures: dict[Future, int] = {
            pool.submit(run_task, str(out), step.name, step.fingerprint, step.fn, step.tasks[i]): i for i in todo}
        pending = set(futures)
        try:
            while pending:
                if bar is not None:
                    bar.drain(self._queue)
                finished = {f for f in pending if f.done()}
                for f in sorted(finished, key=futures.__getitem__):
                    try:
                        f.result()
                        res.done_now += 1
                    except Exception as e:  # noqa: BLE001  (a task's error or a crashed worker)
                        self._failed(step, futures[f], e, res)
                    if bar is not None:
                        bar.bar.update(1)
                pending -= finished
                if pending:
                    time.sleep(0.05)
            if bar is not None:
                bar.drain(self._queue)
        except BaseException:
            for f in pending:
                f.cancel()
            raise


class ArrayExecutor(LocalExecutor):
    """One task of a scheduler array: the tasks ``index % world_size == rank`` of each step
    (in this process), then, when the phase needs every result, a wait for the other ranks."""

    def __init__(self, rank: int, world_size: int, workers: int = 1, barrier_timeout_s: float = 7 * 86400.0,
                 barrier: bool = True) -> None:
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside [0, {world_size})")
        super().__init__(workers)
        self.rank = rank
        self.world_size = world_size
        self.barrier_timeout_s = barrier_timeout_s
        self.barrier = barrier

    def run_step(self, out: Path, step: Step, progress: bool = True) -> StepResult:
        record_plan(out, step)
        mine = [i for i in range(len(step.tasks)) if i % self.world_size == self.rank]
        todo, skipped = self._todo(out, step, mine)
        res = StepResult(step.name, [], skipped=skipped)
        self._run_indices(out, step, todo, res, _Bar(step, len(mine), skipped) if progress and len(mine) > 1
                          else None)
        if step.wait and self.barrier:
            self.wait_for_step(out, step)
        self._collect(out, step, res)
        return res

    def wait_for_step(self, out: Path, step: Step) -> None:
        """Block until every task of ``step`` has its marker (the barrier between steps)."""
        self._poll(list(step.tasks), lambda t: read_marker(out, step, t) is not None, step.label)

    def wait_for(self, paths: list[Path], what: str) -> None:
        self._poll(list(paths), Path.exists, what)

    def _poll(self, missing: list[Any], done: Callable[[Any], bool], what: str) -> None:
        """Wait, with a growing pause, until ``done`` holds for every item; a timeout names the first missing."""
        deadline = time.monotonic() + self.barrier_timeout_s
        pause = 0.05
        while True:
            missing = [m for m in missing if not done(m)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: {len(missing)} task(s) of other ranks did not finish within "
                                   f"{self.barrier_timeout_s:.0f}s (first: {missing[0].name})")
            time.sleep(pause)
            pause = min(2.0, pause * 1.5)


def executor_for(workers: int = 1, rank: int | None = None, world_size: int | None = None,
                 barrier_timeout_s: float = 7 * 86400.0) -> Executor:
    """A local pool (``rank`` None) or one task of an array job (``rank`` of ``world_size``)."""
    if rank is not None:
        if world_size is None:
            raise ValueError("array mode needs a world size")
        return ArrayExecutor(rank, world_size, max(1, workers), barrier_timeout_s)
    return LocalExecutor(max(1, workers))
