"""CharsetDecode: declared charsets are verified, lies and bogus names are survived."""

from __future__ import annotations

import random

import pytest

from corpusforge.document import Document
from corpusforge.extract.charset import (
    CharsetDecode,
    Decoded,
    _hiragana_share,
    decode_with,
    meta_charset,
    normalize_charset,
)
from corpusforge.pipeline import Pipeline
from tests.extract_fixtures import JA_PARAGRAPHS, en_page, ja_page, page, ru_page, zh_page

NEC_IBM = "①②㈱№髙﨑"  # NEC row 13 and IBM extension characters CP932 has and Shift_JIS lacks


def decode(body: bytes, http_charset: str | None = None) -> tuple[Document | None, CharsetDecode]:
    stage = CharsetDecode()
    docs = list(Pipeline([stage]).run([Document(id="d", raw=body, metadata={"http_charset": http_charset})]))
    return (docs[0] if docs else None), stage


def html_of(doc: Document | None) -> str:
    assert doc is not None
    return doc.metadata["_html"]


def test_utf8_without_declaration() -> None:
    doc, st = decode(ja_page().encode("utf-8"))
    assert doc is not None
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("utf-8", "sniffed")
    assert JA_PARAGRAPHS[0] in html_of(doc)
    assert doc.raw is None and doc.text == ""
    assert st.stats.counters["charset.utf-8"] == 1


def test_shift_jis_label_decodes_as_cp932_with_extension_characters() -> None:
    page = ja_page().replace("</article>", f"<p>{NEC_IBM}</p></article>")
    doc, _ = decode(page.encode("cp932"), http_charset="shift_jis")
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("cp932", "http")
    assert NEC_IBM in html_of(doc)
    for label in ("Shift_JIS", "x-sjis", "Windows-31J", "MS_Kanji", "sjis", "csShiftJIS"):
        assert normalize_charset(label) == "cp932", label


def test_euc_jp_with_nec_row13_and_meta_declaration() -> None:
    page = ja_page(meta_charset="EUC-JP").replace("</article>", "<p>①㈱</p></article>")
    doc, _ = decode(page.encode("euc_jis_2004"))
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("euc_jis_2004", "meta")
    assert "①㈱" in html_of(doc)


@pytest.mark.parametrize("declared", ["iso-2022-jp", None])
def test_iso_2022_jp_declared_or_sniffed(declared: str | None) -> None:
    body = ja_page().encode("iso2022_jp")
    assert body.isascii()
    doc, _ = decode(body, http_charset=declared)
    assert doc.metadata["charset"] == "iso2022_jp_ext"
    assert doc.metadata["charset_source"] == ("http" if declared else "sniffed")
    assert JA_PARAGRAPHS[1] in html_of(doc)


@pytest.mark.parametrize("real", ["cp932", "euc_jp", "iso2022_jp"])
def test_lying_http_header_utf8(real: str) -> None:
    doc, st = decode(ja_page().encode(real), http_charset="utf-8")
    assert doc.metadata["charset_source"] == "sniffed"
    assert JA_PARAGRAPHS[2] in html_of(doc)
    assert st.stats.counters["lie.http"] == 1


def test_lying_latin1_header_over_euc_jp() -> None:
    # every EUC-JP byte is defined in windows-1252: the decode is clean but has no
    # hiragana, so the Japanese candidates are tried and win
    doc, st = decode(ja_page().encode("euc_jp"), http_charset="ISO-8859-1")
    assert doc.metadata["charset"] == "euc_jis_2004"
    assert JA_PARAGRAPHS[3] in html_of(doc)
    assert st.stats.counters["lie.http"] == 1


def test_lying_meta() -> None:
    body = ja_page(meta_charset="euc-jp").encode("utf-8")
    doc, st = decode(body)
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("utf-8", "sniffed")
    assert st.stats.counters["lie.meta"] == 1
    # the header is right, the meta wrong: the header wins without a fight
    doc, st = decode(ja_page(meta_charset="shift_jis").encode("utf-8"), http_charset="utf-8")
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("utf-8", "http")


@pytest.mark.parametrize("label", ["x-unknown-garbage", "utf-88", "base64", "rot13", "undefined", "zlib", "\"\""])
def test_bogus_charset_names(label: str) -> None:
    assert normalize_charset(label) is None
    doc, st = decode(ja_page().encode("cp932"), http_charset=label)
    assert doc.metadata["charset"] == "cp932"
    assert JA_PARAGRAPHS[0] in html_of(doc)
    if label.strip('"'):
        assert st.stats.counters["bogus.http"] == 1


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_bom(codec: str) -> None:
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    doc, _ = decode(bom + ja_page().encode(codec), http_charset="iso-8859-1")
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("utf-16", "bom")
    assert html_of(doc).startswith("<!DOCTYPE html>")


def test_utf16_label_without_bom_is_ignored() -> None:
    doc, st = decode(en_page(meta_charset="utf-16").encode("ascii"))
    assert doc.metadata["charset"] != "utf-16"
    assert "harvest festival" in html_of(doc)
    assert st.stats.counters["lie.meta"] == 1


def test_binary_garbage_is_undecodable() -> None:
    rng = random.Random(3)
    garbage = bytes(rng.getrandbits(8) for _ in range(20_000))
    doc, st = decode(garbage, http_charset="utf-8")
    assert doc is None
    assert st.stats.dropped["undecodable"] == 1


def test_non_japanese_pages_keep_their_correct_declaration() -> None:
    doc, _ = decode(zh_page(repeat=20).encode("gbk"), http_charset="gb2312")
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("gb18030", "http")
    assert "丰收节" in html_of(doc)
    doc, _ = decode(ru_page(repeat=20).encode("cp1251"), http_charset="windows-1251")
    assert doc.metadata["charset"] == "cp1251"


#: Russian whose UTF-8 bytes read as CP932 give hiragana: "т" is D1 82 and "о" D0 BE, so
#: "то" puts the CP932 hiragana pair 82 D0 in the bytes
RU_CP932_HIRAGANA = ["Это тот самый старый торт, который стоит в центре стола.",
                     "Тот, кто тут, тоже хочет только этот торт."]


def _commoncrawl_sized(html: str) -> str:
    """About 150 KB of ASCII markup around the article, as on a CommonCrawl page."""
    return html.replace("<body>", "<body>" + '<div class="nav"><a href="/section/item">Item</a></div>\n' * 2500)


@pytest.mark.parametrize("http_charset", ["utf-8", None])
def test_utf8_non_japanese_page_is_not_resniffed_as_cp932(http_charset: str | None) -> None:
    """Regression: ASCII markup diluted CP932's broken characters below the page ratio."""
    html = _commoncrawl_sized(page(RU_CP932_HIRAGANA, title="Торт", repeat=2))
    body = html.encode("utf-8")
    wrong = decode_with(body, "cp932")
    assert wrong is not None and _hiragana_share(wrong.text) >= CharsetDecode().min_hiragana_share
    assert wrong.bad_chars < 0.001 * len(wrong.text)  # a whole-page ratio calls this decode clean
    doc, _ = decode(body, http_charset=http_charset)
    assert doc.metadata["charset"] == "utf-8"
    assert doc.metadata["charset_source"] == ("http" if http_charset else "detected")
    assert "самый старый торт" in html_of(doc)


def test_clean_is_counted_against_non_ascii_characters() -> None:
    ascii_heavy = Decoded("a" * 100_000 + "ア" * 50 + "\ufffd" * 5, "cp932", bad_chars=5)
    assert not ascii_heavy.clean(0.01)
    japanese = Decoded("a" * 1_000 + "あ" * 1_000 + "\ufffd" * 5, "utf-8", bad_chars=5)
    assert japanese.clean(0.01)


def test_undeclared_legacy_non_japanese_falls_to_detection() -> None:
    doc, _ = decode(ru_page(repeat=30).encode("cp1251"))
    assert doc.metadata["charset_source"] == "detected"
    assert "праздник урожая" in html_of(doc)


def test_truncated_multibyte_tail_is_tolerated() -> None:
    body = ja_page().encode("utf-8")
    cut = body[: body.index(JA_PARAGRAPHS[4].encode()) + 4]  # cuts inside a 3-byte character
    doc, st = decode(cut, http_charset="utf-8")
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("utf-8", "http")
    assert st.stats.counters["cut_last_character"] == 1
    assert html_of(doc).endswith(JA_PARAGRAPHS[4][0])


def test_meta_charset_forms() -> None:
    assert meta_charset(b'<meta charset="Shift_JIS">') == "shift_jis"
    assert meta_charset(b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=euc-jp'>") == "euc-jp"
    assert meta_charset(b'<meta content="text/html;charset=x-sjis" http-equiv="content-type" />') == "x-sjis"
    assert meta_charset(b'<?xml version="1.0" encoding="EUC-JP"?><html>') == "euc-jp"
    assert meta_charset(b"<html><head><title>no charset</title>") is None
