"""Bad input through every preset: signals stay defined, each document is kept or dropped
with a named reason, nothing raises."""

from __future__ import annotations

import math
import random

import pytest

from corpusforge.document import Document
from corpusforge.pipeline import Pipeline

PRESETS = ("swallow", "llmjp", "default")

BAD_INPUTS = {
    "empty": "",
    "only_spaces": " \n\n\t\u3000 ",
    "only_symbols": "★☆★！！？？……・・・■□■◆◇◆→→→" * 20,
    "only_emoji": "😀🎉🍣👍" * 100,
    "mixed_scripts": ("東京タワーは1958年に完成した。Tokyo Tower was completed in 1958. 서울타워는 높다. "
                      "Башня высокая. 北京的电视塔很高。") * 10,
    "lone_surrogates": "壊れた文字列\ud800です。" * 60 + "\udfff",
    "surrogate_pair_halves": "𠮷野家の\ud842\udfb7野家です。" * 60,
    "half_width_katakana": "ｶﾀｶﾅﾃﾞｶｲﾀﾌﾞﾝｼｮｳﾃﾞｽ｡ｺﾝﾆﾁﾊ､ｾｶｲ｡" * 30,
    "replacement_chars": "文字化けした\ufffd\ufffd\ufffdページです。" * 50,
    "control_chars": "制御文字\x00\x07\x1bを含む\x7fテキスト。" * 50,
    "one_char": "あ",
    "newlines_only": "\n" * 5000,
    "no_newline_long": "これは改行のない長い文章です、" * 3000,
}


def finite(meta: dict) -> bool:
    return all(not (isinstance(v, float) and (math.isnan(v) or math.isinf(v)))
               for k, v in meta.items() if k.startswith("q_"))


@pytest.mark.parametrize("preset", PRESETS)
def test_bad_inputs_are_kept_or_dropped_with_a_reason(preset: str) -> None:
    pipe = Pipeline.from_config(preset, sections=("filters",))
    docs = [Document(id=name, text=text, url="https://example.jp/x") for name, text in BAD_INPUTS.items()]
    reasons: dict[str, str] = {}
    kept = {d.id for d in pipe.run(docs, on_drop=lambda d, r, s: reasons.__setitem__(d.id, r))}
    assert kept | set(reasons) == set(BAD_INPUTS)
    assert not kept & set(reasons)
    for d in docs:
        assert finite(d.metadata), (d.id, d.metadata)
        assert all(isinstance(v, (int, float, str, bool)) for k, v in d.metadata.items() if k.startswith("q_"))
        d.text.encode("utf-8")   # repaired: storable as UTF-8
    for name in ("empty", "only_spaces", "only_symbols", "only_emoji", "one_char", "newlines_only"):
        assert name in reasons, (preset, name)
    assert all(r and r.replace("_", "").isalnum() for r in reasons.values())


def test_swallow_signals_of_empty_text_are_zero_not_nan() -> None:
    pipe = Pipeline.from_config("swallow", sections=("filters",))
    doc = Document(id="e", text="")
    list(pipe.run([doc]))
    m = doc.metadata
    assert m["drop_reasons"].startswith("too_few_chars")
    assert m["q_hiragana_per_ja"] == 0.0 and m["q_avg_sentence_len"] == 0.0 and m["q_max_sentence_len"] == 0
    assert m["q_top_2gram_ratio"] == 0.0 and m["q_dup_10gram_ratio"] == 0.0


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_one_10mb_line_runs_through_every_preset() -> None:
    rng = random.Random(0)
    pool = [chr(c) for c in range(0x3041, 0x3094)] + [chr(c) for c in range(0x4E00, 0x4F00)] + list("abc 123、")
    text = "".join(rng.choices(pool, k=10_000_000))
    for preset in PRESETS:
        pipe = Pipeline.from_config(preset, sections=("filters",))
        reasons: list[str] = []
        doc = Document(id="big", text=text)
        kept = list(pipe.run([doc], on_drop=lambda d, r, s: reasons.append(r)))
        assert not kept and reasons, preset
        assert finite(doc.metadata)
