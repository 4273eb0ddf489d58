"""Swallow rule filtering speed: the ``swallow`` preset vs a plain per-rule implementation.

Same run, same 2,780-character Japanese documents (the mix of page kinds of
``corpusforge.synth.japanese_documents``: articles, blogs, shops, boards, spam …, with
URLs, some on blocked hosts), one core (this process, CPU time):

* ``corpusforge``: ``Pipeline.from_config("swallow")`` — the whole preset with every
  signal recorded (``RecordAllSignals`` … ``DropFailed``) plus its cleanup mappers;
* ``plain``: the same rules written the straightforward way, one function per rule,
  each re-scanning the text (``Counter`` of string slices per n-gram size, a Python loop
  over characters, a regex pass per line …), in the style of the Swallow Corpus
  reference code. Thresholds are Swallow's published ``apply_v1`` values, word lists and
  blocklists are the preset's files.

Both must reach identical decisions on every document: kept / dropped and the full
list of failed rules, in the same order. The target is ≥ 900 documents/s/core for the
preset (5x the ≈180 documents/s/core measured for the Swallow reference code).

    .venv/bin/python bench/bench_filters.py [--docs 2000] [--seed 0] [--repeat 3] [--all-presets]
"""

from __future__ import annotations

import argparse
import collections
import platform
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpusforge.document import Document  # noqa: E402
from corpusforge.pipeline import Pipeline  # noqa: E402

DOC_CHARS = 2780
TARGET = 900
WORDLISTS = ["ng_adult.txt", "ng_discrimination.txt", "ng_violence.txt"]
HOSTS = ["5ch.net", "wikipedia.org"]
BLOCKED_CATEGORIES = ["adult", "shopping", "gambling", "dating", "phishing", "malware", "custom"]

# --- documents ---------------------------------------------------------------------------

_FALLBACK_SENTENCES = [
    "今日は朝から雨が降っていたので、駅まで歩くのに少し時間がかかりました。",
    "新しい図書館は駅の近くにあり、平日でも多くの人が本を読みに来ています。",
    "この地域では秋になると山の木々が色づき、観光客でにぎわいます。",
    "研究チームは三年間の調査の結果をまとめ、来月の学会で発表する予定です。",
    "料理教室では、旬の野菜を使った簡単な副菜の作り方を教えてもらいました。",
    "子どもたちは夏休みの自由研究として、川に住む生き物を観察しました。",
]


def bench_documents(n: int, seed: int) -> tuple[list[str], str]:
    """``n`` Japanese documents cut to ``DOC_CHARS`` characters, and where they came from."""
    try:
        from corpusforge.synth import japanese_documents  # type: ignore[attr-defined]
        source = "corpusforge.synth.japanese_documents"
    except ImportError:
        try:
            from corpusforge.synth.compose import japanese_documents  # type: ignore[no-redef]
            source = "corpusforge.synth.compose.japanese_documents"
        except ImportError:
            japanese_documents = None  # type: ignore[assignment]
            source = "bench fallback generator"
    if japanese_documents is not None:
        texts = [d["text"] for d in japanese_documents(n, seed=seed, min_chars=DOC_CHARS)]
    else:
        rng = random.Random(seed)
        texts = []
        for _ in range(n):
            lines = []
            while sum(map(len, lines)) < DOC_CHARS:
                lines.append("".join(rng.choice(_FALLBACK_SENTENCES) for _ in range(rng.randint(1, 4))))
            texts.append("\n".join(lines))
    return [t[:DOC_CHARS] for t in texts], source


def bench_urls(n: int, seed: int) -> list[str]:
    """Mostly ordinary hosts; a few on the Swallow host rules and the example blocklists."""
    rng = random.Random(seed)
    special = ["https://hayabusa.5ch.net/test/read.cgi/news/1", "https://ja.wikipedia.org/wiki/東京",
               "https://www.adult-videos.example/page", "http://cheap-shop.example/item/3",
               "https://sub.online-casino.example/", "https://spam-farm.example/x"]
    return [rng.choice(special) if rng.random() < 0.05 else f"https://site{i % 997}.example.jp/articles/{i}"
            for i in range(n)]


# --- the plain per-rule implementation ------------------------------------------------------

RE_SENTENCE = re.compile(r"[^。．！？!?]+[。．！？!?]?")
RE_KANJI = re.compile(r"[々〇〻\u3400-\u9FFF\uF900-\uFAFF\U00020000-\U0002FFFF]|[\uD840-\uD87F][\uDC00-\uDFFF]")
KATAKANA_EDGE = re.compile("[\u30a1-\u30fa\u30fc\uff66-\uff9f]")
LATIN_EDGE = re.compile("[A-Za-z]")


def plain_paragraphs(text: str) -> list[str]:
    return ["".join(RE_SENTENCE.findall(line)) for line in text.split("\n")]


def plain_sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        out.extend(RE_SENTENCE.findall(line))
    return out


def plain_japanese_letters(text: str) -> tuple[int, int, int]:
    """(hiragana, katakana, Japanese letters) by a loop over characters + a kanji regex."""
    hira = kata = marks = 0
    for c in text:
        o = ord(c)
        if 0x3041 <= o <= 0x3096:
            hira += 1
        elif 0x30A1 <= o <= 0x30FA:
            kata += 1
        elif c in "、，。．！？":
            marks += 1
    kanji = len(RE_KANJI.findall(text))
    return hira, kata, hira + kata + kanji + marks


def plain_duplicates(items: list[str]) -> tuple[float, float]:
    counts = collections.Counter(items)
    dup = sum(f - 1 for f in counts.values())
    dup_chars = sum(len(s) * (f - 1) for s, f in counts.items())
    total = sum(len(s) for s in items)
    return (dup / len(items) if items else 0.0), (dup_chars / total if total else 0.0)


def plain_ngrams(text: str, n: int) -> collections.Counter:
    return collections.Counter(text[i:i + n] for i in range(len(text) - n + 1))


def plain_top_ngram(text: str, n: int) -> float:
    c = plain_ngrams(text, n)
    return c.most_common(1)[0][1] / sum(c.values()) if c else 0.0


def plain_dup_ngram(text: str, n: int) -> float:
    c = plain_ngrams(text, n)
    return sum(1 for f in c.values() if f > 1) / len(c) if c else 0.0


class PlainNG:
    """Longest match from each position, longest candidate first, with katakana / latin edges."""

    def __init__(self, words: list[str]) -> None:
        self.words = set(words)
        self.first_chars = {w[0] for w in words}
        self.lengths = sorted({len(w) for w in words}, reverse=True)

    @staticmethod
    def _edge_ok(text: str, i: int, j: int) -> bool:
        for pat in (KATAKANA_EDGE, LATIN_EDGE):
            if pat.match(text[i]) and i > 0 and pat.match(text[i - 1]):
                return False
            if pat.match(text[j - 1]) and j < len(text) and pat.match(text[j]):
                return False
        return True

    def matched_chars(self, text: str) -> int:
        i, total = 0, 0
        while i < len(text):
            if text[i] not in self.first_chars:
                i += 1
                continue
            for length in self.lengths:
                if (i + length <= len(text) and text[i:i + length] in self.words
                        and self._edge_ok(text, i, i + length)):
                    total += length
                    i += length
                    break
            else:
                i += 1
        return total


def load_plain_lists() -> tuple[PlainNG, dict[str, str]]:
    from corpusforge.filters.wordlists import read_wordlist

    words: list[str] = []
    for name in WORDLISTS:
        words += read_wordlist(ROOT / "filters" / "wordlists" / name)
    blocked: dict[str, str] = {}
    for cat in BLOCKED_CATEGORIES:
        f = ROOT / "filters" / "blocklists" / cat / "domains"
        for line in f.read_text(encoding="utf-8").splitlines():
            line = line.strip().lower()
            if line and not line.startswith("#"):
                blocked[line] = cat
    return PlainNG(words), blocked


def plain_host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def plain_suffix_match(host: str, listed: set[str] | dict[str, str]) -> bool:
    parts = host.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts)))


def plain_decide(text: str, url: str, ng: PlainNG, blocked: dict[str, str]) -> list[str]:
    """Failed rules in the preset's order, Swallow apply_v1 thresholds."""
    failed = []
    host = plain_host(url)
    if plain_suffix_match(host, set(HOSTS)):
        failed.append("blocked_host")
    if plain_suffix_match(host, blocked):
        failed.append("blocked_domain")
    hira, kata, ja = plain_japanese_letters(text)
    if len(text) < 400:
        failed.append("too_few_chars")
    if ja < 400:
        failed.append("too_few_ja_letters")
    p_ratio, p_char_ratio = plain_duplicates(plain_paragraphs(text))
    s_ratio, s_char_ratio = plain_duplicates(plain_sentences(text))
    if p_ratio > 0.30:
        failed.append("dup_line_ratio")
    if s_ratio > 0.30:
        failed.append("dup_sentence_ratio")
    if p_char_ratio > 0.20:
        failed.append("dup_line_char_ratio")
    if s_char_ratio > 0.20:
        failed.append("dup_sentence_char_ratio")
    for n, limit in ((2, 0.20), (3, 0.18), (4, 0.16)):
        if plain_top_ngram(text, n) > limit:
            failed.append(f"top_{n}gram_ratio")
    for n, limit in ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)):
        if plain_dup_ngram(text, n) > limit:
            failed.append(f"dup_{n}gram_ratio")
    hira, kata, ja = plain_japanese_letters(text)
    if (hira / ja if ja else 0.0) < 0.2:
        failed.append("low_hiragana_ratio")
    if (kata / ja if ja else 0.0) > 0.5:
        failed.append("high_katakana_ratio")
    if (ja / len(text) if text else 0.0) < 0.5:
        failed.append("low_ja_ratio")
    sents = plain_sentences(text)
    avg = sum(len(s) for s in sents) / len(sents) if sents else 0.0
    if avg < 20:
        failed.append("avg_sentence_too_short")
    if avg > 90:
        failed.append("avg_sentence_too_long")
    if max((len(s) for s in sents), default=0) > 200:
        failed.append("sentence_too_long")
    ellipsis = sum(1 for s in sents if s.strip().endswith(("・", "…")))
    if (ellipsis / len(sents) if sents else 0.0) > 0.2:
        failed.append("ellipsis_sentences")
    if (ng.matched_chars(text) / ja if ja else 0.0) >= 0.05:
        failed.append("ng_ratio")
    return failed


# --- runs ------------------------------------------------------------------------------------

def run_preset(texts: list[str], urls: list[str]) -> tuple[float, list[list[str]]]:
    pipe = Pipeline.from_config("swallow", sections=("filters",))
    docs = [Document(id=str(i), text=t, url=u) for i, (t, u) in enumerate(zip(texts, urls))]
    by_id: dict[str, list[str]] = {}

    def on_drop(doc: Document, reason: str, stage: object) -> None:
        by_id[doc.id] = doc.metadata["drop_reasons"].split(",")

    t0 = time.process_time()
    for doc in pipe.run(docs, on_drop=on_drop):
        by_id[doc.id] = []
    seconds = time.process_time() - t0
    return seconds, [by_id[str(i)] for i in range(len(texts))]


def run_other_preset(preset: str, texts: list[str], urls: list[str]) -> tuple[float, int]:
    """CPU seconds and kept documents of another preset on the same documents."""
    pipe = Pipeline.from_config(preset, sections=("filters",))
    list(pipe.run([Document(id="w", text=t) for t in texts[:20]]))  # warm-up (MeCab, word lists)
    pipe = Pipeline.from_config(preset, sections=("filters",))
    docs = [Document(id=str(i), text=t, url=u) for i, (t, u) in enumerate(zip(texts, urls))]
    t0 = time.process_time()
    kept = sum(1 for _ in pipe.run(docs))
    return time.process_time() - t0, kept


def run_plain(texts: list[str], urls: list[str]) -> tuple[float, list[list[str]]]:
    ng, blocked = load_plain_lists()
    t0 = time.process_time()
    out = [plain_decide(t, u, ng, blocked) for t, u in zip(texts, urls)]
    return time.process_time() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each; the best is reported")
    ap.add_argument("--all-presets", action="store_true", help="also time the llmjp and default presets")
    args = ap.parse_args(argv)

    texts, source = bench_documents(args.docs, args.seed)
    urls = bench_urls(len(texts), args.seed)
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"documents: {len(texts)} from {source}, mean {mean_len:.0f} characters; "
          f"python {platform.python_version()}, one core (CPU time of this process)\n")

    run_preset(texts[:50], urls[:50])  # warm-up: class table, regex compilation, word lists
    preset_s, preset_dec = min((run_preset(texts, urls) for _ in range(args.repeat)), key=lambda r: r[0])
    plain_s, plain_dec = min((run_plain(texts, urls) for _ in range(args.repeat)), key=lambda r: r[0])

    same = sum(1 for a, b in zip(preset_dec, plain_dec) if a == b)
    kept = sum(1 for d in preset_dec if not d)
    preset_rate, plain_rate = len(texts) / preset_s, len(texts) / plain_s
    print("| implementation | documents | CPU seconds | documents/s/core |")
    print("|---|---:|---:|---:|")
    print(f"| corpusforge `swallow` preset, all signals recorded | {len(texts)} | {preset_s:.2f} "
          f"| {preset_rate:,.0f} |")
    print(f"| plain per-rule implementation (Swallow reference style) | {len(texts)} | {plain_s:.2f} "
          f"| {plain_rate:,.0f} |")
    print(f"\nspeed-up: {preset_rate / plain_rate:.1f}x; identical decisions (kept/dropped and every failed "
          f"rule, in order): {same}/{len(texts)}; kept {kept}/{len(texts)}")
    reasons = collections.Counter(d[0] for d in preset_dec if d)
    print("first reasons: " + ", ".join(f"{r} {c}" for r, c in reasons.most_common()))
    if args.all_presets:
        print("\n| preset (same documents) | CPU seconds | documents/s/core | kept |")
        print("|---|---:|---:|---:|")
        print(f"| swallow | {preset_s:.2f} | {preset_rate:,.0f} | {kept} |")
        for name in ("llmjp", "default"):
            secs, k = min((run_other_preset(name, texts, urls) for _ in range(args.repeat)), key=lambda r: r[0])
            print(f"| {name} | {secs:.2f} | {len(texts) / secs:,.0f} | {k} |")
    ok = same == len(texts) and preset_rate >= TARGET
    if same != len(texts):
        for i, (a, b) in enumerate(zip(preset_dec, plain_dec)):
            if a != b:
                print(f"MISMATCH doc {i}: preset {a} plain {b}", file=sys.stderr)
                break
    print(f"\ntarget >= {TARGET} documents/s/core with identical decisions: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
