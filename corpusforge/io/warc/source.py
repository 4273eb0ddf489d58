"""Byte sources of the WARC parser: the mapped file, and the inflated bytes of one gzip member.

A source exposes ``buf[pos:]`` (bytes available at the cursor), ``ensure(n)`` (make at
least ``n`` available where the data has them), ``skip(n)`` and ``tell()``; the record
parser reads headers and bodies through this one interface whether the file is
compressed or not.
"""

from __future__ import annotations

import mmap
import re
import zlib
from pathlib import Path
from typing import Any

from corpusforge.io.warc.inflate import GZIP_WBITS, INFLATE_ERRORS

FEED = 16384  # compressed bytes per inflate call: bounds the copy into unused_data
CHUNK = 1 << 20  # inflated bytes per inflate call: memory bound for huge members
_BLANK_LINES = re.compile(rb"(?:[ \t\r\x0b\x0c]*\n)*")
_BLANK_BYTES = frozenset(b" \t\n\r\x0b\x0c")
NON_WS = re.compile(rb"[^ \t\n\r\x0b\x0c]")


class PlainSource:
    """An uncompressed stretch of the mapped file: all of it is available at once."""

    __slots__ = ("buf", "pos", "end")

    def __init__(self, mm: Any, pos: int, end: int) -> None:
        self.buf = mm
        self.pos = pos
        self.end = end

    def ensure(self, n: int) -> int:
        return self.end - self.pos

    def skip(self, n: int) -> int:
        k = min(n, self.end - self.pos)
        self.pos += k
        return k

    def tell(self) -> int:
        return self.pos


class MemberSource:
    """The inflated bytes of one gzip member, produced on demand in bounded pieces.

    ``buf[pos:]`` is inflated and not yet consumed; ``buf_base`` is the position of
    ``buf[0]`` in the inflated member. The data ends at the member's end (``eof``: the
    inflater checked the CRC), at an inflate error (``error``) or where the file ends (neither).
    Always zlib: how much comes out before an error or a cut decides what the reader keeps.
    """

    __slots__ = ("view", "in_pos", "size", "d", "buf", "pos", "buf_base", "ended", "eof", "error", "tail", "end_pos")

    def __init__(self, view: memoryview | None, start: int, size: int, inflated: bytes | None = None) -> None:
        """``inflated``: the whole member, already inflated (``start`` is then its end)."""
        self.view = view
        self.in_pos = start
        self.size = size
        self.d = zlib.decompressobj(GZIP_WBITS)
        self.buf = inflated or b""
        self.pos = 0
        self.buf_base = 0
        self.ended = self.eof = inflated is not None
        self.error: str | None = None
        self.tail = b""
        self.end_pos = start

    def member_end(self) -> int:
        """File offset just past the member (once ``eof``)."""
        return self.end_pos

    def _inflate(self, max_out: int) -> bytes:
        d = self.d
        while True:
            if self.tail:
                data: Any = self.tail
            elif self.in_pos < self.size:
                data = self.view[self.in_pos:self.in_pos + FEED]
                self.in_pos += len(data)
            else:
                self.ended = True
                return b""
            try:
                out = d.decompress(data, max_out)
            except INFLATE_ERRORS as e:
                self.error = str(e)
                self.ended = True
                return b""
            self.tail = d.unconsumed_tail
            if d.eof:
                self.eof = self.ended = True
                self.end_pos = self.in_pos - len(d.unused_data)
                return out
            if out:
                return out

    def ensure(self, n: int) -> int:
        have = len(self.buf) - self.pos
        if have >= n or self.ended:
            return have
        parts = [self.buf[self.pos:]] if have else []
        while have < n and not self.ended:
            out = self._inflate(max(n - have, CHUNK))
            parts.append(out)
            have += len(out)
        self.buf_base += self.pos
        self.buf = parts[0] if len(parts) == 1 else b"".join(parts)
        self.pos = 0
        return have

    def skip(self, n: int) -> int:
        have = len(self.buf) - self.pos
        if n <= have:
            self.pos += n
            return n
        done = have
        self.buf_base += len(self.buf)
        self.buf = b""
        self.pos = 0
        while done < n and not self.ended:
            out = self._inflate(min(n - done, CHUNK))
            done += len(out)
            self.buf_base += len(out)
        return done

    def tell(self) -> int:
        return self.buf_base + self.pos


def skip_blank_lines(src: Any) -> None:
    """Consume whole blank lines, and blank bytes that run to the end of the data."""
    n = 4096
    while True:
        have = src.ensure(n)
        if not have:
            return
        buf, p = src.buf, src.pos
        if buf[p] not in _BLANK_BYTES:
            return
        end = p + have
        q = _BLANK_LINES.match(buf, p, end).end()  # type: ignore[union-attr]
        src.pos = q
        if q == end:
            n = 4096
            continue
        if NON_WS.search(buf, q, end) is not None or buf.find(b"\n", q, end) >= 0:
            return  # a line with content starts at q
        rest = end - q  # blank bytes without a newline so far
        if src.ensure(rest + 1) == rest:
            src.pos += rest
            return
        n = rest + 4096


def first_line_blank(src: Any) -> bool:
    """Whether the line at the cursor is blank (warcio's test that a record ended there)."""
    n = 256
    while True:
        have = src.ensure(n)
        if not have:
            return True
        buf, p = src.buf, src.pos
        i = buf.find(b"\n", p, p + have)
        if NON_WS.search(buf, p, i if i >= 0 else p + have) is not None:
            return False
        if i >= 0 or have < n:
            return True
        n *= 4


def map_file(path: str | Path) -> Any:
    """Read-only map of a file (``b""`` for an empty one)."""
    with open(path, "rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return b""


def unmap(mm: Any) -> None:
    if isinstance(mm, mmap.mmap):
        try:
            mm.close()
        except BufferError:  # a view is still alive somewhere: the collector closes it
            pass

