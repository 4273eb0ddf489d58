"""``corpusforge run`` end to end on generated CommonCrawl-like WARCs (default config)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from corpusforge.classify.taxonomy import Taxonomy
from corpusforge.cli import main
from corpusforge.io.writer import read_output
from corpusforge.synth import generate_warc

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    d = tmp_path_factory.mktemp("crawl")
    truth: list[dict] = []
    for i in range(3):
        p = d / f"CC-MAIN-E2E-{i:05d}.warc.gz"
        generate_warc(p, records=700, seed=100 + i, ja_fraction=0.15)
        truth += [json.loads(line) for line in open(f"{p}.truth.jsonl", encoding="utf-8")]
    return d, truth


def test_run_writes_the_design_layout_and_keeps_only_japanese(crawl, tmp_path: Path, capsys) -> None:
    d, truth = crawl
    out = tmp_path / "out"
    rc = main(["run", "--input", str(d / "*.warc.gz"), "--output", str(out), "--workers", "2", "--no-progress"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "JapanesePrecheck" in printed and "dedup:" in printed and "apply:" in printed
    for sub in ("docs", "removed", "signatures", "dedup", "deduped/docs", "stats/extract", "_done/extract"):
        assert (out / sub).is_dir(), sub
    docs = read_output(out, "docs")
    assert {"id", "url", "text", "domain", "charset", "ja_per_nonspace", "warc_date"} <= set(docs.columns)
    by_url = {t["url"]: t for t in truth}
    kept = docs["url"].to_list()
    assert kept, "the default pipeline kept nothing"
    assert all(by_url[u]["is_japanese"] for u in kept)  # never a non-Japanese page
    fmt_keys, topic_keys = Taxonomy.load().keys("format"), Taxonomy.load().keys("topic")
    assert set(docs["format"].to_list()) <= set(fmt_keys) and set(docs["topic"].to_list()) <= set(topic_keys)
    assert docs["edu_score"].is_between(0, 5).all() and set(docs["format_source"].to_list()) <= {"rule", "model"}
    removed = read_output(out, "removed")
    assert {"reason", "stage"} <= set(removed.columns)
    # records stopped by the pre-check are counted, not written
    assert "not_japanese_precheck" not in set(removed["reason"].to_list())
    stats = json.loads((out / "stats" / "extract.json").read_text())
    pre = next(s for s in stats["stages"] if s["name"] == "JapanesePrecheck")
    assert pre["dropped"]["not_japanese_precheck"] > 0
    charset = next(s for s in stats["stages"] if s["name"] == "CharsetDecode")
    assert any(k.startswith("charset.") for k in charset["counters"])
    # the near-duplicate drop list is keyed by id and applied in OUT/deduped
    summary = json.loads((out / "dedup" / "summary.json").read_text())
    deduped = read_output(out / "deduped", "docs")
    assert deduped.height == docs.height - summary["dropped"]
    assert set(deduped["id"].to_list()) <= set(docs["id"].to_list())


def test_rerun_skips_everything_and_reports_whole_run_totals(crawl, tmp_path: Path, capsys) -> None:
    d, _ = crawl
    out = tmp_path / "out"
    assert main(["run", "--input", str(d / "*.warc.gz"), "--output", str(out), "--no-progress"]) == 0
    first = json.loads((out / "stats" / "extract.json").read_text())
    capsys.readouterr()
    assert main(["run", "--input", str(d / "*.warc.gz"), "--output", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "(0 processed now, 3 already done)" in printed
    second = json.loads((out / "stats" / "extract.json").read_text())
    assert second["files"] == 3
    assert [s["docs_out"] for s in second["stages"]] == [s["docs_out"] for s in first["stages"]]


def test_shipped_presets_run_through_config(crawl, tmp_path: Path) -> None:
    d, _ = crawl
    from corpusforge.config import load_config

    stage_lists = {}
    for preset in ("default", "swallow", "llmjp"):
        out = tmp_path / preset
        rc = main(["run", "--input", str(d / "CC-MAIN-E2E-00000.warc.gz"), "--output", str(out), "--config", preset,
                   "--no-progress", "--phases", "extract"])
        assert rc == 0
        stats = json.loads((out / "stats" / "extract.json").read_text())
        names = [s["name"] for s in stats["stages"]]
        assert "TrafilaturaExtract" in names  # the extract section stays
        preset_stages = [e["stage"] for e in load_config(preset)["filters"]]
        assert all(any(n.startswith(st) for n in names) for st in preset_stages), (preset, preset_stages, names)
        stage_lists[preset] = tuple(names)
        reasons = set(pl.concat([pl.read_parquet(p) for p in (out / "removed").glob("*.parquet")],
                                how="diagonal_relaxed")["reason"].to_list())
        assert reasons, preset
    assert len(set(stage_lists.values())) == 3


def test_prefiltered_records_are_written_only_when_a_sample_is_asked_for(crawl, tmp_path: Path) -> None:
    d, _ = crawl
    cfg = tmp_path / "sample.yaml"
    cfg.write_text("filters: []\nannotate: []\nwriter:\n  sample_prefiltered: 0.5\n")
    out = tmp_path / "out"
    assert main(["run", "--input", str(d / "CC-MAIN-E2E-00000.warc.gz"), "--output", str(out), "--config", str(cfg),
                 "--no-progress", "--phases", "extract"]) == 0
    removed = read_output(out, "removed")
    sampled = removed.filter(pl.col("reason") == "not_japanese_precheck").height
    stats = json.loads((out / "stats" / "extract.json").read_text())
    rejected = next(s for s in stats["stages"] if s["name"] == "JapanesePrecheck")["dropped"]["not_japanese_precheck"]
    assert 0.3 * rejected < sampled < 0.7 * rejected  # about half, chosen by a hash of the id
