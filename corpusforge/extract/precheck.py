"""Cheap Japanese pre-check on the raw HTTP body, before any decoding or extraction.

About 95% of a CommonCrawl WARC is not Japanese; trafilatura costs tens of
milliseconds per page, so the pre-check must throw those pages away for a few
microseconds each while keeping (nearly) every page the full path would keep.

The final decision (``JapaneseScriptFilter``) requires kana in the extracted text, and
the extracted text is a part of the HTML, so counting kana in the raw body bounds it
from above: a page with fewer than ``min_kana`` kana anywhere in its bytes cannot pass
the final decision with the same ``min_kana``. Counting kana in raw bytes needs to know
the encoding only roughly:

* UTF-8 kana are ``E3 81..83 xx`` (``EF BD/BE xx`` half width); ``E3`` is always a lead
  byte in UTF-8, so a bytes regex over the whole body cannot be fooled by other UTF-8
  scripts. This is the rule that passes most Japanese pages.
* ``&#12354;`` / ``&#x3042;`` character references (pages in ASCII with entities).
* ISO-2022-JP escape sequences → decode a bounded sample and count kana.
* a UTF-16 byte-order mark → decode a bounded sample and count kana.
* Shift_JIS / EUC-JP kana byte pairs (``82 9F..F1``, ``83 40..96`` / ``A4 A1..F3``,
  ``A5 A1..F6``) are a noisy first sieve (GBK, Big5 and UTF-8 Cyrillic produce them
  too), so when a body that is *not* valid UTF-8 has enough of them, a bounded sample
  is decoded with CP932 and EUC-JIS-2004 and must give kana with few broken characters.

Two declaration rules can pass a page on their own: ``<html lang="ja">`` /
``content-language: ja`` (the Swallow Corpus test) and a declared Japanese legacy
charset. Both are off by default: they cost extractions of non-Japanese pages and
rescue nothing the byte scans miss (measured by ``bench/precheck_recall.py``).

Cost on CommonCrawl-sized pages (~160 KB of markup): a regex scan costs ~0.3 ns per
byte, or ~6 ns for a pattern that starts with a character class, while ``bytes.find``
of ONE byte is a ``memchr`` (~0.04 ns per byte; a 2-byte needle is not). So each scan
starts at the first occurrence of the byte its matches must start with, and is skipped
when that byte is absent; the Shift_JIS / EUC-JP sieves find the candidates of each
lead byte with a literal-prefix pattern and pair them as the alternation would. Every
count is the one the plain scan gives (``bench/bench_precheck_speed.py`` compares the
decisions with an older revision page by page).
"""

from __future__ import annotations

import heapq
import re
from itertools import islice

from corpusforge.document import Document
from corpusforge.extract.charset import (
    ISO2022_CODEC,
    bom_codec,
    has_iso2022_escapes,
    meta_charset,
    normalize_charset,
)
from corpusforge.extract.eucjp import EUC_JP_CODEC
from corpusforge.extract.script import count_kana
from corpusforge.stage import Filter

_UTF8_KANA_RE = re.compile(rb"\xe3[\x81-\x83][\x80-\xbf]")
_UTF8_HALFWIDTH_KANA_RE = re.compile(rb"\xef(?:\xbd[\xa6-\xbf]|\xbe[\x80-\x9f])")
_ENTITY_KANA_RE = re.compile(rb"&#(?:[xX]0*30[4-9a-fA-F][0-9a-fA-F]|0*12(?:3[5-9]|4[0-9]|5[0-4])[0-9]);")
#: the Shift_JIS / EUC-JP kana sieves ``82 9F..F1 | 83 40..96`` and ``A4 A1..F3 | A5 A1..F6``:
#: per lead byte, a pattern matching (1 byte long) at every position where a kana pair starts
_SJIS_KANA_PAIRS = ((b"\x82", re.compile(rb"\x82(?=[\x9f-\xf1])")), (b"\x83", re.compile(rb"\x83(?=[\x40-\x96])")))
_EUC_KANA_PAIRS = ((b"\xa4", re.compile(rb"\xa4(?=[\xa1-\xf3])")), (b"\xa5", re.compile(rb"\xa5(?=[\xa1-\xf6])")))
_LANG_ATTR_RE = re.compile(rb"\s(?:xml:)?lang\s*=\s*[\"']?\s*ja(?![a-z])")
_CONTENT_LANGUAGE_RE = re.compile(rb"content-language[\"']?\s+content\s*=\s*[\"']?\s*ja(?![a-z])")
#: full-width kana a legacy decode must show: hiragana ぁ–ゖ, katakana ァ–ヺ (first, last code point)
_FULLWIDTH_KANA_RANGES = ((0x3041, 0x3096), (0x30A1, 0x30FA))
_LEGACY_LEADS = tuple(lead for lead, _ in _SJIS_KANA_PAIRS + _EUC_KANA_PAIRS)
_JAPANESE_LEGACY_CODECS = {"cp932", "shift_jis_2004", "euc_jis_2004", EUC_JP_CODEC, ISO2022_CODEC}


def declares_japanese_lang(head: bytes) -> bool:
    """``<html lang="ja…">`` / ``xml:lang`` / ``http-equiv="content-language" content="ja"``.

    Searched on the lower-cased head with plain ``find`` first: a case-insensitive regex
    over 8 KB costs ~30 µs a page, this ~2 µs.
    """
    low = head.lower()
    i = low.find(b"<html")
    if i >= 0:
        end = low.find(b">", i)
        if _LANG_ATTR_RE.search(low, i, end if end >= 0 else len(low)):
            return True
    j = low.find(b"content-language")
    return j >= 0 and _CONTENT_LANGUAGE_RE.match(low, j) is not None


def _count_upto(rx: re.Pattern[bytes], data: bytes, limit: int, lead: bytes | None = None) -> int:
    """Matches of ``rx`` in ``data``, stopping at ``limit`` (early exit for Japanese pages).

    ``lead``: one byte every match starts with. The scan starts at its first occurrence
    (a ``memchr``) and is skipped without it; ``rx`` has no anchor or look-behind, so the
    matches are the same as those of a scan from the start.
    """
    start = 0
    if lead is not None:
        start = data.find(lead)
        if start < 0:
            return 0
    return sum(1 for _ in islice(rx.finditer(data, start), limit))


def _count_pairs_upto(data: bytes, pairs: tuple[tuple[bytes, re.Pattern[bytes]], ...], limit: int) -> int:
    """Non-overlapping 2-byte matches of ``lead1 trail1 | lead2 trail2 | …`` in ``data``,
    stopping at ``limit``: the count ``finditer`` of that alternation gives.

    An alternation whose branches start with different bytes has no literal prefix, and
    the regex engine tests every byte against a class (~6 ns a byte); each lead byte's
    candidates are found with a literal-prefix scan instead, skipped when ``memchr`` does
    not find the lead byte, and taken in order the way ``finditer`` takes them: a
    candidate inside the previous match (its second byte) is passed over.
    """
    if limit <= 0:
        return 0
    streams = []
    for lead, rx in pairs:
        start = data.find(lead)
        if start >= 0:
            streams.append(m.start() for m in rx.finditer(data, start))
    count = end = 0
    for pos in heapq.merge(*streams):
        if pos >= end:
            count += 1
            if count >= limit:
                break
            end = pos + 2
    return count


def _legacy_decode_counts(text: str) -> tuple[int, int, int]:
    """(full-width kana, non-ASCII characters, U+FFFD) of a decoded sample, in one array.

    One code point per UTF-32 unit (``surrogatepass`` keeps a lone surrogate as one unit,
    as ``str`` counts it), so the counts equal a regex ``findall`` of the kana ranges,
    ``len(text) - len(text.encode("ascii", "ignore"))`` and ``text.count("\\ufffd")``;
    the regex over a character class alone cost ~0.7 ms on a 256 KB sample.
    """
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kana = 0
    for first, last in _FULLWIDTH_KANA_RANGES:
        kana += int(np.count_nonzero((codes - np.uint32(first)) <= np.uint32(last - first)))  # wraps below first
    return kana, int(np.count_nonzero(codes >= 0x80)), int(np.count_nonzero(codes == 0xFFFD))


class JapanesePrecheck(Filter):
    """Drop (count only) pages whose raw bytes cannot hold a Japanese text.

    Records the rule that passed a page in ``doc.metadata['precheck']`` and as counter
    ``pass.<rule>``; rejected pages are dropped as ``not_japanese_precheck`` and not
    written to ``removed/`` (they never became text).
    """

    write_removed = False

    def __init__(self, min_kana: int = 5, head_bytes: int = 8192, max_scan_bytes: int = 5_000_000,
                 sample_bytes: int = 262_144, max_bad_ratio: float = 0.02, min_legacy_kana_share: float = 0.05,
                 pass_html_lang: bool = False, pass_declared_charset: bool = False,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.min_kana = min_kana
        self.head_bytes = head_bytes
        self.max_scan_bytes = max_scan_bytes
        self.sample_bytes = sample_bytes
        self.max_bad_ratio = max_bad_ratio
        self.min_legacy_kana_share = min_legacy_kana_share
        self.pass_html_lang = pass_html_lang
        self.pass_declared_charset = pass_declared_charset

    def rule(self, body: bytes, http_charset: str | None = None) -> str | None:
        """The name of the first rule that says "maybe Japanese", or None."""
        head = body[: self.head_bytes]
        if self.pass_html_lang and declares_japanese_lang(head):
            return "html_lang"
        if self.pass_declared_charset:
            for label in (http_charset, meta_charset(head)):
                if label and normalize_charset(label) in _JAPANESE_LEGACY_CODECS:
                    return "declared_charset"
        data = body[: self.max_scan_bytes]
        need = self.min_kana
        bom = bom_codec(data)
        if bom is not None and bom[0] != "utf-8-sig":
            text = data[: self.sample_bytes].decode(bom[0], "replace")
            return "utf16_kana" if count_kana(text) >= need else None
        if data.isascii():
            if _count_upto(_ENTITY_KANA_RE, data, need, b"&") >= need:
                return "entity_kana"
            return self._iso2022_rule(data)
        n = _count_upto(_UTF8_KANA_RE, data, need, b"\xe3")
        if n >= need or n + _count_upto(_UTF8_HALFWIDTH_KANA_RE, data, need - n, b"\xef") >= need:
            return "utf8_kana"
        if _count_upto(_ENTITY_KANA_RE, data, need, b"&") >= need:
            return "entity_kana"
        return self._iso2022_rule(data) or self._legacy_rule(data)

    def _iso2022_rule(self, data: bytes) -> str | None:
        if not has_iso2022_escapes(data):
            return None
        text = data[: self.sample_bytes].decode(ISO2022_CODEC, "replace")
        return "iso2022_kana" if count_kana(text) >= self.min_kana else None

    def _legacy_rule(self, data: bytes) -> str | None:
        """Shift_JIS / EUC-JP: byte-pair sieve, then a decode of a sample to confirm.

        The confirmation counts full-width kana only and wants them to be a share of the
        non-ASCII characters: a wrong decode (GBK or Big5 read as CP932 / EUC-JP) gives
        half-width katakana and kanji garbage with kana only by accident.
        """
        need = self.min_kana
        if not any(lead in data for lead in _LEGACY_LEADS):
            return None  # no lead byte of either sieve: neither can pass (memchr only)
        sample = data[: self.sample_bytes]
        try:
            sample.decode("utf-8")
            return None  # valid UTF-8 whose UTF-8 kana were already counted
        except UnicodeDecodeError as e:
            if e.start >= len(sample) - 3 and len(sample) < len(data):
                return None  # only the sample's cut is broken: still UTF-8
        sjis = _count_pairs_upto(data, _SJIS_KANA_PAIRS, need) >= need
        euc = _count_pairs_upto(data, _EUC_KANA_PAIRS, need) >= need
        for codec, rule, hit in (("cp932", "sjis_kana", sjis), ("euc_jis_2004", "eucjp_kana", euc)):
            if not hit:
                continue
            kana, non_ascii, bad = _legacy_decode_counts(sample.decode(codec, "replace"))
            non_ascii = max(non_ascii, 1)
            if (kana >= need and kana >= self.min_legacy_kana_share * non_ascii
                    and bad <= self.max_bad_ratio * non_ascii):
                return rule
        return None

    def check(self, doc: Document) -> str | None:
        body = doc.raw
        if not body:
            return "not_japanese_precheck"
        rule = self.rule(body, doc.metadata.get("http_charset"))
        if rule is None:
            return "not_japanese_precheck"
        self.stats.count(f"pass.{rule}")
        doc.metadata["precheck"] = rule
        return None
