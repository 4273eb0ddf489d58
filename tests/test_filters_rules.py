"""Each quality filter on Japanese examples on both sides of its threshold.

Every case also checks that the signal is recorded in the metadata before the decision,
so that a dropped document carries the value that dropped it.
"""

from __future__ import annotations

import pytest

from corpusforge.config import ConfigError, build_stage
from corpusforge.document import Document
from corpusforge.filters.length import EmptyTextFilter, LengthFilter
from corpusforge.filters.lines import LineShapeFilter
from corpusforge.filters.morph import NounRatioFilter, WordRepetitionFilter
from corpusforge.filters.repetition import (CharRepetitionFilter, CompressionRatioFilter, DuplicateLineFilter,
                                            DuplicateNgramFilter, RunLengthFilter, TopNgramFilter)
from corpusforge.filters.rules import QualityFilter, Rule
from corpusforge.filters.script import JapaneseStartFilter, ScriptRatioFilter
from corpusforge.filters.sentences import KutenDensityFilter, SentenceFilter
from corpusforge.filters.symbols import AsciiRunFilter, BrokenTextFilter, DigitRatioFilter, SymbolRatioFilter
from corpusforge.filters.words import AdPhraseFilter, BBSPatternFilter

ARTICLE = ("春の京都は桜の名所として知られ、毎年多くの観光客が訪れます。哲学の道では、川沿いに咲く桜を眺めながら"
           "ゆっくりと散歩を楽しむことができます。夜になると寺院の庭園がライトアップされ、昼間とは違った幻想的な"
           "景色が広がります。地元の人々は、混雑を避けるために早朝に出かけることが多いそうです。")


def decide(f: QualityFilter, text: str, url: str = "") -> tuple[str | None, dict]:
    doc = Document(id="t", text=text, url=url)
    return f.check(doc), doc.metadata


def test_length_filter_both_sides() -> None:
    f = LengthFilter(min_chars=100, min_ja_letters=100, max_chars=1000)
    assert decide(f, ARTICLE)[0] is None
    reason, meta = decide(f, ARTICLE[:60])
    assert reason == "too_few_chars" and meta["q_chars"] == 60
    reason, meta = decide(f, ARTICLE[:90] + " " * 20)
    assert reason == "too_few_ja_letters" and meta["q_ja_letters"] == 90
    assert decide(f, ARTICLE * 8)[0] == "too_many_chars"


def test_empty_text_filter() -> None:
    f = EmptyTextFilter(min_visible_chars=1)
    assert decide(f, " \n\u3000\t")[0] == "empty_text"
    assert decide(f, " あ ")[0] is None


def test_script_ratio_filter_both_sides() -> None:
    f = ScriptRatioFilter(min_hiragana_ratio=0.2, max_katakana_ratio=0.5, min_ja_ratio=0.5)
    assert decide(f, ARTICLE)[0] is None
    chinese = "北京是中华人民共和国的首都，也是全国的政治中心和文化中心。"
    reason, meta = decide(f, chinese)
    assert reason == "low_hiragana_ratio" and meta["q_hiragana_per_ja"] == 0.0
    katakana = "スマートフォンケースのカラーバリエーションをチェックしてください。"
    reason, meta = decide(f, katakana)
    assert reason == "high_katakana_ratio" and meta["q_katakana_per_ja"] > 0.5
    mixed = "今日は晴れです。" + " This page is mostly written in English for visitors." * 2
    assert decide(f, mixed)[0] == "low_ja_ratio"


def test_japanese_start_filter() -> None:
    f = JapaneseStartFilter(head_chars=50, min_head_kana=1)
    assert decide(f, ARTICLE)[0] is None
    reason, meta = decide(f, "x" * 50 + "ひらがな")
    assert reason == "no_kana_at_start" and meta["q_head_kana"] == 0
    assert decide(f, "漢字だけ")[0] is None


def test_symbol_digit_ascii_broken_filters() -> None:
    sym = SymbolRatioFilter(max_symbol_ratio=0.4, max_emoji_ratio=0.02)
    assert decide(sym, ARTICLE)[0] is None
    assert decide(sym, "★☆★ 限定 ★☆★ ！！ ■□■ ◆◇◆ →→→")[0] == "high_symbol_ratio"
    assert decide(sym, "今日もいい天気でした😀😀😀、楽しかったです")[0] == "high_emoji_ratio"
    dig = DigitRatioFilter(max_digit_ratio=0.25)
    assert decide(dig, ARTICLE)[0] is None
    reason, meta = decide(dig, "時刻表 06:12 06:25 06:41 07:03 07:18 07:30 ０８：００")
    assert reason == "high_digit_ratio" and meta["q_digit_ratio"] > 0.25
    run = AsciiRunFilter(run_chars=20, max_ascii_run=40, max_ascii_run_ratio=0.3)
    assert decide(run, ARTICLE + " see https://example.jp/a")[0] is None
    reason, meta = decide(run, "トークン: " + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" * 3)
    assert reason == "long_ascii_run" and meta["q_max_ascii_run"] == 107  # ": " + 105
    broken = BrokenTextFilter(max_broken_ratio=0.01)
    assert decide(broken, ARTICLE)[0] is None
    reason, meta = decide(broken, "文字化け\ufffd\ufffdしたページ\x00\x01です")
    assert reason == "broken_text" and meta["q_broken_ratio"] > 0.01


def test_sentence_filter_both_sides() -> None:
    f = SentenceFilter(min_avg_sentence_len=20, max_avg_sentence_len=90, max_sentence_len=200,
                       max_ellipsis_sentence_ratio=0.2)
    assert decide(f, ARTICLE)[0] is None
    menu = "ホーム。会社概要。採用情報。お問い合わせ。アクセス。"
    reason, meta = decide(f, menu)
    assert reason == "avg_sentence_too_short" and meta["q_avg_sentence_len"] < 20
    no_punct = ARTICLE.replace("。", "、") * 2
    assert decide(f, no_punct)[0] == "avg_sentence_too_long"
    long_one = ARTICLE + ARTICLE.replace("。", "、") * 2 + "。" + ARTICLE * 6
    reason, meta = decide(f, long_one)
    assert reason == "sentence_too_long" and meta["q_max_sentence_len"] > 200
    teaser = "\n".join(["東京の桜が見ごろを迎え、各地で花見客がにぎわっています…",
                        "新しい駅ビルの開業にあわせて、周辺では再開発が進んでいます・・・",
                        "地元の商店街では春祭りの準備が始まり、子どもたちも参加しています。"])
    reason, meta = decide(f, teaser)
    assert reason == "ellipsis_sentences" and meta["q_ellipsis_sentence_ratio"] == pytest.approx(2 / 3)


def test_kuten_density_filter() -> None:
    f = KutenDensityFilter(min_kuten_ratio=1 / 100)
    assert decide(f, ARTICLE)[0] is None
    reason, meta = decide(f, ARTICLE.replace("。", " "))
    assert reason == "rare_kuten" and meta["q_kuten_ratio"] == 0.0


def test_duplicate_line_filter_both_sides() -> None:
    f = DuplicateLineFilter(max_line_ratio=0.3, max_line_char_ratio=0.2, max_sentence_ratio=0.3,
                            max_sentence_char_ratio=0.2)
    lines = ARTICLE.split("。")[:-1]
    assert decide(f, "\n".join(s + "。" for s in lines))[0] is None
    repeated = "\n".join([lines[0] + "。"] * 3 + [s + "。" for s in lines[1:]])
    reason, meta = decide(f, repeated)
    assert reason == "dup_line_ratio" and meta["q_dup_line_ratio"] == pytest.approx(2 / 6)
    blank = "\n\n\n".join(s + "。" for s in lines)
    assert decide(f, blank)[0] == "dup_line_ratio"                  # Swallow counts empty lines
    lenient = DuplicateLineFilter(max_line_ratio=0.3, count_empty_lines=False)
    assert decide(lenient, blank)[0] is None


def test_top_and_duplicate_ngram_filters() -> None:
    top = TopNgramFilter(max_ratio={2: 0.2, 3: 0.18, 4: 0.16})
    dup = DuplicateNgramFilter(max_ratio={5: 0.15, 10: 0.10})
    assert decide(top, ARTICLE)[0] is None and decide(dup, ARTICLE)[0] is None
    reason, meta = decide(top, "ははは" * 40)
    assert reason == "top_2gram_ratio" and meta["q_top_2gram_ratio"] > 0.9
    assert set(meta) >= {"q_top_3gram_ratio", "q_top_4gram_ratio"}
    reason, meta = decide(dup, ARTICLE + ARTICLE[:100])
    assert reason == "dup_5gram_ratio" and meta["q_dup_10gram_ratio"] > 0.1
    recorder = TopNgramFilter(record=[2])
    assert decide(recorder, "ああああ")[0] is None and "q_top_2gram_ratio" in decide(recorder, "ああ")[1]


def test_char_repetition_run_length_compression() -> None:
    rep = CharRepetitionFilter(n=5, ratio_limit=0.33)
    assert decide(rep, ARTICLE)[0] is None
    reason, meta = decide(rep, "激安セール！" * 30)
    assert reason == "char_repetition" and meta["q_char_rep_ratio"] >= 0.33
    run = RunLengthFilter(run_limit=200)
    assert decide(run, ARTICLE + "ー" * 199)[0] is None
    reason, meta = decide(run, ARTICLE + "ー" * 200)
    assert reason == "char_run" and meta["q_max_char_run"] == 200
    comp = CompressionRatioFilter(min_ratio=0.3, max_ratio=0.7)
    assert decide(comp, ARTICLE)[0] is None
    reason, meta = decide(comp, ARTICLE * 10)
    assert reason == "low_compression_ratio" and meta["q_compression_ratio"] < 0.3
    assert decide(comp, "Zm9vYmFyYmF6cXV4cXV1eA7a9Q2xL0pR" * 1)[0] == "high_compression_ratio"


def test_line_shape_filter_both_sides() -> None:
    f = LineShapeFilter(short_line_chars=10, max_short_line_ratio=0.5, max_ellipsis_line_ratio=0.7,
                        max_link_line_ratio=0.3)
    assert decide(f, ARTICLE)[0] is None
    menu = "\n".join(["ホーム", "新着情報", "会社概要", ARTICLE, "お問い合わせ", "サイトマップ"])
    reason, meta = decide(f, menu)
    assert reason == "short_lines" and meta["q_short_line_ratio"] == pytest.approx(5 / 6)
    teasers = "\n".join(["京都の桜の名所を巡る旅のレポートです..."] * 3 + ["続きは本文で。", ""])
    assert decide(f, teasers)[0] == "ellipsis_lines"
    links = "\n".join([ARTICLE, "https://example.jp/a/b/c", "≫ 次の記事へ", "» 続きを読む", ARTICLE])
    reason, meta = decide(f, links)
    assert reason == "link_lines" and meta["q_link_line_ratio"] == pytest.approx(3 / 5)


def test_ad_and_bbs_filters_both_sides() -> None:
    ads = AdPhraseFilter(max_hits=5)
    assert decide(ads, ARTICLE)[0] is None
    shop = ("【送料無料】人気のスニーカー 在庫あり 税込5,980円 カートに入れる ポイント10倍 "
            "期間限定 タイムセール クーポン配布中 レビューを書く")
    reason, meta = decide(ads, shop)
    assert reason == "too_many_ads" and meta["q_ad_hits"] > 5
    bbs = BBSPatternFilter(max_hits=5)
    assert decide(bbs, ARTICLE)[0] is None
    thread = "\n".join(f"{i}: 名無しさん 2023/05/0{i}(月) 12:3{i}:00 ID:abcdEFG{i} >>{i + 1} 返信" for i in range(1, 4))
    reason, meta = decide(bbs, thread)
    assert reason == "bbs_like" and meta["q_bbs_hits"] > 5


def test_mecab_filters_both_sides() -> None:
    nouns = NounRatioFilter(prefix_chars=1000, ratio_limit=0.8)
    assert decide(nouns, ARTICLE)[0] is None
    stuffed = "リンゴ・オレンジ・ミカン・バナナ・ブドウ・メロン・スイカ・イチゴ 産地直送 通販 格安 セール"
    reason, meta = decide(nouns, stuffed)
    assert reason == "high_noun_ratio" and meta["q_noun_per_word"] >= 0.8
    words = WordRepetitionFilter(n=7, ratio_limit=0.4)
    assert decide(words, ARTICLE)[0] is None
    assert decide(words, "今日は駅前の店で新しい本を買いました。" * 4)[0] == "word_repetition"


def test_mecab_runs_only_on_the_prefix() -> None:
    f = NounRatioFilter(prefix_chars=50, ratio_limit=0.8)
    text = ARTICLE[:50] + "リンゴ・ミカン・バナナ" * 200
    assert decide(f, text)[0] is None


def test_rules_are_declarative_and_disabled_by_none() -> None:
    f = ScriptRatioFilter(min_hiragana_ratio=0.2)
    assert [(r.reason, r.signal, r.op, r.threshold) for r in f.active_rules()] == [
        ("low_hiragana_ratio", "q_hiragana_per_ja", "lt", 0.2)]
    assert ScriptRatioFilter().active_rules() == []
    assert Rule("x", "q", "ge", 0.05).fails(0.05) and not Rule("x", "q", "gt", 0.05).fails(0.05)
    assert not Rule("x", "q", "lt", 1).fails(None)   # a missing signal never fails


def test_bad_threshold_types_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="min_chars must be a number"):
        build_stage({"stage": "LengthFilter", "min_chars": "400"})
    with pytest.raises(ConfigError, match="unknown parameter"):
        build_stage({"stage": "LengthFilter", "min_char": 400})
    with pytest.raises(ConfigError, match="max_ratio"):
        build_stage({"stage": "TopNgramFilter", "max_ratio": {11: 0.1}})


def test_mecab_counts_on_raw_output_equal_the_token_list() -> None:
    from collections import Counter

    from corpusforge.filters.morph import pos_counts, tokenize

    for text in [ARTICLE, "リンゴ・オレンジ・ミカン・バナナ セール中", "EOS という語\nEOS\n改行の後", "", "😀\ufffd"]:
        pos = Counter(p for _, p in tokenize(text))
        assert pos_counts(text) == (len(tokenize(text)), pos["名詞"], pos["補助記号"])
