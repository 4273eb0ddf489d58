"""PBS Professional / OpenPBS: ``qsub -J`` arrays chained with ``-W depend=afterok:<id>[]``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from corpusforge.executors.batch import BatchExecutor


class PbsExecutor(BatchExecutor):
    scheduler = "pbs"
    contiguous = True

    def header(self, name: str, width: int, log: Path) -> list[str]:
        log.mkdir(parents=True, exist_ok=True)
        select = f"select=1:ncpus={self.cpus_per_task}" + (f":mem={self.mem}" if self.mem else "")
        h = [f"#PBS -N {name}", "#PBS -j oe", f"#PBS -o {log}/", f"#PBS -l {select}"]
        if width > 1:
            h.append(f"#PBS -J 0-{width - 1}")
        if self.partition:
            h.append(f"#PBS -q {self.partition}")
        if self.time:
            h.append(f"#PBS -l walltime={self.time}")
        if self.account:
            h.append(f"#PBS -P {self.account}")
        return h

    def index_expr(self) -> str:
        return "${PBS_ARRAY_INDEX:-0}"

    def submit_command(self, script: Path, indices: str, offset: int, after: list[str]) -> list[str]:
        lo, _, hi = indices.partition("-")
        if not hi and "#PBS -J" in script.read_text(encoding="utf-8"):
            hi = str(int(lo) + 1)  # PBS arrays have two indices at least; the extra rank skips its finished tasks
        cmd = ["qsub", "-v", f"CF_RANK_OFFSET={offset}"]
        if hi:  # overrides the script's -J
            cmd += ["-J", f"{lo}-{hi}" + (f"%{self.array_parallel}" if self.array_parallel else "")]
        if after:
            cmd += ["-W", "depend=afterok:" + ":".join(after)]
        return cmd + self.extra_args + [str(script)]

    def queue_states(self, ids: list[str]) -> dict[str, dict[int, str]] | None:
        try:
            r = subprocess.run(["qstat", "-t", "-x"] + ids, capture_output=True, text=True, timeout=30)
        except (FileNotFoundError, subprocess.TimeoutExpired):
            return None
        if r.returncode != 0:
            return None
        states: dict[str, dict[int, str]] = {}
        for line in r.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 5 and "[" in parts[0]:
                base, _, rest = parts[0].partition("[")
                idx = rest.split("]")[0]
                if idx.isdigit():
                    states.setdefault(base + "[]", {})[int(idx)] = parts[4]
        return states
