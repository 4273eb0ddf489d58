"""Streaming WARC reader for CommonCrawl-style files, with two parsing engines.

Yields one raw document per HTML ``response`` record with HTTP status 200; every other
record is counted under a named reason. A broken file never stops the batch: on a fault
the reader counts it, then resynchronises at the next record start (the next gzip member
that inflates to ``WARC/1.`` in a ``.warc.gz``, the next ``WARC/1.`` in a plain ``.warc``)
and goes on, so everything readable before and after the fault is kept.

Engines: ``fast`` (default, ``corpusforge.io.warc.records``: zlib per gzip member and
``bytes.find`` on a memory map) and ``warcio`` (warcio's ``ArchiveIterator``; it also
reads ARC files for both). Both run under the same driver and the same record-end checks,
so they give the same documents and stats on well-formed files and on the faults the tests
name; how their stats still differ after other faults is listed in
``tests/test_warc_fast.py`` (``_allowed_stats_difference``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from corpusforge.document import Document
from corpusforge.ids import document_id
from corpusforge.io.base import Reader, domain_of
from corpusforge.io.warc.records import (
    BAD_GZIP_MEMBER,
    CONTENT_LENGTH_MISMATCH,
    CUT,
    MISSING_CONTENT_LENGTH,
    CutHeader,
    FastWarcParser,
    Fault,
    WarcRecord,
    is_arc,
    looks_like_record,
    next_record_start,
)
from corpusforge.io.warc.source import map_file, unmap

_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:\-]+)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+xhtml")
_SNIFF_RE = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)
_TRAILER = b"\r\n\r\n"
ENGINES = ("fast", "warcio")


def http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CHARSET_RE.search(content_type)
    return m.group(1).lower() if m else None


class _WarcioRecord:
    """A warcio record seen through the attributes the reader uses (as ``WarcRecord``)."""

    __slots__ = ("record", "offset", "length", "rec_type", "url", "date", "http", "http_status", "content_type")

    def __init__(self, record: Any) -> None:
        self.record = record
        self.offset = -1
        self.length = -1
        self.rec_type = record.rec_type
        self.url = record.rec_headers.get_header("WARC-Target-URI")
        self.date = record.rec_headers.get_header("WARC-Date")
        http = record.http_headers
        self.http = None if http is None else bool(http)
        self.http_status = http.get_statuscode() if http is not None else ""
        self.content_type = http.get_header("Content-Type") if http is not None else None

    def read_body(self, n: int) -> bytes:
        return self.record.content_stream().read(n)


class _WarcioSource:
    """warcio's ``ArchiveIterator`` from ``base``, plus the record-end checks of the fast
    parser (warcio only warns about them on stderr), so both engines agree."""

    silent_stops = True  # warcio ends quietly after a gzip member that fails to inflate

    def __init__(self, path: Path, mm: Any, base: int, gzipped: bool, arc: bool) -> None:
        from warcio.archiveiterator import ArchiveIterator

        self.mm = mm
        self.gzipped = gzipped
        self.arc = arc
        self.f = open(path, "rb")
        self.f.seek(base)
        self.it = ArchiveIterator(self.f, no_record_parse=False, arc2warc=True)
        if not arc:
            self.it.known_format = "warc"  # no ARC-header guesses on a broken WARC line
        self.records = iter(self.it)

    def next_record(self) -> _WarcioRecord | Fault | None:
        try:
            record = next(self.records)
        except StopIteration:
            return None
        if record.length is None:
            at_end = self.it.reader.rem_length() == 0 and self.f.tell() >= len(self.mm)
            if at_end and next_record_start(self.mm, self.it.offset, self.gzipped) is None:
                return CutHeader(self.it.offset)  # the file ends inside this record's header
            return Fault(MISSING_CONTENT_LENGTH, -1)
        return _WarcioRecord(record)

    def finish(self, rec: _WarcioRecord) -> str | None:
        errors = self.it.err_count
        rec.offset = self.it.get_record_offset()  # reads to the end of the record
        rec.length = self.it.get_record_length()
        if getattr(rec.record.raw_stream, "limit", 0) > 0:
            return CUT
        if self.it.err_count > errors:  # "Record not followed by newline"
            return CONTENT_LENGTH_MISMATCH
        if not self.gzipped and not self.arc:  # WARC records end with CRLF CRLF (ARC ones with LF)
            block_end = rec.offset + rec.length
            head = self.mm[block_end:block_end + 4]
            if head != _TRAILER:
                return CUT if len(head) < 4 and not head.strip() else CONTENT_LENGTH_MISMATCH
        return None

    def position(self) -> int:
        return self.it.offset

    def close(self) -> None:
        self.it.close()
        self.f.close()


class WarcReader(Reader):
    """HTML responses of one ``.warc`` / ``.warc.gz`` file as documents with ``raw`` bytes.

    Skip reasons (counted in ``stats.dropped``): ``not_http``, ``not_http_200`` (with a
    per-status counter), ``redirect``, ``not_html`` (with a per-MIME counter),
    ``empty_body``, ``body_too_large``, ``truncated_record``; file faults are counted
    under ``read_error`` / ``read_error.<kind>`` and resynced (``resync``); a file that
    ends inside a record other than a would-be document counts ``read_error.truncated_file``
    and ``truncated_bytes``.

    Segments: after ``limit`` HTTP responses the reader stops at the next offset where a
    record starts (a gzip member that inflates to ``WARC/1.``, or ``WARC/1.`` in a plain
    file), so the next segment reads on from there with the same ids and decisions (the
    ``fast`` engine; ``warcio`` and ARC files are read whole).
    """

    def __init__(self, path: str | Path, max_body_bytes: int = 20_000_000, name: str = "WarcReader",
                 engine: str = "fast") -> None:
        super().__init__(path, name)
        if engine not in ENGINES:
            raise ValueError(f"unknown WARC engine {engine!r}; known: {', '.join(ENGINES)}")
        self.max_body_bytes = max_body_bytes
        self.engine = engine
        self.gzipped = str(path).endswith(".gz")
        self.segmented = engine == "fast"

    def read(self) -> Iterator[Document]:
        mm = map_file(self.path)
        try:
            yield from self._read(mm)
        finally:
            unmap(mm)

    def _open(self, mm: Any, base: int, arc: bool) -> Any:
        if self.engine == "fast" and not arc:
            return FastWarcParser(mm, base, self.gzipped)
        return _WarcioSource(self.path, mm, base, self.gzipped, arc)

    def _read(self, mm: Any) -> Iterator[Document]:
        size = len(mm)
        if not size:
            return
        head = mm[:8]
        if head[:3] == b"\x1f\x8b\x08":
            self.gzipped = True
        elif head.upper().startswith(b"WARC/"):
            self.gzipped = False
        arc = is_arc(mm)
        base = self.start
        while True:
            src = self._open(mm, base, arc)
            last_ok = base
            fault, fault_at = "", base
            try:
                while True:
                    if self._segment_done(mm, src.position()):
                        self.resume_at = src.position()
                        return
                    doc = end = None
                    try:
                        item = src.next_record()
                        if isinstance(item, (_WarcioRecord, WarcRecord)):
                            doc = self._to_document(item)
                            end = src.finish(item)
                    except Exception as e:  # noqa: BLE001  (warcio: any fault in a file is counted, never fatal)
                        fault, fault_at = type(e).__name__, src.position()
                        break
                    if item is None:
                        if src.silent_stops and self.gzipped and self._stopped_early(mm, last_ok, src.position()):
                            fault, fault_at = BAD_GZIP_MEMBER, src.position()
                            break
                        self._count_unread_tail(mm, src.position())
                        return
                    if isinstance(item, Fault):
                        fault, fault_at = item.kind, (item.offset if item.offset >= 0 else src.position())
                        break
                    if isinstance(item, CutHeader):
                        self._count_truncated(size - item.offset)
                        return
                    last_ok = item.offset
                    if end == CUT:
                        if doc is not None:
                            self.skip("truncated_record")
                        at_eof = src.position() >= size
                        if at_eof and next_record_start(mm, item.offset, self.gzipped) is not None:
                            # not the end of the file: the length ran past later records, or
                            # (warcio) a member failed to inflate and warcio read on to the end
                            fault = BAD_GZIP_MEMBER if self.gzipped else CONTENT_LENGTH_MISMATCH
                            fault_at = item.offset
                            break
                        if doc is None:
                            if at_eof:
                                self._count_truncated(size - item.offset)
                            else:
                                self._count_error(CONTENT_LENGTH_MISMATCH)
                        if at_eof:
                            return
                        continue
                    if end is not None:
                        fault, fault_at = end, item.offset
                        break
                    if doc is not None:
                        doc.id = document_id(self.key, item.offset)
                        doc.metadata["record_offset"] = item.offset
                        yield doc
            finally:
                src.close()
            self._count_error(fault)
            nxt = next_record_start(mm, last_ok, self.gzipped)
            if nxt == fault_at:  # the scan points back at the unreadable place: go past it
                nxt = next_record_start(mm, fault_at, self.gzipped)
            if nxt is None or nxt <= base:
                return
            self.stats.count("resync")
            base = nxt

    def _segment_done(self, mm: Any, pos: int) -> bool:
        """Whether the segment has its ``limit`` of records and a later one can start reading
        at ``pos`` (a record starts there)."""
        return (self.segmented and 0 < self.limit <= self.stats.docs_in and pos < len(mm)
                and looks_like_record(mm, pos, self.gzipped))

    # ------------------------------------------------------------------ bookkeeping
    def _count_error(self, kind: str) -> None:
        self.stats.count("read_error")
        self.stats.count(f"read_error.{kind}")

    def _count_truncated(self, nbytes: int) -> None:
        self._count_error("truncated_file")
        self.stats.count("truncated_bytes", nbytes)

    def _count_unread_tail(self, mm: Any, end: int) -> None:
        """The reading ended at ``end``: anything but blank bytes after it was not read."""
        if end < len(mm) and mm[end:].strip():
            self._count_truncated(len(mm) - end)

    @staticmethod
    def _stopped_early(mm: Any, last_ok: int, end: int) -> bool:
        """Whether warcio stopped before records that follow (a member failed to inflate):
        a readable member after the last record, not just a cut one at the file's end."""
        nxt = next_record_start(mm, last_ok, True)
        if nxt is None:
            return False
        return nxt != end or next_record_start(mm, nxt, True) is not None

    # ------------------------------------------------------------------ decisions
    def _to_document(self, rec: Any) -> Document | None:
        """The document of a record, or None with the reason counted (the record's end is
        checked afterwards: a cut record is dropped as ``truncated_record``)."""
        rtype = rec.rec_type
        if rtype != "response":
            self.stats.count(f"warc.{rtype}")
            return None
        self.stats.count("warc.response")
        url = rec.url or ""
        if rec.http is None:
            self.skip("not_http")
            return None
        try:
            status = int(rec.http_status or 0)
        except ValueError:
            status = 0
        if status != 200:
            self.skip("redirect" if 300 <= status < 400 else "not_http_200")
            self.stats.count(f"http_status.{status}")
            return None
        ctype = (rec.content_type or "").strip()
        body = rec.read_body(self.max_body_bytes + 1)
        if len(body) > self.max_body_bytes:
            self.skip("body_too_large")
            return None
        if not body or body.isspace():  # no copy of a large body, unlike strip()
            self.skip("empty_body")
            return None
        mime = ctype.split(";", 1)[0].strip().lower()
        sniffable = mime in ("", "text/plain", "application/octet-stream")
        if mime not in _HTML_TYPES and not (sniffable and _SNIFF_RE.match(body[:2048])):
            self.skip("not_html")
            self.stats.count(f"mime.{mime or 'none'}")
            return None
        return Document(
            id="",
            url=url,
            raw=body,
            metadata={
                "domain": domain_of(url),
                "warc_file": self.key,
                "record_offset": -1,
                "warc_date": rec.date or "",
                "http_status": status,
                "content_type": ctype,
                "http_charset": http_charset(ctype),
            },
        )
