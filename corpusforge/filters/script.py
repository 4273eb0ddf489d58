"""Script filters: hiragana / katakana / kanji shares and kana at the start of the text."""

from __future__ import annotations

import re
from typing import Any

from corpusforge.document import Document
from corpusforge.text import charclass as cc
from corpusforge.filters.analysis import analysis_of, ratio
from corpusforge.filters.rules import QualityFilter, Rule, threshold

# HojiChar AcceptJapanese: hiragana ぁ–ん and katakana ァ–ン
_HEAD_KANA_RE = re.compile("[\u3041-\u3093\u30a1-\u30f3]")


class ScriptRatioFilter(QualityFilter):
    """Shares of the Japanese scripts (Swallow: hiragana ≥ 0.2, katakana ≤ 0.5, Japanese ≥ 0.5).

    Signals: ``q_hiragana_per_ja``, ``q_katakana_per_ja``, ``q_kanji_per_ja`` (each ÷ Japanese
    letters) and ``q_ja_per_char`` (Japanese letters ÷ all characters). Pages in Chinese
    have no hiragana; keyword and product lists are katakana-heavy.
    """

    def __init__(self, min_hiragana_ratio: float | None = None, max_katakana_ratio: float | None = None,
                 max_kanji_ratio: float | None = None, min_ja_ratio: float | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.min_hiragana_ratio = threshold(min_hiragana_ratio, "min_hiragana_ratio")
        self.max_katakana_ratio = threshold(max_katakana_ratio, "max_katakana_ratio")
        self.max_kanji_ratio = threshold(max_kanji_ratio, "max_kanji_ratio")
        self.min_ja_ratio = threshold(min_ja_ratio, "min_ja_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        c = a.class_counts
        ja = a.ja_letters
        return {
            "q_hiragana_per_ja": ratio(c[cc.C_HIRAGANA], ja),
            "q_katakana_per_ja": ratio(c[cc.C_KATAKANA], ja),
            "q_kanji_per_ja": ratio(c[cc.C_KANJI], ja),
            "q_ja_per_char": ratio(ja, a.length),
        }

    def rules(self) -> list[Rule | None]:
        return [
            self.rule("low_hiragana_ratio", "q_hiragana_per_ja", "lt", self.min_hiragana_ratio, "min_hiragana_ratio"),
            self.rule("high_katakana_ratio", "q_katakana_per_ja", "gt", self.max_katakana_ratio, "max_katakana_ratio"),
            self.rule("high_kanji_ratio", "q_kanji_per_ja", "gt", self.max_kanji_ratio, "max_kanji_ratio"),
            self.rule("low_ja_ratio", "q_ja_per_char", "lt", self.min_ja_ratio, "min_ja_ratio"),
        ]


class JapaneseStartFilter(QualityFilter):
    """Kana near the start of the text (HojiChar ``AcceptJapanese``, used by llm-jp-corpus).

    Signal ``q_head_kana``: hiragana / katakana characters among the first ``head_chars``
    characters. Catches pages in other languages that quote a little Japanese further down.
    """

    def __init__(self, head_chars: int = 50, min_head_kana: int | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.head_chars = int(threshold(head_chars, "head_chars", int))
        self.min_head_kana = threshold(min_head_kana, "min_head_kana", int)

    def measure(self, doc: Document) -> dict[str, Any]:
        return {"q_head_kana": len(_HEAD_KANA_RE.findall(doc.text, 0, self.head_chars))}

    def rules(self) -> list[Rule | None]:
        return [self.rule("no_kana_at_start", "q_head_kana", "lt", self.min_head_kana, "min_head_kana")]
