"""Every entry point checks a pipeline's order the same way, before any document flows."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpusforge.config import ConfigError, build_stages
from corpusforge.document import Document
from corpusforge.extract.charset import CharsetDecode  # noqa: F401  (declares what it produces)
from corpusforge.extract.trafilatura_extract import TrafilaturaExtract
from corpusforge.filters.length import LengthFilter
from corpusforge.filters.rules import DropFailed, RecordAllSignals
from corpusforge.order import PipelineOrderError
from corpusforge.pipeline import Pipeline
from corpusforge.synth import generate_warc

OPEN_RECORD = "filters:\n  - stage: RecordAllSignals\n  - stage: LengthFilter\n    min_chars: 10\n"


def test_record_all_without_drop_failed_is_refused_by_every_entry_point(tmp_path: Path) -> None:
    cfg = tmp_path / "open.yaml"
    cfg.write_text(OPEN_RECORD, encoding="utf-8")
    with pytest.raises(ConfigError, match="RecordAllSignals must be followed by DropFailed"):
        build_stages([{"stage": "RecordAllSignals"}, {"stage": "LengthFilter", "min_chars": 10}])
    with pytest.raises(ConfigError, match="RecordAllSignals must be followed by DropFailed"):
        Pipeline.from_config(cfg)
    with pytest.raises(PipelineOrderError, match="RecordAllSignals must be followed by DropFailed"):
        list(Pipeline([RecordAllSignals(), LengthFilter(min_chars=10)]).run([Document("a", "x")]))
    from corpusforge.cli import main

    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "短い"}\n', encoding="utf-8")
    assert main(["filter", "--preset", str(cfg), "--input", str(src), "--output", str(tmp_path / "o")]) == 2
    generate_warc(tmp_path / "w.warc.gz", records=5, seed=0)
    assert main(["run", "--input", str(tmp_path / "w.warc.gz"), "--output", str(tmp_path / "r"),
                 "--config", str(cfg), "--no-progress"]) == 2
    assert not (tmp_path / "r" / "docs").exists()   # refused before any task ran


def test_a_stage_before_the_one_it_needs_is_named() -> None:
    with pytest.raises(PipelineOrderError, match=r"stage 1 TrafilaturaExtract needs 'html'.*CharsetDecode"):
        Pipeline([TrafilaturaExtract(isolation="none")]).check()
    with pytest.raises(PipelineOrderError, match="DropFailed needs 'decision_record'.*RecordAllSignals"):
        Pipeline([DropFailed()]).check()


def test_decisions_are_a_typed_list_and_only_the_column_is_written() -> None:
    kept, dropped = [], []
    pipe = Pipeline([RecordAllSignals(), LengthFilter(min_chars=5, min_ja_letters=5), DropFailed()])
    for doc in pipe.run([Document("a", "ab"), Document("b", "日本語の文章です")],
                        on_drop=lambda d, reason, stage: dropped.append((d, reason, stage.name))):
        kept.append(doc)
    assert [d.id for d in kept] == ["b"] and kept[0].decisions is None
    doc, reason, stage = dropped[0]
    assert reason == "too_few_chars" and stage == "LengthFilter"
    assert doc.metadata["drop_reasons"] == "too_few_chars,too_few_ja_letters"
    assert not any(k.startswith("_") for k in doc.metadata) and "ja_analysis" in doc.scratch
