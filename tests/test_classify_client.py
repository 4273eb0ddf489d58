"""The labelling client against a local STAND-IN server speaking the chat-completions API.

``StandInChatServer`` is not an LLM: it is a small threaded HTTP server on 127.0.0.1 that
answers ``POST /v1/chat/completions`` like vLLM / OpenAI do, with a score derived from a
``DOC-<n>`` marker in the document, and injects faults (429, 500, slow replies, replies
without a score, dropped connections) on request. All its loops are bounded.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from corpusforge.classify.client import (EndpointSettings, LabelRunAborted, RateLimiter, chat_completions_url,
                                         label_documents, parse_retry_after)
from corpusforge.classify.labels import LabelStore, read_labels
from corpusforge.classify.prompt import LabelPrompt
from corpusforge.classify.taxonomy import Taxonomy

_MARKER = re.compile(r"DOC-(\d+)")


def expected_score(n: int) -> int:
    return n % 6


FORMATS = Taxonomy.load().keys("format")
TOPICS = Taxonomy.load().keys("topic")


def expected_format(n: int) -> str:
    return FORMATS[n % len(FORMATS)]


def expected_topic(n: int) -> str:
    return TOPICS[(n * 5) % len(TOPICS)]


def stand_in_reply(n: int) -> str:
    """The stand-in's answer to document n in the one-pass prompt's format."""
    return (f"理由：テスト用の返答です。\n評価: {expected_score(n)}\n形式: {expected_format(n)}\n"
            f"話題: {expected_topic(n)}")


class StandInChatServer:
    """Stand-in chat-completions endpoint. ``script[n]`` lists actions for doc n's attempts.

    Actions: ``ok``, ``429`` (Retry-After: ``retry_after``), ``500``, ``slow`` (sleeps
    ``slow_s`` then answers), ``malformed`` (a reply with no score), ``cut`` (a reply
    stopped at the token limit, finish_reason "length"), ``drop`` (closes the
    connection without answering). After the list is used up a doc gets ``default``.
    ``down_after``: once this many requests were answered, every later one gets 503.
    """

    def __init__(self, delay_s: float = 0.02, slow_s: float = 1.0, retry_after: str = "0",
                 default: str = "ok", down_after: int | None = None) -> None:
        self.delay_s, self.slow_s, self.retry_after = delay_s, slow_s, retry_after
        self.default, self.down_after = default, down_after
        self.script: dict[int, list[str]] = {}
        self.attempts: Counter = Counter()
        self.answered: Counter = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests = 0
        self.granted = 0
        self.request_times: dict[int, list[float]] = defaultdict(list)
        self.auth_headers: list[str | None] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def _reply(self, h: BaseHTTPRequestHandler, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = json.loads(h.rfile.read(int(h.headers.get("Content-Length", "0"))))
        if h.path != "/v1/chat/completions":
            self._reply(h, 404, {"error": {"message": "not found"}})
            return
        content = body["messages"][0]["content"]
        n = int(_MARKER.search(content).group(1))
        with self._lock:
            self.requests += 1
            attempt = self.attempts[n]
            self.attempts[n] += 1
            self.request_times[n].append(time.monotonic())
            self.auth_headers.append(h.headers.get("Authorization"))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            steps = self.script.get(n, [])
            action = steps[attempt] if attempt < len(steps) else self.default
            if self.down_after is not None:
                if self.granted >= self.down_after:
                    action = "503"
                else:
                    self.granted += 1
        try:
            time.sleep(self.delay_s)
            if action == "slow":
                time.sleep(self.slow_s)
                action = "ok"
            if action == "drop":
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            if action in ("429", "500", "503"):
                headers = {"Retry-After": self.retry_after} if action == "429" else {}
                self._reply(h, int(action), {"error": {"message": f"stand-in fault {action}"}}, headers)
                return
            text = ("理由：スコアの書かれていない返答です。" if action == "malformed"
                    else "理由：途中で評価: 1 と書いたところで上限に" if action == "cut"
                    else stand_in_reply(n).replace(f"形式: {expected_format(n)}", "形式: ニュース記事")
                    if action == "off_taxonomy"
                    else f"理由：分類の抜けた返答です。\n評価: {expected_score(n)}" if action == "no_categories"
                    else stand_in_reply(n))
            with self._lock:
                self.answered[n] += 1
            self._reply(h, 200, {"id": "x", "object": "chat.completion", "model": body["model"],
                                 "choices": [{"index": 0, "finish_reason": "length" if action == "cut" else "stop",
                                              "message": {"role": "assistant", "content": text}}],
                                 "usage": {"prompt_tokens": len(content), "completion_tokens": 20,
                                           "total_tokens": len(content) + 20}})
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def server():
    s = StandInChatServer()
    yield s
    s.close()


def docs(n: int, start: int = 0) -> list[tuple[str, str]]:
    return [(f"doc/{i}", f"DOC-{i} 光合成について説明する文章です。" * 3) for i in range(start, start + n)]


def settings(url: str, **kw: Any) -> EndpointSettings:
    base = dict(base_url=url, model="stand-in-model", timeout_s=5.0, retries=3, backoff_base_s=0.01,
                backoff_max_s=0.05)
    base.update(kw)
    return EndpointSettings(**base)


def run(store_path: Path, url: str, items: list[tuple[str, str]], **kw: Any):
    conc = kw.pop("concurrency", 8)
    with LabelStore(store_path, batch_size=4) as store:
        return label_documents(items, store, settings(url, **kw.pop("settings", {})), LabelPrompt.load(),
                               concurrency=conc, progress=False, **kw)


def test_concurrent_requests_and_labels_written(server, tmp_path):
    out = tmp_path / "labels.parquet"
    summary = run(out, server.base_url, docs(24), concurrency=8)
    assert server.max_in_flight > 1
    assert summary.labelled == 24 and summary.failed_total == 0
    df = read_labels(out)
    assert df.height == 24 and df["id"].n_unique() == 24
    row = df.filter(df["id"] == "doc/13").row(0, named=True)
    assert row["edu"] == expected_score(13)
    assert row["format"] == expected_format(13) and row["topic"] == expected_topic(13)
    assert row["model"] == "stand-in-model" and row["error"] is None
    assert row["prompt_hash"] == LabelPrompt.load().hash and len(row["prompt_hash"]) == 12
    assert row["labeller"] == f"http:{server.base_url}"
    assert row["prompt_tokens"] > 0 and row["completion_tokens"] == 20 and row["latency_s"] > 0
    assert "テスト用" in row["justification"]
    assert summary.prompt_tokens == int(df["prompt_tokens"].sum())


def test_429_and_500_are_retried_then_succeed(server, tmp_path):
    server.script = {1: ["429", "429", "ok"], 2: ["500", "ok"], 3: ["drop", "ok"]}
    out = tmp_path / "labels.parquet"
    summary = run(out, server.base_url, docs(5))
    assert summary.labelled == 5 and summary.failed_total == 0
    assert server.attempts[1] == 3 and server.attempts[2] == 2 and server.attempts[3] == 2
    assert read_labels(out).filter(read_labels(out)["id"] == "doc/1")["edu"].to_list() == [1]


def test_retry_after_is_respected(tmp_path):
    s = StandInChatServer(retry_after="0.4")
    try:
        s.script = {0: ["429", "ok"]}
        run(tmp_path / "l.parquet", s.base_url, docs(1))
        first, second = s.request_times[0]
        assert second - first >= 0.35
    finally:
        s.close()


def test_timeout_is_retried(tmp_path):
    s = StandInChatServer(slow_s=1.0)
    try:
        s.script = {0: ["slow", "ok"]}
        summary = run(tmp_path / "l.parquet", s.base_url, docs(2), settings={"timeout_s": 0.3})
        assert summary.labelled == 2 and s.attempts[0] == 2
    finally:
        s.close()


def test_timeout_every_attempt_fails_the_document_only(tmp_path):
    s = StandInChatServer(slow_s=0.6)
    try:
        s.script = {0: ["slow"] * 5}
        summary = run(tmp_path / "l.parquet", s.base_url, docs(3), settings={"timeout_s": 0.2, "retries": 1})
        assert summary.failed == Counter({"timeout": 1}) and summary.labelled == 2
        assert set(read_labels(tmp_path / "l.parquet")["id"]) == {"doc/1", "doc/2"}
    finally:
        s.close()


def test_malformed_reply_is_stored_unparseable(server, tmp_path):
    server.script = {2: ["malformed"]}
    out = tmp_path / "labels.parquet"
    summary = run(out, server.base_url, docs(4))
    assert summary.unparseable == 1 and summary.labelled == 3
    row = read_labels(out).filter(read_labels(out)["id"] == "doc/2").row(0, named=True)
    assert row["edu"] is None and row["error"] == "unparseable"
    assert "スコアの書かれていない" in row["raw_reply"]
    assert server.attempts[2] == 1  # a reply is a reply: not retried, not guessed


def test_class_outside_the_taxonomy_or_missing_is_unparseable_never_guessed(server, tmp_path):
    server.script = {1: ["off_taxonomy"], 2: ["no_categories"]}
    out = tmp_path / "labels.parquet"
    summary = run(out, server.base_url, docs(4))
    assert summary.unparseable == 2 and summary.labelled == 2
    rows = {r["id"]: r for r in read_labels(out).iter_rows(named=True)}
    off = rows["doc/1"]
    assert off["error"] == "unparseable" and off["format"] is None  # "ニュース記事" is not mapped to news
    assert off["edu"] == expected_score(1) and off["topic"] == expected_topic(1)  # the parts that parsed stay
    missing = rows["doc/2"]
    assert missing["error"] == "unparseable" and missing["format"] is None and missing["topic"] is None
    good = rows["doc/3"]
    assert (good["edu"], good["format"], good["topic"], good["error"]) == (
        expected_score(3), expected_format(3), expected_topic(3), None)


def test_reply_cut_at_token_limit_is_unparseable(server, tmp_path):
    server.script = {1: ["cut"]}
    out = tmp_path / "labels.parquet"
    summary = run(out, server.base_url, docs(2))
    assert summary.unparseable == 1
    row = read_labels(out).filter(read_labels(out)["id"] == "doc/1").row(0, named=True)
    assert row["edu"] is None and row["error"] == "unparseable"  # not the "評価: 1" mentioned on the way


def test_resumed_run_labels_each_id_once(server, tmp_path):
    server.script = {3: ["500"] * 10, 7: ["500"] * 10}
    out = tmp_path / "labels.parquet"
    first = run(out, server.base_url, docs(10), settings={"retries": 1})
    assert first.labelled == 8 and first.failed["http_500"] == 2
    server.script = {}
    second = run(out, server.base_url, docs(10))
    assert second.skipped_existing == 8 and second.labelled == 2
    df = read_labels(out)
    assert df.height == 10 and df["id"].n_unique() == 10
    assert all(server.answered[i] == 1 for i in range(10))


def test_crash_loses_at_most_one_batch(server, tmp_path):
    out = tmp_path / "labels.parquet"
    store = LabelStore(out, batch_size=4)
    for i in range(10):
        store.add({"id": f"doc/{i}", "edu": 1, "raw_reply": "評価: 1", "model": "m", "prompt_hash": "h",
                   "labeller": "t"})
    del store  # no close(): as if the process died; 2 rows were still in memory
    again = LabelStore(out, batch_size=4)
    assert len(again.done) == 8
    again.close()
    assert read_labels(out).height == 8 and not (tmp_path / "labels.parquet.parts").exists()


def test_endpoint_down_mid_run_keeps_earlier_labels(tmp_path):
    s = StandInChatServer(down_after=6)
    out = tmp_path / "labels.parquet"
    try:
        with pytest.raises(LabelRunAborted, match="appears down") as info:
            run(out, s.base_url, docs(40), concurrency=2, settings={"retries": 1},
                max_consecutive_failures=4)
    finally:
        s.close()
    assert info.value.summary.labelled == 6
    df = read_labels(out)
    assert df.height == 6 and df["edu"].null_count() == 0


def test_endpoint_not_listening_is_a_clear_error(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(LabelRunAborted, match=r"appears down.*connection"):
        run(tmp_path / "l.parquet", f"http://127.0.0.1:{port}/v1", docs(30), concurrency=2,
            settings={"retries": 2}, max_consecutive_failures=5)
    assert read_labels(tmp_path / "l.parquet").height == 0


def test_rate_limit_spaces_requests(server, tmp_path):
    t0 = time.monotonic()
    run(tmp_path / "l.parquet", server.base_url, docs(6), concurrency=6, rps=10)
    assert time.monotonic() - t0 >= 0.45  # 6 starts at >= 0.1 s spacing


def test_api_key_is_sent_as_bearer(server, tmp_path):
    run(tmp_path / "l.parquet", server.base_url, docs(2), settings={"api_key": "sk-test"})
    assert server.auth_headers == ["Bearer sk-test", "Bearer sk-test"]


def test_wrong_path_aborts_at_once(server, tmp_path):
    with pytest.raises(LabelRunAborted, match="http 404"):
        run(tmp_path / "l.parquet", server.base_url.replace("/v1", "/v2/chat/completions"), docs(20))
    assert server.requests <= 16  # aborted after the first answers, not after all documents


def test_url_and_retry_after_helpers():
    assert chat_completions_url("http://h:8000/v1") == "http://h:8000/v1/chat/completions"
    assert chat_completions_url("http://h:8000") == "http://h:8000/v1/chat/completions"
    assert chat_completions_url("https://api.x.com/v1/chat/completions") == "https://api.x.com/v1/chat/completions"
    assert parse_retry_after("2.5", 60) == 2.5
    assert parse_retry_after("9999", 60) == 60
    assert parse_retry_after("soon", 60) is None
    assert parse_retry_after(None, 60) is None
    limiter = RateLimiter(0)
    t0 = time.monotonic()
    for _ in range(100):
        limiter.acquire()
    assert time.monotonic() - t0 < 0.5
