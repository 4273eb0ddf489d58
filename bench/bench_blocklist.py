"""Full-size UT1 blocklists: the memory-mapped index against the plain dict, per worker.

A UT1-layout folder (one ``domains`` file per category folder) of ``--domains`` generated
domains (5 million by default; some listed in two categories, as UT1's ``adult`` and
``mixed_adult`` are) is cached under ``bench/work/``. Two arms run in the same invocation:

* **dict**: today's reference, ``hosts.load_blocklist`` (a Python dict in every process);
* **index**: ``blocklist_index.open_index`` (sorted 64-bit hashes, memory-mapped; built once
  by the first process into a fresh cache, then mapped by every worker).

For each arm ``--workers`` processes load the list at the same time, touch all of it (the
worst case for the mapped pages), and wait for each other before measuring, so shared
pages are shared while measured. Per worker: load seconds, RSS and PSS (proportional set
size: a shared page counts 1/N in each of N processes; their sum is the machine's
memory) above the process's RSS before loading, and the lookup cost of ``--hosts``
document hosts (10% listed, 10% subdomains of listed domains, 80% unlisted), most
specific parent first as the filter does. Both arms must give the same decision for
every host (asserted).

    .venv/bin/python bench/bench_blocklist.py [--domains 5000000] [--workers 2 8] [--hosts 200000]

Writes ``bench/results/blocklist.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from warcset import ROOT, WORK

#: the generated categories and their share of the domains (UT1: adult is most of it)
CATEGORIES = {"adult": 0.70, "mixed_adult": 0.08, "gambling": 0.06, "phishing": 0.08, "malware": 0.05,
              "dating": 0.03}
TLDS = ["com", "net", "org", "ru", "de", "jp", "co.jp", "xyz", "info", "fr", "br", "cn", "top", "io"]
#: the share of ``mixed_adult`` domains also listed in ``adult``
OVERLAP = 0.5


def _name(rng: random.Random) -> str:
    n = rng.randint(5, 16)
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=n))


def ensure_ut1(domains: int, seed: int = 0) -> Path:
    folder = WORK / f"ut1-d{domains}-s{seed}"
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    rng = random.Random(seed)
    adult: list[str] = []
    for cat, share in CATEGORIES.items():
        (folder / cat).mkdir(parents=True)
        n = int(domains * share)
        with open(folder / cat / "domains", "w", encoding="utf-8") as f:
            for i in range(n):
                if cat == "mixed_adult" and i < n * OVERLAP and adult:
                    d = adult[rng.randrange(len(adult))]
                else:
                    d = f"{_name(rng)}.{rng.choice(TLDS)}"
                    if cat == "adult" and i % 8 == 0:
                        adult.append(d)
                f.write(d + "\n")
    (folder / ".complete").write_text("", encoding="utf-8")
    return folder


def sample_hosts(folder: Path, n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    listed = []
    with open(folder / "adult" / "domains", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i % 97 == 0:
                listed.append(line.strip())
    hosts = []
    for _ in range(n):
        r = rng.random()
        if r < 0.1:
            hosts.append(rng.choice(listed))
        elif r < 0.2:
            hosts.append("img." + rng.choice(listed))
        else:
            hosts.append(f"www.{_name(rng)}.{rng.choice(TLDS)}")
    return hosts


# ---------------------------------------------------------------------------- workers
def _memory() -> dict[str, int]:
    out = {}
    with open("/proc/self/smaps_rollup", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                out[parts[0][:-1].lower()] = int(parts[1]) * 1024
    return out


def _worker(arm: str, folder: str, cache: str, hosts: list[str], barrier: Any, results: Any) -> None:
    import numpy as np
    import xxhash

    from corpusforge.filters.blocklist_index import open_index
    from corpusforge.filters.hosts import host_suffixes, load_blocklist, normalize_host

    hosts = [normalize_host(h) for h in hosts]
    before = _memory()
    t0 = time.perf_counter()
    if arm == "dict":
        table, _ = load_blocklist(Path(folder))

        def decide(host: str) -> str:
            for h in host_suffixes(host):
                v = table.get(h)
                if v is not None:
                    return v
            return ""
        size = len(table)
    else:
        index = open_index(Path(folder), None, Path(cache))
        for arr in (index.hashes, index.checks, index.sets):
            int(np.asarray(arr, dtype=np.uint64).sum())  # touch every page: the worst case

        def decide(host: str) -> str:
            return index.categories(host_suffixes(host)) or ""
        size = len(index)
    load_s = time.perf_counter() - t0
    t0 = time.process_time()
    decisions = [decide(h) for h in hosts]
    lookup_s = time.process_time() - t0
    barrier.wait()  # every worker holds its list now
    after = _memory()
    barrier.wait()
    digest = xxhash.xxh3_64("\n".join(decisions).encode()).hexdigest()
    results.put({"arm": arm, "pid": os.getpid(), "load_s": load_s, "entries": size,
                 "rss": after["rss"] - before["rss"], "pss": after["pss"] - before["pss"],
                 "us_per_doc": lookup_s / len(hosts) * 1e6, "blocked": sum(map(bool, decisions)), "digest": digest})


def run_arm(arm: str, workers: int, folder: Path, cache: Path, hosts: list[str]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(arm, str(folder), str(cache), hosts, barrier, results))
             for _ in range(workers)]
    for p in procs:
        p.start()
    rows = [results.get() for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"{arm} worker failed with exit code {p.exitcode}")
    return {"arm": arm, "workers": workers, "per_worker": rows,
            "total_pss_mib": sum(r["pss"] for r in rows) / 2**20,
            "max_rss_mib": max(r["rss"] for r in rows) / 2**20,
            "load_s": max(r["load_s"] for r in rows),
            "us_per_doc": sorted(r["us_per_doc"] for r in rows)[len(rows) // 2],
            "digest": rows[0]["digest"], "blocked": rows[0]["blocked"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--domains", type=int, default=5_000_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[2, 8])
    ap.add_argument("--dict-workers", type=int, default=2, help="the dict arm's process count (memory: ~W x 0.7 GB)")
    ap.add_argument("--hosts", type=int, default=200_000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    folder = ensure_ut1(args.domains)
    lines = sum(1 for c in CATEGORIES for _ in open(folder / c / "domains", encoding="utf-8"))
    print(f"UT1 folder {folder} ({lines:,} lines; {time.perf_counter() - t0:.1f} s)", flush=True)
    hosts = sample_hosts(folder, args.hosts)

    from corpusforge.filters.blocklist_index import open_index

    cache = Path(tempfile.mkdtemp(prefix="blocklist-cache-", dir=WORK))
    try:
        t0 = time.perf_counter()
        index = open_index(folder, None, cache)
        build_s = time.perf_counter() - t0
        meta = json.loads((index.folder / "meta.json").read_text(encoding="utf-8"))
        index_bytes = sum(p.stat().st_size for p in index.folder.glob("*.npy"))
        print(f"index built in {build_s:.1f} s: {meta['domains']:,} domains, {index_bytes / 2**20:.1f} MiB, "
              f"{meta['hash64_collisions']} 64-bit collisions", flush=True)
        arms = [run_arm("dict", args.dict_workers, folder, cache, hosts)]
        arms += [run_arm("index", w, folder, cache, hosts) for w in args.workers]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    digests = {a["digest"] for a in arms}
    assert len(digests) == 1, f"the arms decided differently: {digests}"

    print("\n| arm | workers | load s (per worker) | RSS MiB per worker | PSS MiB all workers | µs / document |")
    print("|---|---:|---:|---:|---:|---:|")
    for a in arms:
        print(f"| {a['arm']} | {a['workers']} | {a['load_s']:.2f} | {a['max_rss_mib']:.0f} | "
              f"{a['total_pss_mib']:.0f} | {a['us_per_doc']:.2f} |")
    print(f"\nindex build (once, first process): {build_s:.1f} s; same decisions in every arm "
          f"({arms[0]['blocked']:,} of {len(hosts):,} hosts blocked)")
    out = ROOT / "bench" / "results" / "blocklist.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"domains_lines": lines, "index_domains": meta["domains"], "index_mib": index_bytes / 2**20,
                               "build_s": build_s, "hosts": len(hosts), "cpus": os.cpu_count(), "arms": arms},
                              indent=1), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
