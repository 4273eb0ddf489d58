"""WARC reading cost: the fast engine inflating with ISA-L vs with zlib vs warcio's engine.

Every arm reads the same generated ``.warc.gz`` files (20,000 HTTP responses in 4 files,
~5% Japanese, from ``corpusforge.synth``) with ``corpusforge.io.warc.WarcReader``, in its
own subprocess on one core, and hands out every document (nothing is extracted):

* **fast-isal**: ``engine="fast"``, members inflated by ISA-L (``CORPUSFORGE_INFLATER=isal``);
* **fast-zlib**: ``engine="fast"``, members inflated by zlib (``CORPUSFORGE_INFLATER=zlib``);
* **warcio**: ``engine="warcio"`` (warcio's ``ArchiveIterator``, zlib through Python readers).

Measured: CPU seconds of the reading loop in the child (``time.process_time``: user +
system of that process, i.e. per core; wall time on this shared machine is noisy), runs
interleaved arm by arm so that drift hits all arms alike, the median of ``--runs``. Each
run also hashes (xxh3) every document's id, URL, body and metadata and the reader's
stats: the same small cost in every arm; the script asserts that all runs of all arms
give the same documents, and that both inflaters give the same stats (warcio's engine
counts the same on well-formed files; a difference is reported, not asserted).

Sets: ``light`` (compact pages, ~3 KB of HTML) and ``cc`` (the same pages with
CommonCrawl-sized markup, ~160 KB of HTML on average), cached under ``bench/work/``.

    .venv/bin/python bench/bench_reader.py [--runs 3] [--weights cc light] [--records 20000] [--files 4]

Writes ``bench/results/reader.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

from warcset import ROOT, ensure_warc_set

ARMS = {
    "fast-isal": ("fast", "isal"),
    "fast-zlib": ("fast", "zlib"),
    "warcio": ("warcio", "zlib"),
}


# ---------------------------------------------------------------------------- child
def read_files(engine: str, paths: list[str]) -> dict[str, Any]:
    """Read every file with one engine; CPU seconds of the loop, document digest, stats."""
    import xxhash

    from corpusforge.io.warc import inflate
    from corpusforge.io.warc import WarcReader

    docs_digest = xxhash.xxh3_128()
    docs = raw_bytes = 0
    dropped: Counter[str] = Counter()
    counters: Counter[str] = Counter()
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    for path in paths:
        reader = WarcReader(path, engine=engine)
        for doc in reader:
            docs += 1
            raw_bytes += len(doc.raw or b"")
            docs_digest.update(f"{doc.id}\0{doc.url}\0{sorted(doc.metadata.items())}\0".encode())
            docs_digest.update(doc.raw or b"")
        dropped.update(reader.stats.dropped)
        counters.update(reader.stats.counters)
    cpu_s, wall_s = time.process_time() - start_cpu, time.perf_counter() - start_wall
    return {"cpu_s": cpu_s, "wall_s": wall_s, "docs": docs, "raw_bytes": raw_bytes,
            "inflater": inflate.inflater() if engine == "fast" else "zlib (warcio)",
            "docs_digest": docs_digest.hexdigest(),
            "stats": {"dropped": dict(sorted(dropped.items())), "counters": dict(sorted(counters.items()))}}


def run_arm(arm: str, paths: list[Path]) -> dict[str, Any]:
    engine, inflater = ARMS[arm]
    env = {**os.environ, "CORPUSFORGE_INFLATER": inflater}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, *map(str, paths)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{arm} failed:\n{done.stderr}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------------------- driver
def git_version(path: str) -> str:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("log", "-1", "--format=%h", "--", path) or "unknown"
    return commit + (" + uncommitted edits" if git("status", "--porcelain", "--", path) else "")


def bench_set(weight: str, paths: list[Path], runs: int) -> dict[str, Any]:
    for p in paths:  # into the page cache before the first timed run
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass
    results: dict[str, list[dict[str, Any]]] = {arm: [] for arm in ARMS}
    for i in range(runs):
        for arm in ARMS:
            r = run_arm(arm, paths)
            results[arm].append(r)
            print(f"  {weight} run {i + 1}/{runs} {arm:10s} {r['cpu_s']:7.2f} CPU-s  {r['docs']} docs", flush=True)

    reference = results["fast-isal"][0]
    for arm, rs in results.items():
        for r in rs:
            assert r["docs_digest"] == reference["docs_digest"], f"{weight}: {arm} gave other documents"
            if arm.startswith("fast"):
                assert r["stats"] == reference["stats"], f"{weight}: {arm} gave other stats"
    assert results["fast-isal"][0]["inflater"] == "isal" and results["fast-zlib"][0]["inflater"] == "zlib"

    median = {arm: statistics.median(r["cpu_s"] for r in rs) for arm, rs in results.items()}
    input_bytes = sum(p.stat().st_size for p in paths)
    return {
        "files": [str(p.relative_to(ROOT)) for p in paths],
        "input_bytes": input_bytes,
        "docs": reference["docs"],
        "doc_bytes": reference["raw_bytes"],
        "same_stats_as_warcio": results["warcio"][0]["stats"] == reference["stats"],
        "arms": {arm: {"cpu_s": [round(r["cpu_s"], 3) for r in rs], "wall_s": [round(r["wall_s"], 3) for r in rs],
                       "cpu_s_median": round(median[arm], 3),
                       "docs_per_cpu_s": round(reference["docs"] / median[arm], 1) if median[arm] > 0 else None,
                       "input_mb_per_cpu_s": round(input_bytes / 1e6 / median[arm], 1) if median[arm] > 0 else None}
                 for arm, rs in results.items()},
        "ratio_zlib_over_isal": round(median["fast-zlib"] / median["fast-isal"], 2) if median["fast-isal"] > 0 else None,
        "ratio_warcio_over_isal": round(median["warcio"] / median["fast-isal"], 2) if median["fast-isal"] > 0 else None,
        "ratio_warcio_over_zlib": round(median["warcio"] / median["fast-zlib"], 2) if median["fast-zlib"] > 0 else None,
    }


def print_table(sets: dict[str, dict[str, Any]]) -> None:
    print()
    print(f"{'set':6s} {'arm':10s} {'CPU-s (runs)':>28s} {'median':>8s} {'docs/CPU-s':>11s} {'gz MB/CPU-s':>12s} {'vs isal':>8s}")
    for weight, s in sets.items():
        isal = s["arms"]["fast-isal"]["cpu_s_median"]
        for arm, a in s["arms"].items():
            runs = ", ".join(f"{x:.2f}" for x in a["cpu_s"])
            ratio = a["cpu_s_median"] / isal if isal else float("nan")
            print(f"{weight:6s} {arm:10s} {runs:>28s} {a['cpu_s_median']:8.2f} {a['docs_per_cpu_s']:11.0f} "
                  f"{a['input_mb_per_cpu_s']:12.1f} {ratio:7.2f}x")
        print(f"{'':6s} {s['docs']} docs, {s['input_bytes'] / 1e6:.0f} MB gzip, {s['doc_bytes'] / 1e6:.0f} MB of HTML; "
              f"same documents with every arm; same stats as warcio: {s['same_stats_as_warcio']}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(read_files(sys.argv[2], sys.argv[3:])))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--weights", nargs="+", choices=("cc", "light"), default=["cc", "light"])
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ja-fraction", type=float, default=0.05)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reader.json")
    args = ap.parse_args()
    try:
        import isal
    except ImportError:
        raise SystemExit("bench_reader needs the isal package (pip install isal)")

    sets = {}
    for weight in args.weights:
        paths = ensure_warc_set(args.records, args.files, args.seed, args.ja_fraction, page_weight=weight)
        print(f"{weight}: {len(paths)} files", flush=True)
        sets[weight] = bench_set(weight, paths, args.runs)
    print_table(sets)
    out = {
        "command": "bench/bench_reader.py " + " ".join(sys.argv[1:]),
        "runs": args.runs,
        "measure": "median CPU seconds (process_time) of reading all files in a fresh process per run, one core",
        "versions": {"python": platform.python_version(), "isal": isal.__version__,
                     "zlib": zlib.ZLIB_RUNTIME_VERSION, "warcio": _version("warcio"),
                     "io/warc": git_version("corpusforge/io/warc")},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "sets": sets,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
