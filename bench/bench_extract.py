"""Extraction throughput: corpusforge vs datatrove on the same generated WARC set.

Both arms read the same ``.warc.gz`` files (≥ 20,000 HTTP responses, ~5% Japanese, from
``corpusforge.synth``) one after the other, each in its own subprocess on one core:

* **corpusforge**: ``WarcReader`` → the ``extract`` section of ``filters/extract.yaml``
  (JapanesePrecheck → CharsetDecode → TrafilaturaExtract → Normalize →
  JapaneseScriptFilter), as ``corpusforge run`` builds it.
* **datatrove**: its ``WarcReader`` → its ``Trafilatura`` extractor (defaults, as in
  FineWeb: ``favour_precision=True``, 1 s timeout in a child process) → a Japanese
  language filter. datatrove's own ``LanguageFilter`` needs a fastText model download,
  impossible offline, so the filter here is a datatrove ``BaseFilter`` written in this
  script that applies the SAME script-ratio decision as corpusforge (kana / Japanese /
  kana-share thresholds of the preset) — the comparison is then about everything before
  the decision. A second datatrove row runs trafilatura with corpusforge's settings
  (``fast=True``, no precision mode, no recall escalation: those of ``filters/extract.yaml``) so
  that the ratio is not an artefact of settings.

* **corpusforge-reader-only**: the same ``WarcReader`` with no stage, the floor under
  the corpusforge arm (WARC parsing is shared by both tools and not extraction work).

Neither arm writes output files; each collects the URLs it keeps. Reported: documents
(HTTP responses in the WARC files) per CPU-second (user + system of the arm's process
and all its child processes, i.e. per core; wall time on this shared machine is noisy),
wall time, Japanese pages found (recall against the generator's truth: Japanese HTML
answered with HTTP 200), pages kept that are not in that set (datatrove does not look
at the HTTP status, so it keeps Japanese 404 pages), and peak resident memory (largest
of the main process and of any child process). CPU time on a shared machine drifts by
±20% over minutes: ``--repeat N`` runs all arms N times, interleaved, reports for each
arm the round with its median CPU time, and gives the ratio of each round.

``--page-weight cc`` runs everything on the same pages with CommonCrawl-sized markup
(~160 KB of HTML on average instead of ~3 KB; ``corpusforge/synth/pages.py`` gives the basis),
where trafilatura costs what it costs on real crawl pages. ``--trafilatura-cost`` measures
just that: trafilatura's CPU ms per page with the settings of ``filters/extract.yaml`` and with
datatrove's defaults, and how much of the Japanese main text each recovers.

    .venv/bin/python bench/bench_extract.py [--records 20000] [--files 4] [--seed 1] [--page-weight light|cc]
                                            [--repeat 3]
    .venv/bin/python bench/bench_extract.py --page-weight cc --trafilatura-cost
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from warcset import ROOT, add_warcset_arguments, ensure_warc_set, japanese_urls, load_truth, warc_module_commit

TARGET_RATIO = 10.0


# ---------------------------------------------------------------------------- arms
def _usage() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_s": me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime,
            "main_peak_rss_mb": me.ru_maxrss / 1024, "child_peak_rss_mb": ch.ru_maxrss / 1024}


def arm_corpusforge(files: list[str], kept_path: str) -> dict[str, Any]:
    import multiprocessing.forkserver as mp_forkserver

    from corpusforge.config import build_stages, load_config
    from corpusforge.io.warc import WarcReader
    from corpusforge.pipeline import Pipeline
    from corpusforge.stats import Stats

    entries = load_config("extract")["extract"]
    stats = Stats("extract")
    kept = 0
    with open(kept_path, "w", encoding="utf-8") as out:
        for path in files:
            pipe = WarcReader(path) | Pipeline(build_stages(entries))
            for doc in pipe:
                out.write(doc.url + "\n")
                kept += 1
            for stage in pipe.stages:
                stage.finish()
            stats.merge(pipe.stats("extract"))
    # reap the trafilatura workers' forkserver so that its CPU time (and that of the
    # workers it reaped) is counted in RUSAGE_CHILDREN
    time.sleep(0.2)
    server = getattr(mp_forkserver, "_forkserver", None)
    if server is not None and getattr(server, "_forkserver_pid", None):
        server._stop()
    return {"kept": kept, "stages": stats.to_dict()["stages"]}


def arm_datatrove(files: list[str], kept_path: str, same_settings: bool) -> dict[str, Any]:
    import shutil
    import tempfile

    from datatrove.data import Document as DtDocument
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters.base_filter import BaseFilter
    from datatrove.pipeline.readers import WarcReader

    from corpusforge.config import load_config
    from corpusforge.extract.japanese import JapaneseScriptFilter
    from corpusforge.extract.script import count_scripts

    decision = next(e for e in load_config("extract")["extract"] if e["stage"] == "JapaneseScriptFilter")
    params = {k: v for k, v in decision.items() if k not in ("stage", "_base")}

    class JapaneseScriptRatioFilter(BaseFilter):
        """The Japanese language filter of this benchmark (no fastText model offline)."""

        name = "ja script ratio"

        def __init__(self) -> None:
            super().__init__()
            self.decision = JapaneseScriptFilter(**params)

        def filter(self, doc: DtDocument) -> bool:
            return self.decision.failed_test(count_scripts(doc.text)) is None

    class UrlList(PipelineStep):
        name = "url list"

        def run(self, data, rank: int = 0, world_size: int = 1):  # type: ignore[no-untyped-def]
            with open(kept_path, "w", encoding="utf-8") as f:
                for doc in data:
                    f.write(str(doc.metadata.get("url")) + "\n")
                    yield doc

    folder = os.path.dirname(files[0])
    names = {os.path.basename(f) for f in files}
    if same_settings:
        entry = next(e for e in load_config("extract")["extract"] if e["stage"] == "TrafilaturaExtract")
        extractor = Trafilatura(favour_precision=entry["favor_precision"], timeout=1, deduplicate=False,
                                fast=entry["fast"], include_tables=entry["include_tables"])
        if not entry.get("recall_escalation", True):  # as corpusforge: inherited by its forked child
            import trafilatura.core

            trafilatura.core.ESCALATION_MAX_LENGTH = 0
    else:
        extractor = Trafilatura()
    logs = tempfile.mkdtemp(prefix="dt-logs-")
    pattern = "*.warc.gz" if all(n.endswith(".warc.gz") for n in names) else None
    ex = LocalPipelineExecutor(pipeline=[WarcReader(folder, glob_pattern=pattern), extractor,
                                         JapaneseScriptRatioFilter(), UrlList()],
                               tasks=1, workers=1, logging_dir=logs, skip_completed=False)
    ex.run()
    shutil.rmtree(logs, ignore_errors=True)
    with open(kept_path, encoding="utf-8") as f:
        kept = sum(1 for _ in f)
    return {"kept": kept}


def arm_reader_only(files: list[str], kept_path: str) -> dict[str, Any]:
    """corpusforge's WarcReader alone: the floor under the extraction arm."""
    from corpusforge.io.warc import WarcReader

    n = sum(1 for path in files for _ in WarcReader(path))
    open(kept_path, "w").close()
    return {"kept": 0, "html_docs": n}


def run_arm(arm: str, files: list[str], kept_path: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    if arm == "corpusforge":
        info = arm_corpusforge(files, kept_path)
    elif arm == "corpusforge-reader-only":
        info = arm_reader_only(files, kept_path)
    else:
        info = arm_datatrove(files, kept_path, same_settings=(arm == "datatrove-same-settings"))
    info["wall_s"] = time.perf_counter() - t0
    info.update(_usage())
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    info["children_cpu_s"] = ch.ru_utime + ch.ru_stime
    return info


def sandbox_overhead(files: list[Path], limit: int = 400) -> dict[str, float]:
    """CPU ms per page of TrafilaturaExtract in-process vs in the child-process sandbox.

    Runs on the pages that pass the pre-check (those that reach extraction), decoded
    once; the sandbox figure counts the parent and the child (psutil) but not the
    one-off start of the worker, which is reported separately.
    """
    import psutil

    from corpusforge.document import Document
    from corpusforge.extract.charset import CharsetDecode
    from corpusforge.extract.precheck import JapanesePrecheck
    from corpusforge.extract.trafilatura_extract import TrafilaturaExtract
    from corpusforge.io.warc import WarcReader

    pre, dec = JapanesePrecheck(), CharsetDecode()
    htmls: list[str] = []
    for path in files:
        for d in WarcReader(path):
            if len(htmls) < limit and pre.rule(d.raw or b"", d.metadata.get("http_charset")):
                htmls.append(dec.decode(d.raw or b"", d.metadata.get("http_charset"))[0].text)
    out: dict[str, float] = {"pages": len(htmls)}
    for isolation in ("none", "process"):
        stage = TrafilaturaExtract(isolation=isolation)
        if isolation == "process":
            t = time.perf_counter()
            stage._extract("<html><body><p>warm up</p></body></html>")
            out["worker_start_wall_ms"] = (time.perf_counter() - t) * 1000
            child = psutil.Process(stage.worker.pid)  # type: ignore[union-attr]
            child_before = sum(child.cpu_times()[:2])
        t = time.process_time()
        docs = [Document(id=str(i), html=h) for i, h in enumerate(htmls)]
        n = sum(1 for _ in stage(docs))
        cpu = time.process_time() - t
        if isolation == "none":
            per_page = []
            for h in htmls:
                t1 = time.process_time()
                stage.fn(h)
                per_page.append((time.process_time() - t1) * 1000)
            per_page.sort()
            out["page_ms_p50"] = per_page[len(per_page) // 2]
            out["page_ms_p99"] = per_page[len(per_page) * 99 // 100]
            out["page_ms_max"] = per_page[-1]
        if isolation == "process":
            cpu += sum(child.cpu_times()[:2]) - child_before
        stage.close()
        out[f"{isolation}_cpu_ms_per_page"] = cpu / max(len(htmls), 1) * 1000
        out[f"{isolation}_kept"] = n
    return out


def trafilatura_settings(files: list[Path], truth_ja: set[str]) -> list[dict[str, Any]]:
    """CPU ms per page and Japanese pages kept for trafilatura setting variants.

    Runs on the pages that pass the pre-check, decoded once, in-process; the kept pages
    are those the shipped Normalize + JapaneseScriptFilter accept.
    """
    from functools import partial

    from corpusforge.extract.charset import CharsetDecode
    from corpusforge.extract.japanese import JapaneseScriptFilter
    from corpusforge.text.normalize import Normalize
    from corpusforge.extract.precheck import JapanesePrecheck
    from corpusforge.extract.script import count_scripts
    from corpusforge.extract.trafilatura_extract import trafilatura_text
    from corpusforge.io.warc import WarcReader

    pre, dec, norm, decide = JapanesePrecheck(), CharsetDecode(), Normalize(), JapaneseScriptFilter()
    pages = [(d.url, dec.decode(d.raw or b"", d.metadata.get("http_charset"))[0].text)
             for path in files for d in WarcReader(path) if pre.rule(d.raw or b"", d.metadata.get("http_charset"))]
    rows = []
    for fast, precision in ((True, False), (True, True), (False, False), (False, True)):
        fn = partial(trafilatura_text, favor_precision=precision, include_tables=False, include_comments=False,
                     fast=fast)
        t = time.process_time()
        texts = [(u, fn(h) or "") for u, h in pages]
        cpu = time.process_time() - t
        kept = {u for u, text in texts if decide.failed_test(count_scripts(norm.normalize(text))) is None}
        rows.append({"fast": fast, "favor_precision": precision, "ms_per_page": cpu / max(len(pages), 1) * 1000,
                     "japanese_kept": len(kept & truth_ja), "pages": len(pages)})
    return rows


def _spaceless(text: str) -> str:
    return "".join(text.split())


def main_text_recovery(out: str, main_text: str) -> tuple[float, float]:
    """(share of the main text's characters found in ``out`` line by line, share of ``out``'s
    characters that are main text): recall and precision of one extraction, whitespace ignored."""
    flat = _spaceless(out)
    lines = [_spaceless(x) for x in main_text.split("\n") if x.strip()]
    total = sum(len(x) for x in lines)
    found = sum(len(x) for x in lines if x in flat)
    return found / max(total, 1), min(1.0, found / max(len(flat), 1))


def trafilatura_cost(files: list[Path], truth: dict[str, dict[str, Any]], pages: int = 400,
                     japanese: int = 200) -> dict[str, Any]:
    """trafilatura's CPU ms per page, in-process, on evenly spaced HTML pages (HTTP 200) of the
    set, decoded with their true charset, with corpusforge's settings (filters/extract.yaml) and
    with datatrove's ``Trafilatura()`` defaults; on the Japanese pages also the main-text recall
    and precision of the output against the generator's truth."""
    from functools import partial

    from datatrove.pipeline.extractors import Trafilatura

    from corpusforge.config import load_config
    from corpusforge.extract.trafilatura_extract import trafilatura_text
    from corpusforge.io.warc import WarcReader

    html: list[tuple[str, str]] = []
    for path in files:
        for d in WarcReader(path):
            t = truth.get(d.url) or {}
            if t.get("status") == 200 and t.get("template") and t.get("charset") and d.raw:
                html.append((d.url, d.raw.decode(t["charset"], errors="replace")))

    def spaced(items: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
        return items if len(items) <= n else [items[k * len(items) // n] for k in range(n)]

    sample = spaced(html, pages)
    ja_sample = spaced([(u, h) for u, h in html if truth[u]["is_japanese"] and truth[u].get("main_text")], japanese)
    entry = next(e for e in load_config("extract")["extract"] if e["stage"] == "TrafilaturaExtract")
    settings = {"favor_precision": entry["favor_precision"], "include_tables": entry["include_tables"],
                "include_comments": entry["include_comments"], "fast": entry["fast"]}
    ours = partial(trafilatura_text, **settings, recall_escalation=entry.get("recall_escalation", True))
    ours_escalating = partial(trafilatura_text, **settings, recall_escalation=True)
    theirs = Trafilatura().extract
    result: dict[str, Any] = {"pages": len(sample), "japanese_pages": len(ja_sample),
                              "mean_kb": sum(len(h.encode("utf-8")) for _, h in sample) / max(len(sample), 1) / 1000,
                              "median_kb": sorted(len(h.encode("utf-8")) for _, h in sample)[len(sample) // 2] / 1000
                              if sample else 0.0}
    variants = [("corpusforge settings", ours), ("datatrove defaults", theirs)]
    if not entry.get("recall_escalation", True):
        variants.insert(1, ("corpusforge settings + recall escalation", ours_escalating))
    for name, fn in variants:
        ms = []
        for _, h in sample:
            t0 = time.process_time()
            fn(h)
            ms.append((time.process_time() - t0) * 1000)
        ms.sort()
        recall, precision, recovered = [], [], 0
        for u, h in ja_sample:
            r, p = main_text_recovery(fn(h) or "", truth[u]["main_text"])
            recall.append(r)
            precision.append(p)
            recovered += r >= 0.9
        n = max(len(ms), 1)
        result[name] = {"mean_ms": sum(ms) / n, "p50_ms": ms[len(ms) // 2] if ms else 0.0,
                        "p90_ms": ms[len(ms) * 9 // 10] if ms else 0.0, "max_ms": ms[-1] if ms else 0.0,
                        "ja_recall": sum(recall) / max(len(recall), 1), "ja_precision": sum(precision) / max(len(precision), 1),
                        "ja_recovered": recovered}
    return result


# ----------------------------------------------------------------------- driver
def launch(arm: str, files: list[Path], work: Path) -> dict[str, Any]:
    kept_path = work / f"kept-{arm}.txt"
    result_path = work / f"result-{arm}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--arm", arm, "--kept", str(kept_path),
           "--result", str(result_path), *map(str, files)]
    env = {**os.environ, "LOGURU_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    print(f"running {arm} ...", flush=True)
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    with open(result_path, encoding="utf-8") as f:
        res = json.load(f)
    with open(kept_path, encoding="utf-8") as f:
        res["kept_urls"] = {line.strip() for line in f if line.strip()}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_warcset_arguments(ap)
    ap.add_argument("--arms", default="corpusforge,corpusforge-reader-only,datatrove,datatrove-same-settings")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of all arms, interleaved (arm1, arm2, ..., arm1, ...); each row reports the "
                         "round with the median CPU time and the ratios are given per round")
    ap.add_argument("--sandbox-overhead", action="store_true",
                    help="only measure TrafilaturaExtract in-process vs in the child-process sandbox")
    ap.add_argument("--trafilatura-settings", action="store_true",
                    help="only compare trafilatura settings (speed, Japanese pages kept)")
    ap.add_argument("--trafilatura-cost", action="store_true",
                    help="only measure trafilatura's CPU ms per page (corpusforge settings and datatrove defaults) "
                         "and its Japanese main-text recovery")
    ap.add_argument("--arm", help=argparse.SUPPRESS)
    ap.add_argument("--kept", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.arm:  # inside an arm's subprocess
        info = run_arm(args.arm, args.paths, args.kept)
        with open(args.result, "w", encoding="utf-8") as f:
            json.dump(info, f)
        return

    reader = warc_module_commit()  # before the arms: the WARC reader is being changed by others
    files = ensure_warc_set(args.records, args.files, args.seed, args.ja_fraction, args.page_weight)
    if args.sandbox_overhead:
        r = sandbox_overhead(files)
        print(f"{r['pages']:.0f} pages that reach extraction: in-process {r['none_cpu_ms_per_page']:.2f} CPU ms/page, "
              f"sandboxed {r['process_cpu_ms_per_page']:.2f} CPU ms/page (parent + child); "
              f"worker start {r['worker_start_wall_ms']:.0f} ms wall; trafilatura per page p50 "
              f"{r['page_ms_p50']:.1f} / p99 {r['page_ms_p99']:.1f} / max {r['page_ms_max']:.1f} CPU ms")
        return
    truth = load_truth(files)
    truth_ja = japanese_urls(truth)
    if args.trafilatura_cost:
        c = trafilatura_cost(files, truth)
        print(f"corpusforge/io/warc.py at {reader}")
        print(f"page weight {args.page_weight}: {c['pages']} HTML pages (mean {c['mean_kb']:.1f} KB, median "
              f"{c['median_kb']:.1f} KB of HTML), {c['japanese_pages']} Japanese pages for the recovery columns\n")
        print("| trafilatura settings | CPU ms / page: mean | p50 | p90 | max | Japanese main text: recall | "
              "precision | pages ≥ 90% recovered |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name in (n for n in c if isinstance(c[n], dict)):
            r = c[name]
            print(f"| {name} | {r['mean_ms']:.1f} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['max_ms']:.0f} | "
                  f"{r['ja_recall']:.1%} | {r['ja_precision']:.1%} | {r['ja_recovered']} / {c['japanese_pages']} |")
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        with open(out / f"trafilatura_cost-{args.page_weight}.json", "w", encoding="utf-8") as f:
            json.dump(c, f, indent=1)
        return
    if args.trafilatura_settings:
        rows = trafilatura_settings(files, truth_ja)
        print(f"{rows[0]['pages']:,} pages that pass the pre-check, {len(truth_ja):,} Japanese in the truth\n")
        print("| fast | favor_precision | CPU ms / page | Japanese pages kept |")
        print("|---|---|---:|---:|")
        for r in rows:
            print(f"| {r['fast']} | {r['favor_precision']} | {r['ms_per_page']:.2f} | {r['japanese_kept']:,} |")
        return
    responses = sum(1 for r in truth.values() if r.get("status") is not None)
    work = ROOT / "bench" / "work" / ("bench_extract" if args.page_weight == "light" else f"bench_extract-{args.page_weight}")
    work.mkdir(parents=True, exist_ok=True)
    arms = args.arms.split(",")
    rounds = [{arm: launch(arm, files, work) for arm in arms} for _ in range(max(args.repeat, 1))]
    results = {arm: sorted((r[arm] for r in rounds), key=lambda x: x["cpu_s"])[len(rounds) // 2] for arm in arms}

    html_bytes = [r["body_bytes"] for r in truth.values() if r.get("status") == 200 and r.get("template")]
    print(f"\n{len(files)} WARC files, {responses:,} HTTP responses, {len(truth_ja):,} Japanese HTML pages "
          f"(HTTP 200) in the truth; page weight {args.page_weight}: HTML mean "
          f"{sum(html_bytes) / max(len(html_bytes), 1) / 1000:.1f} KB, median "
          f"{sorted(html_bytes)[len(html_bytes) // 2] / 1000 if html_bytes else 0:.1f} KB; corpusforge/io/warc.py at "
          f"{reader}; {os.cpu_count()} cores, one process per arm\n")
    print("| pipeline | docs / s / core | wall s | CPU s | Japanese found (recall) | kept, not in the truth set "
          "| peak RSS main / child MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = {}
    for arm, r in results.items():
        found = len(r["kept_urls"] & truth_ja)
        rate = responses / r["cpu_s"]
        rows[arm] = {"docs_per_cpu_s": rate, "wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "found": found,
                     "recall": found / max(len(truth_ja), 1), "false": len(r["kept_urls"] - truth_ja),
                     "main_rss_mb": r["main_peak_rss_mb"], "child_rss_mb": r["child_peak_rss_mb"]}
        w = rows[arm]
        found_cell = (f"{found:,} / {len(truth_ja):,} ({w['recall']:.2%})" if arm != "corpusforge-reader-only"
                      else "— (reads only)")
        print(f"| {arm} | {rate:,.0f} | {w['wall_s']:.1f} | {w['cpu_s']:.1f} | {found_cell} | {w['false']:,} "
              f"| {w['main_rss_mb']:.0f} / {w['child_rss_mb']:.0f} |")
    round_ratios: dict[str, list[float]] = {}
    if "corpusforge" in rows:
        for other in (a for a in rows if a.startswith("datatrove")):
            ratio = rows["corpusforge"]["docs_per_cpu_s"] / rows[other]["docs_per_cpu_s"]
            ok = ratio >= TARGET_RATIO and rows["corpusforge"]["recall"] >= rows[other]["recall"]
            per_round = sorted(r[other]["cpu_s"] / r["corpusforge"]["cpu_s"] for r in rounds)
            round_ratios[other] = per_round
            spread = (f"; per round {', '.join(f'{x:.1f}x' for x in per_round)}" if len(rounds) > 1 else "")
            print(f"\ncorpusforge / {other}: {ratio:.1f}x docs per CPU-second (median rows{spread}), recall "
                  f"{rows['corpusforge']['recall']:.2%} vs {rows[other]['recall']:.2%} "
                  f"({'meets' if ok else 'MISSES'} the {TARGET_RATIO:.0f}x target at same or better recall)")
        stages = results["corpusforge"].get("stages", [])
        if stages:
            print("\ncorpusforge time by stage (s, this process; TrafilaturaExtract is the wait for the child): "
                  + ", ".join(f"{s['name']} {s['seconds']:.2f}" for s in stages)
                  + f"; child processes (trafilatura) {results['corpusforge']['children_cpu_s']:.2f} CPU-s")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = "bench_extract.json" if args.page_weight == "light" else f"bench_extract-{args.page_weight}.json"
    with open(out / name, "w", encoding="utf-8") as f:
        json.dump({"args": {k: v for k, v in vars(args).items() if k not in ("arm", "kept", "result", "paths")},
                   "responses": responses, "japanese": len(truth_ja), "warc_reader": reader, "rows": rows,
                   "round_cpu_s": [{arm: r[arm]["cpu_s"] for arm in arms} for r in rounds],
                   "round_ratios": round_ratios}, f, indent=1)


if __name__ == "__main__":
    main()
