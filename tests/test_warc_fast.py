"""The fast WARC engine against warcio.

Both engines of ``WarcReader`` must give the same documents and stats on generated
CommonCrawl-style files, on every named bad input, on warcio-written files, on chunked and
compressed HTTP bodies and on unusual but legal headers; record by record the fast parser
must report what warcio's ``ArchiveIterator`` reports. Under random corruption neither
engine may crash, both must give the same documents, the fast one must never give a
document the file does not hold intact, and it must keep every record the damage did not
touch. All files are generated here.

Every fast read here is done once with each installed inflater (ISA-L and zlib, see
``corpusforge.io.inflate.set_inflater``) and must come out the same, record for record
and stat for stat, so every comparison with warcio holds for both.
"""

from __future__ import annotations

import gzip as gzip_module
import io
import random
import tracemalloc
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from corpusforge.io.warc import inflate
from corpusforge.io.warc import WarcReader
from corpusforge.io.warc.records import CUT, FastWarcParser, iter_records
from corpusforge.synth import BAD_KINDS, generate_warc, write_bad_warc
from tests.helpers import ja_pages, write_warc

MAX_BODY = 200_000
HTML = ("<html><head><meta charset='utf-8'><title>t</title></head><body>"
        + "日本語の本文です。" * 300 + "</body></html>").encode("utf-8")


# ------------------------------------------------------------------------------ helpers
T = TypeVar("T")


@contextmanager
def using_inflater(name: str) -> Iterator[None]:
    before = inflate.inflater()
    inflate.set_inflater(name)
    try:
        yield
    finally:
        inflate.set_inflater(before)


def with_every_inflater(run: Callable[[], T]) -> T:
    """What ``run`` gives with each installed inflater, asserted to be the same."""
    results = {}
    for name in inflate.INFLATERS:
        with using_inflater(name):
            results[name] = run()
    first, *others = results
    for name in others:
        assert results[name] == results[first], f"{name} and {first} read the file differently"
    return results[first]


def read(path: Path, engine: str, **kw: Any) -> tuple[list[tuple[str, str, bytes, dict]], dict]:
    if engine == "fast":
        return with_every_inflater(lambda: _read(path, engine, **kw))
    return _read(path, engine, **kw)


def _read(path: Path, engine: str, **kw: Any) -> tuple[list[tuple[str, str, bytes, dict]], dict]:
    r = WarcReader(path, engine=engine, **kw)
    docs = [(d.id, d.url, d.raw, d.metadata) for d in r]
    s = r.stats
    return docs, {"docs_in": s.docs_in, "docs_out": s.docs_out, "dropped": dict(s.dropped), "counters": dict(s.counters)}


def assert_engines_agree(path: Path, **kw: Any) -> tuple[list, dict]:
    fast = read(path, "fast", **kw)
    slow = read(path, "warcio", **kw)
    assert fast[1] == slow[1]
    assert fast[0] == slow[0]
    return fast


def warcio_view(path: Path, max_body: int = MAX_BODY) -> list[tuple]:
    """Every record as warcio's ArchiveIterator reports it."""
    out = []
    with open(path, "rb") as f:
        it = ArchiveIterator(f, arc2warc=True)
        for rec in it:
            http = rec.http_headers if rec.rec_type == "response" else None
            body = rec.content_stream().read(max_body + 1) if http is not None else b""
            out.append((it.get_record_offset(), it.get_record_length(), rec.rec_type,
                        rec.rec_headers.get_header("WARC-Target-URI"), rec.rec_headers.get_header("WARC-Date"),
                        None if http is None else http.get_statuscode(),
                        None if http is None else http.get_header("Content-Type"), body))
    return out


def fast_view(path: Path, max_body: int = MAX_BODY) -> list[tuple]:
    """Every record as the fast parser reports it (all of them complete)."""
    return with_every_inflater(lambda: _fast_view(path, max_body))


def _fast_view(path: Path, max_body: int) -> list[tuple]:
    out = []
    for item in iter_records(path, max_body):
        assert isinstance(item, tuple), item
        rec, body, end = item
        assert end is None
        out.append((rec.offset, rec.length, rec.rec_type, rec.url, rec.date,
                    None if rec.http is None else rec.http_status,
                    None if rec.http is None else rec.content_type, body))
    return out


def raw_record(fields: list[bytes], block: bytes, eol: bytes = b"\r\n", version: bytes = b"WARC/1.0",
               length: bytes | None = None) -> bytes:
    """One hand-written record (for heads warcio's writer would never produce)."""
    cl = b"Content-Length: " + (length if length is not None else str(len(block)).encode())
    return eol.join([version, *fields, cl]) + eol + eol + block + b"\r\n\r\n"


def write_records(path: Path, records: list[bytes], gzip: bool) -> None:
    with open(path, "wb") as f:
        for rec in records:
            f.write(gzip_module.compress(rec) if gzip else rec)


def http_block(status: bytes, headers: list[bytes], body: bytes, eol: bytes = b"\r\n") -> bytes:
    return eol.join([status, *headers]) + eol + eol + body


# ------------------------------------------------------------------------------ well-formed files
@pytest.mark.parametrize("suffix", [".warc.gz", ".warc"])
@pytest.mark.parametrize("seed", [1, 7, 23])
def test_generated_files_same_records_as_warcio(tmp_path: Path, seed: int, suffix: str) -> None:
    path = tmp_path / f"g{suffix}"
    generate_warc(path, records=120, seed=seed, write_truth=False)
    view = fast_view(path)
    assert len(view) == 3 * 120 + 1
    assert view == warcio_view(path)


@pytest.mark.parametrize("truncate_last", [False, True])
@pytest.mark.parametrize("suffix", [".warc.gz", ".warc"])
@pytest.mark.parametrize("seed", [2, 11, 31])
def test_generated_files_same_documents_and_stats(tmp_path: Path, seed: int, suffix: str, truncate_last: bool) -> None:
    path = tmp_path / f"g{suffix}"
    generate_warc(path, records=150, seed=seed, truncate_last=truncate_last, write_truth=False)
    docs, stats = assert_engines_agree(path)
    assert len(docs) > 100 and stats["counters"]["warc.response"] == 150
    assert ("truncated_record" in stats["dropped"]) == truncate_last
    assert [d[0] for d in docs] == [f"g/{d[3]['record_offset']}" for d in docs]


@pytest.mark.parametrize("suffix", [".warc.gz", ".warc"])
@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_inputs_same_documents_and_stats(tmp_path: Path, kind: str, suffix: str) -> None:
    path = tmp_path / f"bad{suffix}"
    info = write_bad_warc(path, kind, seed=3)
    docs, stats = assert_engines_agree(path)
    urls = {d[1] for d in docs}
    assert set(info["good_urls_before_fault"]) <= urls
    if kind != "truncated_gzip":
        assert set(info["good_urls_after_fault"]) <= urls
    if kind == "wrong_content_length":
        # no document with a body cut at a wrong Content-Length (warcio alone would give one)
        assert not set(info["bad_urls"]) & urls
        assert stats["counters"]["read_error.ContentLengthMismatch"] >= 1


def test_warcio_written_files(tmp_path: Path) -> None:
    pages = ja_pages(5) + [
        ("http://example.jp/img", 200, "image/png", b"\x89PNG\r\n\x1a\nbinary"),
        ("http://example.jp/moved", 302, "text/html", b"<html>moved</html>"),
        ("http://example.jp/gone", 410, "text/html", b"<html>gone</html>"),
        ("http://example.jp/blank", 200, "text/html", b" \r\n "),
        ("http://example.jp/nohead", 200, "", b"<!doctype html><p>x</p>"),
        ("https://example.jp/big", 200, "text/html", HTML * 30),
    ]
    for gz in (True, False):
        path = tmp_path / ("w.warc.gz" if gz else "w.warc")
        write_warc(path, pages, gzip=gz)
        assert fast_view(path) == warcio_view(path)
        docs, stats = assert_engines_agree(path, max_body_bytes=MAX_BODY)
        assert [d[1] for d in docs] == [f"http://example.jp/{i}" for i in range(5)] + ["http://example.jp/nohead"]
        assert stats["dropped"] == {"not_html": 1, "redirect": 1, "not_http_200": 1, "empty_body": 1, "body_too_large": 1}


# ------------------------------------------------------------------------------ HTTP body codings
def _chunked(body: bytes, sizes: tuple[int, ...] = (100, 7, 1000)) -> bytes:
    out, i, k = [], 0, 0
    while i < len(body):
        n = sizes[k % len(sizes)]
        out.append(b"%x\r\n" % len(body[i:i + n]) + body[i:i + n] + b"\r\n")
        i, k = i + n, k + 1
    return b"".join(out) + b"0\r\n\r\n"


def _raw_deflate(body: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(body) + c.flush()


_GZ = gzip_module.compress(HTML)
# name -> (extra HTTP headers, payload as stored, does warcio's content_stream() give HTML back)
CODED_BODIES: dict[str, tuple[list[tuple[str, str]], bytes, bool]] = {
    "chunked": ([("Transfer-Encoding", "chunked")], _chunked(HTML), True),
    "chunked_extension": ([("Transfer-Encoding", "chunked")], _chunked(HTML).replace(b"\r\n", b";x=1\r\n", 1), True),
    "gzip": ([("Content-Encoding", "gzip")], _GZ, True),
    "gzip_upper_case": ([("Content-Encoding", "GZIP")], _GZ, True),
    "deflate_zlib": ([("Content-Encoding", "deflate")], zlib.compress(HTML), True),
    "deflate_raw": ([("Content-Encoding", "deflate")], _raw_deflate(HTML), True),
    "chunked_gzip": ([("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")], _chunked(_GZ), True),
    "gzip_two_members": ([("Content-Encoding", "gzip")], _GZ + gzip_module.compress(b"<p>more</p>"), True),
    "labelled_gzip_not_gzip": ([("Content-Encoding", "gzip")], HTML, True),
    "chunked_no_last_crlf": ([("Transfer-Encoding", "chunked")], _chunked(HTML)[:-5], True),
    "x_gzip_not_decoded": ([("Content-Encoding", "x-gzip")], _GZ, False),
    "br_without_brotli": ([("Content-Encoding", "br")], b"\x1b\x00 not decoded <html>", False),
    "gzip_damaged": ([("Content-Encoding", "gzip")], _GZ[:len(_GZ) // 2] + bytes(200) + _GZ[len(_GZ) // 2 + 200:], False),
    "gzip_cut": ([("Content-Encoding", "gzip")], _GZ[:len(_GZ) // 2], False),
    "chunked_bad_size": ([("Transfer-Encoding", "chunked")], b"zz\r\n" + HTML, False),
    "chunked_short_chunk": ([("Transfer-Encoding", "chunked")], b"ffff\r\n" + HTML[:500], False),
    "chunked_trailer": ([("Transfer-Encoding", "chunked")], _chunked(HTML)[:-2] + b"X-T: 1\r\n\r\n", False),
    "chunked_wrong_case": ([("Transfer-Encoding", "Chunked")], _chunked(HTML), False),
    "chunked_missing_crlf": ([("Transfer-Encoding", "chunked")], b"10\r\n0123456789abcdefXX5\r\nhello\r\n0\r\n\r\n", False),
    "chunked_too_large": ([("Transfer-Encoding", "chunked")], _chunked(HTML * 40), False),
    "gzip_too_large": ([("Content-Encoding", "gzip")], gzip_module.compress(HTML * 40), False),
}


@pytest.mark.parametrize("gz", [True, False])
def test_coded_bodies_decoded_as_warcio_does(tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("coded.warc.gz" if gz else "coded.warc")
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gz)
        for name, (headers, payload, _) in CODED_BODIES.items():
            h = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), *headers], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"http://coded.example.jp/{name}", "response",
                                                payload=io.BytesIO(payload), http_headers=h))
    assert fast_view(path) == warcio_view(path)
    docs, stats = assert_engines_agree(path, max_body_bytes=MAX_BODY)
    body = {d[1].rsplit("/", 1)[1]: d[2] for d in docs}
    for name, (_, _, decoded) in CODED_BODIES.items():
        assert (body.get(name) == HTML) == decoded, name
    assert stats["dropped"] == {"body_too_large": 2}


# ------------------------------------------------------------------------------ unusual heads
def _header_variant_records() -> list[bytes]:
    page = http_block(b"HTTP/1.1 200 OK", [b"Content-Type: text/html; charset=utf-8"], HTML)
    date = b"WARC-Date: 2024-05-01T00:00:00Z"
    return [
        raw_record([b"WARC-Type: warcinfo", date], b"software: test\r\n"),
        raw_record([b"warc-type: response", b"warc-target-uri: http://h.example.jp/lower", date], page),
        raw_record([b"WARC-Type : response", b"WARC-Target-URI :  http://h.example.jp/spaced  ", date], page),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/cont", b"X-Long: a",
                    b"   b", b"\tc", date], page),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/lf-only", date],
                   http_block(b"HTTP/1.1 200 OK", [b"Content-Type: text/html"], HTML, eol=b"\n"), eol=b"\n"),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/caf\xe9", date], page),
        raw_record([b"WARC-Type: response", "WARC-Target-URI: http://h.example.jp/日本".encode(), date], page),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: <http://h.example.jp/angle>",
                    b"WARC-Target-URI: http://h.example.jp/second", date], page),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/with space", date], page),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/v11", date], page, version=b"WARC/1.1"),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/zeros", date], page,
                   length=b"000" + str(len(page)).encode()),
        raw_record([b"WARC-Target-URI: http://h.example.jp/no-type", date], page),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: dns:h.example.jp", date], b"1.2.3.4"),
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/empty", date], b""),
        raw_record([b"WARC-Type: resource", b"WARC-Target-URI: http://h.example.jp/res", date], HTML),
        raw_record([b"WARC-Type: revisit", b"WARC-Target-URI: http://h.example.jp/rev", date],
                   http_block(b"HTTP/1.1 200 OK", [b"Content-Type: text/html"], b"")),
    ] + [
        raw_record([b"WARC-Type: response", b"WARC-Target-URI: http://h.example.jp/http/%d" % i, date], block)
        for i, block in enumerate([
            http_block(b"HTTP/1.1 200", [b"Content-Type: text/html"], HTML),
            http_block(b"HTTP/1.0  200  OK", [b"Content-Type: text/html"], HTML),
            http_block("HTTP/1.1 ２００ OK".encode(), [b"Content-Type: text/html"], HTML),
            http_block(b"HTTP/1.1\t200 OK", [b"Content-Type: text/html"], HTML),
            b"\r\n" + HTML,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Unended: " + HTML,
            http_block(b"HTTP/1.1 200 OK", [b"X-Content-Type-Options: nosniff", b"Content-Type: text/html"], HTML),
            http_block(b"HTTP/1.1 200 OK", [b"Content-Type: image/png", b"Content-Type: text/html"], HTML),
            http_block(b"HTTP/1.1 200 OK", [b"Content-Type : text/plain"], HTML),
            http_block(b"HTTP/1.1 200 OK", [b"Content-Type: text/html;", b"  charset=utf-8"], HTML),
            http_block(b"HTTP/1.1 200 OK", [b"Content-Type: text/html; charset=\xe9uc-jp"], HTML),
            http_block(b"HTTP/1.1 200 OK", [b"Server: x\nContent-Type: text/html"], HTML),
            http_block(b"HTTP/1.1 200 OK", [b"Content-Type: application/xhtml+xml", b"\x0c"], HTML),
            http_block(b"HTTP/1.1 404 Not Found", [b"Content-Type: text/html"], HTML),
            http_block(b"HTTP/1.1 301 Moved", [b"Location: /x"], b""),
            http_block(b"HTTP/1.1 abc", [b"Content-Type: text/html"], HTML),
        ])
    ]


@pytest.mark.parametrize("gz", [True, False])
def test_unusual_heads_read_as_warcio_reads_them(tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("heads.warc.gz" if gz else "heads.warc")
    write_records(path, _header_variant_records(), gz)
    view = fast_view(path)
    assert view == warcio_view(path)
    docs, stats = assert_engines_agree(path)
    urls = [d[1] for d in docs]
    assert "http://h.example.jp/café" in urls and "http://h.example.jp/日本" in urls
    assert "<http://h.example.jp/angle>" in urls  # warcio cleans the last Target-URI, returns the first
    assert "http://h.example.jp/with%20space" in urls and "http://h.example.jp/spaced" in urls
    assert stats["counters"]["warc.None"] == 1 and stats["counters"]["http_status.0"] >= 2
    assert stats["dropped"]["not_http"] == 2  # dns: target, empty block


# ------------------------------------------------------------------------------ layouts warcio refuses
def test_gzip_members_with_several_records(tmp_path: Path) -> None:
    """A whole-file gzip reads like the uncompressed file, with the same ids; so do members
    of three records each, where the first record of a member has the member's offset and
    the next ones the member's offset plus their place in it. warcio stops after the first
    record of such a member (its ``ArchiveLoadFailed`` on "non-chunked gzip")."""
    plain = tmp_path / "m.warc"
    generate_warc(plain, records=40, seed=4, write_truth=False)
    data = plain.read_bytes()
    expected_docs, expected_stats = read(plain, "fast")
    (tmp_path / "whole").mkdir()
    whole = tmp_path / "whole" / "m.warc.gz"
    whole.write_bytes(gzip_module.compress(data))
    assert read(whole, "fast") == (expected_docs, expected_stats)
    assert len(read(whole, "warcio")[0]) <= 1

    starts = [item[0].offset for item in iter_records(plain)]  # type: ignore[index, union-attr]
    new_offset, members, pos = {}, [], 0
    for i in range(0, len(starts), 3):
        group = starts[i:i + 3]
        end = starts[i + 3] if i + 3 < len(starts) else len(data)
        for s in group:
            new_offset[s] = pos + (s - group[0])
        members.append(gzip_module.compress(data[group[0]:end]))
        pos += len(members[-1])
    (tmp_path / "grouped").mkdir()
    grouped = tmp_path / "grouped" / "m.warc.gz"
    grouped.write_bytes(b"".join(members))
    docs, stats = read(grouped, "fast")
    assert stats == expected_stats
    moved = [(f"m/{new_offset[m['record_offset']]}", url, raw, m | {"record_offset": new_offset[m["record_offset"]]})
             for _, url, raw, m in expected_docs]
    assert docs == moved
    assert len({d[0] for d in docs}) == len(docs)


def test_arc_files_are_read_through_warcio(tmp_path: Path) -> None:
    body = "<html><head><title>x</title></head><body><p>日本語</p></body></html>".encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
    desc = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [b"filedesc://t.arc 0.0.0.0 20240101000000 text/plain %d\n" % len(desc) + desc + b"\n",
               b"http://arc.example.jp/ 1.2.3.4 20240101000000 text/html %d\n" % len(http) + http + b"\n"]
    for gz in (True, False):
        path = tmp_path / ("t.arc.gz" if gz else "t.arc")
        write_records(path, records, gz)
        docs, stats = assert_engines_agree(path)
        assert [(d[1], d[2]) for d in docs] == [("http://arc.example.jp/", body)]
        assert "read_error" not in stats["counters"]


# ------------------------------------------------------------------------------ paths and bounds
def test_whole_member_shortcut_matches_general_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Most gzip members are read straight from their inflated bytes; the general path
    (any odd head, several records), fed the same inflated bytes or inflating the member
    as it reads it (members too large to hold), must read them the same."""
    files = []
    for i, kind in enumerate(("wrong_content_length", "binary_garbage", "truncated_gzip")):
        files.append(tmp_path / f"{kind}.warc.gz")
        write_bad_warc(files[-1], kind, seed=i)
    files.append(tmp_path / "g.warc.gz")
    generate_warc(files[-1], records=100, seed=9, truncate_last=True, write_truth=False)
    files.append(tmp_path / "heads.warc.gz")
    write_records(files[-1], _header_variant_records(), True)
    shortcut = [read(p, "fast") for p in files]
    monkeypatch.setattr(FastWarcParser, "_whole_member_record", lambda self, buf, end: None)
    assert [read(p, "fast") for p in files] == shortcut
    monkeypatch.setattr(FastWarcParser, "_inflate_whole", lambda self, pos: None)
    assert [read(p, "fast") for p in files] == shortcut


def test_huge_record_is_never_held_whole(tmp_path: Path) -> None:
    path = tmp_path / "huge.warc.gz"
    big = b"<html><body>" + HTML * 3000 + b"</body></html>"  # ~25 MB, compresses ~400x
    write_warc(path, ja_pages(1) + [("http://example.jp/huge", 200, "text/html", big)] + ja_pages(1, start=7))
    tracemalloc.start()
    try:
        r = WarcReader(path, max_body_bytes=1_000_000)
        urls = [d.url for d in r]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert urls == ["http://example.jp/0", "http://example.jp/7"]
    assert r.stats.dropped == {"body_too_large": 1}
    assert peak < 8_000_000, peak  # body limit + one inflate step, far below the 25 MB record


def test_iter_records_reports_cut_records(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc.gz"
    generate_warc(path, records=10, seed=5, truncate_last=True, write_truth=False)
    items = list(iter_records(path))
    assert all(isinstance(i, tuple) for i in items)
    assert [end for _, _, end in items].count(CUT) == 1  # type: ignore[misc]
    assert items[-1][2] == CUT  # type: ignore[index]


# ------------------------------------------------------------------------------ random damage
CORRUPTION_CASES = [(".warc.gz", case) for case in range(60)] + [(".warc", case) for case in range(40)]


@pytest.fixture(scope="module")
def clean_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, list, list]]:
    """Per suffix: the clean bytes, the fast view of its records, and its documents."""
    out = {}
    folder = tmp_path_factory.mktemp("clean")
    for suffix in (".warc.gz", ".warc"):
        path = folder / f"c{suffix}"
        generate_warc(path, records=40, seed=5, write_truth=False)
        spans = [(rec.offset, rec.offset + rec.length) for rec, _, _ in iter_records(path)]  # type: ignore[misc]
        if suffix == ".warc":  # a record owns its trailing CRLF CRLF too
            spans = [(a, spans[i + 1][0] if i + 1 < len(spans) else path.stat().st_size) for i, (a, _) in enumerate(spans)]
        out[suffix] = (path.read_bytes(), spans, read(path, "fast")[0])
    return out


def _damage(data: bytes, rng: random.Random, plain: bool) -> tuple[bytes, str, int, int, int]:
    """(damaged bytes, kind, first damaged byte, end of the damage in the original, shift after it).

    Uncompressed files get no flipped bytes: nothing in an uncompressed record guards its
    bytes (neither engine checks WARC-Block-Digest, which would not cover the head anyway),
    so a flipped letter in a body is a different but whole record for any reader.
    """
    kind = rng.choice(["cut", "insert", "truncate"] if plain else ["flip", "cut", "insert", "truncate"])
    a = rng.randrange(len(data))
    if kind == "flip":
        bad = bytearray(data)
        spots = [rng.randrange(len(data)) for _ in range(rng.randint(1, 3))]
        for i in spots:
            bad[i] ^= 1 << rng.randrange(8)
        return bytes(bad), kind, min(spots), max(spots) + 1, 0
    small = rng.random() < 0.5  # a few bytes: what only the exact record-end check notices
    if kind == "cut":
        n = rng.randint(1, 8) if small else rng.randint(1, 3000)
        return data[:a] + data[a + n:], kind, a, a + n, -min(n, len(data) - a)
    if kind == "insert":
        junk = rng.randbytes(rng.randint(1, 8) if small else rng.randint(1, 500))
        return data[:a] + junk + data[a:], kind, a, a, len(junk)
    return data[:a], kind, a, len(data), 0


def _warcio_reads_whole(path: Path, doc: tuple) -> bool:
    """Whether warcio, reading the damaged file at the document's offset, finds the same
    complete record there (its Content-Length reached, a blank line after it)."""
    with open(path, "rb") as f:
        f.seek(int(doc[0].rsplit("/", 1)[1]))
        it = ArchiveIterator(f)
        rec = next(iter(it))
        body = rec.content_stream().read()
        it.get_record_offset()
        return (rec.rec_headers.get_header("WARC-Target-URI") == doc[1] and body == doc[2]
                and rec.raw_stream.limit == 0 and it.err_count == 0)


def _nonzero(c: Counter) -> dict[str, int]:
    return {k: v for k, v in c.items() if v}


def _allowed_stats_difference(fast: dict, slow: dict, gz: bool) -> bool:
    """The stats of the engines may differ after a fault only in these ways:

    * gzip: a member that fails to inflate is ``read_error.BadGzipMember`` in the fast
      engine; warcio, when the first inflate call of a member fails, reads the member's
      compressed bytes as if they were uncompressed, so the same fault shows there as
      ``ArchiveLoadFailed`` or ``MissingContentLength`` (same number of read errors).
    * gzip: warcio hands out the part of a damaged member it inflated before zlib's error
      (it reads in 16 KiB blocks), so it counts that record (``warc.response`` and a
      ``truncated_record`` drop); the fast engine rejects the member before any record.
    * uncompressed: a record whose damaged head lost its WARC-Target-URI makes warcio raise
      ``AttributeError``; the fast engine reads it as a record without an HTTP head (one
      more ``warc.<type>``, one read error and resync less) or, when the head lost its
      Content-Length too, counts the same fault as ``MissingContentLength``.
    """
    fc, sc = Counter(fast["counters"]), Counter(slow["counters"])
    fd, sd = Counter(fast["dropped"]), Counter(slow["dropped"])
    extra = 0
    if gz:
        extra = sc["warc.response"] - fc["warc.response"]
        if extra < 0 or sd["truncated_record"] - fd["truncated_record"] != extra or fc["read_error.BadGzipMember"] < extra:
            return False
        sc["warc.response"] -= extra
        sd["truncated_record"] -= extra
        names = ("read_error.BadGzipMember", "read_error.ArchiveLoadFailed", "read_error.MissingContentLength")
        if sum(fc[k] for k in names) != sum(sc[k] for k in names):
            return False
        for k in names:
            fc[k] = sc[k] = 0
    else:
        n = sc["read_error.AttributeError"]
        sc["read_error.AttributeError"] = 0
        renamed = min(n, fc["read_error.MissingContentLength"] - sc["read_error.MissingContentLength"])
        sc["read_error.MissingContentLength"] += renamed
        n -= renamed
        sc["read_error"] -= n
        sc["resync"] -= n
        more = {k: fc[k] - sc[k] for k in fc if k.startswith("warc.") and fc[k] > sc[k]}
        if sum(more.values()) != n:
            return False
        sc.update(more)
    return (_nonzero(fc) == _nonzero(sc) and _nonzero(fd) == _nonzero(sd)
            and fast["docs_out"] == slow["docs_out"] and slow["docs_in"] - fast["docs_in"] == extra)


@pytest.mark.parametrize("suffix,case", CORRUPTION_CASES)
def test_random_damage(tmp_path: Path, clean_files: dict, suffix: str, case: int) -> None:
    """Flipped, cut, inserted or truncated bytes at seeded places: both engines finish and
    give the same documents; each fast document is an original one (gzip) or a whole record
    at a damaged place as warcio sees it there (uncompressed); every record the damage did
    not touch is kept."""
    data, spans, original = clean_files[suffix]
    gz = suffix == ".warc.gz"
    rng = random.Random(f"warc-damage:{suffix}:{case}")
    bad, kind, start, stop, shift = _damage(data, rng, plain=not gz)
    path = tmp_path / f"c{suffix}"
    path.write_bytes(bad)
    fast_docs, fast_stats = read(path, "fast")
    slow_docs, slow_stats = read(path, "warcio")

    # both engines give the same documents
    assert fast_docs == slow_docs
    assert _allowed_stats_difference(fast_stats, slow_stats, gz), (fast_stats, slow_stats)

    def content(doc: tuple) -> tuple:
        return doc[1], doc[2], tuple(sorted((k, v) for k, v in doc[3].items() if k != "record_offset"))

    originals = {content(d): d for d in original}
    for doc in fast_docs:
        if gz:  # gzip CRCs guard every record: a document is one of the original file's
            assert content(doc) in originals, doc[0]
            if kind == "flip":
                assert doc[0] == originals[content(doc)][0]
        elif content(doc) not in originals:
            # no checksum guards an uncompressed record: a changed one may only come from the
            # damaged stretch, and warcio must find the same complete record there
            offset = int(doc[0].rsplit("/", 1)[1])
            damaged_record = max(a for a, _ in spans if a <= start)
            assert damaged_record <= offset <= start + max(shift, 0), (kind, start, doc[0])
            assert _warcio_reads_whole(path, doc), doc[0]

    # every record the damage did not touch is kept, at its (shifted) offset
    kept = {d[0] for d in fast_docs}
    for doc in original:
        offset = doc[3]["record_offset"]
        a, b = next(span for span in spans if span[0] == offset)
        if b <= start:
            assert doc[0] in kept, (kind, start, doc[0])
        elif a >= stop and kind != "truncate":
            assert f"{doc[0].rsplit('/', 1)[0]}/{offset + shift}" in kept, (kind, start, stop, doc[0])


def test_uncompressed_head_edit_reads_as_a_whole_record(tmp_path: Path) -> None:
    """The limit of uncompressed files: bytes inserted into a response's Target-URI leave a
    well-formed record with another URL. Both engines read it so (no reader can tell), and
    warcio finds the same whole record at that offset; the records around it are untouched."""
    path = tmp_path / "e.warc"
    generate_warc(path, records=10, seed=6, write_truth=False)
    data = path.read_bytes()
    original = read(path, "fast")[0]
    target = original[3]
    k = target[1].index("://") + 4  # inside the host name
    at = data.index(b"WARC-Target-URI: " + target[1].encode(), target[3]["record_offset"]) + len("WARC-Target-URI: ") + k
    path.write_bytes(data[:at] + b"x" + data[at:])
    docs = assert_engines_agree(path)[0]
    changed = [d for d in docs if (d[1], d[2]) not in {(o[1], o[2]) for o in original}]
    assert [(d[0], d[1], d[2]) for d in changed] == [(target[0], target[1][:k] + "x" + target[1][k:], target[2])]
    assert _warcio_reads_whole(path, changed[0])
    assert [d[2] for d in docs] == [d[2] for d in original]
