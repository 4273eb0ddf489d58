"""The one code-point class table of corpusforge, and the two groupings read from it.

Every code point belongs to exactly one *fine* class below. Two consumers group the
fine classes differently, so the table is defined once and each grouping is a small
array ``fine class → group``:

* ``swallow_table()`` — the classes of the quality filters (``C_*``). The Japanese ones
  follow the Swallow Corpus reference definitions exactly, because they decide its rules:
  hiragana U+3041–3096, katakana U+30A1–30FA, kanji 々〇〻 + U+3400–9FFF + U+F900–FAFF +
  U+20000–2FFFF (the code points of its surrogate-pair pattern), kuten 。．！？, tōten 、，.
  ー (U+30FC), ・ (U+30FB), ゝゞ and ゛゜ are *not* kana there. The other classes come
  from the Unicode general category (P punctuation, S symbol, Z / ``str.isspace`` space,
  C control and format = invisible, unassigned = other).
* ``script_table()`` — the scripts of the extraction decision (``S_*``). Here the Unicode
  *blocks* count: the whole Hiragana block U+3041–309F, the Katakana blocks (U+30A0–30FF
  except ・, U+31F0–31FF, half-width U+FF66–FF9F), CJK ideographs (Unified + Extension A
  U+3400–4DBF, U+4E00–9FFF, compatibility U+F900–FAFF, Extensions B–G U+20000–3134F,
  々〆〇〻), Japanese punctuation (the CJK Symbols and Punctuation block U+3001–303F, ・,
  full-width punctuation), Latin letters (ASCII, Latin-1 and Latin Extended-A/B,
  full-width), Hangul, digits, spaces, letters of other scripts (``str.isalpha``), other.

Where the two disagree (ー is katakana for the decision but not for Swallow; the Yijing
hexagrams U+4DC0–4DFF lie inside Swallow's kanji range but are symbols) the fine table
has a class of its own, so each grouping reproduces its definition code point for code
point. The table is 1.1 MB (uint8), built once per process.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

import numpy as np

# --- the groupings ----------------------------------------------------------------------

# quality-filter classes (Swallow definitions); the fine classes 0–18 are these exactly
(C_OTHER, C_HIRAGANA, C_KATAKANA, C_KANJI, C_KUTEN, C_TOTEN, C_KANA_OTHER, C_HALF_KATAKANA,
 C_LATIN, C_DIGIT, C_SPACE, C_PUNCT, C_SYMBOL, C_EMOJI, C_REPLACEMENT, C_SURROGATE_HIGH_CJK,
 C_SURROGATE_LOW, C_SURROGATE_OTHER, C_INVISIBLE) = range(19)
N_CLASSES = 19
CLASS_NAMES = ("other", "hiragana", "katakana", "kanji", "kuten", "toten", "kana_other", "half_katakana",
               "latin", "digit", "space", "punct", "symbol", "emoji", "replacement", "surrogate_high_cjk",
               "surrogate_low", "surrogate_other", "invisible")

# scripts of the extraction decision
(S_HIRAGANA, S_KATAKANA, S_KANJI, S_JA_PUNCT, S_LATIN, S_HANGUL, S_DIGIT, S_SPACE, S_OTHER,
 S_OTHER_LETTER) = range(10)
N_SCRIPTS = 10

KUTEN_CHARS = "。．！？"
TOTEN_CHARS = "、，"

# --- the fine classes: C_* above, then the refinements where the groupings differ -----------
(F_HIRAGANA_ITERATION,   # ゝゞゟ U+309D–309F: hiragana block, Swallow "kana other"
 F_KANA_COMBINING_MARK,  # U+3097–309A (combining (han)dakuten, unassigned): hiragana block, other
 F_KANA_SPACING_MARK,    # ゛゜ U+309B–309C: hiragana block, symbol
 F_KATAKANA_HYPHEN,      # ゠ U+30A0: katakana block, punctuation
 F_JA_PUNCT,             # Japanese punctuation of category P (「」・… and full-width ones)
 F_JA_SYMBOL,            # Japanese punctuation block, category S (〒〓 ＄＋ …)
 F_JA_MARK,              # rest of U+3001–303F (〡 numerals, 〱 repeat marks, 〼): other for Swallow
 F_KANJI_EXTRA,          # 〆 U+3006, Extension G+ U+30000–3134F: ideographs outside Swallow's ranges
 F_YIJING,               # U+4DC0–4DFF hexagram symbols inside Swallow's kanji range
 F_LATIN_EXTENDED,       # Latin-1 / Extended-A / Extended-B letters
 F_HANGUL,               # Jamo, compatibility Jamo, syllables
 F_OTHER_LETTER) = range(N_CLASSES, N_CLASSES + 12)  # letters of other scripts (Cyrillic, Greek, Thai …)
N_FINE = N_CLASSES + 12

#: fine class → (script, Swallow class)
_GROUPS: dict[int, tuple[int, int]] = {
    C_OTHER: (S_OTHER, C_OTHER),
    C_HIRAGANA: (S_HIRAGANA, C_HIRAGANA),
    C_KATAKANA: (S_KATAKANA, C_KATAKANA),
    C_KANJI: (S_KANJI, C_KANJI),
    C_KUTEN: (S_JA_PUNCT, C_KUTEN),
    C_TOTEN: (S_JA_PUNCT, C_TOTEN),
    C_KANA_OTHER: (S_KATAKANA, C_KANA_OTHER),
    C_HALF_KATAKANA: (S_KATAKANA, C_HALF_KATAKANA),
    C_LATIN: (S_LATIN, C_LATIN),
    C_DIGIT: (S_DIGIT, C_DIGIT),
    C_SPACE: (S_SPACE, C_SPACE),
    C_PUNCT: (S_OTHER, C_PUNCT),
    C_SYMBOL: (S_OTHER, C_SYMBOL),
    C_EMOJI: (S_OTHER, C_EMOJI),
    C_REPLACEMENT: (S_OTHER, C_REPLACEMENT),
    C_SURROGATE_HIGH_CJK: (S_OTHER, C_SURROGATE_HIGH_CJK),
    C_SURROGATE_LOW: (S_OTHER, C_SURROGATE_LOW),
    C_SURROGATE_OTHER: (S_OTHER, C_SURROGATE_OTHER),
    C_INVISIBLE: (S_OTHER, C_INVISIBLE),
    F_HIRAGANA_ITERATION: (S_HIRAGANA, C_KANA_OTHER),
    F_KANA_COMBINING_MARK: (S_HIRAGANA, C_OTHER),
    F_KANA_SPACING_MARK: (S_HIRAGANA, C_SYMBOL),
    F_KATAKANA_HYPHEN: (S_KATAKANA, C_PUNCT),
    F_JA_PUNCT: (S_JA_PUNCT, C_PUNCT),
    F_JA_SYMBOL: (S_JA_PUNCT, C_SYMBOL),
    F_JA_MARK: (S_JA_PUNCT, C_OTHER),
    F_KANJI_EXTRA: (S_KANJI, C_OTHER),
    F_YIJING: (S_OTHER, C_KANJI),
    F_LATIN_EXTENDED: (S_LATIN, C_OTHER),
    F_HANGUL: (S_HANGUL, C_OTHER),
    F_OTHER_LETTER: (S_OTHER_LETTER, C_OTHER),
}

_JA_PUNCT_RANGES = [(0x3001, 0x303F), (0x30FB, 0x30FB), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40),
                    (0xFF5B, 0xFF65)]

# explicit ranges, applied in this order after the general-category pass (later entries win)
_RANGES: tuple[tuple[int, list[tuple[int, int]]], ...] = (
    (F_LATIN_EXTENDED, [(0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F)]),
    (C_LATIN, [(0x41, 0x5A), (0x61, 0x7A), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)]),
    (C_DIGIT, [(0x30, 0x39), (0xFF10, 0xFF19)]),
    (F_HANGUL, [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF)]),
    (C_EMOJI, [(0x1F000, 0x1FAFF), (0xFE0F, 0xFE0F), (0x200D, 0x200D), (0x20E3, 0x20E3)]),
    # (Japanese punctuation ranges: split by category, see fine_table)
    (F_KANA_COMBINING_MARK, [(0x3097, 0x309A)]),
    (F_KANA_SPACING_MARK, [(0x309B, 0x309C)]),
    (F_HIRAGANA_ITERATION, [(0x309D, 0x309F)]),
    (F_KATAKANA_HYPHEN, [(0x30A0, 0x30A0)]),
    (C_KANA_OTHER, [(0x30FC, 0x30FF), (0x31F0, 0x31FF)]),
    (C_HALF_KATAKANA, [(0xFF66, 0xFF9F)]),
    (C_HIRAGANA, [(0x3041, 0x3096)]),
    (C_KATAKANA, [(0x30A1, 0x30FA)]),
    (C_KANJI, [(0x3005, 0x3005), (0x3007, 0x3007), (0x303B, 0x303B), (0x3400, 0x9FFF), (0xF900, 0xFAFF),
               (0x20000, 0x2FFFF)]),
    (F_YIJING, [(0x4DC0, 0x4DFF)]),
    (F_KANJI_EXTRA, [(0x3006, 0x3006), (0x30000, 0x3134F)]),
    (C_REPLACEMENT, [(0xFFFD, 0xFFFD)]),
    (C_SURROGATE_OTHER, [(0xD800, 0xDFFF)]),
    (C_SURROGATE_HIGH_CJK, [(0xD840, 0xD87F)]),
    (C_SURROGATE_LOW, [(0xDC00, 0xDFFF)]),
)


@lru_cache(maxsize=1)
def fine_table() -> Any:
    """Code point → fine class (numpy uint8 array of 0x110000 entries)."""
    table = np.full(0x110000, C_OTHER, dtype=np.uint8)
    by_category = {"P": C_PUNCT, "S": C_SYMBOL, "Z": C_SPACE, "C": C_INVISIBLE}
    for cp in range(0x20000):  # planes 0–1; higher planes hold CJK letters and private use only
        ch = chr(cp)
        if ch.isspace():
            table[cp] = C_SPACE
            continue
        cat = unicodedata.category(ch)
        if cat[0] == "L" and cp >= 0x80:
            table[cp] = F_OTHER_LETTER
            continue
        cls = by_category.get(cat[0])
        if cls is not None and cat != "Cn":
            table[cp] = cls
    table[0xF0000:0x110000] = C_INVISIBLE  # supplementary private use areas
    for lo, hi in _JA_PUNCT_RANGES:
        for cp in range(lo, hi + 1):
            table[cp] = {C_PUNCT: F_JA_PUNCT, C_SYMBOL: F_JA_SYMBOL}.get(int(table[cp]), F_JA_MARK)
    for cls, ranges in _RANGES:
        for lo, hi in ranges:
            table[lo:hi + 1] = cls
    for ch in KUTEN_CHARS:
        table[ord(ch)] = C_KUTEN
    for ch in TOTEN_CHARS:
        table[ord(ch)] = C_TOTEN
    return table


def _grouping(index: int) -> Any:
    return np.array([_GROUPS[f][index] for f in range(N_FINE)], dtype=np.uint8)


@lru_cache(maxsize=1)
def swallow_table() -> Any:
    """Code point → quality-filter class ``C_*`` (the Swallow definitions)."""
    return _grouping(1)[fine_table()]


@lru_cache(maxsize=1)
def script_table() -> Any:
    """Code point → script ``S_*`` of the extraction decision (Unicode blocks)."""
    return _grouping(0)[fine_table()]


def code_points(text: str) -> Any:
    """The text as a numpy array of code points (lone surrogates kept as themselves)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
