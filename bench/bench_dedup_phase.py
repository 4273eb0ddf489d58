"""The global dedup phase over 1,000,000 generated signatures: time and peak memory.

Generates signature files directly (the default preset's layout: 40 band keys + the
text hash per document, plus length / date / score), with planted near-duplicate
families: a family has a base document, and every member shares each band with the base
with probability J^20, J drawn from [0.80, 1.00] (what MinHash with 20 rows per band
gives a pair of Jaccard J); 2% of members are exact copies. Then runs
``run_dedup_phase`` in a child process with ``--workers`` processes and reports wall
time per step, the peak RSS of the largest process (``getrusage`` of children) and the
peak of all its processes together (sampled), and how many planted members were found.

    .venv/bin/python bench/bench_dedup_phase.py [--docs 1000000] [--files 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpusforge.dedup.minhash import load_minhash_params  # noqa: E402
from corpusforge.dedup.sigfile import SUFFIX, schema_for  # noqa: E402

ROWS = 20  # rows per band of the default preset: P(band equal) = J^ROWS


def generate(out: Path, docs: int, files: int, family_share: float, seed: int) -> dict[str, int]:
    """Signature files with planted families; returns what was planted."""
    params = load_minhash_params("dedup")
    rng = np.random.default_rng(seed)
    bands = rng.integers(0, 2**63, size=(docs, params.bands), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    text_hash = rng.integers(0, 2**63, size=docs, dtype=np.uint64)
    order = rng.permutation(docs)  # family members land anywhere in the corpus
    planted_members = planted_pairs_detectable = families = exact = 0
    pos = 0
    target = int(docs * family_share)
    while pos < target:
        size = int(min(rng.geometric(0.35) + 1, 50))
        rows = order[pos:pos + size]
        pos += size
        if len(rows) < 2:
            break
        families += 1
        base = rows[0]
        for m in rows[1:]:
            if rng.random() < 0.02:
                bands[m] = bands[base]
                text_hash[m] = text_hash[base]
                exact += 1
            else:
                j = rng.uniform(0.80, 1.0)
                same = rng.random(params.bands) < j ** ROWS
                bands[m, same] = bands[base, same]
                planted_pairs_detectable += int(same.any())
            planted_members += 1
    per_file = docs // files
    schema = schema_for(params)
    out.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lo, hi = f * per_file, (docs if f == files - 1 else (f + 1) * per_file)
        n = hi - lo
        cols = [pa.array([f"crawl-{f:04d}/{r}" for r in range(n)], pa.string()),
                pa.array(rng.integers(400, 20000, n), pa.int64()),
                pa.array(rng.integers(1_577_836_800, 1_735_689_600, n), pa.int64()),
                pa.array(rng.random(n) * 3.0, pa.float64()),
                pa.array(text_hash[lo:hi], pa.uint64())]
        cols += [pa.array(np.ascontiguousarray(bands[lo:hi, b]), pa.uint64()) for b in range(params.bands)]
        pq.write_table(pa.Table.from_arrays(cols, schema=schema), out / f"crawl-{f:04d}{SUFFIX}",
                       compression={"id": "zstd"}, use_dictionary=["id"])
    return {"families": families, "planted_members": planted_members, "exact_copies": exact,
            "members_sharing_a_band_with_base": planted_pairs_detectable + exact}


def _status_kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeMemory:
    """Samples a process tree: peak of the summed RSS, and the largest per-process peak
    (VmHWM, which -- unlike getrusage's maxrss -- is not inherited from the parent that
    forked the process, so the generator's memory here does not leak into the figure)."""

    def __init__(self, pid: int, every_s: float = 0.02) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.peak_sum_kib = 0
        self.hwm_kib: dict[int, int] = {}
        self.every_s = every_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                pids = [self.proc.pid] + [c.pid for c in self.proc.children(recursive=True)]
            except psutil.Error:
                return
            self.peak_sum_kib = max(self.peak_sum_kib, sum(_status_kib(p, "VmRSS") for p in pids))
            for p in pids:
                self.hwm_kib[p] = max(self.hwm_kib.get(p, 0), _status_kib(p, "VmHWM"))
            time.sleep(self.every_s)

    def close(self) -> tuple[int, int]:
        """(peak summed RSS, largest single-process peak), in KiB."""
        self.stop.set()
        self.thread.join()
        return self.peak_sum_kib, max(self.hwm_kib.values(), default=0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--family-share", type=float, default=0.15, help="share of documents in planted families")
    ap.add_argument("--workdir", help="where to generate (default: a temporary folder, removed after)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "dedup_phase.json"))
    args = ap.parse_args()

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cf-bench-dedup-"))
    try:
        t0 = time.perf_counter()
        planted = generate(work / "signatures", args.docs, args.files, args.family_share, args.seed)
        gen_s = time.perf_counter() - t0
        sig_bytes = sum(p.stat().st_size for p in (work / "signatures").glob("*"))
        print(f"generated {args.docs:,} signatures in {args.files} files ({sig_bytes / 2**20:.0f} MiB) in "
              f"{gen_s:.1f}s; planted: {planted}")
        code = ("import json,sys; from corpusforge.dedup import run_dedup_phase; "
                f"s = run_dedup_phase({str(work)!r}, {{}}, workers={args.workers}, progress=False); "
                "s['vmhwm_kib'] = int([ln.split()[1] for ln in open('/proc/self/status') "
                "if ln.startswith('VmHWM')][0]); "
                "print(json.dumps(s))")
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=str(ROOT), text=True)
        sampler = TreeMemory(proc.pid)
        stdout, _ = proc.communicate()
        wall = time.perf_counter() - t0
        tree_peak_kib, hwm_kib = sampler.close()
        if proc.returncode != 0:
            print(f"dedup phase failed with exit code {proc.returncode}")
            return 1
        summary = json.loads(stdout.strip().splitlines()[-1])
        max_rss_kib = max(hwm_kib, summary.pop("vmhwm_kib"))
        tree_peak = tree_peak_kib * 1024
        work_bytes = sum(p.stat().st_size for p in (work / "dedup").rglob("*") if p.is_file())
        found = summary["docs_in_clusters"] - summary["clusters"]
        print(f"\ndedup phase, {args.workers} workers on {platform.machine()} ({_cpus()} CPUs): {wall:.1f}s wall")
        for step, sec in summary["step_seconds"].items():
            print(f"  {step:9s} {sec:8.1f}s")
        print(f"peak RSS: largest process {max_rss_kib / 2**20:.2f} GiB (VmHWM), all processes together "
              f"{tree_peak / 2**30:.2f} GiB (sampled every 20 ms)")
        print(f"documents {summary['documents']:,}: clusters {summary['clusters']:,}, dropped {summary['dropped']:,} "
              f"(planted non-base members {planted['planted_members']:,}, of which "
              f"{planted['members_sharing_a_band_with_base']:,} share a band with their base); "
              f"candidate pairs {summary['candidate_pairs']:,}, edges {summary['edges']:,}, "
              f"components rounds {summary['cc_rounds']}")
        print(f"dedup work files: {work_bytes / 2**20:.0f} MiB; throughput {args.docs / wall:,.0f} docs/s on "
              f"{args.workers} workers")
        result = {"docs": args.docs, "files": args.files, "workers": args.workers, "cpus": _cpus(),
                  "wall_s": round(wall, 2), "generate_s": round(gen_s, 2), "step_seconds": summary["step_seconds"],
                  "peak_rss_largest_process_gib": round(max_rss_kib / 2**20, 3),
                  "peak_rss_all_processes_gib": round(tree_peak / 2**30, 3),
                  "signature_mib": round(sig_bytes / 2**20, 1), "work_mib": round(work_bytes / 2**20, 1),
                  "planted": planted, "found_duplicates": found,
                  "summary": {k: v for k, v in summary.items() if not isinstance(v, dict)}}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))
        print(f"results: {args.json}")
        ok = found >= planted["members_sharing_a_band_with_base"] and summary["dropped"] <= planted["planted_members"]
        print("planted duplicates: " + ("all found, no extra drops" if ok else "MISMATCH"))
        return 0 if ok else 1
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    sys.exit(main())
