"""WARC files with one named defect each, for the bad-input tests of every reader and stage.

Each writer puts a few good Japanese pages before (and, where the defect allows, after)
the defect, so a test can check that everything readable survives. The returned dict
says exactly what was written: ``good_urls`` (all good pages), ``good_urls_before_fault``,
``good_urls_after_fault``, ``bad_urls`` and defect ``details`` (offsets, sizes, encodings).
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

from corpusforge.synth.compose import compose_japanese
from corpusforge.synth.pages import RenderOptions, Site, encode_html, render_html
from corpusforge.synth.warcgen import (
    CRAWL_START,
    WarcRecordWriter,
    _http_headers,
    _Page,
    _record_id,
    http_block,
    serialize_record,
)

BAD_KINDS: tuple[str, ...] = ("truncated_gzip", "wrong_content_length", "binary_garbage", "huge_page",
                              "html_bomb", "unknown_encoding")

HUGE_PAGE_BYTES = 50 * 1024 * 1024
BOMB_NESTING = 100_000
BOMB_ELEMENTS = 1_000_000
UNKNOWN_CHARSET = "x-unknown-foo"


def _good_page(rng: random.Random, i: int, tag: str) -> _Page:
    kind = rng.choice(["ja_encyclopedia", "ja_news", "ja_blog", "ja_education"])
    doc = compose_japanese(kind, random.Random(f"corpusforge-bad-good:{tag}:{i}:{rng.random()}"))
    site = Site(host=f"good{i}.{tag.replace('_', '-')}.example.jp", name="まなびの森", furniture="ja", style=i % 3)
    opts = RenderOptions(template="blog", title=doc.title, lang_attr="ja", meta_charset="utf-8")
    body = encode_html(render_html(doc, site, opts, rng), "utf-8")
    headers = _http_headers(rng, "text/html; charset=UTF-8", len(body), CRAWL_START + timedelta(seconds=i))
    return _Page(url=f"https://{site.host}/archives/{1000 + i}", status="200 OK", headers=headers, body=body,
                 truth={"kind": kind, "text": doc.text})


def _bad_page(url: str, body: bytes, content_type: str, rng: random.Random, i: int) -> _Page:
    headers = _http_headers(rng, content_type, len(body), CRAWL_START + timedelta(seconds=i))
    return _Page(url=url, status="200 OK", headers=headers, body=body, truth={})


class _BadWriter:
    """A WarcRecordWriter plus bookkeeping of the good and bad pages written."""

    def __init__(self, fh: Any, gzip: bool, rng: random.Random, tag: str) -> None:
        self.w = WarcRecordWriter(fh, gzip=gzip)
        self.rng = rng
        self.tag = tag
        self.i = 0
        date = CRAWL_START.strftime("%Y-%m-%dT%H:%M:%SZ")
        _, self.info_id = self.w.warcinfo("bad.warc", {"software": "corpusforge-synth/1.0", "description": f"bad input: {tag}"},
                                          rng, date)
        self.good: list[str] = []
        self.bad: list[str] = []
        self.good_before_fault: int | None = None

    def mark_fault(self, url: str) -> None:
        """Record a defective page; the first one splits good pages into before / after."""
        if self.good_before_fault is None:
            self.good_before_fault = len(self.good)
        self.bad.append(url)

    def _date(self) -> str:
        return (CRAWL_START + timedelta(seconds=2 * self.i)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def good_pages(self, n: int) -> list[str]:
        urls = []
        for _ in range(n):
            page = _good_page(self.rng, self.i, self.tag)
            self.w.capture(page, self.rng, self._date(), self.info_id)
            urls.append(page.url)
            self.i += 1
        self.good.extend(urls)
        return urls

    def page(self, page: _Page) -> int:
        self.mark_fault(page.url)
        offset, _ = self.w.capture(page, self.rng, self._date(), self.info_id)
        self.i += 1
        return offset


def _response_record(page: _Page, rng: random.Random, i: int, declared_length: int | None = None) -> tuple[bytes, int]:
    """A serialized response record and its real block length; ``declared_length`` overrides its Content-Length."""
    date = (CRAWL_START + timedelta(seconds=2 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    block_len = len(http_block(page.status, page.headers)) + len(page.body)
    raw = serialize_record("response", page.url, [("WARC-Record-ID", _record_id(rng)), ("WARC-Date", date)], page.body,
                           http=http_block(page.status, page.headers))
    if declared_length is None:
        return raw, block_len
    head, sep, rest = raw.partition(b"\r\n\r\n")
    lines = [ln if not ln.startswith(b"Content-Length:") else b"Content-Length: %d" % declared_length
             for ln in head.split(b"\r\n")]
    return b"\r\n".join(lines) + sep + rest, block_len


def _truncated_gzip(bw: _BadWriter, fh: Any, gzip: bool) -> dict[str, Any]:
    bw.good_pages(4)
    doc_page = _good_page(bw.rng, bw.i, bw.tag + "-cut")
    raw, _ = _response_record(doc_page, bw.rng, bw.i)
    member = bw.w.encode(raw) if gzip else raw
    cut = len(member) // 2
    bw.mark_fault(doc_page.url)
    offset = bw.w.write_raw(member[:cut])
    return {"fault_offset": offset, "member_bytes": len(member), "written_bytes": cut, "gzip": gzip}


def _wrong_content_length(bw: _BadWriter, fh: Any, gzip: bool) -> dict[str, Any]:
    bw.good_pages(3)
    details: dict[str, Any] = {"records": []}
    for delta in (-300, +5000):
        page = _good_page(bw.rng, bw.i, bw.tag + "-len")
        real = len(http_block(page.status, page.headers)) + len(page.body)
        raw, real = _response_record(page, bw.rng, bw.i, declared_length=real + delta)
        bw.mark_fault(page.url)
        offset = bw.w.write(raw)
        bw.i += 1
        details["records"].append({"url": page.url, "offset": offset, "declared_length": real + delta,
                                   "actual_length": real, "too": "short" if delta < 0 else "long"})
        details.setdefault("after", []).append(bw.good_pages(3))
    return details


def _binary_garbage(bw: _BadWriter, fh: Any, gzip: bool) -> dict[str, Any]:
    bw.good_pages(3)
    brng = random.Random(bw.rng.getrandbits(64))
    garbage_body = brng.randbytes(20_000)
    url = f"https://garbage.{bw.tag}.example.com/index.html"
    offset_body = bw.page(_bad_page(url, garbage_body, "text/html", bw.rng, bw.i))
    bw.good_pages(2)
    junk = brng.randbytes(4096)
    offset_junk = bw.w.write_raw(junk)
    bw.good_pages(3)
    return {"garbage_body_url": url, "garbage_body_offset": offset_body, "garbage_body_sha1": hashlib.sha1(garbage_body).hexdigest(),
            "junk_offset": offset_junk, "junk_bytes": len(junk)}


def _huge_chunks(rng_seed: str, total: int) -> Iterator[bytes]:
    """The huge page's HTML in chunks, reproducible from ``rng_seed`` (streamed twice)."""
    rng = random.Random(rng_seed)
    paras = [f"<p>{p}</p>\n".encode("utf-8") for p in
             (compose_japanese("ja_encyclopedia", random.Random(f"{rng_seed}:{k}")).text.replace("\n", "</p>\n<p>") for k in range(8))]
    head = b'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>\xe5\xb7\xa8\xe5\xa4\xa7\xe3\x83\x9a\xe3\x83\xbc\xe3\x82\xb8</title></head><body>\n'
    tail = b"</body></html>\n"
    yield head
    written = len(head)
    budget = total - len(tail)
    while written < budget:
        chunk = b"".join(rng.choice(paras) for _ in range(64))
        chunk = chunk[: budget - written]
        written += len(chunk)
        yield chunk
    yield tail


def _huge_page(bw: _BadWriter, fh: Any, gzip: bool) -> dict[str, Any]:
    bw.good_pages(3)
    seed = f"corpusforge-huge:{bw.rng.getrandbits(32)}"
    sha, length = hashlib.sha1(), 0
    for chunk in _huge_chunks(seed, HUGE_PAGE_BYTES):
        sha.update(chunk)
        length += len(chunk)
    url = f"https://huge.{bw.tag.replace('_', '-')}.example.jp/all.html"
    http = http_block("200 OK", _http_headers(bw.rng, "text/html; charset=UTF-8", length, CRAWL_START))
    payload_digest = "sha1:" + base64.b32encode(sha.digest()).decode("ascii")
    block_sha = hashlib.sha1(http)
    for chunk in _huge_chunks(seed, HUGE_PAGE_BYTES):
        block_sha.update(chunk)
    block_digest = "sha1:" + base64.b32encode(block_sha.digest()).decode("ascii")
    headers = [("WARC-Record-ID", _record_id(bw.rng)), ("WARC-Date", CRAWL_START.strftime("%Y-%m-%dT%H:%M:%SZ")),
               ("WARC-Type", "response"), ("WARC-Target-URI", url), ("WARC-Payload-Digest", payload_digest),
               ("WARC-Block-Digest", block_digest), ("Content-Type", "application/http; msgtype=response"),
               ("Content-Length", str(len(http) + length))]
    head = ("WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("utf-8")
    bw.mark_fault(url)
    offset = fh.tell()
    comp = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None
    for part in _chain([head, http], _huge_chunks(seed, HUGE_PAGE_BYTES), [b"\r\n\r\n"]):
        fh.write(comp.compress(part) if comp else part)
    if comp:
        fh.write(comp.flush())
    bw.w.records += 1
    bw.good_pages(2)
    return {"url": url, "body_bytes": length, "offset": offset}


def _chain(*parts: Any) -> Iterator[bytes]:
    for part in parts:
        yield from part


def _html_bomb(bw: _BadWriter, fh: Any, gzip: bool) -> dict[str, Any]:
    bw.good_pages(3)
    nested = (b'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>bomb</title></head><body>'
              + b"<div>" * BOMB_NESTING + "深い".encode("utf-8") + b"</div>" * BOMB_NESTING + b"</body></html>")
    url_nested = f"https://bomb.{bw.tag.replace('_', '-')}.example.jp/nested.html"
    bw.page(_bad_page(url_nested, nested, "text/html; charset=UTF-8", bw.rng, bw.i))
    bw.good_pages(2)
    many = (b'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>many</title></head><body>'
            + "<b>あ</b>".encode("utf-8") * BOMB_ELEMENTS + b"</body></html>")
    url_many = f"https://bomb.{bw.tag.replace('_', '-')}.example.jp/many.html"
    bw.page(_bad_page(url_many, many, "text/html; charset=UTF-8", bw.rng, bw.i))
    bw.good_pages(2)
    return {"nested_url": url_nested, "nesting_depth": BOMB_NESTING, "nested_bytes": len(nested),
            "many_url": url_many, "elements": BOMB_ELEMENTS, "many_bytes": len(many)}


def _unknown_encoding(bw: _BadWriter, fh: Any, gzip: bool) -> dict[str, Any]:
    bw.good_pages(3)
    doc = compose_japanese("ja_blog", random.Random(f"corpusforge-bad-enc:{bw.rng.random()}"))
    paragraphs = "".join(f"<p>{line}</p>" for line in doc.text.split("\n"))
    ja_html = f'<html><head><meta charset="{UNKNOWN_CHARSET}"><title>{doc.title}</title></head><body>{paragraphs}</body></html>'
    en_html = ("<html><head><title>Report</title></head><body>"
               + "<p>The annual report of the regional library describes new reading rooms and longer opening hours.</p>" * 20
               + "</body></html>")
    base = f"https://enc.{bw.tag.replace('_', '-')}.example.jp"
    records = [
        {"url": f"{base}/utf16.html", "encoding": "utf-16-le", "declared": UNKNOWN_CHARSET, "text_lang": "ja",
         "body": ja_html.encode("utf-16-le")},
        {"url": f"{base}/ebcdic.html", "encoding": "cp500", "declared": UNKNOWN_CHARSET, "text_lang": "en",
         "body": en_html.encode("cp500")},
        {"url": f"{base}/utf16-declared.html", "encoding": "utf-16", "declared": "UTF-16", "text_lang": "ja",
         "body": ja_html.replace(UNKNOWN_CHARSET, "utf-16").encode("utf-16")},
    ]
    for rec in records:
        bw.page(_bad_page(rec["url"], rec["body"], f"text/html; charset={rec['declared']}", bw.rng, bw.i))
        bw.good_pages(1)
    return {"records": [{k: v for k, v in r.items() if k != "body"} | {"body_bytes": len(r["body"])} for r in records],
            "japanese_text": doc.text}


_WRITERS: dict[str, Callable[[_BadWriter, Any, bool], dict[str, Any]]] = {
    "truncated_gzip": _truncated_gzip,
    "wrong_content_length": _wrong_content_length,
    "binary_garbage": _binary_garbage,
    "huge_page": _huge_page,
    "html_bomb": _html_bomb,
    "unknown_encoding": _unknown_encoding,
}


def write_bad_warc(path: str | os.PathLike, kind: str, seed: int = 0) -> dict[str, Any]:
    """Write a WARC with the defect ``kind`` (one of ``BAD_KINDS``) around good Japanese pages.

    Gzip (one member per record) when the path ends in ``.gz``; ``truncated_gzip`` cuts a
    gzip member in half, so give it a ``.warc.gz`` path (a plain path gets a cut record).
    Returns ``kind``, ``path``, ``good_records``, ``good_urls``, ``good_urls_before_fault``,
    ``good_urls_after_fault``, ``bad_urls`` and ``details`` of the defect.
    """
    if kind not in _WRITERS:
        raise ValueError(f"unknown bad WARC kind {kind!r}; known: {', '.join(BAD_KINDS)}")
    out = Path(path)
    gzip = out.name.endswith(".gz")
    rng = random.Random(f"corpusforge-bad:{kind}:{seed}")
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "wb") as fh:
        bw = _BadWriter(fh, gzip, rng, kind)
        details = _WRITERS[kind](bw, fh, gzip)
    os.replace(tmp, out)
    split = len(bw.good) if bw.good_before_fault is None else bw.good_before_fault
    before = bw.good[:split]
    return {"kind": kind, "path": str(out), "good_records": len(bw.good), "good_urls": list(bw.good),
            "good_urls_before_fault": before, "good_urls_after_fault": bw.good[len(before):],
            "bad_urls": list(bw.bad), "details": details}
