"""The library API as the README shows it: streaming WARC → documents, presets, own filters."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import corpusforge as cf
from corpusforge.synth import generate_warc, japanese_documents


def test_readme_library_example_streams_a_warc(tmp_path: Path) -> None:
    warc = tmp_path / "CC-MAIN-LIB-00000.warc.gz"
    generate_warc(warc, records=400, seed=3, ja_fraction=0.3)
    truth = {json.loads(x)["url"]: json.loads(x) for x in open(f"{warc}.truth.jsonl", encoding="utf-8")}
    pipe = cf.read_warc(warc) | cf.Pipeline.from_config("pipeline", sections=("extract", "filters"))
    it = iter(pipe)
    first = next(it)
    assert pipe.stats().stages[0].docs_out < 400  # lazily: the reader has not read the whole file
    docs = [first, *it]
    assert docs and all(truth[d.url]["is_japanese"] for d in docs)
    assert all(0.2 <= d.metadata["q_hiragana_per_ja"] <= 1 for d in docs)
    st = pipe.stats().to_dict()
    assert st["schema"] == "corpusforge.stats/1"
    assert st["stages"][-1]["docs_out"] == len(docs)


def test_own_filter_after_a_preset_on_text_documents(tmp_path: Path) -> None:
    src = tmp_path / "mc4-like.jsonl.gz"
    texts = [d["text"] for d in japanese_documents(30, seed=5, kinds=["ja_encyclopedia", "ja_news"], max_jaccard=0.5)]
    texts[0] = texts[0] + "\n" + "http://spam.example/ " * 25
    with gzip.open(src, "wt", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n")

    class TooManyUrls(cf.Filter):
        def check(self, doc: cf.Document) -> str | None:
            return "too_many_urls" if doc.text.count("http") > 20 else None

    own = TooManyUrls()
    dropped: list[str] = []
    pipe = cf.read_documents(src) | cf.Pipeline.from_config("swallow") | own
    kept = list(pipe.run(on_drop=lambda d, r, s: dropped.append(f"{d.id}:{r}")))
    assert "d0" not in {d.id for d in kept}
    assert len(kept) + len(dropped) == 30
    assert own.stats.docs_in + sum(s.docs_in - s.docs_out for s in pipe.stats().stages[1:-1]) == 30
