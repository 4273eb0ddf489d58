"""Near-duplicate families with known Jaccard similarity, for tests and benchmarks.

A family is a base Japanese document plus variants edited by a controlled fraction of
its sentences (insertions, deletions, replacements) and optionally with its header and
footer boilerplate swapped for another site's. The true Jaccard similarity of any two
texts is computed exactly on the sets of character shingles of the dedup-normalised
text, i.e. on what MinHash estimates. The sentences are composed from small word lists
written for this module, so unrelated documents share few shingles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from corpusforge.dedup.normalize import normalize_for_dedup
from corpusforge.dedup.stages import MinHashSignatures
from corpusforge.document import Document
from corpusforge.io.atomic import commit
from corpusforge.pipeline import TaskContext

# common kanji and kana to compose pseudo-words from: the space of 2-kanji compounds and
# katakana names is large, so unrelated documents share few 5-grams, as real ones do
_KANJI = ("日本人生大学年中国会社市場時間自分事業者地方公共文化経済政治社会歴史自然科学技術情報"
          "電車駅前町村山川海空雨雪風花木森林田畑米茶酒魚肉野菜果物家族親子友達先生学校病院図書館"
          "公園神社寺城橋道路港島湖池駅店屋工場農園牧場温泉祭花火音楽映画写真絵本新聞雑誌番組料理")
_KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
_VOICED = "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ"
_PARTICLES = ["の", "と", "や"]
_VERBS = ["見学しました", "話を聞きました", "調べました", "確かめました", "味わいました", "まとめました",
          "眺めました", "書きました", "学びました", "計画しました", "集めました", "手伝いました", "質問しました",
          "紹介しました", "試しました", "発表しました", "記録しました", "比べました", "選びました", "届けました"]
_ADVERBS = ["ゆっくりと", "丁寧に", "さっそく", "久しぶりに", "思い切って", "のんびり", "熱心に", "こっそり",
            "毎朝", "週末に", "夕方から", "朝早く", "ひとりで", "家族と一緒に", "雨の日にも", "急いで"]
_REMARKS = ["思ったより人が多くて驚きました。", "次はもっと時間をかけて回りたいです。", "説明がわかりやすかったです。",
            "ぱらぱらと雨が降り出しました。", "ぜひ皆さんにも訪れてほしいと思います。", "係の人がとても親切でした。"]
_HEADERS = ["【お知らせ】当サイトの記事一覧はこちら｜トップページ｜カテゴリ｜お問い合わせ",
            "ホーム ＞ ブログ ＞ おでかけ日記 ＞ 最新の投稿",
            "■地域情報ポータル■ 毎日更新中！ 新着記事・人気記事・ランキング",
            "メニュー：ニュース／コラム／イベント情報／読者の声／サイトについて"]
_FOOTERS = ["Copyright © 地域情報ポータル All Rights Reserved. プライバシーポリシー｜利用規約",
            "この記事へのコメント（0件）｜トラックバック｜前の記事へ｜次の記事へ",
            "ログイン｜会員登録｜よくある質問｜運営会社｜サイトマップ",
            "※掲載内容は取材時点のものです。最新情報は各施設にお問い合わせください。"]


def _noun(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return "".join(rng.choice(_KANJI) for _ in range(2))
    if r < 0.85:
        return "".join(rng.choice(_KATAKANA + _VOICED) for _ in range(rng.randint(3, 5)))
    return "".join(rng.choice(_KANJI) for _ in range(3))


def japanese_sentence(rng: random.Random) -> str:
    """One sentence of random pseudo-words in a Japanese frame (high shingle diversity)."""
    head = f"{_noun(rng)}{rng.choice(_PARTICLES)}{_noun(rng)}"
    s = f"{head}では、{_noun(rng)}が{_noun(rng)}を{rng.choice(_ADVERBS)}{rng.choice(_VERBS)}。"
    if rng.random() < 0.25:
        s += f"{rng.randint(1, 31)}日は{_noun(rng)}でした。"
    if rng.random() < 0.15:
        s += rng.choice(_REMARKS)
    return s


def japanese_text(rng: random.Random, chars: int = 2000) -> str:
    """Sentences joined into paragraphs until the text has about ``chars`` characters."""
    lines, size, para = [], 0, []
    while size < chars:
        s = japanese_sentence(rng)
        para.append(s)
        size += len(s)
        if len(para) >= rng.randint(2, 5):
            lines.append("".join(para))
            para = []
    if para:
        lines.append("".join(para))
    return "\n".join(lines)


@dataclass
class Page:
    """A document of a family: header, body sentences, footer."""

    header: str
    sentences: list[str]
    footer: str

    @property
    def text(self) -> str:
        body = "".join(self.sentences)
        return "\n".join(p for p in (self.header, body, self.footer) if p)


def make_page(rng: random.Random, chars: int = 2000, boilerplate: bool = True) -> Page:
    sentences: list[str] = []
    while sum(map(len, sentences)) < chars:
        sentences.append(japanese_sentence(rng))
    return Page(rng.choice(_HEADERS) if boilerplate else "", sentences, rng.choice(_FOOTERS) if boilerplate else "")


def edit_page(page: Page, fraction: float, rng: random.Random, swap_boilerplate: bool = False) -> Page:
    """A variant with about ``fraction`` of the sentences deleted, replaced or followed by
    an inserted one; optionally another site's header and footer."""
    sentences = list(page.sentences)
    k = round(fraction * len(sentences))
    for i in sorted(rng.sample(range(len(sentences)), min(k, len(sentences))), reverse=True):
        op = rng.choice(("delete", "replace", "insert"))
        if op == "delete" and len(sentences) > 1:
            del sentences[i]
        elif op == "replace":
            sentences[i] = japanese_sentence(rng)
        else:
            sentences.insert(i + 1, japanese_sentence(rng))
    header, footer = page.header, page.footer
    if swap_boilerplate and header:
        header = rng.choice([h for h in _HEADERS if h != header])
        footer = rng.choice([f for f in _FOOTERS if f != footer])
    return Page(header, sentences, footer)


def shingle_set(text: str, n: int = 5) -> frozenset[str]:
    """The exact character shingles MinHash sees (normalised text; a short text is one)."""
    norm = normalize_for_dedup(text)
    if not norm:
        return frozenset()
    if len(norm) < n:
        return frozenset([norm])
    return frozenset(norm[i:i + n] for i in range(len(norm) - n + 1))


def true_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@dataclass
class FamilyCorpus:
    """Documents (``doc-<family>-<member>``), their family, and exact pair similarities."""

    texts: dict[str, str] = field(default_factory=dict)
    family: dict[str, int] = field(default_factory=dict)
    pair_jaccard: dict[tuple[str, str], float] = field(default_factory=dict)


def make_families(n_families: int, members: int, seed: int = 0, chars: int = 2000,
                  max_edit: float = 0.5, singletons: int = 0, ngram: int = 5) -> FamilyCorpus:
    """``n_families`` families of ``members`` documents each (the base and variants edited by
    a random fraction in [0, ``max_edit``], a third of them with boilerplate swapped), plus
    ``singletons`` unrelated documents. Jaccard is computed for every within-family pair."""
    rng = random.Random(seed)
    corpus = FamilyCorpus()
    for f in range(n_families):
        base = make_page(rng, chars)
        pages = [base] + [edit_page(base, rng.uniform(0.0, max_edit), rng, swap_boilerplate=rng.random() < 0.33)
                          for _ in range(members - 1)]
        ids = [f"doc-{f:04d}-{m:02d}" for m in range(members)]
        shingles = [shingle_set(p.text, ngram) for p in pages]
        for doc_id, page in zip(ids, pages):
            corpus.texts[doc_id] = page.text
            corpus.family[doc_id] = f
        for (i, a), (j, b) in combinations(enumerate(ids), 2):
            corpus.pair_jaccard[(a, b)] = true_jaccard(shingles[i], shingles[j])
    for s in range(singletons):
        doc_id = f"single-{s:05d}"
        corpus.texts[doc_id] = make_page(rng, chars).text
        corpus.family[doc_id] = -1 - s
    return corpus


def write_signature_files(output: str | Path, files: dict[str, list[Document]],
                          minhash: str | dict = "dedup") -> None:
    """Signature files for ``{file key: documents}`` as the extract phase writes them
    (through ``MinHashSignatures`` and a ``TaskContext``), for tests and benchmarks."""

    for key, docs in files.items():
        stage = MinHashSignatures(minhash=minhash)
        ctx = TaskContext(output_dir=Path(output), file_key=key)
        stage.setup(ctx)
        for _ in stage(iter(docs)):
            pass
        stage.finish()
        for tmp, final in ctx.pending:
            commit(tmp, final)
