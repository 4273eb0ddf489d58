"""Streaming WARC reader (warcio) for CommonCrawl-style files.

Yields one raw document per HTML ``response`` record with HTTP status 200; every other
record is counted under a named reason. A broken file never stops the batch: on a
parse error the reader counts it, then resynchronises at the next record (the next
gzip member of a ``.warc.gz``, or the next ``WARC/1.`` line of a plain ``.warc``) and
goes on, so everything readable before and after the fault is kept.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from corpusforge.document import Document
from corpusforge.io.base import Reader

_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+xhtml")
_SNIFF_RE = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."
_SCAN_CHUNK = 1 << 20


def domain_of(url: str) -> str:
    """Lower-case host of a URL without port and trailing dot ('' when there is none)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CHARSET_RE.search(content_type)
    return m.group(1).lower() if m else None


class WarcReader(Reader):
    """HTML responses of one ``.warc`` / ``.warc.gz`` file as documents with ``raw`` bytes.

    Skip reasons (counted in ``stats.dropped``): ``not_http_200`` (with a per-status
    counter), ``redirect``, ``not_html``, ``empty_body``, ``body_too_large``,
    ``truncated_record``; file faults are counted under ``read_error`` and resynced.
    """

    def __init__(self, path: str | Path, max_body_bytes: int = 20_000_000, name: str = "WarcReader") -> None:
        super().__init__(path, name)
        self.max_body_bytes = max_body_bytes
        self.gzipped = str(path).endswith(".gz")

    # resynchronisation --------------------------------------------------------------
    def _next_record_start(self, after: int) -> int | None:
        """File offset of the next plausible record start strictly after ``after``."""
        magic = _GZIP_MAGIC if self.gzipped else _WARC_MAGIC
        with open(self.path, "rb") as f:
            pos = after + 1
            f.seek(pos)
            tail = b""
            while True:
                chunk = f.read(_SCAN_CHUNK)
                if not chunk:
                    return None
                buf = tail + chunk
                start = 0
                while True:
                    i = buf.find(magic, start)
                    if i < 0:
                        break
                    cand = pos - len(tail) + i
                    if self._looks_like_record(f, cand):
                        return cand
                    start = i + 1
                tail = buf[-(len(magic) - 1):]
                pos += len(chunk)

    def _looks_like_record(self, f, offset: int) -> bool:  # type: ignore[no-untyped-def]
        here = f.tell()
        try:
            f.seek(offset)
            head = f.read(4096)
        finally:
            f.seek(here)
        if not self.gzipped:
            return head.startswith(_WARC_MAGIC)
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return d.decompress(head, 16).startswith(_WARC_MAGIC)
        except zlib.error:
            return False

    # reading ------------------------------------------------------------------------
    def read(self) -> Iterator[Document]:
        from warcio.archiveiterator import ArchiveIterator

        base = 0
        size = self.path.stat().st_size
        while True:
            last_ok_offset = base
            last_end = base
            with open(self.path, "rb") as f:
                f.seek(base)
                it = ArchiveIterator(f, no_record_parse=False, arc2warc=True)
                records = iter(it)
                while True:
                    try:
                        record = next(records)
                        doc = self._to_document(record)  # reads the body first:
                        offset = base + it.get_record_offset()  # this reads to the record's end
                        last_ok_offset = offset
                        last_end = offset + it.get_record_length()
                        if doc is not None:
                            doc.id = f"{self.key}/{offset}"
                            doc.metadata["record_offset"] = offset
                    except StopIteration:
                        if size > last_end:
                            # warcio ends quietly on a cut gzip member / record: count it
                            self.stats.count("read_error")
                            self.stats.count("read_error.truncated_file")
                            self.stats.count("truncated_bytes", size - last_end)
                        return
                    except Exception as e:  # noqa: BLE001  (any fault in a file is counted, never fatal)
                        self.stats.count("read_error")
                        self.stats.count(f"read_error.{type(e).__name__}")
                        break
                    if doc is not None:
                        yield doc
            nxt = self._next_record_start(last_ok_offset)
            if nxt is None or nxt <= base:
                return
            self.stats.count("resync")
            base = nxt

    def _to_document(self, record) -> Document | None:  # type: ignore[no-untyped-def]
        rtype = record.rec_type
        if rtype != "response":
            self.stats.count(f"warc.{rtype}")
            return None
        self.stats.count("warc.response")
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        http = record.http_headers
        if http is None:
            self.skip("not_http")
            record.content_stream().read()
            return None
        try:
            status = int(http.get_statuscode() or 0)
        except ValueError:
            status = 0
        if status != 200:
            self.skip("redirect" if 300 <= status < 400 else "not_http_200")
            self.stats.count(f"http_status.{status}")
            return None
        ctype = (http.get_header("Content-Type") or "").strip()
        body = record.content_stream().read(self.max_body_bytes + 1)
        if len(body) > self.max_body_bytes:
            self.skip("body_too_large")
            return None
        if not body.strip():
            self.skip("empty_body")
            return None
        mime = ctype.split(";", 1)[0].strip().lower()
        if mime not in _HTML_TYPES and not (mime in ("", "text/plain", "application/octet-stream") and _SNIFF_RE.match(body[:2048])):
            self.skip("not_html")
            self.stats.count(f"mime.{mime or 'none'}")
            return None
        if getattr(record.raw_stream, "limit", 0) > 0:
            # the body ended before its Content-Length: the file was cut inside this record
            self.skip("truncated_record")
            return None
        return Document(
            id="",
            url=url,
            raw=body,
            metadata={
                "domain": domain_of(url),
                "warc_file": self.key,
                "record_offset": -1,
                "warc_date": record.rec_headers.get_header("WARC-Date") or "",
                "http_status": status,
                "content_type": ctype,
                "http_charset": http_charset(ctype),
            },
        )
