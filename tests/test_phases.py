"""The task layer with a phase written as the ``corpusforge.phases`` docstring shows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from corpusforge.executors.base import ArrayExecutor, LocalExecutor, Step, Task
from corpusforge.executors.batch import NotReady, ProbeExecutor
from corpusforge.phases import Job, Phase, PhaseContext, SegmentExecutor, run_phase


def count_lines(path: str) -> dict:
    if os.environ.get("CF_TEST_FAIL") == Path(path).name:
        raise ValueError(f"bad input {path}")
    with open(path, encoding="utf-8") as f:
        return {"lines": sum(1 for _ in f)}


def write_total(out: str, lines: int) -> dict:
    Path(out, "total.json").write_text(json.dumps({"lines": lines}))
    return {}


class CountPhase(Phase):
    name = "count"
    kinds = ("count", "count_total")
    jobs = (Job(("count",)), Job(("count_total",), array=False))

    def __init__(self, inputs: list[str]) -> None:
        self.inputs = inputs

    def steps(self, ctx):  # type: ignore[no-untyped-def]
        tasks = [Task(Path(p).stem, (p,), inputs=(p,)) for p in self.inputs]
        done = yield Step("count", tasks, count_lines, keep_going=True)
        lines = sum(r["lines"] for r in done.results if r)
        yield Step("count_total", [Task("total", (str(ctx.output), lines), stamp=str(lines))], write_total)
        return {"lines": lines}


@pytest.fixture()
def inputs(tmp_path: Path) -> list[str]:
    paths = []
    for i in range(5):
        p = tmp_path / "in" / f"f{i}.txt"
        p.parent.mkdir(exist_ok=True)
        p.write_text("x\n" * (i + 1))
        paths.append(str(p))
    return paths


def test_local_pool_markers_failures_and_resume(inputs: list[str], tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("CF_TEST_FAIL", "f3.txt")
    with LocalExecutor(2) as ex:
        res = run_phase(CountPhase(inputs), PhaseContext(out, ex, progress=False))
    assert [n for n, _ in res.failed] == ["f3"] and "bad input" in res.failed[0][1]
    assert "ValueError: bad input" in (out / "_failed" / "count" / "f3").read_text()
    assert res.summary == {"lines": 1 + 2 + 3 + 5}
    monkeypatch.delenv("CF_TEST_FAIL")
    with LocalExecutor(1) as ex:
        res = run_phase(CountPhase(inputs), PhaseContext(out, ex, progress=False))
    assert res.ok and res.steps[0].done_now == 1 and res.steps[0].skipped == 4  # only the failed task again
    assert not (out / "_failed" / "count" / "f3").exists()
    assert json.loads((out / "total.json").read_text()) == {"lines": 15}
    assert json.loads((out / "_plan" / "count.json").read_text())["tasks"] == [f"f{i}" for i in range(5)]


def test_batch_jobs_as_segments_give_the_local_result(inputs: list[str], tmp_path: Path) -> None:
    """What the schedulers run: job 0 as 2 array ranks, then job 1 as one task."""
    out = tmp_path / "out"
    phase = CountPhase(inputs)
    with pytest.raises(NotReady):  # nothing done yet: the probe stops at the first step
        run_phase(phase, PhaseContext(out, SegmentExecutor(ProbeExecutor(2), phase, phase.jobs[0]), progress=False))
    with pytest.raises(RuntimeError, match="earlier job"):  # job 1 refuses to run before job 0
        run_phase(phase, PhaseContext(out, SegmentExecutor(ArrayExecutor(0, 1), phase, phase.jobs[1]),
                                      progress=False))
    for rank in (1, 0):
        ex = SegmentExecutor(ArrayExecutor(rank, 2, barrier=False), phase, phase.jobs[0])
        res = run_phase(phase, PhaseContext(out, ex, progress=False))
        assert res.done_now == (3 if rank == 0 else 2) and res.summary is None  # stops after its step
    assert not (out / "total.json").exists()
    res = run_phase(phase, PhaseContext(out, SegmentExecutor(ArrayExecutor(0, 1), phase, phase.jobs[1]),
                                        progress=False))
    assert res.summary == {"lines": 15} and json.loads((out / "total.json").read_text()) == {"lines": 15}


def test_a_changed_fingerprint_redoes_a_task(inputs: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    step = Step("count", [Task("f0", (inputs[0],))], count_lines, fingerprint="v1")
    with LocalExecutor() as ex:
        assert ex.run_step(out, step, progress=False).done_now == 1
        assert ex.run_step(out, step, progress=False).skipped == 1
        step.fingerprint = "v2"
        assert ex.run_step(out, step, progress=False).done_now == 1
