"""``report.json`` from a run directory, and the report folder (JSON + the HTML rendered from it)."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any, Callable

import polars as pl

from corpusforge import analysis
from corpusforge.io.atomic import atomic_write_text
from corpusforge.report import sections
from corpusforge.report.html import render_html
from corpusforge.report.inputs import read_json, read_phase_stats, read_run_info, versions

SCHEMA = "corpusforge.report/1"
# Parquet columns the report reads; text only where no filter recorded q_chars (its length).
DOC_COLUMNS = ("domain", "q_chars", "edu_score", "format", "topic")


def _columns(out: Path) -> list[str]:
    """The report's columns plus every quality signal (``q_*``) found in the parquet files."""
    names: set[str] = set()
    for kind in analysis.DOC_KINDS:
        for f in analysis.parquet_files(out, kind):
            names.update(pl.read_parquet_schema(f))
    text = ["text"] if "q_chars" not in names else []
    return [*DOC_COLUMNS, *text, *sorted(n for n in names if n.startswith("q_"))]


def _documents(out: Path, missing: list[str]) -> pl.LazyFrame | None:
    try:
        lf = analysis.load(out, columns=_columns(out))
        n, kept = lf.select(pl.len(), pl.col("kept").sum()).collect(engine="streaming").row(0)
    except (OSError, pl.exceptions.PolarsError) as e:
        missing.append(f"the document parquet files could not be read ({type(e).__name__}: {e})")
        return None
    if n == 0:
        missing.append("no documents in OUT/docs or OUT/removed (no Japanese page found, or the extract phase "
                       "did not finish a file)")
        return None
    if not kept:
        missing.append(f"no document was kept ({n:,} removed): no Japanese page passed, see the funnel")
    return lf


def build_report(out: str | Path, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every section of the report of ``out`` as one JSON-ready dict (schema ``corpusforge.report/1``).

    ``progress`` is called with a line after each section (a large run takes a minute or more).
    """
    out = Path(out)
    missing: list[str] = []
    if not out.is_dir():
        missing.append(f"{out} is not a directory: no run output to report on")
    phases = read_phase_stats(out, missing) if out.is_dir() else {}
    run_info = read_run_info(out, missing) if out.is_dir() else None
    shard_raw = read_json(out / "stats" / "shard.json", missing)
    summary = read_json(out / "dedup" / "summary.json", missing)
    lf = _documents(out, missing) if out.is_dir() else None
    if not phases and out.is_dir():
        missing.append("no stats in OUT/stats/: no phase finished an input file")
    config = (run_info or {}).get("config")
    makers: dict[str, Callable[[], dict[str, Any]]] = {
        "funnel": lambda: sections.funnel(phases, sections.shard_tokens(shard_raw, phases)),
        "volume": lambda: sections.volume(phases),
        "domains": lambda: sections.domains(lf),
        "mixture": lambda: sections.mixture(lf, shard_raw),
        "edu": lambda: sections.edu(lf),
        "signals": lambda: sections.signals(lf, config if isinstance(config, dict) else None, missing),
        "near_duplicates": lambda: sections.near_duplicates(out, summary if isinstance(summary, dict) else None),
        "charsets": lambda: sections.charsets(phases),
        "timing": lambda: sections.timing(phases, run_info, shard_raw),
        "run": lambda: sections.run(run_info, versions()),
    }
    done: dict[str, dict[str, Any]] = {}
    for i, (name, make) in enumerate(makers.items(), 1):
        t0 = time.perf_counter()
        try:
            done[name] = make()
        except (OSError, pl.exceptions.PolarsError) as e:  # a damaged file: the section says so, the rest goes on
            why = f"{name}: an input file could not be read ({type(e).__name__}: {str(e).splitlines()[0][:300]})"
            missing.append(why)
            done[name] = sections.absent(why)
        if progress is not None:
            progress(f"report: {i}/{len(makers)} {name} ({time.perf_counter() - t0:.1f}s)")
    return {"schema": SCHEMA, "output": str(out),
            "generated_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "phases": list(phases), "missing": missing, "sections": done}


def write_report(out: str | Path, progress: Callable[[str], None] | None = None) -> tuple[Path, Path]:
    """Write ``OUT/report/report.json`` and ``OUT/report/index.html``; returns both paths."""
    report = build_report(out, progress)
    folder = Path(out) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    js, html = folder / "report.json", folder / "index.html"
    atomic_write_text(js, json.dumps(report, ensure_ascii=False, indent=1, default=str))
    atomic_write_text(html, render_html(report))
    return js, html
