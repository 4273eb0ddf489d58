"""CharsetDecode: declared charsets are verified, lies and bogus names are survived."""

from __future__ import annotations

import random
import re

import pytest

from corpusforge.document import Document
from corpusforge.extract.charset import (
    _BAD_CHARS_RE,
    C0_TRANSPARENT_CODECS,
    ISO2022_CODEC,
    CharsetDecode,
    Decoded,
    _count_bad,
    _decode,
    decode_with,
    meta_charset,
    normalize_charset,
)
from corpusforge.extract.script import hiragana_share
from corpusforge.pipeline import Pipeline
from tests.extract_fixtures import JA_PARAGRAPHS, en_page, ja_page, page, ru_page, zh_page

NEC_IBM = "①②㈱№髙﨑"  # NEC row 13 and IBM extension characters CP932 has and Shift_JIS lacks


def decode(body: bytes, http_charset: str | None = None) -> tuple[Document | None, CharsetDecode]:
    stage = CharsetDecode()
    docs = list(Pipeline([stage]).run([Document(id="d", raw=body, metadata={"http_charset": http_charset})]))
    return (docs[0] if docs else None), stage


def html_of(doc: Document | None) -> str:
    assert doc is not None
    return doc.html


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
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("euc_jp_ext", "meta")
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
    assert doc.metadata["charset"] == "euc_jp_ext"
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
    assert wrong is not None and hiragana_share(wrong.text) >= CharsetDecode().min_hiragana_share
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


# --- the fast count of broken characters: the same numbers as the regex over the text ----

_BAD_CONTROL_BYTES = bytes([*range(0x09), 0x0B, *range(0x0E, 0x20)])


def test_count_bad_is_the_regex_count() -> None:
    rng = random.Random(21)
    edges = [0x00, 0x01, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x1F, 0x20, 0x41, 0x7F, 0x80, 0xFF, 0x3042,
             0xFFFD, 0xFFFE, 0xD800, 0xDFFF, 0x1F600, 0x10FFFD]
    for _ in range(3000):
        text = "".join(chr(rng.choice(edges) if rng.random() < 0.8 else rng.randrange(0x110000))
                       for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.3:
            text = "".join(chr(rng.randrange(0x80)) for _ in range(rng.randint(0, 40)))  # an ASCII-only str
        assert _count_bad(text) == len(_BAD_CHARS_RE.findall(text)), ascii(text)


@pytest.mark.parametrize("codec", sorted(C0_TRANSPARENT_CODECS))
def test_c0_transparent_codecs_make_controls_only_from_control_bytes(codec: str) -> None:
    """Every 1- and 2-byte sequence (and a sample of longer ones) without a broken-text
    control byte decodes, errors replaced, to a text without a broken-text control."""
    def decoded(body: bytes) -> str:
        return _decode(body, codec, "replace")[0]

    allowed = [b for b in range(256) if b not in _BAD_CONTROL_BYTES]
    singles = decoded(bytes(allowed))
    assert not re.search("[\x00-\x08\x0b\x0e-\x1f]", singles)
    for first in allowed:
        pairs = "".join(decoded(bytes((first, second))) for second in allowed)
        assert not re.search("[\x00-\x08\x0b\x0e-\x1f]", pairs), (codec, first)
    rng = random.Random(codec)
    for _ in range(3000):
        seq = bytes(rng.choice(allowed) for _ in range(rng.randint(3, 8)))
        assert not re.search("[\x00-\x08\x0b\x0e-\x1f]", decoded(seq)), (codec, seq)
    # ... and control bytes come out as themselves (counted through the text)
    assert decoded(b"a\x01b\x0b") == "a\x01b\x0b"


@pytest.mark.parametrize(("codec", "body"), [
    ("utf-8", ja_page().encode() + b"\x01\x0b\x1f"),                 # control bytes: counted through the text
    ("utf-8", ja_page().encode() + b"\xff\xfe\xe3\x81"),             # broken bytes only
    ("utf-8", ja_page().encode() + "\ufffd".encode()),               # an encoded U+FFFD is broken text too
    ("cp932", ja_page().encode("cp932") + b"\x82\x01\x85"),          # a lead byte before a control byte
    ("euc_jis_2004", ja_page().encode("euc_jp") + b"\xa4\x41\x8f\xa1 "),  # broken 2- and 3-byte characters
    ("euc_jp_ext", ja_page().encode("euc_jp") + b"\xfc\xe2\xa4\x41\x8f\xa1 "),  # the same after a vendor pair
    (ISO2022_CODEC, ja_page().encode("iso2022_jp") + b"\x1b$B\x7f\x7f\x1b(B\x01"),  # ESC is a control byte
    ("utf-16", b"\xff\xfe" + "あ\x01\x0b\n".encode("utf-16-le")),   # not C0-transparent: every ASCII char has a 00
    ("cp037", "Hello world".encode("cp037") + b"\x2d\x2e\x2f"),      # EBCDIC: controls from bytes >= 0x20
])
def test_decode_with_counts_broken_characters_as_the_regex(codec: str, body: bytes) -> None:
    d = decode_with(body, codec)
    assert d is not None
    assert d.bad_chars == len(_BAD_CHARS_RE.findall(d.text)) > 0


def test_clean_is_the_ratio_test() -> None:
    # the early "too many even for an all non-ASCII text" answer agrees with the full test
    rng = random.Random(4)
    for _ in range(2000):
        text = "".join(rng.choice("aあ\ufffd\x01") for _ in range(rng.randint(0, 30)))
        d = Decoded(text, "utf-8", bad_chars=_count_bad(text))
        for ratio in (0.0, 0.01, 0.2, 0.5, 1.0):
            expected = d.bad_chars == 0 or d.bad_chars <= ratio * max(d.non_ascii_chars(), 1)
            assert d.clean(ratio) == expected


def test_declared_utf8_is_final_without_thehiragana_share(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("corpusforge.extract.charset.hiragana_share",
                        lambda text: calls.append(len(text)) or hiragana_share(text))
    doc, _ = decode(ru_page(repeat=5).encode("utf-8"), http_charset="utf-8")
    assert (doc.metadata["charset"], doc.metadata["charset_source"]) == ("utf-8", "http")
    assert calls == []
    doc, _ = decode(ja_page().encode("cp932"), http_charset="shift_jis")  # a legacy codec still shows its hiragana
    assert doc.metadata["charset_source"] == "http" and len(calls) == 1
