"""JapanesePrecheck: cheap "may be Japanese" test on raw bytes."""

from __future__ import annotations

import random

import pytest

from corpusforge.document import Document
from corpusforge.extract.precheck import JapanesePrecheck
from corpusforge.pipeline import Pipeline
from tests.extract_fixtures import en_page, ja_page, ko_page, ru_page, zh_page, zh_tw_page

# byte rules only: the declaration rules are switched off so each test sees the scans
BYTES_ONLY = JapanesePrecheck(pass_html_lang=False, pass_declared_charset=False)
WITH_DECLARATIONS = JapanesePrecheck(pass_html_lang=True, pass_declared_charset=True)


@pytest.mark.parametrize(("encoding", "rule"), [
    ("utf-8", "utf8_kana"),
    ("cp932", "sjis_kana"),
    ("euc_jp", "eucjp_kana"),
    ("iso2022_jp", "iso2022_kana"),
    ("utf-16", "utf16_kana"),  # Python's utf-16 writes a BOM
])
def test_japanese_page_passes_in_every_encoding(encoding: str, rule: str) -> None:
    assert BYTES_ONLY.rule(ja_page().encode(encoding)) == rule


def test_japanese_as_character_references_passes() -> None:
    body = ja_page().encode("ascii", "xmlcharrefreplace")
    assert body.isascii()
    assert BYTES_ONLY.rule(body) == "entity_kana"
    hex_refs = "".join(f"&#x{ord(c):x};" for c in "ひらがなとカタカナ").encode()
    assert BYTES_ONLY.rule(b"<html><body>" + hex_refs + b"</body></html>") == "entity_kana"


@pytest.mark.parametrize(("make", "encodings"), [
    (zh_page, ["utf-8", "gbk", "gb18030", "utf-16"]),
    (zh_tw_page, ["utf-8", "big5", "utf-16"]),
    (ko_page, ["utf-8", "euc_kr", "utf-16"]),
    (en_page, ["ascii", "cp1252", "utf-16"]),
    (ru_page, ["utf-8", "cp1251", "koi8_r"]),
])
def test_non_japanese_pages_are_rejected(make, encodings: list[str]) -> None:  # type: ignore[no-untyped-def]
    # long pages: the Shift_JIS / EUC-JP byte pairs GBK, Big5 and UTF-8 Cyrillic produce
    # by accident must not be mistaken for kana
    text = make(repeat=40)
    for enc in encodings:
        assert BYTES_ONLY.rule(text.encode(enc)) is None, enc


def test_lying_header_and_lang_do_not_hide_japanese_bytes() -> None:
    pre = JapanesePrecheck(pass_html_lang=True, pass_declared_charset=True)
    body = ja_page(lang="en", meta_charset="iso-8859-1").encode("cp932")
    doc = Document(id="x", raw=body, metadata={"http_charset": "utf-8"})
    assert pre.check(doc) is None
    assert doc.metadata["precheck"] == "sjis_kana"
    assert pre.stats.counters["pass.sjis_kana"] == 1


def test_declaration_rules() -> None:
    pre = WITH_DECLARATIONS
    english_lying_lang = en_page(lang="ja-JP").encode()
    assert pre.rule(english_lying_lang) == "html_lang"
    assert BYTES_ONLY.rule(english_lying_lang) is None
    assert pre.rule(en_page().encode(), http_charset="Shift_JIS") == "declared_charset"
    assert pre.rule(en_page(meta_charset="EUC-JP").encode()) == "declared_charset"
    # a non-Japanese declaration passes nothing by itself
    assert pre.rule(en_page(lang="en", meta_charset="utf-8").encode(), http_charset="utf-8") is None
    # lang="jv" (Javanese) is not Japanese
    assert pre.rule(en_page(lang="jv").encode()) is None
    swallow_style = b"<html class='x' data-a=1 lang=ja><body>hi</body></html>"
    assert pre.rule(swallow_style) == "html_lang"
    assert pre.rule(b"<head><meta http-equiv='Content-Language' content='ja'></head>") == "html_lang"
    assert JapanesePrecheck().rule(english_lying_lang) is None  # off by default


def test_misleading_title() -> None:
    # a Japanese title on an English page: enough kana for "maybe" (the final decision
    # on the text rejects it); a Chinese-looking title on a Japanese page still passes
    en_with_ja_title = en_page(title="お知らせとニュースのページ").encode()
    assert BYTES_ONLY.rule(en_with_ja_title) == "utf8_kana"
    ja_with_cjk_title = ja_page(title="東京都庁舎").encode()
    assert BYTES_ONLY.rule(ja_with_cjk_title) == "utf8_kana"
    # kanji alone (a Chinese page whose title a Swallow-style title model might call
    # Japanese) is not kana
    assert BYTES_ONLY.rule(zh_page(title="東京旅遊攻略").encode()) is None


def test_min_kana_threshold_counts_kana_anywhere_in_the_page() -> None:
    few = en_page().replace("Home", "ホーム").encode()  # 3 kana
    assert JapanesePrecheck(min_kana=3, pass_html_lang=False).rule(few) == "utf8_kana"
    assert JapanesePrecheck(min_kana=5, pass_html_lang=False).rule(few) is None
    # kana late in a long page are found too (the scan is not limited to a prefix)
    late = (en_page(repeat=200) + "<p>ページの最後に日本語があります</p>").encode()
    assert len(late) > 50_000
    assert BYTES_ONLY.rule(late) == "utf8_kana"


def test_binary_garbage_and_empty_bodies_are_rejected() -> None:
    rng = random.Random(7)
    garbage = bytes(rng.getrandbits(8) for _ in range(200_000))
    pre = JapanesePrecheck()
    assert pre.check(Document(id="g", raw=garbage)) == "not_japanese_precheck"
    assert pre.check(Document(id="e", raw=b"")) == "not_japanese_precheck"
    assert pre.check(Document(id="n", raw=None)) == "not_japanese_precheck"


def test_rejections_are_counted_not_written() -> None:
    pre = JapanesePrecheck()
    assert JapanesePrecheck.write_removed is False
    docs = [Document(id="ja", raw=ja_page().encode()), Document(id="en", raw=en_page().encode()),
            Document(id="zh", raw=zh_page().encode("gbk"))]
    kept = [d.id for d in Pipeline([pre]).run(docs)]
    assert kept == ["ja"]
    assert pre.stats.dropped["not_japanese_precheck"] == 2
    assert pre.stats.counters["pass.utf8_kana"] == 1


def test_huge_page_is_scanned_in_bounded_time() -> None:
    pre = JapanesePrecheck(max_scan_bytes=1_000_000)
    body = b"<html><body>" + b"<div>abc</div>" * 4_000_000 + "にほんご".encode() * 5
    assert len(body) > 50_000_000
    # the kana lie beyond the scanned part: rejected without reading 50 MB
    assert pre.rule(body) is None
