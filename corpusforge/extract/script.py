"""Script counts of the extraction: the pre-check's kana test and the Japanese decision.

A text is counted in one vectorised pass (``utf-32`` view, the script grouping of the
shared code-point table ``corpusforge.text.charclass.script_table``, ``numpy.bincount``),
a few nanoseconds per character instead of a Python loop or one regex pass per class.
The classes and their Unicode ranges are documented in ``corpusforge/text/charclass.py``.

Ratios are taken over the non-space characters so that layout does not move them;
``letter_ratio`` takes them over letters and Japanese punctuation only, so that the
digits, IDs and ASCII symbols of a Q&A board or a shop page do not dilute Japanese.

numpy and the table are imported on first use, on purpose: the pre-check and the charset
stages of an extraction task use only the regex counts and should not load numpy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: kana (hiragana + katakana, full and half width) as a regex, for quick counts on short strings
KANA_RE = re.compile("[\u3041-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
HIRAGANA_RE = re.compile("[\u3041-\u309f]")


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

    from corpusforge.text import charclass as cc

    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(cc.script_table()[codes], minlength=cc.N_SCRIPTS).tolist()
    return ScriptCounts(
        hiragana=counts[cc.S_HIRAGANA], katakana=counts[cc.S_KATAKANA], kanji=counts[cc.S_KANJI],
        ja_punct=counts[cc.S_JA_PUNCT], latin=counts[cc.S_LATIN], hangul=counts[cc.S_HANGUL],
        digit=counts[cc.S_DIGIT], other=counts[cc.S_OTHER], other_letter=counts[cc.S_OTHER_LETTER],
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
