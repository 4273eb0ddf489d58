"""Main-text extraction with trafilatura, bounded in HTML size and in time per page.

Reads the decoded HTML from ``doc.html`` (set by ``CharsetDecode``), clears
it, and sets ``doc.text``. Pages larger than ``max_html_chars`` are dropped as
``html_too_large`` rather than truncated: a cut HTML tree yields a partial document
with its tail missing, and CommonCrawl itself caps payloads at 1 MiB, so larger pages
are feeds, dumps and generated listings, not articles. Extraction runs in a persistent
child process (``isolation: process``, see ``sandbox.py``) so a hang or a crash only
costs that page (``extract_timeout`` / ``extract_error``); ``isolation: none`` runs it
in-process without a time limit (library use on trusted HTML). Up to ``max_in_flight``
pages wait in the child's queue, so it extracts while this process reads and decodes the
next records; documents still come out in input order.
"""

from __future__ import annotations

import html as html_lib
import pickle
import re
from collections import deque
from contextlib import contextmanager
from functools import partial
from typing import Any, Callable, Iterable, Iterator

from corpusforge.document import Document
from corpusforge.extract.sandbox import ExtractCrash, ExtractError, ExtractTimeout, ExtractWorker, in_process_call
from corpusforge.stage import Stage

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_WS_RE = re.compile(r"\s+")
_TITLE_SCAN_CHARS = 65536
_TITLE_MAX_CHARS = 300


def trafilatura_text(html: str, favor_precision: bool, include_tables: bool, include_comments: bool,
                     fast: bool, recall_escalation: bool = True) -> str | None:
    """The trafilatura call (module level so the sandbox child can receive it by name)."""
    import trafilatura

    with recall_escalation_enabled(recall_escalation):
        return trafilatura.extract(html, favor_precision=favor_precision, include_tables=include_tables,
                                   include_comments=include_comments, fast=fast, deduplicate=False,
                                   with_metadata=False, output_format="txt")


@contextmanager
def recall_escalation_enabled(enabled: bool) -> Iterator[None]:
    """Switch trafilatura's recall escalation for the calls inside the block.

    trafilatura ≥ 2.3 (balanced focus) measures every extraction shorter than 3,000
    characters against a plain-text dump of the whole page and re-extracts in recall mode
    when it covers under 20% of it. trafilatura has no option for this, so the switch
    sets its module constant ``ESCALATION_MAX_LENGTH`` to 0 for the block (not thread-safe
    against other trafilatura calls in the same process; the sandbox child makes none).
    A trafilatura without the constant has no escalation, and the switch does nothing.
    """
    import trafilatura.core as core

    if enabled or not hasattr(core, "ESCALATION_MAX_LENGTH"):
        yield
        return
    saved = core.ESCALATION_MAX_LENGTH
    core.ESCALATION_MAX_LENGTH = 0
    try:
        yield
    finally:
        core.ESCALATION_MAX_LENGTH = saved


def html_title(html: str) -> str:
    """The page's ``<title>`` (entities decoded, whitespace collapsed), '' when absent."""
    m = _TITLE_RE.search(html, 0, _TITLE_SCAN_CHARS)
    if not m:
        return ""
    return _WS_RE.sub(" ", html_lib.unescape(m.group(1))).strip()[:_TITLE_MAX_CHARS]


class TrafilaturaExtract(Stage):
    """HTML → main text with trafilatura; drops ``html_too_large``, ``extract_timeout``,
    ``extract_error``, ``empty_extraction``, ``no_html``.

    Counters: ``worker_starts``, ``worker_crash`` and ``worker_cpu_ms``, the child's CPU
    time (the stage's own seconds are only its wait for the child).

    ``extract_fn`` replaces the trafilatura call with any picklable ``fn(html) -> str |
    None``: it exists so tests can inject slow and crashing extractors to exercise the
    time limit and the crash handling; pipelines leave it unset.
    """

    consumes = ("html",)

    def __init__(self, max_html_chars: int = 5_000_000, timeout_s: float = 5.0, isolation: str = "process",
                 worker_memory_mb: int | None = 2048, favor_precision: bool = False, include_tables: bool = False,
                 include_comments: bool = False, fast: bool = True, record_title: bool = True,
                 recall_escalation: bool = True, max_in_flight: int = 8,
                 extract_fn: Callable[[str], str | None] | None = None, name: str | None = None) -> None:
        super().__init__(name)
        if isolation not in ("process", "none"):
            raise ValueError(f"isolation must be 'process' or 'none', got {isolation!r}")
        self.max_html_chars = max_html_chars
        self.timeout_s = timeout_s
        self.isolation = isolation
        self.worker_memory_mb = worker_memory_mb
        self.record_title = record_title
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")
        self.max_in_flight = max_in_flight
        self.fn: Callable[[str], Any] = extract_fn or partial(
            trafilatura_text, favor_precision=favor_precision, include_tables=include_tables,
            include_comments=include_comments, fast=fast, recall_escalation=recall_escalation)
        if isolation == "process":
            try:
                pickle.dumps(self.fn)
            except Exception as e:  # noqa: BLE001  (pickle raises several types)
                raise ValueError(f"extract_fn must be a picklable module-level function for isolation "
                                 f"'process' ({e})") from None
        self.worker: ExtractWorker | None = None
        self._starts_counted = self._cpu_ms_counted = 0

    def _extract(self, html: str) -> Any:
        """One page, start to end (no queue): the extracted text or an Extract* exception."""
        if self.isolation == "none":
            return in_process_call(self.fn, html)
        worker = self._worker()
        try:
            return worker.call(html)
        finally:
            self._count_worker()

    def _worker(self) -> ExtractWorker:
        if self.worker is None:
            self.worker = ExtractWorker(self.fn, self.timeout_s, self.worker_memory_mb)
            self._starts_counted = self._cpu_ms_counted = 0
        return self.worker

    def _count_worker(self) -> None:
        """Worker starts and the CPU milliseconds of the child since the last count."""
        if self.worker is None:
            return
        if self.worker.starts != self._starts_counted:
            self.stats.count("worker_starts", self.worker.starts - self._starts_counted)
            self._starts_counted = self.worker.starts
        ms = int(self.worker.child_cpu_s * 1000) - self._cpu_ms_counted
        if ms > 0:
            self.stats.count("worker_cpu_ms", ms)
            self._cpu_ms_counted += ms

    def _ready(self, doc: Document) -> str | None:
        """The page's HTML when it goes to extraction; else the document is dropped."""
        html, doc.html = doc.html, None
        doc.raw = None
        if not isinstance(html, str):
            self.drop(doc, "no_html")
            return None
        if len(html) > self.max_html_chars:
            self.drop(doc, "html_too_large")
            return None
        if self.record_title:
            doc.metadata["title"] = html_title(html)
        return html

    def _finish(self, doc: Document, result: Callable[[], Any]) -> Document | None:
        """Set the text from ``result()`` or drop the document under the failure's reason."""
        try:
            text = result()
        except ExtractTimeout:
            self.drop(doc, "extract_timeout")
            return None
        except ExtractCrash:
            self.stats.count("worker_crash")
            self.drop(doc, "extract_error")
            return None
        except ExtractError as e:
            self.stats.count(f"error.{str(e).split(':', 1)[0]}")
            self.drop(doc, "extract_error")
            return None
        finally:
            self._count_worker()
        if not isinstance(text, str) or not text.strip():
            self.drop(doc, "empty_extraction")
            return None
        doc.text = text
        return doc

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        if self.isolation == "none":
            for doc in docs:
                html = self._ready(doc)
                if html is not None and self._finish(doc, partial(in_process_call, self.fn, html)) is not None:
                    yield doc
            return
        # up to max_in_flight pages queued in the child, results taken in input order
        worker = self._worker()
        queued: deque[Document] = deque()
        try:
            for doc in docs:
                html = self._ready(doc)
                if html is None:
                    continue
                worker.submit(html)
                queued.append(doc)
                while len(queued) >= self.max_in_flight:
                    done = self._finish(queued.popleft(), worker.collect)
                    if done is not None:
                        yield done
            while queued:
                done = self._finish(queued.popleft(), worker.collect)
                if done is not None:
                    yield done
        except BaseException:
            # the consumer stopped early or an error cut a wait short: answers still owed
            # by the child would go to the wrong pages, so it goes with them
            self.close()
            raise

    def finish(self) -> None:
        """Stop the worker at the end of an input file (a new one starts warm from the forkserver)."""
        self.close()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
