"""Small generated Japanese documents of known kinds, for tests and benchmarks.

Not training data for the shipped model: the kind → score mapping below is a
stand-in for LLM labels so that tests and ``bench/bench_edu.py`` can train a throwaway
classifier without an LLM. Sentences are original, written for corpusforge.
"""

from __future__ import annotations

import random
from typing import Iterator

# kind: (score stand-in, sentence templates); {a} {b} are filled from FILLERS
KINDS: dict[str, tuple[int, list[str]]] = {
    "advert": (0, [
        "今だけ{a}が半額！お急ぎください。",
        "送料無料キャンペーン実施中、{b}もまとめてお得に。",
        "会員登録で{a}ポイントを今すぐプレゼント。",
        "人気の{b}は在庫わずか、ご注文はお早めに。",
        "クーポンコードを入力するとさらに割引になります。",
        "限定セールは今夜まで、カートに入れてすぐ購入！",
        "ランキング一位の{a}、レビューも高評価です。",
    ]),
    "diary": (1, [
        "今日は朝から{a}を見に出かけました。",
        "昼ごはんは友だちと{b}を食べて、とてもおいしかったです。",
        "帰りに雨が降ってきて、ちょっと大変でした。",
        "週末は家でのんびり{a}の動画を見て過ごすつもりです。",
        "最近なんだか眠くて、早く寝たいなあと思っています。",
        "次の休みにはまた{b}に行きたいな。",
        "みなさんはどんな一日でしたか？",
    ]),
    "notice": (2, [
        "{a}の営業時間が来月から変更になります。",
        "詳しい日程は{b}のページでお知らせします。",
        "当日は混雑が予想されるため、公共交通機関をご利用ください。",
        "市は{a}に関する説明会を開くと発表しました。",
        "参加を希望する方は、事前に申し込みが必要です。",
        "担当者によると、{b}の利用者は前年より増えているということです。",
        "問い合わせは平日の午前九時から受け付けています。",
    ]),
    "howto": (3, [
        "ここでは{a}の基本的な手順を順番に説明します。",
        "まず、必要な道具として{b}を用意しておきます。",
        "次に、説明書の図を見ながら部品の向きを確認しましょう。",
        "作業の途中で分からなくなったら、一つ前の手順に戻ると原因が見つかります。",
        "最後に全体を点検し、ゆるんでいる部分がないか確かめます。",
        "この方法は{a}だけでなく、ほかの作業にも応用できます。",
        "失敗しやすいポイントを先に知っておくと、作業がずっと楽になります。",
    ]),
    "lesson": (4, [
        "この授業では{a}の仕組みについて学びます。",
        "{a}を理解するためには、まず{b}との関係を押さえることが大切です。",
        "たとえば、身近な例として水が温められて水蒸気になる変化を考えてみましょう。",
        "このとき、物質の粒の動きが激しくなり、粒どうしの間隔が広がります。",
        "教科書の図を見ながら、変化の前と後で何が同じで何が違うのかを整理しましょう。",
        "練習問題として、氷がとけるときに体積がどう変わるかを説明してみてください。",
        "ここまでの内容を自分の言葉でまとめられれば、次の単元の準備は十分です。",
    ]),
    "lecture": (5, [
        "本講義では{a}の基礎理論を定義から出発して体系的に論じる。",
        "まず{b}を公理として認め、そこから導かれる性質を順に証明していく。",
        "定理の証明では、仮定のどこがどの段階で使われているかに注意してほしい。",
        "この結果は、歴史的には十九世紀の研究者たちの議論の中で確立されたものである。",
        "反例を構成してみると、仮定を一つでも外すと結論が成り立たないことが分かる。",
        "演習として、条件を弱めた場合に同様の主張が成り立つかを検討せよ。",
        "以上の議論は、後の章で扱う{a}の応用において中心的な役割を果たす。",
    ]),
}
FILLERS = {
    "a": ["光合成", "電気回路", "江戸時代の産業", "一次関数", "天気の変化", "消化の仕組み", "確率",
          "地層の成り立ち", "ベクトル", "古典文法"],
    "b": ["エネルギー", "比例", "年表", "顕微鏡", "地図帳", "温度計", "辞書", "方眼紙", "資料集", "実験ノート"],
}


def kind_documents(n: int, seed: int = 0, min_chars: int = 300, max_chars: int = 1500) -> Iterator[dict]:
    """``n`` documents ``{id, text, kind, score, source}`` cycling through the kinds."""
    rng = random.Random(seed)
    kinds = sorted(KINDS)
    for i in range(n):
        kind = kinds[i % len(kinds)]
        score, templates = KINDS[kind]
        target = rng.randint(min_chars, max_chars)
        parts: list[str] = []
        size = 0
        while size < target:
            sent = rng.choice(templates).format(a=rng.choice(FILLERS["a"]), b=rng.choice(FILLERS["b"]))
            if rng.random() < 0.15:
                sent += "\n"
            parts.append(sent)
            size += len(sent)
        yield {"id": f"gen:{kind}/{seed}/{i}", "text": "".join(parts)[:max_chars], "kind": kind, "score": score,
               "source": f"gen:{kind}"}
