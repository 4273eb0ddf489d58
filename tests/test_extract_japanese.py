"""JapaneseScriptFilter (final decision by script ratios) and the script counter."""

from __future__ import annotations

import pytest

from corpusforge.document import Document
from corpusforge.extract.japanese import JapaneseScriptFilter
from corpusforge.extract.script import count_scripts, hiragana_share
from tests.extract_fixtures import EN_PARAGRAPHS, JA_NEWS, JA_PARAGRAPHS, KO_PARAGRAPHS, ZH_PARAGRAPHS, ZH_TW_PARAGRAPHS

JA = "\n".join(JA_PARAGRAPHS)


def decide(text: str, **kw: float) -> tuple[str | None, dict]:
    f = JapaneseScriptFilter(**kw)  # type: ignore[arg-type]
    doc = Document(id="d", text=text)
    return f.check(doc), doc.metadata


def test_script_counts() -> None:
    c = count_scripts("ひらがな カタカナｶﾀｶﾅ 漢字々 、。ABCｱ Ｚ 12３ 한국 ?! Мир αβ\n")
    assert (c.hiragana, c.katakana, c.kanji, c.ja_punct) == (4, 9, 3, 2)
    assert (c.latin, c.digit, c.hangul, c.other, c.other_letter) == (4, 3, 2, 2, 5)
    assert c.total == 34  # spaces and the newline are not counted
    assert c.letters == 34 - 3 - 2  # no digits, no ASCII symbols
    assert count_scripts("").total == 0 and count_scripts("").ratio(0) == 0.0
    assert count_scripts("𠮷野家").kanji == 3  # a character outside the BMP
    assert count_scripts("\ud800x").other == 1  # a lone surrogate does not crash


def test_japanese_is_kept_with_ratios_recorded() -> None:
    reason, md = decide(JA)
    assert reason is None
    assert md["ja_per_nonspace"] > 0.9 and md["kana_per_nonspace"] > 0.3 and md["kanji_per_nonspace"] > 0.2
    assert md["latin_per_nonspace"] == 0.0
    assert set(md) == {"ja_per_letter", "ja_per_nonspace", "kana_per_nonspace", "kanji_per_nonspace", "latin_per_nonspace"}
    assert md["ja_per_letter"] >= md["ja_per_nonspace"]


def test_kanji_heavy_japanese_is_kept() -> None:
    assert decide(JA_NEWS)[0] is None


@pytest.mark.parametrize("text", ["\n".join(ZH_PARAGRAPHS), "\n".join(ZH_TW_PARAGRAPHS)])
def test_chinese_is_not_japanese(text: str) -> None:
    reason, md = decide(text)
    assert reason == "not_japanese"
    assert md["kanji_per_nonspace"] > 0.7


def test_chinese_with_a_few_kana_is_not_japanese() -> None:
    # Taiwanese shop copy likes の as a decorative 的: kana present, but a tiny share of CJK
    text = "\n".join(ZH_TW_PARAGRAPHS) * 3 + "\n職人の手作り蛋糕の專賣店の推薦の禮盒の"
    f = JapaneseScriptFilter()
    doc = Document(id="d", text=text)
    assert f.check(doc) == "not_japanese"
    assert f.stats.counters["fail.kana_share"] == 1


def test_korean_and_english_are_not_japanese() -> None:
    assert decide("\n".join(KO_PARAGRAPHS))[0] == "not_japanese"
    reason, md = decide("\n".join(EN_PARAGRAPHS))
    assert reason == "not_japanese" and md["latin_per_nonspace"] > 0.7


def test_mixed_texts() -> None:
    # an English page with one Japanese sentence: Japanese share too low
    english_with_ja = "\n".join(EN_PARAGRAPHS * 2) + "\n" + JA_PARAGRAPHS[0]
    assert decide(english_with_ja)[0] == "not_japanese"
    # a Japanese article with English terms and code: still Japanese
    ja_with_en = JA + "\nこの記事では Python の for 文と list comprehension を使っています。\nprint(sum(x for x in range(10)))"
    reason, md = decide(ja_with_en)
    assert reason is None and 0 < md["latin_per_nonspace"] < 0.5


def test_qa_board_numbers_do_not_dilute_japanese() -> None:
    """Post numbers, IDs and dates count against ja_per_nonspace, not against ja_per_letter."""
    posts = [f"{i}: 名無しさん 2024/03/{i % 28 + 1:02d}(土) 12:{i % 60:02d}:{i % 60:02d}.{i:02d} ID:{i * 7919:08x}\n"
             f">>{i - 1} 了解です。" for i in range(1, 30)]
    board = "\n".join(posts)
    f = JapaneseScriptFilter()
    doc = Document(id="d", text=board)
    assert f.check(doc) is None
    assert doc.metadata["ja_per_nonspace"] < 0.25 < 0.6 < doc.metadata["ja_per_letter"]
    assert decide(board, min_ja_ratio=0.25)[0] == "not_japanese"  # the older test loses the board


def test_other_scripts_count_as_letters() -> None:
    """A Russian article with a Japanese menu: its Cyrillic letters are letters."""
    text = ("Каждую осень в нашем городе проходит небольшой праздник урожая. " * 6
            + "\nホーム お知らせ お問い合わせ サイトマップ プライバシーポリシー")
    reason, md = decide(text)
    assert reason == "not_japanese" and md["ja_per_letter"] < 0.25


def test_thresholds_come_from_parameters() -> None:
    short = "ありがとう"  # 5 kana
    assert decide(short)[0] is None
    assert decide(short, min_kana=6)[0] == "not_japanese"
    assert decide(JA + " Hello world", min_ja_ratio=0.99)[0] == "not_japanese"
    assert decide(JA + " Hello world", min_ja_ratio=0.9)[0] is None
    assert decide(JA + " Hello world" * 30, min_ja_letter_ratio=0.9)[0] == "not_japanese"


def test_hiragana_share() -> None:
    assert hiragana_share("abc") == 0.0
    assert hiragana_share("あいう漢") == 0.75
    assert hiragana_share("ｱｲｳ漢字") == 0.0
