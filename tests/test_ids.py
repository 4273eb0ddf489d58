"""Document ids unique across a corpus, and joins by id that refuse duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpusforge.classify.documents import load_texts, scan_candidates
from corpusforge.cli import main
from corpusforge.dedup.stages import NearDuplicateFilter
from corpusforge.document import Document
from corpusforge.ids import DuplicateIdError, IdSource, check_unique_ids, document_id
from corpusforge.io.warc import WarcReader
from corpusforge.io.writer import read_output
from corpusforge.synth import japanese_documents
from tests.helpers import write_warc

PAGE_BYTES = 16000
PAGES = 6


def _source(name: str, ids: list[str], key: str | None = None) -> IdSource:
    return IdSource(name, key, lambda: ids)


def test_keyed_files_pass_and_a_shared_id_names_both_files() -> None:
    check_unique_ids([_source("a.parquet", ["a/0", "a/10"], "a"), _source("b.parquet", ["b/0", "b/10"], "b")])
    with pytest.raises(DuplicateIdError, match=r"'x/7' is in both one\.parquet and two\.parquet"):
        check_unique_ids([_source("one.parquet", ["x/1", "x/7"]), _source("zz.parquet", ["z/1"]),
                          _source("two.parquet", ["x/7", "x/9"])])


def test_same_key_in_two_sources_is_compared_by_id() -> None:
    """Two runs both named their input part-00000: same keys, checked id by id."""
    check_unique_ids([_source("runA/x", ["part-00000/0"], "part-00000"),
                      _source("runB/x", ["part-00000/5"], "part-00000")])
    with pytest.raises(DuplicateIdError, match="runA/x and runB/x"):
        check_unique_ids([_source("runA/x", ["part-00000/0", "part-00000/5"], "part-00000"),
                          _source("runB/x", ["part-00000/5"], "part-00000")])


def test_a_foreign_id_that_looks_like_a_keyed_one_is_caught() -> None:
    with pytest.raises(DuplicateIdError, match="a.parquet and corpus.jsonl"):
        check_unique_ids([_source("a.parquet", ["a/0", "a/1"], "a"), _source("corpus.jsonl", ["a/1", "q"])])


def test_twice_in_one_file() -> None:
    with pytest.raises(DuplicateIdError, match="'d/3' occurs twice in f.parquet"):
        check_unique_ids([_source("f.parquet", ["d/1", "d/3", "d/2", "d/3"], "d")])
    check_unique_ids([_source("empty", [], "e")])


def _same_name_crawls(root: Path) -> tuple[Path, Path, list[dict]]:
    """crawlA/part-00000.warc and crawlB/part-00000.warc: different pages, same record offsets.

    Page 0 of B is page 1 of A (an exact copy across the crawls). Every body is padded to
    the same size and every URL has the same length, so the uncompressed records line up.
    """
    docs = japanese_documents(2 * PAGES, seed=15, kinds=["ja_encyclopedia"], min_chars=600, max_jaccard=0.5)
    texts_a = [d["text"] for d in docs[:PAGES]]
    texts_b = [texts_a[1]] + [d["text"] for d in docs[PAGES + 1:]]
    paths = []
    for name, texts in (("A", texts_a), ("B", texts_b)):
        pages = []
        for i, text in enumerate(texts):
            html = f"<html lang='ja'><head><title>記事</title></head><body><article><p>{text}</p></article></body></html>"
            body = html.encode("utf-8")
            assert len(body) < PAGE_BYTES
            body += b" " * (PAGE_BYTES - len(body))
            pages.append((f"http://crawl-{name.lower()}.example.jp/page/{i:03d}", 200, "text/html; charset=utf-8", body))
        d = root / f"crawl{name}"
        d.mkdir()
        write_warc(d / "part-00000.warc", pages, gzip=False)
        paths.append(d / "part-00000.warc")
    return paths[0], paths[1], docs


@pytest.mark.slow
def test_same_name_warcs_in_one_run_get_distinct_ids_and_dedup_drops_the_right_copy(tmp_path: Path) -> None:
    a, b, _ = _same_name_crawls(tmp_path)
    # the premise: read on their own, both files give the same ids
    assert {d.id for d in WarcReader(a)} == {d.id for d in WarcReader(b)} != set()
    out = tmp_path / "out"
    rc = main(["run", "--input", str(tmp_path / "crawl*" / "part-00000.warc"), "--output", str(out),
               "--no-progress"])
    assert rc == 0
    docs = read_output(out, "docs")
    assert docs.height == 2 * PAGES
    ids = docs["id"].to_list()
    assert len(set(ids)) == len(ids)
    keys = sorted(p.name[: -len(".parquet")] for p in (out / "docs").glob("*.parquet"))
    assert len(keys) == 2 and all(k.startswith("part-00000-") for k in keys)
    assert {i.rsplit("/", 1)[0] for i in ids} == set(keys)  # an id names the output file it is in
    # one of the two copies (A's page 1, B's page 0) is dropped, and nothing else: not the
    # page at the same offset in the other file
    deduped = read_output(out / "deduped", "docs")
    dropped = set(docs["url"].to_list()) - set(deduped["url"].to_list())
    assert len(dropped) == 1 and dropped < {"http://crawl-a.example.jp/page/001", "http://crawl-b.example.jp/page/000"}
    assert deduped.height == 2 * PAGES - 1
    # classifier joins over these documents accept them
    assert len(scan_candidates(sorted((out / "docs").glob("*.parquet")))) == 2 * PAGES


@pytest.mark.slow
def test_two_runs_with_the_same_ids_are_refused_by_every_join(tmp_path: Path, capsys) -> None:
    a, b, _ = _same_name_crawls(tmp_path)
    out_a, out_b = tmp_path / "outA", tmp_path / "outB"
    assert main(["run", "--input", str(a), "--output", str(out_a), "--no-progress"]) == 0
    cfg = tmp_path / "against.yaml"
    cfg.write_text(f"dedup:\n  against: {json.dumps(str(out_a))}\n", encoding="utf-8")
    capsys.readouterr()
    rc = main(["run", "--input", str(b), "--output", str(out_b), "--config", str(cfg), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "is in both" in err
    assert str(out_a / "signatures" / "part-00000.minhash.parquet") in err
    assert str(out_b / "signatures" / "part-00000.minhash.parquet") in err
    # labels and classifier training join documents by id: the two outputs together are refused
    both = [out_a / "docs" / "part-00000.parquet", out_b / "docs" / "part-00000.parquet"]
    with pytest.raises(DuplicateIdError, match="is in both"):
        scan_candidates(both)
    with pytest.raises(DuplicateIdError, match="is in both"):
        load_texts(both)


def test_apply_refuses_a_drop_list_with_an_id_in_two_files(tmp_path: Path) -> None:
    drop = tmp_path / "dedup" / "drop"
    drop.mkdir(parents=True)
    for name in ("x", "y"):
        pq.write_table(pa.table({"id": ["part-00000/100"], "dedup_cluster": [1], "dedup_cluster_size": [2]}),
                       drop / f"{name}.parquet")
    stage = NearDuplicateFilter(drop_list=str(drop))
    with pytest.raises(DuplicateIdError, match=r"x\.parquet and .*y\.parquet"):
        stage.check(Document(id="part-00000/100"))


def test_old_outputs_read_and_join_as_before(tmp_path: Path) -> None:
    """Outputs written before ids carried the output key: ids are the base name + offset."""
    old = tmp_path / "docs"
    old.mkdir()
    pl.DataFrame({"id": ["CC-MAIN-1/0", "CC-MAIN-1/977"], "text": ["あ", "い"]}).write_parquet(old / "CC-MAIN-1.parquet")
    pl.DataFrame({"id": ["CC-MAIN-2/0"], "text": ["う"]}).write_parquet(old / "CC-MAIN-2.parquet")
    rows = load_texts(sorted(old.glob("*.parquet")))
    assert set(rows) == {"CC-MAIN-1/0", "CC-MAIN-1/977", "CC-MAIN-2/0"}
    assert document_id("CC-MAIN-1", 977) == "CC-MAIN-1/977"
