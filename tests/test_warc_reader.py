"""WARC reading: CommonCrawl layout, skip reasons, stable ids, and broken files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import corpusforge as cf
from tests.helpers import ja_pages, write_warc


def test_reads_html_responses_and_counts_skips(tmp_path: Path) -> None:
    p = tmp_path / "CC-MAIN-test-00000.warc.gz"
    pages = ja_pages(3) + [
        ("http://example.jp/img", 200, "image/jpeg", b"\xff\xd8\xff\xe0binary"),
        ("http://example.jp/moved", 301, "text/html", b"<html>moved</html>"),
        ("http://example.jp/404", 404, "text/html", b"<html>not found</html>"),
        ("http://example.jp/empty", 200, "text/html", b"   "),
        ("http://example.jp/sniffed", 200, "", b"<!DOCTYPE html><html><p>\xe3\x81\x82</p></html>"),
    ]
    write_warc(p, pages)
    r = cf.read_warc(p)
    out = list(r)
    assert [d.url for d in out] == ["http://example.jp/0", "http://example.jp/1", "http://example.jp/2",
                                    "http://example.jp/sniffed"]
    assert r.stats.dropped == {"not_html": 1, "redirect": 1, "not_http_200": 1, "empty_body": 1}
    assert r.stats.counters["http_status.404"] == 1
    d = out[0]
    assert d.id.startswith("CC-MAIN-test-00000/") and d.metadata["record_offset"] == int(d.id.split("/")[1])
    assert d.metadata["http_charset"] == "utf-8" and d.metadata["domain"] == "example.jp"
    assert d.raw and "これは0番目".encode() in d.raw
    # ids are stable: same file read again gives the same ids
    assert [x.id for x in cf.read_warc(p)] == [x.id for x in out]
    # and uncompressed WARC works too
    q = tmp_path / "plain.warc"
    write_warc(q, ja_pages(2), gzip=False)
    assert len(list(cf.read_warc(q))) == 2


def test_truncated_gzip_keeps_everything_before_the_cut(tmp_path: Path) -> None:
    p = tmp_path / "t.warc.gz"
    write_warc(p, ja_pages(20))
    data = p.read_bytes()
    p.write_bytes(data[: int(len(data) * 0.6)])
    r = cf.read_warc(p)
    out = list(r)
    assert 8 <= len(out) < 20
    assert [d.url for d in out] == [f"http://example.jp/{i}" for i in range(len(out))]
    assert r.stats.counters.get("read_error", 0) + r.stats.dropped.get("truncated_record", 0) >= 1


def test_garbage_between_records_is_skipped_and_reading_resumes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    write_warc(a, ja_pages(3))
    write_warc(b, ja_pages(3, start=100))
    p = tmp_path / "mixed.warc.gz"
    p.write_bytes(a.read_bytes() + os.urandom(5000) + b.read_bytes())
    r = cf.read_warc(p)
    urls = [d.url for d in r]
    assert urls == [f"http://example.jp/{i}" for i in (0, 1, 2, 100, 101, 102)]
    assert r.stats.counters["read_error"] >= 1 and r.stats.counters["resync"] >= 1


@pytest.mark.parametrize("delta", [-40, +40])
def test_wrong_content_length_in_plain_warc(tmp_path: Path, delta: int) -> None:
    p = tmp_path / "cl.warc"
    write_warc(p, ja_pages(5), gzip=False)
    data = p.read_bytes()
    # corrupt the Content-Length of the second record
    first = data.find(b"Content-Length: ", data.find(b"WARC/1.0", 10))
    end = data.find(b"\r\n", first)
    n = int(data[first + 16:end])
    data = data[:first] + f"Content-Length: {n + delta}".encode() + data[end:]
    p.write_bytes(data)
    r = cf.read_warc(p)
    urls = [d.url for d in r]
    # the record with the wrong length may be lost or damaged; all others survive
    for i in (0, 2, 3, 4):
        assert f"http://example.jp/{i}" in urls
    assert r.stats.counters.get("read_error", 0) >= 1


def test_body_size_bound(tmp_path: Path) -> None:
    p = tmp_path / "big.warc.gz"
    big = b"<html><body>" + "大".encode() * 400_000 + b"</body></html>"
    write_warc(p, ja_pages(1) + [("http://example.jp/big", 200, "text/html", big)] + ja_pages(1, start=5))
    r = cf.read_warc(p, max_body_bytes=1_000_000)
    assert [d.url for d in r] == ["http://example.jp/0", "http://example.jp/5"]
    assert r.stats.dropped == {"body_too_large": 1}


@pytest.mark.parametrize("engine", ["fast", "warcio"])
def test_ids_after_a_resync_are_the_record_offsets(tmp_path: Path, engine: str) -> None:
    a, b = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    write_warc(a, ja_pages(2))
    write_warc(b, ja_pages(3, start=50))
    p = tmp_path / "joined.warc.gz"
    junk = b"\x00not a record\x00" * 100
    p.write_bytes(a.read_bytes() + junk + b.read_bytes())
    r = cf.read_warc(p, engine=engine)
    second = [d for d in r if d.url.endswith(("/50", "/51", "/52"))]
    shift = a.stat().st_size + len(junk)
    assert [d.metadata["record_offset"] - shift for d in second] == [d.metadata["record_offset"] for d in cf.read_warc(b)]
    assert [d.id for d in second] == [f"joined/{d.metadata['record_offset']}" for d in second]
    assert r.stats.counters["resync"] == 1
