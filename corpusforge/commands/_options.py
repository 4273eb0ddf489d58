"""Command-line pieces shared by several commands (inputs, output folder, array mode)."""

from __future__ import annotations

import argparse
import glob
import os
from pathlib import Path

from corpusforge.cli import CliError
from corpusforge.executors.array import rank_from_env


def add_array_options(p: argparse.ArgumentParser) -> None:
    """--rank / --world-size: run one task of a phase (any scheduler's array job)."""
    p.add_argument("--rank", type=int, help="run only this task (array mode; default from "
                   "SLURM_ARRAY_TASK_ID / PBS_ARRAY_INDEX / SGE_TASK_ID)")
    p.add_argument("--world-size", type=int, help="number of tasks of the phase (array mode)")


def expand_inputs(patterns: list[str]) -> list[str]:
    files: list[str] = []
    for pat in patterns:
        matched = sorted(glob.glob(os.path.expanduser(pat), recursive=True)) if glob.has_magic(pat) else (
            [pat] if Path(pat).exists() else [])
        matched = [m for m in matched if Path(m).is_file()]
        if not matched:
            raise CliError(f"no input files match {pat!r}")
        files.extend(matched)
    return sorted(set(files))


def check_output(output: str) -> Path:
    out = Path(output)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".corpusforge-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as e:
        raise CliError(f"output directory {output!r} is not writable: {e.strerror or e}") from None
    return out


def resolve_array(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """(rank, world size) from --rank / --world-size or the scheduler's variables."""
    rank, world = args.rank, args.world_size
    if rank is None:
        rank, env_world = rank_from_env()
        world = world or env_world
    if rank is not None:
        if world is None:
            raise CliError("array mode needs --world-size (the scheduler did not provide the task count)")
        if not 0 <= rank < world:
            raise CliError(f"--rank {rank} is outside [0, {world})")
    elif world is not None and world < 1:
        raise CliError("--world-size must be at least 1")
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    return rank, world
