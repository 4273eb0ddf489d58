"""Text normalisation before hashing for deduplication.

Why not datatrove's normaliser: it decomposes with NFKD and strips combining marks,
which turns が into か and ぱ into は, so two different Japanese words hash the same.
We use NFKC instead (composes ｶﾞ into ガ, folds full-width ASCII to ASCII) and keep
every mark. Punctuation is kept as well: 。 and 、 carry sentence structure that tells a
copied article from a different one, and NFKC already folds ！？ into !?.
"""

from __future__ import annotations

import re

from corpusforge.text.normalize import nfkc

_DIGITS = re.compile(r"\d")


def normalize_for_dedup(text: str, lowercase: bool = True, digits_to_zero: bool = False) -> str:
    """NFKC, optional lower-casing and digit folding, whitespace runs collapsed to one space.

    Whitespace is collapsed (not removed) so that re-wrapped lines of the same text hash
    the same while Latin words stay separated.
    """
    out = nfkc(text)
    if lowercase:
        out = out.lower()
    if digits_to_zero:
        out = _DIGITS.sub("0", out)
    return " ".join(out.split())  # same whitespace set as re's \s, twice as fast
