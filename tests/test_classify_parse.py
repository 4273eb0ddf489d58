"""The score parser on many reply shapes, the prompt's hash, rendering and truncation."""

from __future__ import annotations

import hashlib

import pytest

from corpusforge.classify.parse import UNPARSEABLE, parse_labels, parse_reply, parse_score
from corpusforge.classify.prompt import (PLACEHOLDER, TRUNCATION_MARK, LabelPrompt, estimate_tokens,
                                         truncate_to_tokens)
from corpusforge.classify.taxonomy import Taxonomy
from corpusforge.resources import data_dir


@pytest.mark.parametrize("reply, score", [
    ("理由：基礎的な説明がある。\n評価: 3", 3),
    ("理由: 教科書的。\n評価：４", 4),                    # full-width colon and digit
    ("評価：５", 5),
    ("「評価：4」", 4),
    ("**評価: 2**", 2),
    ("**評価**: 1", 1),
    ("## 評価: 0", 0),
    ("評価 = 1", 1),
    ("評価:4/5", 4),
    ("評価は4点です。", 4),
    ("理由: x\n評価: 3\n以上です。", 3),                  # trailing text after the score line
    ("評価: 2\n見直した結果、\n評価: 5", 5),               # two scores: the final one counts
    ("理由: 最初は評価: 1 と考えたが、例が豊富なので\n評価: 4", 4),
    ("Reasoning in English.\nEducational score: 3", 3),
    ("score: 2", 2),
    ("理由: 断片的。\n2", 2),                              # a last line that is only the number
    ("理由: 断片的。\n２点", 2),
])
def test_scores_are_read(reply: str, score: int) -> None:
    parsed = parse_reply(reply)
    assert parsed.score == score and parsed.error is None


@pytest.mark.parametrize("reply", [
    None, "", "   \n ", "この文書は教育的です。",                 # no score at all
    "評価: 3.5", "評価: 3〜4", "評価: 3 または 4", "評価: 2-3",      # ambiguous
    "評価: 7", "評価: 10", "評価: -1",                              # out of range
    "評価1点目を満たす", "合計3つの例がある",                        # numbers that are not the score
    "例:\n1.", "理由: 途中で切れた返答で",
])
def test_unparseable_is_never_guessed(reply: str | None) -> None:
    parsed = parse_reply(reply)
    assert parsed.score is None and parsed.error == UNPARSEABLE
    assert parse_score(reply) is None


def test_reasoning_blocks_and_cut_off_replies() -> None:
    assert parse_reply("<think>評価: 1 かな…いや</think>\n理由：よい。\n評価: 4").score == 4
    assert parse_reply("<think>まず評価: 2 と仮定して、次に").score is None  # the answer never came
    cut = parse_reply("理由：最初は評価: 2 と思ったが、例が多く", cut_off=True)
    assert cut.score is None and cut.error == UNPARSEABLE


def test_justification_excludes_the_score_line() -> None:
    parsed = parse_reply("理由：図と例が多く、中学理科の教材になる。\n評価: 4")
    assert parsed.justification == "図と例が多く、中学理科の教材になる。"


def test_prompt_hash_is_sha256_prefix_of_the_filled_template(tmp_path) -> None:
    shipped = LabelPrompt.load()
    assert shipped.axes == ("format", "topic")
    assert "{{format_classes}}" not in shipped.template and "`ad_shop`" in shipped.template
    assert shipped.hash == hashlib.sha256(shipped.template.encode("utf-8")).hexdigest()[:12]
    data = open(shipped.path, "rb").read()
    edited = tmp_path / "p.md"
    edited.write_bytes(data + b"\n")
    assert LabelPrompt.load(edited).hash != shipped.hash  # any edit is a new version
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(open(Taxonomy.load().path, encoding="utf-8").read().replace("通販の商品ページ", "通販ページ"),
                        encoding="utf-8")
    assert LabelPrompt.load(taxonomy=Taxonomy.load(taxonomy)).hash != shipped.hash  # so is a taxonomy edit


def test_edu_only_prompt_keeps_its_file_hash() -> None:
    old = data_dir("classifiers") / "edu" / "prompt_ja.md"
    p = LabelPrompt.load(old)
    assert p.axes == () and p.hash == hashlib.sha256(old.read_bytes()).hexdigest()[:12]


def test_shipped_prompt_asks_for_the_parseable_final_lines() -> None:
    p = LabelPrompt.load()
    assert p.template.count(PLACEHOLDER) == 1
    assert p.template.rstrip().endswith("評価: N\n形式: F\n話題: T")
    keys = {axis: Taxonomy.load().keys(axis) for axis in p.axes}
    parsed = parse_labels("理由：例。\n評価: 3\n形式: tutorial\n話題: science_math", keys)
    assert (parsed.score, parsed.format, parsed.topic, parsed.error) == (3, "tutorial", "science_math", None)


@pytest.mark.parametrize("reply, expected", [
    ("理由：例。\n評価: 2\n形式: news\n話題: sports", (2, "news", "sports", None)),
    ("理由：例。\n**評価：２**\n**形式：** `review`\n話題: 「lifestyle」", (2, "review", "lifestyle", None)),
    ("理由：例。\n評価: 2\n形式: ニュース\n話題: sports", (2, None, "sports", UNPARSEABLE)),  # not a key
    ("理由：例。\n評価: 2\n形式: newz\n話題: sports", (2, None, "sports", UNPARSEABLE)),  # no nearest match
    ("理由：例。\n評価: 2\n形式: news, blog_diary\n話題: sports", (2, None, "sports", UNPARSEABLE)),
    ("理由：例。\n評価: 2\n形式: news", (2, "news", None, UNPARSEABLE)),  # topic missing
    ("理由：例。\n形式: news\n話題: sports", (None, "news", "sports", UNPARSEABLE)),  # score missing
    ("理由：例。\n評価: 2\n形式: NEWS\n話題: Sports", (2, "news", "sports", None)),
])
def test_category_keys_parse_only_when_in_the_taxonomy(reply, expected) -> None:
    keys = {axis: Taxonomy.load().keys(axis) for axis in ("format", "topic")}
    p = parse_labels(reply, keys)
    assert (p.score, p.format, p.topic, p.error) == expected
    assert "形式" not in p.justification and "話題" not in p.justification


def test_prompt_without_slot_is_rejected(tmp_path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("文書を評価してください。", encoding="utf-8")
    with pytest.raises(ValueError, match="exactly once"):
        LabelPrompt.load(bad)


def test_render_inserts_document_and_truncates() -> None:
    p = LabelPrompt.load()
    short, cut = p.render("光合成の説明。", 100)
    assert "光合成の説明。" in short and not cut
    doc_with_braces = "本文に {{document}} と書かれていても置き換えない。"
    rendered, _ = p.render(doc_with_braces, 100)
    assert doc_with_braces in rendered
    long_doc = "あ" * 5000
    text, cut = p.render(long_doc, 1000)
    assert cut and TRUNCATION_MARK in text and "あ" * 1000 in text and "あ" * 1001 not in text


def test_token_estimate_counts_ascii_as_quarter_tokens() -> None:
    assert estimate_tokens("日本語") == 3
    assert estimate_tokens("abcd") == 1
    head, cut = truncate_to_tokens("a" * 400 + "日" * 100, 150)
    assert cut and head == "a" * 400 + "日" * 50
    head, cut = truncate_to_tokens("一行目\n" * 100, 50)
    assert cut and head.endswith("一行目") and estimate_tokens(head) <= 50
    assert truncate_to_tokens("", 10) == ("", False)
