"""Small WARC builders shared by the core tests (generated, never committed data)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterable

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

JA_PAGE = ("<html lang='ja'><head><title>{title}</title></head><body><p>{body}</p></body></html>")


def write_warc(path: str | Path, pages: Iterable[tuple[str, int, str, bytes]], gzip: bool = True) -> list[str]:
    """Write ``(url, status, content_type, body)`` responses; returns the urls written."""
    urls = []
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gzip)
        for url, status, ctype, body in pages:
            reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}.get(status, "X")
            headers = [("Content-Type", ctype)] if ctype else []
            if status in (301, 302):
                headers.append(("Location", url + "/moved"))
            h = StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1")
            rec = w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=h)
            w.write_record(rec)
            urls.append(url)
    return urls


def ja_pages(n: int, prefix: str = "http://example.jp/", start: int = 0) -> list[tuple[str, int, str, bytes]]:
    out = []
    for i in range(start, start + n):
        body = JA_PAGE.format(title=f"記事{i}", body=f"これは{i}番目の記事です。日本語の文章が続きます。").encode("utf-8")
        out.append((f"{prefix}{i}", 200, "text/html; charset=utf-8", body))
    return out
