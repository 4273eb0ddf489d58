"""(Son of / Altair) Grid Engine: ``qsub -t`` arrays chained with ``-hold_jid``.

``-hold_jid`` releases a job when the one before *ended*, whatever its exit status; the
worker's guard (every earlier job finished, from markers) makes a dependant of a failed
task stop at once with a message instead of running on a partial result."""

from __future__ import annotations

import subprocess
from pathlib import Path

from corpusforge.executors.batch import BatchExecutor

MAX_AJ_TASKS = 75000  # Grid Engine's default max_aj_tasks


class SgeExecutor(BatchExecutor):
    scheduler = "sge"
    contiguous = True
    first_index = 1  # SGE_TASK_ID counts from 1
    id_filter = "cut -d. -f1"
    max_index = MAX_AJ_TASKS

    def header(self, name: str, width: int, log: Path) -> list[str]:
        log.mkdir(parents=True, exist_ok=True)
        h = [f"#$ -N {name}", "#$ -S /bin/bash", "#$ -j y", f"#$ -o {log}/", "#$ -cwd"]
        if self.cpus_per_task > 1:
            h.append(f"#$ -pe smp {self.cpus_per_task}")
        if self.partition:
            h.append(f"#$ -q {self.partition}")
        if self.time:
            h.append(f"#$ -l h_rt={self.time}")
        if self.mem:
            h.append(f"#$ -l h_vmem={self.mem}")
        if self.account:
            h.append(f"#$ -P {self.account}")
        return h

    def index_expr(self) -> str:
        return "${SGE_TASK_ID:-1} - 1"

    def submit_command(self, script: Path, indices: str, offset: int, after: list[str]) -> list[str]:
        cmd = ["qsub", "-terse", "-t", indices, "-v", f"CF_RANK_OFFSET={offset}"]
        if self.array_parallel:
            cmd += ["-tc", str(self.array_parallel)]
        if after:
            cmd += ["-hold_jid", ",".join(after)]
        return cmd + self.extra_args + [str(script)]

    def parse_id(self, stdout: str) -> str:
        return stdout.strip().splitlines()[-1].split(".")[0].strip()

    def queue_states(self, ids: list[str]) -> dict[str, dict[int, str]] | None:
        try:
            r = subprocess.run(["qstat", "-g", "d"], capture_output=True, text=True, timeout=30)
        except (FileNotFoundError, subprocess.TimeoutExpired):
            return None
        if r.returncode != 0:
            return None
        wanted = set(ids)
        states: dict[str, dict[int, str]] = {}
        for line in r.stdout.splitlines()[2:]:
            parts = line.split()
            if len(parts) >= 5 and parts[0] in wanted:
                task = parts[-1] if parts[-1].isdigit() else "1"
                states.setdefault(parts[0], {})[int(task) - 1] = parts[4]
        return states

    def notice(self) -> str:
        return ("Grid Engine's -hold_jid waits for the end of a job, not its success: a job after a failed task "
                "stops at once (its log says which); fix the cause and run the same command again")
