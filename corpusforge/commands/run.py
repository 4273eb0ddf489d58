"""``corpusforge run``: WARC files to an output directory (extract, then dedup)."""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path
from typing import Any

from corpusforge.cli import EXIT_FAILED, EXIT_OK, CliError

NAME = "run"
HELP = "Run the pipeline on WARC files: extract Japanese text, filter, annotate, deduplicate."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", "-i", action="append", required=True, metavar="GLOB",
                   help="WARC files (.warc / .warc.gz); a glob, quoted; may repeat")
    p.add_argument("--output", "-o", required=True, metavar="DIR", help="output directory (created)")
    add_run_options(p)


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", "-c", metavar="FILE", help="YAML config or shipped preset name "
                   "(its sections override the shipped 'pipeline' config)")
    p.add_argument("--workers", "-w", type=int, default=1, help="processes on this machine (default 1)")
    add_array_options(p)
    p.add_argument("--phases", default="extract,dedup,apply,report",
                   help="comma-separated phases to run (default: extract,dedup,apply,report; apply writes the "
                        "documents without near-duplicates to OUT/deduped/, report writes OUT/report/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


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
    from corpusforge.executors.array import rank_from_env

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


class WarcReaderFactory:
    """Picklable factory of WARC readers (sent to worker processes)."""

    def __init__(self, max_body_bytes: int = 20_000_000) -> None:
        self.max_body_bytes = max_body_bytes

    def __call__(self, path: Path):  # type: ignore[no-untyped-def]
        from corpusforge.io.warc import WarcReader

        return WarcReader(path, max_body_bytes=self.max_body_bytes)


def load_and_check_config(config: str | None) -> dict[str, Any]:
    from corpusforge.config import build_stages, load_run_config, stage_entries

    cfg = load_run_config(config)
    build_stages(stage_entries(cfg))  # fail fast on unknown stages / parameters
    return cfg


def execute_run(inputs: list[str], output: Path, cfg: dict[str, Any], workers: int, rank: int | None,
                world_size: int | None, phases: list[str], progress: bool) -> int:
    from corpusforge.executors.phase import run_documents_phase
    from corpusforge.executors.summary import summary_table

    known = {"extract", "dedup", "apply", "report"}
    bad = [p for p in phases if p not in known]
    if bad:
        raise CliError(f"unknown phase(s) {', '.join(bad)}; known: {', '.join(sorted(known))}")
    status = EXIT_OK
    if rank is not None and len(phases) > 1:
        print(f"array mode: running the {phases[0]} phase only; run each later phase as its own array job "
              f"(--phases dedup, then --phases apply) once every task of the one before is done", file=sys.stderr)
        phases = phases[:1]
    wall: dict[str, float] = {}
    t0 = time.perf_counter()
    if "extract" in phases:
        reader_cfg = (cfg.get("writer") or {})
        res = run_documents_phase("extract", inputs, output,
                                  WarcReaderFactory(int(reader_cfg.get("max_body_bytes", 20_000_000))), cfg,
                                  workers=workers, rank=rank, world_size=world_size, progress=progress)
        print(f"\nextract: {res.files_total} files ({res.files_done_now} processed now, "
              f"{res.files_skipped} already done) in {res.seconds:.1f}s")
        print(summary_table(res.stats))
        if res.failed:
            status = EXIT_FAILED
            print(f"\n{len(res.failed)} input file(s) failed:", file=sys.stderr)
            for path, msg in res.failed:
                print(f"  {path}: {msg}", file=sys.stderr)
        wall["extract"], t0 = time.perf_counter() - t0, time.perf_counter()
    if "dedup" in phases and status == EXIT_OK:
        dedup_cfg = cfg.get("dedup") or {}
        if dedup_cfg.get("enabled", True):
            status = max(status, _run_dedup(output, dedup_cfg, workers, rank, world_size, progress))
            wall["dedup"], t0 = time.perf_counter() - t0, time.perf_counter()
    if "apply" in phases and status == EXIT_OK:
        status = max(status, _run_apply(output, workers, rank, world_size, progress))
        wall["dedup_apply"], t0 = time.perf_counter() - t0, time.perf_counter()
    if "report" in phases:
        _run_report(output, cfg, wall, progress)
    print(f"\noutput: {output}")
    return status


def _run_report(output: Path, cfg: dict[str, Any], wall: dict[str, float], progress: bool) -> None:
    """Record the run (config, versions, wall seconds) and write OUT/report/ from everything in OUT."""
    from corpusforge.commands.report import make_report
    from corpusforge.report import write_run_info

    if wall:
        write_run_info(output, cfg, wall, sys.argv)
    make_report(output, progress)


def _run_apply(output: Path, workers: int, rank: int | None, world_size: int | None, progress: bool) -> int:
    """Documents of OUT/docs without the near-duplicates of OUT/dedup/drop, to OUT/deduped/."""
    from corpusforge.dedup import apply_drop_list
    from corpusforge.executors.summary import summary_table

    drop_dir = output / "dedup" / "drop"
    summary = output / "dedup" / "summary.json"
    docs = sorted((output / "docs").glob("*.parquet"))
    if not docs or not summary.exists():
        print("\napply: no dedup results in the output: skipped")
        return EXIT_OK
    res = apply_drop_list(docs, output / "deduped", drop_dir, workers=workers, progress=progress,
                          fingerprint=summary.read_text(encoding="utf-8"), rank=rank, world_size=world_size)
    print(f"\napply: {res.stats.stages[0].docs_out if res.stats.stages else 0:,} documents read, "
          f"{res.stats.docs_out:,} kept in {output / 'deduped' / 'docs'}")
    print(summary_table(res.stats))
    return EXIT_OK if res.ok else EXIT_FAILED


def _run_dedup(output: Path, dedup_cfg: dict[str, Any], workers: int, rank: int | None,
               world_size: int | None, progress: bool) -> int:
    from corpusforge.dedup import DedupError, run_dedup_phase

    if not any((output / "signatures").glob("*")):
        print("\ndedup: no signatures in the output (no MinHashSignatures stage?): skipped")
        return EXIT_OK
    try:
        summary = run_dedup_phase(output, dedup_cfg, workers=workers, rank=rank, world_size=world_size,
                                  progress=progress)
    except DedupError as e:
        print(f"corpusforge: dedup failed: {e}", file=sys.stderr)
        return EXIT_FAILED
    print("\ndedup: " + ", ".join(f"{k}={v}" for k, v in summary.items() if not isinstance(v, (dict, list))))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    inputs = expand_inputs(args.input)
    bad = [f for f in inputs if not (f.endswith(".warc") or f.endswith(".warc.gz") or f.endswith(".arc.gz"))]
    if bad:
        raise CliError(f"not a WARC file (.warc / .warc.gz): {bad[0]}")
    output = check_output(args.output)
    rank, world = resolve_array(args)
    cfg = load_and_check_config(args.config)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    return execute_run(inputs, output, cfg, args.workers, rank, world, phases, not args.no_progress)
