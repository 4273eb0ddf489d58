"""CPU cost per page of the two cheap extraction stages, and proof that a faster version decides the same.

``JapanesePrecheck`` sees every HTML response of a WARC file and ``CharsetDecode`` every
page the pre-check passes; on CommonCrawl-sized pages (~160 KB of HTML) their byte and
character scans cost real time. This benchmark runs the two stages, built from
``filters/extract.yaml`` exactly as ``corpusforge run`` builds them, over the generated
20,000-response WARC set (``--page-weight light``: ~3 KB pages, ``cc``: ~160 KB pages)
and reports the CPU µs per page of each stage (process CPU time around each stage call;
reading the WARC and the stages' one-off imports are not counted). Each run is a fresh
subprocess.

Speed work on these stages must not change a single decision, so every run also writes
what the stages decided for every page: the pre-check rule (or the drop), the charset, its
source, every other metadata value the stages add, the decoded HTML's length and CRC-32,
and the stages' drop reasons and counters. Two ways to compare:

* ``--baseline-rev REV`` runs the code of a git revision (``git archive`` into a temporary
  folder) as a second arm, interleaved with this tree run by run, so the timings share the
  machine's state and the decisions are compared page by page in the same run;
* ``--compare-to FILE`` compares this tree's decisions with a file written by an earlier run
  (``bench/results/precheck_decisions-<weight>-current.json``, saved aside).

    .venv/bin/python bench/bench_precheck_speed.py [--page-weight light|cc|both] [--runs 3]
        [--baseline-rev REV] [--compare-to SAVED_DECISIONS.json ...]

Results: ``bench/results/precheck_speed.json`` and the decision files next to it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
STAGES = ("JapanesePrecheck", "CharsetDecode")
MODULES = ("corpusforge/extract/precheck.py", "corpusforge/extract/charset.py", "corpusforge/extract/script.py")


# ------------------------------------------------------------------- one run (subprocess)
def run_stages(code_root: str, files: list[str]) -> dict[str, Any]:
    """Both stages over every HTML response of ``files``: CPU time per stage and the decisions."""
    sys.path.insert(0, code_root)
    import corpusforge
    from corpusforge.config import build_stages, load_config
    from corpusforge.io.warc import WarcReader

    if not Path(corpusforge.__file__).resolve().is_relative_to(Path(code_root).resolve()):
        raise RuntimeError(f"corpusforge imported from {corpusforge.__file__}, not from {code_root}")
    entries = [e for e in load_config("extract")["extract"] if e["stage"] in STAGES]
    pre, dec = build_stages(entries)
    # one-off imports the stages do on first use (~0.15 s, ~0.1 ms a page of the light set's
    # 1,527 decoded pages) are not per-page costs: done before the clock runs, in every arm
    import charset_normalizer  # noqa: F401
    import numpy  # noqa: F401

    from corpusforge.extract.script import hiragana_share

    hiragana_share("あ")
    clock = time.process_time_ns
    cpu_ns = {name: 0 for name in STAGES}
    pages = {name: 0 for name in STAGES}
    rows: list[list[Any]] = []
    for path in files:
        for doc in WarcReader(path):
            before = dict(doc.metadata)
            t0 = clock()
            kept = list(pre([doc]))
            t1 = clock()
            cpu_ns["JapanesePrecheck"] += t1 - t0
            pages["JapanesePrecheck"] += 1
            decoded: list[Any] = []
            if kept:
                t0 = clock()
                decoded = list(dec(kept))
                cpu_ns["CharsetDecode"] += clock() - t0
                pages["CharsetDecode"] += 1
            html = doc.html
            added = {k: v for k, v in doc.metadata.items() if before.get(k, None) != v}
            rows.append([doc.id, bool(kept), bool(decoded), dict(sorted(added.items())),
                         None if html is None else len(html),
                         None if html is None else zlib.crc32(html.encode("utf-8", "surrogatepass"))])
    stats = {}
    for stage in (pre, dec):
        d = stage.stats.to_dict()
        stats[stage.name] = {"dropped": d["dropped"], "counters": d["counters"]}
    return {"cpu_ns": cpu_ns, "pages": pages, "stats": stats, "rows": rows}


# ------------------------------------------------------------------- orchestration
def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def code_version() -> str:
    """Last commit of the measured modules and whether they have local edits."""
    commit = git("log", "-1", "--format=%h", "--", *MODULES)
    dirty = git("status", "--porcelain", "--", *MODULES)
    return f"{commit}{' + uncommitted edits' if dirty else ''}"


def export_revision(rev: str) -> Path:
    """The tracked files of ``rev`` in a temporary folder (its corpusforge/ and filters/)."""
    folder = Path(tempfile.mkdtemp(prefix="precheck-baseline-"))
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def one_run(code_root: Path, files: list[Path]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    try:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(code_root), "--result", out,
                        *map(str, files)], check=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"})
        with open(out, encoding="utf-8") as f:
            return json.load(f)
    finally:
        os.unlink(out)


def decisions(run: dict[str, Any]) -> dict[str, Any]:
    return {"stats": run["stats"], "rows": run["rows"]}


def diff_decisions(a: dict[str, Any], b: dict[str, Any], limit: int = 5) -> list[str]:
    """Human-readable differences between two decision records (empty: identical)."""
    out = []
    if a["stats"] != b["stats"]:
        out.append(f"stage stats differ: {a['stats']} vs {b['stats']}")
    if len(a["rows"]) != len(b["rows"]):
        out.append(f"page count differs: {len(a['rows'])} vs {len(b['rows'])}")
    for ra, rb in zip(a["rows"], b["rows"]):
        if ra != rb and len(out) < limit:
            out.append(f"page differs: {ra} vs {rb}")
    return out


def summarize(per_run: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in STAGES:
        pages = per_run[0]["pages"][name]
        us = [r["cpu_ns"][name] / 1000 / max(r["pages"][name], 1) for r in per_run]
        out[name] = {"pages": pages, "us_per_page_runs": [round(x, 1) for x in us],
                     "us_per_page_median": round(statistics.median(us), 1),
                     "cpu_s_median": round(statistics.median(r["cpu_ns"][name] for r in per_run) / 1e9, 3)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--page-weight", choices=("light", "cc", "both"), default="both")
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ja-fraction", type=float, default=0.05)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline-rev", help="also run the stages of this git revision, interleaved, and compare")
    ap.add_argument("--compare-to", nargs="*", default=[],
                    help="decision files of an earlier run to compare with (matched by their page weight)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:  # one run, in its own process
        info = run_stages(args.worker, args.paths)
        with open(args.result, "w", encoding="utf-8") as f:
            json.dump(info, f)
        return 0

    sys.path.insert(0, str(HERE))
    from warcset import ensure_warc_set

    RESULTS.mkdir(parents=True, exist_ok=True)
    weights = ("light", "cc") if args.page_weight == "both" else (args.page_weight,)
    saved = {}
    for p in args.compare_to:
        with open(p, encoding="utf-8") as f:
            d = json.load(f)
        saved[d["page_weight"]] = (p, d)
    arms: dict[str, Path] = {"current": ROOT}
    baseline_dir = None
    if args.baseline_rev:
        rev = git("rev-parse", "--short", args.baseline_rev)
        baseline_dir = export_revision(rev)
        arms = {f"baseline-{rev}": baseline_dir, "current": ROOT}
    report: dict[str, Any] = {"code": code_version(), "runs": args.runs, "weights": {}}
    ok = True
    try:
        for weight in weights:
            files = ensure_warc_set(args.records, args.files, args.seed, args.ja_fraction, weight)
            runs: dict[str, list[dict[str, Any]]] = {arm: [] for arm in arms}
            for i in range(args.runs):
                order = list(arms) if i % 2 == 0 else list(reversed(arms))  # alternate who goes first
                for arm in order:
                    runs[arm].append(one_run(arms[arm], files))
                    print(f"{weight} run {i + 1} {arm}: " + ", ".join(
                        f"{n} {runs[arm][-1]['cpu_ns'][n] / 1000 / max(runs[arm][-1]['pages'][n], 1):.1f} µs/page"
                        for n in STAGES), flush=True)
            entry: dict[str, Any] = {"files": [str(f.relative_to(ROOT)) for f in files], "arms": {}, "checks": {}}
            for arm, per_run in runs.items():
                entry["arms"][arm] = summarize(per_run)
                first = decisions(per_run[0])
                for k, r in enumerate(per_run[1:], 2):
                    problems = diff_decisions(first, decisions(r))
                    entry["checks"][f"{arm} run 1 == run {k}"] = not problems
                    ok &= not problems
                with open(RESULTS / f"precheck_decisions-{weight}-{arm}.json", "w", encoding="utf-8") as f:
                    json.dump({"page_weight": weight, "code": report["code"] if arm == "current" else arm,
                               **first}, f)
            cur = decisions(runs["current"][0])
            others = [(arm, decisions(per_run[0])) for arm, per_run in runs.items() if arm != "current"]
            if weight in saved:
                others.append((saved[weight][0], {k: saved[weight][1][k] for k in ("stats", "rows")}))
            for name, other in others:
                problems = diff_decisions(other, cur)
                entry["checks"][f"decisions identical to {name}"] = not problems
                ok &= not problems
                for line in problems:
                    print(f"  DIFFERENT ({weight}, {name}): {line[:500]}")
            report["weights"][weight] = entry
    finally:
        if baseline_dir is not None:
            shutil.rmtree(baseline_dir, ignore_errors=True)
    with open(RESULTS / "precheck_speed.json", "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)

    print(f"\ncode: {report['code']}; CPU µs per page, {args.runs} runs each (median first)\n")
    print("| set | stage | pages | " + " | ".join(arms) + (" | ratio |" if len(arms) > 1 else " |"))
    print("|---|---|---:|" + "---:|" * len(arms) + ("---:|" if len(arms) > 1 else ""))
    for weight, entry in report["weights"].items():
        for name in STAGES:
            cells = []
            for arm in arms:
                s = entry["arms"][arm][name]
                cells.append(f"{s['us_per_page_median']:.1f} ({', '.join(f'{x:.1f}' for x in s['us_per_page_runs'])})")
            ratio = ""
            if len(arms) > 1:
                a, b = (entry["arms"][arm][name]["us_per_page_median"] for arm in arms)
                ratio = f" {a / b:.1f}x |" if b else " - |"
            print(f"| {weight} | {name} | {entry['arms']['current'][name]['pages']} | " + " | ".join(cells) + " |" + ratio)
    print()
    for weight, entry in report["weights"].items():
        for check, passed in entry["checks"].items():
            print(f"{weight}: {check}: {'yes' if passed else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
