"""EUC-JP vendor characters: names written in CP51932 and eucJP-ms decode to themselves.

The byte sequences below are written out by hand from the vendors' tables (JIS row and
cell + 0xA0; eucJP-ms G3 rows 83–84 after SS3 0x8F), not produced by the code under test.
"""

from __future__ import annotations

import random

import pytest

from corpusforge.document import Document
from corpusforge.extract.charset import CharsetDecode, decode_with
from corpusforge.extract.eucjp import EUC_JP_CODEC, decode_euc_jp, vendor_table
from corpusforge.pipeline import Pipeline
from tests.extract_fixtures import JA_PARAGRAPHS, ja_page

NAMES = "髙橋さん、山﨑さん、德永さん"

#: CP51932 / WHATWG: the NEC-selected IBM extensions in rows 89–92
CP51932 = {"髙": b"\xfc\xe2", "﨑": b"\xf9\xf5", "德": b"\xf9\xfe"}
#: eucJP-ms: IBM extensions JIS X 0212 lacks, SS3 + rows 83–84
EUCJP_MS = {"髙": b"\x8f\xf4\xfb", "﨑": b"\x8f\xf4\xbd", "德": b"\x8f\xf4\xbe"}


def encode(text: str, vendor: dict[str, bytes]) -> bytes:
    """EUC-JP bytes of ``text`` with the vendor characters written as ``vendor`` writes them."""
    return b"".join(vendor[ch] if ch in vendor else ch.encode("euc_jp") for ch in text)


def names_page(vendor: dict[str, bytes], meta: str | None = "EUC-JP") -> bytes:
    html = ja_page(meta_charset=meta) if meta else ja_page()
    head, tail = html.split("</article>")
    return encode(head, {}) + b"<p>" + encode(NAMES, vendor) + b"</p></article>" + encode(tail, {})


def run(body: bytes, http_charset: str | None = None) -> tuple[Document, CharsetDecode]:
    stage = CharsetDecode()
    docs = list(Pipeline([stage]).run([Document(id="d", raw=body, metadata={"http_charset": http_charset})]))
    assert len(docs) == 1
    return docs[0], stage


@pytest.mark.parametrize("vendor", [CP51932, EUCJP_MS], ids=["cp51932", "eucjp-ms"])
@pytest.mark.parametrize("meta", ["EUC-JP", "eucJP-ms", "CP51932", None])
def test_names_with_vendor_characters_decode_to_themselves(vendor: dict[str, bytes], meta: str | None) -> None:
    body = names_page(vendor, meta)
    assert NAMES not in body.decode("euc_jis_2004", "replace")  # what Python's codec alone makes of them
    doc, stage = run(body)
    html = doc.html
    assert NAMES in html and "\ufffd" not in html
    assert JA_PARAGRAPHS[0] in html
    assert doc.metadata["charset"] == EUC_JP_CODEC
    assert doc.metadata["charset_source"] == ("meta" if meta else "sniffed")
    counters = stage.stats.counters
    assert counters["vendor_chars"] == 3 and counters["pages_with_vendor_chars"] == 1


def test_http_label_euc_jp_with_vendor_characters() -> None:
    doc, stage = run(names_page(CP51932, meta=None), http_charset="euc-jp")
    assert NAMES in doc.html
    assert doc.metadata["charset_source"] == "http"
    assert stage.stats.counters["charset.euc_jp_ext"] == 1


def test_page_without_vendor_characters_is_euc_jis_2004_and_counts_none() -> None:
    text = "①㈱と〜、" + "".join(JA_PARAGRAPHS) + "、JIS X 0213 の 𠮟 と 俱"
    body = text.encode("euc_jis_2004")
    assert decode_euc_jp(body) == (body.decode("euc_jis_2004"), 0)
    doc, stage = run(body, http_charset="EUC-JP")
    assert doc.html == text
    assert "vendor_chars" not in stage.stats.counters


def test_label_naming_euc_jis_2004_keeps_jis_x_0213() -> None:
    """A page that says EUC-JIS-2004 means row 89–92 as JIS X 0213 (not the vendors')."""
    body = "".join(JA_PARAGRAPHS).encode("euc_jp") + b"\xfc\xe2"
    doc, _ = run(body, http_charset="EUC-JIS-2004")
    assert doc.metadata["charset"] == "euc_jis_2004"
    assert doc.html.endswith(b"\xfc\xe2".decode("euc_jis_2004"))


def test_jis_x_0212_after_ss3_and_ibm_symbols() -> None:
    # JIS X 0212: é (row 11 cell 17), 纊 (row 52 cell 67); eucJP-ms IBM symbols Ⅰ, №
    body = b"caf\x8f\xab\xb1 \x8f\xd4\xe3 \x8f\xf3\xfd \x8f\xf4\xac"
    assert decode_euc_jp(body) == ("café 纊 Ⅰ №", 2)


def test_vendor_table_is_the_vendors_layout() -> None:
    table = vendor_table()
    g1 = {seq: ch for seq, ch in table.items() if len(seq) == 2}
    g3 = {seq: ch for seq, ch in table.items() if len(seq) == 3}
    assert len(g1) == 374 and len(g3) == 106  # NEC-selected IBM extensions; eucJP-ms rows 83-84 (12 + 94 cells)
    assert set(g1.values()) >= set(g3.values()) - set("ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ㈱№℡＇＂") - set("ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ")
    assert g3[b"\x8f\xf3\xf3"] == "ⅰ" and g3[b"\x8f\xf4\xfe"] == "黑"
    for seq, ch in g1.items():  # every vendor pair is a character EUC-JIS-2004 reads otherwise
        assert seq.decode("euc_jis_2004") != ch


def test_cut_inside_a_vendor_sequence_is_a_cut_tail() -> None:
    body = names_page(EUCJP_MS) + b"\x8f\xf4"
    d = decode_with(body, EUC_JP_CODEC)
    assert d is not None and d.cut_tail and d.bad_chars == 0 and d.vendor_chars == 3
    with pytest.raises(UnicodeDecodeError) as err:
        decode_euc_jp(body)
    assert (err.value.start, err.value.end) == (len(body) - 2, len(body))


def test_broken_bytes_are_replaced_at_their_place() -> None:
    body = encode("髙橋", CP51932) + b"\xa4\x41" + encode("山﨑", EUCJP_MS)
    text, vendor = decode_euc_jp(body, "replace")
    assert text.startswith("髙橋") and text.endswith("山﨑") and "\ufffd" in text and vendor == 2
    with pytest.raises(UnicodeDecodeError) as err:
        decode_euc_jp(body)
    assert err.value.start == 4


def test_random_bytes_never_crash_and_strict_errors_point_inside() -> None:
    rng = random.Random(15)
    alphabet = [0x41, 0x0A, 0x8E, 0x8F, 0xA1, 0xA4, 0xB0, 0xDF, 0xF3, 0xF4, 0xF9, 0xFC, 0xFE, 0xFF, 0x80]
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) if rng.random() < 0.8 else rng.randrange(256)
                     for _ in range(rng.randint(0, 12)))
        text, vendor = decode_euc_jp(data, "replace")
        assert vendor <= len(data) // 2
        try:
            strict, _ = decode_euc_jp(data)
        except UnicodeDecodeError as e:
            assert 0 <= e.start < e.end <= len(data)
        else:
            assert strict == text and "\ufffd" not in strict


def test_the_swap_of_rows_89_to_92_is_the_careful_decode() -> None:
    """Without SS3 the decoder swaps what euc_jis_2004 made of rows 89-92; cutting the bytes
    into plain runs and vendor pairs gives the same text and count (on well-formed bytes:
    after a lone lead byte the two resynchronise differently, both with one U+FFFD)."""
    from corpusforge.extract.eucjp import _decode_tokens

    rng = random.Random(89)
    pieces = [b"<p>", b"\n", "髙橋".encode("euc_jp", "replace"), "德".encode("euc_jis_2004"),
              *CP51932.values(), b"\xf9\xa1", b"\xfc\xfe", b"\xfa\xb7", b"\xa4\xa2", b"\x8e\xb1"]
    for _ in range(2000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert decode_euc_jp(data, "replace") == _decode_tokens(data, "replace"), data


def test_long_page_with_vendor_bytes_decodes_in_little_memory() -> None:
    """The careful path (pages with 8F bytes) holds no per-byte state: a 1.2 MB page costs
    about its text, not the ~90 MB a backtracking regex run would keep."""
    import tracemalloc

    data = ("日本語の文章です。髙橋さんと山﨑さん。\n" * 30000).encode("euc_jis_2004", "replace") + b"\x8f\xf3\xf3"
    tracemalloc.start()
    text, vendor = decode_euc_jp(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert text.endswith("\u2170") and vendor == 1  # 8F F3 F3: the first IBM extension (small roman one)
    assert peak < 8 * len(data)
