"""Main-text extraction with trafilatura, bounded in HTML size and in time per page.

Reads the decoded HTML from ``doc.metadata["_html"]`` (set by ``CharsetDecode``), pops
it, and sets ``doc.text``. Pages larger than ``max_html_chars`` are dropped as
``html_too_large`` rather than truncated: a cut HTML tree yields a partial document
with its tail missing, and CommonCrawl itself caps payloads at 1 MiB, so larger pages
are feeds, dumps and generated listings, not articles. Extraction runs in a persistent
child process (``isolation: process``, see ``sandbox.py``) so a hang or a crash only
costs that page (``extract_timeout`` / ``extract_error``); ``isolation: none`` runs it
in-process without a time limit (library use on trusted HTML).
"""

from __future__ import annotations

import html as html_lib
import pickle
import re
from functools import partial
from typing import Any, Callable, Iterable, Iterator

from corpusforge.document import Document
from corpusforge.extract.sandbox import ExtractCrash, ExtractError, ExtractTimeout, ExtractWorker, in_process_call
from corpusforge.stage import Stage, register

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_WS_RE = re.compile(r"\s+")
_TITLE_SCAN_CHARS = 65536
_TITLE_MAX_CHARS = 300


def trafilatura_text(html: str, favor_precision: bool, include_tables: bool, include_comments: bool,
                     fast: bool) -> str | None:
    """The trafilatura call (module level so the sandbox child can receive it by name)."""
    import trafilatura

    return trafilatura.extract(html, favor_precision=favor_precision, include_tables=include_tables,
                               include_comments=include_comments, fast=fast, deduplicate=False,
                               with_metadata=False, output_format="txt")


def html_title(html: str) -> str:
    """The page's ``<title>`` (entities decoded, whitespace collapsed), '' when absent."""
    m = _TITLE_RE.search(html, 0, _TITLE_SCAN_CHARS)
    if not m:
        return ""
    return _WS_RE.sub(" ", html_lib.unescape(m.group(1))).strip()[:_TITLE_MAX_CHARS]


@register
class TrafilaturaExtract(Stage):
    """HTML → main text with trafilatura; drops ``html_too_large``, ``extract_timeout``,
    ``extract_error``, ``empty_extraction``, ``no_html``.

    ``extract_fn`` replaces the trafilatura call with any picklable ``fn(html) -> str |
    None``: it exists so tests can inject slow and crashing extractors to exercise the
    time limit and the crash handling; pipelines leave it unset.
    """

    def __init__(self, max_html_chars: int = 5_000_000, timeout_s: float = 5.0, isolation: str = "process",
                 worker_memory_mb: int | None = 2048, favor_precision: bool = False, include_tables: bool = False,
                 include_comments: bool = False, fast: bool = True, record_title: bool = True,
                 extract_fn: Callable[[str], str | None] | None = None, name: str | None = None) -> None:
        super().__init__(name)
        if isolation not in ("process", "none"):
            raise ValueError(f"isolation must be 'process' or 'none', got {isolation!r}")
        self.max_html_chars = max_html_chars
        self.timeout_s = timeout_s
        self.isolation = isolation
        self.worker_memory_mb = worker_memory_mb
        self.record_title = record_title
        self.fn: Callable[[str], Any] = extract_fn or partial(
            trafilatura_text, favor_precision=favor_precision, include_tables=include_tables,
            include_comments=include_comments, fast=fast)
        if isolation == "process":
            try:
                pickle.dumps(self.fn)
            except Exception as e:  # noqa: BLE001  (pickle raises several types)
                raise ValueError(f"extract_fn must be a picklable module-level function for isolation "
                                 f"'process' ({e})") from None
        self.worker: ExtractWorker | None = None

    def _extract(self, html: str) -> Any:
        if self.isolation == "none":
            return in_process_call(self.fn, html)
        if self.worker is None:
            self.worker = ExtractWorker(self.fn, self.timeout_s, self.worker_memory_mb)
        before = self.worker.starts
        try:
            return self.worker.call(html)
        finally:
            if self.worker.starts != before:
                self.stats.count("worker_starts", self.worker.starts - before)

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        count = self.stats.count
        for doc in docs:
            html = doc.metadata.pop("_html", None)
            doc.raw = None
            if not isinstance(html, str):
                self.drop(doc, "no_html")
                continue
            if len(html) > self.max_html_chars:
                self.drop(doc, "html_too_large")
                continue
            if self.record_title:
                doc.metadata["title"] = html_title(html)
            try:
                text = self._extract(html)
            except ExtractTimeout:
                self.drop(doc, "extract_timeout")
                continue
            except ExtractCrash:
                count("worker_crash")
                self.drop(doc, "extract_error")
                continue
            except ExtractError as e:
                count(f"error.{str(e).split(':', 1)[0]}")
                self.drop(doc, "extract_error")
                continue
            if not isinstance(text, str) or not text.strip():
                self.drop(doc, "empty_extraction")
                continue
            doc.text = text
            yield doc

    def finish(self) -> None:
        """Stop the worker at the end of an input file (a new one starts warm from the forkserver)."""
        self.close()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
