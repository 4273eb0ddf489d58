"""Fast character-class counting shared by the pre-check and the Japanese decision.

Every code point is mapped to one class through a 1.1 MB lookup table; a text is
counted in one vectorised pass (``utf-32`` view + ``numpy.bincount``), which costs a
few nanoseconds per character instead of a Python loop or one regex pass per class.

Classes (their ranges are Unicode facts, not tunable thresholds):

* hiragana  U+3041–309F
* katakana  U+30A0–30FF except ・ (U+30FB), U+31F0–31FF, half-width U+FF66–FF9F
* kanji     U+3400–4DBF, U+4E00–9FFF, U+F900–FAFF, U+20000–3134F, 々〆〇〻
* ja_punct  the CJK symbols block U+3001–303F (、。「」…), ・, full-width punctuation
* latin     A–Z a–z, Latin-1 / Latin Extended letters, full-width Ａ–Ｚ ａ–ｚ
* hangul    Jamo, compatibility Jamo, syllables
* digit     0–9 and full-width ０–９
* space     every character ``str.isspace`` accepts (including U+3000)
* other_letter  letters of other scripts (Cyrillic, Greek, Arabic, Thai, ...), found with
  ``str.isalpha`` below U+20000
* other     everything else (ASCII punctuation, symbols, marks)

Ratios are taken over the non-space characters so that layout does not move them;
``letter_ratio`` takes them over letters and Japanese punctuation only, so that the
digits, IDs and ASCII symbols of a Q&A board or a shop page do not dilute Japanese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

HIRAGANA, KATAKANA, KANJI, JA_PUNCT, LATIN, HANGUL, DIGIT, SPACE, OTHER, OTHER_LETTER = range(10)
_N_CLASSES = 10
#: letters of other scripts are looked up with str.isalpha up to here (above: kanji planes)
_OTHER_LETTER_SCAN_END = 0x20000

_RANGES: dict[int, list[tuple[int, int]]] = {
    LATIN: [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)],
    DIGIT: [(0x30, 0x39), (0xFF10, 0xFF19)],
    JA_PUNCT: [(0x3001, 0x303F), (0x30FB, 0x30FB), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40), (0xFF5B, 0xFF65)],
    HIRAGANA: [(0x3041, 0x309F)],
    KATAKANA: [(0x30A0, 0x30FA), (0x30FC, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F)],
    KANJI: [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F),
            (0x3005, 0x3007), (0x303B, 0x303B)],
    HANGUL: [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF)],
}

#: kana (hiragana + katakana, full and half width) as a regex, for quick counts on short strings
KANA_RE = re.compile("[\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
HIRAGANA_RE = re.compile("[\u3041-\u309f]")


@lru_cache(maxsize=1)
def _table() -> Any:
    """Code point → class table (built once per process, ~20 ms)."""
    import numpy as np

    table = np.full(0x110000, OTHER, dtype=np.uint8)
    # order matters: later assignments win (kanji marks 々〆〇〻 inside the punctuation block)
    for cls in (LATIN, DIGIT, JA_PUNCT, HIRAGANA, KATAKANA, KANJI, HANGUL):
        for lo, hi in _RANGES[cls]:
            table[lo:hi + 1] = cls
    unclassified = (np.flatnonzero(table[0x80:_OTHER_LETTER_SCAN_END] == OTHER) + 0x80).tolist()
    table[[cp for cp in unclassified if chr(cp).isalpha()]] = OTHER_LETTER
    for cp in range(0x3001):
        if chr(cp).isspace():
            table[cp] = SPACE
    table[0x3000] = SPACE
    return table


@dataclass(frozen=True, slots=True)
class ScriptCounts:
    """Characters of a text per class; ``total`` counts the non-space characters."""

    hiragana: int = 0
    katakana: int = 0
    kanji: int = 0
    ja_punct: int = 0
    latin: int = 0
    hangul: int = 0
    digit: int = 0
    other: int = 0
    other_letter: int = 0

    @property
    def total(self) -> int:
        return (self.hiragana + self.katakana + self.kanji + self.ja_punct + self.latin
                + self.hangul + self.digit + self.other + self.other_letter)

    @property
    def letters(self) -> int:
        """Letters of every script plus Japanese punctuation (no digits, no ASCII symbols)."""
        return self.kana + self.kanji + self.ja_punct + self.latin + self.hangul + self.other_letter

    @property
    def kana(self) -> int:
        return self.hiragana + self.katakana

    @property
    def japanese(self) -> int:
        """Japanese letters and punctuation (hiragana, katakana, kanji, 、。「」…)."""
        return self.kana + self.kanji + self.ja_punct

    def ratio(self, n: int) -> float:
        """``n`` over the non-space characters; 0.0 for an empty text."""
        total = self.total
        return n / total if total else 0.0

    def letter_ratio(self, n: int) -> float:
        """``n`` over ``letters``; 0.0 for a text without letters."""
        letters = self.letters
        return n / letters if letters else 0.0

    @property
    def kana_share_of_cjk(self) -> float:
        """Kana ÷ (kana + kanji): near 0 for Chinese, 0.3–0.8 for Japanese prose."""
        cjk = self.kana + self.kanji
        return self.kana / cjk if cjk else 0.0


def count_scripts(text: str) -> ScriptCounts:
    """Count the characters of ``text`` per class in one vectorised pass."""
    if not text:
        return ScriptCounts()
    import numpy as np

    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(_table()[codes], minlength=_N_CLASSES).tolist()
    return ScriptCounts(
        hiragana=counts[HIRAGANA], katakana=counts[KATAKANA], kanji=counts[KANJI],
        ja_punct=counts[JA_PUNCT], latin=counts[LATIN], hangul=counts[HANGUL],
        digit=counts[DIGIT], other=counts[OTHER], other_letter=counts[OTHER_LETTER],
    )


def count_kana(text: str) -> int:
    """Number of kana characters (cheaper than ``count_scripts`` when that is all we need)."""
    if text.isascii():
        return 0
    return len(KANA_RE.findall(text))


def count_hiragana(text: str) -> int:
    """Number of hiragana: the letters every Japanese sentence has and mis-decoded text lacks."""
    if text.isascii():
        return 0
    return len(HIRAGANA_RE.findall(text))


def hiragana_share(text: str, sample_chars: int = 200_000) -> float:
    """Hiragana ÷ non-ASCII characters in the first ``sample_chars`` of ``text``.

    Real Japanese has hiragana among its non-ASCII characters; the same bytes decoded
    with a wrong Japanese codec give kanji or half-width katakana garbage but almost no
    hiragana, which is what makes a declared charset checkable.
    """
    if text.isascii():
        return 0.0
    import numpy as np

    codes = np.frombuffer(text[:sample_chars].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    non_ascii = int(np.count_nonzero(codes >= 0x80))
    if not non_ascii:
        return 0.0
    hira = int(np.count_nonzero((codes >= 0x3041) & (codes <= 0x309F)))
    return hira / non_ascii
