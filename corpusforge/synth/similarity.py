"""Exact character 5-gram Jaccard against the most similar earlier text, found cheaply.

Generated documents of the same topic share sentences, so some unplanted pairs are close
to each other. The generator reports, for every Japanese page, its nearest earlier page
and their exact Jaccard, so dedup tests can tell a real false positive from a pair that
is genuinely similar. Candidates come from sampled shingles (a shingle is an anchor when
its hash is 0 mod ``sample_mod``); the top candidates by shared anchors get the exact score.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Hashable

import numpy as np

SHINGLE_CHARS = 5


_PRIME = np.uint64(1_000_003)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def shingle_hashes(text: str, n: int = SHINGLE_CHARS) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character n-grams of ``text`` (whitespace removed).

    A polynomial rolling hash over code points, vectorised with numpy and finished with
    a splitmix64 mix so that ``hash % m`` samples anchors uniformly; deterministic across
    processes (no Python ``hash``).
    """
    compact = "".join(text.split())
    cps = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if cps.size == 0:
        return np.zeros(0, dtype=np.uint64)
    width = min(n, cps.size)
    count = cps.size - width + 1
    h = np.zeros(count, dtype=np.uint64)
    for j in range(width):
        h = h * _PRIME + cps[j:j + count]
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return np.unique(h)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique hash arrays (0.0 when both are empty)."""
    if a.size == 0 and b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def text_jaccard(a: str, b: str) -> float:
    """Character 5-gram Jaccard of two texts."""
    return jaccard(shingle_hashes(a), shingle_hashes(b))


class SimilarityIndex:
    """Texts added so far, queried for the most similar one by exact 5-gram Jaccard."""

    def __init__(self, sample_mod: int = 8, candidates: int = 3, max_postings: int = 400) -> None:
        self.sample_mod = np.uint64(sample_mod)
        self.candidates = candidates
        self.max_postings = max_postings
        self._sets: list[np.ndarray] = []
        self._keys: list[Hashable] = []
        self._postings: dict[int, list[int]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._keys)

    def _anchors(self, hashes: np.ndarray) -> np.ndarray:
        anchors = hashes[hashes % self.sample_mod == 0]
        return anchors if anchors.size else hashes[:4]

    def nearest(self, text: str | np.ndarray) -> tuple[Hashable | None, float]:
        """Key and Jaccard of the most similar added text (``(None, 0.0)`` if none shares an anchor)."""
        hashes = shingle_hashes(text) if isinstance(text, str) else text
        votes: dict[int, int] = defaultdict(int)
        for a in self._anchors(hashes).tolist():
            posting = self._postings.get(a)
            if posting and len(posting) < self.max_postings:
                for doc in posting:
                    votes[doc] += 1
        if not votes:
            return None, 0.0
        top = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[: self.candidates]
        best_doc, best = None, -1.0
        for doc, _ in top:
            score = jaccard(hashes, self._sets[doc])
            if score > best:
                best_doc, best = doc, score
        return self._keys[best_doc], best

    def add(self, key: Hashable, text: str | np.ndarray) -> None:
        hashes = shingle_hashes(text) if isinstance(text, str) else text
        doc = len(self._keys)
        self._keys.append(key)
        self._sets.append(hashes)
        for a in self._anchors(hashes).tolist():
            self._postings[a].append(doc)
