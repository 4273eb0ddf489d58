"""A persistent child process that runs an extraction function with a time limit.

trafilatura is Python on top of lxml's C parser: a ``signal`` alarm cannot interrupt a
long lxml call, and a crash inside C (or a memory blow-up on an HTML bomb) would take
the whole task down. So the function runs in one long-lived child process fed through
a pipe; the parent waits at most ``timeout_s`` per page, and on a timeout or a dead
child it kills the child and starts a new one for the next page.

Cost, on the generated light set's extraction phase (20,000 responses, 1,527 pages
extracted; three interleaved runs): one page at a time in the child 7.3–9.1 CPU-s,
pages queued in the child (``submit`` / ``collect``, 8 at most) 6.5–7.9, in-process
6.0–7.9; wall time 7.3–9.1 s, 4.1–5.1 s and 5.9–7.8 s. A child that waits for each
page is woken up cold for every one; a queued child goes from page to page while
the parent reads and decodes the next records. The first worker of a process
(forkserver start + trafilatura import) takes ~0.2 s.

Children come from a ``forkserver`` (``corpusforge.procs``) that has already imported
the extraction module, so a restart after a timeout costs a fork, not a fresh
interpreter, and is safe in a parent that runs threads (pyarrow).
"""

from __future__ import annotations

import os
import sys
import time
import weakref
from collections import deque
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any, Callable

from corpusforge.procs import child_context, name_process, without_main_reimport

#: modules the forkserver imports once so that every worker starts warm
PRELOAD = ["trafilatura", "corpusforge.extract.trafilatura_extract"]


class ExtractTimeout(Exception):
    """The function did not return within the time limit (the child was killed)."""


class ExtractCrash(Exception):
    """The child process died while working on the page (segfault, OOM kill, exit)."""


class ExtractError(Exception):
    """The function raised an exception (message: its type and text)."""


def _child_main(conn: Connection, fn: Callable[..., Any], memory_mb: int | None) -> None:
    """Worker loop: receive arguments, send back ("ok", result) or ("error", message)."""
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    name_process("cf-extract")
    if sys.platform.startswith("linux"):
        try:  # under memory pressure the kernel should kill this child, not the task
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000\n")
        except OSError:
            pass
    conn.send(("ready", None))
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            return
        started = time.process_time()
        try:
            result = fn(*args)
            msg: tuple[str, Any, float] = ("ok", result, time.process_time() - started)
        except BaseException as e:  # noqa: BLE001  (everything goes back to the parent)
            msg = ("error", f"{type(e).__name__}: {e}"[:500], time.process_time() - started)
        try:
            conn.send(msg)
        except (EOFError, OSError, MemoryError):
            return


def _kill(proc: Any, conn: Connection | None) -> None:
    if conn is not None:
        conn.close()
    if proc is not None and proc.is_alive():
        proc.kill()
    if proc is not None:
        proc.join(timeout=5)


class _Call:
    """One queued call: its pickled arguments and, once sent, when."""

    __slots__ = ("payload", "sent_at")

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.sent_at: float | None = None


class ExtractWorker:
    """Runs ``fn(*args)`` in a persistent child with a per-call time limit.

    ``fn`` must be picklable (a module-level function). ``start_timeout_s`` bounds the
    start of a child (imports), separately from the per-call ``timeout_s``.

    Calls can be queued (``submit``) and their results taken in order (``collect``):
    the child then goes from one page to the next without waiting for the parent, and
    the parent reads and decodes the next records meanwhile. A child that waits for
    every page costs 0.5–1 CPU ms more per page (it is woken up cold each time) and
    the task's wall time is the sum of both processes' work. Calls are only written to
    the pipe while the bytes not yet answered fit well inside the socket's send buffer,
    so a write never blocks behind a page that hangs: the time limit always holds.
    """

    def __init__(self, fn: Callable[..., Any], timeout_s: float, memory_mb: int | None = None,
                 start_timeout_s: float = 120.0, send_buffer_bytes: int = 4 << 20) -> None:
        self.fn = fn
        self.send_buffer_bytes = send_buffer_bytes
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.start_timeout_s = start_timeout_s
        self.proc: Any = None
        self.conn: Connection | None = None
        self.starts = 0
        #: CPU seconds the children spent in ``fn`` on answered calls (the stage's own
        #: seconds only count its wait for them)
        self.child_cpu_s = 0.0
        self._finalizer: weakref.finalize | None = None
        self._queue: deque[_Call] = deque()
        self._sent_bytes = 0
        self._budget = 0
        self._child_free_at = 0.0

    def _start(self) -> None:
        ctx = child_context(PRELOAD)
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_child_main, args=(child, self.fn, self.memory_mb), daemon=True)
        with without_main_reimport():
            proc.start()
        child.close()
        if not parent.poll(self.start_timeout_s):
            _kill(proc, parent)
            raise ExtractCrash(f"extract worker did not start within {self.start_timeout_s} s")
        try:
            parent.recv()
        except (EOFError, OSError):
            _kill(proc, parent)
            raise ExtractCrash("extract worker died while starting") from None
        self.proc, self.conn = proc, parent
        self.starts += 1
        self._finalizer = weakref.finalize(self, _kill, proc, parent)
        self._budget = _send_budget(parent, self.send_buffer_bytes)
        self._child_free_at = time.monotonic()

    def _reset(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self.proc = self.conn = None
        for call in self._queue:  # whatever was sent is resent to the next child
            call.sent_at = None
        self._sent_bytes = 0

    @property
    def pending(self) -> int:
        """Calls submitted and not yet collected."""
        return len(self._queue)

    def submit(self, *args: Any) -> None:
        """Queue ``fn(*args)``; it is sent to the child as soon as the pipe has room."""
        self._queue.append(_Call(ForkingPickler.dumps(args)))
        try:
            self._flush()
        except ExtractCrash:
            pass  # a child that cannot start is reported by collect(), for this call

    def _flush(self) -> None:
        """Send queued calls in order while the unanswered bytes stay within the budget.

        Sent calls are always a prefix of the queue. With nothing unanswered the child
        waits in ``recv`` and drains a call of any size, so the oldest is always sent;
        only then is a dead or missing child replaced (a child that died with calls in
        flight is reported by ``collect`` for the oldest of them).
        """
        for call in self._queue:
            if call.sent_at is not None:
                continue
            size = len(call.payload)
            if self._sent_bytes:
                if self._sent_bytes + size > self._budget:
                    return
            elif self.proc is None or not self.proc.is_alive():
                if self.proc is not None:
                    self._reset()
                self._start()
            assert self.conn is not None
            try:
                self.conn.send_bytes(call.payload)
            except (EOFError, OSError):
                return  # the child is gone; collect() finds out and reports it
            call.sent_at = time.monotonic()
            self._sent_bytes += size

    def collect(self) -> Any:
        """The result of the oldest submitted call; raises ExtractTimeout / ExtractCrash /
        ExtractError for that call alone (the calls behind it go to a fresh child)."""
        if not self._queue:
            raise RuntimeError("collect() without a submitted call")
        call = self._queue[0]
        try:
            self._flush()
            if call.sent_at is None:  # an idle child that died: one fresh child, one retry
                self._reset()
                self._flush()
        finally:
            self._queue.popleft()  # answered or failed, this call leaves the queue here
        if call.sent_at is None:
            self._reset()
            raise ExtractCrash("extract worker pipe broken")
        conn = self.conn
        assert conn is not None
        # the child takes a call once it is done with the one before: the time limit runs
        # from then (or from the send), measured on this side and never shorter
        deadline = max(call.sent_at, self._child_free_at) + self.timeout_s
        while True:
            left = deadline - time.monotonic()
            if conn.poll(max(0.0, min(left, 0.5))):
                try:
                    status, value, cpu_s = conn.recv()
                except (EOFError, OSError):
                    self._reset()
                    raise ExtractCrash("extract worker died") from None
                self._sent_bytes -= len(call.payload)
                self._child_free_at = time.monotonic()
                self.child_cpu_s += cpu_s
                if status == "ok":
                    return value
                raise ExtractError(value)
            if not self.proc.is_alive():
                code = self.proc.exitcode
                self._reset()
                raise ExtractCrash(f"extract worker died (exit code {code})")
            if left <= 0:
                self._reset()
                raise ExtractTimeout(f"no result within {self.timeout_s} s")

    def call(self, *args: Any) -> Any:
        """``fn(*args)`` in the child; raises ExtractTimeout / ExtractCrash / ExtractError."""
        if self._queue:
            raise RuntimeError("call() with submitted calls not yet collected")
        self.submit(*args)
        return self.collect()

    def close(self) -> None:
        """Stop the child and forget queued calls (also done when collected or at exit)."""
        self._queue.clear()
        self._reset()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


def _send_budget(conn: Connection, asked: int) -> int:
    """Bytes that may wait unread in the pipe: a quarter of the socket's send buffer
    (set to ``asked`` where the system allows), which leaves room for the kernel's
    per-write overhead. Unknown buffer: 16 KiB, below any system's default."""
    import socket

    try:
        sock = socket.socket(fileno=os.dup(conn.fileno()))
    except OSError:
        return 16384
    try:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, asked)
        except OSError:
            pass
        return max(4096, min(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) // 4, 1 << 20))
    except OSError:
        return 16384
    finally:
        sock.close()


def in_process_call(fn: Callable[..., Any], *args: Any) -> Any:
    """The same contract without a child (``isolation: none``): no time limit, errors mapped."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001
        raise ExtractError(f"{type(e).__name__}: {e}"[:500]) from None
