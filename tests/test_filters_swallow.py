"""The `swallow` preset on documents built to fail one rule each (and a passing one).

Texts are generated from seeded random kanji / kana "words" so that nothing repeats by
accident; each case then adds exactly the defect one Swallow rule looks for. Where two
rules cannot be separated (fewer than 400 characters always means fewer than 400
Japanese letters too), the test names the exact set.
"""

from __future__ import annotations

import random

import pytest

from corpusforge.document import Document
from corpusforge.pipeline import Pipeline

KANJI = [chr(c) for c in range(0x4E00, 0x9FA0)]
HIRAGANA = [chr(c) for c in range(0x3041, 0x3094)]
KATAKANA = [chr(c) for c in range(0x30A1, 0x30F4)]
GOOD_URL = "https://blog.example.jp/2024/05/article.html"


def word(rng: random.Random, kanji: int = 2, kana: int = 2, katakana: int = 0) -> str:
    return ("".join(rng.choice(KANJI) for _ in range(kanji)) + "".join(rng.choice(KATAKANA) for _ in range(katakana))
            + "".join(rng.choice(HIRAGANA) for _ in range(kana)))


def sentence(rng: random.Random, words: int = 7, **kw: int) -> str:
    return "".join(word(rng, **kw) for _ in range(words)) + "。"


def lines(rng: random.Random, n: int, per_line: int = 2, **kw: int) -> list[str]:
    return ["".join(sentence(rng, **kw) for _ in range(per_line)) for _ in range(n)]


def good_text(seed: int = 0, n: int = 10) -> str:
    return "\n".join(lines(random.Random(seed), n))


def run(text: str, url: str = GOOD_URL) -> tuple[bool, str, dict]:
    """(kept, drop_reasons, metadata) of one document through the swallow preset."""
    pipe = Pipeline.from_config("swallow", sections=("filters",))
    dropped: list[str] = []
    doc = Document(id="d", text=text, url=url)
    out = list(pipe.run([doc], on_drop=lambda d, r, s: dropped.append(r)))
    return bool(out), doc.metadata.get("drop_reasons", ""), doc.metadata


def test_good_document_passes_every_rule() -> None:
    kept, reasons, meta = run(good_text())
    assert kept and reasons == ""
    assert meta["q_chars"] >= 400 and meta["q_ja_letters"] >= 400
    assert 20 <= meta["q_avg_sentence_len"] <= 90


def _too_few_ja_letters() -> str:
    text = "\n".join(lines(random.Random(1), 7))[:380]
    return text + "\n" + " ".join(["1234"] * 9)  # 45 more characters, none of them Japanese


def _dup_line_ratio() -> str:
    ls = lines(random.Random(2), 10)
    return "\n".join(ls[:4] + [""] * 6 + ls[4:])  # six empty lines: 5 duplicates of 16 lines


def _dup_sentence_ratio() -> str:
    rng = random.Random(3)
    return "\n".join(line + "はい。" for line in lines(rng, 12))  # short repeated sentences


def _top_2gram() -> str:
    rng = random.Random(4)
    sents = ["".join(rng.choice(KANJI) + rng.choice(KANJI) + "です" for _ in range(5)) + "。" for _ in range(20)]
    return "\n".join(sents[i] + sents[i + 1] for i in range(0, 20, 2))


def _top_3gram() -> str:
    rng = random.Random(5)
    sents = []
    for _ in range(22):
        units = ["".join(rng.choice(KANJI) for _ in range(2)) + "ですよ" for _ in range(6)]
        sents.append("".join(units) + "。")
    return "\n".join(sents[i] + sents[i + 1] for i in range(0, 22, 2))


def _top_4gram() -> str:
    rng = random.Random(6)
    sents = ["".join(rng.choice(KANJI) + rng.choice(KANJI) + "ですから" for _ in range(8)) + "。" for _ in range(10)]
    return "\n".join(sents)


def _dup_5gram() -> str:
    rng = random.Random(7)
    tokens = ["".join(rng.choice(KANJI) for _ in range(3)) + "".join(rng.choice(HIRAGANA) for _ in range(3))
              for _ in range(40)]
    seq = tokens + tokens
    rng.shuffle(seq)
    sents = ["".join(seq[i:i + 5]) + "。" for i in range(0, len(seq), 5)]
    return "\n".join(sents[i] + sents[i + 1] for i in range(0, len(sents), 2))


def _low_hiragana() -> str:
    rng = random.Random(8)
    return "\n".join(lines(rng, 10, kanji=4, kana=0, katakana=0)).replace("。", "の。")


def _high_katakana() -> str:
    return "\n".join(lines(random.Random(9), 10, kanji=0, kana=2, katakana=4))


def _low_ja_ratio() -> str:
    rng = random.Random(10)
    english = [" ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 8)))
                        for _ in range(7)) for _ in range(16)]
    return "\n".join(lines(rng, 9) + english)


def _avg_too_short() -> str:
    rng = random.Random(11)
    return "\n".join("".join(sentence(rng, words=3) for _ in range(4)) for _ in range(12))


def _avg_too_long() -> str:
    rng = random.Random(12)
    return "\n".join(sentence(rng, words=25) for _ in range(6))


def _sentence_too_long() -> str:
    rng = random.Random(1013)
    return good_text(13) + "\n" + sentence(rng, words=55)


def _ellipsis() -> str:
    rng = random.Random(14)
    ls = lines(rng, 12)
    return "\n".join(line[:-1] + "…" if i % 2 == 0 else line for i, line in enumerate(ls))


def _ng_ratio() -> str:
    rng = random.Random(15)
    ls = lines(rng, 9)
    ng = ["アダルト動画", "無修正", "援助交際", "出会い系", "デリヘル", "ソープランド", "痴漢動画"]
    return "\n".join(f"{line[:20]}の{w}が{line[20:]}" if i < len(ng) else line
                     for i, (line, w) in enumerate(zip(ls, ng + [""] * 9)))


ONE_RULE_CASES = {
    "too_few_ja_letters": _too_few_ja_letters,
    "dup_line_ratio": _dup_line_ratio,
    "dup_sentence_ratio": _dup_sentence_ratio,
    "top_2gram_ratio": _top_2gram,
    "top_3gram_ratio": _top_3gram,
    "top_4gram_ratio": _top_4gram,
    "dup_5gram_ratio": _dup_5gram,
    "low_hiragana_ratio": _low_hiragana,
    "high_katakana_ratio": _high_katakana,
    "low_ja_ratio": _low_ja_ratio,
    "avg_sentence_too_short": _avg_too_short,
    "avg_sentence_too_long": _avg_too_long,
    "sentence_too_long": _sentence_too_long,
    "ellipsis_sentences": _ellipsis,
    "ng_ratio": _ng_ratio,
}


@pytest.mark.parametrize("reason", sorted(ONE_RULE_CASES))
def test_document_failing_exactly_one_rule(reason: str) -> None:
    kept, reasons, meta = run(ONE_RULE_CASES[reason]())
    assert not kept
    assert reasons == reason, {k: v for k, v in meta.items() if k.startswith("q_")}


@pytest.mark.parametrize("url,reason", [
    ("https://hayabusa.5ch.net/test/read.cgi/news/1/", "blocked_host"),
    ("https://ja.wikipedia.org/wiki/%E6%9D%B1%E4%BA%AC", "blocked_host"),
    ("https://www.adult-videos.example/watch?v=1", "blocked_domain"),
    ("http://m.cheap-shop.example/item/3", "blocked_domain"),
])
def test_host_rules_alone(url: str, reason: str) -> None:
    kept, reasons, meta = run(good_text(), url)
    assert not kept and reasons == reason


def test_short_text_fails_both_length_rules() -> None:
    kept, reasons, _ = run(good_text(n=3))
    assert not kept and reasons == "too_few_chars,too_few_ja_letters"


def test_repeated_long_line_is_reported_first_by_the_line_rule() -> None:
    ls = lines(random.Random(16), 8)
    kept, reasons, _ = run("\n".join(ls + ls[:3]))
    assert not kept
    assert reasons.split(",")[0] == "dup_line_char_ratio"
    assert "dup_sentence_char_ratio" in reasons  # a repeated line always repeats its sentences


def test_drop_is_attributed_to_the_first_failing_filter() -> None:
    pipe = Pipeline.from_config("swallow", sections=("filters",))
    seen: list[tuple[str, str]] = []
    doc = Document(id="x", text=_high_katakana(), url=GOOD_URL)
    list(pipe.run([doc], on_drop=lambda d, r, s: seen.append((r, s.name))))
    assert seen == [("high_katakana_ratio", "ScriptRatioFilter")]
    stats = {s.name: s for s in pipe.stats().stages}
    assert stats["ScriptRatioFilter"].counters["fail.high_katakana_ratio"] == 1
    assert stats["DropFailed"].dropped["high_katakana_ratio"] == 1


def test_kept_text_is_cleaned_after_the_rules() -> None:
    base = good_text(17).replace("。", "．", 3).replace("。", "．")
    text = base + "\nCopyright © 2024 Example Inc. All rights reserved."
    kept, reasons, meta = run(text)
    assert kept, reasons
    assert meta["q_kuten_normalized"] is True
    assert meta["q_footer_lines_removed"] == 1
