"""Time and peak memory of ``corpusforge report`` on a run of millions of generated document rows.

Writes a run directory with ``--docs`` rows split over parquet files in ``docs/`` and
``removed/`` (the report's columns: domain, q_chars, edu_score, format, topic and every
quality signal of the shipped pipeline, no text), merged extract stats, a dedup summary and
cluster files, then runs in fresh processes, one after the other:

* ``report``: ``corpusforge.report.write_report`` (lazy scans, streaming engine);
* ``eager``: the same rows loaded into one DataFrame first (``tuning.load_output`` with the
  report's columns), the way the filter notebook read a run before ``corpusforge.analysis``.

    .venv/bin/python bench/bench_report.py --docs 3000000
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from corpusforge.config import load_run_config
from corpusforge.filters.tuning import preset_rules
from corpusforge.stats import StageStats, Stats

ROWS_PER_FILE = 100_000
FORMATS = ["news", "blog_diary", "forum_qa", "ad_shop", "reference", "tutorial", "official", "other"]
TOPICS = ["science", "health", "finance", "entertainment", "sports", "travel", "food", "technology", "politics"]
TLDS = ["jp", "co.jp", "com", "net", "org", "ne.jp", "or.jp", "info"]

ARM_CODE = {
    "report": "from corpusforge.report import write_report; write_report(OUT)",
    "eager": ("from corpusforge.filters import tuning; from corpusforge.report.build import _columns; "
              "from pathlib import Path; df = tuning.load_output(OUT, columns=_columns(Path(OUT))); print(df.height)"),
}


def generate(out: Path, docs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rules = preset_rules(load_run_config(None))
    signals = sorted({r.signal for r in rules if r.op in ("lt", "le", "gt", "ge")})
    thresholds = {r.signal: float(r.threshold) for r in rules if r.op in ("lt", "le", "gt", "ge")}
    n_domains = max(docs // 15, 10)
    names = [f"site{i}.{TLDS[i % len(TLDS)]}" for i in range(n_domains)]
    files = (docs + ROWS_PER_FILE - 1) // ROWS_PER_FILE
    kept_total = 0
    for f in range(files):
        n = min(ROWS_PER_FILE, docs - f * ROWS_PER_FILE)
        dom = np.minimum(rng.zipf(1.3, n) - 1, n_domains - 1)
        cols: dict[str, object] = {
            "id": [f"f{f:05d}/{i}" for i in range(n)],
            "domain": [names[d] for d in dom],
            "q_chars": rng.lognormal(7.5, 1.0, n).astype(np.int64),
            "edu_score": np.clip(rng.normal(2.0, 0.9, n), 0, 5),
            "format": rng.choice(FORMATS, n),
            "topic": rng.choice(TOPICS, n),
        }
        for s in signals:
            if s == "q_chars":
                continue
            t = thresholds[s] or 1.0
            cols[s] = np.abs(rng.normal(t * 0.7, abs(t) * 0.3 + 1e-3, n))
        df = pl.DataFrame(cols)
        removed = rng.random(n) < 0.3
        kept = df.filter(pl.Series(~removed))
        kept_total += kept.height
        (out / "docs").mkdir(parents=True, exist_ok=True)
        (out / "removed").mkdir(parents=True, exist_ok=True)
        kept.write_parquet(out / "docs" / f"part-{f:05d}.parquet")
        df.filter(pl.Series(removed)).with_columns(pl.lit("too_few_chars").alias("reason"),
                                                   pl.lit("DropFailed").alias("stage")).write_parquet(
            out / "removed" / f"part-{f:05d}.parquet")
        # a few near-duplicate clusters of 2-5 members per file
        members = rng.choice(kept.height, size=min(kept.height, 3000), replace=False)
        sizes = rng.integers(2, 6, len(members) // 3)
        cl = np.repeat(np.arange(len(sizes)) + f * 10_000, sizes)[: len(members)]
        (out / "dedup" / "clusters").mkdir(parents=True, exist_ok=True)
        pl.DataFrame({"id": kept["id"].gather(members[: len(cl)]), "dedup_cluster": cl,
                      "dedup_cluster_size": np.bincount(cl - f * 10_000)[cl - f * 10_000],
                      "dedup_keep": np.r_[True, cl[1:] != cl[:-1]]}).write_parquet(
            out / "dedup" / "clusters" / f"part-{f:05d}.parquet")
    stats = Stats("extract", files=files, seconds=docs / 300)
    reader = StageStats("WarcReader", docs_in=docs * 20, docs_out=docs * 18, seconds=docs / 3000)
    reader.dropped.update({"not_html": docs * 2})
    pre = StageStats("JapanesePrecheck", docs_in=docs * 18, docs_out=docs, seconds=docs / 5000)
    pre.dropped.update({"not_japanese_precheck": docs * 17})
    filt = StageStats("DropFailed", docs_in=docs, docs_out=kept_total, chars_in=docs * 2000, chars_out=kept_total * 2000)
    filt.dropped.update({"too_few_chars": docs - kept_total})
    stats.stages = [reader, pre, filt]
    (out / "stats").mkdir(parents=True, exist_ok=True)
    stats.save(out / "stats" / "extract.json")
    (out / "dedup" / "summary.json").write_text(json.dumps({"documents": kept_total, "threshold": 0.8161}))


def run_arm(arm: str, out: Path) -> dict[str, float]:
    code = (f"import resource, time; OUT = {str(out)!r}; t = time.perf_counter(); {ARM_CODE[arm]}; "
            "print('RESULT', time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line = next(x for x in r.stdout.splitlines() if x.startswith("RESULT"))
    _, secs, rss_kb = line.split()
    return {"seconds": round(float(secs), 1), "process_seconds": round(time.perf_counter() - t0, 1),
            "peak_rss_mib": round(int(rss_kb) / 1024)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=3_000_000)
    p.add_argument("--work", type=Path, default=Path(__file__).parent / "work" / "report")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--arms", default="report,eager")
    a = p.parse_args()
    out = a.work / f"run-{a.docs}"
    if not (out / "stats" / "extract.json").exists():
        t = time.perf_counter()
        random.seed(a.seed)
        generate(out, a.docs, a.seed)
        print(f"generated {a.docs:,} rows in {time.perf_counter() - t:.0f}s: {out}")
    size = sum(f.stat().st_size for f in out.rglob("*.parquet"))
    results = {"docs": a.docs, "parquet_mib": round(size / 2**20)}
    for arm in a.arms.split(","):
        results[arm] = run_arm(arm, out)
        print(arm, results[arm], flush=True)
    rep = json.loads((out / "report" / "report.json").read_text()) if (out / "report" / "report.json").exists() else {}
    if rep:
        results["report_signals"] = len(rep["sections"]["signals"].get("signals", []))
        results["report_domains"] = rep["sections"]["domains"].get("domains")
    res = Path(__file__).parent / "results"
    res.mkdir(exist_ok=True)
    (res / "report.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
