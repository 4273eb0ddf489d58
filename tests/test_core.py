"""Core API: Document, Stage / Filter / Mapper, Pipeline, Stats, config loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import corpusforge as cf
from corpusforge.config import ConfigError, build_stages, load_config, stage_entries


@cf.register
class UpperFirst(cf.Mapper):
    """Test stage: doubles the text (so chars in/out differ)."""

    def apply(self, doc: cf.Document) -> cf.Document:
        doc.text = doc.text * 2
        return doc


@cf.register
class DropContaining(cf.Filter):
    """Test stage: drops documents containing ``needle``."""

    def __init__(self, needle: str = "x", reason: str = "has_needle") -> None:
        super().__init__()
        self.needle, self.reason = needle, reason

    def check(self, doc: cf.Document) -> str | None:
        doc.metadata["q_has_needle"] = self.needle in doc.text
        return self.reason if self.needle in doc.text else None


def docs(*texts: str) -> list[cf.Document]:
    return [cf.Document(id=str(i), text=t) for i, t in enumerate(texts)]


def test_pipeline_counts_docs_chars_and_reasons() -> None:
    pipe = cf.Pipeline([DropContaining("悪"), UpperFirst()])
    out = list(pipe.run(docs("良い文", "悪い文", "普通")))
    assert [d.text for d in out] == ["良い文良い文", "普通普通"]
    st = pipe.stats()
    f, m = st.stages
    assert (f.docs_in, f.docs_out, f.chars_in, f.chars_out) == (3, 2, 8, 5)
    assert f.dropped == {"has_needle": 1}
    assert (m.docs_in, m.docs_out, m.chars_in, m.chars_out) == (2, 2, 5, 10)
    assert st.dropped == {"has_needle": 1}
    assert all(s.seconds >= 0 for s in st.stages)


def test_drop_sink_receives_dropped_docs_with_reason() -> None:
    seen = []
    pipe = cf.Pipeline([DropContaining("x", reason="x_found")])
    list(pipe.run(docs("axb", "ok"), on_drop=lambda d, r, s: seen.append((d.id, r, s.name))))
    assert seen == [("0", "x_found", "DropContaining")]


def test_pipe_operator_composes_source_and_stages_lazily() -> None:
    pulled = []

    def source():
        for d in docs("a", "xb", "c"):
            pulled.append(d.id)
            yield d

    pipe = source() | cf.Pipeline([DropContaining("x")]) | UpperFirst()
    it = iter(pipe)
    first = next(it)
    assert first.text == "aa" and pulled == ["0"]  # streaming: nothing read ahead
    assert [d.text for d in it] == ["cc"]


def test_plain_callables_are_stages_too() -> None:
    def shorten(ds):
        for d in ds:
            d.text = d.text[:1]
            yield d

    pipe = cf.Pipeline([shorten])
    assert [d.text for d in pipe.run(docs("abc"))] == ["a"]
    assert pipe.stats().stages[0].name == "shorten"


def test_stats_roundtrip_and_merge_keep_one_schema(tmp_path: Path) -> None:
    a = cf.Stats("extract", files=1)
    s = a.stage("F")
    s.docs_in, s.docs_out = 10, 7
    s.drop("r1")
    s.count("charset.utf-8", 3)
    a.save(tmp_path / "a.json")
    b = cf.Stats.load(tmp_path / "a.json")
    total = cf.Stats.merged("extract", [a, b])
    d = total.to_dict()
    assert d["schema"] == "corpusforge.stats/1"
    assert d["files"] == 2
    st = d["stages"][0]
    assert st["docs_in"] == 20 and st["dropped"] == {"r1": 2} and st["counters"] == {"charset.utf-8": 6}
    assert isinstance(st["dropped"], dict) and isinstance(st["counters"], dict)
    with pytest.raises(ValueError):
        cf.Stats.from_dict({"schema": "other"})


def test_config_sections_presets_and_errors(tmp_path: Path) -> None:
    inner = tmp_path / "inner.yaml"
    inner.write_text("filters:\n  - stage: DropContaining\n    needle: 悪\n")
    outer = tmp_path / "outer.yaml"
    outer.write_text(f"filters:\n  - preset: {inner}\n  - stage: UpperFirst\n")
    cfg = load_config(outer)
    stages = build_stages(stage_entries(cfg))
    assert [type(s).__name__ for s in stages] == ["DropContaining", "UpperFirst"]
    assert stages[0].needle == "悪"
    pipe = cf.Pipeline.from_config(outer)
    assert [d.text for d in pipe.run(docs("悪い", "良い"))] == ["良い良い"]

    bad = tmp_path / "bad.yaml"
    bad.write_text("filters:\n  - stage: NoSuchStage\n")
    with pytest.raises(ConfigError, match="unknown stage 'NoSuchStage'"):
        build_stages(stage_entries(load_config(bad)))
    bad.write_text("filters:\n  - stage: DropContaining\n    nedle: x\n")
    with pytest.raises(ConfigError, match="unknown parameter"):
        build_stages(stage_entries(load_config(bad)))
    bad.write_text("filters: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(bad)
    bad.write_text("filtres: []\n")
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    cyc = tmp_path / "cyc.yaml"
    cyc.write_text(f"include: {cyc}\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config(cyc)


def test_document_writer_widens_schema_in_parts(tmp_path: Path) -> None:
    from corpusforge.io.atomic import commit
    from corpusforge.io.writer import DocumentWriter, read_output

    w = DocumentWriter(tmp_path / "docs", "k", batch_size=2)
    w.write(cf.Document("1", "あ", "http://a.jp/x", {"domain": "a.jp", "n": 1}))
    w.write(cf.Document("2", "い", "", {"n": 2.5, "_private": "never written"}))
    w.write(cf.Document("3", "う\ud800", "", {"n": 3, "extra": "new column"}))  # lone surrogate
    w.write(cf.Document("4", "え", "", {}))
    pairs = w.close()
    assert not any(final.exists() for _, final in pairs)  # nothing under a final name yet
    for tmp, final in pairs:
        commit(tmp, final)
    df = read_output(tmp_path)
    assert df.height == 4
    assert set(df.columns) >= {"id", "url", "domain", "text", "n", "extra"}
    assert "_private" not in df.columns
    assert sorted(df["id"].to_list()) == ["1", "2", "3", "4"]
    assert df.filter(df["id"] == "3")["extra"].item() == "new column"


def test_document_writer_cuts_row_groups_by_text_size(tmp_path: Path) -> None:
    """A writer holds at most ``batch_chars`` of text, however many rows the file has."""
    import pyarrow.parquet as pq

    from corpusforge.io.atomic import commit
    from corpusforge.io.writer import DocumentWriter

    w = DocumentWriter(tmp_path / "docs", "k", batch_size=1000, batch_chars=1000)
    for i in range(20):
        w.write(cf.Document(str(i), "あ" * 300, "", {}))
        assert len(w.rows) < 4  # 4 rows of 300 characters pass 1,000: written
    for tmp, final in w.close():
        commit(tmp, final)
    meta = pq.ParquetFile(tmp_path / "docs" / "k.parquet").metadata
    assert meta.num_rows == 20 and meta.num_row_groups == 5


def test_writer_batch_chars_from_the_run_config(tmp_path: Path) -> None:
    """``writer.batch_chars`` in a run config sets the text held before a row group is written."""
    import pyarrow.parquet as pq

    from corpusforge.io.readers import TextReader
    from corpusforge.phases.documents import FileTask

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": "い" * 300}) + "\n" for i in range(20)), encoding="utf-8")
    out = tmp_path / "out"
    task = FileTask("filter", str(out), TextReader, {"writer": {"batch_chars": 1000}}, ("filters",))
    assert task(str(src), "in") == {"path": str(src), "docs_out": 20}
    meta = pq.ParquetFile(out / "docs" / "in.parquet").metadata
    assert meta.num_rows == 20 and meta.num_row_groups == 5


def test_text_reader_jsonl_gz_parquet_and_bad_lines(tmp_path: Path) -> None:
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "a.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"id": "x1", "text": "日本語", "url": "https://www.Example.jp/a", "lang": "ja"}) + "\n")
        f.write("{not json\n")
        f.write(json.dumps({"text": 5}) + "\n")
        f.write(json.dumps({"text": "二つ目"}) + "\n")
    r = cf.read_documents(p)
    out = list(r)
    assert [d.id for d in out] == ["x1", "a/3"]
    assert out[0].metadata == {"lang": "ja", "domain": "www.example.jp"}
    assert r.stats.dropped == {"bad_json": 1, "no_text": 1}
    q = tmp_path / "b.parquet"
    pq.write_table(pa.table({"text": ["一", "二"], "score": [1, 2]}), q)
    assert [(d.id, d.metadata["score"]) for d in cf.read_documents(q)] == [("b/0", 1), ("b/1", 2)]
