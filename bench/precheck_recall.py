"""Recall of the cheap Japanese pre-check against the full path, and its rejection rate.

On the generated WARC set (truth sidecar from ``corpusforge.synth``):

1. the *full path* — CharsetDecode → TrafilaturaExtract → Normalize → JapaneseScriptFilter
   of ``filters/extract.yaml`` — runs on EVERY HTML page the reader yields, without the
   pre-check; the pages it keeps are the reference set;
2. each pre-check variant runs on the same raw bytes; reported: the share of the
   reference set it keeps (the requirement is ≥ 99.5%), the share of the truly
   non-Japanese pages it rejects, its recall against the truth, and µs per page.

Variants: the shipped ``JapanesePrecheck`` settings (byte scans), the same with its
two optional declaration rules on (``<html lang="ja">``, declared Japanese charset),
and a Swallow-Corpus-style test: ``<html … lang="ja`` on the raw
bytes (their regex) OR a title that looks Japanese. Swallow scores the title with a
character n-gram linear model that is not public as a file; this script stands in for
it with "the title, decoded as UTF-8 → Shift_JIS → EUC-JP like theirs, has at least
one kana" (a stand-in, generous to that test on pages whose title is kanji-only).

    .venv/bin/python bench/precheck_recall.py [--records 20000] [--files 4] [--seed 1] [--page-weight light|cc]

``--page-weight cc``: the same pages with CommonCrawl-sized markup (long inline scripts and
styles before the body, Japanese menus and link farms around the text), cached separately.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any, Callable

from warcset import ROOT, add_warcset_arguments, ensure_warc_set, japanese_urls, load_truth, warc_module_commit

from corpusforge.config import build_stages, load_config
from corpusforge.document import Document
from corpusforge.extract.precheck import JapanesePrecheck
from corpusforge.extract.script import KANA_RE
from corpusforge.io.warc import WarcReader
from corpusforge.pipeline import Pipeline
from corpusforge.stats import Stats

SWALLOW_LANG_RE = re.compile(rb"<html[^>]*\slang\s*=\s*[\"']?ja", re.I)
TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title", re.I | re.S)


def swallow_style(body: bytes) -> bool:
    """Stand-in for the Swallow Corpus pre-check (see the module docstring)."""
    if SWALLOW_LANG_RE.search(body):
        return True
    m = TITLE_RE.search(body)
    if not m:
        return False
    raw = m.group(1)
    for codec in ("utf-8", "shift_jis", "euc_jp"):
        try:
            title = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        return KANA_RE.search(title) is not None
    return False


Page = tuple[str, str, bytes, dict[str, Any]]


def read_pages(path: Path) -> list[Page]:
    """(id, url, body, metadata) of one file's HTML records, held in memory so that the
    timings below cover the checks, not the reading (one file at a time: at cc page weight
    a file holds ~0.7 GB of HTML)."""
    return [(d.id, d.url, d.raw or b"", dict(d.metadata)) for d in WarcReader(path)]


def full_path_kept(pages: list[Page], stats: Stats) -> tuple[set[str], float, dict[str, dict[str, float]]]:
    """URLs the extraction section keeps when every page skips the pre-check, the seconds it
    took (its stage stats merged into ``stats``), and the script ratios of every page that
    reached the final decision (kept or not)."""
    entries = [e for e in load_config("extract")["extract"] if e["stage"] != "JapanesePrecheck"]
    pipe = Pipeline(build_stages(entries))
    docs = (Document(id=i, url=u, raw=raw, metadata=dict(md)) for i, u, raw, md in pages)
    ratios: dict[str, dict[str, float]] = {}

    def note(doc: Document, reason: str, stage: Any) -> None:
        if "ja_per_nonspace" in doc.metadata:
            ratios[doc.url] = {k: doc.metadata[k] for k in ("ja_per_letter", "ja_per_nonspace", "kana_per_nonspace", "kanji_per_nonspace")}

    t0 = time.perf_counter()
    kept = set()
    for d in pipe.run(docs, on_drop=note):
        kept.add(d.url)
        note(d, "", None)
    seconds = time.perf_counter() - t0
    for s in pipe.stages:
        if hasattr(s, "close"):
            s.close()
    stats.merge(pipe.stats("full"))
    return kept, seconds, ratios


def ratio_percentiles(ratios: dict[str, dict[str, float]], urls: set[str]) -> str:
    """min / p1 / median / max of ja_per_letter, ja_per_nonspace and kana share of CJK over ``urls``."""
    def pct(values: list[float]) -> str:
        if not values:
            return "—"
        v = sorted(values)
        return f"{v[0]:.3f} / {v[len(v) // 100]:.3f} / {v[len(v) // 2]:.3f} / {v[-1]:.3f}"
    rows = [ratios[u] for u in urls if u in ratios]
    letters = [r["ja_per_letter"] for r in rows]
    ja = [r["ja_per_nonspace"] for r in rows]
    share = [r["kana_per_nonspace"] / (r["kana_per_nonspace"] + r["kanji_per_nonspace"]) for r in rows if r["kana_per_nonspace"] + r["kanji_per_nonspace"] > 0]
    return f"{len(rows):,} | {pct(letters)} | {pct(ja)} | {pct(share)}"


def run_check(passes: Callable[[bytes, dict[str, Any]], bool], pages: list[Page]) -> tuple[set[str], float]:
    """URLs a pre-check variant passes among ``pages`` and the seconds it took."""
    t0 = time.perf_counter()
    passed = {u for _, u, raw, md in pages if passes(raw, md)}
    return passed, time.perf_counter() - t0


def summarize(name: str, passed: set[str], seconds: float, urls: set[str], reference: set[str],
              truth_ja: set[str]) -> dict[str, Any]:
    non_ja = urls - truth_ja
    return {
        "variant": name,
        "passed": len(passed),
        "recall_vs_full_path": len(passed & reference) / max(len(reference), 1),
        "missed_vs_full_path": sorted(reference - passed),
        "recall_vs_truth": len(passed & truth_ja) / max(len(truth_ja & urls), 1),
        "non_japanese_rejected": len(non_ja - passed) / max(len(non_ja), 1),
        "us_per_page": seconds / max(len(urls), 1) * 1e6,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_warcset_arguments(ap)
    args = ap.parse_args()

    reader = warc_module_commit()  # before reading: the WARC reader is being changed by others
    paths = ensure_warc_set(args.records, args.files, args.seed, args.ja_fraction, args.page_weight)
    truth = load_truth(paths)
    truth_ja = japanese_urls(truth)
    shipped = next(e for e in load_config("extract")["extract"] if e["stage"] == "JapanesePrecheck")
    params = {k: v for k, v in shipped.items() if k not in ("stage", "_base")}
    shipped_pre = JapanesePrecheck(**params)
    with_declarations = JapanesePrecheck(**{**params, "pass_html_lang": True, "pass_declared_charset": True})
    variants = [
        ("corpusforge JapanesePrecheck (shipped: byte scans)",
         lambda raw, md: shipped_pre.rule(raw, md.get("http_charset")) is not None),
        ("corpusforge + lang=ja and declared-charset rules",
         lambda raw, md: with_declarations.rule(raw, md.get("http_charset")) is not None),
        ("Swallow-style: html lang=ja OR Japanese title", lambda raw, md: swallow_style(raw)),
    ]
    reference: set[str] = set()
    ratios: dict[str, dict[str, float]] = {}
    urls: set[str] = set()
    full_stats = Stats("full")
    full_seconds = 0.0
    passed: dict[str, set[str]] = {n: set() for n, _ in variants}
    check_seconds: dict[str, float] = {n: 0.0 for n, _ in variants}
    for path in paths:
        pages = read_pages(path)
        urls |= {u for _, u, _, _ in pages}
        kept, seconds, file_ratios = full_path_kept(pages, full_stats)
        reference |= kept
        ratios.update(file_ratios)
        full_seconds += seconds
        for name, check in variants:
            got, seconds = run_check(check, pages)
            passed[name] |= got
            check_seconds[name] += seconds
        del pages
    print(f"{len(paths)} files, {args.records} responses, {len(urls)} HTML pages read, "
          f"{len(truth_ja)} Japanese HTML pages in the truth; page weight {args.page_weight}; "
          f"corpusforge/io/warc.py at {reader}")
    full = {"seconds": full_seconds, "stages": full_stats.to_dict()["stages"]}
    print(f"full path (no pre-check): kept {len(reference)} pages in {full_seconds:.1f} s; "
          f"{len(reference & truth_ja)} of them Japanese by the truth")
    rows = [summarize(n, passed[n], check_seconds[n], urls, reference, truth_ja) for n, _ in variants]

    print()
    print("| pre-check | pages passed | recall vs full path | non-Japanese rejected | recall vs truth | µs / page |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['variant']} | {r['passed']:,} / {len(urls):,} | {r['recall_vs_full_path']:.2%} | "
              f"{r['non_japanese_rejected']:.2%} | {r['recall_vs_truth']:.2%} | {r['us_per_page']:.1f} |")
    for r in rows:
        if r["missed_vs_full_path"]:
            print(f"\n{r['variant']}: missed {len(r['missed_vs_full_path'])} kept pages, e.g.")
            for u in r["missed_vs_full_path"][:5]:
                t = truth.get(u, {})
                print(f"  {u} kind={t.get('kind')} charset={t.get('charset')} lang={t.get('html_lang')} "
                      f"title={t.get('title')!r}")
    print("\nScript ratios of the extracted texts that reached the final decision "
          "(min / p1 / median / max):\n")
    print("| pages | n | ja_per_letter | ja_per_nonspace | kana ÷ (kana + kanji) |")
    print("|---|---:|---|---|---|")
    reached = set(ratios)
    print(f"| Japanese by the truth | {ratio_percentiles(ratios, reached & truth_ja)} |")
    print(f"| not Japanese by the truth | {ratio_percentiles(ratios, reached - truth_ja)} |")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = "precheck_recall.json" if args.page_weight == "light" else f"precheck_recall-{args.page_weight}.json"
    with open(out / name, "w", encoding="utf-8") as f:
        json.dump({"args": vars(args), "pages": len(urls), "reference": len(reference), "full_path": full,
                   "warc_reader": reader, "rows": rows}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
