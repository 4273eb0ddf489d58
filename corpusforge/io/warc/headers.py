"""WARC and HTTP header blocks, parsed with warcio 1.8's rules.

Header lines are decoded as UTF-8, else Latin-1 (per line); the first occurrence of a
field wins, continuation lines are joined, Content-Length is ``int()`` with a negative or
unparsable value read as 0, and the Target-URI is cleaned up as warcio does.
"""

from __future__ import annotations

import re

WARC_VERSIONS = (b"WARC/1.1", b"WARC/1.0", b"WARC/0.17", b"WARC/0.18")
# a line that warcio could read as blank or as a continuation, or split differently
_ODD_LINE_START = re.compile(rb"\n[\r\n \t\x0b\x0c\x1c-\x1f\x80-\xff]")


def decoded_lines(block: bytes) -> list[str]:
    """Lines of a header block decoded as warcio does: UTF-8, else Latin-1 (per line)."""
    try:
        return block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return [decode_line(raw) for raw in block.split(b"\n")]


def parse_fields(lines: list[str], i: int) -> tuple[list[tuple[str, str]], int]:
    """Header fields from ``lines[i:]`` by warcio's rules; also the index of the blank line
    that ends them (``len(lines)`` when they run to the end)."""
    headers = []
    n = len(lines)
    line = lines[i].rstrip() if i < n else ""
    while line:
        name, sep, value = line.partition(":")
        value = value.lstrip()
        i += 1
        nxt = lines[i].rstrip() if i < n else ""
        while nxt and nxt[0] in " \t":
            value += nxt
            i += 1
            nxt = lines[i].rstrip() if i < n else ""
        if sep:
            headers.append((name.rstrip(" \t"), value))
        line = nxt
    return headers, i


def _first(headers: list[tuple[str, str]], lower_name: str) -> str | None:
    for k, v in headers:
        if k.lower() == lower_name:
            return v
    return None


class Head:
    """The fields of a header (status line and field lines, without its blank line).

    In a plain head (no line starting with a byte that could make warcio read it as blank,
    as a continuation or as another split) a field is found with ``bytes.find`` on a
    lower-cased copy: when the first line that starts with the name is ``CRLF name:``, it
    is the first field of that name and its value runs to the next newline. Any doubt (a
    blank before the colon, a longer name, a bare LF) and any other head go through
    warcio's line parser.
    """

    __slots__ = ("raw", "low", "parsed")

    def __init__(self, raw: bytes | None, parsed: list[tuple[str, str]] | None = None) -> None:
        self.raw = raw
        self.low = raw.lower() if parsed is None and raw is not None else None
        self.parsed = parsed

    @staticmethod
    def plain(raw: bytes) -> bool:
        return _ODD_LINE_START.search(raw) is None

    def get(self, name: str) -> str | None:
        """First field of that lower-case name, as warcio's ``get_header``."""
        if self.parsed is None:
            low = self.low
            line_key, field_key = _KEYS.get(name) or _key(name)
            i = low.find(line_key)  # type: ignore[union-attr]  # first line that starts with the name
            if i < 0:
                return None
            if i > 0 and low.startswith(field_key, i - 1):  # type: ignore[union-attr]  # ... is CRLF name colon
                start = i + len(field_key) - 1
                stop = low.find(b"\n", start)  # type: ignore[union-attr]
                value = self.raw[start:stop if stop >= 0 else len(low)]  # type: ignore[index, arg-type]
                try:
                    return value.decode("utf-8").strip()
                except UnicodeDecodeError:
                    return value.decode("latin-1").strip()
            self.fields()
        return _first(self.parsed, name)  # type: ignore[arg-type]

    def fields(self) -> list[tuple[str, str]]:
        if self.parsed is None:
            self.parsed = parse_fields(decoded_lines(self.raw), 1)[0]  # type: ignore[arg-type]
        return self.parsed


def _key(name: str) -> tuple[bytes, bytes]:
    key = name.encode("utf-8")
    return b"\n" + key, b"\r\n" + key + b":"


_KEYS = {name: _key(name) for name in ("warc-type", "content-length", "warc-target-uri", "warc-date",
                                       "content-type", "content-encoding", "transfer-encoding")}


def decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def end_of_line(block: bytes, k: int) -> int:
    """Index just past the newline that ends line ``k`` (0-based) of ``block``."""
    pos = -1
    for _ in range(k + 1):
        pos = block.index(b"\n", pos + 1)
    return pos + 1


def content_length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        n = int(value)
    except (ValueError, TypeError):
        return 0
    return n if n >= 0 else 0


def target_uri(head: Head) -> tuple[str | None, str | None]:
    """(the URI warcio tests for ``http(s):``, what ``get_header('WARC-Target-URI')`` gives
    after warcio's clean-up, which rewrites only the last such field)."""
    uri = head.get("warc-target-uri")
    if uri is None:
        return None, None
    clean = uri[1:-1] if uri.startswith("<") and uri.endswith(">") else uri
    if " " in clean:
        clean = clean.replace(" ", "%20")
    if clean != uri and sum(1 for k, _ in head.fields() if k.lower() == "warc-target-uri") > 1:
        return clean, uri
    return clean, clean


def is_warc_status(line: bytes) -> bool:
    return line[:9].upper().startswith(WARC_VERSIONS)


def is_version_prefix(head: bytes) -> bool:
    """Whether ``head`` (the last bytes of the data) could be the start of a WARC status line."""
    up = head.upper()
    return any(v.startswith(up) for v in WARC_VERSIONS)



NO_HEAD = Head(None, [])
