"""A persistent child process that runs an extraction function with a time limit.

trafilatura is Python on top of lxml's C parser: a ``signal`` alarm cannot interrupt a
long lxml call, and a crash inside C (or a memory blow-up on an HTML bomb) would take
the whole task down. So the function runs in one long-lived child process fed through
a pipe; the parent waits at most ``timeout_s`` per page, and on a timeout or a dead
child it kills the child and starts a new one for the next page.

Cost (measured by ``bench/bench_extract.py --sandbox-overhead``, three runs): sandboxed
2.05–2.52 CPU ms per page (parent + child) against 2.13–2.43 in-process on the
generated set's pages, a difference within run-to-run noise (≤ 0.1 ms); only pages
that passed the pre-check pay it. The first worker of a process (forkserver start +
trafilatura import) takes ~0.2 s.

Children come from a ``forkserver`` (Linux) that has already imported the extraction
module, so a restart after a timeout costs a fork, not a fresh interpreter, and is safe
in a parent that runs threads (pyarrow). A process forked from one that runs such a
server (a process pool started after extraction) forgets the inherited server at fork
time and starts its own. Elsewhere ``spawn`` is used.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
import weakref
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, Callable, Iterator

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
        try:
            result = fn(*args)
            msg: tuple[str, Any] = ("ok", result)
        except BaseException as e:  # noqa: BLE001  (everything goes back to the parent)
            msg = ("error", f"{type(e).__name__}: {e}"[:500])
        try:
            conn.send(msg)
        except (EOFError, OSError, MemoryError):
            return


_AT_FORK_REGISTERED = False


def _forget_inherited_forkserver() -> None:
    """In a forked child: drop the parent's fork server handle (not this process's child,
    ``multiprocessing`` could not wait on it), so the first worker here starts its own."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is None or getattr(server, "_forkserver_pid", None) is None:
        return
    fd = getattr(server, "_forkserver_alive_fd", None)
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass
    server._forkserver_pid = None
    server._forkserver_address = None
    server._forkserver_alive_fd = None


def _context() -> Any:
    global _AT_FORK_REGISTERED
    if sys.platform.startswith("linux"):
        if not _AT_FORK_REGISTERED:
            os.register_at_fork(after_in_child=_forget_inherited_forkserver)
            _AT_FORK_REGISTERED = True
        ctx = mp.get_context("forkserver")
        try:
            ctx.set_forkserver_preload(PRELOAD)
        except Exception:  # noqa: BLE001  (preload is an optimisation only)
            pass
        return ctx
    return mp.get_context("spawn")


@contextmanager
def _without_main_reimport() -> Iterator[None]:
    """Start children without re-running the parent's ``__main__``.

    ``spawn`` / ``forkserver`` children re-import the parent's main script to find
    functions defined there; that fails for ``python -`` / ``-c`` and re-runs the
    top level of scripts. The worker needs nothing from ``__main__`` (its function
    comes from an importable module), so the main module is hidden while starting.
    """
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def _kill(proc: Any, conn: Connection | None) -> None:
    if conn is not None:
        conn.close()
    if proc is not None and proc.is_alive():
        proc.kill()
    if proc is not None:
        proc.join(timeout=5)


class ExtractWorker:
    """Runs ``fn(*args)`` in a persistent child with a per-call time limit.

    ``fn`` must be picklable (a module-level function). ``start_timeout_s`` bounds the
    start of a child (imports), separately from the per-call ``timeout_s``.
    """

    def __init__(self, fn: Callable[..., Any], timeout_s: float, memory_mb: int | None = None,
                 start_timeout_s: float = 120.0) -> None:
        self.fn = fn
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.start_timeout_s = start_timeout_s
        self.proc: Any = None
        self.conn: Connection | None = None
        self.starts = 0
        self._finalizer: weakref.finalize | None = None

    def _start(self) -> None:
        ctx = _context()
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_child_main, args=(child, self.fn, self.memory_mb), daemon=True)
        with _without_main_reimport():
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

    def _reset(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self.proc = self.conn = None

    def call(self, *args: Any) -> Any:
        """``fn(*args)`` in the child; raises ExtractTimeout / ExtractCrash / ExtractError."""
        if self.proc is None or not self.proc.is_alive():
            if self.proc is not None:
                self._reset()
            self._start()
        conn = self.conn
        assert conn is not None
        try:
            conn.send(args)
        except (EOFError, OSError, BrokenPipeError):
            self._reset()
            raise ExtractCrash("extract worker pipe broken") from None
        deadline = time.monotonic() + self.timeout_s
        while True:
            left = deadline - time.monotonic()
            if conn.poll(max(0.0, min(left, 0.5))):
                try:
                    status, value = conn.recv()
                except (EOFError, OSError):
                    self._reset()
                    raise ExtractCrash("extract worker died") from None
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

    def close(self) -> None:
        """Stop the child (it is also stopped when this object is collected or at exit)."""
        self._reset()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


def in_process_call(fn: Callable[..., Any], *args: Any) -> Any:
    """The same contract without a child (``isolation: none``): no time limit, errors mapped."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001
        raise ExtractError(f"{type(e).__name__}: {e}"[:500]) from None
