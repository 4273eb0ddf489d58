"""trim_heap gives the pages of freed blocks back to the system (glibc Linux); corpusforge puts
pyarrow on the system allocator, where the trim reaches it."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from corpusforge.heap import trim_heap

CHILD = """
import json
from corpusforge.heap import trim_heap

def anon_kib():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

import ctypes
ctypes.CDLL("libc.so.6").mallopt(-3, 4 << 20)  # M_MMAP_THRESHOLD: ~1 MB blocks come from the heap, as after
# glibc raised its threshold at the first large free
big, pins = [], []
for i in range(300):
    big.append(bytearray(900_000))
    pins.append(bytearray(1000))  # small live malloc blocks between the big ones keep the heap from shrinking
del big
before = anon_kib()
trimmed = trim_heap()
print(json.dumps({"before": before, "after": anon_kib(), "trimmed": trimmed}))
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_trim_returns_freed_pages() -> None:
    import json

    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert got["trimmed"] is True
    assert got["before"] - got["after"] > 150_000  # most of the 270 MB freed is no longer resident


def test_trim_is_safe_to_call_anywhere() -> None:
    assert isinstance(trim_heap(), bool)


def test_importing_corpusforge_puts_pyarrow_on_the_system_allocator() -> None:
    code = "import corpusforge, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert got.stdout.strip() == "system"
    env["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"  # the user's choice wins
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert got.stdout.strip() in ("jemalloc", "mimalloc")  # mimalloc where pyarrow was built without jemalloc
