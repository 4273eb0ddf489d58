"""Tests of the synthetic data generator: texts, WARC layout, ground truth, bad inputs."""

from __future__ import annotations

import difflib
import gzip
import html
import io
import itertools
import math
import random
import re
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpusforge.cli import main as cli_main
from corpusforge.synth import (
    BAD_KINDS,
    JA_KINDS,
    codec_for_label,
    generate_warc,
    japanese_documents,
    near_duplicate,
    read_truth,
    split_sentences,
    write_bad_warc,
)
from corpusforge.synth.texts import DATA_DIR, JA_EDUCATION, JA_ENCYCLOPEDIA, JA_WEB
from corpusforge.synth.pages import CC_MAX_BODY_BYTES, CC_MEDIAN_BODY_BYTES, CC_SIGMA
from corpusforge.synth.similarity import jaccard, shingle_hashes
from corpusforge.synth.warcgen import http_block, serialize_record

KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30fa]")
N_RECORDS = 1500
SEED = 7
JA_CODECS = ("shift_jis", "cp932", "euc_jp", "iso2022_jp")


# --- helpers ----------------------------------------------------------------------------

def responses(path: Path, check_digests: bool = False) -> list[dict]:
    """All response records read with warcio: url, offset, status, headers, body."""
    out = []
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh, check_digests=check_digests)
        for rec in it:
            if rec.rec_type != "response":
                rec.content_stream().read()
                continue
            body = rec.content_stream().read()
            out.append({"url": rec.rec_headers.get_header("WARC-Target-URI"), "offset": it.get_record_offset(),
                        "status": rec.http_headers.get_statuscode(), "http": rec.http_headers, "body": body,
                        "warc": rec.rec_headers, "digest_problems": list(rec.digest_checker.problems)})
    return out


def gzip_members(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, decompressed bytes) of every intact gzip member, skipping junk between them."""
    out, pos = [], 0
    while True:
        start = data.find(b"\x1f\x8b\x08", pos)
        if start < 0:
            return out
        d = zlib.decompressobj(31)
        try:
            raw = d.decompress(data[start:])
        except zlib.error:
            pos = start + 1
            continue
        if not d.eof:
            return out  # a member cut off at the end of the file
        out.append((start, raw))
        pos = len(data) - len(d.unused_data)


def target_uri(record: bytes) -> str | None:
    m = re.search(rb"\r\nWARC-Target-URI: (\S+)\r\n", record[:4000])
    return m.group(1).decode() if m else None


def sentence_edit_fraction(a: str, b: str) -> float:
    """Edited sentences of ``a`` (deleted, replaced or inserted) per sentence of ``a``."""
    sa = [s for line in a.split("\n") for s in split_sentences(line)]
    sb = [s for line in b.split("\n") for s in split_sentences(line)]
    ops = difflib.SequenceMatcher(a=sa, b=sb, autojunk=False).get_opcodes()
    edits = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    return edits / len(sa)


def all_bank_strings() -> list[str]:
    out: list[str] = []

    def walk(o: object) -> None:
        if isinstance(o, str):
            out.append(o)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, (list, tuple)):
            for v in o:
                walk(v)

    for mod in (JA_ENCYCLOPEDIA, JA_EDUCATION, JA_WEB):
        for name, value in vars(mod).items():
            if name.isupper():
                walk(value)
    return out


# --- the Japanese text banks --------------------------------------------------------------

def test_text_banks_are_large_and_encode_in_every_japanese_charset() -> None:
    strings = all_bank_strings()
    sentences = {s for s in strings if s.endswith(("。", "！", "？", "）", "」"))}
    assert len(sentences) >= 700, len(sentences)
    assert len(JA_ENCYCLOPEDIA.ENCYCLOPEDIA_TOPICS) >= 40
    assert sorted(p.name for p in DATA_DIR.glob("*.json")) == ["ja_education.json", "ja_encyclopedia.json",
                                                               "ja_web.json", "other.json"]
    for s in strings:
        for codec in JA_CODECS:
            # © is the one exception: footers carry it and pages write it as a character reference.
            s.replace("©", "").encode(codec)


def test_japanese_documents_are_deterministic_varied_and_japanese() -> None:
    docs = japanese_documents(600, seed=3)
    assert docs == japanese_documents(600, seed=3)
    assert docs != japanese_documents(600, seed=4)
    assert japanese_documents(50, seed=3) == docs[:50]
    assert {d["kind"] for d in docs} == set(JA_KINDS)
    assert len({d["text"] for d in docs}) >= 0.97 * len(docs)
    for d in docs:
        assert set(d) >= {"kind", "title", "text"}
        assert KANA.search(d["text"]), d
        assert not re.search(r"\[[a-z_0-9]+\]|\{[^}]*\|", d["text"]), d["text"]
        if d["kind"] in ("ja_encyclopedia", "ja_education"):
            assert 1500 <= len(d["text"]) <= 4000, (d["kind"], len(d["text"]))
            assert d["text"].count("。") >= 20 and "、" in d["text"]
        if d["kind"] == "ja_short":
            assert len(d["text"]) < 200


def test_japanese_documents_kinds_min_chars_and_bad_kind() -> None:
    docs = japanese_documents(40, seed=1, kinds=["ja_blog", "ja_news"], min_chars=900)
    assert {d["kind"] for d in docs} == {"ja_blog", "ja_news"}
    assert all(len(d["text"]) >= 900 for d in docs)
    with pytest.raises(ValueError):
        japanese_documents(1, kinds=["ja_poetry"])


def test_max_jaccard_leaves_no_unplanted_near_duplicates() -> None:
    docs = japanese_documents(150, seed=5, max_jaccard=0.5)
    sets = [shingle_hashes(d["text"]) for d in docs]
    worst = max(jaccard(a, b) for a, b in itertools.combinations(sets, 2))
    assert worst <= 0.5
    plain = [shingle_hashes(d["text"]) for d in japanese_documents(150, seed=5)]
    assert max(jaccard(a, b) for a, b in itertools.combinations(plain, 2)) > 0.5  # the option is needed


@pytest.mark.parametrize("fraction", [0.05, 0.1, 0.2, 0.3])
def test_near_duplicate_edits_about_the_requested_fraction(fraction: float) -> None:
    docs = japanese_documents(30, seed=11, kinds=["ja_encyclopedia", "ja_education"])
    measured = []
    for k, d in enumerate(docs):
        edited = near_duplicate(d["text"], fraction, random.Random(k))
        assert edited != d["text"]
        assert edited == near_duplicate(d["text"], fraction, random.Random(k))
        measured.append(sentence_edit_fraction(d["text"], edited))
    assert abs(float(np.mean(measured)) - fraction) <= 0.25 * fraction + 0.01, (fraction, np.mean(measured))


def test_near_duplicate_zero_and_invalid() -> None:
    text = japanese_documents(1, seed=2, kinds=["ja_blog"])[0]["text"]
    assert near_duplicate(text, 0.0, random.Random(0)) == text
    with pytest.raises(ValueError):
        near_duplicate(text, 1.5, random.Random(0))


# --- the generated WARC ------------------------------------------------------------------

@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("synth")
    path = d / "crawl.warc.gz"
    summary = generate_warc(path, records=N_RECORDS, seed=SEED, truncate_last=True)
    return {"path": path, "summary": summary, "truth": read_truth(path), "responses": responses(path, check_digests=True)}


@pytest.fixture(scope="module")
def ja_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A Japanese-heavy crawl: many pages per charset, lie pattern and duplicate kind."""
    path = tmp_path_factory.mktemp("synth_ja") / "ja.warc"
    generate_warc(path, records=500, seed=SEED, ja_fraction=0.7, dup_fraction=0.08, near_dup_fraction=0.15)
    return {"path": path, "truth": read_truth(path), "responses": responses(path)}


#: the arguments of the page-weight pair: a Japanese-heavy crawl written at both weights
CC_ARGS = {"records": 320, "seed": SEED, "ja_fraction": 0.35, "dup_fraction": 0.08, "near_dup_fraction": 0.15,
           "truncate_last": True}


@pytest.fixture(scope="module")
def cc_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same crawl at CommonCrawl page weight."""
    path = tmp_path_factory.mktemp("synth_cc") / "cc.warc.gz"
    generate_warc(path, page_weight="cc", **CC_ARGS)
    return {"path": path, "truth": read_truth(path), "responses": responses(path)}


@pytest.fixture(scope="module")
def cc_light_twin(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The crawl of ``cc_crawl`` at light page weight (same name: the warcinfo names the file)."""
    path = tmp_path_factory.mktemp("synth_cc_light") / "cc.warc.gz"
    generate_warc(path, **CC_ARGS)
    return {"path": path, "truth": read_truth(path), "responses": responses(path)}


def test_same_seed_same_bytes_other_seed_other_bytes(crawl: dict, tmp_path: Path) -> None:
    again = tmp_path / crawl["path"].name  # same name: the warcinfo record names the file
    generate_warc(again, records=N_RECORDS, seed=SEED, truncate_last=True)
    assert again.read_bytes() == crawl["path"].read_bytes()
    assert Path(str(again) + ".truth.jsonl").read_bytes() == Path(str(crawl["path"]) + ".truth.jsonl").read_bytes()
    other = tmp_path / "other" / crawl["path"].name
    other.parent.mkdir()
    generate_warc(other, records=N_RECORDS, seed=SEED + 1, truncate_last=True)
    assert other.read_bytes() != crawl["path"].read_bytes()


def test_commoncrawl_layout_and_every_record_parses(crawl: dict) -> None:
    types: list[str] = []
    with open(crawl["path"], "rb") as fh:
        for rec in ArchiveIterator(fh, check_digests=True):
            types.append(rec.rec_type)
            rec.content_stream().read()
    assert types[0] == "warcinfo"
    body = types[1:]
    assert body[: 3 * (N_RECORDS - 1)] == ["request", "response", "metadata"] * (N_RECORDS - 1)
    assert body[3 * (N_RECORDS - 1):] == ["request", "response"]  # the truncated one has no metadata
    assert crawl["summary"]["warc_records"] == 1 + 3 * N_RECORDS - 1
    resp = crawl["responses"]
    assert len(resp) == N_RECORDS == len(crawl["truth"])
    assert all(not r["digest_problems"] for r in resp[:-1])
    for r in resp:
        t = crawl["truth"][r["url"]]
        assert r["offset"] == t["record_offset"]
        assert r["warc"].get_header("WARC-Record-ID") == t["warc_record_id"]
        assert r["http"].protocol == "HTTP/1.1"
        assert int(r["status"]) == t["status"]
        assert r["http"].get_header("Content-Type") == t["content_type"]


def test_truncated_record_is_last_and_really_cut(crawl: dict) -> None:
    last = crawl["responses"][-1]
    t = crawl["truth"][last["url"]]
    assert t["kind"] == "truncated" and t["truncated"]
    assert sum(x["truncated"] for x in crawl["truth"].values()) == 1
    with pytest.raises(EOFError):
        gzip.decompress(crawl["path"].read_bytes())
    assert len(last["body"]) < t["body_bytes"]


def test_serializer_is_byte_identical_to_warcio(crawl: dict) -> None:
    body = "<html><body><p>日本語のページです。</p></body></html>".encode("utf-8")
    headers = [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", str(len(body)))]
    warc_headers = [("WARC-Record-ID", "<urn:uuid:1>"), ("WARC-Date", "2024-02-20T10:00:00Z")]
    cases = [
        ("response", "https://a.jp/x", body, StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
         http_block("200 OK", headers), None),
        ("request", "https://a.jp/x", b"", StatusAndHeaders("GET /x HTTP/1.1", [("Host", "a.jp")], is_http_request=True),
         http_block("GET /x HTTP/1.1", [("Host", "a.jp")], protocol=""), None),
        ("metadata", "https://a.jp/x", b"fetchTimeMs: 12\r\n", None, None, "application/warc-fields"),
        ("warcinfo", "", b"software: x\r\n", None, None, "application/warc-fields"),
    ]
    for rec_type, uri, payload, http_obj, http_bytes, ctype in cases:
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=False)
        record = writer.create_warc_record(uri, rec_type, payload=io.BytesIO(payload), length=len(payload),
                                           http_headers=http_obj, warc_content_type=ctype or "",
                                           warc_headers_dict=dict(warc_headers))
        writer.write_record(record)
        assert serialize_record(rec_type, uri, warc_headers, payload, http=http_bytes) == buf.getvalue(), rec_type


def test_mix_ratios(crawl: dict) -> None:
    rows = list(crawl["truth"].values())
    kinds = Counter(r["kind"] for r in rows)
    ja = sum(1 for r in rows if r["kind"].startswith("ja_"))
    assert abs(ja - round(0.05 * N_RECORDS)) <= 1  # the truncated page may take a Japanese slot
    assert set(JA_KINDS) <= set(kinds)
    for kind, share in (("non_html", 0.04), ("redirect", 0.03), ("not_found", 0.02)):
        assert kinds[kind] == round(share * N_RECORDS)
    assert kinds["en_article"] > 0.5 * N_RECORDS
    for lang in ("zh", "zh_tw", "ko", "de", "fr", "es", "ru", "en_on_ja_site"):
        assert kinds[lang] > 0, lang
    for r in rows:
        if r["kind"].startswith("ja_"):
            assert r["is_japanese"]
        elif r["kind"] not in ("not_found", "truncated"):
            assert not r["is_japanese"], r["kind"]


def test_chinese_pages_have_han_but_no_kana(crawl: dict) -> None:
    n = 0
    for r in crawl["responses"]:
        t = crawl["truth"][r["url"]]
        if t["kind"] in ("zh", "zh_tw") and not t["dup_of"]:
            text = r["body"].decode(t["charset"])
            assert re.search(r"[\u4e00-\u9fff]", text) and not KANA.search(text)
            n += 1
    assert n > 20


@pytest.mark.parametrize("which", ["crawl", "ja_crawl", "cc_crawl"])
def test_bodies_decode_as_the_truth_says_and_hold_the_main_text(which: str, request: pytest.FixtureRequest) -> None:
    crawl = request.getfixturevalue(which)
    seen: Counter = Counter()
    for r in crawl["responses"][:-1]:
        t = crawl["truth"][r["url"]]
        if t["charset"] is None:
            continue
        text = r["body"].decode(t["charset"])  # strict: raises if the truth is wrong
        if t["is_japanese"]:
            seen[t["charset"]] += 1
            page = html.unescape(text)
            for line in t["main_text"].split("\n"):
                assert line in page, (r["url"], line)
        for label in (t["declared_http_charset"], t["declared_meta_charset"]):
            lies = t["http_charset_lies"] if label == t["declared_http_charset"] else t["meta_charset_lies"]
            if label and not lies:
                assert r["body"].decode(codec_for_label(label)) == text
    assert {"utf-8", "shift_jis", "cp932", "euc-jp", "iso-2022-jp"} <= set(seen)
    cp932_only = 0
    for r in crawl["responses"][:-1]:
        t = crawl["truth"][r["url"]]
        if t["charset"] == "cp932":
            try:
                r["body"].decode("shift_jis")
            except UnicodeDecodeError:
                cp932_only += 1
    assert cp932_only > 0  # CP932 pages really use CP932-only characters


@pytest.mark.parametrize("which", ["crawl", "ja_crawl", "cc_crawl"])
def test_lying_headers_really_lie(which: str, request: pytest.FixtureRequest) -> None:
    crawl = request.getfixturevalue(which)
    liars = 0
    meta_http_disagree = 0
    for r in crawl["responses"][:-1]:
        t = crawl["truth"][r["url"]]
        if not t["header_lies"]:
            continue
        truth_text = r["body"].decode(t["charset"])
        for label, lies in ((t["declared_http_charset"], t["http_charset_lies"]),
                            (t["declared_meta_charset"], t["meta_charset_lies"])):
            if lies:
                codec = codec_for_label(label)
                assert codec is None or r["body"].decode(codec, errors="replace") != truth_text
        liars += t["is_japanese"]
        meta_http_disagree += bool(t["declared_http_charset"] and t["declared_meta_charset"]
                                   and t["http_charset_lies"] != t["meta_charset_lies"])
    ja = sum(1 for t in crawl["truth"].values() if t["is_japanese"])
    assert 0.04 * ja <= liars <= 0.3 * ja
    assert meta_http_disagree > 0


def test_precheck_traps_are_present(crawl: dict) -> None:
    rows = [t for t in crawl["truth"].values() if t["status"] == 200]
    no_lang_en_title = [t for t in rows if t["is_japanese"] and not (t["html_lang"] or "").startswith("ja")
                        and not t["title_is_japanese"]]
    wrong_lang = [t for t in rows if not t["is_japanese"] and (t["html_lang"] or "").startswith("ja")]
    assert len(no_lang_en_title) >= 2 and len(wrong_lang) >= 5
    for r in crawl["responses"]:
        t = crawl["truth"][r["url"]]
        if t["kind"] == "en_on_ja_site" and t["dup_of"] is None:
            assert KANA.search(r["body"].decode(t["charset"])) and not t["is_japanese"]


def test_pages_carry_boilerplate(crawl: dict) -> None:
    markers = ("プライバシーポリシー", "ログイン", "お問い合わせ", "Copyright", "&#169;", "©", "Cookie", "クッキー")
    ja_pages = [(r, crawl["truth"][r["url"]]) for r in crawl["responses"][:-1] if crawl["truth"][r["url"]]["is_japanese"]
                and crawl["truth"][r["url"]]["status"] == 200]
    with_markers = sum(any(m in r["body"].decode(t["charset"]) for m in markers) for r, t in ja_pages)
    assert with_markers >= 0.6 * len(ja_pages)
    assert all(b"<script" in r["body"] and b"<style>" in r["body"] for r, _ in ja_pages)


@pytest.mark.parametrize("which", ["crawl", "ja_crawl", "cc_crawl"])
def test_exact_duplicates_are_byte_identical(which: str, request: pytest.FixtureRequest) -> None:
    crawl = request.getfixturevalue(which)
    by_url = {r["url"]: r for r in crawl["responses"]}
    dups = [t for t in crawl["truth"].values() if t["dup_of"]]
    assert len(dups) >= 10
    for t in dups:
        assert by_url[t["url"]]["body"] == by_url[t["dup_of"]]["body"]
        assert t["url"] != t["dup_of"]


@pytest.mark.parametrize("which", ["crawl", "ja_crawl", "cc_crawl"])
def test_near_duplicates_have_the_recorded_edit_fraction(which: str, request: pytest.FixtureRequest) -> None:
    crawl = request.getfixturevalue(which)
    truth = crawl["truth"]
    near = [t for t in truth.values() if t["near_dup_of"] and t["is_japanese"]]
    assert len(near) >= {"crawl": 2, "ja_crawl": 20, "cc_crawl": 8}[which]
    for t in near:
        src = truth[t["near_dup_of"]]
        f = t["near_dup_edit_fraction"]
        measured = sentence_edit_fraction(src["main_text"], t["main_text"])
        assert t["site"] != src["site"]  # boilerplate of another site
        if f == 0:
            assert measured == 0
        else:
            # one edited sentence is the least edit: short sources cannot go below 1 / sentences
            sentences = sum(len(split_sentences(line)) for line in src["main_text"].split("\n"))
            assert 0 < measured <= max(3 * f + 0.1, 1 / sentences), (f, measured)
        assert t["nearest_ja_jaccard"] is not None


def test_special_records(crawl: dict) -> None:
    by_url = {r["url"]: r for r in crawl["responses"]}
    for t in crawl["truth"].values():
        r = by_url[t["url"]]
        if t["kind"] == "redirect":
            assert t["status"] in (301, 302) and r["http"].get_header("Location") == t["location"]
        elif t["kind"] == "not_found":
            assert t["status"] == 404
        elif t["kind"] == "empty":
            assert r["body"] == b"" and r["http"].get_header("Content-Type").startswith("text/html")
        elif t["kind"] == "non_html":
            assert not t["content_type"].startswith("text/html")


# --- CommonCrawl page weight ---------------------------------------------------------------

def _html_pairs(cc: dict, light: dict) -> list[tuple[dict, dict, dict]]:
    """(truth, cc response, light response) of every complete HTML page answered 200."""
    light_by_url = {r["url"]: r for r in light["responses"]}
    return [(cc["truth"][r["url"]], r, light_by_url[r["url"]]) for r in cc["responses"]
            if cc["truth"][r["url"]]["template"] and cc["truth"][r["url"]]["status"] == 200
            and not cc["truth"][r["url"]]["truncated"]]


def test_cc_weight_is_deterministic(cc_crawl: dict, cc_light_twin: dict, tmp_path: Path) -> None:
    again = tmp_path / cc_crawl["path"].name
    generate_warc(again, page_weight="cc", **CC_ARGS)
    assert again.read_bytes() == cc_crawl["path"].read_bytes()
    assert Path(str(again) + ".truth.jsonl").read_bytes() == Path(str(cc_crawl["path"]) + ".truth.jsonl").read_bytes()
    assert again.read_bytes() != cc_light_twin["path"].read_bytes()
    with pytest.raises(ValueError):
        generate_warc(tmp_path / "x.warc", records=10, page_weight="heavy")


def test_cc_and_light_share_pages_truth_and_main_text(cc_crawl: dict, cc_light_twin: dict) -> None:
    cc, light = cc_crawl["truth"], cc_light_twin["truth"]
    assert list(cc) == list(light)  # same URLs in the same order
    for url, row in cc.items():
        other = light[url]
        differing = {k for k in row if row[k] != other[k]}
        assert differing <= {"body_bytes", "record_offset"}, (url, differing)
    pairs = _html_pairs(cc_crawl, cc_light_twin)
    assert len(pairs) > 250
    for t, heavy, compact in pairs:
        assert heavy["status"] == compact["status"]
        same_headers = [(k, v) for k, v in compact["http"].headers if k != "Content-Length"]
        assert [(k, v) for k, v in heavy["http"].headers if k != "Content-Length"] == same_headers
        assert int(heavy["http"].get_header("Content-Length")) == len(heavy["body"]) == t["body_bytes"]
        heavy_lines = iter(heavy["body"].decode(t["charset"]).split("\n"))
        # cc only adds markup: every line of the light page is still there, in order
        assert all(line in heavy_lines for line in compact["body"].decode(t["charset"]).split("\n")), t["url"]


def _capped_lognormal_mean(median: float, sigma: float, cap: float) -> float:
    """E[min(X, cap)] for X log-normal with this median and sigma."""
    mu = np.log(median)
    z = (np.log(cap) - mu) / sigma
    phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    return float(np.exp(mu + sigma ** 2 / 2) * phi(z - sigma) + cap * (1 - phi(z)))


def test_cc_page_sizes_follow_the_commoncrawl_model(cc_crawl: dict, cc_light_twin: dict) -> None:
    pairs = _html_pairs(cc_crawl, cc_light_twin)
    heavy = np.array([len(r["body"]) for _, r, _ in pairs])
    compact = np.array([len(r["body"]) for _, _, r in pairs])
    model_mean = _capped_lognormal_mean(CC_MEDIAN_BODY_BYTES, CC_SIGMA, CC_MAX_BODY_BYTES)
    assert 0.75 * CC_MEDIAN_BODY_BYTES <= np.median(heavy) <= 1.3 * CC_MEDIAN_BODY_BYTES
    assert 0.75 * model_mean <= heavy.mean() <= 1.25 * model_mean
    p10, p90 = np.percentile(heavy, [10, 90])
    spread = math.exp(2 * 1.2816 * CC_SIGMA)  # p90 / p10 of a log-normal
    assert 0.5 * spread <= p90 / p10 <= 2 * spread
    assert heavy.max() <= 1.05 * CC_MAX_BODY_BYTES
    assert (heavy >= compact).all() and np.median(compact) < 10_000


def test_cc_furniture_speaks_the_site_language(cc_crawl: dict, cc_light_twin: dict) -> None:
    ja_more, checked = 0, 0
    for t, heavy, compact in _html_pairs(cc_crawl, cc_light_twin):
        text, light_text = heavy["body"].decode(t["charset"]), compact["body"].decode(t["charset"])
        if t["lang"] in ("ja", "en_on_ja_site"):
            if len(heavy["body"]) > len(compact["body"]) + 20_000:
                checked += 1
                ja_more += len(KANA.findall(text)) > len(KANA.findall(light_text)) + 50
        else:  # English, European, Chinese and Korean sites get no Japanese furniture
            assert not KANA.search(text), (t["url"], t["lang"])
    assert checked > 50 and ja_more == checked


def test_cc_pages_keep_their_japanese_main_text_through_trafilatura(cc_crawl: dict, cc_light_twin: dict) -> None:
    """The extraction settings of filters/extract.yaml still find the main text in the heavy pages."""
    from corpusforge.extract.trafilatura_extract import trafilatura_text

    def recall(page: str, main_text: str) -> float:
        out = "".join((trafilatura_text(page, favor_precision=False, include_tables=False, include_comments=False,
                                        fast=True) or "").split())
        lines = ["".join(x.split()) for x in main_text.split("\n") if x.strip()]
        return sum(len(x) for x in lines if x in out) / sum(len(x) for x in lines)

    pages = [(t, h, c) for t, h, c in _html_pairs(cc_crawl, cc_light_twin) if t["is_japanese"] and t["main_text"]]
    sample = pages[:: max(1, len(pages) // 24)]
    assert len(sample) >= 20
    heavy = [recall(h["body"].decode(t["charset"]), t["main_text"]) for t, h, _ in sample]
    compact = [recall(c["body"].decode(t["charset"]), t["main_text"]) for t, _, c in sample]
    assert sum(r >= 0.9 for r in heavy) >= sum(r >= 0.9 for r in compact) - 1
    assert sum(heavy) / len(heavy) >= 0.9


# --- the CLI ------------------------------------------------------------------------------

def test_cli_writes_the_same_file_as_the_api(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "cli" / "x.warc.gz"
    assert cli_main(["synth-warc", "--output", str(out), "--records", "200", "--seed", "4", "--ja-fraction", "0.1"]) == 0
    api = tmp_path / "x.warc.gz"
    generate_warc(api, records=200, seed=4, ja_fraction=0.1)
    assert out.read_bytes() == api.read_bytes()
    assert "20 Japanese pages" in capsys.readouterr().out


def test_cli_page_weight_writes_the_same_file_as_the_api(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "cli" / "x.warc.gz"
    assert cli_main(["synth-warc", "--output", str(out), "--records", "40", "--seed", "4", "--page-weight", "cc"]) == 0
    api = tmp_path / "x.warc.gz"
    generate_warc(api, records=40, seed=4, page_weight="cc")
    assert out.read_bytes() == api.read_bytes()
    assert "cc page weight" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--output", "x.txt"], ["--output", "a.warc", "--records", "0"],
                                  ["--output", "a.warc", "--ja-fraction", "1.5"],
                                  ["--output", "a.warc", "--page-weight", "heavy"]])
def test_cli_bad_arguments_exit_2(argv: list[str], tmp_path: Path) -> None:
    argv = [a if not a.endswith((".warc", ".txt")) else str(tmp_path / a) for a in argv]
    assert cli_main(["synth-warc", *argv]) == 2


# --- bad WARC files ------------------------------------------------------------------------

def _good_urls_found(path: Path) -> set[str]:
    """URLs of response records recoverable by scanning gzip members (a resyncing reader)."""
    urls = set()
    for _, raw in gzip_members(path.read_bytes()):
        if b"WARC-Type: response" in raw[:2000]:
            uri = target_uri(raw)
            if uri:
                urls.add(uri)
    return urls


def test_bad_warc_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "t.warc.gz"
    info = write_bad_warc(path, "truncated_gzip")
    data = path.read_bytes()
    with pytest.raises(EOFError):
        gzip.decompress(data)
    assert len(data) == info["details"]["fault_offset"] + info["details"]["written_bytes"]
    assert info["good_records"] >= 3 and info["good_urls_after_fault"] == []
    assert set(info["good_urls"]) <= {r["url"] for r in responses(path)}
    assert set(info["good_urls"]) <= _good_urls_found(path)


def test_bad_warc_wrong_content_length(tmp_path: Path) -> None:
    path = tmp_path / "w.warc.gz"
    info = write_bad_warc(path, "wrong_content_length")
    members = {target_uri(raw): raw for _, raw in gzip_members(path.read_bytes()) if b"WARC-Type: response" in raw[:2000]}
    kinds = set()
    for rec in info["details"]["records"]:
        raw = members[rec["url"]]
        head, _, rest = raw.partition(b"\r\n\r\n")
        declared = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        actual = len(rest) - 4  # the block is followed by \r\n\r\n
        assert declared == rec["declared_length"] != actual == rec["actual_length"]
        kinds.add(rec["too"])
    assert kinds == {"short", "long"}
    assert info["good_urls_after_fault"] and set(info["good_urls"]) <= set(members)
    with pytest.raises(Exception):  # warcio itself trips over it: the defect is real
        responses(path)


def test_bad_warc_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "g.warc.gz"
    info = write_bad_warc(path, "binary_garbage")
    d = info["details"]
    data = path.read_bytes()
    junk = data[d["junk_offset"]: d["junk_offset"] + d["junk_bytes"]]
    with pytest.raises(zlib.error):
        zlib.decompress(junk, 31)
    members = {target_uri(raw): raw for _, raw in gzip_members(data) if b"WARC-Type: response" in raw[:2000]}
    garbage = members[d["garbage_body_url"]].partition(b"\r\n\r\n")[2]
    with pytest.raises(UnicodeDecodeError):
        garbage.decode("utf-8")
    assert set(info["good_urls"]) <= _good_urls_found(path)
    assert info["good_urls_after_fault"]


@pytest.mark.slow
def test_bad_warc_huge_page_streams_in_small_memory(tmp_path: Path) -> None:
    path = tmp_path / "h.warc.gz"
    code = ("import resource,sys;from corpusforge.synth import write_bad_warc;"
            "b=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;write_bad_warc(sys.argv[1],'huge_page');"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss-b)")
    grown_kib = int(subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True,
                                   text=True).stdout.strip())
    assert grown_kib < 60 * 1024  # far less than the 50 MB page itself
    info = write_bad_warc(tmp_path / "h2.warc.gz", "huge_page")
    assert (tmp_path / "h2.warc.gz").read_bytes() == path.read_bytes()
    recs = {r["url"]: r for r in responses(path, check_digests=True)}
    huge = recs[info["details"]["url"]]
    assert len(huge["body"]) == info["details"]["body_bytes"] >= 50 * 1024 * 1024
    assert not huge["digest_problems"]
    assert set(info["good_urls"]) <= set(recs)


def test_bad_warc_html_bomb(tmp_path: Path) -> None:
    path = tmp_path / "b.warc"
    info = write_bad_warc(path, "html_bomb")
    recs = {r["url"]: r for r in responses(path)}
    nested = recs[info["details"]["nested_url"]]["body"]
    depth = max(itertools.accumulate(1 if m.group(0) == b"<div>" else -1 for m in re.finditer(rb"</?div>", nested)))
    assert depth >= 100_000
    assert recs[info["details"]["many_url"]]["body"].count(b"<b>") >= 1_000_000
    assert set(info["good_urls"]) <= set(recs)


def test_bad_warc_unknown_encoding(tmp_path: Path) -> None:
    path = tmp_path / "u.warc.gz"
    info = write_bad_warc(path, "unknown_encoding")
    recs = {r["url"]: r for r in responses(path)}
    for rec in info["details"]["records"]:
        body = recs[rec["url"]]["body"]
        assert recs[rec["url"]]["http"].get_header("Content-Type").endswith(rec["declared"])
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = body.decode(rec["encoding"])
        if rec["text_lang"] == "ja":
            assert info["details"]["japanese_text"].split("\n")[0] in text
        else:
            assert "annual report" in text
    assert codec_for_label("x-unknown-foo") is None
    assert set(info["good_urls"]) <= set(recs)


@pytest.mark.parametrize("kind", [k for k in BAD_KINDS if k != "huge_page"])
def test_bad_warcs_are_deterministic_and_hold_good_japanese_pages(kind: str, tmp_path: Path) -> None:
    a, b = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    info = write_bad_warc(a, kind, seed=1)
    write_bad_warc(b, kind, seed=1)
    assert a.read_bytes() == b.read_bytes()
    assert info["good_records"] >= 3 and info["bad_urls"]
    found = {target_uri(raw): raw for _, raw in gzip_members(a.read_bytes()) if b"WARC-Type: response" in raw[:2000]}
    for url in info["good_urls"]:
        assert KANA.search(found[url].decode("utf-8", errors="replace"))
    with pytest.raises(ValueError):
        write_bad_warc(tmp_path / "c.warc", "no_such_defect")
