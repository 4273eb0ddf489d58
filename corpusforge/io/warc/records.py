"""WARC records: the parser, record and HTTP body handling, resynchronisation helpers.

Why: warcio's ``ArchiveIterator`` reads every record through three layers of buffered
Python readers and parses headers line by line; on CommonCrawl-style files (one gzip
member per record) that costs about four times the inflating itself. Here a file is
mapped once (``mmap``), each gzip member is inflated by one ``decompressobj`` fed
from the map (its ``unused_data`` gives the next member's offset), headers are cut out
with ``bytes.find`` and split into lines, and a body is a slice of the inflated member.

Sound members are inflated whole by the library ``inflate.py`` picks (ISA-L or zlib), the
others, and the resynchronisation sniffers, by zlib.

What it reports mirrors warcio 1.8 (``ArchiveIterator`` + ``ArcWarcRecordLoader`` +
``ArcWarcRecord.content_stream``) on well-formed files, so ``WarcReader`` gives the same
documents and stats with either engine: header lines decoded as UTF-8 else Latin-1 and
parsed with warcio's rules (first occurrence wins, continuation lines, ``int()`` of
Content-Length with a negative or unparsable value read as 0, HTTP heads parsed only for
``response`` / ``request`` / ``revisit`` records with an ``http(s):`` target and a
non-zero length, the same status-line split, the same Target-URI clean-up), record
offsets and lengths as ``get_record_offset()`` / ``get_record_length()`` give them, and
chunked / gzip / deflate bodies decoded by warcio's own readers over the record's bytes
(every quirk of ``content_stream()`` kept; ``br`` only where warcio has brotli).

Where it is stricter, it reports a fault instead of reading on: a gzip member that fails
to inflate or fails its CRC is a ``BadGzipMember`` before any record of it is handed out
(warcio prints the zlib error and silently stops reading the file); a record block not
followed by a blank line (uncompressed: by exactly CRLF CRLF, so a body shortened by a
few bytes is not taken for complete) is a ``ContentLengthMismatch``; a record without
Content-Length is a ``MissingContentLength`` (warcio reads it to the end of the member
or file). It reads gzip members that hold several records (warcio stops after the first):
the first record of a member has the member's offset, the next ones the member's offset
plus their position in the inflated member — for a whole-file gzip exactly the offsets of
the uncompressed file. Blank lines where a record starts are skipped.
"""


from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from corpusforge.io.warc.headers import (NO_HEAD, Head, content_length, decode_line, decoded_lines, end_of_line,
                                         is_version_prefix, is_warc_status, parse_fields, target_uri)
from corpusforge.io.warc.inflate import GZIP_WBITS, INFLATE_ERRORS, sound_member_inflater
from corpusforge.io.warc.source import (CHUNK, FEED, NON_WS, MemberSource, PlainSource, first_line_blank, map_file,
                                        skip_blank_lines, unmap)

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
ARC_MAGIC = b"filedesc:"

# fault names: the reader counts them as read_error.<name> and resynchronises
ARCHIVE_LOAD_FAILED = "ArchiveLoadFailed"  # no record header where one must start (warcio's exception name)
BAD_GZIP_MEMBER = "BadGzipMember"
CONTENT_LENGTH_MISMATCH = "ContentLengthMismatch"
MISSING_CONTENT_LENGTH = "MissingContentLength"
CUT = "cut"  # finish(): the record's data ends before its Content-Length / its end (not a fault by itself)

_HTTP_RECORD_TYPES = ("response", "request", "revisit")
_HTTP_SCHEMES = ("http:", "https:")
_TRAILER = b"\r\n\r\n"
_ASCII_WS = b" \t\n\r\x0b\x0c"  # what bytes.strip() removes: warcio's blank-line test between records
_WHOLE_MEMBER = 1 << 22  # members inflating to at most this are read whole, larger ones streamed
_FIRST_FEED = 4096  # first call per member, without an output limit (a limit costs 3 us a call): <= 4.2 MB out
_HEADER_WINDOW = 16384
_MAX_HEADER = 1 << 22


@dataclass(frozen=True, slots=True)
class Fault:
    """A place where no record could be read; the reader counts it and resynchronises."""

    kind: str
    offset: int


@dataclass(frozen=True, slots=True)
class CutHeader:
    """The file ends inside the head of the record at ``offset``."""

    offset: int



class _BlockStream:
    """File-like view of a record's unread block bytes (what warcio's LimitReader is)."""

    def __init__(self, rec: "WarcRecord") -> None:
        self.rec = rec

    def read(self, length: int | None = None) -> bytes:
        return self.rec._take(self.rec._limit if length is None else length, line=False)

    def readline(self, length: int | None = None) -> bytes:
        return self.rec._take(self.rec._limit if length is None else length, line=True)


class WarcRecord:
    """One WARC record: header fields, the HTTP head of responses, a lazily read body.

    ``offset`` / ``length`` are what warcio's ``get_record_offset()`` /
    ``get_record_length()`` give (``length`` once ``FastWarcParser.finish`` ran).
    ``http`` (responses only) is None without an HTTP head, False for a blank status line,
    else True.
    """

    __slots__ = ("offset", "length", "rec_type", "content_length", "http", "http_status", "_head", "_uri",
                 "_http_head", "_src", "_limit", "_mpos", "_done")

    def __init__(self, src: Any, offset: int, mpos: int, head: "Head") -> None:
        self._src = src
        self.offset = offset
        self._mpos = mpos
        self._head = head
        self._uri: tuple[str | None, str | None] | None = None
        self.length = -1
        self.http: bool | None = None
        self.http_status = ""
        self._http_head = NO_HEAD
        self._done = False

    @property
    def target_uri(self) -> str | None:
        """The WARC-Target-URI warcio tests for ``http(s):`` (after its clean-up)."""
        if self._uri is None:
            self._uri = target_uri(self._head)
        return self._uri[0]

    @property
    def url(self) -> str | None:
        """What warcio's ``rec_headers.get_header('WARC-Target-URI')`` gives."""
        if self._uri is None:
            self._uri = target_uri(self._head)
        return self._uri[1]

    @property
    def date(self) -> str | None:
        return self._head.get("warc-date")

    def warc_header(self, name: str) -> str | None:
        """First WARC header field of that name (case-insensitive)."""
        return self._head.get(name.lower())

    @property
    def http_headers(self) -> list[tuple[str, str]]:
        """All HTTP header fields in order, as warcio's ``http_headers.headers``."""
        return self._http_head.fields()

    def http_header(self, name: str) -> str | None:
        """First HTTP header of that name (case-insensitive), as warcio's ``get_header``."""
        return self._http_head.get(name.lower())

    @property
    def content_type(self) -> str | None:
        return self._http_head.get("content-type")

    def _take(self, n: int, line: bool) -> bytes:
        n = min(n, self._limit)
        if n <= 0:
            return b""
        src = self._src
        k = min(n, src.ensure(n))
        if line:
            i = src.buf.find(b"\n", src.pos, src.pos + k)
            if i >= 0:
                k = i + 1 - src.pos
        data = src.buf[src.pos:src.pos + k]
        src.pos += k
        self._limit -= k
        return data

    def read_body(self, n: int) -> bytes:
        """Up to ``n`` bytes of the HTTP payload, decoded as warcio's ``content_stream()`` does."""
        if not self.http:
            return self._take(n, line=False)
        encoding = self.http_header("content-encoding")
        if encoding:
            encoding = encoding.lower()
            if encoding not in _supported_decompressors():
                encoding = None
        chunked = self.http_header("transfer-encoding") == "chunked"
        if not chunked and not encoding:
            return self._take(n, line=False)
        from warcio.bufferedreaders import BufferedReader, ChunkedDataReader

        stream: Any = _BlockStream(self)
        reader = ChunkedDataReader(stream, decomp_type=encoding) if chunked else BufferedReader(stream, decomp_type=encoding)
        return reader.read(n)

    def _parse_http_head(self) -> None:
        """Status line and headers of a response block, read as warcio reads them through
        the record's length limit (a head with no blank line takes the whole block)."""
        src = self._src
        window = _HEADER_WINDOW
        while True:
            want = min(self._limit, window)
            have = src.ensure(want + 1)
            buf, p = src.buf, src.pos
            span = min(have, want)
            j = buf.find(_TRAILER, p, p + span)
            if j > p:
                raw = buf[p:j]
                if Head.plain(raw):
                    nl = raw.find(b"\n")
                    status_line = decode_line(raw[:nl] if nl >= 0 else raw).rstrip()
                    if status_line:
                        self._set_http(status_line.split(" ", 1), Head(raw), j + 4 - p)
                        return
            whole = span == self._limit or have <= want or window >= _MAX_HEADER  # nothing more to wait for
            nl = buf.find(b"\n", p, p + span)
            if nl < 0 and not whole:
                window *= 4
                continue
            first = buf[p:nl + 1] if nl >= 0 else buf[p:p + span]
            if not decoded_lines(first)[0].rstrip():
                self.http = False  # warcio returns an empty head right after a blank status line
                self._consume(len(first))
                return
            block = buf[p:j + 4] if j >= 0 else buf[p:p + span]
            lines = decoded_lines(block)
            if j < 0 and not whole:
                lines[-1] = ""  # an unfinished last line is not a line yet
            headers, k = parse_fields(lines, 1)
            if k < len(lines) - 1:
                used = j + 4 - p if (j >= 0 and k == len(lines) - 2) else end_of_line(block, k)
            elif whole:
                used = len(block)
            else:
                window *= 4
                continue
            parts = lines[0].rstrip().split(" ", 1)
            self._set_http(parts, Head(None, headers), used)
            return

    def _set_http(self, status_parts: list[str], head: Head, used: int) -> None:
        self.http = True
        self.http_status = (status_parts[1].strip() if len(status_parts) > 1 else "").split(" ", 1)[0]
        self._http_head = head
        self._consume(min(used, self._limit))

    def _consume(self, n: int) -> None:
        self._limit -= self._src.skip(n)



_DECOMPRESSORS: tuple[str, ...] | None = None


def _supported_decompressors() -> tuple[str, ...]:
    global _DECOMPRESSORS
    if _DECOMPRESSORS is None:
        from warcio.bufferedreaders import BufferedReader

        _DECOMPRESSORS = tuple(BufferedReader.get_supported_decompressors())
    return _DECOMPRESSORS


class FastWarcParser:
    """Records of one mapped WARC file from ``start`` on.

    ``next_record()`` gives a ``WarcRecord`` (header and HTTP head parsed, body unread),
    a ``Fault``, a ``CutHeader`` or None at the end of the file; ``finish(record)`` reads
    the rest of the record, checks its end and returns None (complete), ``CUT`` or a fault
    name. After a fault the parser is spent: start a new one at the next record start.
    """

    silent_stops = False  # never stops early without saying so (unlike warcio)

    def __init__(self, mm: Any, start: int, gzipped: bool) -> None:
        self.mm = mm
        self.size = len(mm)
        self.view: memoryview | None = memoryview(mm) if gzipped else None
        self.plain = None if gzipped else PlainSource(mm, start, self.size)
        self.member: MemberSource | None = None
        self.member_offset = start
        self.member_records = 0
        self.next_pos = start

    def close(self) -> None:
        self.member = None
        if self.view is not None:
            self.view.release()
            self.view = None

    def position(self) -> int:
        """File offset up to which the data has been read."""
        if self.plain is not None:
            return self.plain.pos
        m = self.member
        if m is None:
            return self.next_pos
        return m.member_end() if m.eof else m.in_pos

    def next_record(self) -> WarcRecord | Fault | CutHeader | None:
        if self.plain is not None:
            src = self.plain
            skip_blank_lines(src)
            if src.pos >= src.end:
                return None
            return self._parse_record(src, src.pos, src.pos)
        while True:
            m = self.member
            if m is None:
                pos = self.next_pos
                if pos >= self.size:
                    return None
                if self.mm[pos:pos + 3] != GZIP_MAGIC:
                    hit = NON_WS.search(self.mm, pos)
                    if hit is None:
                        self.next_pos = self.size
                        return None
                    if hit.start() > pos and self.mm[hit.start():hit.start() + 3] == GZIP_MAGIC:
                        self.next_pos = hit.start()  # blank bytes between members
                        continue
                    return Fault(ARCHIVE_LOAD_FAILED, pos)
                self.member_offset = pos
                self.member_records = 0
                whole = self._inflate_whole(pos)
                if whole is not None:  # the usual member, inflated and CRC-checked
                    rec = self._whole_member_record(*whole)
                    if rec is not None:
                        return rec
                    m = self.member = MemberSource(None, whole[1], self.size, inflated=whole[0])
                else:  # too large to hold, damaged or cut: inflate it as it is read
                    m = self.member = MemberSource(self.view, pos, self.size)
                    m.ensure(CHUNK)
            skip_blank_lines(m)
            if m.error is not None:
                return Fault(BAD_GZIP_MEMBER, self.member_offset)
            if not m.ensure(1):  # no (further) record in this member
                if not m.eof and not self.member_records:
                    return CutHeader(self.member_offset)  # the file ends inside the member's first record
                self._close_member(m)
                continue
            mpos = m.tell()
            return self._parse_record(m, self.member_offset + mpos if self.member_records else self.member_offset, mpos)

    def _inflate_whole(self, pos: int) -> tuple[bytes, int] | None:
        """(inflated member, file offset past it) for a member that inflates without error to
        at most ``_WHOLE_MEMBER`` bytes; None otherwise (the streaming path takes it).
        The chosen inflater takes members with a bare header (FLG 0, as WARC writers write
        them), zlib the others."""
        lib = sound_member_inflater() if self.mm[pos + 3:pos + 4] == b"\x00" else zlib
        d = lib.decompressobj(GZIP_WBITS)
        view = self.view
        data = view[pos:pos + _FIRST_FEED]  # type: ignore[index]
        q = pos + len(data)
        try:
            out = d.decompress(data)
            if d.eof:
                return out, q - len(d.unused_data)
            parts = [out]
            room = _WHOLE_MEMBER - len(out)
            while room > 0 and q < self.size:
                data = d.unconsumed_tail or view[q:q + FEED]  # type: ignore[index]
                if not d.unconsumed_tail:
                    q += len(data)
                out = d.decompress(data, room)
                parts.append(out)
                room -= len(out)
                if d.eof:
                    return b"".join(parts), q - len(d.unused_data)
        except INFLATE_ERRORS:
            pass
        return None

    def _whole_member_record(self, buf: bytes, member_end: int) -> WarcRecord | None:
        """The record of a member inflated whole, read straight from its bytes when it is the
        member's only record and every head in it is plain; None sends it the general way."""
        if not (buf.startswith(b"WARC/1.0\r\n") or is_warc_status(buf[:9])):
            return None
        j = buf.find(_TRAILER)
        if j < 0:
            return None
        raw = buf[:j]
        if not Head.plain(raw):
            return None
        head = Head(raw)
        length = content_length(head.get("content-length"))
        if length is None:
            return None
        start = j + 4
        end = start + length
        if end > len(buf) or (end < len(buf) and buf[end:] != _TRAILER):
            return None
        src = PlainSource(buf, start, end)
        rec = WarcRecord(src, self.member_offset, 0, head)
        rtype = rec.rec_type = head.get("warc-type")
        rec.content_length = rec._limit = length
        if length and rtype == "response":
            uri = rec.target_uri
            if uri is not None and uri.startswith(_HTTP_SCHEMES):
                k = buf.find(_TRAILER, start, end)
                if k <= start:
                    return None
                hraw = buf[start:k]
                if not Head.plain(hraw):
                    return None
                nl = hraw.find(b"\n")
                status_line = decode_line(hraw[:nl] if nl >= 0 else hraw).rstrip()
                if not status_line:
                    return None
                rec._set_http(status_line.split(" ", 1), Head(hraw), k + 4 - start)
        rec._done = True
        self.member_records = 1
        self.next_pos = member_end
        rec.length = member_end - self.member_offset
        return rec

    def _data_end(self, src: Any, offset: int) -> Fault | CutHeader:
        """What it means that the data ended inside the head of the record at ``offset``."""
        if src is self.plain:
            return CutHeader(offset)
        if src.error is not None:
            return Fault(BAD_GZIP_MEMBER, self.member_offset)
        return Fault(ARCHIVE_LOAD_FAILED, offset) if src.eof else CutHeader(offset)

    def _parse_record(self, src: Any, offset: int, mpos: int) -> WarcRecord | Fault | CutHeader:
        window = _HEADER_WINDOW
        while True:
            have = src.ensure(window + 1)
            buf, p = src.buf, src.pos
            span = min(have, window)
            at_end = have <= window
            start = buf[p:p + 9]
            if not is_warc_status(start) and not (at_end and is_version_prefix(start)):
                return Fault(ARCHIVE_LOAD_FAILED, offset)
            j = buf.find(_TRAILER, p, p + span)
            if j >= 0:
                raw = buf[p:j]
                if Head.plain(raw):
                    head = Head(raw)
                    head_len = j + 4 - p
                    break
                block = buf[p:j + 4]
            else:
                last_nl = buf.rfind(b"\n", p, p + span)
                block = buf[p:last_nl + 1] if last_nl >= 0 else b""
            if block:
                lines = decoded_lines(block)
                headers, k = parse_fields(lines, 1)
                if k < len(lines) - 1:  # a blank line ends the head
                    head = Head(None, headers)
                    head_len = j + 4 - p if (j >= 0 and k == len(lines) - 2) else end_of_line(block, k)
                    break
            if at_end:
                return self._data_end(src, offset)
            if window >= _MAX_HEADER:
                return Fault(ARCHIVE_LOAD_FAILED, offset)
            window *= 4
        src.pos += head_len
        length = content_length(head.get("content-length"))
        if length is None:
            return Fault(MISSING_CONTENT_LENGTH, offset)
        rec = WarcRecord(src, offset, mpos, head)
        rec.rec_type = head.get("warc-type")
        rec.content_length = rec._limit = length
        self.member_records += 1
        if (length and rec.rec_type in _HTTP_RECORD_TYPES and rec.target_uri is not None
                and rec.target_uri.startswith(_HTTP_SCHEMES)):
            if not src.ensure(1):
                if rec.rec_type == "revisit":
                    return rec  # warcio: a revisit without HTTP head is fine
                # warcio hits EOF reading the HTTP status line and ends without a word
                end = self._data_end(src, offset)
                return Fault(CONTENT_LENGTH_MISMATCH, offset) if isinstance(end, Fault) else end
            if rec.rec_type == "response":
                rec._parse_http_head()
        return rec

    def finish(self, rec: WarcRecord) -> str | None:
        """Consume the rest of ``rec`` and check its end: None, ``CUT`` or a fault name."""
        if rec._done:
            return None
        src = rec._src
        if rec._limit > 0:
            rec._limit -= src.skip(rec._limit)
        if src is self.plain:
            rec.length = src.pos - rec.offset
            if rec._limit > 0:
                return CUT
            head = src.buf[src.pos:src.pos + 4]
            if head == _TRAILER:
                src.pos += 4
                return None
            if len(head) < 4 and not head.strip(_ASCII_WS):
                src.pos = src.end  # the file ends inside the record's end: it may be a shortened body
                return CUT
            return CONTENT_LENGTH_MISMATCH
        m = src
        if m.error is not None:
            return BAD_GZIP_MEMBER
        if rec._limit > 0:  # the member (or the file) ends inside the block
            self._close_member(m)
            rec.length = self.position() - rec.offset
            return CUT
        trailer_ok = m.ensure(4) >= 4 and m.buf[m.pos:m.pos + 4] == _TRAILER
        if not first_line_blank(m):
            return CONTENT_LENGTH_MISMATCH
        skip_blank_lines(m)
        if m.error is not None:
            return BAD_GZIP_MEMBER
        if m.ensure(1):  # another record follows in the same member
            rec.length = m.tell() - rec._mpos
            return None if trailer_ok else CONTENT_LENGTH_MISMATCH
        single = self.member_records == 1
        mend = m.tell()
        self._close_member(m)
        rec.length = self.position() - rec.offset if single else mend - rec._mpos
        return None

    def _close_member(self, m: MemberSource) -> None:
        while not m.ended:
            m.skip(CHUNK)
        self.member = None
        self.next_pos = m.member_end() if m.eof else self.size



def is_gzip(mm: Any, at: int = 0) -> bool:
    return mm[at:at + 3] == GZIP_MAGIC


def is_arc(mm: Any) -> bool:
    """Whether the file is an ARC file (it starts with a ``filedesc://`` record)."""
    head = mm[:4096]
    if head[:3] == GZIP_MAGIC:
        try:
            head = zlib.decompressobj(GZIP_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return head.lstrip().startswith(ARC_MAGIC)


def looks_like_record(mm: Any, offset: int, gzipped: bool) -> bool:
    head = mm[offset:offset + 4096]
    if not gzipped:
        return head.startswith(WARC_MAGIC)
    try:
        return zlib.decompressobj(GZIP_WBITS).decompress(head, 16).startswith(WARC_MAGIC)
    except zlib.error:
        return False


def next_record_start(mm: Any, after: int, gzipped: bool) -> int | None:
    """File offset of the next plausible record start strictly after ``after``: a gzip
    member that inflates to ``WARC/1.`` or, uncompressed, the bytes ``WARC/1.``."""
    magic = GZIP_MAGIC if gzipped else WARC_MAGIC
    pos = after + 1
    while True:
        i = mm.find(magic, pos)
        if i < 0:
            return None
        if looks_like_record(mm, i, gzipped):
            return i
        pos = i + 1


def iter_records(path: str | Path, max_body_bytes: int = 20_000_000,
                 start: int = 0) -> Iterator[tuple[WarcRecord, bytes, str | None] | Fault | CutHeader]:
    """Every record of a WARC file from ``start`` as ``(record, body, end)``: ``body`` is the
    decoded HTTP payload of a response with an HTTP head (at most ``max_body_bytes + 1`` bytes, so a longer one
    shows as too long; never more in memory), ``end`` is ``finish()``'s verdict. A ``Fault``
    or ``CutHeader`` ends the iteration (``WarcReader`` resynchronises and goes on)."""
    mm = map_file(path)
    parser = FastWarcParser(mm, start, is_gzip(mm, start))
    try:
        while True:
            item = parser.next_record()
            if item is None:
                return
            if not isinstance(item, WarcRecord):
                yield item
                return
            body = item.read_body(max_body_bytes + 1) if item.http is not None else b""
            end = parser.finish(item)
            yield item, body, end
            if end not in (None, CUT):
                return
    finally:
        parser.close()
        unmap(mm)
