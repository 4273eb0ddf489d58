"""The shared text analysis: exact n-gram counts, character classes, lines and sentences,
checked against straightforward re-implementations of the Swallow reference definitions."""

from __future__ import annotations

import collections
import random
import re

import numpy as np
import pytest

from corpusforge.document import Document
from corpusforge.text import charclass as cc
from corpusforge.filters.analysis import TextAnalysis, analysis_of
from corpusforge.filters.ngrams import NgramIndex, char_repetition_ratio

SENTENCE = re.compile(r"[^。．！？!?]+[。．！？!?]?")


def counter_stats(text: str, n: int) -> tuple[int, int, int, int]:
    c = collections.Counter(text[i:i + n] for i in range(len(text) - n + 1))
    if not c:
        return (0, 0, 0, 0)
    return (len(text) - n + 1, len(c), sum(1 for f in c.values() if f > 1), max(c.values()))


def random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.25:
            alphabet = "ab"
        elif kind < 0.5:
            alphabet = "あいうえお。\n"
        elif kind < 0.75:
            alphabet = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(300)) + "のがを。"
        else:
            alphabet = "".join(chr(rng.choice([rng.randint(1, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                               for _ in range(50))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        if rng.random() < 0.3 and len(text) > 6:
            text = text[: len(text) // 3] * 3  # long repeats: many ties in the sort
        out.append(text)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_ngram_index_equals_counters(seed: int) -> None:
    for text in random_texts(seed, 250):
        ix = NgramIndex(cc.code_points(text))
        for n in range(1, 11):
            got = ix.counts(n)
            assert (got.total, got.distinct, got.repeated, got.top) == counter_stats(text, n), (text, n)


def test_ngram_index_on_a_large_alphabet_needs_several_words() -> None:
    rng = random.Random(5)
    base = "".join(chr(rng.randint(0x20000, 0x2FFFF)) for _ in range(3000))  # > 2^11 distinct characters
    text = base + base[:500] + base[1000:1400]
    ix = NgramIndex(cc.code_points(text))
    for n in (1, 2, 5, 10):
        c = ix.counts(n)
        assert (c.total, c.distinct, c.repeated, c.top) == counter_stats(text, n)


def test_char_repetition_ratio_matches_bigscience_definition() -> None:
    def reference(doc: str, n: int) -> float:
        freqs = sorted(collections.Counter(doc[i:i + n] for i in range(len(doc) - n + 1)).values(), reverse=True)
        if not freqs:
            return 0.0
        k = min(int(np.sqrt(len(freqs))), len(freqs) - sum(1 for f in freqs if f == 1))
        return sum(freqs[:k]) / sum(freqs)

    for text in random_texts(9, 200) + ["新商品入荷 セール中 " * 30, "一二三四五六七八九十" * 3]:
        got = char_repetition_ratio(NgramIndex(cc.code_points(text)), 5)
        assert got == pytest.approx(reference(text, 5), abs=1e-12)


def test_swallow_letter_classes() -> None:
    a = TextAnalysis("ひらがなカタカナ漢字々〇〻ー・。．！？、，ｶﾀｶﾅabc１２3 \n😀\ufffd")
    c = a.class_counts
    assert c[cc.C_HIRAGANA] == 4
    assert c[cc.C_KATAKANA] == 4            # ー and ・ are not katakana in the Swallow definition
    assert c[cc.C_KANJI] == 5               # 漢字々〇〻
    assert c[cc.C_KUTEN] == 4 and c[cc.C_TOTEN] == 2
    assert c[cc.C_HALF_KATAKANA] == 4
    assert c[cc.C_LATIN] == 3 and c[cc.C_DIGIT] == 3
    assert c[cc.C_EMOJI] == 1 and c[cc.C_REPLACEMENT] == 1
    assert a.ja_letters == 4 + 4 + 5 + 4 + 2


def test_surrogate_pair_counts_as_one_kanji_and_astral_kanji_too() -> None:
    pair = "\ud842\udfb7"          # 𠮷 written as two UTF-16 halves (a broken decode upstream)
    a = TextAnalysis("吉" + pair + "\U00020bb7" + "\udc00")
    c = a.class_counts
    assert c[cc.C_KANJI] == 3 and a.surrogate_pairs == 1
    assert a.length == 5


def test_paragraphs_follow_the_reference_sentence_regex() -> None:
    text = "。先頭の句点。\nふつうの行です。二文目！\n\n。。連続。。する？！\nend?"
    a = TextAnalysis(text)
    ref_p = ["".join(SENTENCE.findall(line)) for line in text.split("\n")]
    ref_s = [s for line in text.split("\n") for s in SENTENCE.findall(line)]
    assert a.paragraphs == ref_p
    assert a.sentences == ref_s
    assert a.paragraphs[0] == "先頭の句点。"   # a leading terminator belongs to no sentence
    plain = TextAnalysis("一行目。\n二行目です。")
    assert plain.paragraphs is plain.lines    # fast path: no stray terminator


def test_sentence_stats_and_duplicates() -> None:
    a = TextAnalysis("あいうえお。かきくけこ…\nさしすせそ・\nあいうえお。")
    n, chars, longest, ellipsis = a.sentence_stats()
    assert (n, chars, longest, ellipsis) == (4, 24, 6, 2)
    assert TextAnalysis.duplicates(["a", "bb", "a", "a", "bb", "c"]) == (3, 4, 8)


def test_analysis_is_cached_per_text_object() -> None:
    doc = Document(id="1", text="テキストです。")
    first = analysis_of(doc)
    assert analysis_of(doc) is first
    doc.text = "別のテキストです。"
    assert analysis_of(doc) is not first and analysis_of(doc).text == doc.text


def test_max_char_run_and_compression() -> None:
    a = TextAnalysis("ああ" + "ー" * 250 + "いい")
    assert a.max_char_run == 250
    assert 0 < a.compression_ratio < 0.3
    assert TextAnalysis("").compression_ratio == 0.0 and TextAnalysis("").max_char_run == 0


def test_ellipsis_sentences_counted_by_lines_equal_the_sentence_definition() -> None:
    rng = random.Random(21)
    pieces = ["あいう", "…", "・", "。", "！", "?", " ", "\u3000", "\r", "\n", "えお", "…。", "・・・"]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        sents = [s for line in text.split("\n") for s in SENTENCE.findall(line)]
        expected = sum(1 for s in sents if s.strip().endswith(("・", "…")))
        assert TextAnalysis(text).sentence_stats()[3] == expected, repr(text)


def test_visible_chars_is_length_minus_the_space_class_on_every_code_point() -> None:
    every = "".join(map(chr, range(0x110000)))
    spaces = int(np.count_nonzero(cc.swallow_table() == cc.C_SPACE))
    assert TextAnalysis(every).visible_chars == len(every) - spaces
    for text in random_texts(3, 100) + [" \u3000\t\n\u00a0\u2028あ \u200b", ""]:
        a = TextAnalysis(text)
        assert a.visible_chars == a.length - a.count(cc.C_SPACE), text
