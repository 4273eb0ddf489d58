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
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Iterable, Iterator

from corpusforge.document import Document
from corpusforge.extract.charset import (
    ISO2022_CODEC,
    bom_codec,
    has_iso2022_escapes,
    meta_charset,
    normalize_charset,
)
from corpusforge.extract.script import count_kana
from corpusforge.stage import Filter, register

_UTF8_KANA_RE = re.compile(rb"\xe3[\x81-\x83][\x80-\xbf]")
_UTF8_HALFWIDTH_KANA_RE = re.compile(rb"\xef(?:\xbd[\xa6-\xbf]|\xbe[\x80-\x9f])")
_ENTITY_KANA_RE = re.compile(rb"&#(?:[xX]0*30[4-9a-fA-F][0-9a-fA-F]|0*12(?:3[5-9]|4[0-9]|5[0-4])[0-9]);")
_SJIS_KANA_RE = re.compile(rb"\x82[\x9f-\xf1]|\x83[\x40-\x96]")
_EUC_KANA_RE = re.compile(rb"\xa4[\xa1-\xf3]|\xa5[\xa1-\xf6]")
_LANG_ATTR_RE = re.compile(rb"\s(?:xml:)?lang\s*=\s*[\"']?\s*ja(?![a-z])")
_CONTENT_LANGUAGE_RE = re.compile(rb"content-language[\"']?\s+content\s*=\s*[\"']?\s*ja(?![a-z])")
_FULLWIDTH_KANA_RE = re.compile("[\u3041-\u3096\u30a1-\u30fa]")
_JAPANESE_LEGACY_CODECS = {"cp932", "shift_jis_2004", "euc_jis_2004", ISO2022_CODEC}


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


def _count_upto(rx: re.Pattern[bytes], data: bytes, limit: int) -> int:
    """Matches of ``rx`` in ``data``, stopping at ``limit`` (early exit for Japanese pages)."""
    return sum(1 for _ in islice(rx.finditer(data), limit))


@register
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
            if _count_upto(_ENTITY_KANA_RE, data, need) >= need:
                return "entity_kana"
            return self._iso2022_rule(data)
        n = _count_upto(_UTF8_KANA_RE, data, need)
        if n >= need or n + _count_upto(_UTF8_HALFWIDTH_KANA_RE, data, need - n) >= need:
            return "utf8_kana"
        if _count_upto(_ENTITY_KANA_RE, data, need) >= need:
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
        sample = data[: self.sample_bytes]
        try:
            sample.decode("utf-8")
            return None  # valid UTF-8 whose UTF-8 kana were already counted
        except UnicodeDecodeError as e:
            if e.start >= len(sample) - 3 and len(sample) < len(data):
                return None  # only the sample's cut is broken: still UTF-8
        sjis = _count_upto(_SJIS_KANA_RE, data, need) >= need
        euc = _count_upto(_EUC_KANA_RE, data, need) >= need
        for codec, rule, hit in (("cp932", "sjis_kana", sjis), ("euc_jis_2004", "eucjp_kana", euc)):
            if not hit:
                continue
            text = sample.decode(codec, "replace")
            non_ascii = max(len(text) - len(text.encode("ascii", "ignore")), 1)
            kana = len(_FULLWIDTH_KANA_RE.findall(text))
            if (kana >= need and kana >= self.min_legacy_kana_share * non_ascii
                    and text.count("\ufffd") <= self.max_bad_ratio * non_ascii):
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
