"""Normalize: NFKC (or configurable) plus whitespace cleanup."""

from __future__ import annotations

import pytest

from corpusforge.document import Document
from corpusforge.text.normalize import Normalize, nfkc


def norm(text: str, **kw: object) -> str:
    return Normalize(**kw).apply(Document(id="d", text=text)).text  # type: ignore[arg-type]


def test_nfkc_folds_width_variants() -> None:
    assert norm("ﾊﾝｶｸｶﾀｶﾅとﾊﾟﾋﾟﾌﾟ") == "ハンカクカタカナとパピプ"
    assert norm("ＡＢＣ　１２３！") == "ABC 123!"
    assert norm("①と㈱") == "1と(株)"


def test_nfc_and_none_keep_the_forms() -> None:
    assert norm("ﾊﾝｶｸ　ＡＢＣ", form="NFC") == "ﾊﾝｶｸ　ＡＢＣ"
    assert norm("ﾊﾝｶｸ　ＡＢＣ", form="none") == "ﾊﾝｶｸ　ＡＢＣ"
    # NFC composes a decomposed dakuten (か + U+3099 → が)
    assert norm("か\u3099", form="NFC") == "が"
    with pytest.raises(ValueError):
        Normalize(form="NFX")


def test_invisible_and_control_characters_are_removed() -> None:
    assert norm("日本\u200b語\ufeffの\u00ad文\x00章\x07です\x1b") == "日本語の文章です"
    assert norm("a\u200bb", remove_invisible=False) == "a\u200bb"


def test_whitespace_cleanup_keeps_paragraphs() -> None:
    text = "  一行目です。   \r\n\r\n\r\n\n二行目\t\tです。 \n\n\n\n三行目\u2028四行目  "
    assert norm(text) == "一行目です。\n\n二行目 です。\n\n三行目\n四行目"
    assert norm(text, max_blank_lines=0) == "一行目です。\n二行目 です。\n三行目\n四行目"


def test_empty_text() -> None:
    assert norm("") == ""
    assert norm(" \n\u200b\n ") == ""


def test_nfkc_equals_unicodedata() -> None:
    import random
    import unicodedata

    rng = random.Random(11)
    # full-width forms, the ideographic space, half-width katakana, circled numbers,
    # ligatures, combining marks, kana, kanji and ASCII, mixed at random
    alphabet = ([chr(c) for c in range(0xFF01, 0xFF9F)] + ["\u3000", "\u2026", "①", "㈱", "ﬁ", "か\u3099", "ｶﾞ"]
                + list("あいうカキク漢字語abc 123。、「」"))
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), text
