"""JapanesePrecheck: cheap "may be Japanese" test on raw bytes."""

from __future__ import annotations

import random
import re
from itertools import islice

import pytest

from corpusforge.document import Document
from corpusforge.extract import precheck
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


# --- the fast paths of the byte scans: each must count what the plain scan counts ---------

#: ~150 KB of ASCII markup, as around the article of a CommonCrawl page; it has
#: character references (&amp; &#160; &#8217;) and '#' everywhere, but no kana
CC_MARKUP = ('<div class="nav"><a href="/a?x=1&amp;y=2#top">Home&#160;&#8217;s</a>'
             '<span style="color:#333">&#169; 2024</span></div>\n') * 1200

JA_TEXT = ["きょうは朝から雨がふっていたので、", "わたしは家でゆっくり本をよみました。"]


def _cc_page(article: str) -> str:
    return en_page().replace("<body>", "<body>" + CC_MARKUP).replace("</body>", article + "</body>")


def test_half_width_utf8_kana_alone_pass_although_no_full_width_kana_byte_is_there() -> None:
    halfwidth = "ｶﾀｶﾅﾃﾞｽ"  # EF BD B6 / EF BE 83 ...: no E3 byte in the whole page
    body = _cc_page(f"<p>{halfwidth}</p>").encode()
    assert b"\xe3" not in body
    assert BYTES_ONLY.rule(body) == "utf8_kana"
    # full-width and half-width kana add up; four are not enough
    assert BYTES_ONLY.rule(_cc_page("<p>あｶﾀｶ</p>").encode()) is None
    assert BYTES_ONLY.rule(_cc_page("<p>あｶﾀｶﾅ</p>").encode()) == "utf8_kana"
    # other U+FFxx characters (full-width Latin, punctuation) are not kana
    assert BYTES_ONLY.rule(_cc_page("<p>ＡＢＣＤＥ，．！</p>").encode()) is None


def test_kana_character_references_after_many_other_references() -> None:
    refs = "&#x3042;&#X30A2;&#x0003044;&#012356;&#12354;"  # hex, upper-case X, leading zeros
    body = _cc_page(f"<p>{refs}</p>").encode()
    assert body.isascii() and body.count(b"&#") > 2000
    assert BYTES_ONLY.rule(body) == "entity_kana"
    assert BYTES_ONLY.rule(_cc_page(f"<p>{refs[:-8]}</p>").encode()) is None  # four are not enough
    # on a UTF-8 page with other scripts too (the scan after the UTF-8 kana scan)
    cyrillic = _cc_page(f"<p>Привет {refs}</p>").encode()
    assert not cyrillic.isascii()
    assert BYTES_ONLY.rule(cyrillic) == "entity_kana"
    # references outside the scan's ranges (U+3040–30FF, decimal 12350–12549) are not counted
    assert BYTES_ONLY.rule(_cc_page("<p>&#x303F;&#x3100;&#12349;&#12550;&#x30;&#x304;</p>" * 3).encode()) is None


def test_shift_jis_and_euc_jp_kana_at_the_end_of_a_long_page() -> None:
    for encoding, rule in (("cp932", "sjis_kana"), ("euc_jp", "eucjp_kana")):
        body = _cc_page("<p>" + "".join(JA_TEXT) + "</p>").encode(encoding)
        assert body.index(JA_TEXT[0].encode(encoding)) > 140_000
        assert BYTES_ONLY.rule(body) == rule, encoding


def test_legacy_sieve_without_lead_bytes_rejects_invalid_utf8() -> None:
    # Latin-1 bytes (invalid UTF-8) without 82/83/A4/A5: neither sieve can pass
    body = _cc_page("<p>café crème brûlée à la carte</p>" * 20).encode("cp1252")
    assert all(lead not in body for lead in (b"\x82", b"\x83", b"\xa4", b"\xa5"))
    assert BYTES_ONLY.rule(body) is None


def _alternation_count(pattern: bytes, data: bytes, limit: int) -> int:
    """The reference: ``finditer`` of the plain alternation, as the sieve was first written."""
    return sum(1 for _ in islice(re.finditer(pattern, data), limit))


@pytest.mark.parametrize(("pattern", "pairs"), [
    (rb"\x82[\x9f-\xf1]|\x83[\x40-\x96]", precheck._SJIS_KANA_PAIRS),
    (rb"\xa4[\xa1-\xf3]|\xa5[\xa1-\xf6]", precheck._EUC_KANA_PAIRS),
])
def test_kana_pair_sieve_counts_as_the_alternation(pattern: bytes, pairs) -> None:  # type: ignore[no-untyped-def]
    # overlapping candidates: 83 82 A0 is one match for the alternation (83 82), not two
    assert precheck._count_pairs_upto(b"\x83\x82\xa0", precheck._SJIS_KANA_PAIRS, 10) == 1
    assert precheck._count_pairs_upto(b"\xa4\xa5\xa4\xa4\xa1", precheck._EUC_KANA_PAIRS, 10) == 2
    rng = random.Random(11)
    alphabet = [0x82, 0x83, 0xA4, 0xA5, 0x9F, 0xA1, 0xF1, 0xF3, 0xF6, 0xF7, 0x40, 0x96, 0x97, 0x41, 0x20, 0x00, 0xFF]
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        for limit in (0, 1, 5, 1000):
            assert precheck._count_pairs_upto(data, pairs, limit) == _alternation_count(pattern, data, limit), data


@pytest.mark.parametrize(("rx", "lead"), [
    (precheck._UTF8_KANA_RE, b"\xe3"),
    (precheck._UTF8_HALFWIDTH_KANA_RE, b"\xef"),
    (precheck._ENTITY_KANA_RE, b"&"),
])
def test_scan_from_the_first_lead_byte_counts_as_the_whole_scan(rx: re.Pattern[bytes], lead: bytes) -> None:
    rng = random.Random(5)
    pieces = [b"\xe3", b"\x81", b"\x82", b"\x83", b"\xbf", b"\xef", b"\xbd", b"\xbe", b"\xa6", b"\x9f", b"&", b"#",
              b"x", b"X", b"0", b"1", b"2", b"3", b"4", b"5", b"a", b";", b" ", "あ".encode(), "ｱ".encode(), b"&#x3042;",
              b"&#12354;"]
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for limit in (1, 3, 5):
            assert precheck._count_upto(rx, data, limit, lead) == precheck._count_upto(rx, data, limit), data


def test_legacy_decode_counts_match_the_plain_counts() -> None:
    kana_re = re.compile("[\u3041-\u3096\u30a1-\u30fa]")
    rng = random.Random(9)
    edges = [0x41, 0x7F, 0x80, 0x3040, 0x3041, 0x3096, 0x3097, 0x30A0, 0x30A1, 0x30FA, 0x30FB, 0xFF71, 0xFFFD,
             0xD800, 0xDFFF, 0x1F600, 0x10FFFF]
    for _ in range(2000):
        text = "".join(chr(rng.choice(edges) if rng.random() < 0.8 else rng.randrange(0x110000))
                       for _ in range(rng.randint(0, 50)))
        expected = (len(kana_re.findall(text)), len(text) - len(text.encode("ascii", "ignore")), text.count("\ufffd"))
        assert precheck._legacy_decode_counts(text) == expected
