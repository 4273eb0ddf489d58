"""Exact character n-gram statistics for every n up to 10 from one sort.

The reference implementations build one ``Counter`` of string slices per n (nine of
them for the Swallow rules, ~25k Python objects for a 2.8k-character page). Here the
text positions are sorted once by their first ``n_max`` characters (characters
re-numbered densely and packed into integer words that a float64 holds exactly), and
the number of leading characters each position shares with its sorted neighbour (the
LCP, capped at ``n_max``) is computed. For any n, the positions whose n-grams are equal
form consecutive runs where the LCP is at least n, so the count of distinct n-grams,
of distinct n-grams seen more than once and the most frequent n-gram all follow from
the LCP array with a few vector operations. The result is exact (no hashing).

Positions closer than n to the end have no n-gram; they are padded with a code
smaller than every character, so each of them sorts as a group of its own (sharing
fewer than n characters with any neighbour) and is subtracted from the distinct count.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

#: a packed word must convert to float64 exactly (53-bit mantissa) for the LCP step
_WORD_BITS = 53


@dataclass(frozen=True, slots=True)
class NgramCounts:
    """Counts of the character n-grams of one text for one n."""

    total: int       # n-gram occurrences (len - n + 1, or 0)
    distinct: int    # distinct n-grams
    repeated: int    # distinct n-grams that occur more than once
    top: int         # occurrences of the most frequent n-gram


_EMPTY = NgramCounts(0, 0, 0, 0)

# scratch table for re-numbering code points (one allocation per process, reused); written
# whole when made (np.full, not a lazily mapped np.zeros): resident from the start, so a
# worker's memory does not grow page by page as documents bring new code points
_scratch: Any = None


def _dense_symbols(cp: Any) -> tuple[Any, int]:
    """Each distinct code point replaced by an id in 1..k (any order: only equality matters)."""
    global _scratch
    if _scratch is None:
        _scratch = np.full(0x110000, 0, dtype=np.int32)
    L = len(cp)
    _scratch[cp] = np.arange(L, dtype=np.int32)
    last = _scratch[cp]                      # position of the last occurrence of each character
    is_rep = np.zeros(L, dtype=np.int64)
    is_rep[last] = 1
    ids = np.cumsum(is_rep)
    return ids[last].astype(np.uint64), int(ids[-1])


@lru_cache(maxsize=None)
def _equal_chars_by_bit_length(bits: int, per_word: int, cap: int) -> Any:
    """Leading equal characters of two packed words whose XOR has bit length e (index e), capped."""
    return np.array([min(per_word - 1 - (e - 1) // bits, cap) for e in range(_WORD_BITS + 1)], dtype=np.int64)


class NgramIndex:
    """Sorted positions and neighbour LCPs of one text; answers n-gram counts for n ≤ n_max."""

    def __init__(self, cp: Any, n_max: int = 10) -> None:
        self.n_max = n_max
        self.length = L = int(len(cp))
        self.lcp: Any = np.zeros(0, dtype=np.int8)
        self._fenced: Any = None
        self._distinct: Any = None
        self._repeated: Any = None
        self._top: dict[int, int] = {}
        if L < 2:
            return
        sym, k = _dense_symbols(cp)
        bits = int(k + 1).bit_length()
        pos_bits = max(1, (L - 1).bit_length())
        # a word must fit a float64 mantissa (exact LCP step) and leave room for the position
        per_word = max(1, min(_WORD_BITS, 64 - pos_bits) // bits)
        n_words = -(-n_max // per_word)
        padded = np.zeros(L + n_words * per_word, dtype=np.uint64)
        padded[:L] = sym
        shift = np.uint64(bits)

        def word(w: int, at: Any = None) -> Any:
            """Characters w*per_word … of each position (or of positions ``at``) packed in one integer."""
            base = w * per_word
            acc = padded[base:base + L].copy() if at is None else padded[at + base]
            for j in range(1, per_word):
                acc <<= shift
                if base + j < n_max:
                    acc |= padded[base + j:base + j + L] if at is None else padded[at + base + j]
            return acc

        # sort (first word, position) keys: one SIMD sort of plain integers instead of an argsort
        pshift = np.uint64(pos_bits)
        keys = word(0)
        keys <<= pshift
        keys |= np.arange(L, dtype=np.uint64)
        keys.sort()
        order = (keys & np.uint64((1 << pos_bits) - 1)).astype(np.int64)
        first = keys >> pshift
        tie = first[1:] == first[:-1]
        lcp = self._equal_chars(first[1:] ^ first[:-1], bits, per_word, min(per_word, n_max))
        if n_words > 1 and tie.any():
            # positions that share their first word: order them by the following words
            n_ties = int(np.count_nonzero(tie))
            slots = np.zeros(L, dtype=bool)
            slots[1:] |= tie
            slots[:-1] |= tie
            slots = np.flatnonzero(slots)
            sub = order[slots]
            full = n_ties * 8 > L   # many ties: pack the next words for all positions by slicing
            rest = [word(w) if full else None for w in range(1, n_words)]

            def at(w: int, idx: Any) -> Any:
                return rest[w - 1][idx] if full else word(w, idx)

            later = [at(w, sub) for w in range(1, n_words)]   # words 1… of the tied positions
            if n_words == 2:
                # one integer key per tied position: (group of equal first words, second word)
                group = np.concatenate(([0], np.cumsum(first[slots][1:] != first[slots][:-1])))
                key = (group.astype(np.uint64) << np.uint64(bits * per_word)) | later[0]
                perm = np.argsort(key, kind="stable")
            else:
                perm = np.lexsort(later[::-1] + [first[slots]])
            order[slots] = sub[perm]
            # a tied pair (p, p+1) of sorted positions sits at slots i, i+1: compare its later
            # words there instead of packing them again for both sides
            pairs = np.flatnonzero(tie)
            i = np.searchsorted(slots, pairs)
            still = np.ones(len(pairs), dtype=bool)
            for w in range(1, n_words):
                ordered = later[w - 1][perm]
                diff = ordered[i + 1] ^ ordered[i]
                add = self._equal_chars(diff, bits, per_word, min(per_word, n_max - w * per_word))
                lcp[pairs] += add * still
                still &= diff == 0
        # values 0..n_max, one byte per character, between two -1 sentinels that end every run
        self._fenced = np.full(L + 1, -1, dtype=np.int8)
        self._fenced[1:-1] = lcp
        self.lcp = self._fenced[1:-1]

    @staticmethod
    def _equal_chars(diff: Any, bits: int, per_word: int, cap: int) -> Any:
        """Leading characters two packed words share (exact: words fit a float64 mantissa)."""
        exponent = np.frexp(diff.astype(np.float64))[1]   # bit length (≤ 53); 0 for equal words
        return _equal_chars_by_bit_length(bits, per_word, cap)[exponent]

    def _totals(self) -> None:
        """Distinct and repeated n-gram counts for every n at once from the LCP histogram."""
        m = self.n_max + 2
        lcp = self.lcp
        below = np.cumsum(np.bincount(lcp, minlength=m))       # below[v] = #(lcp <= v)
        prev = np.concatenate(([0], lcp[:-1]))
        rising = lcp > prev
        # a run of lcp >= n starts at i iff prev[i] < n <= lcp[i]: +1 over n in (prev, lcp]
        starts = np.bincount(prev[rising] + 1, minlength=m) - np.bincount(lcp[rising] + 1, minlength=m)
        self._repeated = np.cumsum(starts).tolist()
        self._distinct = below.tolist()

    def counts(self, n: int) -> NgramCounts:
        """Exact counts of the n-grams (1 ≤ n ≤ n_max)."""
        if self.length < n:
            return _EMPTY
        return NgramCounts(total=self.length - n + 1, distinct=self.distinct(n), repeated=self.repeated(n),
                           top=self.top(n))

    def _check(self, n: int) -> None:
        if not 1 <= n <= self.n_max:
            raise ValueError(f"n={n} outside [1, {self.n_max}]")
        if self._distinct is None and self.length >= 2:
            self._totals()

    def distinct(self, n: int) -> int:
        """Number of distinct n-grams."""
        self._check(n)
        if self.length < n:
            return 0
        if self.length == 1:
            return 1
        groups = 1 + self._distinct[n - 1]   # a new group starts wherever lcp < n
        return groups - (n - 1)

    def repeated(self, n: int) -> int:
        """Number of distinct n-grams that occur more than once."""
        self._check(n)
        if self.length < max(n, 2):
            return 0
        return self._repeated[n]

    def top(self, n: int) -> int:
        """Occurrences of the most frequent n-gram: 1 + the longest run of lcp >= n."""
        self._check(n)
        if n not in self._top:
            if self.length < n:
                self._top[n] = 0
            elif self.length == 1:
                self._top[n] = 1
            else:
                self._top[n] = int(np.diff(np.flatnonzero(self._fenced < n)).max())
        return self._top[n]

    def group_sizes(self, n: int) -> Any:
        """Occurrence counts of each distinct n-gram plus n-1 ones (the padded tails)."""
        if self.length < 2:
            return np.ones(self.length, dtype=np.int64)
        starts = np.flatnonzero(self.lcp < n) + 1
        return np.diff(np.concatenate(([0], starts, [self.length])))


def char_repetition_ratio(index: NgramIndex, n: int) -> float:
    """BigScience / HojiChar character repetition: share of the √(distinct) most frequent n-grams.

    Only n-grams seen more than once can be among the "frequent" ones, so the number taken
    is min(⌊√distinct⌋, distinct n-grams seen more than once).
    """
    c = index.counts(n)
    if c.distinct == 0:
        return 0.0
    take = min(int(np.sqrt(c.distinct)), c.repeated)
    if take <= 0:
        return 0.0
    sizes = index.group_sizes(n)
    repeated = np.sort(sizes[sizes >= 2])   # the only candidates: take <= their number
    return float(repeated[len(repeated) - take:].sum()) / c.total
