"""Character classes of the quality filters, counted in one vectorised pass.

Every code point maps to one class through a lookup table (1.1 MB, built once per
process in ~30 ms); a text is classified by viewing it as UTF-32 code points and
gathering from the table, then ``numpy.bincount`` gives all class counts at once.

The Japanese classes follow the Swallow Corpus definitions exactly (they decide its
rules): hiragana U+3041–3096, katakana U+30A1–30FA, kanji 々〇〻 + U+3400–9FFF +
U+F900–FAFF + U+20000–2FFFF (the code points its surrogate-pair pattern stands for),
kuten 。．！？ and tōten 、，. Note that ー (U+30FC) and ・ (U+30FB) are *not* katakana
in those definitions. The other classes are Unicode facts (general categories and
blocks), not tunable thresholds.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

(C_OTHER, C_HIRAGANA, C_KATAKANA, C_KANJI, C_KUTEN, C_TOTEN, C_KANA_OTHER, C_HALF_KATAKANA,
 C_LATIN, C_DIGIT, C_SPACE, C_PUNCT, C_SYMBOL, C_EMOJI, C_REPLACEMENT, C_SURROGATE_HIGH_CJK,
 C_SURROGATE_LOW, C_SURROGATE_OTHER, C_INVISIBLE) = range(19)
N_CLASSES = 19

CLASS_NAMES = ("other", "hiragana", "katakana", "kanji", "kuten", "toten", "kana_other", "half_katakana",
               "latin", "digit", "space", "punct", "symbol", "emoji", "replacement", "surrogate_high_cjk",
               "surrogate_low", "surrogate_other", "invisible")

KUTEN_CHARS = "。．！？"
TOTEN_CHARS = "、，"

# explicit ranges, applied after the general-category pass (later entries win)
_RANGES: tuple[tuple[int, list[tuple[int, int]]], ...] = (
    (C_LATIN, [(0x41, 0x5A), (0x61, 0x7A), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)]),
    (C_DIGIT, [(0x30, 0x39), (0xFF10, 0xFF19)]),
    (C_EMOJI, [(0x1F000, 0x1FAFF), (0xFE0F, 0xFE0F), (0x200D, 0x200D), (0x20E3, 0x20E3)]),
    (C_KANA_OTHER, [(0x309D, 0x309F), (0x30FC, 0x30FF), (0x31F0, 0x31FF)]),
    (C_HALF_KATAKANA, [(0xFF66, 0xFF9F)]),
    (C_HIRAGANA, [(0x3041, 0x3096)]),
    (C_KATAKANA, [(0x30A1, 0x30FA)]),
    (C_KANJI, [(0x3005, 0x3005), (0x3007, 0x3007), (0x303B, 0x303B), (0x3400, 0x9FFF), (0xF900, 0xFAFF),
               (0x20000, 0x2FFFF)]),
    (C_REPLACEMENT, [(0xFFFD, 0xFFFD)]),
    (C_SURROGATE_OTHER, [(0xD800, 0xDFFF)]),
    (C_SURROGATE_HIGH_CJK, [(0xD840, 0xD87F)]),
    (C_SURROGATE_LOW, [(0xDC00, 0xDFFF)]),
)


@lru_cache(maxsize=1)
def class_table() -> Any:
    """Code point → class (numpy uint8 array of 0x110000 entries)."""
    import numpy as np

    table = np.full(0x110000, C_OTHER, dtype=np.uint8)
    by_category = {"P": C_PUNCT, "S": C_SYMBOL, "Z": C_SPACE, "C": C_INVISIBLE}
    for cp in range(0x20000):  # planes 0–1; higher planes hold CJK letters and private use only
        ch = chr(cp)
        if ch.isspace():
            table[cp] = C_SPACE
            continue
        cat = unicodedata.category(ch)
        cls = by_category.get(cat[0])
        if cls is not None and cat != "Cn":
            table[cp] = cls
    table[0xF0000:0x110000] = C_INVISIBLE  # supplementary private use areas
    for cls, ranges in _RANGES:
        for lo, hi in ranges:
            table[lo:hi + 1] = cls
    for ch in KUTEN_CHARS:
        table[ord(ch)] = C_KUTEN
    for ch in TOTEN_CHARS:
        table[ord(ch)] = C_TOTEN
    return table


def code_points(text: str) -> Any:
    """The text as a numpy array of code points (lone surrogates kept as themselves)."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
