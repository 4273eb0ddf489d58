"""Job scripts without a scheduler: PBS scripts run with the PBS_* variables a PBS server
sets (no PBS server is packaged for Debian), their directives, and --dry-run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from corpusforge import Run
from corpusforge.cli import main
from corpusforge.executors.base import LocalExecutor
from corpusforge.executors.pbs import PbsExecutor
from corpusforge.executors.slurm import SlurmExecutor
from corpusforge.io.writer import read_output
from corpusforge.synth import generate_warc

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    d = tmp_path_factory.mktemp("in")
    for i in range(3):
        generate_warc(d / f"CC-MAIN-PBS-{i}.warc.gz", records=80, seed=700 + i, ja_fraction=0.3)
    return sorted(str(p) for p in d.iterdir() if p.name.endswith(".warc.gz"))


def test_pbs_scripts_run_with_pbs_variables_give_the_local_output(files: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", *sum((["--input", f] for f in files), []), "--output", str(out), "--executor", "pbs",
                 "--dry-run", "--queue", "rt_C.small", "--time", "01:00:00", "--cpus-per-task", "2", "--mem", "8gb",
                 "--account", "gxx00000", "--no-progress"]) == 0
    sub = json.loads((out / "jobs" / "submission.json").read_text())
    assert sub["dry_run"] and not (out / "_done").exists()  # written, nothing run
    extract = (out / sub["jobs"][0]["script"]).read_text()
    for line in ("#PBS -J 0-2", "#PBS -l select=1:ncpus=2:mem=8gb", "#PBS -q rt_C.small", "#PBS -l walltime=01:00:00",
                 "#PBS -P gxx00000", "PBS_ARRAY_INDEX"):
        assert line in extract, line
    merge = (out / sub["jobs"][1]["script"]).read_text()
    assert "#PBS -J" not in merge  # one task: not an array
    submit = (out / "jobs" / "submit-pbs.sh").read_text().splitlines()
    assert submit[3].startswith("J0_0=$(qsub -v CF_RANK_OFFSET=0 -J 0-2 ")
    assert '-W "depend=afterok:$J0_0"' in submit[4]
    cmd = PbsExecutor().submit_command(out / sub["jobs"][1]["script"], "0", 0, ["1234[].pbs01"])
    assert cmd[cmd.index("-W") + 1] == "depend=afterok:1234[].pbs01"  # an array job id keeps its []
    assert "-J" not in cmd  # the merge job is a plain job
    one = PbsExecutor().submit_command(out / sub["jobs"][0]["script"], "0", 2, [])
    assert one[one.index("-J") + 1] == "0-1"  # one rank of an array job: PBS wants two indices
    # what a PBS server would do: each job's indices, in order, with PBS_ARRAY_INDEX set
    for job in sub["jobs"]:
        for rank in job["ranks"]:
            env = {**os.environ, "PBS_JOBID": "1[].test", "PBS_O_WORKDIR": os.getcwd()}
            if job["width"] > 1:
                env["PBS_ARRAY_INDEX"] = str(rank)
            r = subprocess.run(["bash", str(out / job["script"])], env=env, capture_output=True, text=True)
            log = (out / job["logs"] / f"rank-{rank}.log").read_text()
            assert r.returncode == 0, log
    local = tmp_path / "local"
    assert Run(files, local).execute(LocalExecutor(1), progress=False, echo=False).ok
    for kind in ("docs", "removed"):
        assert read_output(out, kind).sort("id").equals(read_output(local, kind).sort("id"))
    assert read_output(out / "deduped", "docs").sort("id").equals(read_output(local / "deduped", "docs").sort("id"))
    assert main(["status", str(out), "--no-scheduler"]) == 0


def test_worker_refuses_to_start_before_the_jobs_before_it(files: list[str], tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    Run(files, out).execute(SlurmExecutor(dry_run=True, tasks=2), progress=False, echo=False)
    sub = json.loads((out / "jobs" / "submission.json").read_text())
    assert sub["jobs"][0]["width"] == 2 and "#SBATCH --cpus-per-task=1" in (out / sub["jobs"][0]["script"]).read_text()
    assert main(["worker", str(out / "jobs" / "run.json"), "--phase", "dedup", "--job", "1", "--rank", "0",
                 "--world-size", "3", "--tasks", "2"]) == 1
    assert "not started: an earlier job (extract extract) is not finished" in capsys.readouterr().err
    assert not (out / "dedup").exists()


def test_array_chunks_respect_the_index_bound_and_contiguity() -> None:
    slurm = SlurmExecutor()
    slurm.max_index = 1000  # MaxArraySize=1001
    assert slurm.chunks(list(range(2500))) == [(0, "0-1000"), (1001, "0-1000"), (2002, "0-497")]
    assert slurm.chunks([3, 4, 9, 1500]) == [(3, "0-1,6"), (1500, "0")]  # Slurm takes index lists
    from corpusforge.executors.sge import SgeExecutor

    assert SgeExecutor().chunks([0, 1, 2, 5]) == [(0, "1-3"), (5, "1")]  # one range per qsub, from 1
    assert PbsExecutor().chunks([4, 5, 6]) == [(4, "0-2")]
