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
_NEWLINES_RE = re.compile("\r\n?|[\u2028\u2029\x85]")
# zero-width space/joiners, word joiner, BOM, soft hyphen, C0 (except \t \n) and C1 controls, DEL
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f]")
_SPACES_RE = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f]+")
_LINE_EDGE_RE = re.compile("^ +| +$", re.M)


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
        """The normalized, cleaned text."""
        if not text:
            return text
        text = _NEWLINES_RE.sub("\n", text)
        if self.remove_invisible:
            text = _INVISIBLE_RE.sub("", text)
        if self.form != "none" and not text.isascii():
            text = unicodedata.normalize(self.form, text)
        if self.collapse_spaces:
            text = _SPACES_RE.sub(" ", text)
            text = _LINE_EDGE_RE.sub("", text)
        text = self.blank_lines_re.sub(self.blank_lines_to, text)
        return text.strip()

    def apply(self, doc: Document) -> Document:
        doc.text = self.normalize(doc.text)
        return doc
