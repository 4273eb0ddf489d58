"""The run report: report.json numbers against the run's own outputs, the HTML, and bad run directories."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from corpusforge import analysis
from corpusforge.cli import main
from corpusforge.filters import tuning
from corpusforge.report import SCHEMA, build_report, write_report
from corpusforge.stats import Stats
from corpusforge.synth import generate_warc

pytestmark = pytest.mark.slow

COUNT_KEYS = {"docs", "count", "clusters", "size", "files", "fails", "docs_in", "docs_out", "chars_in", "chars_out",
              "chars", "domains", "pages", "undecodable", "documents", "dropped", "kept", "edges"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("report-run")
    (d / "in").mkdir()
    for i in range(2):
        generate_warc(d / "in" / f"CC-MAIN-REP-{i:05d}.warc.gz", records=600, seed=40 + i, ja_fraction=0.25)
    assert main(["run", "--input", str(d / "in" / "*.warc.gz"), "--output", str(d / "out"), "--no-progress"]) == 0
    return d / "out"


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(run_dir, out, ignore=shutil.ignore_patterns("in"))
    shutil.rmtree(out / "report", ignore_errors=True)
    return out


def _walk(obj: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, dict):
        return [x for k, v in obj.items() for x in _walk(v, f"{path}.{k}")]
    if isinstance(obj, list):
        return [x for i, v in enumerate(obj) for x in _walk(v, f"{path}[{i}]")]
    return [(path, obj)]


def test_run_ends_with_the_report_and_its_numbers_match_the_outputs(run_dir: Path) -> None:
    rep = json.loads((run_dir / "report" / "report.json").read_text(encoding="utf-8"))
    assert rep["schema"] == SCHEMA and rep["missing"] == []
    assert (run_dir / "stats" / "run.json").exists()
    # every count is an integer, never a dict or a float
    for path, v in _walk(rep["sections"]):
        key = re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]
        if key in COUNT_KEYS and v is not None and "config" not in path:
            assert isinstance(v, int) and not isinstance(v, bool), (path, v)
    s = rep["sections"]
    extract = Stats.load(run_dir / "stats" / "extract.json")
    steps = {x["step"]: x["docs"] for x in s["funnel"]["steps"]}
    assert steps["records read"] == extract.stages[0].docs_in
    deduped = pl.read_parquet(run_dir / "deduped" / "docs" / "*.parquet")
    assert steps["after near-duplicate removal"] == deduped.height
    assert steps["kept by the filters"] == pl.read_parquet(run_dir / "docs" / "*.parquet").height
    dropped = sum(d["docs"] for d in s["funnel"]["drops"])
    assert dropped == extract.stages[0].docs_in - deduped.height
    # domains: the final corpus, by domain
    assert s["domains"]["docs"] == deduped.height
    top = deduped.group_by("domain").len().sort("len", descending=True)
    assert s["domains"]["domains"] == top.height
    by_dom = {r["domain"]: r["docs"] for r in s["domains"]["top_domains"]}
    for dom, n in top.iter_rows():
        if dom in by_dom:
            assert by_dom[dom] == n
    # edu histogram covers every kept document
    assert sum(s["edu"]["histogram"]["count"]) == deduped.height
    assert abs(s["edu"]["mean"] - deduped["edu_score"].mean()) < 1e-4  # rounded to 4 places
    # each signal's share removed is what the rule removes on the recorded signals
    df = tuning.load_output(run_dir)
    rules = {(r.signal, r.reason): r for r in tuning.preset_rules("pipeline")}
    assert len(s["signals"]["signals"]) >= 20
    for g in s["signals"]["signals"]:
        assert g["docs"] == int(df[g["signal"]].is_not_null().sum())
        assert sum(g["histogram"]["count"]) == g["docs"]
        for t in g["thresholds"]:
            r = rules[(g["signal"], t["reason"])]
            assert t["threshold"] == float(r.threshold)
            assert t["fails"] == int(df.select(r.expr().fill_null(False).sum()).item())
            assert t["share_removed"] == round(t["fails"] / g["docs"], 6)
    # near-duplicate clusters add up to the documents in clusters
    nd = s["near_duplicates"]
    assert sum(x["size"] * x["clusters"] for x in nd["sizes"]) == nd["totals"]["docs_in_clusters"]
    # charsets are the decoder's counters
    dec = next(st for st in extract.stages if st.name == "CharsetDecode")
    assert {c["charset"]: c["docs"] for c in s["charsets"]["charsets"]} == {
        k.split(".", 1)[1]: v for k, v in dec.counters.items() if k.startswith("charset.")}
    assert s["timing"]["phases"][0]["wall_seconds"] > 0
    assert s["run"]["config"]["filters"] and s["run"]["versions"]["polars"] == pl.__version__
    # format x topic of the final corpus (the CategoryScore stage's columns); no shard phase: said so
    mix = s["mixture"]
    assert sum(r["docs"] for r in mix["before"]) == deduped.height
    counts = deduped.group_by("format", "topic").len()
    assert {(f, t): n for f, t, n in counts.iter_rows()} == {(r["format"], r["topic"]): r["docs"] for r in mix["before"]}
    assert mix["after"] is None and "no shard phase" in mix["after_missing"]
    assert s["funnel"]["tokens"] is None and "shard" in s["funnel"]["tokens_missing"]


def test_html_is_self_contained_with_a_plot_per_section(run_dir: Path) -> None:
    html = (run_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html) and "<script" not in html
    for section in ("funnel", "volume", "domains", "edu", "signals", "near_duplicates", "charsets", "timing"):
        body = html.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
        assert '<svg class="plot"' in body, section
    assert 'class="threshold"' in html  # thresholds marked on the signal histograms
    assert re.search(r'<div class="kpi"><b>[0-9,]+</b><span>records read</span>', html)
    assert "no shard phase in this run" in html
    mixture_html = html.split('<section id="mixture">', 1)[1].split("</section>", 1)[0]
    assert mixture_html.count('<svg class="plot"') == 1  # the format x topic heat map; no shard phase


def test_category_and_shard_outputs_are_shown_when_they_exist(run_dir: Path, tmp_path: Path) -> None:
    out = _copy(run_dir, tmp_path)
    for f in sorted((out / "docs").glob("*.parquet")):
        d = pl.read_parquet(f)
        d.with_columns(pl.Series("format", ["news", "blog_diary"] * (d.height // 2) + ["news"] * (d.height % 2)),
                       pl.lit("science_math").alias("topic")).write_parquet(f)
    # the shard phase's stats (schema corpusforge.shard/1): groups before / after the mixture, tokens
    (out / "stats" / "shard.json").write_text(json.dumps({
        "format": "corpusforge.shard/1", "mixture": "default", "input": {"files": 2, "documents": 19},
        "output": {"documents": 19, "tokens": 123456, "shards": 2}, "seconds": {"plan": 0.5, "write": 1.5},
        "groups": [{"name": "edu_high", "before": {"documents": 10, "tokens": 5000, "share": 0.5},
                    "after": {"documents": 10, "tokens": 15000, "share": 0.75, "epochs": 3.0}, "multiplicity": 3},
                   {"name": "web", "before": {"documents": 9, "tokens": 5000, "share": 0.5},
                    "after": {"documents": 9, "tokens": 5000, "share": 0.25, "epochs": 1.0}, "multiplicity": 1}]}))
    rep = build_report(out)
    mix = rep["sections"]["mixture"]
    assert mix["available"] and {r["format"] for r in mix["before"]} == {"news", "blog_diary"}
    assert mix["axes"] == {"format": ["news", "blog_diary"], "topic": ["science_math"]}  # the taxonomy's order
    assert sum(r["docs"] for r in mix["before"]) == rep["sections"]["domains"]["docs"]
    assert mix["after"][0] == {"group": "edu_high", "docs_before": 10, "tokens_before": 5000, "share_before": 0.5,
                               "docs_after": 10, "tokens_after": 15000, "share_after": 0.75, "epochs": 3.0,
                               "multiplicity": 3.0}
    assert rep["sections"]["funnel"]["tokens"] == 123456
    shard_time = [p for p in rep["sections"]["timing"]["phases"] if p["phase"] == "shard"]
    assert shard_time[0]["task_seconds"] == 2.0 and shard_time[0]["docs_in"] == 19
    write_report(out)
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    mixture_html = html.split('<section id="mixture">', 1)[1].split("</section>", 1)[0]
    assert mixture_html.count('<svg class="plot"') == 2 and "edu_high" in mixture_html


def _missing(out: Path) -> list[str]:
    assert main(["report", str(out)]) == 0
    rep = json.loads((out / "report" / "report.json").read_text(encoding="utf-8"))
    assert (out / "report" / "index.html").stat().st_size > 1000
    return rep["missing"]


def test_missing_output_directory_gives_a_report_that_says_so(tmp_path: Path) -> None:
    missing = _missing(tmp_path / "never-ran")
    assert any("not a directory" in m for m in missing)


def test_run_killed_midway_reports_what_it_finished(run_dir: Path, tmp_path: Path) -> None:
    out = _copy(run_dir, tmp_path)
    (out / "stats" / "extract.json").unlink()  # merged at the end of the phase: never written
    shutil.rmtree(out / "deduped")
    shutil.rmtree(out / "dedup")
    (out / "stats" / "run.json").unlink()
    victim = sorted((out / "docs").glob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])  # a half-written file
    missing = _missing(out)
    text = " ".join(missing)
    assert "did not finish" in text and "could not be read" in text
    rep = json.loads((out / "report" / "report.json").read_text(encoding="utf-8"))
    assert rep["sections"]["funnel"]["available"]  # from the per-file stats
    assert rep["sections"]["near_duplicates"]["available"] is False
    assert rep["sections"]["run"]["available"] is False


def test_damaged_dedup_outputs_leave_the_rest_of_the_report(run_dir: Path, tmp_path: Path) -> None:
    out = _copy(run_dir, tmp_path)
    for f in (out / "dedup" / "clusters").glob("*.parquet"):
        f.write_bytes(b"PAR1 not really")
    (out / "dedup" / "summary.json").write_text('{"documents": ')
    missing = _missing(out)
    assert any(m.startswith("near_duplicates: an input file could not be read") for m in missing)
    assert any("summary.json: unreadable" in m for m in missing)
    rep = json.loads((out / "report" / "report.json").read_text(encoding="utf-8"))
    assert rep["sections"]["near_duplicates"]["available"] is False
    assert rep["sections"]["domains"]["available"] and rep["sections"]["signals"]["available"]


def test_old_schema_stats_are_named_not_used(run_dir: Path, tmp_path: Path) -> None:
    out = _copy(run_dir, tmp_path)
    old = json.loads((out / "stats" / "extract.json").read_text())
    old["schema"] = "corpusforge.stats/0"
    old["stages"][0]["dropped"] = 5  # the shape of datatrove-style stats: a number where a dict belongs
    (out / "stats" / "extract.json").write_text(json.dumps(old))
    for f in (out / "stats" / "extract" / "files").glob("*.json"):
        f.write_text(json.dumps(old))
    (out / "stats" / "run.json").write_text("{not json")
    missing = _missing(out)
    assert any("corpusforge.stats/0" in m and "extract.json" in m for m in missing)
    assert any("run.json" in m for m in missing)


def test_empty_run_without_japanese_pages(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    generate_warc(tmp_path / "in" / "CC-MAIN-EN-00000.warc.gz", records=60, seed=3, ja_fraction=0.0)
    out = tmp_path / "out"
    assert main(["run", "--input", str(tmp_path / "in" / "*.warc.gz"), "--output", str(out), "--no-progress"]) == 0
    rep = json.loads((out / "report" / "report.json").read_text(encoding="utf-8"))
    assert any("no document was kept" in m for m in rep["missing"])
    assert rep["sections"]["funnel"]["available"] and rep["sections"]["domains"]["available"] is False
    assert rep["sections"]["edu"]["available"] is False
    assert analysis.load(out).filter(pl.col("kept")).collect().height == 0
    for kind in ("docs", "removed"):
        shutil.rmtree(out / kind)
    rep = build_report(out)
    assert any("no documents in OUT/docs" in m for m in rep["missing"])
    assert analysis.load(out).collect().height == 0


def test_analysis_load_marks_near_duplicates_and_drops(run_dir: Path) -> None:
    lf = analysis.load(run_dir, columns=["domain", "q_chars"])
    df = lf.collect()
    kept = df.filter(pl.col("kept"))
    deduped = pl.read_parquet(run_dir / "deduped" / "docs" / "*.parquet")
    assert sorted(kept["id"]) == sorted(deduped["id"])
    assert df.filter(pl.col("reason") == "near_duplicate").height == len(
        pl.read_parquet(run_dir / "dedup" / "drop" / "*.parquet"))
    assert df.filter(~pl.col("kept"))["reason"].null_count() == 0
    t = analysis.domain_table(lf, top=None)
    assert t["docs"].sum() == deduped.height and abs(t["char_share"].sum() - 1) < 1e-9
    assert set(analysis.tld_table(lf)["tld"]) <= {"jp", "com", "net", "org", "(none)"} | set(
        deduped["domain"].str.extract(r"\.([^.]+)$"))
    what = analysis.what_if_mixture(t.head(3).with_columns(pl.col("domain").alias("g")), {t["domain"][0]: 0.5}, key="g")
    assert abs(what["share_after"].sum() - 1) < 1e-9 and what.filter(pl.col("g") == t["domain"][0])["share_after"][0] == 0.5


def test_open_run_makes_a_small_demo_run_when_there_is_none(tmp_path: Path, monkeypatch, run_dir: Path) -> None:
    monkeypatch.setenv("CORPUSFORGE_OUT", str(run_dir))
    assert analysis.open_run() == run_dir
    monkeypatch.setenv("CORPUSFORGE_OUT", str(tmp_path / "none"))
    monkeypatch.setenv("CORPUSFORGE_TMP", str(tmp_path))
    out = analysis.open_run()
    assert out == tmp_path / "corpusforge-notebook-run" and (out / "report" / "index.html").exists()
    assert analysis.load(out).filter(pl.col("kept")).collect().height > 0


def test_report_phase_is_redone_only_when_the_run_changed(run_dir: Path, tmp_path: Path, capsys) -> None:
    out = _copy(run_dir, tmp_path)
    shutil.rmtree(out / "_done" / "report")  # the copy has no report: its phase is to be done again
    inputs = str(run_dir.parent / "in" / "*.warc.gz")
    assert main(["run", "--input", inputs, "--output", str(out), "--no-progress"]) == 0
    first = (out / "report" / "report.json").stat().st_mtime_ns
    assert main(["run", "--input", inputs, "--output", str(out), "--no-progress"]) == 0
    assert (out / "report" / "report.json").stat().st_mtime_ns == first  # nothing changed: not redone
    summary = json.loads((out / "dedup" / "summary.json").read_text())
    (out / "dedup" / "summary.json").write_text(json.dumps({**summary, "dropped": summary["dropped"] + 1}))
    assert main(["run", "--input", inputs, "--output", str(out), "--phases", "report", "--no-progress"]) == 0
    assert (out / "report" / "report.json").stat().st_mtime_ns > first
