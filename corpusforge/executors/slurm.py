"""Slurm: every job of a run an ``sbatch --array`` chained with ``afterok``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from corpusforge.executors.batch import BatchExecutor

DEFAULT_MAX_ARRAY_SIZE = 1001  # Slurm's default; read from `scontrol show config` when reachable


def max_array_size() -> int:
    """``MaxArraySize`` of the cluster: array indices must stay below it (it bounds the index,
    not the number of tasks)."""
    try:
        text = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, timeout=30).stdout
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return DEFAULT_MAX_ARRAY_SIZE
    m = re.search(r"^MaxArraySize\s*=\s*(\d+)", text, re.M)
    return int(m.group(1)) if m else DEFAULT_MAX_ARRAY_SIZE


class SlurmExecutor(BatchExecutor):
    """``sbatch --parsable --array=... --dependency=afterok:...`` per job; dependants use
    ``--kill-on-invalid-dep=yes``, so a failed task cancels them instead of leaving them
    pending forever (``DependencyNeverSatisfied``)."""

    scheduler = "slurm"
    suffix = ".sbatch"
    id_filter = "cut -d';' -f1"

    def chunks(self, ranks: list[int]) -> list[tuple[int, str]]:
        if self.max_index is None:
            self.max_index = max_array_size() - 1
        return super().chunks(ranks)

    def header(self, name: str, width: int, log: Path) -> list[str]:
        h = [f"#SBATCH --job-name={name}", f"#SBATCH --output={log}/%A_%a.out",
             f"#SBATCH --cpus-per-task={self.cpus_per_task}"]
        for opt, value in (("partition", self.partition), ("time", self.time), ("mem", self.mem),
                           ("account", self.account), ("qos", self.qos)):
            if value:
                h.append(f"#SBATCH --{opt}={value}")
        log.mkdir(parents=True, exist_ok=True)
        return h

    def index_expr(self) -> str:
        return "${SLURM_ARRAY_TASK_ID:-0}"

    def submit_command(self, script: Path, indices: str, offset: int, after: list[str]) -> list[str]:
        array = indices + (f"%{self.array_parallel}" if self.array_parallel else "")
        cmd = ["sbatch", "--parsable", f"--array={array}", f"--export=ALL,CF_RANK_OFFSET={offset}",
               "--kill-on-invalid-dep=yes"]
        if after:
            cmd.append("--dependency=afterok:" + ":".join(after))
        return cmd + self.extra_args + [str(script)]

    def parse_id(self, stdout: str) -> str:
        return stdout.strip().splitlines()[-1].split(";")[0].strip()

    def queue_states(self, ids: list[str]) -> dict[str, dict[int, str]] | None:
        if not ids:
            return {}
        try:
            r = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-j", ",".join(ids), "-o", "%F %K %T"],
                               capture_output=True, text=True, timeout=30)
        except (FileNotFoundError, subprocess.TimeoutExpired):
            return None
        if r.returncode != 0:
            return None
        states: dict[str, dict[int, str]] = {}
        for line in r.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1].isdigit():
                states.setdefault(parts[0], {})[int(parts[1])] = parts[2]
        return states

    def notice(self) -> str:
        return ("dependent jobs were submitted with --kill-on-invalid-dep=yes: if a task fails, the jobs after it "
                "are cancelled (never left in DependencyNeverSatisfied); fix the cause and run the same command "
                "again: only unfinished tasks and the jobs after them are submitted")



