"""Length filters: empty text, characters and Japanese letters."""

from __future__ import annotations

from typing import Any

from corpusforge.document import Document
from corpusforge.filters.analysis import analysis_of
from corpusforge.filters.rules import QualityFilter, Rule, threshold


class EmptyTextFilter(QualityFilter):
    """Drops documents with no visible character (llm-jp-corpus ``text.strip() != ""``).

    Signal ``q_visible_chars``: characters that are not white space.
    """

    def __init__(self, min_visible_chars: int | None = 1, name: str | None = None) -> None:
        super().__init__(name)
        self.min_visible_chars = threshold(min_visible_chars, "min_visible_chars", int)

    def measure(self, doc: Document) -> dict[str, Any]:
        return {"q_visible_chars": analysis_of(doc).visible_chars}

    def rules(self) -> list[Rule | None]:
        return [self.rule("empty_text", "q_visible_chars", "lt", self.min_visible_chars, "min_visible_chars")]


class LengthFilter(QualityFilter):
    """Document length in characters and in Japanese letters (Swallow: both ≥ 400).

    Signals: ``q_chars`` (all characters, ``len(text)``) and ``q_ja_letters`` (hiragana,
    katakana, kanji, kuten 。．！？ and tōten 、， as the Swallow Corpus defines them).
    """

    def __init__(self, min_chars: int | None = None, max_chars: int | None = None,
                 min_ja_letters: int | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.min_chars = threshold(min_chars, "min_chars", int)
        self.max_chars = threshold(max_chars, "max_chars", int)
        self.min_ja_letters = threshold(min_ja_letters, "min_ja_letters", int)

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        return {"q_chars": a.length, "q_ja_letters": a.ja_letters}

    def rules(self) -> list[Rule | None]:
        return [
            self.rule("too_few_chars", "q_chars", "lt", self.min_chars, "min_chars"),
            self.rule("too_many_chars", "q_chars", "gt", self.max_chars, "max_chars"),
            self.rule("too_few_ja_letters", "q_ja_letters", "lt", self.min_ja_letters, "min_ja_letters"),
        ]
