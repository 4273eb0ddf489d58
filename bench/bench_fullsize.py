"""Real-crawl sized input: memory per worker, throughput per core, and a kill in mid-file.

For each ``--sizes`` value N, ``--files`` generated CommonCrawl-weight WARC files of N
HTTP responses each (``corpusforge synth-warc --page-weight cc``: ~27 KB of gzip per
response, so N = 45,000 is a 1.2 GB CommonCrawl file), cached under ``bench/work/`` by
arguments and generator version, go through the whole job::

    corpusforge run --input 'SET/*.warc.gz' --output OUT --workers W --no-progress

while a sampler reads the RSS of every process of the job four times a second: the main
process, the pool workers (extract, dedup tasks), the segment processes a worker runs a
file in (``writer.segment_records``; named ``cf-segment``) and the trafilatura children
(``cf-extract``). A worker's heap below means the larger of the pool worker and its
segment process: the memory of the per-file work. Measured
per size: wall and CPU seconds (the job and all its children: its rusage of reaped
children, or the sum of the sampled processes' CPU times when larger), responses per CPU-second,
each input file's seconds (its stats file), the peak RSS of each kind of process, and the
workers' peak heap per step (a step runs from the previous step's last marker to its own:
the extract step is the per-file work, the later dedup and report steps work on the whole
run) and per fifth of the extract step. Memory that does not grow with N, and responses
per CPU-second that do not fall, are what a real crawl needs.

Then, on the ``--kill-size`` set, the same command is killed (SIGKILL to the whole
process group) at ``--kill-at`` of the uninterrupted run's wall time, while the input
files are being read, and started again; every output (docs, removed, signatures,
dedup drop list and clusters, deduped docs) must then equal the uninterrupted run's
table for table, and the extract counters must match.

    .venv/bin/python bench/bench_fullsize.py [--sizes 5000 20000] [--files 2] [--workers 2] \\
        [--kill-size 20000] [--kill-at 0.4] [--joined] [--config FILE]

``--joined`` adds a set of files twice (``--files`` times) the largest size, each all files
of the largest set joined (gzip members concatenate): memory past a full-size file.

Writes ``bench/results/fullsize.json`` (``fullsize-<config name>.json`` with ``--config``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from warcset import ROOT, WORK, ensure_warc_set, synth_version

CORPUSFORGE = [sys.executable, "-m", "corpusforge"]
OUTPUTS = ("docs", "removed", "signatures", "dedup/drop", "dedup/clusters", "deduped/docs")


class TreeSampler(threading.Thread):
    """Peak RSS of every process under ``root``, grouped by depth below it (0 = the job)."""

    def __init__(self, root: int, every_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.root, self.every_s = psutil.Process(root), every_s
        self.peak: dict[int, int] = {}  # pid -> peak rss
        self.roles: dict[int, str] = {}  # pid -> main / worker / segment / extract_child / other
        self.peak_anon: dict[int, int] = {}  # pid -> peak anonymous (heap) memory: RssAnon
        self.cpu: dict[int, float] = {}  # pid -> CPU seconds at its last sample
        self.peak_total = 0
        self.worker_anon: list[tuple[float, int]] = []  # (seconds, largest worker RssAnon) per sample
        self.stop = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.stop.is_set():
            total = worker = 0
            try:
                levels = [(self.root, 0)]
                seen = []
                while levels:
                    proc, depth = levels.pop()
                    seen.append((proc, depth))
                    levels += [(c, depth + 1) for c in proc.children()]
                for proc, depth in seen:
                    role = self.roles.setdefault(proc.pid, _role(proc, depth))
                    t = proc.cpu_times()
                    self.cpu[proc.pid] = t.user + t.system
                    rss = proc.memory_info().rss
                    anon = _rss_anon(proc.pid)
                    self.peak_anon[proc.pid] = max(self.peak_anon.get(proc.pid, 0), anon)
                    worker = max(worker, anon) if role in WORK_ROLES else worker
                    total += rss
                    self.peak[proc.pid] = max(self.peak.get(proc.pid, 0), rss)
            except psutil.Error:
                pass  # a process ended between the listing and the read
            self.peak_total = max(self.peak_total, total)
            self.worker_anon.append((time.monotonic() - t0, worker))
            self.stop.wait(self.every_s)

    def worker_anon_by_step(self, step_ends: dict[str, float]) -> dict[str, float]:
        """Peak worker heap (MiB) while each step ran: from the previous step's end to its own."""
        out, start = {}, 0.0
        for step, end in sorted(step_ends.items(), key=lambda kv: kv[1]):
            out[step] = round(max((a for t, a in self.worker_anon if start <= t <= end), default=0) / 2**20, 1)
            start = end
        return out

    def worker_anon_by_fifth(self, end: float) -> list[float]:
        """Peak worker heap (MiB) in each fifth of the first ``end`` seconds (the extract
        step): a creep shows as a rising row, a plateau as a flat one."""
        fifths = [0.0] * 5
        for t, anon in self.worker_anon:
            if t <= end:
                i = min(4, int(5 * t / end))
                fifths[i] = max(fifths[i], anon / 2**20)
        return [round(v) for v in fifths]

    def by_role(self) -> dict[str, float]:
        """Peak RSS and peak anonymous memory (``<role>_anon``) per role of process, MiB;
        ``task`` is the larger of a pool worker and a segment process (the per-file work)."""
        out: dict[str, float] = {}
        for pid, rss in self.peak.items():
            for name in {self.roles[pid], "task" if self.roles[pid] in WORK_ROLES else ""} - {""}:
                out[name] = max(out.get(name, 0.0), rss / 2**20)
                out[name + "_anon"] = max(out.get(name + "_anon", 0.0), self.peak_anon.get(pid, 0) / 2**20)
        out["all_processes"] = self.peak_total / 2**20
        return out


#: processes that do the per-file work: pool workers and, in segments, their segment processes
WORK_ROLES = ("worker", "segment")


def _role(proc: "psutil.Process", depth: int) -> str:
    """What a process of the job is: by the name corpusforge gives its children, else its depth."""
    name = proc.name()
    if name == "cf-segment":
        return "segment"
    if name == "cf-extract":
        return "extract_child"
    if depth == 0:
        return "main"
    if depth == 1 and "forkserver" not in " ".join(proc.cmdline()):
        return "worker"
    return "other"  # fork servers


def _rss_anon(pid: int) -> int:
    """RssAnon of a process: its own heap, without the pages of files it maps (the WARC file
    is memory-mapped: its pages count in RSS but are page cache the kernel can take back)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_job(inputs: str, out: Path, workers: int, kill_after_s: float | None = None,
            config: str | None = None) -> dict[str, Any]:
    """Run the whole job once; with ``kill_after_s``, SIGKILL its process group then."""
    cmd = CORPUSFORGE + ["run", "--input", inputs, "--output", str(out), "--workers", str(workers), "--no-progress"]
    cmd += ["--config", config] if config else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, started = time.perf_counter(), time.time()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    killed = False
    if kill_after_s is not None:
        try:
            proc.wait(timeout=kill_after_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
    output = proc.communicate()[0].decode("utf-8", "replace")
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ends = {k: v - started for k, v in _step_ends(out).items()}
    steps = sampler.worker_anon_by_step(ends)
    # children the job reaped are in its rusage; a process it never waited for only in the samples
    cpu = max((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), sum(sampler.cpu.values()))
    if not killed and proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    return {"wall_s": wall, "cpu_s": cpu, "killed": killed, "rc": proc.returncode, "peak_rss_mib": sampler.by_role(),
            "worker_anon_by_step": steps,
            "worker_anon_extract_by_fifth": sampler.worker_anon_by_fifth(ends.get("extract", wall)),
            "output_tail": output[-1500:]}


def _step_ends(out: Path) -> dict[str, float]:
    """When each step's last task finished (its markers' times, ``OUT/_done/<step>``)."""
    ends = {}
    for step in (out / "_done").iterdir() if (out / "_done").is_dir() else []:
        times = [p.stat().st_mtime for p in step.rglob("*") if p.is_file()]
        if times:
            ends[step.name] = max(times)
    return ends


def file_seconds(out: Path) -> dict[str, float]:
    files = sorted((out / "stats" / "extract" / "files").glob("*.json"))
    return {p.stem: round(json.loads(p.read_text(encoding="utf-8")).get("seconds", 0.0), 1) for p in files}


def extract_counts(out: Path) -> dict[str, Any]:
    """The extract totals without timings (seconds differ between runs)."""
    stats = json.loads((out / "stats" / "extract.json").read_text(encoding="utf-8"))
    def counts(s: dict[str, Any]) -> dict[str, Any]:
        out = {k: s.get(k) for k in ("docs_in", "docs_out", "chars_in", "chars_out", "dropped")}
        out["counters"] = {k: v for k, v in (s.get("counters") or {}).items() if not k.endswith("_ms")}  # timings
        return out

    return {s["name"]: counts(s) for s in stats["stages"]}


def docs_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in folder.glob("*.parquet"))


def compare_outputs(a: Path, b: Path) -> list[str]:
    """Differences between two run directories' outputs (empty: identical tables)."""
    import pyarrow.parquet as pq

    diffs = []
    for kind in OUTPUTS:
        fa = sorted(p.name for p in (a / kind).glob("*.parquet"))
        fb = sorted(p.name for p in (b / kind).glob("*.parquet"))
        if fa != fb:
            diffs.append(f"{kind}: files {fa} vs {fb}")
            continue
        for name in fa:
            ta, tb = pq.read_table(a / kind / name), pq.read_table(b / kind / name)
            if not ta.equals(tb):
                diffs.append(f"{kind}/{name}: tables differ ({ta.num_rows} vs {tb.num_rows} rows)")
    ca, cb = extract_counts(a), extract_counts(b)
    for stage in sorted(set(ca) | set(cb)):
        if ca.get(stage) != cb.get(stage):
            sa, sb = ca.get(stage) or {}, cb.get(stage) or {}
            keys = [k for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)]
            diffs.append(f"stats/extract.json {stage}: " + "; ".join(f"{k} {sa.get(k)} vs {sb.get(k)}" for k in keys))
    return diffs


def joined_set(size: int, paths: list[Path]) -> tuple[int, list[Path]]:
    """As many files as ``paths``, each all of them joined, starting at another one (cached)."""
    folder = paths[0].parent.with_name(paths[0].parent.name + "-joined")
    folder.mkdir(exist_ok=True)
    out = []
    for i in range(len(paths)):
        target = folder / f"CC-SYNTH-JOINED-{i:05d}.warc.gz"
        if not target.exists():
            tmp = target.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                for p in paths[i:] + paths[:i]:
                    with open(p, "rb") as src:
                        shutil.copyfileobj(src, f, 1 << 24)
            tmp.rename(target)
        out.append(target)
    return size * len(paths), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000], help="HTTP responses per file")
    ap.add_argument("--files", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kill-size", type=int, default=None, help="the set of the kill test (default: the largest)")
    ap.add_argument("--kill-at", type=float, default=0.4, help="kill after this share of the uninterrupted wall time")
    ap.add_argument("--config", help="a run config (corpusforge run --config), e.g. other writer.segment_records")
    ap.add_argument("--keep", action="store_true", help="keep the run directories under bench/work/fullsize-runs")
    ap.add_argument("--joined", action="store_true",
                    help="also files that join all files of the largest set (gzip members concatenate): "
                         "--files times the largest size, to see memory past a full-size file")
    args = ap.parse_args()
    kill_size = args.kill_size or max(args.sizes)

    runs_dir = WORK / "fullsize-runs"
    shutil.rmtree(runs_dir, ignore_errors=True)
    rows = []
    sets = [(size, ensure_warc_set(size * args.files, args.files, args.seed, 0.05, "cc", workers=args.workers))
            for size in args.sizes]
    if args.joined:
        sets.append(joined_set(max(args.sizes), sets[-1][1] if args.sizes[-1] == max(args.sizes) else
                               ensure_warc_set(max(args.sizes) * args.files, args.files, args.seed, 0.05, "cc")))
    for size, paths in sets:
        gz = sum(p.stat().st_size for p in paths)
        out = runs_dir / f"n{size}"
        res = run_job(str(paths[0].parent / "*.warc.gz"), out, args.workers, config=args.config)
        responses = size * args.files
        row = {"responses_per_file": size, "files": args.files, "gzip_mib_per_file": gz / args.files / 2**20,
               **{k: res[k] for k in ("wall_s", "cpu_s", "peak_rss_mib", "worker_anon_by_step",
                                      "worker_anon_extract_by_fifth")},
               "responses_per_cpu_s": responses / res["cpu_s"], "file_seconds": file_seconds(out),
               "docs_kept": docs_rows(out / "docs"), "docs_after_dedup": docs_rows(out / "deduped" / "docs")}
        rows.append(row)
        print(json.dumps(row), flush=True)
        if size == kill_size:
            killed_out = runs_dir / f"n{size}-killed"
            k = run_job(str(paths[0].parent / "*.warc.gz"), killed_out, args.workers,
                        kill_after_s=args.kill_at * res["wall_s"], config=args.config)
            done_files = sorted(p.name for p in (killed_out / "_done" / "extract" / "files").glob("*")) \
                if (killed_out / "_done" / "extract" / "files").is_dir() else []
            r = run_job(str(paths[0].parent / "*.warc.gz"), killed_out, args.workers, config=args.config)
            diffs = compare_outputs(out, killed_out)
            row["kill"] = {"killed_after_s": round(args.kill_at * res["wall_s"], 1), "was_killed": k["killed"],
                           "files_done_at_kill": done_files, "rerun_wall_s": r["wall_s"], "rerun_cpu_s": r["cpu_s"],
                           "identical": not diffs, "differences": diffs}
            print(json.dumps(row["kill"]), flush=True)
    if not args.keep:
        shutil.rmtree(runs_dir, ignore_errors=True)

    print(f"\nset: {args.files} files per size, CommonCrawl page weight, --workers {args.workers}, "
          f"generator {synth_version()}, config {args.config or 'shipped'}\n")
    print("| responses / file | MiB gzip / file | wall s | CPU s | responses / CPU-s | s per file (each) "
          "| peak heap MiB (RssAnon): worker in extract / worker in later steps / trafilatura child / main "
          "| worker heap per fifth of extract | peak RSS MiB: worker / all |")
    print("|---:|---:|---:|---:|---:|---|---|---|---|")
    for r in rows:
        m, steps = r["peak_rss_mib"], r["worker_anon_by_step"]
        print(f"| {r['responses_per_file']:,} | {r['gzip_mib_per_file']:.0f} | {r['wall_s']:.0f} | {r['cpu_s']:.0f} | "
              f"{r['responses_per_cpu_s']:.0f} | {', '.join(f'{v:.0f}' for v in r['file_seconds'].values())} | "
              f"{steps.get('extract', 0):.0f} / {max([v for k, v in steps.items() if k != 'extract'], default=0):.0f} / "
              f"{m.get('extract_child_anon', 0):.0f} / {m.get('main_anon', 0):.0f} | "
              f"{' '.join(str(v) for v in r['worker_anon_extract_by_fifth'])} | "
              f"{m.get('task', 0):.0f} / {m.get('all_processes', 0):.0f} |")
    for r in rows:
        if "kill" in r:
            k = r["kill"]
            print(f"\nkill test ({r['responses_per_file']:,} responses per file): SIGKILL after {k['killed_after_s']} s "
                  f"(files finished by then: {len(k['files_done_at_kill'])}); re-run {k['rerun_wall_s']:.0f} s wall; "
                  f"outputs identical to the uninterrupted run: {k['identical']}"
                  + ("" if k["identical"] else f" — {k['differences']}"))
    out_json = ROOT / "bench" / "results" / (f"fullsize-{Path(args.config).stem}.json" if args.config else "fullsize.json")
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps({"generator": synth_version(), "cpus": os.cpu_count(), "rows": rows}, indent=1),
                        encoding="utf-8")
    print(f"wrote {out_json}")
    return 0 if all(r.get("kill", {}).get("identical", True) for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
