"""``corpusforge run --executor sge`` on a real single-node Grid Engine (sge_qmaster, sge_execd)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from corpusforge import Run
from corpusforge.cli import main
from corpusforge.executors.base import LocalExecutor
from corpusforge.executors.sge import SgeExecutor
from corpusforge.io.writer import read_output
from corpusforge.status import run_status
from corpusforge.synth import generate_warc
from tests.hpc_clusters import sge_cluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    saved = {k: os.environ.get(k) for k in ("SGE_ROOT", "SGE_CELL")}
    with sge_cluster(tmp_path_factory.mktemp("sge")) as env:
        os.environ.update({k: env[k] for k in saved})
        try:
            yield env
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def test_multi_phase_run_through_grid_engine_and_a_failed_task_stops_its_dependants(sge: dict, tmp_path: Path,
                                                                                        capsys) -> None:
    d = tmp_path / "in"
    d.mkdir()
    for i in range(3):
        generate_warc(d / f"CC-MAIN-SGE-{i}.warc.gz", records=100, seed=500 + i, ja_fraction=0.3)
    files = sorted(str(p) for p in d.glob("*.warc.gz"))
    local = tmp_path / "local"
    assert Run(files, local).execute(LocalExecutor(1), progress=False, echo=False).ok

    # a failed task: -hold_jid releases the next job anyway, the worker's guard stops it
    good = tmp_path / "good.warc.gz"
    shutil.move(files[1], good)
    Path(files[1]).mkdir()
    out = tmp_path / "out"
    first = Run(files, out).execute(SgeExecutor(wait=True), progress=False, echo=False)
    assert not first.ok
    merge_log = (out / "logs" / "extract-1" / "rank-0.log").read_text()
    assert "not started: an earlier job (extract extract) is not finished" in merge_log
    assert not (out / "dedup").exists() and not (out / "deduped").exists()
    st = run_status(out)
    assert next(s for s in st.steps if s.step == "extract").failed == ["CC-MAIN-SGE-1"]

    Path(files[1]).rmdir()
    shutil.move(good, files[1])
    assert main(["run", "--input", str(d / "*.warc.gz"), "--output", str(out), "--executor", "sge", "--wait",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "extract extract: 1 task(s) (1 unfinished of 3)" in printed and "every task is done" in printed
    script = next((out / "jobs").glob("extract-0-*.sge.sh")).read_text()
    assert "#$ -N cf-extract-0" in script and "SGE_TASK_ID" in script
    for kind in ("docs", "removed"):
        assert read_output(out, kind).sort("id").equals(read_output(local, kind).sort("id"))
    assert read_output(out / "deduped", "docs").sort("id").equals(read_output(local / "deduped", "docs").sort("id"))
    assert json.loads((out / "stats" / "extract.json").read_text())["files"] == 3
    assert json.loads((out / "dedup" / "summary.json").read_text())["dropped"] == \
        json.loads((local / "dedup" / "summary.json").read_text())["dropped"]
