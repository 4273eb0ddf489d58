"""Child processes of a task: where they start from, what they are called, when they die.

Children come from a ``forkserver`` (Linux): a clean process that imported ``preload``
once, so a child costs a fork, not a fresh interpreter, and starting one is safe in a
parent that runs threads (pyarrow, tqdm). A process forked from one that runs such a
server (a process pool started after extraction) forgets the inherited server at fork
time and starts its own. Elsewhere ``spawn`` is used.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
from contextlib import contextmanager
from typing import Any, Iterator

_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


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


def child_context(preload: list[str]) -> Any:
    """The multiprocessing context children of a task start from (forkserver on Linux);
    ``preload``: what the fork server imports, if this call starts it."""
    global _AT_FORK_REGISTERED
    if sys.platform.startswith("linux"):
        if not _AT_FORK_REGISTERED:
            os.register_at_fork(after_in_child=_forget_inherited_forkserver)
            _AT_FORK_REGISTERED = True
        ctx = mp.get_context("forkserver")
        try:
            ctx.set_forkserver_preload(preload)
        except Exception:  # noqa: BLE001  (preload is an optimisation only)
            pass
        return ctx
    return mp.get_context("spawn")


@contextmanager
def without_main_reimport() -> Iterator[None]:
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


def _prctl(option: int, arg: Any) -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, arg, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def name_process(name: str) -> None:
    """Linux: the name ``ps`` / ``top`` show for this process (15 bytes at most)."""
    _prctl(_PR_SET_NAME, name.encode()[:15])


def die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent ends (for a forkserver child:
    the fork server, which exits with the process that started it)."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
