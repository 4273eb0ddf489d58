"""The shipped ``extract`` section end to end: WarcReader → pre-check → … → decision."""

from __future__ import annotations

from pathlib import Path

import pytest

import corpusforge as cf
from corpusforge.config import load_config
from corpusforge.pipeline import Pipeline
from tests.extract_fixtures import JA_PARAGRAPHS, en_page, ja_page, ko_page, zh_page, zh_tw_page
from tests.helpers import write_warc

STAGE_ORDER = ["JapanesePrecheck", "CharsetDecode", "TrafilaturaExtract", "Normalize", "JapaneseScriptFilter"]


def test_preset_lists_the_stages_in_order() -> None:
    cfg = load_config("extract")
    assert [e["stage"] for e in cfg["extract"]] == STAGE_ORDER


def test_mixed_warc(tmp_path: Path) -> None:
    html = "text/html"
    pages = [
        ("http://a.jp/utf8", 200, f"{html}; charset=utf-8", ja_page().encode("utf-8")),
        ("http://a.jp/sjis-lying-header", 200, f"{html}; charset=utf-8",
         ja_page(lang="en").replace("</article>", "<p>ｶﾀｶﾅ①㈱</p></article>").encode("cp932")),
        ("http://a.jp/eucjp-meta", 200, html, ja_page(meta_charset="EUC-JP").encode("euc_jp")),
        ("http://a.jp/iso2022", 200, f"{html}; charset=ISO-2022-JP", ja_page().encode("iso2022_jp")),
        ("http://a.jp/bogus-charset", 200, f"{html}; charset=x-nonsense", ja_page().encode("euc_jp")),
        ("http://en.example/lying-lang", 200, html, en_page(lang="ja").encode()),
        ("http://en.example/ja-title", 200, html, en_page(title="日本語のタイトルです").encode()),
        ("http://zh.example/gbk", 200, f"{html}; charset=gbk", zh_page(repeat=20).encode("gbk")),
        ("http://tw.example/big5", 200, html, zh_tw_page(repeat=20, meta_charset="big5").encode("big5")),
        ("http://ko.example/", 200, html, ko_page().encode("euc_kr")),
        ("http://en.example/", 200, html, en_page().encode()),
    ]
    path = tmp_path / "mixed.warc.gz"
    write_warc(path, pages)
    pipe = cf.read_warc(str(path)) | Pipeline.from_config("extract", sections=("extract",))
    kept = {d.url: d for d in pipe}
    assert set(kept) == {u for u, *_ in pages if u.startswith("http://a.jp/")}
    for doc in kept.values():
        assert JA_PARAGRAPHS[0] in doc.text
        assert doc.raw is None and doc.html is None
        assert {"charset", "charset_source", "ja_per_nonspace", "kana_per_nonspace", "kanji_per_nonspace", "latin_per_nonspace",
                "precheck", "title"} <= set(doc.metadata)
    sjis = kept["http://a.jp/sjis-lying-header"]
    assert sjis.metadata["charset"] == "cp932" and sjis.metadata["charset_source"] == "sniffed"
    assert "カタカナ1(株)" in sjis.text  # NFKC of the CP932 extension characters
    stats = {s.name: s for s in pipe.stats().stages}
    pre = stats["JapanesePrecheck"]
    # gbk, big5, korean, english, english with a lying lang="ja" (no kana in its bytes)
    assert pre.dropped["not_japanese_precheck"] == 5
    # the English page with a Japanese title has kana (passes the pre-check), not Japanese text
    assert stats["JapaneseScriptFilter"].dropped["not_japanese"] == 1
    assert stats["CharsetDecode"].counters["lie.http"] == 1
    assert stats["CharsetDecode"].counters["bogus.http"] == 1
    for stage in pipe.stages:
        stage.finish()


@pytest.mark.timeout(120)
def test_bad_pages_do_not_stop_the_section() -> None:
    import random

    from corpusforge.document import Document

    rng = random.Random(5)
    huge_ja = ("<html><body>" + "<p>とても長いページの一部です。</p>" * 2_500_000 + "</body></html>").encode()
    assert len(huge_ja) > 50_000_000
    bomb = ("<html><body>" + "<div>" * 100_000 + "深い入れ子です。ここに本文があります。" + "</div>" * 100_000
            + "</body></html>").encode()
    docs = [
        Document(id="huge", raw=huge_ja, metadata={"http_charset": "utf-8"}),
        Document(id="garbage", raw=bytes(rng.getrandbits(8) for _ in range(100_000)) + "ですます調のかな".encode(),
                 metadata={"http_charset": None}),
        Document(id="bomb", raw=bomb, metadata={"http_charset": None}),
        Document(id="ok", raw=ja_page().encode("cp932"), metadata={"http_charset": "shift_jis"}),
    ]
    pipe = Pipeline.from_config("extract", sections=("extract",))
    kept = [d.id for d in pipe.run(docs)]
    for stage in pipe.stages:
        stage.finish()
    assert kept[-1] == "ok" and "huge" not in kept and "garbage" not in kept
    dropped = pipe.stats().dropped
    assert dropped["html_too_large"] == 1
    assert dropped["undecodable"] + dropped["not_japanese_precheck"] >= 1  # the garbage page
    assert sum(dropped.values()) + len(kept) == len(docs)
