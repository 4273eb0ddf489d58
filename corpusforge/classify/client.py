"""Labelling documents through an OpenAI-compatible ``/v1/chat/completions`` endpoint.

Works with vLLM, SGLang, llama.cpp server, OpenAI and anything else that speaks the
chat-completions API. Standard library only (``http.client`` + threads): one keep-alive
connection per worker thread, ``concurrency`` requests in flight.

Failure policy:
* 429, 408, 5xx, timeouts, connection errors and non-JSON bodies are retried with
  exponential backoff and full jitter; a ``Retry-After`` header is respected (and pauses
  every worker through the shared rate limiter).
* 401 / 403 / 404 abort the run at once (wrong key, URL or model: nothing will work).
* Other 4xx fail that one document (e.g. a context-length error); it is not stored, so
  a re-run tries it again.
* ``max_consecutive_failures`` documents failing in a row (after their retries) means
  the endpoint is down: the run stops, everything labelled so far is kept.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import ssl
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from corpusforge.classify.labels import LabelStore, label_row, prompt_categories
from corpusforge.classify.prompt import LabelPrompt

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
FATAL_STATUS = frozenset({401, 403, 404})


class RequestFailed(Exception):
    """One HTTP attempt failed; ``reason`` is a short stable name for the summary."""

    def __init__(self, reason: str, detail: str = "", retryable: bool = True, fatal: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.retryable = retryable
        self.fatal = fatal
        self.retry_after = retry_after


class LabelRunAborted(Exception):
    """The run stopped early (endpoint down, or a fatal HTTP status); labels so far are kept."""

    def __init__(self, message: str, summary: "LabelSummary") -> None:
        super().__init__(message)
        self.summary = summary


def chat_completions_url(base_url: str) -> str:
    """``…/v1`` → ``…/v1/chat/completions``; a bare host gets ``/v1/chat/completions``."""
    url = base_url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    path = urlsplit(url).path
    if any(seg.startswith("v") and seg[1:].isdigit() for seg in path.split("/")):
        return url + "/chat/completions"
    return url + "/v1/chat/completions"


def parse_retry_after(value: str | None, cap_s: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), cap_s)


class RateLimiter:
    """Spaces request starts at least ``1/rps`` apart across all threads (rps ≤ 0: off)."""

    def __init__(self, rps: float | None) -> None:
        self.interval = 1.0 / rps if rps and rps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self, abort: threading.Event | None = None) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        delay = start - time.monotonic()
        if delay > 0:
            if abort is not None:
                abort.wait(delay)
            else:
                time.sleep(delay)

    def pause_until(self, t: float) -> None:
        """No request may start before monotonic time ``t`` (used for Retry-After)."""
        with self._lock:
            self._next = max(self._next, t)


@dataclass
class ChatResult:
    content: str
    latency_s: float
    prompt_tokens: int | None
    completion_tokens: int | None
    attempts: int
    cut_off: bool = False  # finish_reason "length": the reply hit max_tokens


@dataclass
class EndpointSettings:
    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 120.0
    temperature: float = 0.0
    max_tokens: int = 512
    retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    retry_after_cap_s: float = 300.0


class ChatCompletionsClient:
    """Thread-safe client: one keep-alive connection per calling thread."""

    def __init__(self, settings: EndpointSettings, limiter: RateLimiter | None = None,
                 abort: threading.Event | None = None, seed: int = 0) -> None:
        self.s = settings
        self.url = chat_completions_url(settings.base_url)
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base URL must be http(s)://host[:port][/path], got {settings.base_url!r}")
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.limiter = limiter or RateLimiter(None)
        self.abort = abort or threading.Event()
        self._local = threading.local()
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.requests = 0

    # one HTTP attempt -------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._scheme == "https":
                conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.s.timeout_s,
                                                   context=ssl.create_default_context())
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self.s.timeout_s)
            self._local.conn = conn
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _post(self, payload: bytes) -> tuple[dict[str, Any], float]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.s.api_key:
            headers["Authorization"] = f"Bearer {self.s.api_key}"
        with self._count_lock:
            self.requests += 1
        t0 = time.perf_counter()
        try:
            conn = self._connection()
            conn.request("POST", self._path, body=payload, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except (socket.timeout, TimeoutError) as e:
            self._drop_connection()
            raise RequestFailed("timeout", f"no reply within {self.s.timeout_s:g} s") from e
        except (OSError, http.client.HTTPException) as e:
            self._drop_connection()
            raise RequestFailed("connection", f"{type(e).__name__}: {e}") from e
        latency = time.perf_counter() - t0
        if resp.getheader("Connection", "").lower() == "close":
            self._drop_connection()
        status = resp.status
        if status != 200:
            detail = body[:300].decode("utf-8", "replace").replace("\n", " ")
            retry_after = parse_retry_after(resp.getheader("Retry-After"), self.s.retry_after_cap_s)
            if status in RETRYABLE_STATUS or status >= 500:
                raise RequestFailed(f"http_{status}", detail, retry_after=retry_after)
            raise RequestFailed(f"http_{status}", detail, retryable=False, fatal=status in FATAL_STATUS)
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise RequestFailed("bad_response", "body is not JSON") from e
        if not isinstance(data, dict):
            raise RequestFailed("bad_response", "body is not a JSON object")
        return data, latency

    # with retries -------------------------------------------------------------------
    def _backoff(self, attempt: int) -> float:
        cap = min(self.s.backoff_max_s, self.s.backoff_base_s * (2 ** attempt))
        with self._rng_lock:
            return self._rng.uniform(0.0, cap)  # full jitter

    def complete(self, messages: list[dict[str, str]]) -> ChatResult:
        """One chat completion, retried per the failure policy; raises ``RequestFailed``."""
        payload = json.dumps({"model": self.s.model, "messages": messages, "temperature": self.s.temperature,
                              "max_tokens": self.s.max_tokens, "stream": False}, ensure_ascii=False).encode("utf-8")
        attempt = 0
        while True:
            if self.abort.is_set():
                raise RequestFailed("aborted", "run stopped", retryable=False)
            self.limiter.acquire(self.abort)
            try:
                data, latency = self._post(payload)
                return _chat_result(data, latency, attempt + 1)
            except RequestFailed as e:
                if not e.retryable or attempt >= self.s.retries:
                    raise
                delay = self._backoff(attempt)
                if e.retry_after is not None:
                    delay = max(delay, e.retry_after)
                    self.limiter.pause_until(time.monotonic() + e.retry_after)
                attempt += 1
                if self.abort.wait(delay):
                    raise RequestFailed("aborted", "run stopped", retryable=False) from e


def _chat_result(data: dict[str, Any], latency: float, attempts: int) -> ChatResult:
    choices = data.get("choices")
    content = ""
    cut_off = False
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        cut_off = choices[0].get("finish_reason") == "length"
        message = choices[0].get("message") or {}
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            content = message["content"]
        elif isinstance(choices[0].get("text"), str):
            content = choices[0]["text"]
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    pt, ct = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return ChatResult(content, latency, pt if isinstance(pt, int) else None, ct if isinstance(ct, int) else None,
                      attempts, cut_off)


@dataclass
class LabelSummary:
    to_label: int = 0
    skipped_existing: int = 0
    labelled: int = 0
    unparseable: int = 0
    failed: Counter = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated_docs: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    def lines(self) -> list[str]:
        rps = self.requests / self.seconds if self.seconds > 0 else 0.0
        failed = ", ".join(f"{k} {v}" for k, v in sorted(self.failed.items())) or "none"
        return [
            f"labelled     {self.labelled} (+ {self.unparseable} unparseable replies stored with score null)",
            f"failed       {self.failed_total} ({failed}); not stored, a re-run retries them",
            f"skipped      {self.skipped_existing} already in the labels file",
            f"tokens       {self.prompt_tokens} prompt + {self.completion_tokens} completion",
            f"truncated    {self.truncated_docs} documents cut to the token budget",
            f"requests     {self.requests} in {self.seconds:.1f} s ({rps:.2f} requests/s)",
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"to_label": self.to_label, "skipped_existing": self.skipped_existing, "labelled": self.labelled,
                "unparseable": self.unparseable, "failed": dict(self.failed), "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "truncated_docs": self.truncated_docs,
                "requests": self.requests, "seconds": round(self.seconds, 3)}


def label_documents(docs: Iterable[tuple[str, str]], store: LabelStore, settings: EndpointSettings,
                    prompt: LabelPrompt, concurrency: int = 16, rps: float | None = None,
                    max_doc_tokens: int = 3000, labeller: str | None = None,
                    max_consecutive_failures: int | None = None, progress: bool = True,
                    seed: int = 0, on_result: Callable[[dict[str, Any]], None] | None = None) -> LabelSummary:
    """Label ``(id, text)`` pairs not yet in ``store``; raises ``LabelRunAborted`` if the endpoint is down.

    Whatever was labelled before an abort is flushed to the store first.
    """
    categories = prompt_categories(prompt)
    pending = [(i, t) for i, t in docs]
    summary = LabelSummary()
    todo = []
    for doc_id, text in pending:
        if doc_id in store.done:
            summary.skipped_existing += 1
        else:
            todo.append((doc_id, text))
    summary.to_label = len(todo)
    concurrency = max(1, int(concurrency))
    limit = max_consecutive_failures or max(10, 2 * concurrency)
    abort = threading.Event()
    client = ChatCompletionsClient(settings, RateLimiter(rps), abort, seed=seed)
    labeller = labeller or f"http:{settings.base_url}"
    t0 = time.perf_counter()
    bar = _progress(len(todo), progress)
    consecutive = 0
    abort_message = ""

    def work(doc_id: str, text: str) -> tuple[dict[str, Any], bool]:
        content, truncated = prompt.render(text, max_doc_tokens)
        res = client.complete([{"role": "user", "content": content}])
        row = label_row(doc_id, res.content, settings.model, prompt.hash, labeller, latency_s=round(res.latency_s, 4),
                        prompt_tokens=res.prompt_tokens, completion_tokens=res.completion_tokens,
                        cut_off=res.cut_off, categories=categories)
        return row, truncated

    queue = iter(todo)
    in_flight: dict[Future, str] = {}
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="label")
    finished = False
    try:
        while True:
            while not abort.is_set() and len(in_flight) < 2 * concurrency:
                nxt = next(queue, None)
                if nxt is None:
                    break
                in_flight[pool.submit(work, *nxt)] = nxt[0]
            if not in_flight:
                break
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for fut in done:
                in_flight.pop(fut)
                try:
                    row, truncated = fut.result()
                except RequestFailed as e:
                    if e.reason == "aborted":
                        continue
                    summary.failed[e.reason] += 1
                    consecutive += 1
                    if e.fatal and not abort.is_set():
                        abort_message = (f"{client.url} answered {e.reason.replace('_', ' ')} ({e.detail}); "
                                         "check --base-url, --model and the API key")
                        abort.set()
                    elif consecutive >= limit and not abort.is_set():
                        abort_message = (f"endpoint {client.url} appears down: {consecutive} documents in a row "
                                         f"failed after {settings.retries} retries each (last: {e})")
                        abort.set()
                else:
                    consecutive = 0
                    store.add(row)
                    summary.truncated_docs += truncated
                    if row["error"] is not None:
                        summary.unparseable += 1
                    else:
                        summary.labelled += 1
                    summary.prompt_tokens += row["prompt_tokens"] or 0
                    summary.completion_tokens += row["completion_tokens"] or 0
                    if on_result is not None:
                        on_result(row)
                if bar is not None:
                    bar.update(1)
        finished = True
    finally:
        abort.set()  # stops retry loops and rate-limit waits of workers still running
        # after an error or Ctrl-C, do not wait for requests still in flight (up to --timeout)
        pool.shutdown(wait=finished, cancel_futures=True)
        store.flush()
    if bar is not None:
        bar.close()
    summary.requests = client.requests
    summary.seconds = time.perf_counter() - t0
    if abort_message:
        raise LabelRunAborted(abort_message, summary)
    return summary


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", desc="labelling", dynamic_ncols=True)
