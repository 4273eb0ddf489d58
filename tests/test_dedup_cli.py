"""``corpusforge dedup`` on parquet / jsonl and on a run output; the stages inside the
documents phase executor (side outputs committed with the file, resume after a crash)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import corpusforge as cf
from corpusforge.cli import main
from corpusforge.dedup import run_dedup_phase
from corpusforge.dedup.families import make_families
from corpusforge.dedup.sigfile import SUFFIX, SignatureFile
from corpusforge.dedup.standalone import TextReaderFactory
from corpusforge.phases.documents import run_documents_phase


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return make_families(12, 4, seed=3, max_edit=0.25, singletons=10, chars=900).texts


def _write_inputs(directory: Path, texts: dict[str, str]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    ids = sorted(texts)
    a = directory / "part-a.jsonl"
    with open(a, "w", encoding="utf-8") as f:
        for i in ids[0::2]:
            f.write(json.dumps({"id": i, "text": texts[i], "url": f"https://ex.jp/{i}"}, ensure_ascii=False) + "\n")
        f.write("{broken json\n")
        f.write(json.dumps({"id": "blank", "text": ""}) + "\n")
    b = directory / "part-b.parquet"
    pq.write_table(pa.table({"id": ids[1::2], "text": [texts[i] for i in ids[1::2]],
                             "edu_score": [1.5] * len(ids[1::2])}), b)
    return [a, b]


def _read(out: Path, kind: str) -> pl.DataFrame:
    files = sorted((out / kind).glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else pl.DataFrame()


def test_cli_dedups_jsonl_and_parquet(corpus: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _write_inputs(tmp_path / "in", corpus)
    out = tmp_path / "out"
    rc = main(["dedup", "-i", str(tmp_path / "in" / "*"), "-o", str(out), "--preset", "dedup_fast", "-w", "2",
               "--no-progress"])
    assert rc == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "dedup" / "summary.json").read_text())
    assert f"dropped={summary['dropped']}" in printed
    kept, removed = _read(out, "docs"), _read(out, "removed")
    assert len(kept) + len(removed) == len(corpus) + 1  # + the blank document (never signed, kept)
    assert summary["dropped"] == len(removed) > 10
    assert set(removed["reason"]) == {"near_duplicate"}
    assert (removed["dedup_cluster"] >= 0).all() and (removed["dedup_cluster_size"] >= 2).all()
    assert "blank" in kept["id"].to_list()
    # every dropped document has a kept member of its cluster
    assert set(removed["dedup_cluster"]) <= set(kept.filter(pl.col("dedup_cluster") >= 0)["dedup_cluster"])
    assert "edu_score" in kept.columns  # input columns survive
    # a second run is a no-op with the same result
    assert main(["dedup", "-i", str(tmp_path / "in" / "*"), "-o", str(out), "--preset", "dedup_fast",
                 "--no-progress"]) == 0
    assert _read(out, "removed").sort("id").equals(removed.sort("id"))


def test_cli_incremental_against_earlier_output(corpus: dict[str, str], tmp_path: Path) -> None:
    ids = sorted(corpus)
    old_in, new_in = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    with open(old_in, "w", encoding="utf-8") as f:
        for i in ids[:24]:
            f.write(json.dumps({"id": i, "text": corpus[i]}, ensure_ascii=False) + "\n")
    with open(new_in, "w", encoding="utf-8") as f:
        for i in ids:
            f.write(json.dumps({"id": "new-" + i, "text": corpus[i]}, ensure_ascii=False) + "\n")
    assert main(["dedup", "-i", str(old_in), "-o", str(tmp_path / "o1"), "--no-progress"]) == 0
    assert main(["dedup", "-i", str(new_in), "-o", str(tmp_path / "o2"), "--against", str(tmp_path / "o1"),
                 "--no-progress"]) == 0
    removed = set(_read(tmp_path / "o2", "removed")["id"])
    # every exact copy of an old document is dropped from the new crawl
    assert {"new-" + i for i in ids[:24]} <= removed
    assert len(_read(tmp_path / "o2", "docs")) + len(removed) == len(ids)


def test_cli_bad_input_exit_codes(corpus: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["dedup", "-i", str(tmp_path / "nothing-*.jsonl"), "-o", str(tmp_path / "o")]) == 2
    (tmp_path / "x.csv").write_text("a,b\n")
    assert main(["dedup", "-i", str(tmp_path / "x.csv"), "-o", str(tmp_path / "o")]) == 2
    assert main(["dedup", "-o", str(tmp_path / "not-a-run")]) == 2
    assert "no signatures/" in capsys.readouterr().err
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("dedup:\n  keep: shortest\n")
    _write_inputs(tmp_path / "in", corpus)
    assert main(["dedup", "-i", str(tmp_path / "in" / "*"), "-o", str(tmp_path / "o"), "-c", str(cfg)]) == 2
    assert "keep must be" in capsys.readouterr().err
    assert main(["dedup", "--scurve", "--preset", "dedup_swallow"]) == 0
    assert "0.90  0.994" in capsys.readouterr().out


@cf.register
class CrashAfterForTest(cf.Mapper):
    """Test stage: raises on the document whose id is in $CF_TEST_DEDUP_CRASH (a 'kill')."""

    def apply(self, doc: cf.Document) -> cf.Document:
        if doc.id == os.environ.get("CF_TEST_DEDUP_CRASH"):
            raise RuntimeError("simulated crash")
        return doc


def test_signatures_inside_the_documents_phase_and_dedup_of_a_run_output(
        corpus: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _write_inputs(tmp_path / "in", corpus)
    out = tmp_path / "run"
    config = {"annotate": [{"stage": "ExactDedup"}, {"stage": "MinHashSignatures", "minhash": "dedup_fast"},
                           {"stage": "CrashAfterForTest"}], "writer": {}}
    victim = sorted(corpus)[4]  # the third document of part-a: two were signed before the crash
    monkeypatch.setenv("CF_TEST_DEDUP_CRASH", victim)
    res = run_documents_phase("extract", inputs, out, TextReaderFactory(), config, sections=("annotate",),
                              progress=False)
    assert len(res.failed) == 1 and "part-a" in res.failed[0][0]
    sig_dir = out / "signatures"
    assert not (sig_dir / f"part-a{SUFFIX}").exists()  # no partial file under the final name
    assert (sig_dir / f"part-b{SUFFIX}").exists()
    monkeypatch.delenv("CF_TEST_DEDUP_CRASH")
    res = run_documents_phase("extract", inputs, out, TextReaderFactory(), config, sections=("annotate",),
                              progress=False)
    assert res.ok and not list(sig_dir.glob("*.tmp"))
    signed = sum(SignatureFile(p).num_rows for p in sig_dir.glob(f"*{SUFFIX}"))
    assert signed == len(_read(out, "docs")) - 1  # every kept document but the blank one
    summary = run_dedup_phase(out, {"keep": "best_quality"}, progress=False)
    assert summary["dropped"] > 10
    assert main(["dedup", "-o", str(out), "--no-progress"]) == 0
    deduped, removed = _read(out / "deduped", "docs"), _read(out / "deduped", "removed")
    assert len(removed) == summary["dropped"] and set(removed["reason"]) == {"near_duplicate"}
    assert len(deduped) + len(removed) == len(_read(out, "docs"))
