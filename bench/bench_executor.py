"""Executors: local 1 -> 2 workers on the extraction phase, and a whole run through a real
single-node Slurm against the same run in a local pool (the cost of submission, job
start-up and dependencies).

    .venv/bin/python bench/bench_executor.py --records 4000 --files 8 --page-weight cc [--slurm]

Also prints the CPU seconds per response of every stage of the extract phase and of the
dedup phase per document, the inputs of the README's full-snapshot estimate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warcset import ROOT, add_warcset_arguments, ensure_warc_set

sys.path.insert(0, str(ROOT))

from corpusforge import Run  # noqa: E402
from corpusforge.executors.base import LocalExecutor  # noqa: E402


def timed_run(files: list[str], out: Path, phases: list[str], workers: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    res = Run(files, out, phases=phases).execute(LocalExecutor(workers), progress=False, echo=False)
    assert res.ok, res
    return time.perf_counter() - t0


def slurm_run(files: list[str], out: Path, parallel: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "corpusforge", "run", *sum((["-i", f] for f in files), []), "-o",
                        str(out), "--executor", "slurm", "--array-parallel", str(parallel), "--wait"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    add_warcset_arguments(ap)
    ap.add_argument("--repeat", type=int, default=2, help="interleaved rounds of the 1 / 2 worker runs")
    ap.add_argument("--slurm", action="store_true", help="also run through a real Slurm (apt-get installs it)")
    args = ap.parse_args()
    files = [str(p) for p in ensure_warc_set(args.records, args.files, args.seed, args.ja_fraction,
                                             args.page_weight)]
    work = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    try:
        walls: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeat):
            for w in (1, 2):
                walls[w].append(timed_run(files, work / f"w{w}", ["extract"], w))
        w1, w2 = sorted(walls[1])[len(walls[1]) // 2], sorted(walls[2])[len(walls[2]) // 2]
        print(f"\nset: {args.records} responses, {args.files} files, page weight {args.page_weight}, "
              f"{os.cpu_count()} cores\n")
        print("| extract phase | wall s (rounds) | speed-up |\n|---|---:|---:|")
        print(f"| 1 worker | {w1:.1f} ({', '.join(f'{x:.1f}' for x in walls[1])}) | 1.00 |")
        print(f"| 2 workers | {w2:.1f} ({', '.join(f'{x:.1f}' for x in walls[2])}) | {w1 / w2:.2f} |")

        stats = json.loads((work / "w1" / "stats" / "extract.json").read_text())
        responses = stats["stages"][0]["docs_out"]
        print(f"\nCPU per response ({responses:,} responses; stage seconds of the 1-worker run):\n")
        print("| stage | docs in | ms / response |\n|---|---:|---:|")
        for s in stats["stages"]:
            print(f"| {s['name']} | {s['docs_in']:,} | {1000 * s['seconds'] / responses:.3f} |")
        print(f"| **all** | | **{1000 * sum(s['seconds'] for s in stats['stages']) / responses:.3f}** |")

        full_local = timed_run(files, work / "full-local", ["extract", "dedup", "apply"], 2)
        summary = json.loads((work / "full-local" / "dedup" / "summary.json").read_text())
        print(f"\ndedup phase: {summary['documents']:,} documents in {summary['seconds']:.2f} s "
              f"({1e6 * summary['seconds'] / max(1, summary['documents']):.0f} µs / document, wall, 2 workers)")
        print(f"\nwhole run (extract, dedup, apply), 2 workers here: {full_local:.1f} s")
        if args.slurm:
            sys.path.insert(0, str(ROOT))
            from tests.hpc_clusters import slurm_cluster

            with slurm_cluster(work / "slurm") as env:
                os.environ["SLURM_CONF"] = env["SLURM_CONF"]
                t_slurm = slurm_run(files, work / "full-slurm", 2)
            jobs = json.loads((work / "full-slurm" / "jobs" / "submission.json").read_text())["jobs"]
            print(f"whole run through Slurm (--array-parallel 2, {len(jobs)} dependent array jobs): {t_slurm:.1f} s "
                  f"-> overhead {t_slurm - full_local:.1f} s, {(t_slurm - full_local) / len(jobs):.1f} s per job")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
