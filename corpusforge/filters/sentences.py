"""Sentence filters: average and longest sentence, trailing ellipses, kuten density."""

from __future__ import annotations

from typing import Any

from corpusforge.document import Document
from corpusforge.filters.analysis import analysis_of, ratio
from corpusforge.filters.rules import QualityFilter, Rule, threshold


class SentenceFilter(QualityFilter):
    """Sentence lengths (Swallow: average 20–90, longest ≤ 200, ≤ 20% ending in ・ or …).

    Sentences are the matches of ``[^。．！？!?]+[。．！？!?]?`` in each line. Signals:
    ``q_sentences``, ``q_avg_sentence_len``, ``q_max_sentence_len`` and
    ``q_ellipsis_sentence_ratio`` (sentences ending in ・ or … after stripping white space).
    Very short sentences mean menus and lists; very long ones, text without punctuation.
    """

    def __init__(self, min_avg_sentence_len: float | None = None, max_avg_sentence_len: float | None = None,
                 max_sentence_len: int | None = None, max_ellipsis_sentence_ratio: float | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.min_avg_sentence_len = threshold(min_avg_sentence_len, "min_avg_sentence_len")
        self.max_avg_sentence_len = threshold(max_avg_sentence_len, "max_avg_sentence_len")
        self.max_sentence_len = threshold(max_sentence_len, "max_sentence_len", int)
        self.max_ellipsis_sentence_ratio = threshold(max_ellipsis_sentence_ratio, "max_ellipsis_sentence_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        n, chars, longest, ellipsis = analysis_of(doc).sentence_stats()
        return {"q_sentences": n, "q_avg_sentence_len": ratio(chars, n), "q_max_sentence_len": longest,
                "q_ellipsis_sentence_ratio": ratio(ellipsis, n)}

    def rules(self) -> list[Rule | None]:
        return [
            self.rule("avg_sentence_too_short", "q_avg_sentence_len", "lt", self.min_avg_sentence_len,
                      "min_avg_sentence_len"),
            self.rule("avg_sentence_too_long", "q_avg_sentence_len", "gt", self.max_avg_sentence_len,
                      "max_avg_sentence_len"),
            self.rule("sentence_too_long", "q_max_sentence_len", "gt", self.max_sentence_len, "max_sentence_len"),
            self.rule("ellipsis_sentences", "q_ellipsis_sentence_ratio", "gt", self.max_ellipsis_sentence_ratio,
                      "max_ellipsis_sentence_ratio"),
        ]


class KutenDensityFilter(QualityFilter):
    """At least one 。 per N characters (HojiChar ``DiscardRareKuten``; llm-jp: N = 250).

    Signal ``q_kuten_ratio``: count of 。 ÷ characters. "One per 250 characters" is
    ``min_kuten_ratio: 0.004``. Catches lists, tables and keyword pages without sentences.
    """

    def __init__(self, min_kuten_ratio: float | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.min_kuten_ratio = threshold(min_kuten_ratio, "min_kuten_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        text = doc.text
        return {"q_kuten_ratio": ratio(text.count("。"), len(text))}

    def rules(self) -> list[Rule | None]:
        return [self.rule("rare_kuten", "q_kuten_ratio", "lt", self.min_kuten_ratio, "min_kuten_ratio")]
