"""Filters that need words: noun share and word n-gram repetition (MeCab + unidic-lite).

MeCab runs only here, only on a bounded prefix of the text (``prefix_chars``), and the
tokens are shared by both filters through the document's analysis. The tagger is
created on first use in each process (keeps the import of this module light).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from corpusforge.document import Document
from corpusforge.filters.analysis import analysis_of, ratio
from corpusforge.filters.rules import QualityFilter, Rule, threshold

_tagger: Any = None

SYMBOL_POS = "補助記号"
NOUN_POS = "名詞"


def _get_tagger() -> Any:
    global _tagger
    if _tagger is None:
        import MeCab

        _tagger = MeCab.Tagger()
    return _tagger


def tokenize(text: str) -> list[tuple[str, str]]:
    """(surface, coarse part of speech) of each token, e.g. ("リンゴ", "名詞")."""
    return _split(_parse(text))


def _split(parsed: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in parsed.split("\n"):
        if not line or line == "EOS":
            continue
        cols = line.split("\t")
        if len(cols) >= 5:            # unidic-lite default: surface, pron, kana, lemma, pos-pos-…
            pos = cols[4].split("-", 1)[0]
        elif len(cols) == 2:          # classic format: surface \t pos,pos,…
            pos = cols[1].split(",", 1)[0]
        else:
            pos = ""
        out.append((cols[0], pos))
    return out


def _parse(text: str) -> str:
    tagger = _get_tagger()
    try:
        return tagger.parse(text)
    except UnicodeEncodeError:  # lone surrogates
        return tagger.parse(text.encode("utf-8", "replace").decode("utf-8"))


def pos_counts(text: str) -> tuple[int, int, int]:
    """(tokens, nouns, symbols) of a text, counted on MeCab's output without splitting it.

    unidic-lite's default output has the part of speech in the fifth column
    (``名詞-普通名詞-一般``); a classic ``surface\tpos,pos,…`` layout is handled too.
    """
    parsed = _parse(text)
    eos = parsed.count("\nEOS\n") + (1 if parsed.startswith("EOS\n") else 0)
    tokens = parsed.count("\n") - eos
    if "\t名詞-" in parsed or "\t補助記号-" in parsed or "\t助詞-" in parsed or "\t動詞-" in parsed:
        return tokens, parsed.count("\t" + NOUN_POS + "-"), parsed.count("\t" + SYMBOL_POS + "-")
    counts = Counter(pos for _, pos in _split(parsed))
    return tokens, counts[NOUN_POS], counts[SYMBOL_POS] + counts["記号"]


def tokens_of(doc: Document, prefix_chars: int) -> list[tuple[str, str]]:
    """Tokens of the first ``prefix_chars`` characters, cached per text and prefix."""
    return analysis_of(doc).memo(f"mecab:{prefix_chars}", lambda: tokenize(doc.text[:prefix_chars]))


class NounRatioFilter(QualityFilter):
    """Keyword-stuffed pages: share of nouns among words (HojiChar: drop at ≥ 0.80).

    Signal ``q_noun_per_word``: nouns ÷ tokens, symbols (補助記号) excluded as in HojiChar,
    measured on the first ``prefix_chars`` characters only (MeCab ≈ 1.6 M chars/s).
    """

    def __init__(self, prefix_chars: int = 1000, ratio_limit: float | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.prefix_chars = int(threshold(prefix_chars, "prefix_chars", int))
        self.ratio_limit = threshold(ratio_limit, "ratio_limit")

    def measure(self, doc: Document) -> dict[str, Any]:
        n = self.prefix_chars
        tokens, nouns, symbols = analysis_of(doc).memo(f"mecab_pos:{n}", lambda: pos_counts(doc.text[:n]))
        return {"q_noun_per_word": ratio(nouns, tokens - symbols)}

    def rules(self) -> list[Rule | None]:
        return [self.rule("high_noun_ratio", "q_noun_per_word", "ge", self.ratio_limit, "ratio_limit")]


class WordRepetitionFilter(QualityFilter):
    """Repeated word n-grams (HojiChar: word 7-grams, drop at ≥ 0.40).

    Signal ``q_word_rep_ratio``: occurrences of word n-grams seen more than once ÷ all
    word n-gram occurrences, on the first ``prefix_chars`` characters.
    """

    def __init__(self, n: int = 7, prefix_chars: int = 1000, ratio_limit: float | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.n = int(threshold(n, "n", int))
        self.prefix_chars = int(threshold(prefix_chars, "prefix_chars", int))
        self.ratio_limit = threshold(ratio_limit, "ratio_limit")

    def measure(self, doc: Document) -> dict[str, Any]:
        words = [w for w, _ in tokens_of(doc, self.prefix_chars)]
        n = self.n
        grams = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
        total = sum(grams.values())
        repeated = sum(f for f in grams.values() if f > 1)
        return {"q_word_rep_ratio": ratio(repeated, total)}

    def rules(self) -> list[Rule | None]:
        return [self.rule("word_repetition", "q_word_rep_ratio", "ge", self.ratio_limit, "ratio_limit")]
