"""The one code-point table: each grouping reproduces its documented definition."""

from __future__ import annotations

import unicodedata

import numpy as np

from corpusforge.text import charclass as cc


def swallow(ch: str) -> int:
    return int(cc.swallow_table()[ord(ch)])


def script(ch: str) -> int:
    return int(cc.script_table()[ord(ch)])


def test_swallow_japanese_classes_follow_the_reference_ranges() -> None:
    table = cc.swallow_table()
    assert (table[0x3041:0x3097] == cc.C_HIRAGANA).all()
    assert (table[0x30A1:0x30FB] == cc.C_KATAKANA).all()
    assert (table[0x3400:0xA000] == cc.C_KANJI).all() and (table[0x20000:0x30000] == cc.C_KANJI).all()
    assert [swallow(c) for c in "々〇〻"] == [cc.C_KANJI] * 3
    assert [swallow(c) for c in "。．！？、，"] == [cc.C_KUTEN] * 4 + [cc.C_TOTEN] * 2
    # not kana / kanji in Swallow's definitions
    assert swallow("ー") == cc.C_KANA_OTHER and swallow("・") == cc.C_PUNCT and swallow("〆") == cc.C_OTHER
    assert swallow("ｶ") == cc.C_HALF_KATAKANA and swallow("\ufffd") == cc.C_REPLACEMENT


def test_script_classes_follow_the_unicode_blocks() -> None:
    table = cc.script_table()
    assert (table[0x3041:0x30A0] == cc.S_HIRAGANA).all()          # whole Hiragana block, ゝゞ゛゜ too
    assert script("ー") == script("゠") == script("ｶ") == script("ㇰ") == cc.S_KATAKANA
    assert script("・") == script("「") == script("〒") == script("〱") == cc.S_JA_PUNCT
    assert script("〆") == script("\U00030000") == cc.S_KANJI and script("䷀") == cc.S_OTHER
    assert script("é") == script("Ａ") == cc.S_LATIN and script("한") == cc.S_HANGUL
    assert script("Ж") == cc.S_OTHER_LETTER and script("\u3000") == cc.S_SPACE


def test_every_fine_class_is_grouped_and_categories_agree() -> None:
    fine = cc.fine_table()
    assert int(fine.max()) < cc.N_FINE
    # Unicode general categories where no explicit range applies
    for ch, cls in (("!", cc.C_PUNCT), ("+", cc.C_SYMBOL), ("\u200b", cc.C_INVISIBLE), (" ", cc.C_SPACE)):
        assert swallow(ch) == cls, (ch, unicodedata.category(ch))
    assert np.count_nonzero(cc.swallow_table()[0xF0000:] == cc.C_INVISIBLE) == 0x20000
