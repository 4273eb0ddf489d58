"""Compose documents from the sentence banks, deterministically from a ``random.Random``.

A composed document is a list of blocks ``(role, text)`` where role is ``"h"`` (a heading
line), ``"p"`` (a paragraph) or ``"meta"`` (a post header on boards). The plain text is
the block texts joined by newlines; page templates render the blocks as HTML.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

from corpusforge.synth.texts import JA_EDUCATION as edu
from corpusforge.synth.texts import JA_ENCYCLOPEDIA as enc
from corpusforge.synth.texts import JA_WEB as web
from corpusforge.synth.texts import OTHER as oth

JA_KINDS: tuple[str, ...] = (
    "ja_encyclopedia",
    "ja_education",
    "ja_news",
    "ja_blog",
    "ja_qa_board",
    "ja_shop",
    "ja_spam",
    "ja_adult",
    "ja_short",
)

# Relative frequency of each kind among Japanese pages of a crawl (a synthetic choice:
# explanatory pages are a minority of real Japanese CC pages, shops and blogs are many).
JA_KIND_WEIGHTS: dict[str, float] = {
    "ja_encyclopedia": 0.14,
    "ja_education": 0.08,
    "ja_news": 0.15,
    "ja_blog": 0.17,
    "ja_qa_board": 0.10,
    "ja_shop": 0.13,
    "ja_spam": 0.07,
    "ja_adult": 0.05,
    "ja_short": 0.11,
}

# Length band of the explanatory kinds (the brief for the edu classifier seed set).
LONG_KIND_MIN_CHARS = 1500
LONG_KIND_MAX_CHARS = 4000

OTHER_LANGS: tuple[str, ...] = ("en", "zh", "zh_tw", "ko", "de", "fr", "es", "ru")

_TOKEN = re.compile(r"\{([^{}]*)\}|\[([a-z_0-9]+)\]")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?」）]*|[。！？!?]+")


@dataclass
class ComposedDoc:
    """A composed document: kind, title, blocks and a free-form topic label."""

    kind: str
    title: str
    blocks: list[tuple[str, str]]
    topic: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.blocks)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "text": self.text, "topic": self.topic}


def _number_slot(rng: random.Random, name: str) -> str | None:
    if name == "num":
        return str(rng.randint(2, 480))
    if name == "num2":
        return f"{rng.randint(3, 400) * 100:,}"
    if name == "pct":
        return f"{rng.randint(1, 35)}.{rng.randint(0, 9)}"
    if name == "day":
        return str(rng.randint(1, 28))
    if name == "month":
        return str(rng.randint(1, 12))
    if name == "year":
        return str(rng.randint(2012, 2024))
    if name == "small":
        return str(rng.randint(2, 9))
    if name == "years":
        return str(rng.randint(5, 60))
    if name == "rain":
        return str(rng.randint(3, 11) * 10)
    if name == "score":
        return str(rng.randint(0, 9))
    if name == "kw":
        return rng.choice(web.SPAM_KEYWORDS)
    if name == "surname_en":
        return rng.choice(oth.EN_SURNAMES)
    return None


def expand(template: str, rng: random.Random, slots: dict[str, Sequence[str]] | None = None,
           topic: str = "") -> str:
    """Fill ``{a|b}`` alternatives and ``[slot]`` placeholders of a bank sentence."""
    if "{" not in template and "[" not in template:
        return template
    tables = slots if slots is not None else web.SLOTS

    def fill(m: re.Match) -> str:
        if m.group(1) is not None:
            return rng.choice(m.group(1).split("|"))
        name = m.group(2)
        if name == "topic":
            return topic
        value = _number_slot(rng, name)
        if value is not None:
            return value
        table = tables.get(name) or web.SLOTS.get(name) or oth.EN_SLOTS.get(name)
        return rng.choice(table) if table else m.group(0)

    out = _TOKEN.sub(fill, template)
    for _ in range(2):  # an alternative may itself hold a slot: "{[season]|季節}"
        if "[" not in out:
            break
        out = _TOKEN.sub(fill, out)
    return out


def split_sentences(line: str) -> list[str]:
    """Split a line into sentences (Japanese 。！？ and ASCII !? terminators)."""
    parts = [s for s in _SENTENCE.findall(line) if s.strip()]
    return parts or ([line] if line else [])


def _paragraphs(sentences: list[str], rng: random.Random, lo: int, hi: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(sentences):
        k = rng.randint(lo, hi)
        out.append(("p", "".join(sentences[i:i + k])))
        i += k
    return out


def _subset(items: Sequence[str], rng: random.Random, keep: float, first: bool = True) -> list[str]:
    return [s for j, s in enumerate(items) if (first and j == 0) or rng.random() < keep]


def _blocks_len(blocks: list[tuple[str, str]]) -> int:
    return sum(len(t) + 1 for _, t in blocks)


def _fit(blocks: list[tuple[str, str]], lo: int, hi: int) -> list[tuple[str, str]]:
    """Drop trailing blocks (never below ``lo`` characters) until the text fits ``hi``."""
    while _blocks_len(blocks) > hi and len(blocks) > 1 and _blocks_len(blocks[:-1]) >= lo:
        blocks = blocks[:-1]
    while blocks and blocks[-1][0] == "h":
        blocks = blocks[:-1]
    return blocks


# --- explanatory kinds -------------------------------------------------------------

def _encyclopedia(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    topic = rng.choice(enc.ENCYCLOPEDIA_TOPICS)
    name = topic["title"]
    lo = max(LONG_KIND_MIN_CHARS, min_chars or 0)
    hi = max(LONG_KIND_MAX_CHARS, lo + 600)
    target = rng.randint(lo, max(lo, min(hi - 300, lo + 2200)))
    sents = _subset(topic["sentences"], rng, 0.85)
    lead_n = rng.randint(2, 3)
    blocks: list[tuple[str, str]] = [("p", "".join(expand(s, rng, topic=name) for s in sents[:lead_n]))]
    rest = sents[lead_n:]
    headings = topic["sections"][1:] if len(topic["sections"]) > 1 else topic["sections"]
    per = max(1, -(-len(rest) // len(headings)))
    generic = list(enc.ENCYCLOPEDIA_GENERIC)
    rng.shuffle(generic)
    for h_i, heading in enumerate(headings):
        chunk = [expand(s, rng, topic=name) for s in rest[h_i * per:(h_i + 1) * per]]
        if not chunk:
            continue
        if generic and rng.random() < 0.6:
            chunk.insert(rng.randint(0, len(chunk)), expand(generic.pop(), rng, topic=name))
        blocks.append(("h", heading))
        blocks.extend(_paragraphs(chunk, rng, 2, 4))
    same_field = [t for t in enc.ENCYCLOPEDIA_TOPICS if t["field"] == topic["field"] and t is not topic]
    others = [t for t in enc.ENCYCLOPEDIA_TOPICS if t["field"] != topic["field"]]
    rng.shuffle(same_field)
    rng.shuffle(others)
    related = same_field + others
    while _blocks_len(blocks) < target and related:
        rel = related.pop(0)
        heading = f"{rng.choice(enc.ENCYCLOPEDIA_RELATED_HEADINGS)}：{rel['title']}"
        chunk = [expand(s, rng, topic=rel["title"]) for s in _subset(rel["sentences"], rng, 0.6)]
        if generic and rng.random() < 0.5:
            chunk.append(expand(generic.pop(), rng, topic=rel["title"]))
        blocks.append(("h", heading))
        blocks.extend(_paragraphs(chunk, rng, 2, 4))
    blocks = _fit(blocks, lo, hi)
    title = rng.choice([name, name, f"{name}とは", f"{name}（{topic['field']}）", f"{name}の基礎知識", f"{name} - わかりやすい解説"])
    return ComposedDoc("ja_encyclopedia", title, blocks, topic=f"{topic['field']}:{topic['key']}")


def _exercise(kind: str, rng: random.Random, k: int) -> list[str]:
    if kind == "fraction":
        b, d = rng.choice([(2, 3), (3, 4), (2, 5), (4, 6), (3, 5), (5, 6), (4, 3), (6, 8)])
        a, c = rng.randint(1, b - 1) if b > 1 else 1, rng.randint(1, d - 1) if d > 1 else 1
        if rng.random() < 0.5:
            total = Fraction(a, b) + Fraction(c, d)
            return [f"問題{k}　{a}/{b}＋{c}/{d}を計算しましょう。",
                    f"答え　通分して計算すると{total.numerator}/{total.denominator}になります。"]
        x, y = (Fraction(a, b), Fraction(c, d))
        if x < y:
            (a, b, c, d, x, y) = (c, d, a, b, y, x)
        diff = x - y
        return [f"問題{k}　{a}/{b}から{c}/{d}をひくといくつになりますか。",
                f"答え　{diff.numerator}/{diff.denominator}です。分母をそろえてから分子をひきます。"]
    if kind == "percent":
        price = rng.randint(8, 60) * 100
        off = rng.randint(1, 5)
        pay = price * (10 - off) // 10
        return [f"問題{k}　定価{price}円の品物が{off}割引きで売られています。代金はいくらですか。",
                f"答え　{price}×（1−0.{off}）で、{pay}円になります。"]
    if kind == "equation":
        a, x, b = rng.randint(2, 9), rng.randint(1, 12), rng.randint(1, 20)
        return [f"問題{k}　方程式 {a}x＋{b}＝{a * x + b} を解きましょう。",
                f"答え　{b}を移項して{a}x＝{a * x}、両辺を{a}でわって x＝{x} となります。"]
    if kind == "area":
        base, height = rng.randint(3, 20), rng.randint(2, 15)
        if rng.random() < 0.5:
            return [f"問題{k}　底辺{base}cm、高さ{height}cmの三角形の面積を求めましょう。",
                    f"答え　{base}×{height}÷2で、{base * height / 2:g}平方センチメートルです。"]
        return [f"問題{k}　底辺{base}cm、高さ{height}cmの平行四辺形の面積を求めましょう。",
                f"答え　{base}×{height}で、{base * height}平方センチメートルです。"]
    return []


def _education(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    lesson = rng.choice(edu.LESSON_TOPICS)
    name = lesson["title"]
    lo = max(LONG_KIND_MIN_CHARS, min_chars or 0)
    hi = max(LONG_KIND_MAX_CHARS, lo + 600)
    target = rng.randint(lo, max(lo, min(hi - 300, lo + 1800)))
    generic = list(edu.LESSON_GENERIC)
    rng.shuffle(generic)
    blocks: list[tuple[str, str]] = [("p", expand(edu.LESSON_GENERIC[0], rng, topic=name))]
    heads = list(edu.LESSON_SECTION_HEADINGS)
    blocks.append(("h", heads[0]))
    sents = [expand(s, rng, topic=name) for s in _subset(lesson["sentences"], rng, 0.75)]
    blocks.extend(_paragraphs(sents, rng, 2, 3))
    k = 1
    others = [t for t in edu.LESSON_TOPICS if t is not lesson]
    rng.shuffle(others)
    while _blocks_len(blocks) < target:
        if lesson["exercise"] and k <= 12:
            blocks.append(("h", rng.choice(["練習問題", "やってみよう", "考えてみよう"])))
            if generic:
                blocks.append(("p", expand(generic.pop(), rng, topic=name)))
            for _ in range(rng.randint(2, 4)):
                blocks.append(("p", "".join(_exercise(lesson["exercise"], rng, k))))
                k += 1
        elif others:
            extra = others.pop()
            blocks.append(("h", f"{rng.choice(['もっと知りたい', '発展', 'ほかの単元とのつながり'])}：{extra['title']}"))
            blocks.extend(_paragraphs([expand(s, rng, topic=extra["title"]) for s in _subset(extra["sentences"], rng, 0.55)], rng, 2, 3))
        else:
            break
    closing = [("h", rng.choice(["まとめ", "ふり返り"])),
               ("p", "".join(expand(s, rng, topic=name) for s in generic[:2]))]
    room = _blocks_len(closing)
    blocks = _fit(blocks, lo - room, hi - room) + closing
    title = rng.choice([name, f"【{lesson['subject']}】{name}", f"{lesson['subject']}の学習：{name}",
                        f"よくわかる{name}", f"{name}をやさしく解説"])
    return ComposedDoc("ja_education", title, blocks, topic=f"{lesson['subject']}:{lesson['key']}")


# --- web kinds ------------------------------------------------------------------------

def _extend_to(blocks: list[tuple[str, str]], min_chars: int | None, more: Callable[[], list[tuple[str, str]]]) -> None:
    guard = 0
    while min_chars and _blocks_len(blocks) < min_chars and guard < 200:
        blocks.extend(more())
        guard += 1


def _news_slots(rng: random.Random) -> dict[str, Sequence[str]]:
    shared = {k: [rng.choice(web.SLOTS[k])] for k in ("city", "pref", "company", "team", "surname", "given")}
    shared["day"] = [str(rng.randint(1, 28))]
    shared["month"] = [str(rng.randint(1, 12))]
    return {**web.SLOTS, **shared}


def _news(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    cat = rng.choice(web.NEWS_CATEGORIES)
    story = rng.choice(cat["stories"])
    slots = _news_slots(rng)
    if rng.random() < 0.45:
        # A portal's digest page: several short items from different desks.
        title = rng.choice(["今日のニュース", "ニュース一覧", "主なニュース", "地域のニュース",
                            f"{slots['month'][0]}月{slots['day'][0]}日のニュース"])
        stories = [s for c in web.NEWS_CATEGORIES for s in c["stories"]]
        blocks: list[tuple[str, str]] = []
        for item in rng.sample(stories, rng.randint(3, 6)):
            item_slots = _news_slots(rng)
            blocks.append(("h", expand(rng.choice(item["headlines"]), rng, item_slots)))
            blocks.append(("p", "".join(expand(x, rng, item_slots) for x in _subset(item["sentences"], rng, 0.35))))
        topic = "news:digest"
    else:
        title = expand(rng.choice(story["headlines"]), rng, slots)
        sents = [expand(x, rng, slots) for x in _subset(story["sentences"], rng, 0.8)]
        if rng.random() < 0.5:
            sents.append(expand(rng.choice(web.NEWS_GENERIC), rng, slots))
        blocks = _paragraphs(sents, rng, 1, 2)
        topic = f"news:{cat['key']}"

    def more() -> list[tuple[str, str]]:
        other = rng.choice(rng.choice(web.NEWS_CATEGORIES)["stories"])
        other_slots = _news_slots(rng)
        return [("h", expand(rng.choice(other["headlines"]), rng, other_slots))] + _paragraphs(
            [expand(x, rng, other_slots) for x in _subset(other["sentences"], rng, 0.8)], rng, 1, 2)

    _extend_to(blocks, min_chars, more)
    return ComposedDoc("ja_news", title, blocks, topic=topic)


def _blog(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    topic = rng.choice(web.BLOG_TOPICS)
    slots = {**web.SLOTS, **{k: [rng.choice(web.SLOTS[k])] for k in ("pet", "petname", "place", "pref", "hobby", "food", "book")},
             "small": [str(rng.randint(2, 9))]}
    title = expand(rng.choice(topic["titles"]), rng, slots)
    sents = [expand(rng.choice(web.BLOG_OPENERS), rng, slots)]
    sents += [expand(s, rng, slots) for s in _subset(topic["sentences"], rng, 0.6)]
    if rng.random() < 0.5:
        second = rng.choice(web.BLOG_TOPICS)
        extra = [expand(s, rng, slots) for s in _subset(second["sentences"], rng, 0.4, first=False)]
        if second is not topic and extra:
            extra[0] = rng.choice(["話は変わりますが、", "それから、", "ところで、"]) + extra[0]
            sents += extra
    sents.append(expand(rng.choice(web.BLOG_CLOSERS), rng, slots))
    blocks = _paragraphs(sents, rng, 1, 3)

    def more() -> list[tuple[str, str]]:
        t = rng.choice(web.BLOG_TOPICS)
        return _paragraphs([expand(s, rng, slots) for s in _subset(t["sentences"], rng, 0.6, first=False)], rng, 1, 3)

    _extend_to(blocks, min_chars, more)
    return ComposedDoc("ja_blog", title, blocks, topic=f"blog:{topic['key']}")


_WEEKDAYS = "月火水木金土日"


def _post_header(rng: random.Random, n: int, stamp: list[int]) -> str:
    """A 2ch-style post header; ``stamp`` = [year, month, day, minute-of-day] advances per post."""
    stamp[3] += rng.randint(0, 180)
    while stamp[3] >= 1440:
        stamp[3] -= 1440
        stamp[2] += 1
        if stamp[2] > 28:
            stamp[2], stamp[1] = 1, stamp[1] + 1
            if stamp[1] > 12:
                stamp[1], stamp[0] = 1, stamp[0] + 1
    y, m, d, minute = stamp
    wd = _WEEKDAYS[(y * 3 + m * 5 + d) % 7]
    pid = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(8))
    return (f"{n} 名前：{rng.choice(web.SLOTS['handle'])} 投稿日：{y}/{m:02d}/{d:02d}({wd}) "
            f"{minute // 60:02d}:{minute % 60:02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 99):02d} ID:{pid}")


def _qa_board(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    thread = rng.choice(web.QA_THREADS)
    title = expand(thread["title"], rng)
    date = [rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 1439)]
    blocks: list[tuple[str, str]] = []
    if rng.random() < 0.7:
        blocks.append(("meta", _post_header(rng, 1, date)))
        blocks.append(("p", "".join(thread["question"])))
        answers = list(thread["answers"])
        rng.shuffle(answers)
        n_posts = rng.randint(6, 28)
        n = 2
        while n <= n_posts or (min_chars and _blocks_len(blocks) < min_chars and n < 1000):
            if answers and rng.random() < 0.5:
                body = answers.pop()
            else:
                body = rng.choice(web.QA_GENERIC_REPLIES)
            if n > 2 and rng.random() < 0.3:
                body = f">>{rng.randint(1, n - 1)}　{body}"
            blocks.append(("meta", _post_header(rng, n, date)))
            blocks.append(("p", body))
            n += 1
        topic = "qa:2ch"
    else:
        blocks.append(("h", "質問"))
        blocks.append(("p", expand(rng.choice(web.QA_CHIEBUKURO_OPENERS), rng) + "".join(thread["question"])
                       + expand(rng.choice(web.QA_CHIEBUKURO_CLOSERS[:2]), rng)))
        answers = list(thread["answers"])
        rng.shuffle(answers)
        for a_i in range(rng.randint(2, 5)):
            blocks.append(("h", "ベストアンサー" if a_i == 0 else f"回答{a_i + 1}"))
            picked = [answers.pop() for _ in range(min(len(answers), rng.randint(1, 2)))]
            blocks.append(("p", "".join(picked) or rng.choice(web.QA_GENERIC_REPLIES) + "。"))
        _extend_to(blocks, min_chars, lambda: [("h", "その他の回答"), ("p", rng.choice(web.QA_GENERIC_REPLIES) + "。" + rng.choice(thread["answers"]))])
        topic = "qa:chiebukuro"
    return ComposedDoc("ja_qa_board", title, blocks, topic=topic)


def _yen(v: int) -> str:
    return f"{v:,}円"


def _shop(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    item, color = rng.choice(web.SLOTS["item"]), rng.choice(web.SLOTS["color"])
    brand = rng.choice(web.SLOTS["company"])
    title = rng.choice([f"{item}（{color}）", f"【送料無料】{item} {color}", f"{brand} {item}", f"{item} 人気 おすすめ {color}"])
    price = rng.randint(5, 300) * 100 - rng.choice([0, 2, 20])
    blocks: list[tuple[str, str]] = [
        ("p", f"価格：{_yen(price)}（税込）" + rng.choice(["　送料無料", "　送料別", "　ポイント10倍", ""])),
    ]
    labels = rng.sample(web.SHOP_LABELS, rng.randint(2, 5))
    blocks.append(("p", "　".join(labels)))
    desc = rng.sample(web.SHOP_DESCRIPTIONS, rng.randint(3, 7))
    blocks.extend(_paragraphs([expand(s, rng) for s in desc], rng, 1, 3))
    for key in rng.sample(web.SHOP_SPEC_KEYS, rng.randint(2, 5)):
        value = {"サイズ": f"幅{rng.randint(5, 60)}cm×高さ{rng.randint(5, 60)}cm", "重さ": f"約{rng.randint(50, 2000)}g",
                 "素材": rng.choice(["綿100％", "ステンレス", "ポリエステル", "天然木", "陶器", "アルミニウム"]),
                 "原産国": rng.choice(["日本", "中国", "ベトナム", "タイ"]), "カラー": color,
                 "セット内容": "本体、取扱説明書", "お手入れ方法": rng.choice(["手洗いしてください。", "乾いた布で拭いてください。"]),
                 "保証期間": f"{rng.randint(1, 3)}年"}[key]
        blocks.append(("p", f"{key}：{value}"))
    if rng.random() < 0.7:
        blocks.append(("h", f"レビュー（{rng.randint(1, 400)}件）"))
        for review in rng.sample(web.SHOP_REVIEWS, rng.randint(1, 4)):
            stars = rng.randint(3, 5)
            blocks.append(("p", "★" * stars + "☆" * (5 - stars) + "　" + review))

    def more() -> list[tuple[str, str]]:
        return [("p", expand(rng.choice(web.SHOP_DESCRIPTIONS), rng) + rng.choice(web.SHOP_REVIEWS))]

    _extend_to(blocks, min_chars, more)
    return ComposedDoc("ja_shop", title, blocks, topic=f"shop:{item}", extra={"price": price})


def _spam(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    kws = rng.sample(web.SPAM_KEYWORDS, 6)
    title = " ".join(kws[:rng.randint(3, 6)])
    lines = [expand(rng.choice(web.SPAM_SENTENCES), rng) for _ in range(rng.randint(8, 30))]
    blocks = [("p", line) for line in lines]
    _extend_to(blocks, min_chars, lambda: [("p", expand(rng.choice(web.SPAM_SENTENCES), rng))])
    return ComposedDoc("ja_spam", title, blocks, topic="spam")


def _adult(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    title = rng.choice(["【18禁】アダルト情報まとめ", "無料出会い系サイト比較", "エロ動画ランキング", "大人の出会い掲示板",
                        "アダルトグッズ専門店", "人妻と出会える掲示板"])
    sents = rng.sample(web.ADULT_SENTENCES, rng.randint(3, 8))
    blocks = [("p", expand(s, rng)) for s in sents]
    for _ in range(rng.randint(1, 4)):
        blocks.insert(rng.randint(0, len(blocks)), ("p", "　".join(rng.sample(web.ADULT_KEYWORDS, rng.randint(3, 7)))))
    _extend_to(blocks, min_chars, lambda: [("p", expand(rng.choice(web.ADULT_SENTENCES), rng))])
    return ComposedDoc("ja_adult", title, blocks, topic="adult")


def _short(rng: random.Random, min_chars: int | None) -> ComposedDoc:
    site = rng.choice(web.SLOTS["site"])
    slots = {**web.SLOTS, "site": [site]}
    lines = [expand(s, rng, slots) for s in rng.sample(web.SHORT_PAGES, rng.randint(1, 2))]
    if rng.random() < 0.7:
        lines.append(expand(rng.choice(["最終更新：[year]年[month]月[day]日", "[site]", "お問い合わせ：[site]事務局　[surname]",
                                        "[year]年[month]月[day]日掲載", "担当：[surname]"]), rng, slots))
    blocks = [("p", line) for line in lines]
    _extend_to(blocks, min_chars, lambda: [("p", expand(rng.choice(web.SHORT_PAGES), rng, slots))])
    return ComposedDoc("ja_short", rng.choice([site, f"{site}｜お知らせ", "お知らせ"]), blocks, topic="short")


_COMPOSERS: dict[str, Callable[[random.Random, int | None], ComposedDoc]] = {
    "ja_encyclopedia": _encyclopedia,
    "ja_education": _education,
    "ja_news": _news,
    "ja_blog": _blog,
    "ja_qa_board": _qa_board,
    "ja_shop": _shop,
    "ja_spam": _spam,
    "ja_adult": _adult,
    "ja_short": _short,
}


def pick_ja_kind(rng: random.Random, kinds: Sequence[str] | None = None) -> str:
    """Draw a Japanese page kind by ``JA_KIND_WEIGHTS`` (restricted to ``kinds``)."""
    pool = list(kinds) if kinds else list(JA_KINDS)
    return rng.choices(pool, weights=[JA_KIND_WEIGHTS[k] for k in pool])[0]


def compose_japanese(kind: str, rng: random.Random, min_chars: int | None = None) -> ComposedDoc:
    """One Japanese document of ``kind``; ``min_chars`` makes every kind at least that long."""
    if kind not in _COMPOSERS:
        raise ValueError(f"unknown Japanese kind {kind!r}; known: {', '.join(JA_KINDS)}")
    return _COMPOSERS[kind](rng, min_chars)


def japanese_documents(n: int, seed: int = 0, kinds: Sequence[str] | None = None,
                       min_chars: int | None = None, *, max_jaccard: float | None = None) -> list[dict]:
    """``n`` deterministic Japanese documents (``kind``, ``title``, ``text``, ``topic``).

    For colleagues' tests and seed sets: the same arguments give the same list. ``kinds``
    restricts the mix (weights of ``JA_KIND_WEIGHTS``); ``min_chars`` lengthens every kind
    to at least that. Documents of one topic share bank sentences; with ``max_jaccard``
    (e.g. 0.5) a draw whose character 5-gram Jaccard to an earlier document exceeds it is
    replaced by a fresh draw (exact check), so the list holds no unplanted near duplicates;
    a ``ValueError`` says when the banks cannot give ``n`` such documents (at 0.5 every kind
    gives 2,000 except ``ja_short``, about 600: short notices are alike by nature).
    Without ``max_jaccard`` document ``i`` does not depend on ``n``.
    """
    if kinds is not None:
        unknown = [k for k in kinds if k not in JA_KINDS]
        if unknown:
            raise ValueError(f"unknown Japanese kinds {unknown}; known: {', '.join(JA_KINDS)}")
    from corpusforge.synth.similarity import SimilarityIndex

    index = SimilarityIndex() if max_jaccard is not None else None
    out: list[dict] = []
    for i in range(n):
        for attempt in range(60):
            rng = random.Random(f"corpusforge-ja:{seed}:{i}" + (f":{attempt}" if attempt else ""))
            doc = compose_japanese(pick_ja_kind(rng, kinds), rng, min_chars).as_dict()
            if index is None:
                break
            _, score = index.nearest(doc["text"])
            if score <= max_jaccard:
                index.add(i, doc["text"])
                break
        else:
            raise ValueError(f"could not draw document {i} with Jaccard <= {max_jaccard} to the earlier ones; "
                             "ask for fewer documents, more kinds or a higher max_jaccard")
        out.append(doc)
    return out


# --- near duplicates ------------------------------------------------------------------

_EN_FILLERS = ["Updated on [month]/[day]/[year].", "This article was first published elsewhere.",
               "Some details have changed since then.", "Photos are for illustration only.",
               "Thanks to our readers for their suggestions.", "Prices may vary by region.",
               "We have corrected a small error in an earlier version.", "Share your thoughts in the comments."]
_KANA = re.compile(r"[\u3041-\u30ff]")


def near_duplicate(text: str, edit_fraction: float, rng: random.Random) -> str:
    """A near copy of ``text`` with about ``edit_fraction`` of its sentences edited.

    Each edit deletes a sentence, replaces it, or inserts a new one after it (a re-posted
    page with a note added, a sentence dropped, a correction). Paragraph breaks are kept.
    ``edit_fraction == 0`` returns the text unchanged.
    """
    if not 0.0 <= edit_fraction <= 1.0:
        raise ValueError("edit_fraction must be within [0, 1]")
    lines = text.split("\n")
    units = [(li, s) for li, line in enumerate(lines) for s in split_sentences(line)]
    n = len(units)
    if n == 0 or edit_fraction == 0.0:
        return text
    k = min(n, max(1, round(edit_fraction * n)))
    japanese = bool(_KANA.search(text))
    bank = web.JA_NEAR_DUP_FILLERS if japanese else _EN_FILLERS
    existing = {s for _, s in units}

    def filler() -> str:
        for _ in range(20):
            s = expand(rng.choice(bank), rng)
            if s not in existing:
                existing.add(s)
                return s
        return expand(rng.choice(bank), rng) + ("（再掲）" if japanese else " (repost)")

    ops: dict[int, str] = {i: rng.choice(("delete", "replace", "insert")) for i in rng.sample(range(n), k)}
    if n - sum(1 for o in ops.values() if o == "delete") == 0:
        ops[min(ops)] = "replace"
    new_lines: list[list[str]] = [[] for _ in lines]
    for i, (li, sentence) in enumerate(units):
        op = ops.get(i)
        if op == "delete":
            continue
        if op == "replace":
            new_lines[li].append(filler())
            continue
        new_lines[li].append(sentence)
        if op == "insert":
            new_lines[li].append(filler())
    out = ["".join(parts) if parts else (lines[li] if not split_sentences(lines[li]) else "") for li, parts in enumerate(new_lines)]
    return "\n".join(line for line in out if line)


# --- other languages ------------------------------------------------------------------

def compose_other(lang: str, rng: random.Random) -> ComposedDoc:
    """A simple non-Japanese article (the bulk of a crawl)."""
    if lang == "en":
        topic = rng.choice(sorted(oth.EN_TOPICS))
        slots = {**oth.EN_SLOTS, **{k: [rng.choice(v)] for k, v in oth.EN_SLOTS.items()}}
        title = expand(rng.choice(oth.EN_TITLES[topic]), rng, slots)
        sents = [expand(s, rng, slots) for s in _subset(oth.EN_TOPICS[topic], rng, 0.75)]
        if rng.random() < 0.4:
            second = rng.choice(sorted(oth.EN_TOPICS))
            sents += [expand(s, rng, slots) for s in _subset(oth.EN_TOPICS[second], rng, 0.3, first=False)]
        return ComposedDoc("en_article", title, _paragraphs([s + " " for s in sents], rng, 2, 4), topic=f"en:{topic}")
    bank, titles, kind, sep = {
        "zh": (oth.ZH_SENTENCES, oth.ZH_TITLES, "zh", ""),
        "zh_tw": (oth.ZH_TW_SENTENCES, oth.ZH_TW_TITLES, "zh_tw", ""),
        "ko": (oth.KO_SENTENCES, oth.KO_TITLES, "ko", " "),
        "de": (oth.DE_SENTENCES, oth.EURO_TITLES["de"], "de", " "),
        "fr": (oth.FR_SENTENCES, oth.EURO_TITLES["fr"], "fr", " "),
        "es": (oth.ES_SENTENCES, oth.EURO_TITLES["es"], "es", " "),
        "ru": (oth.RU_SENTENCES, oth.EURO_TITLES["ru"], "ru", " "),
    }[lang]
    sents = rng.sample(bank, rng.randint(max(3, len(bank) // 3), len(bank)))
    blocks = [("p", sep.join(sents[i:i + 3]).strip()) for i in range(0, len(sents), 3)]
    return ComposedDoc(kind, rng.choice(titles), blocks, topic=lang)
