"""Line-level cleanup on real page shapes: footers, navigation, punctuation, personal data."""

from __future__ import annotations

from corpusforge.document import Document
from corpusforge.filters.cleanup import (BoilerplateLineRemover, FooterTrimmer, JapaneseLineExtractor,
                                         PersonalInfoMasker, PunctuationNormalizer, TextRepair)
from corpusforge.text.normalize import Normalize

BODY = ["先日、地元の図書館で開かれた古文書の講座に参加しました。",
        "江戸時代の商人が残した帳簿を読み解きながら、当時の物価や暮らしぶりを学びました。",
        "講師の先生は、くずし字の読み方を一文字ずつ丁寧に教えてくださいました。",
        "次回は寺子屋の教科書を読む予定だそうで、今から楽しみにしています。"]


def mapped(stage: object, text: str) -> Document:
    d = Document(id="1", text=text)
    return stage.apply(d)  # type: ignore[attr-defined]


def test_footer_trimmer_cuts_blog_footer_and_everything_after() -> None:
    footer = ["この記事へのトラックバック一覧", "トラックバックURL", "コメント（0）",
              "Copyright © 2024 古文書ブログ All rights reserved."]
    d = mapped(FooterTrimmer(), "\n".join(BODY + footer))
    assert d.text == "\n".join(BODY)
    assert d.metadata["q_footer_lines_removed"] == 4
    assert d.metadata["q_footer_chars_removed"] == len("\n".join(footer)) + 1


def test_footer_trimmer_keeps_content_lines_that_mention_a_keyword() -> None:
    body = BODY + ["ご意見やご感想は、記事の下のコメント欄にお気軽にお寄せください。"]
    d = mapped(FooterTrimmer(), "\n".join(body))
    assert d.text == "\n".join(body) and d.metadata["q_footer_lines_removed"] == 0


def test_footer_trimmer_looks_only_at_the_last_lines() -> None:
    text = "\n".join(["ログイン"] + BODY * 3)
    d = mapped(FooterTrimmer(last_lines=10), text)
    assert d.text == text


def test_footer_share_is_strictly_greater_than_the_limit() -> None:
    f = FooterTrimmer(min_keyword_share=0.3)
    assert f.keyword_share("ログイン" + "あ" * 6) == 0.4
    assert f.keyword_share("ホームあい") == 0.6
    assert f.keyword_share("") == 0.0


def test_boilerplate_remover_shop_and_blog_shapes() -> None:
    header = ["ホーム > 趣味・教養 > 古文書講座の感想", "ログイン | 新規登録 | マイページ", "投稿日：2024年5月1日"]
    footer = ["前の記事", "シェアする ツイート はてなブックマーク", "プライバシーポリシー | 利用規約 | お問い合わせ",
              "© 2024 Kobunsho Lab."]
    d = mapped(BoilerplateLineRemover(), "\n".join(header + BODY + footer))
    assert d.text == "\n".join(BODY)
    assert d.metadata["q_boilerplate_lines_removed"] == 7


def test_boilerplate_remover_keeps_long_lines_and_the_middle() -> None:
    long_line = "ログインの仕組みについて、" + "詳しく説明します。" * 10
    text = "\n".join([long_line] + BODY + ["ホーム > 記事"] + BODY)
    d = mapped(BoilerplateLineRemover(head_lines=2, tail_lines=2), text)
    assert d.text == text


def test_punctuation_normalizer_follows_swallow_examples() -> None:
    f = PunctuationNormalizer()
    assert mapped(f, "この文章の句点，読点を修正します．").text == "この文章の句点、読点を修正します。"
    d = mapped(f, "円周率は３．１４と習いました，のように全角の数字が混ざった場合でも，直します．")
    assert d.text == "円周率は３．１４と習いました、のように全角の数字が混ざった場合でも、直します。"
    assert d.metadata["q_toten_normalized"] and d.metadata["q_kuten_normalized"]
    unchanged = "この文章は、正しい句読点を使っています。Ｈｉ，と書いても変わりません。"
    d = mapped(f, unchanged)
    assert d.text == unchanged and not d.metadata["q_toten_normalized"]
    assert mapped(f, "お待ちください．．．").text == "お待ちください。。。"


def test_personal_info_masker() -> None:
    text = "お問い合わせは info@example.co.jp または 03-1234-5678、携帯 090-1234-5678 まで。価格は1,234円です。"
    d = mapped(PersonalInfoMasker(), text)
    assert d.text == "お問い合わせは [EMAIL] または [PHONE]、携帯 [PHONE] まで。価格は1,234円です。"
    assert d.metadata["q_emails_masked"] == 1 and d.metadata["q_phones_masked"] == 2
    assert mapped(PersonalInfoMasker(), "2024年05月01日に開催").metadata["q_phones_masked"] == 0


def test_japanese_line_extractor_like_llm_jp() -> None:
    text = "\n".join(["Home | About | Contact", "今日は晴れでした。https://example.jp/page?id=1 を参照。",
                      "12345", "詳細は" + "a" * 120 + "です。"])
    d = mapped(JapaneseLineExtractor(join_with=""), text)
    assert d.text == "今日は晴れでした。 を参照。詳細はです。"
    assert d.metadata["q_nonja_lines_removed"] == 2


def test_text_repair_and_width_and_unicode_normalizers() -> None:
    d = mapped(TextRepair(), "壊れた\ud800文字と\ud842\udfb7")
    assert d.text == "壊れた\ufffd文字と\U00020bb7" and d.metadata["q_repaired_chars"] == 1
    d.text.encode("utf-8")
    assert mapped(TextRepair(), "正常").metadata["q_repaired_chars"] == 0
    d = mapped(Normalize(form="width", whitespace=False, record=True), "ｶﾞｲﾄﾞﾌﾞｯｸ ＡＢＣ１２３…！")
    assert d.text == "ガイドブック ABC123…！" and d.metadata["q_width_normalized"] == 15
    d = mapped(Normalize(form="NFKC", whitespace=False, record=True), "ＡＢＣ")
    assert d.text == "ABC" and d.metadata["q_unicode_normalized"] is True


def test_footer_trimmer_can_keep_content_after_a_widget_heading() -> None:
    text = "\n".join(BODY + ["お知らせ", "来月から講座の会場が駅前の市民センターに変わりますので、ご注意ください。",
                         "Copyright © 2024 古文書ブログ"])
    swallow = mapped(FooterTrimmer(), text)
    assert swallow.text == "\n".join(BODY)            # Swallow's rule cuts at the heading
    careful = mapped(FooterTrimmer(content_line_chars=30), text)
    assert careful.text == "\n".join(text.split("\n")[:-1])
    assert careful.metadata["q_footer_lines_removed"] == 1
