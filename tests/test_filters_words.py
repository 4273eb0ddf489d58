"""Word-list matching: leftmost-longest, katakana / latin boundaries, user lists, shipped lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpusforge.config import ConfigError, build_stage
from corpusforge.document import Document
from corpusforge.filters.wordlists import PhraseMatcher, read_wordlist
from corpusforge.filters.words import NGWordFilter
from corpusforge.resources import data_dir

WORDLISTS = data_dir("filters") / "wordlists"


@pytest.mark.parametrize("text", [
    "古代エジプトのヒエログリフを読む",   # エロ inside ヒエログリフ (hieroglyph)
    "海岸のエロージョンが進んでいる",     # エロ inside エロージョン (erosion)
    "イギリスのミドルセックス州の歴史",   # セックス inside ミドルセックス (Middlesex)
    "ﾐﾄﾞﾙｾｯｸｽの地図",                 # the same in half-width katakana
])
def test_katakana_word_inside_a_longer_katakana_word_does_not_match(text: str) -> None:
    m = PhraseMatcher(["エロ", "セックス", "ｾｯｸｽ"])
    assert m.findall(text) == []


@pytest.mark.parametrize("text,expected", [
    ("エロ動画の広告", ["エロ動画"]),        # longest entry wins
    ("エロい話はしない", ["エロ"]),          # katakana word followed by hiragana
    ("「エロ」という言葉", ["エロ"]),
    ("過激なセックス描写", ["セックス"]),
])
def test_katakana_word_at_boundaries_matches_longest(text: str, expected: list[str]) -> None:
    m = PhraseMatcher(["エロ", "エロ動画", "セックス"])
    assert m.findall(text) == expected


def test_latin_boundary_and_non_katakana_words() -> None:
    m = PhraseMatcher(["AV", "無修正"])
    assert m.findall("AVERAGE と HAVE") == []
    assert m.findall("AV女優と無修正動画") == ["AV", "無修正"]


def test_boundaries_can_be_switched_off() -> None:
    m = PhraseMatcher(["エロ"], katakana_boundary=False)
    assert m.findall("ヒエログリフ") == ["エロ"]


def test_leftmost_longest_non_overlapping_like_a_trie_scan() -> None:
    m = PhraseMatcher(["送料", "送料無料", "無料体験", "体験"])
    assert m.findall("送料無料体験") == ["送料無料", "体験"]
    assert m.hits("送料無料体験") == (2, 6)


def test_wordlist_files_skip_comments_blanks_and_duplicates(tmp_path: Path) -> None:
    f = tmp_path / "mine.txt"
    f.write_text("# my list\n\n禁止語\n 禁止語 \n別の語\n", encoding="utf-8")
    assert read_wordlist(f) == ["禁止語", "別の語"]


def test_shipped_lists_are_documented_and_nonempty() -> None:
    for name in ("ng_adult.txt", "ng_discrimination.txt", "ng_violence.txt", "ads.txt", "bbs_patterns.txt",
                 "footer_keywords.txt", "boilerplate_lines.txt"):
        path = WORDLISTS / name
        assert path.read_text(encoding="utf-8").startswith("# corpusforge"), name
        assert len(read_wordlist(path)) >= 15, name


def test_shipped_ng_lists_do_not_fire_on_ordinary_text() -> None:
    words = []
    for name in ("ng_adult.txt", "ng_discrimination.txt", "ng_violence.txt"):
        words += read_wordlist(WORDLISTS / name)
    m = PhraseMatcher(words)
    ordinary = ("アスパラガスとリュックサックを持って、かたわらの郷土人形を見た。非人道的な行為を報じる新聞、"
                "朝鮮半島の歴史、少しねむいので明日は休みます。ミドルセックス州のヒエログリフ展。")
    assert m.findall(ordinary) == []


def test_ng_filter_replaced_by_a_user_list(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("ほうじ茶\n", encoding="utf-8")
    f = build_stage({"stage": "NGWordFilter", "wordlists": "mine.txt", "label": "tea", "max_hits": 1,
                     "_base": str(tmp_path)})
    doc = Document(id="1", text="ほうじ茶とほうじ茶ラテ")
    assert f.check(doc) == "tea_hits" and doc.metadata["q_tea_hits"] == 2
    assert f.name == "NGWordFilter[tea]"


def test_ng_ratio_uses_japanese_letters_as_swallow() -> None:
    f = NGWordFilter(str(WORDLISTS / "ng_adult.txt"), ratio_limit=0.05)
    doc = Document(id="1", text="無修正" + "あ" * 57 + "abc" * 100)
    assert f.check(doc) == "ng_ratio"
    assert doc.metadata["q_ng_per_ja"] == pytest.approx(3 / 60)


def test_missing_wordlist_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not found"):
        build_stage({"stage": "NGWordFilter", "wordlists": "no/such/list.txt"})
    with pytest.raises(ConfigError, match="label"):
        build_stage({"stage": "NGWordFilter", "wordlists": "wordlists/ng_adult.txt", "label": "Bad Label"})
