"""``corpusforge run --executor slurm`` on a real single-node Slurm (munged, slurmctld, slurmd).

The cluster is started once for the module (``MaxArraySize=4``, so arrays of more than
four tasks are split); the same inputs are run locally once as the reference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

import polars as pl
import pytest

from corpusforge import Run
from corpusforge.cli import main
from corpusforge.document import Document
from corpusforge.executors.base import LocalExecutor
from corpusforge.executors.slurm import SlurmExecutor, max_array_size
from corpusforge.io.writer import read_output
from corpusforge.status import run_status
from corpusforge.synth import generate_warc
from corpusforge.tokenize.train import train_tokenizer
from tests.hpc_clusters import slurm_cluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    saved = os.environ.get("SLURM_CONF")
    with slurm_cluster(tmp_path_factory.mktemp("slurm"), max_array_size=4) as env:
        os.environ["SLURM_CONF"] = env["SLURM_CONF"]
        try:
            yield env
        finally:
            if saved is None:
                os.environ.pop("SLURM_CONF", None)
            else:
                os.environ["SLURM_CONF"] = saved


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    """Four WARC files and the output of a local run over them."""
    d = tmp_path_factory.mktemp("crawl")
    inputs = []
    for i in range(4):
        p = d / f"CC-MAIN-HPC-{i:05d}.warc.gz"
        generate_warc(p, records=120, seed=300 + i, ja_fraction=0.3)
        inputs.append(str(p))
    ref = tmp_path_factory.mktemp("local") / "out"
    assert Run(inputs, ref).execute(LocalExecutor(1), progress=False, echo=False).ok
    return inputs, ref


def _same_output(out: Path, ref: Path) -> None:
    for kind in ("docs", "removed"):
        a, b = read_output(out, kind), read_output(ref, kind)
        assert a.height == b.height > 0, kind
        assert a.sort("id").equals(b.sort("id")), kind
    assert read_output(out / "deduped", "docs").sort("id").equals(read_output(ref / "deduped", "docs").sort("id"))
    sa, sb = (json.loads((o / "stats" / "extract.json").read_text()) for o in (out, ref))
    assert sa["files"] == sb["files"] == 4
    assert [(s["name"], s["docs_in"], s["docs_out"], s["dropped"]) for s in sa["stages"]] == \
        [(s["name"], s["docs_in"], s["docs_out"], s["dropped"]) for s in sb["stages"]]  # every document once
    da, db = (json.loads((o / "dedup" / "summary.json").read_text()) for o in (out, ref))
    assert (da["documents"], da["dropped"], da["clusters"]) == (db["documents"], db["dropped"], db["clusters"])
    assert not list(out.rglob("*.tmp"))


def _states(job_ids: list[str]) -> dict[str, set[str]]:
    r = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-j", ",".join(job_ids), "-o", "%F %T %r"],
                       capture_output=True, text=True, check=True)
    out: dict[str, set[str]] = {}
    for line in r.stdout.splitlines():
        job, state, reason = line.split(maxsplit=2)
        out.setdefault(job, set()).add(state if reason in ("None", "") else f"{state}:{reason}")
    return out


def test_full_run_through_sbatch_equals_the_local_run(slurm: dict, crawl: tuple, tmp_path: Path, capsys) -> None:
    inputs, ref = crawl
    out = tmp_path / "out"
    assert max_array_size() == 4  # read from `scontrol show config`
    rc = main(["run", "--input", str(Path(inputs[0]).parent / "*.warc.gz"), "--output", str(out), "--executor",
               "slurm", "--wait", "--partition", "debug", "--time", "00:10:00", "--mem", "200M", "--no-progress"])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "--kill-on-invalid-dep=yes" in printed and "every task is done" in printed
    _same_output(out, ref)
    sub = json.loads((out / "jobs" / "submission.json").read_text())
    assert [(j["phase"], j["kinds"]) for j in sub["jobs"]][:3] == [
        ("extract", ["extract"]), ("extract", ["extract_merge"]), ("dedup", ["manifest"])]
    assert all(len(j["ids"]) == 1 and j["ids"][0].isdigit() for j in sub["jobs"])
    script = (out / sub["jobs"][0]["script"]).read_text()
    assert "#SBATCH --partition=debug" in script and "#SBATCH --time=00:10:00" in script
    assert sorted(p.name for p in (out / "logs" / "extract-0").iterdir()) == [f"rank-{r}.log" for r in range(4)]
    # every job after the first waited for the one before to succeed
    for before, after in zip(sub["jobs"], sub["jobs"][1:]):
        r = subprocess.run(["scontrol", "-o", "show", "job", after["ids"][0]], capture_output=True, text=True)
        assert r.returncode != 0 or "JobState=COMPLETED" in r.stdout
    # a re-run of the finished output submits nothing
    assert main(["run", "--input", str(Path(inputs[0]).parent / "*.warc.gz"), "--output", str(out), "--executor",
                 "slurm", "--no-progress"]) == 0
    assert "nothing to submit" in capsys.readouterr().out


def test_failing_task_status_and_resubmission(slurm: dict, crawl: tuple, tmp_path: Path, capsys) -> None:
    inputs, ref = crawl
    bad = tmp_path / "in" / Path(inputs[2]).name
    bad.mkdir(parents=True)  # bad input: not a readable file
    files = [str(tmp_path / "in" / Path(p).name) for p in inputs]
    for p, q in zip(inputs, files):
        if p != inputs[2]:
            shutil.copy(p, q)
    out = tmp_path / "out"
    first = Run(files, out).execute(SlurmExecutor(wait=True), progress=False)
    assert not first.ok
    st = run_status(out)
    extract = next(s for s in st.steps if s.step == "extract")
    assert (extract.total, extract.done, extract.failed) == (4, 3, [Path(files[2]).name.removesuffix(".warc.gz")])
    assert any("IsADirectoryError" in line for tail in st.failed_logs.values() for line in tail)
    # the jobs after the failed one were cancelled, none is left pending on a dependency that never comes
    ids = [i for j in json.loads((out / "jobs" / "submission.json").read_text())["jobs"] for i in j["ids"]]
    states = _states(ids)
    later = set().union(*(states.get(i, set()) for i in ids[1:]))
    assert later and all(s.startswith("CANCELLED") for s in later), later
    assert main(["status", str(out)]) == 1
    table = capsys.readouterr().out
    assert "IsADirectoryError" in table and "extract" in table
    # fixed input: only the failed task's rank and the later jobs are submitted
    bad.rmdir()
    shutil.copy(inputs[2], bad)
    second = Run(files, out).execute(SlurmExecutor(wait=True), progress=False)
    assert second.ok
    assert second.jobs[0].phase == "extract" and second.jobs[0].ranks == [2]
    _same_output(out, ref)
    assert run_status(out).complete


def test_cancelled_running_task_is_resubmitted(slurm: dict, crawl: tuple, tmp_path: Path) -> None:
    inputs, ref = crawl
    out = tmp_path / "out"
    flag = tmp_path / "released"
    hold = f'if [ "$RANK" = 1 ] && [ ! -e {flag} ]; then sleep 300; fi'
    sub = Run(inputs, out).execute(SlurmExecutor(setup=[hold]), progress=False, echo=False)
    extract_id = sub.jobs[0].ids[0]
    deadline = time.monotonic() + 60
    while "RUNNING" not in _states([extract_id]).get(extract_id, set()) or \
            len(list((out / "_done" / "extract").glob("*"))) < 3:
        assert time.monotonic() < deadline, _states([extract_id])
        time.sleep(0.5)
    subprocess.run(["scancel", f"{extract_id}_1"], check=True)
    deadline = time.monotonic() + 60
    ids = [i for j in sub.jobs for i in j.ids]
    while any(s in ("PENDING", "RUNNING") for per in _states(ids).values() for s in per):
        assert time.monotonic() < deadline, _states(ids)
        time.sleep(0.5)
    st = run_status(out)
    extract = next(s for s in st.steps if s.step == "extract")
    assert (extract.done, extract.failed) == (3, [])  # cancelled, not failed: its task is pending
    flag.touch()
    again = Run(inputs, out).execute(SlurmExecutor(setup=[hold], wait=True), progress=False, echo=False)
    assert again.ok and again.jobs[0].ranks == [1]
    _same_output(out, ref)


def _pids(*parts: str) -> list[int]:
    """Processes whose command line holds every one of ``parts`` (NUL-separated arguments)."""
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            if all(p.replace(" ", "\0").encode() in cmd for p in parts):
                found.append(int(d.name))
    return found


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def test_task_killed_mid_file_by_sigkill_is_redone(slurm: dict, crawl: tuple, tmp_path: Path) -> None:
    """A lost node: the task's process dies with SIGKILL while it extracts its file."""
    inputs, _ = crawl
    big = tmp_path / "CC-MAIN-HPC-BIG.warc.gz"  # CommonCrawl-sized pages: seconds of extraction
    generate_warc(big, records=200, seed=9, ja_fraction=0.5, page_weight="cc")
    files = [inputs[0], str(big)]
    ref = tmp_path / "local"
    assert Run(files, ref, phases=["extract"]).execute(LocalExecutor(1), progress=False, echo=False).ok
    out = tmp_path / "out"
    sub = Run(files, out, phases=["extract"]).execute(SlurmExecutor(), progress=False, echo=False)
    deadline = time.monotonic() + 90
    victim = None
    while victim is None:
        assert time.monotonic() < deadline, "rank 1 of extract never started its extraction child"
        for pid in _pids(f"worker {out / 'jobs' / 'run.json'}", "--phase extract", "--rank 1 "):
            if _children(pid):  # the trafilatura child runs: the task is inside its file
                victim = pid
        time.sleep(0.02)
    time.sleep(1.0)
    os.kill(victim, 9)
    ids = [i for j in sub.jobs for i in j.ids]
    deadline = time.monotonic() + 60
    while any(s in ("PENDING", "RUNNING") for per in _states(ids).values() for s in per):
        assert time.monotonic() < deadline, _states(ids)
        time.sleep(0.5)
    assert not (out / "_done" / "extract" / big.name.removesuffix(".warc.gz")).exists()
    assert not (out / "docs" / big.name.replace(".warc.gz", ".parquet")).exists()  # nothing partial, final name
    again = Run(files, out, phases=["extract"]).execute(SlurmExecutor(wait=True), progress=False, echo=False)
    assert again.ok and again.jobs[0].ranks == [1]
    for kind in ("docs", "removed"):
        assert read_output(out, kind).sort("id").equals(read_output(ref, kind).sort("id"))
    sa, sb = (json.loads((o / "stats" / "extract.json").read_text()) for o in (out, ref))
    assert [(s["name"], s["docs_in"], s["docs_out"]) for s in sa["stages"]] == \
        [(s["name"], s["docs_in"], s["docs_out"]) for s in sb["stages"]]  # every document counted once
    assert not list(out.rglob("*.tmp"))  # the killed task's temporaries went with its rerun


def test_arrays_above_max_array_size_are_split_with_an_index_offset(slurm: dict, tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    files = []
    for i in range(6):
        p = d / f"CC-SPLIT-{i}.warc.gz"
        generate_warc(p, records=10, seed=i, ja_fraction=0.5)
        files.append(str(p))
    out = tmp_path / "out"
    sub = Run(files, out, phases=["extract"]).execute(SlurmExecutor(wait=True), progress=False, echo=False)
    assert sub.ok
    job = sub.jobs[0]
    assert job.width == 6 and len(job.ids) == 2 and job.offsets == [0, 4]  # indices 0-3, then 0-1 + 4
    assert sorted(p.name for p in (out / "logs" / "extract-0").iterdir()) == [f"rank-{r}.log" for r in range(6)]
    assert len(list((out / "_done" / "extract").iterdir())) == 6
    local = tmp_path / "local"
    Run(files, local, phases=["extract"]).execute(LocalExecutor(1), progress=False, echo=False)
    assert read_output(out, "docs").sort("id").equals(read_output(local, "docs").sort("id"))
    assert pl.read_json(out / "stats" / "extract.json")["files"][0] == 6


def test_shard_phase_through_sbatch_equals_the_local_run(slurm: dict, crawl: tuple, tmp_path: Path) -> None:
    """The shard steps as chained array jobs (write tasks spread over the ranks) give the local run's files."""
    inputs, ref = crawl
    docs = read_output(ref / "deduped", "docs")
    tok = tmp_path / "tok"
    train_tokenizer((Document(id=i, text=t) for i, t in zip(docs["id"], docs["text"])), 1500, tok)
    (tmp_path / "mix.yaml").write_text("mixture:\n  max_shard_tokens: 4000\n  groups:\n"
                                       "    - name: all\n      multiplicity: 2.5\n", encoding="utf-8")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"shard:\n  tokenizer: {tok}\n  mixture: {tmp_path / 'mix.yaml'}\n  materialize: true\n",
                   encoding="utf-8")
    outs = {}
    for how in ("slurm", "local"):
        out = tmp_path / how
        shutil.copytree(ref, out)
        extra = ["--executor", "slurm", "--wait", "--partition", "debug", "--mem", "300M"] if how == "slurm" else []
        assert main(["run", "--input", str(Path(inputs[0]).parent / "*.warc.gz"), "--output", str(out), "--config",
                     str(cfg), "--phases", "shard",
                     "--no-progress", *extra]) == 0
        outs[how] = out / "shards"
    blend = json.loads((outs["slurm"] / "blend.json").read_text())
    assert len(blend["prefixes"]) >= 4  # several write tasks, on several ranks
    sub = json.loads((tmp_path / "slurm" / "jobs" / "submission.json").read_text())
    (write,) = [j for j in sub["jobs"] if j["kinds"] == ["shard_write"]]
    assert write["width"] == 4
    files = {how: {str(p.relative_to(o)): p.read_bytes() for p in sorted(o.glob("*/*.*"))
                   if p.suffix in (".bin", ".idx")} for how, o in outs.items()}
    assert files["slurm"] == files["local"] and len(files["slurm"]) == 2 * len(blend["prefixes"])
    assert (outs["slurm"] / "blend.json").read_text().replace("/slurm/", "/local/") == \
        (outs["local"] / "blend.json").read_text()
