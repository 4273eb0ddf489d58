"""Unicode normalization and whitespace cleanup of extracted text.

NFKC (the default) folds the width variants Japanese web text is full of: half-width
katakana ｶﾀｶﾅ become カタカナ, full-width ＡＢＣ１２３ become ABC123, the ideographic
space becomes a space, and ① / ㈱ become 1 / (株). ``NFC`` keeps all of those as written
(for corpora that want the original forms), ``none`` skips normalization.

Whitespace: CR/LF → LF, zero-width and control characters removed, runs of spaces and
tabs collapsed to one space, spaces at line ends and starts removed, runs of blank
lines collapsed; newlines stay as paragraph breaks.
"""

from __future__ import annotations

import re
import unicodedata

from corpusforge.document import Document
from corpusforge.stage import Mapper, register

_FORMS = ("NFKC", "NFC", "NFKD", "NFD", "none")
_RARE_NEWLINES_RE = re.compile("[\u2028\u2029\x85]")
# zero-width space/joiners, word joiner, BOM, soft hyphen, C0 (except \t \n) and C1 controls, DEL
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f]")
# the compatibility characters Japanese web text is full of (full-width ASCII, the
# ideographic space, …) with their NFKC forms
_COMMON_COMPAT = {"\u3000": " ", "\u2026": "...", **{chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}}
_COMMON_COMPAT_RE = re.compile("[\u3000\u2026\uff01-\uff5e]")
_SPACES_RE = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f]+")
_ODD_SPACES_RE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f]")


def fast_nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, ~10x faster on typical Japanese text.

    Full NFKC costs ~0.1 µs per character in CPython. Most extracted pages need only the
    common full-width forms folded: replace those (one ``str.replace`` per distinct
    character present), and run the full normalization only if the text still is not
    NFKC (``is_normalized`` is a quick check). Same result, tested against unicodedata.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    for ch in set(_COMMON_COMPAT_RE.findall(text)):
        text = text.replace(ch, _COMMON_COMPAT[ch])
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


@register
class Normalize(Mapper):
    """Normalize ``doc.text`` (``form``: NFKC, NFC, NFKD, NFD or none) and clean whitespace."""

    def __init__(self, form: str = "NFKC", remove_invisible: bool = True, collapse_spaces: bool = True,
                 max_blank_lines: int = 1, name: str | None = None) -> None:
        super().__init__(name)
        if form not in _FORMS:
            raise ValueError(f"form must be one of {', '.join(_FORMS)}, got {form!r}")
        if max_blank_lines < 0:
            raise ValueError("max_blank_lines must be >= 0")
        self.form = form
        self.remove_invisible = remove_invisible
        self.collapse_spaces = collapse_spaces
        self.blank_lines_re = re.compile("\n{%d,}" % (max_blank_lines + 2))
        self.blank_lines_to = "\n" * (max_blank_lines + 1)

    def normalize(self, text: str) -> str:
        """The normalized, cleaned text.

        Plain ``in`` / ``replace`` / ``split`` do the common cases; regexes run only where
        their pattern can match (this stage runs on every extracted page).
        """
        if not text:
            return text
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        ascii_only = text.isascii()
        if not ascii_only and _RARE_NEWLINES_RE.search(text):
            text = _RARE_NEWLINES_RE.sub("\n", text)
        if self.remove_invisible and _INVISIBLE_RE.search(text):
            text = _INVISIBLE_RE.sub("", text)
        if self.form == "NFKC" and not ascii_only:
            text = fast_nfkc(text)
        elif self.form != "none" and not ascii_only:
            text = unicodedata.normalize(self.form, text)
        if self.collapse_spaces:
            if "  " in text or "\t" in text or (not text.isascii() and _ODD_SPACES_RE.search(text)):
                text = _SPACES_RE.sub(" ", text)
            if " \n" in text or "\n " in text:
                text = "\n".join(line.strip(" ") for line in text.split("\n"))
        if "\n\n" in text:
            text = self.blank_lines_re.sub(self.blank_lines_to, text)
        return text.strip()

    def apply(self, doc: Document) -> Document:
        doc.text = self.normalize(doc.text)
        return doc
