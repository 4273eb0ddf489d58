"""Word lists and a longest-match phrase matcher with script boundaries.

Word list files (``filters/wordlists/*.txt``): one entry per line, UTF-8; blank lines
and lines starting with ``#`` are ignored. Users replace them by passing their own
paths (relative paths are looked up next to the config, then in the shipped
``filters/`` folder).

Matching is leftmost-longest and non-overlapping, like the Swallow Corpus NG-word
dictionary: the words are compiled into one regular expression shaped as a trie (one
branch per first character, longer continuations tried before a word ends), which the
regex engine scans in a single pass with a first-character filter — no per-word scan.

Boundaries: a word whose first (last) character is katakana does not match right
after (before) another katakana character, so an NG word such as セックス does not
match inside ミドルセックス, and エロ not inside ヒエログリフ or エロージョン. The same
holds for ASCII letters (AV does not match inside AVERAGE).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Iterator

from corpusforge.config import resolve_data_path

KATAKANA_CLASS = "\u30a1-\u30fa\u30fc\uff66-\uff9f"   # katakana, ー, half-width katakana
LATIN_CLASS = "A-Za-z"


def read_wordlist(path: str | Path) -> list[str]:
    """Entries of a word list file (comments and blank lines skipped, order kept, no duplicates)."""
    out: list[str] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.strip()
            if not w or w.startswith("#") or w in seen:
                continue
            seen.add(w)
            out.append(w)
    return out


def resolve_wordlists(paths: str | Iterable[str], config_dir: str | Path | None) -> list[Path]:
    """Word list paths from a config value (a path or a list of paths)."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise ValueError("at least one word list is needed")
    base = Path(config_dir) if config_dir else None
    return [resolve_data_path(p, base) for p in items]


def load_wordlists(paths: str | Iterable[str], config_dir: str | Path | None) -> list[str]:
    """The entries of every word list a config value names, in order."""
    out: list[str] = []
    for p in resolve_wordlists(paths, config_dir):
        out.extend(read_wordlist(p))
    return out


def _char_in(ch: str, cls: str) -> bool:
    return re.fullmatch(f"[{cls}]", ch) is not None


class PhraseMatcher:
    """Leftmost-longest matching of a fixed set of phrases in one regex pass."""

    def __init__(self, words: Iterable[str], katakana_boundary: bool = True, latin_boundary: bool = True) -> None:
        self.words = sorted({w for w in words if w})
        self.katakana_boundary = katakana_boundary
        self.latin_boundary = latin_boundary
        self.pattern = re.compile(self._build()) if self.words else None

    def _guards(self, ch: str) -> str:
        """Character class that must not touch a word edge of character ``ch`` ('' if none)."""
        if self.katakana_boundary and _char_in(ch, KATAKANA_CLASS):
            return KATAKANA_CLASS
        if self.latin_boundary and _char_in(ch, LATIN_CLASS):
            return LATIN_CLASS
        return ""

    def _build(self) -> str:
        trie: dict = {}
        for w in self.words:
            node = trie
            for ch in w:
                node = node.setdefault(ch, {})
            node[""] = True
        branches = []
        for ch, child in sorted(trie.items()):
            guard = self._guards(ch)
            # the guard comes after the first character so that every branch starts with a
            # literal: the regex engine then skips positions by a first-character set
            head = re.escape(ch) + (f"(?<![{guard}]{re.escape(ch)})" if guard else "")
            branches.append(head + self._node(child, ch))
        return "|".join(branches)

    def _node(self, node: dict, last: str) -> str:
        parts = [re.escape(ch) + self._node(child, ch) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            guard = self._guards(last)
            parts.append(f"(?![{guard}])" if guard else "")
        if len(parts) == 1:
            return parts[0]
        return "(?:" + "|".join(parts) + ")"

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.pattern is None:
            return iter(())
        return self.pattern.finditer(text)

    def findall(self, text: str) -> list[str]:
        return self.pattern.findall(text) if self.pattern is not None else []

    def hits(self, text: str) -> tuple[int, int]:
        """(number of matches, matched characters)."""
        found = self.findall(text)
        return len(found), sum(map(len, found))
