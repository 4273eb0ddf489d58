"""Task rank and count from the command line or a scheduler's array variables.

Any scheduler that runs N copies of a command with an index works in "array" mode:
Slurm (``SLURM_ARRAY_TASK_ID`` / ``SLURM_ARRAY_TASK_COUNT``), PBS (``PBS_ARRAY_INDEX``),
SGE (``SGE_TASK_ID``, 1-based, with ``SGE_TASK_LAST``). The world size must be the same
for every copy; ``--world-size`` is required when the scheduler does not provide it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


def rank_from_env(env: Mapping[str, str] | None = None) -> tuple[int | None, int | None]:
    """(rank, world_size) from scheduler variables, or (None, None) outside an array job."""
    e = os.environ if env is None else env
    if "SLURM_ARRAY_TASK_ID" in e:
        rank = int(e["SLURM_ARRAY_TASK_ID"]) - int(e.get("SLURM_ARRAY_TASK_MIN", "0"))
        count = e.get("SLURM_ARRAY_TASK_COUNT")
        return rank, int(count) if count else None
    if "PBS_ARRAY_INDEX" in e:
        return int(e["PBS_ARRAY_INDEX"]), None
    if "SGE_TASK_ID" in e and e["SGE_TASK_ID"] not in ("", "undefined"):
        first = int(e.get("SGE_TASK_FIRST", "1"))
        last = e.get("SGE_TASK_LAST")
        return int(e["SGE_TASK_ID"]) - first, (int(last) - first + 1) if last else None
    return None, None
