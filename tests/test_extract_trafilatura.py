"""TrafilaturaExtract: extraction, and a bad page never stalls or kills the task.

The slow / crashing / raising / memory-hungry extractors below are INJECTED through the
stage's ``extract_fn`` parameter to exercise the time limit and the crash handling of
the child-process sandbox; the HTML bomb and the huge page go through real trafilatura.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from corpusforge.document import Document
from corpusforge.extract.sandbox import ExtractTimeout, ExtractWorker
from corpusforge.extract.trafilatura_extract import TrafilaturaExtract, html_title, recall_escalation_enabled
from corpusforge.pipeline import Pipeline
from tests.extract_fixtures import JA_PARAGRAPHS, ja_page

SLOW_MARKER = "<!-- injected: sleep -->"
CRASH_MARKER = "<!-- injected: segfault -->"
RAISE_MARKER = "<!-- injected: raise -->"
MEMORY_MARKER = "<!-- injected: allocate -->"
NAP_MARKER = "<!-- injected: nap -->"
BUSY_MARKER = "<!-- injected: busy -->"


def injected_extractor(html: str) -> str | None:
    """Stand-in extractor injected into the stage: misbehaves on marked pages."""
    if SLOW_MARKER in html:
        time.sleep(60)
    if NAP_MARKER in html:
        time.sleep(0.6)
    if BUSY_MARKER in html:
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass
    if CRASH_MARKER in html:
        os.kill(os.getpid(), signal.SIGSEGV)
    if RAISE_MARKER in html:
        raise ValueError("injected failure")
    if MEMORY_MARKER in html:
        hog = bytearray(8 * 1024**3)  # over the worker's address-space limit
        return str(len(hog))
    return "extracted: " + html[-40:]


def doc_with_html(doc_id: str, html: str) -> Document:
    return Document(id=doc_id, html=html)


def run(stage: TrafilaturaExtract, docs: list[Document]) -> list[Document]:
    try:
        return list(Pipeline([stage], given=("html",)).run(docs))
    finally:
        stage.close()


def test_real_extraction_sets_text_and_title() -> None:
    stage = TrafilaturaExtract()
    out = run(stage, [doc_with_html("a", ja_page(title="秋祭り &amp; 収穫"))])
    assert len(out) == 1
    doc = out[0]
    assert JA_PARAGRAPHS[0] in doc.text
    assert "Copyright" not in doc.text  # boilerplate footer removed
    assert doc.metadata["title"] == "秋祭り & 収穫"
    assert "_html" not in doc.metadata


def test_in_process_isolation_gives_the_same_text() -> None:
    html = ja_page()
    a = run(TrafilaturaExtract(isolation="none"), [doc_with_html("a", html)])
    b = run(TrafilaturaExtract(isolation="process"), [doc_with_html("a", html)])
    assert a[0].text == b[0].text


@pytest.mark.timeout(60)
def test_timeout_skips_the_page_and_the_task_goes_on() -> None:
    stage = TrafilaturaExtract(timeout_s=1.0, extract_fn=injected_extractor)
    docs = [doc_with_html("ok1", "<p>one</p>"), doc_with_html("slow", SLOW_MARKER),
            doc_with_html("ok2", "<p>two</p>")]
    t0 = time.monotonic()
    out = run(stage, docs)
    assert time.monotonic() - t0 < 30  # the 60 s sleep was cut off
    assert [d.id for d in out] == ["ok1", "ok2"]
    assert stage.stats.dropped["extract_timeout"] == 1
    assert stage.stats.counters["worker_starts"] == 2  # a fresh child after the kill


@pytest.mark.timeout(60)
def test_crash_and_exception_are_extract_errors() -> None:
    stage = TrafilaturaExtract(extract_fn=injected_extractor)
    docs = [doc_with_html("crash", CRASH_MARKER), doc_with_html("ok", "<p>fine</p>"),
            doc_with_html("raise", RAISE_MARKER), doc_with_html("ok2", "<p>fine too</p>")]
    out = run(stage, docs)
    assert [d.id for d in out] == ["ok", "ok2"]
    assert stage.stats.dropped["extract_error"] == 2
    assert stage.stats.counters["worker_crash"] == 1
    assert stage.stats.counters["error.ValueError"] == 1


@pytest.mark.timeout(60)
def test_memory_hog_is_stopped_by_the_worker_limit() -> None:
    stage = TrafilaturaExtract(extract_fn=injected_extractor, worker_memory_mb=1024)
    out = run(stage, [doc_with_html("hog", MEMORY_MARKER), doc_with_html("ok", "<p>x</p>")])
    assert [d.id for d in out] == ["ok"]
    assert stage.stats.dropped["extract_error"] == 1


def test_worker_restarts_are_cheap_and_kill_the_old_child() -> None:
    worker = ExtractWorker(injected_extractor, timeout_s=0.5)
    try:
        assert worker.call("<p>a</p>").startswith("extracted")
        first = worker.proc
        with pytest.raises(ExtractTimeout):
            worker.call(SLOW_MARKER)
        first.join(timeout=5)
        assert not first.is_alive()
        assert worker.call("<p>b</p>").startswith("extracted")
        assert worker.starts == 2
    finally:
        worker.close()


@pytest.mark.timeout(120)
def test_html_bomb_does_not_stall() -> None:
    depth = 200_000
    bomb = "<html><body>" + "<div>" * depth + "深い入れ子のページです。" + "</div>" * depth + "</body></html>"
    stage = TrafilaturaExtract(timeout_s=20.0)
    out = run(stage, [doc_with_html("bomb", bomb), doc_with_html("ok", ja_page())])
    assert out[-1].id == "ok" and JA_PARAGRAPHS[0] in out[-1].text
    handled = sum(stage.stats.dropped.values()) + len(out)
    assert handled == 2


def test_too_large_html_is_dropped_before_extraction() -> None:
    stage = TrafilaturaExtract(max_html_chars=5_000_000, extract_fn=injected_extractor)
    huge = "<html><body>" + "<p>あいうえお</p>" * 5_000_000 + "</body></html>"
    assert len(huge) > 50_000_000
    out = run(stage, [doc_with_html("huge", huge), doc_with_html("ok", "<p>x</p>")])
    assert [d.id for d in out] == ["ok"]
    assert stage.stats.dropped["html_too_large"] == 1
    assert stage.stats.counters["worker_starts"] == 1  # the huge page never reached the worker


def test_empty_extraction_and_missing_html() -> None:
    stage = TrafilaturaExtract()
    docs = [doc_with_html("empty", "<html><body><script>var a = 1;</script></body></html>"),
            Document(id="nohtml", raw=b"<p>never decoded</p>")]
    assert run(stage, docs) == []
    assert stage.stats.dropped["empty_extraction"] == 1
    assert stage.stats.dropped["no_html"] == 1


def test_html_title() -> None:
    assert html_title("<html><head><TITLE lang=ja>\n  ニュース &lt;速報&gt;\n</title>") == "ニュース <速報>"
    assert html_title("<html><body>no title</body></html>") == ""


def test_unpicklable_extractor_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="picklable"):
        TrafilaturaExtract(extract_fn=lambda html: html)
    TrafilaturaExtract(extract_fn=lambda html: html, isolation="none")  # fine in-process
    with pytest.raises(ValueError):
        TrafilaturaExtract(isolation="thread")


def extract_in_forked_child(queue) -> None:  # type: ignore[no-untyped-def]
    """Runs in a process forked from a parent whose sandbox fork server is running."""
    stage = TrafilaturaExtract(extract_fn=injected_extractor)
    out = run(stage, [doc_with_html("child", "<p>from the child</p>")])
    queue.put([d.text for d in out])


@pytest.mark.timeout(60)
def test_forked_child_starts_its_own_fork_server() -> None:
    import multiprocessing as mp

    parent_stage = TrafilaturaExtract(extract_fn=injected_extractor)
    assert run(parent_stage, [doc_with_html("p", "<p>parent</p>")])  # the fork server now runs
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=extract_in_forked_child, args=(queue,))
    proc.start()
    texts = queue.get(timeout=50)
    proc.join(timeout=10)
    assert proc.exitcode == 0
    assert texts == ["extracted: <p>from the child</p>"]


# --- pages queued in the child (max_in_flight) ---------------------------------------


@pytest.mark.timeout(90)
def test_queued_pages_come_out_in_order_around_a_hang_and_a_crash() -> None:
    stage = TrafilaturaExtract(timeout_s=1.0, max_in_flight=8, extract_fn=injected_extractor)
    docs = [doc_with_html(f"p{i}", f"<p>page {i}</p>") for i in range(30)]
    docs[7] = doc_with_html("slow", SLOW_MARKER)
    docs[15] = doc_with_html("crash", CRASH_MARKER)
    docs[20] = doc_with_html("raise", RAISE_MARKER)
    t0 = time.monotonic()
    out = run(stage, docs)
    assert time.monotonic() - t0 < 30
    expected = [d.id for d in docs if d.id.startswith("p")]
    assert [d.id for d in out] == expected  # the pages queued behind a failure are redone
    assert all(d.text == f"extracted: <p>page {d.id[1:]}</p>" for d in out)
    assert stage.stats.dropped == {"extract_timeout": 1, "extract_error": 2}
    assert stage.stats.counters["worker_starts"] == 3  # first child, after the hang, after the crash


@pytest.mark.timeout(60)
def test_time_limit_runs_from_when_the_child_takes_the_page() -> None:
    # three 0.6 s pages queued at once: the third is answered 1.8 s after it was sent,
    # but took 0.6 s of the child's time, so none is over the 1 s limit
    stage = TrafilaturaExtract(timeout_s=1.0, max_in_flight=3, extract_fn=injected_extractor)
    docs = [doc_with_html(f"n{i}", f"{NAP_MARKER}<p>{i}</p>") for i in range(3)]
    out = run(stage, docs)
    assert [d.id for d in out] == ["n0", "n1", "n2"]
    assert stage.stats.dropped == {}


@pytest.mark.timeout(60)
def test_a_consumer_that_stops_early_leaves_no_stale_answers() -> None:
    stage = TrafilaturaExtract(max_in_flight=8, extract_fn=injected_extractor)
    try:
        it = stage(doc_with_html(f"a{i}", f"<p>first {i}</p>") for i in range(20))
        assert [next(it).text for _ in range(2)] == ["extracted: <p>first 0</p>", "extracted: <p>first 1</p>"]
        it.close()  # six pages were still queued in the child
        again = list(stage([doc_with_html(f"b{i}", f"<p>second {i}</p>") for i in range(5)]))
        assert [d.text for d in again] == [f"extracted: <p>second {i}</p>" for i in range(5)]
    finally:
        stage.close()


@pytest.mark.timeout(90)
def test_pages_larger_than_the_pipe_never_block_the_time_limit() -> None:
    # 2 MB pages do not fit the socket buffer: they are sent one at a time, and a page
    # that hangs behind them is still cut off at its limit
    big = "<p>" + "あ" * 1_000_000 + "</p>"
    docs = [doc_with_html(f"big{i}", big + f"<!-- {i} -->") for i in range(4)]
    docs.insert(2, doc_with_html("slow", big + SLOW_MARKER))
    stage = TrafilaturaExtract(timeout_s=1.0, max_in_flight=8, extract_fn=injected_extractor)
    t0 = time.monotonic()
    out = run(stage, docs)
    assert time.monotonic() - t0 < 30
    assert [d.id for d in out] == ["big0", "big1", "big2", "big3"]
    assert [d.text for d in out] == [f"extracted: {(big + f'<!-- {i} -->')[-40:]}" for i in range(4)]
    assert stage.stats.dropped == {"extract_timeout": 1}


@pytest.mark.timeout(90)
def test_worker_never_writes_more_than_the_socket_holds() -> None:
    # a 64 KiB send buffer and 2 MB pages: were they all written at once, submit() would
    # block behind the hanging page for its whole 60 s, past any time limit
    worker = ExtractWorker(injected_extractor, timeout_s=1.0, send_buffer_bytes=65536)
    big = "<p>" + "あ" * 700_000 + "</p>"
    try:
        t0 = time.monotonic()
        for html in (big + "0", big + "1", big + SLOW_MARKER, big + "2", big + "3"):
            worker.submit(html)
        assert time.monotonic() - t0 < 10
        assert worker.collect().endswith("0") and worker.collect().endswith("1")
        with pytest.raises(ExtractTimeout):
            worker.collect()
        assert worker.collect().endswith("2") and worker.collect().endswith("3")
        assert time.monotonic() - t0 < 30
    finally:
        worker.close()


def test_worker_queue_collects_in_submission_order() -> None:
    worker = ExtractWorker(injected_extractor, timeout_s=1.0)
    try:
        for i in range(5):
            worker.submit(f"<p>{i}</p>")
        worker.submit(SLOW_MARKER)
        worker.submit("<p>after</p>")
        assert worker.pending == 7
        assert [worker.collect() for _ in range(5)] == [f"extracted: <p>{i}</p>" for i in range(5)]
        with pytest.raises(ExtractTimeout):
            worker.collect()
        assert worker.collect() == "extracted: <p>after</p>"
        assert worker.pending == 0 and worker.starts == 2
        with pytest.raises(RuntimeError):
            worker.collect()
        worker.submit("<p>queued</p>")
        with pytest.raises(RuntimeError):
            worker.call("<p>direct</p>")  # would take the queued call's answer
    finally:
        worker.close()


def test_queued_real_extraction_matches_in_process() -> None:
    htmls = [ja_page(title=f"お知らせ {i}") + f"<!-- {i} -->" for i in range(12)]
    htmls[5] = "<html><body><script>var a = 1;</script></body></html>"  # empty extraction
    a = run(TrafilaturaExtract(isolation="none"), [doc_with_html(str(i), h) for i, h in enumerate(htmls)])
    b = run(TrafilaturaExtract(max_in_flight=4), [doc_with_html(str(i), h) for i, h in enumerate(htmls)])
    assert [(d.id, d.text, d.metadata["title"]) for d in a] == [(d.id, d.text, d.metadata["title"]) for d in b]
    assert len(b) == 11


def test_child_cpu_time_is_counted_while_the_stage_only_waits() -> None:
    stage = TrafilaturaExtract(max_in_flight=4, extract_fn=injected_extractor)
    out = run(stage, [doc_with_html(f"b{i}", f"{BUSY_MARKER}<p>{i}</p>") for i in range(3)]
              + [doc_with_html("nap", f"{NAP_MARKER}<p>idle</p>")])
    assert len(out) == 4
    assert 850 <= stage.stats.counters["worker_cpu_ms"] < 1500  # three 0.3 s busy pages; the nap is idle


def test_max_in_flight_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_in_flight"):
        TrafilaturaExtract(max_in_flight=0)


# --- trafilatura's recall escalation (filters/extract.yaml: recall_escalation) --------


def test_recall_escalation_switch_reaches_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura.core

    # the switch works through this constant: an upgrade that drops it must be noticed here
    assert isinstance(trafilatura.core.ESCALATION_MAX_LENGTH, int) and trafilatura.core.ESCALATION_MAX_LENGTH > 0
    calls = []
    real = trafilatura.core.html2txt
    monkeypatch.setattr(trafilatura.core, "html2txt", lambda *a, **k: calls.append(1) or real(*a, **k))
    html = ja_page()  # an article far shorter than 3,000 characters: the escalation measures it
    texts = {}
    for enabled in (True, False):
        calls.clear()
        out = run(TrafilaturaExtract(isolation="none", recall_escalation=enabled), [doc_with_html("a", html)])
        texts[enabled] = out[0].text
        assert bool(calls) is enabled  # the page-text dump is what the escalation costs
    assert JA_PARAGRAPHS[0] in texts[False] and texts[False] == texts[True]
    before = trafilatura.core.ESCALATION_MAX_LENGTH
    with recall_escalation_enabled(False):
        assert trafilatura.core.ESCALATION_MAX_LENGTH == 0
    assert trafilatura.core.ESCALATION_MAX_LENGTH == before  # restored after the block


def test_preset_turns_the_escalation_off_in_the_sandbox_too() -> None:
    from corpusforge.config import build_stages, load_config

    stage = next(s for s in build_stages(load_config("extract")["extract"]) if isinstance(s, TrafilaturaExtract))
    assert stage.fn.keywords["recall_escalation"] is False
    out = run(stage, [doc_with_html("a", ja_page())])
    assert JA_PARAGRAPHS[0] in out[0].text
