"""Character-class filters beyond the Japanese scripts: symbols, emoji, digits, ASCII runs,
broken text."""

from __future__ import annotations

from typing import Any

from corpusforge.document import Document
from corpusforge.text import charclass as cc
from corpusforge.filters.analysis import analysis_of, ratio
from corpusforge.filters.rules import QualityFilter, Rule, threshold

_SYMBOL_CLASSES = (cc.C_SPACE, cc.C_PUNCT, cc.C_SYMBOL, cc.C_EMOJI, cc.C_KUTEN, cc.C_TOTEN)


class SymbolRatioFilter(QualityFilter):
    """Share of symbols, punctuation, white space and emoji (HojiChar special characters > 0.4).

    Signals: ``q_symbol_ratio`` (white space, punctuation incl. 。、, symbols and emoji ÷
    all characters, as HojiChar's ``DiscardTooManySpecialToken`` counts them) and
    ``q_emoji_ratio`` (emoji ÷ all characters).
    """

    def __init__(self, max_symbol_ratio: float | None = None, max_emoji_ratio: float | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.max_symbol_ratio = threshold(max_symbol_ratio, "max_symbol_ratio")
        self.max_emoji_ratio = threshold(max_emoji_ratio, "max_emoji_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        return {"q_symbol_ratio": ratio(a.count(*_SYMBOL_CLASSES), a.length),
                "q_emoji_ratio": ratio(a.count(cc.C_EMOJI), a.length)}

    def rules(self) -> list[Rule | None]:
        return [self.rule("high_symbol_ratio", "q_symbol_ratio", "gt", self.max_symbol_ratio, "max_symbol_ratio"),
                self.rule("high_emoji_ratio", "q_emoji_ratio", "gt", self.max_emoji_ratio, "max_emoji_ratio")]


class DigitRatioFilter(QualityFilter):
    """Share of digits (ASCII and full-width): price lists, timetables, statistics dumps.

    Signal ``q_digit_ratio``: digits ÷ all characters.
    """

    def __init__(self, max_digit_ratio: float | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.max_digit_ratio = threshold(max_digit_ratio, "max_digit_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        return {"q_digit_ratio": ratio(a.count(cc.C_DIGIT), a.length)}

    def rules(self) -> list[Rule | None]:
        return [self.rule("high_digit_ratio", "q_digit_ratio", "gt", self.max_digit_ratio, "max_digit_ratio")]


class AsciiRunFilter(QualityFilter):
    """Long runs of ASCII inside a Japanese page: code, tracking strings, base64, link dumps.

    llm-jp-corpus removes runs of ``run_chars`` (100) or more ASCII characters from lines;
    this filter measures them. Signals: ``q_max_ascii_run`` (longest run of ASCII
    characters other than a line break) and ``q_ascii_run_ratio`` (characters in runs of
    at least ``run_chars`` ÷ all characters).
    """

    def __init__(self, run_chars: int = 100, max_ascii_run: int | None = None,
                 max_ascii_run_ratio: float | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.run_chars = int(threshold(run_chars, "run_chars", int))
        self.max_ascii_run = threshold(max_ascii_run, "max_ascii_run", int)
        self.max_ascii_run_ratio = threshold(max_ascii_run_ratio, "max_ascii_run_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        cp = a.code_points
        mask = (cp < 128) & (cp != 10)
        return {"q_max_ascii_run": a.longest_run(mask),
                "q_ascii_run_ratio": ratio(a.runs_at_least(mask, self.run_chars), a.length)}

    def rules(self) -> list[Rule | None]:
        return [self.rule("long_ascii_run", "q_max_ascii_run", "gt", self.max_ascii_run, "max_ascii_run"),
                self.rule("ascii_run_ratio", "q_ascii_run_ratio", "gt", self.max_ascii_run_ratio,
                          "max_ascii_run_ratio")]


class BrokenTextFilter(QualityFilter):
    """Mojibake and binary remnants: U+FFFD, lone surrogates, control / private-use characters.

    Signal ``q_broken_ratio``: such characters ÷ all characters (a valid surrogate pair
    counts as one kanji, as in the Swallow definition, not as broken).
    """

    def __init__(self, max_broken_ratio: float | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.max_broken_ratio = threshold(max_broken_ratio, "max_broken_ratio")

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        c = a.class_counts
        broken = int(c[cc.C_REPLACEMENT] + c[cc.C_INVISIBLE] + c[cc.C_SURROGATE_OTHER] + c[cc.C_SURROGATE_HIGH_CJK]
                     + c[cc.C_SURROGATE_LOW]) - 2 * a.surrogate_pairs
        return {"q_broken_ratio": ratio(broken, a.length)}

    def rules(self) -> list[Rule | None]:
        return [self.rule("broken_text", "q_broken_ratio", "gt", self.max_broken_ratio, "max_broken_ratio")]
