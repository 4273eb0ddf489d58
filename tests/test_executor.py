"""Tasks, resume at task and file level, atomic outputs, merged stats, process pool."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import corpusforge as cf
from corpusforge.phases.documents import WarcReaderFactory
from corpusforge.phases.documents import run_documents_phase
from corpusforge.io.writer import read_output
from tests.helpers import ja_pages, write_warc


@cf.register
class DecodeUtf8ForTest(cf.Mapper):
    """Test stage: the simplest possible 'extraction' (UTF-8 decode of the raw body)."""

    def apply(self, doc: cf.Document) -> cf.Document:
        doc.text = (doc.raw or b"").decode("utf-8", "replace")
        doc.raw = None
        return doc


@cf.register
class DropEveryThirdForTest(cf.Filter):
    """Test stage: drops page numbers divisible by 3 (reason ``third``)."""

    def check(self, doc: cf.Document) -> str | None:
        n = int(doc.url.rsplit("/", 1)[1])
        doc.metadata["q_n"] = n
        return "third" if n % 3 == 0 else None


@cf.register
class CrashOnMarkerForTest(cf.Mapper):
    """Test stage: raises when the file named in $CF_TEST_CRASH_URL is reached (a 'kill')."""

    def apply(self, doc: cf.Document) -> cf.Document:
        if doc.url == os.environ.get("CF_TEST_CRASH_URL"):
            raise RuntimeError("simulated crash")
        return doc


@cf.register
class SignatureSideOutputForTest(cf.Stage):
    """Test stage: writes one side-output line per document (like MinHash signatures)."""

    def setup(self, ctx: cf.TaskContext) -> None:
        self.f = open(ctx.side_output("signatures", ".txt"), "w")

    def __call__(self, docs):
        for d in docs:
            self.f.write(d.id + "\n")
            yield d

    def finish(self) -> None:
        self.f.close()


CONFIG = {"extract": [{"stage": "DecodeUtf8ForTest"}],
          "filters": [{"stage": "DropEveryThirdForTest"}, {"stage": "CrashOnMarkerForTest"}],
          "annotate": [{"stage": "SignatureSideOutputForTest"}],
          "writer": {"batch_size": 3}}


def make_inputs(d: Path, files: int = 5, per_file: int = 10) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        p = d / f"crawl-{i:03d}.warc.gz"
        write_warc(p, ja_pages(per_file, prefix=f"http://site{i}.jp/"))
        paths.append(p)
    return paths


def run(inputs, out, **kw):
    return run_documents_phase("extract", inputs, out, WarcReaderFactory(), CONFIG, progress=False, **kw)


def test_phase_writes_design_layout_and_totals(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path / "in")
    out = tmp_path / "out"
    res = run(inputs, out, workers=1, world_size=2)
    assert res.ok and res.files_done_now == 5
    docs = read_output(out, "docs")
    removed = read_output(out, "removed")
    assert docs.height == 5 * 6 and removed.height == 5 * 4  # 0,3,6,9 dropped per file
    assert set(removed["reason"].to_list()) == {"third"} and "q_n" in removed.columns
    assert sorted((out / "signatures").glob("*.txt"))[0].read_text().count("\n") == 6
    assert sorted(p.name for p in (out / "_done" / "extract").iterdir()) == [f"crawl-00{i}" for i in range(5)]
    assert len(list((out / "stats" / "extract" / "files").glob("*.json"))) == 5
    total = json.loads((out / "stats" / "extract.json").read_text())
    assert total["files"] == 5
    reader = total["stages"][0]
    assert reader["name"] == "WarcReader" and reader["docs_out"] == 50
    assert total["stages"][2]["dropped"] == {"third": 20}
    assert not list(out.rglob("*.tmp"))


def test_killed_task_resumes_at_the_file_and_totals_cover_whole_run(tmp_path: Path, monkeypatch) -> None:
    inputs = make_inputs(tmp_path / "in")
    out = tmp_path / "out"
    monkeypatch.setenv("CF_TEST_CRASH_URL", "http://site2.jp/7")  # third file dies mid-way
    res = run(inputs, out, workers=1, world_size=1)
    assert not res.ok and res.files_done_now == 4
    assert not (out / "docs" / "crawl-002.parquet").exists()  # no partial output under a final name
    assert not list(out.rglob("*.tmp"))
    assert not (out / "_done" / "extract" / "crawl-002").exists()
    assert "simulated crash" in (out / "_failed" / "extract" / "crawl-002").read_text()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "docs").glob("*.parquet")}

    monkeypatch.delenv("CF_TEST_CRASH_URL")
    res2 = run(inputs, out, workers=1, world_size=1)
    assert res2.ok and res2.files_done_now == 1 and res2.files_skipped == 4
    assert not (out / "_failed" / "extract" / "crawl-002").exists()  # the failure record goes with success
    after = {p.name: p.stat().st_mtime_ns for p in (out / "docs").glob("*.parquet")}
    assert all(after[k] == v for k, v in before.items())  # finished files were not redone
    assert res2.stats.files == 5 and res2.stats.stages[0].docs_out == 50  # whole-run totals
    assert read_output(out, "docs")["id"].n_unique() == 30  # nothing written twice
    # third run: every task is done, nothing happens
    res3 = run(inputs, out, workers=1, world_size=1)
    assert res3.files_done_now == 0 and res3.files_skipped == 5 and res3.stats.files == 5


def test_other_world_size_reuses_file_markers_and_array_mode_runs_one_rank(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path / "in", files=6)
    out = tmp_path / "out"
    r0 = run(inputs, out, rank=0, world_size=3)
    assert r0.files_done_now == 2
    assert sorted(p.name for p in (out / "_done" / "extract").iterdir()) == ["crawl-000", "crawl-003"]
    r_all = run(inputs, out, workers=1, world_size=2)
    assert r_all.files_done_now == 4 and r_all.files_skipped == 2
    assert read_output(out, "docs").height == 6 * 6


def test_process_pool_gives_same_output_as_one_process(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path / "in", files=4)
    a = run(inputs, tmp_path / "a", workers=1)
    b = run(inputs, tmp_path / "b", workers=2)
    assert a.ok and b.ok
    da = read_output(tmp_path / "a", "docs").sort("id")
    db = read_output(tmp_path / "b", "docs").sort("id")
    assert da.equals(db)
    sa, sb = a.stats.to_dict(), b.stats.to_dict()
    for x in (sa, sb):
        x["seconds"] = 0
        for s in x["stages"]:
            s["seconds"] = 0
    assert sa == sb


def test_rank_outside_world_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        run(make_inputs(tmp_path / "in", files=1), tmp_path / "o", rank=3, world_size=2)


def test_pool_workers_start_their_own_extraction_sandbox(tmp_path: Path) -> None:
    """A parent that already runs the extraction child (fork server) can still use a pool."""
    from corpusforge.config import load_config
    from corpusforge.extract.sandbox import ExtractWorker

    parent_worker = ExtractWorker(len, timeout_s=10)
    assert parent_worker.call("abc") == 3  # the fork server now runs in this process
    inputs = make_inputs(tmp_path / "in", files=2)
    cfg = {"extract": load_config("extract")["extract"], "writer": {}}
    res = run_documents_phase("extract", inputs, tmp_path / "out", WarcReaderFactory(), cfg, workers=2,
                              progress=False)
    parent_worker.close()
    assert res.ok, res.failed
    assert res.stats.stage("TrafilaturaExtract").docs_out == 20
