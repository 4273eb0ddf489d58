"""Bytes → str for HTML pages whose declared charset may be wrong.

Japanese pages come in UTF-8, Shift_JIS / CP932, EUC-JP and ISO-2022-JP, and both the
HTTP ``Content-Type`` and ``<meta charset>`` lie often enough to matter (a CMS template
says UTF-8 around a Shift_JIS article, a server default says ISO-8859-1). A declared
charset is therefore *verified*: it must decode cleanly and, when the body has bytes
outside ASCII, the result must look like Japanese text (hiragana among the non-ASCII
characters) or no Japanese candidate may do better. Order of evidence:

1. byte-order mark (WHATWG: a BOM wins over every declaration, it cannot be accidental)
2. HTTP header charset, then ``<meta charset>`` / ``http-equiv`` / XML declaration
   A declared UTF-8 that decodes without a single broken character is taken as it is:
   UTF-8 validates itself (legacy multi-byte text almost never forms valid UTF-8), and
   a Russian or Korean page has no hiragana to show for itself.
3. sniffing the Japanese candidates (ISO-2022-JP when escape sequences are present,
   UTF-8, CP932, EUC-JP with vendor characters), keeping the cleanest decode with the most hiragana
4. charset-normalizer on a bounded sample
5. UTF-8 with replacement characters

Where the decoded HTML lives: ``doc.html`` (a typed field, never written), ``doc.text``
stays empty until trafilatura fills it with the extracted text, and ``doc.raw`` is
cleared here so the bytes are not held twice.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from corpusforge.document import Document
from corpusforge.extract.eucjp import EUC_JP_CODEC, decode_euc_jp
from corpusforge.extract.script import hiragana_share
from corpusforge.stage import Stage

#: web charset labels → the Python codec that decodes what such pages really contain.
#: Shift_JIS → CP932 (superset with NEC/IBM extensions ① ㈱ 髙 that Windows writes),
#: EUC-JP → EUC-JIS-2004 with the NEC / IBM extensions of CP51932 and eucJP-ms
#: (``corpusforge.extract.eucjp``; a label that names EUC-JIS-2004 gets it alone), ISO-2022-JP → the "ext" codec
#: (also accepts ESC ( I half-width kana), Latin-1 / ASCII → CP1252 and GB2312 → GB18030,
#: EUC-KR → CP949, Big5 → Big5-HKSCS as the WHATWG Encoding Standard maps these labels.
CHARSET_ALIASES: dict[str, str] = {
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "x_sjis", "s-jis", "shiftjis", "ms_kanji",
                     "csshiftjis", "windows-31j", "cp932", "ms932", "ibm-943", "x-ms-cp932", "shift_jis-2004",
                     "x-mac-japanese", "sjis-open", "sjis-win"), "cp932"),
    **dict.fromkeys(("shift_jisx0213", "shift_jis_2004", "shift-jis-2004"), "shift_jis_2004"),
    **dict.fromkeys(("euc-jp", "euc_jp", "eucjp", "x-euc-jp", "x-euc", "ujis", "cseucpkdfmtjapanese", "eucjp-ms",
                     "eucjp-win", "euc-jp-ms", "cp51932"), EUC_JP_CODEC),
    **dict.fromkeys(("euc-jis-2004", "euc_jis_2004", "euc-jisx0213", "euc_jisx0213"), "euc_jis_2004"),
    **dict.fromkeys(("iso-2022-jp", "iso2022jp", "iso2022_jp", "csiso2022jp", "jis", "iso-2022-jp-1",
                     "iso-2022-jp-2", "iso-2022-jp-3", "iso-2022-jp-2004", "cp50220", "cp50221", "cp50222"),
                    "iso2022_jp_ext"),
    **dict.fromkeys(("utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8",
                     "utf-7", "utf7"), "utf-8"),
    **dict.fromkeys(("iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii",
                     "ansi_x3.4-1968", "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819"), "cp1252"),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk", "gb18030", "csgb2312", "chinese", "euc-cn", "cp936"), "gb18030"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5"), "big5hkscs"),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987", "ks_c_5601", "windows-949", "cp949", "csksc56011987",
                     "korean", "ksc5601"), "cp949"),
}

#: the Japanese candidates sniffed when the declaration fails verification, in order
JAPANESE_CODECS = ("utf-8", "cp932", EUC_JP_CODEC)
ISO2022_CODEC = "iso2022_jp_ext"

#: Python codecs that are not web charsets (a page naming one is lying or broken)
_NOT_WEB_CODECS = {"utf-7", "idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape",
                   "charmap", "mbcs", "oem", "string-escape", "unicode-internal"}
_UTF16_32 = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}

_META_RE = re.compile(rb"<meta[^>]{0,600}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]{1,40})", re.I)
_XML_DECL_RE = re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9_:.\-]{1,40})", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_BAD_CHARS_RE = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")
_ISO2022_ESC = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(")


def normalize_charset(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None when it is unknown / bogus."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if not key:
        return None
    if key in CHARSET_ALIASES:
        return CHARSET_ALIASES[key]
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_WEB_CODECS:
        return None
    return info.name


def meta_charset(head: bytes) -> str | None:
    """The charset label of ``<meta charset>`` / ``http-equiv`` / ``<?xml encoding>`` in ``head``."""
    m = _META_RE.search(head) or _XML_DECL_RE.search(head)
    return m.group(1).decode("ascii", "replace").lower() if m else None


def bom_codec(body: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when the body starts with a Unicode byte-order mark."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, len(bom)
    return None


def has_iso2022_escapes(body: bytes) -> bool:
    return b"\x1b" in body and any(esc in body for esc in _ISO2022_ESC)


@dataclass(slots=True)
class Decoded:
    """One decode attempt: the text, how many characters are broken, whether the tail was cut,
    how many vendor characters (EUC-JP's NEC / IBM extensions) only corpusforge's table read."""

    text: str
    codec: str
    bad_chars: int
    cut_tail: bool = False
    vendor_chars: int = 0

    def non_ascii_chars(self) -> int:
        return len(self.text) - len(self.text.encode("ascii", "ignore"))

    def clean(self, max_bad_ratio: float) -> bool:
        """At most ``max_bad_ratio`` broken characters per non-ASCII character.

        Counted against the non-ASCII characters, not the whole page: the ASCII markup
        decodes the same in every candidate codec, and on a 150 KB CommonCrawl page it
        would dilute a wrong decode's breakage below any whole-page ratio.
        """
        if not self.bad_chars:
            return True
        if self.bad_chars > max_bad_ratio * max(len(self.text), 1):
            return False  # too many even if every character were non-ASCII (saves the count)
        return self.bad_chars <= max_bad_ratio * max(self.non_ascii_chars(), 1)


def decode_with(body: bytes, codec: str) -> Decoded | None:
    """Decode ``body``; broken characters (U+FFFD, C0 controls) are counted, not fatal.

    A multi-byte character cut by a truncated record (CommonCrawl cuts payloads at
    1 MiB) costs one broken character, not the decode.
    """
    try:
        text, vendor = _decode(body, codec, "strict")
        return Decoded(text, codec, _count_bad_decoded(text, body, codec), False, vendor)
    except UnicodeDecodeError as e:
        if e.end >= len(body) and e.start >= len(body) - 4:
            try:  # only the last character is incomplete: the record was cut there
                text, vendor = _decode(body[: e.start], codec, "strict")
                return Decoded(text, codec, _count_bad_decoded(text, body, codec), True, vendor)
            except UnicodeDecodeError:
                pass
    except (LookupError, ValueError):
        return None
    text, vendor = _decode(body, codec, "replace")
    return Decoded(text, codec, _count_bad_decoded(text, body, codec), False, vendor)


def _decode(body: bytes, codec: str, errors: str) -> tuple[str, int]:
    """(text, vendor characters) of ``body`` in ``codec`` (a Python codec or ``EUC_JP_CODEC``)."""
    if codec == EUC_JP_CODEC:
        return decode_euc_jp(body, errors)
    return body.decode(codec, errors), 0


#: codecs that decode every byte below 0x80 to the same character and everything else
#: (a multi-byte sequence, or a broken one as U+FFFD) to characters at or above U+0080:
#: the C0 controls of their text are control bytes of the body, so a body without
#: a broken-text control byte has none in its text (tests/test_extract_charset.py
#: decodes every 1- and 2-byte sequence of each to check it)
C0_TRANSPARENT_CODECS = frozenset({"utf-8", "cp932", "shift_jis_2004", "euc_jis_2004", EUC_JP_CODEC, "cp1252",
                                   "gb18030", "big5hkscs", "cp949"})


def _count_bad_decoded(text: str, body: bytes, codec: str) -> int:
    """``_count_bad(text)`` for a text decoded from (a prefix of) ``body`` with ``codec``.

    On a CommonCrawl page the text costs ~0.2 ms to count (it must be copied into an
    array), the body's bytes ~0.04 ms: when the codec is C0-transparent and the body has
    no broken-text control byte, only the U+FFFD are left to count (a ``find`` first).
    """
    if codec in C0_TRANSPARENT_CODECS and not _has_bad_control_byte(body):
        return text.count("\ufffd") if "\ufffd" in text else 0
    return _count_bad(text)


def _has_bad_control_byte(body: bytes) -> bool:
    import numpy as np

    return _bad_controls(np.frombuffer(body, dtype=np.uint8)) > 0


def _bad_controls(units: Any) -> int:
    """Code units (a NumPy array) below 0x20 other than tab, LF, FF and CR."""
    import numpy as np

    controls = units[units < 0x20]  # few: the line breaks and tabs of the page
    if not controls.size:
        return 0
    text_controls = (controls == 0x09) | (controls == 0x0A) | (controls == 0x0C) | (controls == 0x0D)
    return int(controls.size - np.count_nonzero(text_controls))


def _count_bad(text: str) -> int:
    """U+FFFD and C0 controls other than tab, LF, FF, CR: what ``_BAD_CHARS_RE`` matches.

    Counted on the text's code units in a NumPy array: a regex over a character class
    costs ~3 ns a character (~0.5 ms on a CommonCrawl page). UTF-16 units equal the code
    points for every character the class holds; a surrogate (of an astral character, or
    a lone one) is never one of them.
    """
    import numpy as np

    if text.isascii():
        return _bad_controls(np.frombuffer(text.encode("ascii"), dtype=np.uint8))
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    fffd = int(np.count_nonzero(units == 0xFFFD)) if "\ufffd" in text else 0
    return fffd + _bad_controls(units)


class CharsetDecode(Stage):
    """Decode ``doc.raw`` into ``doc.html`` with verified charset detection.

    Records ``charset`` (Python codec name, or ``euc_jp_ext`` for EUC-JP) and ``charset_source`` (``bom``, ``http``,
    ``meta``, ``sniffed``, ``detected``, ``fallback``) in the metadata, and counters
    ``charset.<codec>``, ``source.<source>``, ``lie.<http|meta>`` (a declaration that
    failed verification), ``bogus.<http|meta>`` (an unknown charset name) and
    ``vendor_chars`` / ``pages_with_vendor_chars`` (EUC-JP NEC / IBM extension characters). A page
    whose best decode still has more than ``max_undecodable_ratio`` broken characters
    (binary garbage, an unknown encoding) is dropped as ``undecodable``; below that it
    is kept with replacement characters, since trafilatura and the text filters judge
    the remaining text anyway.
    """

    produces = ("html",)

    def __init__(self, meta_scan_bytes: int = 8192, max_bad_ratio: float = 0.01,
                 min_hiragana_share: float = 0.05, max_undecodable_ratio: float = 0.05,
                 detect_sample_bytes: int = 65536, name: str | None = None) -> None:
        super().__init__(name)
        self.meta_scan_bytes = meta_scan_bytes
        self.max_bad_ratio = max_bad_ratio
        self.min_hiragana_share = min_hiragana_share
        self.max_undecodable_ratio = max_undecodable_ratio
        self.detect_sample_bytes = detect_sample_bytes

    # verification -------------------------------------------------------------------
    def _looks_right(self, d: Decoded, body: bytes) -> bool:
        """Pure ASCII (no escapes) decodes the same in every codec; otherwise want hiragana."""
        if body.isascii() and not has_iso2022_escapes(body):
            return True
        return hiragana_share(d.text) >= self.min_hiragana_share

    def _sniff_japanese(self, body: bytes, tried: set[str]) -> Decoded | None:
        """The clean Japanese candidate decode with the most hiragana, if any looks Japanese."""
        cands = ([ISO2022_CODEC] if has_iso2022_escapes(body) else []) + list(JAPANESE_CODECS)
        best: tuple[float, Decoded] | None = None
        for codec in cands:
            if codec in tried:
                continue
            d = decode_with(body, codec)
            if d is None or not d.clean(self.max_bad_ratio):
                continue
            share = hiragana_share(d.text)
            if share >= self.min_hiragana_share and (best is None or share > best[0]):
                best = (share, d)
                if codec == "utf-8" or codec == ISO2022_CODEC:
                    break  # both are self-validating: a clean decode with hiragana is the answer
        return best[1] if best else None

    def _detect(self, body: bytes) -> Decoded | None:
        from charset_normalizer import from_bytes

        try:
            match = from_bytes(body[: self.detect_sample_bytes]).best()
        except Exception:  # noqa: BLE001  (a detector bug must not stop the batch)
            self.stats.count("detector_error")
            return None
        codec = normalize_charset(match.encoding) if match is not None else None
        if codec is None or codec in _UTF16_32:
            return None
        return decode_with(body, codec)

    def decode(self, body: bytes, http_label: str | None) -> tuple[Decoded, str]:
        """The best decode of ``body`` and where its charset came from."""
        bom = bom_codec(body)
        if bom is not None:
            d = decode_with(body, bom[0])
            if d is not None:
                return d, "bom"
        declared: list[tuple[str, str]] = []
        for label, source in ((http_label, "http"), (meta_charset(body[: self.meta_scan_bytes]), "meta")):
            if not label:
                continue
            codec = normalize_charset(label)
            if codec is None:
                self.stats.count(f"bogus.{source}")
            elif codec in _UTF16_32:
                # no BOM: a UTF-16 label on an ASCII-compatible page (WHATWG treats it as UTF-8)
                self.stats.count(f"lie.{source}")
            elif codec not in (c for c, _ in declared):
                declared.append((codec, source))
        tried: set[str] = set()
        valid_declared: tuple[Decoded, str] | None = None
        for codec, source in declared:
            tried.add(codec)
            d = decode_with(body, codec)
            if d is None or not d.clean(self.max_bad_ratio):
                self.stats.count(f"lie.{source}")
                continue
            # a clean UTF-8 decode first: it is final without the hiragana share's pass
            if (codec == "utf-8" and d.bad_chars == 0) or self._looks_right(d, body):
                return d, source
            valid_declared = valid_declared or (d, source)
        sniffed = self._sniff_japanese(body, tried)
        if sniffed is not None:
            if valid_declared is not None:
                self.stats.count(f"lie.{valid_declared[1]}")
            return sniffed, "sniffed"
        if valid_declared is not None:
            return valid_declared
        detected = self._detect(body)
        if detected is not None and detected.clean(self.max_bad_ratio):
            return detected, "detected"
        utf8 = decode_with(body, "utf-8")
        assert utf8 is not None
        if detected is not None and detected.bad_chars < utf8.bad_chars:
            return detected, "detected"
        return utf8, "fallback"

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        count = self.stats.count
        for doc in docs:
            body = doc.raw
            if not body:
                self.drop(doc, "empty_body")
                continue
            d, source = self.decode(body, doc.metadata.get("http_charset"))
            if d.bad_chars > self.max_undecodable_ratio * max(len(d.text), 1):
                doc.raw = None
                self.drop(doc, "undecodable")
                continue
            if d.bad_chars:
                count("pages_with_broken_chars")
            if d.cut_tail:
                count("cut_last_character")
            if d.vendor_chars:
                count("pages_with_vendor_chars")
                count("vendor_chars", d.vendor_chars)
            count(f"charset.{d.codec}")
            count(f"source.{source}")
            doc.metadata["charset"] = d.codec
            doc.metadata["charset_source"] = source
            doc.html = d.text
            doc.raw = None
            yield doc
