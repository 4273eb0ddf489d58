"""The sections of ``report.json``: one function per section, each from stats and lazy parquet scans.

Every section is a dict with ``available`` (bool) and ``missing`` (why not, or null)
plus its numbers; counts are integers, shares and means floats, seconds floats.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from corpusforge import analysis
from corpusforge.resources import data_file
from corpusforge.stats import StageStats, Stats

TOP = 20
HIST_BINS = 30
EDU_BINS = 25
NUMERIC_OPS = {"lt", "le", "gt", "ge"}
# Stages whose output is a step of the funnel, in order (the first stage's input is "records").
FUNNEL_STEPS = (("WarcReader", "HTML pages"), ("JapanesePrecheck", "pass the Japanese pre-check"),
                ("JapaneseScriptFilter", "Japanese"))


def absent(why: str, **empty: Any) -> dict[str, Any]:
    return {"available": False, "missing": why, **empty}


def _stage(stats: Stats | None, name: str) -> StageStats | None:
    if stats is None:
        return None
    return next((s for s in stats.stages if s.name == name), None)


def funnel(phases: dict[str, Stats], shard_tokens: int | None) -> dict[str, Any]:
    """Records → HTML → Japanese → kept → after dedup → tokens, and every drop by stage and reason."""
    extract = phases.get("extract")
    if extract is None or not extract.stages:
        return absent("no extract stats (stats/extract.json or its per-file stats): the run did not start or "
                      "finished no input file", steps=[], drops=[])
    steps = [{"step": "records read", "docs": int(extract.stages[0].docs_in)}]
    for name, label in FUNNEL_STEPS:
        s = _stage(extract, name)
        if s is not None:
            steps.append({"step": label, "docs": int(s.docs_out)})
    steps.append({"step": "kept by the filters", "docs": int(extract.docs_out)})
    apply = phases.get("dedup_apply") or phases.get("dedup")
    if apply is not None and apply.stages:
        steps.append({"step": "after near-duplicate removal", "docs": int(apply.docs_out)})
    drops = []
    for phase, st in phases.items():
        if phase == "dedup" and "dedup_apply" in phases:
            continue  # the dedup phase decides the near-duplicates, dedup_apply drops them: count them once
        for s in st.stages:
            for reason, n in s.dropped.items():
                drops.append({"phase": phase, "stage": s.name, "reason": reason, "docs": int(n)})
    drops.sort(key=lambda d: (-d["docs"], d["phase"], d["stage"], d["reason"]))
    by_stage: Counter = Counter()
    for d in drops:
        by_stage[(d["phase"], d["stage"])] += d["docs"]
    return {"available": True, "missing": None, "steps": steps,
            "tokens": shard_tokens,
            "tokens_missing": None if shard_tokens is not None else "no shard phase in this run: no token count",
            "drops": drops,
            "drops_by_stage": [{"phase": p, "stage": s, "docs": int(n)} for (p, s), n in by_stage.most_common()]}


def volume(phases: dict[str, Stats]) -> dict[str, Any]:
    """Documents and characters into and out of every stage of every phase."""
    rows = [{"phase": phase, "stage": s.name, "docs_in": int(s.docs_in), "docs_out": int(s.docs_out),
             "chars_in": int(s.chars_in), "chars_out": int(s.chars_out),
             "tokens_out": int(s.counters["tokens"]) if "tokens" in s.counters else None}
            for phase, st in phases.items() for s in st.stages]
    if not rows:
        return absent("no stage stats in the output", stages=[])
    return {"available": True, "missing": None, "stages": rows,
            "tokens_missing": None if any(r["tokens_out"] is not None for r in rows)
            else "no stage counted tokens (the shard phase counts them)"}


def _table_rows(df: pl.DataFrame, key: str) -> list[dict[str, Any]]:
    rows = []
    for r in df.iter_rows(named=True):
        rows.append({key: r[key], "docs": int(r["docs"]), "chars": int(r["chars"] or 0),
                     "char_share": float(r["char_share"] or 0.0),
                     "edu_mean": None if r["edu_mean"] is None else round(float(r["edu_mean"]), 3)})
    return rows


def domains(lf: pl.LazyFrame | None) -> dict[str, Any]:
    """Top domains and TLDs of the final corpus by characters."""
    if lf is None or not analysis.has_columns(lf, "domain"):
        return absent("no documents with a domain column in OUT/docs", top_domains=[], top_tlds=[])
    all_domains = analysis.domain_table(lf, top=None)
    if all_domains.height == 0:
        return absent("no kept documents: nothing to count by domain", top_domains=[], top_tlds=[])
    cum = all_domains["char_share"].cum_sum()
    share = {str(n): float(cum[min(n, all_domains.height) - 1]) for n in (1, 10, 100)}
    return {"available": True, "missing": None,
            "domains": int(all_domains.height), "docs": int(all_domains["docs"].sum()),
            "chars": int(all_domains["chars"].sum()), "top_char_share": share,
            "top_domains": _table_rows(all_domains.head(TOP), "domain"),
            "top_tlds": _table_rows(analysis.tld_table(lf, top=TOP), "tld")}


def _hist_dict(h: pl.DataFrame) -> dict[str, Any]:
    return {"left": [round(v, 6) for v in h["left"].to_list()], "right": [round(v, 6) for v in h["right"].to_list()],
            "count": [int(c) for c in h["count"].to_list()]}


def edu(lf: pl.LazyFrame | None) -> dict[str, Any]:
    """Histogram of the edu score over the final corpus."""
    if lf is None or not analysis.has_columns(lf, "edu_score"):
        return absent("no edu_score column (no EduScore stage in the run's config)", histogram=None)
    kept = lf.filter(pl.col("kept"))
    h = analysis.histogram(kept, "edu_score", bins=EDU_BINS, lo=0.0, hi=5.0)
    n = int(h["count"].sum())
    if n == 0:
        return absent("no kept document has an edu score", histogram=None)
    mean = kept.select(pl.col("edu_score").mean()).collect(engine="streaming").item()
    at_least = {str(t): int(kept.filter(pl.col("edu_score") >= t).select(pl.len()).collect(engine="streaming").item())
                for t in (2.5, 3.0)}
    return {"available": True, "missing": None, "docs": n, "mean": round(float(mean), 4),
            "docs_at_least": at_least, "histogram": _hist_dict(h)}


SHARD_SCHEMA = "corpusforge.shard/1"


def shard_tokens(raw: Any, phases: dict[str, Stats]) -> int | None:
    """Tokens written by the shard phase: ``output.tokens`` of its stats, else a ``tokens`` counter."""
    if isinstance(raw, dict) and isinstance((raw.get("output") or {}).get("tokens"), (int, float)):
        return int(raw["output"]["tokens"])
    shard = phases.get("shard")
    if shard is not None:
        return sum(int(s.counters.get("tokens", 0)) for s in shard.stages) or None
    return None


def shard_groups(raw: Any) -> list[dict[str, Any]] | None:
    """One row per mixture group of the shard phase's stats: before and after the mixture."""
    groups = raw.get("groups") if isinstance(raw, dict) and raw.get("format") == SHARD_SCHEMA else None
    if not isinstance(groups, list):
        return None
    rows = []
    for g in groups:
        if not isinstance(g, dict):
            return None
        b, a = g.get("before") or {}, g.get("after") or {}
        rows.append({"group": str(g.get("name")),
                     "docs_before": int(b.get("documents", 0)), "tokens_before": int(b.get("tokens", 0)),
                     "share_before": float(b.get("share", 0.0)),
                     "docs_after": int(a.get("documents", 0)), "tokens_after": int(a.get("tokens", 0)),
                     "share_after": float(a.get("share", 0.0)), "epochs": float(a.get("epochs", 0.0)),
                     "multiplicity": float(g.get("multiplicity", 0.0))})
    return rows


def taxonomy_order() -> dict[str, list[str]]:
    """The format and topic keys in the order of ``classifiers/category/taxonomy.yaml`` (empty if absent)."""
    try:
        tax = yaml.safe_load(data_file("classifiers", "category", "taxonomy.yaml").read_text(encoding="utf-8"))
        return {axis: list(tax.get(axis) or {}) for axis in ("format", "topic")}
    except (OSError, yaml.YAMLError, AttributeError):
        return {"format": [], "topic": []}


def _axis(values: set[str], order: list[str]) -> list[str]:
    return [v for v in order if v in values] + sorted(values - set(order))


def mixture(lf: pl.LazyFrame | None, shard_raw: Any) -> dict[str, Any]:
    """Format × topic of the final corpus (before the mixture) and the shard phase's table (after).

    ``axes`` lists the formats and topics found, in the taxonomy's order.
    """
    before: list[dict[str, Any]] = []
    why_before = None
    if lf is None or not analysis.has_columns(lf, "format", "topic"):
        why_before = "no format / topic columns in OUT/docs: the category classifier did not run"
    else:
        t = analysis.category_table(lf)
        before = [{"format": r["format"], "topic": r["topic"], "docs": int(r["docs"]), "chars": int(r["chars"] or 0)}
                  for r in t.iter_rows(named=True)]
        if not before:
            why_before = "no kept documents"
    after = shard_groups(shard_raw)
    why_after = None if after is not None else (
        "no shard phase in this run (OUT/stats/shard.json): no mixture applied" if shard_raw is None
        else f"OUT/stats/shard.json is not {SHARD_SCHEMA} stats with mixture groups: not used")
    if not before and after is None:
        return absent(f"{why_before}; {why_after}", before=[], after=None, axes={"format": [], "topic": []})
    order = taxonomy_order()
    axes = {a: _axis({str(r[a]) for r in before}, order[a]) for a in ("format", "topic")}
    return {"available": True, "missing": None, "axes": axes, "before": before, "before_missing": why_before,
            "mixture": shard_raw.get("mixture") if after is not None else None,
            "after": after, "after_missing": why_after}


def _rules(config: dict[str, Any] | None, missing: list[str]) -> tuple[list[Any], str]:
    from corpusforge.config import load_run_config
    from corpusforge.filters.tuning import preset_rules

    if config is not None:
        try:
            return preset_rules(config), "the run's config (stats/run.json)"
        except Exception as e:  # an old or foreign config: the report goes on with the shipped one
            missing.append(f"the run's filter config could not be built ({type(e).__name__}: {e}); "
                           f"thresholds shown are the shipped pipeline's")
    return preset_rules(load_run_config(None)), "the shipped pipeline config (the run did not record its own)"


def signals(lf: pl.LazyFrame | None, config: dict[str, Any] | None, missing: list[str]) -> dict[str, Any]:
    """Every quality signal with a numeric threshold: histogram, thresholds, share of documents each removes.

    The plotted range is the signal's minimum to its 99th percentile, widened to take in a
    threshold unless that lies far outside the data (then ``on_scale`` is false).
    """
    if lf is None:
        return absent("no documents in OUT/docs or OUT/removed", signals=[])
    rules, source = _rules(config, missing)
    names = set(lf.collect_schema().names())
    by_signal: dict[str, list[Any]] = {}
    for r in rules:
        if r.signal in names and r.op in NUMERIC_OPS:
            by_signal.setdefault(r.signal, []).append(r)
    out = []
    for signal, rs in by_signal.items():
        col = pl.col(signal).cast(pl.Float64)
        st = lf.select(col.is_not_null().sum().alias("n"), col.min().alias("lo"), col.quantile(0.99).alias("p99"),
                       *(r.expr().fill_null(False).sum().alias(f"fails{i}") for i, r in enumerate(rs))
                       ).collect(engine="streaming")
        n, lo, p99 = st["n"][0], st["lo"][0], st["p99"][0]
        if not n:
            continue
        lo, hi = float(lo), float(p99)
        span = (hi - lo) or abs(hi) or 1.0
        shown = [float(r.threshold) for r in rs if lo - span <= float(r.threshold) <= hi + span]
        lo, hi = min([lo, *shown]), max([hi, *shown])
        pad = (hi - lo) * 0.05
        hi += pad
        lo = max(lo - pad, 0.0) if lo >= 0 else lo - pad
        h = analysis.histogram(lf, signal, bins=HIST_BINS, lo=lo, hi=hi)
        thresholds = [{"stage": r.stage, "reason": r.reason, "rule": r.describe(), "op": r.op,
                       "threshold": float(r.threshold), "on_scale": lo <= float(r.threshold) <= hi,
                       "fails": int(st[f"fails{i}"][0]), "share_removed": round(int(st[f"fails{i}"][0]) / int(n), 6)}
                      for i, r in enumerate(rs)]
        out.append({"signal": signal, "docs": int(n), "thresholds": thresholds, "histogram": _hist_dict(h)})
    if not out:
        return absent("no recorded signal of the config's rules in the parquet columns", signals=[],
                      rules_from=source)
    return {"available": True, "missing": None, "rules_from": source, "signals": out}


def near_duplicates(out: Path, summary: Any) -> dict[str, Any]:
    """Cluster sizes of the near-duplicate clusters (OUT/dedup/clusters) and the dedup totals."""
    lf = analysis.scan(analysis.parquet_files(out, "dedup/clusters"))
    totals = {k: int(v) for k, v in (summary or {}).items()
              if k in ("documents", "dropped", "kept", "clusters", "docs_in_clusters", "largest_cluster",
                       "candidate_pairs", "edges") and isinstance(v, (int, float))}
    if lf is None:
        if summary is None:
            return absent("no dedup phase output (OUT/dedup/summary.json, OUT/dedup/clusters/)", sizes=[], totals={})
        return {"available": True, "missing": "no cluster files", "sizes": [], "totals": totals,
                "threshold": summary.get("threshold")}
    sizes = (lf.group_by("dedup_cluster").agg(pl.len().alias("size"))
             .group_by("size").agg(pl.len().alias("clusters")).sort("size").collect(engine="streaming"))
    return {"available": True, "missing": None,
            "sizes": [{"size": int(s), "clusters": int(c)} for s, c in sizes.iter_rows()],
            "totals": totals, "threshold": (summary or {}).get("threshold")}


def charsets(phases: dict[str, Stats]) -> dict[str, Any]:
    """Charsets decoded, where the decision came from, header / meta lies caught, pre-check passes."""
    extract = phases.get("extract")
    dec = _stage(extract, "CharsetDecode")
    if dec is None:
        return absent("no CharsetDecode stats (no extract phase, or a config without it)",
                      charsets=[], sources=[], lies=[], precheck=[])

    def prefixed(counters: Counter, prefix: str, key: str) -> list[dict[str, Any]]:
        return [{key: k[len(prefix):], "docs": int(v)}
                for k, v in sorted(counters.items(), key=lambda kv: (-kv[1], kv[0])) if k.startswith(prefix)]

    pre = _stage(extract, "JapanesePrecheck")
    return {"available": True, "missing": None, "pages": int(dec.docs_in),
            "charsets": prefixed(dec.counters, "charset.", "charset"),
            "sources": prefixed(dec.counters, "source.", "source"),
            "lies": prefixed(dec.counters, "lie.", "declared_in"),
            "undecodable": int(dec.dropped.get("undecodable", 0)),
            "precheck": prefixed(pre.counters, "pass.", "evidence") if pre is not None else []}


# Run phases whose stats carry another name (``corpusforge run --phases apply`` writes dedup_apply stats).
STATS_PHASE_OF_RUN_PHASE = {"apply": "dedup_apply"}


def timing(phases: dict[str, Stats], run_info: dict[str, Any] | None, shard_raw: Any = None) -> dict[str, Any]:
    """Task seconds and throughput per phase and per stage (the shard phase: per step); wall seconds
    per phase when recorded."""
    steps = (shard_raw.get("seconds") if isinstance(shard_raw, dict) and shard_raw.get("format") == SHARD_SCHEMA
             else None)
    if not phases and not steps:
        return absent("no stats: nothing was timed", phases=[], stages=[])
    wall = (run_info or {}).get("phase_wall_seconds") or {}
    wall = {STATS_PHASE_OF_RUN_PHASE.get(k, k): v for k, v in wall.items()}
    prow = []
    for phase, st in phases.items():
        docs_in = int(st.stages[0].docs_in) if st.stages else 0
        prow.append({"phase": phase, "files": int(st.files), "task_seconds": round(st.seconds, 3),
                     "wall_seconds": wall.get(phase), "docs_in": docs_in,
                     "docs_per_task_second": round(docs_in / st.seconds, 1) if st.seconds > 0 else None})
    srow = [{"phase": phase, "stage": s.name, "seconds": round(s.seconds, 3), "docs_in": int(s.docs_in),
             "docs_per_second": round(s.docs_in / s.seconds, 1) if s.seconds > 0 else None}
            for phase, st in phases.items() for s in st.stages]
    if isinstance(steps, dict) and "shard" not in phases:
        docs = int((shard_raw.get("input") or {}).get("documents", 0))
        total = float(sum(v for v in steps.values() if isinstance(v, (int, float))))
        prow.append({"phase": "shard", "files": int((shard_raw.get("input") or {}).get("files", 0)),
                     "task_seconds": round(total, 3), "wall_seconds": wall.get("shard"), "docs_in": docs,
                     "docs_per_task_second": round(docs / total, 1) if total > 0 else None})
        srow += [{"phase": "shard", "stage": k, "seconds": round(float(v), 3), "docs_in": docs,
                  "docs_per_second": round(docs / v, 1) if v else None}
                 for k, v in steps.items() if isinstance(v, (int, float))]
    return {"available": True, "missing": None, "phases": prow, "stages": srow,
            "wall_missing": None if wall else "wall-clock seconds per phase are recorded by `corpusforge run`"}


def run(run_info: dict[str, Any] | None, versions_now: dict[str, str]) -> dict[str, Any]:
    """The run's config, command line and versions (or the versions of the reporting install)."""
    if run_info is None:
        return {"available": False, "missing": "the run recorded no stats/run.json (an older version, or a run "
                "killed before its end): config unknown; versions are those of the install writing this report",
                "argv": None, "config": None, "versions": versions_now, "versions_from": "report"}
    return {"available": True, "missing": None, "argv": run_info.get("argv"), "config": run_info.get("config"),
            "versions": run_info.get("versions") or versions_now, "versions_from": "run"}
