"""Word-list filters: NG words (adult, discrimination, violence), advertising phrases, BBS patterns.

The shipped lists in ``filters/wordlists/`` are starting points written for corpusforge;
pass your own files to replace them (see ``wordlists.py`` for the format).
"""

from __future__ import annotations

import re
from typing import Any

from corpusforge.document import Document
from corpusforge.filters.analysis import analysis_of, ratio
from corpusforge.filters.rules import QualityFilter, Rule, threshold
from corpusforge.filters.wordlists import PhraseMatcher, load_wordlists

_LABEL_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class NGWordFilter(QualityFilter):
    """Inappropriate expressions, matched leftmost-longest with katakana / latin word boundaries.

    Signals (``label`` names them, so several instances can coexist):
    ``q_{label}_hits`` (matches) and ``q_{label}_per_ja`` (matched characters ÷ Japanese
    letters, the Swallow Corpus definition) or, with ``ratio_of: chars``, ``q_{label}_per_char``
    (÷ all characters).
    Rules: ``max_hits`` (llm-jp-corpus: more than 3 hits) and ``ratio_limit`` (Swallow:
    drop at ≥ 0.05).
    """

    def __init__(self, wordlists: str | list[str], label: str = "ng", max_hits: int | None = None,
                 ratio_limit: float | None = None, ratio_of: str = "ja_letters", katakana_boundary: bool = True,
                 latin_boundary: bool = True, config_dir: str | None = None, name: str | None = None) -> None:
        if not _LABEL_RE.match(label):
            raise ValueError(f"label must be snake_case ascii, got {label!r}")
        super().__init__(name or f"NGWordFilter[{label}]")
        if ratio_of not in ("ja_letters", "chars"):
            raise ValueError("ratio_of must be 'ja_letters' or 'chars'")
        self.label = label
        self.max_hits = threshold(max_hits, "max_hits", int)
        self.ratio_limit = threshold(ratio_limit, "ratio_limit")
        self.ratio_of = ratio_of
        self.ratio_signal = f"q_{label}_per_ja" if ratio_of == "ja_letters" else f"q_{label}_per_char"
        self.matcher = PhraseMatcher(load_wordlists(wordlists, config_dir), katakana_boundary, latin_boundary)

    def measure(self, doc: Document) -> dict[str, Any]:
        hits, chars = self.matcher.hits(doc.text)
        a = analysis_of(doc)
        base = a.ja_letters if self.ratio_of == "ja_letters" else a.length
        return {f"q_{self.label}_hits": hits, self.ratio_signal: ratio(chars, base)}

    def rules(self) -> list[Rule | None]:
        lab = self.label
        return [self.rule(f"{lab}_hits", f"q_{lab}_hits", "gt", self.max_hits, "max_hits"),
                self.rule(f"{lab}_ratio", self.ratio_signal, "ge", self.ratio_limit, "ratio_limit")]


class AdPhraseFilter(QualityFilter):
    """Shop and advertising pages by their stock phrases (llm-jp-corpus: > 10; HojiChar: > 14).

    Signals: ``q_ad_hits`` (phrase matches, leftmost-longest) and ``q_ad_per_1k_chars``
    (matches per 1,000 characters, for length-aware tuning).
    """

    def __init__(self, wordlist: str | list[str] = "wordlists/ads.txt", max_hits: int | None = None,
                 max_per_1k_chars: float | None = None, config_dir: str | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.max_hits = threshold(max_hits, "max_hits", int)
        self.max_per_1k_chars = threshold(max_per_1k_chars, "max_per_1k_chars")
        self.matcher = PhraseMatcher(load_wordlists(wordlist, config_dir))

    def measure(self, doc: Document) -> dict[str, Any]:
        hits, _ = self.matcher.hits(doc.text)
        return {"q_ad_hits": hits, "q_ad_per_1k_chars": ratio(hits * 1000, len(doc.text))}

    def rules(self) -> list[Rule | None]:
        return [self.rule("too_many_ads", "q_ad_hits", "gt", self.max_hits, "max_hits"),
                self.rule("dense_ads", "q_ad_per_1k_chars", "gt", self.max_per_1k_chars, "max_per_1k_chars")]


class BBSPatternFilter(QualityFilter):
    """Bulletin-board and comment-thread pages (HojiChar ``DiscardBBSComments``: > 14 matches).

    The pattern file holds one regular expression per line (dates, post numbers, IDs,
    "名無しさん" …), joined into one alternation (``^`` / ``$`` match at line ends).
    Signal ``q_bbs_hits``: matches.
    """

    def __init__(self, patterns: str | list[str] = "wordlists/bbs_patterns.txt", max_hits: int | None = None,
                 config_dir: str | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.max_hits = threshold(max_hits, "max_hits", int)
        lines = load_wordlists(patterns, config_dir)
        try:
            self.pattern = re.compile("|".join(f"(?:{p})" for p in lines), re.MULTILINE)
        except re.error as e:
            raise ValueError(f"invalid BBS pattern: {e}") from None

    def measure(self, doc: Document) -> dict[str, Any]:
        return {"q_bbs_hits": len(self.pattern.findall(doc.text))}

    def rules(self) -> list[Rule | None]:
        return [self.rule("bbs_like", "q_bbs_hits", "gt", self.max_hits, "max_hits")]
