"""Deterministic CommonCrawl-like WARC files with a ground-truth sidecar.

Layout as in CommonCrawl: one ``warcinfo`` record, then per capture a ``request``, a
``response`` (HTTP/1.1 status line and headers) and a ``metadata`` record, each record
its own gzip member in ``.warc.gz``. Records are serialized by warcio; compression is
done here so the level can be chosen. Everything is drawn from ``random.Random`` seeded
with strings, so the same arguments give the same bytes on every machine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

from corpusforge.synth.texts import JA_WEB as web
from corpusforge.synth.charsets import label_lies
from corpusforge.synth.compose import (
    ComposedDoc,
    compose_japanese,
    compose_other,
    near_duplicate,
    pick_ja_kind,
)
from corpusforge.synth.pages import PAGE_WEIGHTS, TEMPLATE_FOR_KIND, RenderOptions, Site, encode_html, render_html
from corpusforge.synth.similarity import SimilarityIndex, shingle_hashes

# Shares of special records among all responses (synthetic choices in the range of a CC
# sample: a few percent each of non-HTML, redirects and 404s, a handful of empty bodies).
NON_HTML_FRACTION = 0.04
REDIRECT_FRACTION = 0.03
NOT_FOUND_FRACTION = 0.02
EMPTY_FRACTION = 0.005
# Non-Japanese pages whose template wrongly says lang="ja" (a trap for lang-only pre-checks).
WRONG_JA_LANG_FRACTION = 0.015

CRAWL_START = datetime(2024, 2, 20, 10, 0, 0)
USER_AGENT = "CCBot/2.0 (https://commoncrawl.org/faq/)"

JA_CHARSETS: list[tuple[str, float]] = [("utf-8", 0.60), ("shift_jis", 0.09), ("cp932", 0.10),
                                         ("euc-jp", 0.15), ("iso-2022-jp", 0.06)]
HONEST_LABELS: dict[str, list[str]] = {
    "utf-8": ["UTF-8", "utf-8", "utf8"],
    "shift_jis": ["Shift_JIS", "shift_jis", "SJIS"],
    "cp932": ["Shift_JIS", "Windows-31J", "x-sjis", "shift_jis"],
    "euc-jp": ["EUC-JP", "euc-jp", "x-euc-jp"],
    "iso-2022-jp": ["ISO-2022-JP", "iso-2022-jp"],
    "iso-8859-1": ["ISO-8859-1", "iso-8859-1", "latin1"],
    "windows-1252": ["windows-1252", "Windows-1252"],
    "windows-1251": ["windows-1251"],
    "koi8-r": ["KOI8-R"],
    "gbk": ["gb2312", "GBK", "gbk"],
    "big5": ["Big5", "big5"],
    "euc-kr": ["EUC-KR", "euc-kr", "ks_c_5601-1987"],
}
OTHER_LANG_WEIGHTS: dict[str, float] = {"en": 0.71, "zh": 0.07, "zh_tw": 0.02, "ko": 0.04, "de": 0.04,
                                        "fr": 0.03, "es": 0.03, "ru": 0.03, "en_on_ja_site": 0.03}
OTHER_CHARSETS: dict[str, list[tuple[str, float]]] = {
    "en": [("utf-8", 0.85), ("iso-8859-1", 0.08), ("windows-1252", 0.07)],
    "en_on_ja_site": [("utf-8", 0.75), ("shift_jis", 0.15), ("euc-jp", 0.10)],
    "de": [("utf-8", 0.7), ("iso-8859-1", 0.2), ("windows-1252", 0.1)],
    "fr": [("utf-8", 0.7), ("iso-8859-1", 0.2), ("windows-1252", 0.1)],
    "es": [("utf-8", 0.7), ("iso-8859-1", 0.2), ("windows-1252", 0.1)],
    "ru": [("utf-8", 0.6), ("windows-1251", 0.3), ("koi8-r", 0.1)],
    "zh": [("utf-8", 0.6), ("gbk", 0.4)],
    "zh_tw": [("utf-8", 0.5), ("big5", 0.5)],
    "ko": [("utf-8", 0.6), ("euc-kr", 0.4)],
}
LANG_ATTRS: dict[str, list[str | None]] = {
    "en": ["en", "en-US", "en-GB", None], "zh": ["zh-CN", "zh", None], "zh_tw": ["zh-TW", "zh-Hant", None],
    "ko": ["ko", "ko-KR", None], "de": ["de", "de-DE"], "fr": ["fr", "fr-FR"], "es": ["es", "es-ES"], "ru": ["ru"],
    "en_on_ja_site": ["ja", "ja", "en", None],
}

# Which site pool (furniture language) serves pages of each text language.
_POOL_FOR_LANG: dict[str, str] = {"ja": "ja", "en": "en", "zh": "zh", "zh_tw": "zh", "ko": "ko", "de": "de",
                                  "fr": "fr", "es": "es", "ru": "ru", "en_on_ja_site": "ja"}

_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30fa]")
_SYLLABLES = ["ka", "ki", "ku", "ko", "sa", "shi", "su", "ta", "to", "na", "no", "ha", "hi", "ma", "mi", "mo",
              "ya", "yu", "ra", "ri", "ru", "wa", "sora", "umi", "hana", "kaze", "yama", "mori", "hoshi", "tsuki"]
_EN_WORDS = ["river", "maple", "stone", "bright", "north", "harbor", "cedar", "pixel", "green", "summit",
             "copper", "lantern", "meadow", "orbit", "willow", "atlas", "signal", "ember"]


@dataclass
class _Page:
    """One response to write: HTTP status/headers/body plus its truth row."""

    url: str
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    truth: dict[str, Any]
    doc: ComposedDoc | None = None
    site: Site | None = None
    nearest: tuple[Any, Any, float] | None = None  # (shingle hashes, nearest key, Jaccard) if known


def _weighted(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _record_id(rng: random.Random) -> str:
    return f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"


def _is_japanese_text(text: str) -> bool:
    return bool(_KANA.search(text))


_EMPTY_DIGEST = "sha1:" + base64.b32encode(hashlib.sha1(b"").digest()).decode("ascii")


def _digest(data: bytes) -> str:
    if not data:
        return _EMPTY_DIGEST
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def http_block(statusline: str, headers: list[tuple[str, str]], protocol: str = "HTTP/1.1") -> bytes:
    """HTTP status line and headers as warcio's ``StatusAndHeaders.to_ascii_bytes`` writes them."""
    first = f"{protocol} {statusline}" if protocol else statusline
    return (first + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("ascii")


def serialize_record(rec_type: str, uri: str, warc_headers: list[tuple[str, str]], payload: bytes,
                     http: bytes | None = None, content_type: str | None = None) -> bytes:
    """One WARC/1.0 record, byte for byte as warcio's ``WARCWriter`` writes it.

    Same header order, digests (sha1, base32) and Content-Length as
    ``WARCWriter.create_warc_record`` + ``write_record`` (tests compare both), without
    warcio's per-record overhead, which dominated generation time.
    """
    headers = list(warc_headers)
    headers.append(("WARC-Type", rec_type))
    if uri:
        headers.append(("WARC-Target-URI", uri))
    payload_digest = _digest(payload)
    if rec_type not in ("warcinfo", "revisit"):
        headers.append(("WARC-Payload-Digest", payload_digest))
    block = (http or b"") + payload
    headers.append(("WARC-Block-Digest", _digest(block) if http else payload_digest))
    headers.append(("Content-Type", content_type or _WARC_CONTENT_TYPES.get(rec_type, "application/warc-record")))
    headers.append(("Content-Length", str(len(block))))
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


_WARC_CONTENT_TYPES = {"warcinfo": "application/warc-fields", "response": "application/http; msgtype=response",
                       "request": "application/http; msgtype=request", "metadata": "application/warc-fields"}


class WarcRecordWriter:
    """Writes records (one gzip member each when ``gzip``), CommonCrawl style."""

    def __init__(self, fh: Any, gzip: bool, compresslevel: int = 6) -> None:
        self.fh = fh
        self.gzip = gzip
        self.compresslevel = compresslevel
        self.records = 0

    def encode(self, raw: bytes) -> bytes:
        if not self.gzip:
            return raw
        comp = zlib.compressobj(self.compresslevel, zlib.DEFLATED, 31)
        return comp.compress(raw) + comp.flush()

    def write_raw(self, data: bytes) -> int:
        """Write already-encoded bytes; returns the offset where they start."""
        offset = self.fh.tell()
        self.fh.write(data)
        return offset

    def write(self, raw: bytes) -> int:
        self.records += 1
        return self.write_raw(self.encode(raw))

    def warcinfo(self, filename: str, info: dict[str, str], rng: random.Random, date: str) -> tuple[int, str]:
        rid = _record_id(rng)
        payload = "".join(f"{k}: {v}\r\n" for k, v in info.items()).encode("utf-8")
        raw = serialize_record("warcinfo", "", [("WARC-Record-ID", rid), ("WARC-Date", date), ("WARC-Filename", filename)],
                               payload)
        return self.write(raw), rid

    def capture(self, page: _Page, rng: random.Random, date: str, warcinfo_id: str,
                truncate: bool = False) -> tuple[int, str]:
        """Write request, response (and metadata unless ``truncate``); returns response offset and id."""
        req_id, resp_id, meta_id = _record_id(rng), _record_id(rng), _record_id(rng)
        host = page.url.split("/")[2]
        path = page.url[len("https://") + len(host):] if page.url.startswith("https://") else page.url.split(host, 1)[1]
        ip = f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        req_http = http_block(f"GET {path or '/'} HTTP/1.1", [
            ("Host", host), ("Accept-Encoding", "br,gzip"), ("Accept-Language", "en-US,en;q=0.5"),
            ("User-Agent", USER_AGENT),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Connection", "Keep-Alive")], protocol="")
        common = [("WARC-Date", date), ("WARC-Warcinfo-ID", warcinfo_id), ("WARC-IP-Address", ip)]
        self.write(serialize_record("request", page.url, [("WARC-Record-ID", req_id), *common,
                                                          ("WARC-Concurrent-To", resp_id)], b"", http=req_http))
        ctype = next((v for k, v in page.headers if k.lower() == "content-type"), "")
        resp_headers = [("WARC-Record-ID", resp_id), *common,
                        ("WARC-Identified-Payload-Type", ctype.split(";")[0].strip() or "application/octet-stream")]
        raw = serialize_record("response", page.url, resp_headers, page.body, http=http_block(page.status, page.headers))
        if truncate:
            encoded = self.encode(raw)
            self.records += 1
            return self.write_raw(encoded[: max(1, len(encoded) // 2)]), resp_id
        offset = self.write(raw)
        meta = f"fetchTimeMs: {rng.randint(20, 2500)}\r\n".encode("ascii")
        self.write(serialize_record("metadata", page.url, [("WARC-Record-ID", meta_id), ("WARC-Date", date),
                                                           ("WARC-Warcinfo-ID", warcinfo_id), ("WARC-Concurrent-To", resp_id)],
                                    meta))
        return offset, resp_id


def _http_date(when: datetime) -> str:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{days[when.weekday()]}, {when.day:02d} {months[when.month - 1]} {when.year} {when:%H:%M:%S} GMT"


def _http_headers(rng: random.Random, content_type: str | None, body_len: int, when: datetime,
                  extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    headers = [("Date", _http_date(when)),
               ("Server", rng.choice(["nginx", "Apache", "Apache/2.4.57 (Unix)", "cloudflare", "Microsoft-IIS/10.0", "LiteSpeed"]))]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    headers.append(("Content-Length", str(body_len)))
    if rng.random() < 0.4:
        headers.append(("Last-Modified", _http_date(when - timedelta(days=rng.randint(1, 900)))))
    if rng.random() < 0.3:
        headers.append(("X-Powered-By", rng.choice(["PHP/7.4.33", "PHP/8.1.27", "Express"])))
    headers.extend(extra or [])
    headers.append(("Connection", "close"))
    return headers


def _html_content_type(rng: random.Random, label: str | None) -> str:
    mime = "application/xhtml+xml" if rng.random() < 0.01 else "text/html"
    if not label:
        return mime
    form = rng.random()
    if form < 0.05:
        return f'{mime}; charset="{label}"'
    if form < 0.30:
        return f"{mime};charset={label}"
    return f"{mime}; charset={label}"


def _declarations(rng: random.Random, real: str, lie: bool, japanese: bool) -> tuple[str | None, str | None]:
    """(HTTP charset label, meta charset label) for bytes really in ``real``."""
    honest = rng.choice(HONEST_LABELS[real])
    if lie and japanese:
        if real == "utf-8":
            return rng.choice([("Shift_JIS", None), ("EUC-JP", "UTF-8"), (None, "Shift_JIS"), ("ISO-8859-1", "utf-8")])
        wrong_jp = "EUC-JP" if real in ("shift_jis", "cp932") else "Shift_JIS"
        return rng.choice([("ISO-8859-1", honest), ("UTF-8", None), ("UTF-8", honest), (None, wrong_jp),
                           (wrong_jp, honest), ("ISO-8859-1", None)])
    if lie:
        if real in ("iso-8859-1", "windows-1252"):
            return rng.choice([("UTF-8", None), ("utf-8", "utf-8")])
        if real == "koi8-r":
            return ("windows-1251", None)
        if real == "windows-1251":
            return (None, "KOI8-R")
        return ("ISO-8859-1", None)
    pattern = rng.random()
    if pattern < 0.45:
        return honest, rng.choice(HONEST_LABELS[real])
    if pattern < 0.65:
        return honest, None
    if pattern < 0.9:
        return None, honest
    return None, None


class _SitePool:
    """Deterministic sites per furniture language; pages of one site share name and style."""

    def __init__(self, rng: random.Random, counts: dict[str, int]) -> None:
        self.sites: dict[str, list[Site]] = {}
        tlds = {"ja": ["jp", "co.jp", "ne.jp", "or.jp", "com", "net", "blog.jp", "info"],
                "en": ["com", "org", "net", "co.uk", "io", "blog"], "zh": ["cn", "com.cn", "com", "tw"],
                "ko": ["kr", "co.kr", "com"], "de": ["de"], "fr": ["fr"], "es": ["es"], "ru": ["ru"]}
        for lang, n in counts.items():
            pool = []
            seen: set[str] = set()
            while len(pool) < n:
                if lang == "ja":
                    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
                    name = rng.choice(web.SLOTS["site"]) + rng.choice(["", "", "ブログ", "通信", "ネット", "ドットコム", "ナビ"])
                else:
                    stem = rng.choice(_EN_WORDS) + rng.choice(_EN_WORDS) + rng.choice(["", "", "hub", "news", "daily"])
                    name = stem.capitalize()
                host = f"{rng.choice(['www.', '', 'blog.', 'news.'])}{stem}.{rng.choice(tlds[lang])}"
                if host in seen:
                    continue
                seen.add(host)
                furniture = lang if lang in ("ja", "zh", "ko") else "en"
                pool.append(Site(host=host, name=name, furniture=furniture, style=rng.randint(0, 2)))
            self.sites[lang] = pool

    def pick(self, lang: str, rng: random.Random, avoid: str | None = None) -> Site:
        pool = self.sites[lang]
        site = rng.choice(pool)
        if avoid and site.host == avoid and len(pool) > 1:
            site = pool[(pool.index(site) + 1) % len(pool)]
        return site


def _path_for(template: str, rng: random.Random, uid: int) -> str:
    if template == "wiki":
        return f"/wiki/{uid}"
    if template == "news":
        return f"/news/{rng.choice(['national', 'local', 'economy', 'sports', 'tech'])}/{uid}.html"
    if template == "forum":
        return f"/test/read.cgi/{rng.choice(['news', 'life', 'hobby', 'pc'])}/{1500000000 + uid}/"
    if template == "shop":
        return rng.choice([f"/item/{uid}/", f"/products/detail.php?product_id={uid}"])
    if template == "legacy":
        return f"/~{rng.choice(_SYLLABLES)}{rng.randint(1, 99)}/diary{uid}.htm"
    if template == "minimal":
        return f"/{uid}.html"
    return rng.choice([f"/archives/{uid}", f"/{2012 + uid % 13}/{1 + uid % 12:02d}/entry-{uid}.html", f"/blog/post-{uid}/"])


class WarcGenerator:
    """Plans and writes one synthetic crawl file; see ``generate_warc`` for the parameters."""

    def __init__(self, records: int, seed: int, ja_fraction: float, dup_fraction: float,
                 near_dup_fraction: float, lying_header_fraction: float, max_unplanted_jaccard: float,
                 page_weight: str = "light") -> None:
        self.records = records
        self.page_weight = page_weight
        self.seed = seed
        self.ja_fraction = ja_fraction
        self.dup_fraction = dup_fraction
        self.near_dup_fraction = near_dup_fraction
        self.lying_header_fraction = lying_header_fraction
        self.max_unplanted_jaccard = max_unplanted_jaccard
        plan_rng = random.Random(f"corpusforge-warc-plan:{seed}")
        self.slots = self._plan(plan_rng)
        n_ja = self.slots.count("ja")
        n_other = self.slots.count("other")
        self.sites = _SitePool(plan_rng, {"ja": max(6, n_ja // 6), "en": max(10, n_other // 25), "zh": 6, "ko": 4,
                                          "de": 3, "fr": 3, "es": 3, "ru": 3})
        self.similar = SimilarityIndex()
        self.ja_sources: list[_Page] = []
        self.other_sources: list[_Page] = []
        self.recent_urls: list[str] = []

    def _plan(self, rng: random.Random) -> list[str]:
        n = self.records
        counts = {}
        left = n
        for kind, frac in (("non_html", NON_HTML_FRACTION), ("redirect", REDIRECT_FRACTION),
                           ("not_found", NOT_FOUND_FRACTION), ("empty", EMPTY_FRACTION)):
            counts[kind] = min(left, round(n * frac))
            left -= counts[kind]
        counts["ja"] = min(left, round(n * self.ja_fraction))
        counts["other"] = left - counts["ja"]
        slots = [k for k, c in counts.items() for _ in range(c)]
        rng.shuffle(slots)
        return slots

    # --- pages ---------------------------------------------------------------------
    def _url(self, site: Site, template: str, rng: random.Random, i: int) -> str:
        return f"https://{site.host}{_path_for(template, rng, 10007 + i * 13 + rng.randint(0, 12))}"

    def _render(self, doc: ComposedDoc, rng: random.Random, i: int, *, japanese: bool, lang: str,
                site: Site | None = None, charset: str | None = None) -> _Page:
        kind = doc.kind
        if japanese:
            template = rng.choice(TEMPLATE_FOR_KIND[kind])
            site = site or self.sites.pick("ja", rng)
            real = charset or _weighted(rng, JA_CHARSETS)
            lang_attr = _weighted(rng, [("ja", 0.55), ("ja-JP", 0.12), (None, 0.22), ("en", 0.06), ("en-US", 0.05)])
            english_title = rng.random() < (0.04 if lang_attr and lang_attr.startswith("ja") else 0.35)
            title = rng.choice(web.EN_TITLES_FOR_JA_PAGES) if english_title else doc.title
        else:
            # en_on_ja_site needs the Japanese furniture that "minimal" would drop.
            template = rng.choice(("blog", "blog", "news") if lang == "en_on_ja_site" else ("blog", "blog", "news", "minimal"))
            site = site or self.sites.pick(_POOL_FOR_LANG[lang], rng)
            real = charset or _weighted(rng, OTHER_CHARSETS[lang])
            lang_attr = "ja" if rng.random() < WRONG_JA_LANG_FRACTION else rng.choice(LANG_ATTRS[lang])
            title = doc.title
        lie = rng.random() < (self.lying_header_fraction if japanese else 0.04)
        http_label, meta_label = _declarations(rng, real, lie, japanese)
        opts = RenderOptions(template=template, title=title, lang_attr=lang_attr, meta_charset=meta_label,
                             meta_style="http-equiv" if (real != "utf-8" and rng.random() < 0.5) or template == "legacy" else "charset",
                             cp932_marks=(real == "cp932"), doctype="html4" if template == "legacy" else "html5")
        # cc weight draws from its own stream: the page stream `rng` is consumed as for light
        weight_rng = random.Random(f"corpusforge-warc-weight:{self.seed}:{i}") if self.page_weight == "cc" else None
        page_html = render_html(doc, site, opts, rng, weight_rng)
        body = encode_html(page_html, real)
        when = CRAWL_START + timedelta(seconds=2 * i)
        headers = _http_headers(rng, _html_content_type(rng, http_label), len(body), when)
        true_text = body.decode(real)
        http_lies, meta_lies = label_lies(http_label, body, true_text), label_lies(meta_label, body, true_text)
        text = doc.text
        truth = {
            "kind": kind, "lang": lang, "is_japanese": japanese, "status": 200, "content_type": dict(headers)["Content-Type"],
            "charset": real, "declared_http_charset": http_label, "declared_meta_charset": meta_label,
            "http_charset_lies": http_lies, "meta_charset_lies": meta_lies, "header_lies": http_lies or meta_lies,
            "html_lang": lang_attr, "title": title, "title_is_japanese": _is_japanese_text(title),
            "template": template, "site": site.host, "topic": doc.topic, "main_chars": len(text),
            "main_text": text if japanese else None,
        }
        page = _Page(url=self._url(site, template, rng, i), status="200 OK", headers=headers, body=body,
                     truth=truth, doc=doc, site=site)
        return page

    def _japanese_original(self, rng: random.Random, i: int) -> _Page:
        best: tuple[float, ComposedDoc, Any] | None = None
        for attempt in range(8):
            crng = random.Random(f"corpusforge-warc-ja:{self.seed}:{i}:{attempt}")
            doc = compose_japanese(pick_ja_kind(crng), crng)
            hashes = shingle_hashes(doc.text)
            key, score = self.similar.nearest(hashes)
            if best is None or score < best[0]:
                best = (score, doc, (hashes, key, score))
            if score <= self.max_unplanted_jaccard:
                break
        assert best is not None
        page = self._render(best[1], rng, i, japanese=True, lang="ja")
        page.nearest = best[2]  # the index does not change before finish_truth uses it
        return page

    def _near_dup(self, source: _Page, rng: random.Random, i: int) -> _Page:
        fraction = rng.choice([0.0, 0.02, 0.05, 0.1, 0.1, 0.15, 0.2, 0.3])
        src_doc = source.doc
        assert src_doc is not None
        headings = {t for r, t in src_doc.blocks if r == "h"}
        metas = {t for r, t in src_doc.blocks if r == "meta"}
        edited = near_duplicate(src_doc.text, fraction, rng)
        blocks = [("h" if line in headings else "meta" if line in metas else "p", line) for line in edited.split("\n")]
        doc = ComposedDoc(src_doc.kind, src_doc.title, blocks, topic=src_doc.topic)
        japanese = bool(source.truth["is_japanese"])
        lang = source.truth["lang"]
        site = self.sites.pick(_POOL_FOR_LANG[lang], rng, avoid=source.truth["site"])
        page = self._render(doc, rng, i, japanese=japanese, lang=lang, site=site)
        page.truth["kind"] = source.truth["kind"]
        page.truth["near_dup_of"] = source.url
        page.truth["near_dup_edit_fraction"] = fraction
        return page

    def _exact_dup(self, source: _Page, rng: random.Random, i: int) -> _Page:
        site = self.sites.pick(_POOL_FOR_LANG[source.truth["lang"]], rng, avoid=source.truth["site"])
        template = source.truth.get("template") or "blog"
        when = CRAWL_START + timedelta(seconds=2 * i)
        ctype = dict(source.headers)["Content-Type"]
        headers = _http_headers(rng, ctype, len(source.body), when)
        truth = dict(source.truth)
        truth.update({"dup_of": source.url, "near_dup_of": None, "near_dup_edit_fraction": None, "site": site.host})
        return _Page(url=self._url(site, template, rng, i), status="200 OK", headers=headers, body=source.body,
                     truth=truth, doc=source.doc, site=site)

    def _html_page(self, slot: str, rng: random.Random, i: int) -> _Page:
        japanese = slot == "ja"
        sources = self.ja_sources if japanese else self.other_sources
        draw = rng.random()
        if sources and draw < self.dup_fraction:
            return self._exact_dup(rng.choice(sources), rng, i)
        if sources and draw < self.dup_fraction + self.near_dup_fraction:
            candidates = [s for s in sources if s.truth["kind"] != "ja_short"] or sources
            return self._near_dup(rng.choice(candidates), rng, i)
        if japanese:
            page = self._japanese_original(rng, i)
        else:
            lang = _weighted(rng, list(OTHER_LANG_WEIGHTS.items()))
            crng = random.Random(f"corpusforge-warc-other:{self.seed}:{i}")
            doc = compose_other("en" if lang == "en_on_ja_site" else lang, crng)
            if lang == "en_on_ja_site":
                doc.kind = "en_on_ja_site"
            page = self._render(doc, rng, i, japanese=False, lang=lang)
        sources.append(page)
        if len(sources) > 400:
            sources.pop(0)
        return page

    def _special(self, slot: str, rng: random.Random, i: int) -> _Page:
        when = CRAWL_START + timedelta(seconds=2 * i)
        lang = "ja" if rng.random() < 0.3 else "en"
        site = self.sites.pick(lang, rng)
        url = self._url(site, "blog", rng, i)
        base = {"lang": None, "is_japanese": False, "charset": None, "declared_http_charset": None, "declared_meta_charset": None,
                "http_charset_lies": False, "meta_charset_lies": False, "header_lies": False, "html_lang": None,
                "title": None, "title_is_japanese": None, "template": None, "site": site.host, "topic": None,
                "main_chars": 0, "main_text": None}
        if slot == "redirect":
            target = rng.choice(self.recent_urls) if self.recent_urls else f"https://{site.host}/"
            code = rng.choice(["301 Moved Permanently", "302 Found", "301 Moved Permanently"])
            body = b"" if rng.random() < 0.5 else (f'<html><head><title>{code}</title></head><body><h1>{code[4:]}</h1>'
                                                     f'<p>The document has moved <a href="{target}">here</a>.</p></body></html>').encode("ascii")
            ctype = "text/html; charset=iso-8859-1"
            headers = _http_headers(rng, ctype, len(body), when, extra=[("Location", target)])
            truth = {**base, "kind": "redirect", "status": int(code[:3]), "content_type": ctype, "location": target,
                     "charset": "iso-8859-1" if body else None}
            return _Page(url, code, headers, body, truth)
        if slot == "not_found":
            if lang == "ja":
                lines = rng.sample(web.JA_NOT_FOUND, 2)
                title = "ページが見つかりません"
            else:
                lines = ["The requested URL was not found on this server."]
                title = "404 Not Found"
            body = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
                    + "".join(f"<p>{x}</p>" for x in lines) + "</body></html>").encode("utf-8")
            ctype = "text/html; charset=UTF-8"
            headers = _http_headers(rng, ctype, len(body), when)
            text = "\n".join(lines)
            truth = {**base, "kind": "not_found", "status": 404, "content_type": ctype, "charset": "utf-8",
                     "declared_http_charset": "UTF-8", "declared_meta_charset": "utf-8", "is_japanese": lang == "ja",
                     "title": title, "title_is_japanese": lang == "ja", "main_chars": len(text),
                     "main_text": text if lang == "ja" else None}
            return _Page(url, "404 Not Found", headers, body, truth)
        if slot == "empty":
            ctype = "text/html; charset=UTF-8"
            headers = _http_headers(rng, ctype, 0, when)
            truth = {**base, "kind": "empty", "status": 200, "content_type": ctype, "declared_http_charset": "UTF-8"}
            return _Page(url, "200 OK", headers, b"", truth)
        return self._non_html(rng, url, when, base)

    def _non_html(self, rng: random.Random, url: str, when: datetime, base: dict) -> _Page:
        brng = random.Random(rng.getrandbits(64))
        choice = rng.choice(["image/jpeg", "image/jpeg", "image/png", "application/pdf", "text/css",
                             "application/json", "application/javascript", "text/plain"])
        charset = None
        if choice == "image/jpeg":
            body = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + brng.randbytes(rng.randint(800, 12000)) + b"\xff\xd9"
        elif choice == "image/png":
            body = b"\x89PNG\r\n\x1a\n" + brng.randbytes(rng.randint(500, 8000))
        elif choice == "application/pdf":
            body = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + brng.randbytes(rng.randint(1000, 9000))
                    + b"\n%%EOF\n")
        elif choice == "text/css":
            body = ("body{margin:0;padding:0}" * rng.randint(5, 40)).encode("ascii")
            charset = "utf-8"
        elif choice == "application/json":
            body = json.dumps({"status": "ok", "items": [{"id": k, "score": rng.randint(0, 100)} for k in range(rng.randint(2, 30))]}).encode("ascii")
            charset = "utf-8"
        elif choice == "application/javascript":
            body = ("function f(a){return a*2;}" * rng.randint(5, 30)).encode("ascii")
            charset = "utf-8"
        else:
            body = b"User-agent: *\nDisallow: /admin/\n"
            charset = "utf-8"
        ctype = f"{choice}; charset=utf-8" if charset and rng.random() < 0.5 else choice
        headers = _http_headers(rng, ctype, len(body), when)
        truth = {**base, "kind": "non_html", "status": 200, "content_type": ctype, "charset": charset}
        return _Page(url, "200 OK", headers, body, truth)

    def pages(self, truncate_last: bool) -> Iterator[tuple[_Page, bool, random.Random]]:
        """Yield (page, truncated, the page's random stream for its record ids) in file order."""
        for i, slot in enumerate(self.slots):
            rng = random.Random(f"corpusforge-warc-page:{self.seed}:{i}")
            last = i == len(self.slots) - 1
            if truncate_last and last:
                crng = random.Random(f"corpusforge-warc-trunc:{self.seed}")
                doc = compose_japanese("ja_encyclopedia", crng)
                page = self._render(doc, rng, i, japanese=True, lang="ja", charset="utf-8")
                page.truth["kind"] = "truncated"
                yield page, True, rng
                return
            page = self._html_page(slot, rng, i) if slot in ("ja", "other") else self._special(slot, rng, i)
            if page.truth.get("status") == 200 and page.truth.get("template"):
                self.recent_urls.append(page.url)
                if len(self.recent_urls) > 50:
                    self.recent_urls.pop(0)
            yield page, False, rng

    def finish_truth(self, page: _Page, offset: int, record_id: str, truncated: bool) -> dict[str, Any]:
        truth = {"url": page.url, "record_offset": offset, "warc_record_id": record_id,
                 "dup_of": None, "near_dup_of": None, "near_dup_edit_fraction": None,
                 "nearest_ja_url": None, "nearest_ja_jaccard": None, "location": None,
                 "body_bytes": len(page.body), "truncated": truncated}
        truth.update(page.truth)
        text = truth.get("main_text")
        if truth["is_japanese"] and text:
            hashes, key, score = page.nearest or (None, None, 0.0)
            if hashes is None:
                hashes = shingle_hashes(text)
                key, score = self.similar.nearest(hashes)
            if key is not None:
                truth["nearest_ja_url"], truth["nearest_ja_jaccard"] = key, round(score, 4)
            self.similar.add(page.url, hashes)
        return truth


def generate_warc(path: str | os.PathLike, records: int = 2000, seed: int = 0, ja_fraction: float = 0.05, *,
                  truncate_last: bool = False, dup_fraction: float = 0.04, near_dup_fraction: float = 0.06,
                  lying_header_fraction: float = 0.12, max_unplanted_jaccard: float = 0.6,
                  compresslevel: int = 6, write_truth: bool = True, page_weight: str = "light") -> dict[str, Any]:
    """Write a CommonCrawl-like WARC with ``records`` HTTP responses and its truth sidecar.

    ``records`` counts responses (each with its request and metadata record, plus one
    warcinfo: ``3 * records + 1`` WARC records). ``ja_fraction`` of the responses are
    Japanese HTML pages (exact count ``round(records * ja_fraction)``, duplicates included).
    ``dup_fraction`` / ``near_dup_fraction``: share of HTML pages that copy an earlier page
    byte for byte under another URL / re-post it with edited text on another site.
    ``lying_header_fraction``: share of Japanese pages whose HTTP or meta charset lies.
    ``max_unplanted_jaccard``: an original Japanese page is redrawn (up to 8 times) when its
    5-gram Jaccard to an earlier page exceeds this; the truth reports the nearest anyway.
    ``page_weight``: ``"light"`` (compact pages, ~3 KB of HTML) or ``"cc"`` (the same pages, same
    truth and main text, inside the markup weight of real CommonCrawl HTML: ~160 KB on
    average, see ``corpusforge.synth.pages``); only the bodies' sizes and offsets differ.
    Gzip when the path ends in ``.gz``. Same arguments, same bytes.
    Returns a summary: paths, counts by kind, Japanese pages, bytes written.
    """
    out_path = Path(path)
    if records < 1:
        raise ValueError("records must be >= 1")
    if not 0.0 <= ja_fraction <= 1.0:
        raise ValueError("ja_fraction must be within [0, 1]")
    if page_weight not in PAGE_WEIGHTS:
        raise ValueError(f"page_weight must be one of {', '.join(PAGE_WEIGHTS)}, got {page_weight!r}")
    gen = WarcGenerator(records, seed, ja_fraction, dup_fraction, near_dup_fraction, lying_header_fraction,
                        max_unplanted_jaccard, page_weight)
    truth_path = Path(str(out_path) + ".truth.jsonl")
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp_truth = truth_path.with_name(truth_path.name + ".tmp")
    kinds: dict[str, int] = {}
    japanese = 0
    info_rng = random.Random(f"corpusforge-warc-info:{seed}")
    with open(tmp, "wb", buffering=1 << 20) as fh, open(tmp_truth, "w", encoding="utf-8") as tf:
        writer = WarcRecordWriter(fh, gzip=out_path.name.endswith(".gz"), compresslevel=compresslevel)
        date0 = CRAWL_START.strftime("%Y-%m-%dT%H:%M:%SZ")
        _, info_id = writer.warcinfo(out_path.name, {
            "software": "corpusforge-synth/1.0", "format": "WARC File Format 1.0",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/",
            "isPartOf": "CC-MAIN-SYNTHETIC", "operator": "corpusforge test data (synthetic, not crawled)",
            "description": f"records={records} seed={seed} ja_fraction={ja_fraction}"
                           + ("" if page_weight == "light" else f" page_weight={page_weight}"),
            "robots": "checked via crawler-commons", "http-header-user-agent": USER_AGENT}, info_rng, date0)
        for i, (page, truncated, rng) in enumerate(gen.pages(truncate_last)):
            date = (CRAWL_START + timedelta(seconds=2 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            offset, rid = writer.capture(page, rng, date, info_id, truncate=truncated)
            truth = gen.finish_truth(page, offset, rid, truncated)
            kinds[truth["kind"]] = kinds.get(truth["kind"], 0) + 1
            japanese += bool(truth["is_japanese"]) and truth["kind"].startswith("ja_")
            tf.write(json.dumps(truth, ensure_ascii=False, sort_keys=True) + "\n")
        n_records = writer.records
    os.replace(tmp, out_path)
    if write_truth:
        os.replace(tmp_truth, truth_path)
    else:
        tmp_truth.unlink()
    return {"path": str(out_path), "truth_path": str(truth_path) if write_truth else None, "responses": records,
            "warc_records": n_records, "japanese_pages": japanese, "kinds": dict(sorted(kinds.items())),
            "bytes": out_path.stat().st_size, "truncated_last": truncate_last, "page_weight": page_weight}


def read_truth(path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """The truth sidecar of a generated WARC (give the WARC or the sidecar path), keyed by URL."""
    p = Path(path)
    if not p.name.endswith(".truth.jsonl"):
        p = Path(str(p) + ".truth.jsonl")
    with open(p, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {row["url"]: row for row in rows}
