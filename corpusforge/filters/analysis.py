"""One lazy, cached analysis of a document's text that every quality filter reads.

Filters ask for what they need (class counts, lines, sentences, n-gram counts …); each
piece is computed once per text on first use and reused by the next filters. The
analysis is cached in the document's ``scratch`` (never written), and is recomputed
automatically when a mapper replaced the text (the cache is tied to the identity of the
text object).

Definitions follow the Swallow Corpus reference code so that its rules are reproduced
exactly: lines are ``text.split("\\n")``; sentences are the matches of
``[^。．！？!?]+[。．！？!?]?`` in each line; a paragraph is the concatenation of a line's
sentences (terminators that start a line or follow another terminator are not part of
any sentence, exactly as in the reference).
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import numpy as np

from corpusforge.document import Document
from corpusforge.text import charclass as cc
from corpusforge.filters.ngrams import NgramIndex

ANALYSIS_KEY = "ja_analysis"

_SENTENCE_RE = re.compile(r"[^。．！？!?\n]+[。．！？!?]?")
_LINE_SENTENCE_RE = re.compile(r"[^。．！？!?]+[。．！？!?]?")
_ELLIPSIS_ENDINGS = ("・", "…")


class TextAnalysis:
    """Lazily computed facts about one text (see module docstring for the definitions)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.length = len(text)
        self._cp: Any = None
        self._classes: Any = None
        self._counts: Any = None
        self._count_list: list[int] | None = None
        self._ja_letters: int | None = None
        self._lines: list[str] | None = None
        self._sentences: list[str] | None = None
        self._paragraphs: list[str] | None = None
        self._ngrams: NgramIndex | None = None
        self._cache: dict[str, Any] = {}
        self.surrogate_pairs = 0

    # characters -----------------------------------------------------------------------
    @property
    def code_points(self) -> Any:
        if self._cp is None:
            self._cp = cc.code_points(self.text)
        return self._cp

    @property
    def classes(self) -> Any:
        """Class id of every character (numpy uint8 array)."""
        if self._classes is None:
            self._classes = cc.swallow_table()[self.code_points]
        return self._classes

    @property
    def class_counts(self) -> Any:
        """Characters per class (numpy array indexed by the ``charclass.C_*`` ids)."""
        if self._counts is None:
            counts = np.bincount(self.classes, minlength=cc.N_CLASSES).astype(np.int64)
            if counts[cc.C_SURROGATE_HIGH_CJK] and counts[cc.C_SURROGATE_LOW]:
                cls = self.classes
                pairs = int(np.count_nonzero((cls[:-1] == cc.C_SURROGATE_HIGH_CJK) & (cls[1:] == cc.C_SURROGATE_LOW)))
                counts[cc.C_KANJI] += pairs  # a surrogate pair U+D840–D87F + low half is one kanji
                self.surrogate_pairs = pairs
            self._counts = counts
        return self._counts

    def count(self, *classes: int) -> int:
        if self._count_list is None:
            self._count_list = self.class_counts.tolist()   # Python ints: summed per filter
        c = self._count_list
        return sum(c[k] for k in classes)

    @property
    def ja_letters(self) -> int:
        """Swallow's Japanese letters: hiragana + katakana + kanji + kuten + tōten."""
        if self._ja_letters is None:
            self._ja_letters = self.count(cc.C_HIRAGANA, cc.C_KATAKANA, cc.C_KANJI, cc.C_KUTEN, cc.C_TOTEN)
        return self._ja_letters

    @property
    def visible_chars(self) -> int:
        """Characters that are not white space (the ``C_SPACE`` class: exactly ``str.isspace``).

        Counted by ``str.split``, which splits on the same characters, so that a filter that
        needs only this does not build the class array.
        """
        if "visible_chars" not in self._cache:
            self._cache["visible_chars"] = sum(map(len, self.text.split()))
        return self._cache["visible_chars"]

    def longest_run(self, mask: Any) -> int:
        """Length of the longest run of True in a boolean array over the characters."""
        if not mask.any():
            return 0
        edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
        return int((edges[1::2] - edges[0::2]).max())

    def runs_at_least(self, mask: Any, min_len: int) -> int:
        """Characters inside runs of True that are at least ``min_len`` long."""
        if not mask.any():
            return 0
        edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
        lengths = edges[1::2] - edges[0::2]
        return int(lengths[lengths >= min_len].sum())

    @property
    def max_char_run(self) -> int:
        """The longest run of one repeated character."""
        if "max_char_run" not in self._cache:
            cp = self.code_points
            if len(cp) == 0:
                run = 0
            else:
                changes = np.flatnonzero(cp[1:] != cp[:-1])
                edges = np.concatenate(([-1], changes, [len(cp) - 1]))
                run = int(np.diff(edges).max())
            self._cache["max_char_run"] = run
        return self._cache["max_char_run"]

    # lines and sentences --------------------------------------------------------------
    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    @property
    def sentences(self) -> list[str]:
        if self._sentences is None:
            self._sentences = _SENTENCE_RE.findall(self.text)
        return self._sentences

    @property
    def paragraphs(self) -> list[str]:
        """One per line: the line's sentences joined (usually the line itself)."""
        if self._paragraphs is None:
            # the sentences cover every character but the newlines exactly when no terminator
            # is stray (at a line start or after another terminator): then a line is its sentences
            if sum(map(len, self.sentences)) + self.text.count("\n") == self.length:
                self._paragraphs = self.lines
            else:
                self._paragraphs = ["".join(_LINE_SENTENCE_RE.findall(line)) for line in self.lines]
        return self._paragraphs

    def sentence_stats(self) -> tuple[int, int, int, int]:
        """(sentences, total characters, longest, sentences ending in ・ or … after strip)."""
        if "sentence_stats" not in self._cache:
            sents = self.sentences
            lengths = list(map(len, sents))
            ellipsis = 0
            if "・" in self.text or "…" in self.text:
                # only a line's last sentence can lack a terminator, so a sentence ends in ・ or …
                # exactly when its line does (after stripping white space)
                ellipsis = sum(1 for line in self.lines if line.rstrip().endswith(_ELLIPSIS_ENDINGS))
            self._cache["sentence_stats"] = (len(sents), sum(lengths), max(lengths, default=0), ellipsis)
        return self._cache["sentence_stats"]

    @staticmethod
    def duplicates(items: list[str]) -> tuple[int, int, int]:
        """(duplicate items, characters in duplicates, total characters) as in Gopher/Swallow.

        An item seen f times counts f-1 times, with its length each time.
        """
        total_chars = sum(map(len, items))
        distinct = set(items)
        dup_items = len(items) - len(distinct)
        dup_chars = total_chars - sum(map(len, distinct)) if dup_items else 0
        return dup_items, dup_chars, total_chars

    # n-grams, compression -------------------------------------------------------------
    def ngrams(self, n_max: int = 10) -> NgramIndex:
        if self._ngrams is None or self._ngrams.n_max < n_max:
            self._ngrams = NgramIndex(self.code_points, max(n_max, 10))
        return self._ngrams

    @property
    def compression_ratio(self) -> float:
        """zlib level-9 compressed size ÷ UTF-8 size (llm-jp-corpus); 0.0 for empty text."""
        if "compression_ratio" not in self._cache:
            raw = self.text.encode("utf-8", "surrogatepass")
            self._cache["compression_ratio"] = len(zlib.compress(raw, 9)) / len(raw) if raw else 0.0
        return self._cache["compression_ratio"]

    def memo(self, key: str, compute: Any) -> Any:
        """Cache any other derived value under ``key`` (e.g. MeCab tokens of a prefix)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


def analysis_of(doc: Document) -> TextAnalysis:
    """The cached analysis of ``doc.text`` (recomputed if the text object changed)."""
    a = doc.scratch.get(ANALYSIS_KEY)
    if a is None or a.text is not doc.text:
        a = TextAnalysis(doc.text)
        doc.scratch[ANALYSIS_KEY] = a
    return a


def ratio(num: float, den: float) -> float:
    """num / den, 0.0 when den is 0 (the convention of the reference tools; never NaN)."""
    return float(num) / den if den else 0.0
