"""Repetition filters (Gopher rules adapted to characters, as in the Swallow Corpus and HojiChar).

All n-gram signals come from one exact n-gram index per text (``ngrams.NgramIndex``).
"""

from __future__ import annotations

from typing import Any

from corpusforge.document import Document
from corpusforge.filters.analysis import analysis_of, ratio
from corpusforge.filters.ngrams import char_repetition_ratio
from corpusforge.filters.rules import QualityFilter, Rule, per_n_thresholds, threshold


class DuplicateLineFilter(QualityFilter):
    """Repeated lines and sentences (Swallow: ≤ 0.30 by count, ≤ 0.20 by characters).

    A line (paragraph) or sentence seen f times counts f-1 times. Signals:
    ``q_dup_line_ratio`` (duplicate lines ÷ lines), ``q_dup_line_char_ratio`` (their
    characters ÷ characters in lines), ``q_dup_sentence_ratio``, ``q_dup_sentence_char_ratio``.
    ``count_empty_lines``: the Swallow reference counts empty lines as (duplicate) lines;
    set it to false for corpora that separate paragraphs with blank lines.
    """

    def __init__(self, max_line_ratio: float | None = None, max_line_char_ratio: float | None = None,
                 max_sentence_ratio: float | None = None, max_sentence_char_ratio: float | None = None,
                 count_empty_lines: bool = True, name: str | None = None) -> None:
        super().__init__(name)
        self.max_line_ratio = threshold(max_line_ratio, "max_line_ratio")
        self.max_line_char_ratio = threshold(max_line_char_ratio, "max_line_char_ratio")
        self.max_sentence_ratio = threshold(max_sentence_ratio, "max_sentence_ratio")
        self.max_sentence_char_ratio = threshold(max_sentence_char_ratio, "max_sentence_char_ratio")
        self.count_empty_lines = bool(count_empty_lines)

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        paragraphs = a.paragraphs if self.count_empty_lines else [p for p in a.paragraphs if p.strip()]
        dup_p, dup_p_chars, p_chars = a.duplicates(paragraphs)
        sents = a.sentences
        dup_s, dup_s_chars, s_chars = a.duplicates(sents)
        return {"q_dup_line_ratio": ratio(dup_p, len(paragraphs)),
                "q_dup_line_char_ratio": ratio(dup_p_chars, p_chars),
                "q_dup_sentence_ratio": ratio(dup_s, len(sents)),
                "q_dup_sentence_char_ratio": ratio(dup_s_chars, s_chars)}

    def rules(self) -> list[Rule | None]:
        return [
            self.rule("dup_line_ratio", "q_dup_line_ratio", "gt", self.max_line_ratio, "max_line_ratio"),
            self.rule("dup_sentence_ratio", "q_dup_sentence_ratio", "gt", self.max_sentence_ratio,
                      "max_sentence_ratio"),
            self.rule("dup_line_char_ratio", "q_dup_line_char_ratio", "gt", self.max_line_char_ratio,
                      "max_line_char_ratio"),
            self.rule("dup_sentence_char_ratio", "q_dup_sentence_char_ratio", "gt", self.max_sentence_char_ratio,
                      "max_sentence_char_ratio"),
        ]


class _PerNgramFilter(QualityFilter):
    """Shared set-up of the filters with one threshold per n-gram size (``max_ratio``)."""

    def __init__(self, max_ratio: dict[int, float] | None = None, record: list[int] | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.max_ratio = per_n_thresholds(max_ratio, "max_ratio", range(1, 11))
        self.ns = sorted(set(self.max_ratio) | {int(n) for n in (record or [])})
        if any(not 1 <= n <= 10 for n in self.ns):
            raise ValueError("record: n must be within 1..10")


class TopNgramFilter(_PerNgramFilter):
    """Share of the most frequent character n-gram (Swallow: 2/3/4-grams ≤ 0.20/0.18/0.16).

    Signals ``q_top_{n}gram_ratio``: occurrences of the most frequent n-gram ÷ all
    n-gram occurrences, for each n of ``max_ratio`` (and of ``record``, signals only).
    """

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        L = a.length
        if not self.ns:
            return {}
        ix = a.ngrams()
        return {f"q_top_{n}gram_ratio": ratio(ix.top(n), L - n + 1 if L >= n else 0) for n in self.ns}

    def rules(self) -> list[Rule | None]:
        return [self.rule(f"top_{n}gram_ratio", f"q_top_{n}gram_ratio", "gt", t, f"max_ratio.{n}")
                for n, t in self.max_ratio.items()]


class DuplicateNgramFilter(_PerNgramFilter):
    """Share of repeated character n-grams (Swallow: 5…10-grams ≤ 0.15, 0.14, …, 0.10).

    Signals ``q_dup_{n}gram_ratio``: distinct n-grams seen more than once ÷ distinct
    n-grams — the Swallow reference code's definition (not Gopher's character share).
    """

    def measure(self, doc: Document) -> dict[str, Any]:
        if not self.ns:
            return {}
        ix = analysis_of(doc).ngrams()
        out: dict[str, Any] = {}
        for n in self.ns:
            out[f"q_dup_{n}gram_ratio"] = ratio(ix.repeated(n), ix.distinct(n))
        return out

    def rules(self) -> list[Rule | None]:
        return [self.rule(f"dup_{n}gram_ratio", f"q_dup_{n}gram_ratio", "gt", t, f"max_ratio.{n}")
                for n, t in self.max_ratio.items()]


class CharRepetitionFilter(QualityFilter):
    """BigScience / HojiChar character n-gram repetition (n = 5, drop at ≥ 0.33).

    Signal ``q_char_rep_ratio``: occurrences of the ⌊√distinct⌋ most frequent repeated
    n-grams ÷ all n-gram occurrences. Catches noun-list advertising and board headers.
    """

    def __init__(self, n: int = 5, ratio_limit: float | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.n = int(threshold(n, "n", int))
        if not 1 <= self.n <= 10:
            raise ValueError("n must be within 1..10")
        self.ratio_limit = threshold(ratio_limit, "ratio_limit")

    def measure(self, doc: Document) -> dict[str, Any]:
        return {"q_char_rep_ratio": char_repetition_ratio(analysis_of(doc).ngrams(), self.n)}

    def rules(self) -> list[Rule | None]:
        return [self.rule("char_repetition", "q_char_rep_ratio", "ge", self.ratio_limit, "ratio_limit")]


class RunLengthFilter(QualityFilter):
    """One character repeated many times in a row (HojiChar: drop at a run of 200).

    Signal ``q_max_char_run``: the longest run of a single character.
    """

    def __init__(self, run_limit: int | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.run_limit = threshold(run_limit, "run_limit", int)

    def measure(self, doc: Document) -> dict[str, Any]:
        return {"q_max_char_run": analysis_of(doc).max_char_run}

    def rules(self) -> list[Rule | None]:
        return [self.rule("char_run", "q_max_char_run", "ge", self.run_limit, "run_limit")]


class CompressionRatioFilter(QualityFilter):
    """zlib level-9 compression ratio (llm-jp-corpus: keep within [0.30, 0.70]).

    Signal ``q_compression_ratio``: compressed ÷ UTF-8 bytes. Too low: repetitive text;
    too high: random strings, hashes, encoded data.
    """

    def __init__(self, min_ratio: float | None = None, max_ratio: float | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.min_ratio = threshold(min_ratio, "min_ratio")
        self.max_ratio = threshold(max_ratio, "max_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        return {"q_compression_ratio": analysis_of(doc).compression_ratio}

    def rules(self) -> list[Rule | None]:
        return [self.rule("low_compression_ratio", "q_compression_ratio", "lt", self.min_ratio, "min_ratio"),
                self.rule("high_compression_ratio", "q_compression_ratio", "gt", self.max_ratio, "max_ratio")]
