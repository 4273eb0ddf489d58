"""Exact character 5-gram Jaccard against the most similar earlier text.

Generated documents of the same topic share sentences, so some unplanted pairs are close
to each other. The generator reports, for every Japanese page, its nearest earlier page
and their exact Jaccard, so dedup tests can tell a real false positive from a pair that
is genuinely similar; ``japanese_documents(max_jaccard=...)`` uses the same index to keep
such pairs out. The index is a full inverted index over shingle hashes: one
``numpy.bincount`` over the postings of a query's shingles gives its exact intersection
with every earlier text (no sampling, so no missed pairs).
"""

from __future__ import annotations

from array import array
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

    def __init__(self) -> None:
        self._keys: list[Hashable] = []
        self._sizes = array("q")
        self._postings: dict[int, array] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def nearest(self, text: str | np.ndarray) -> tuple[Hashable | None, float]:
        """Key and exact Jaccard of the most similar added text (``(None, 0.0)`` when none shares a shingle).

        Ties go to the earliest added text.
        """
        hashes = shingle_hashes(text) if isinstance(text, str) else text
        n = len(self._keys)
        if n == 0 or hashes.size == 0:
            return None, 0.0
        gathered = array("i")
        for posting in map(self._postings.get, hashes.tolist()):
            if posting is not None:
                gathered.extend(posting)
        if not gathered:
            return None, 0.0
        inter = np.bincount(np.frombuffer(gathered, dtype=np.int32), minlength=n)
        scores = inter / (np.frombuffer(self._sizes, dtype=np.int64) + hashes.size - inter)
        best = int(np.argmax(scores))
        return self._keys[best], float(scores[best])

    def add(self, key: Hashable, text: str | np.ndarray) -> None:
        hashes = shingle_hashes(text) if isinstance(text, str) else text
        doc = len(self._keys)
        self._keys.append(key)
        self._sizes.append(int(hashes.size))
        postings = self._postings
        for h in hashes.tolist():
            posting = postings.get(h)
            if posting is None:
                postings[h] = array("i", (doc,))
            else:
                posting.append(doc)
