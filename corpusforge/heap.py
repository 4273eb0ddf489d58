"""Give freed heap memory back to the operating system.

glibc's malloc keeps the pages of freed blocks (a page body of a WARC record is ~1 MB)
inside its heap and raises its mmap threshold after the first large free, so a worker's
resident memory creeps up with the size of the file it reads. ``trim_heap`` asks glibc
to return every free page (``malloc_trim(0)``); elsewhere it does nothing. pyarrow's
row-group buffers are reached too: ``import corpusforge`` puts pyarrow on the system
allocator (its default, mimalloc, keeps the segments of every row group it has built).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform


def _malloc_trim() -> "ctypes._CFuncPtr | None":
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def trim_heap() -> bool:
    """Return free heap pages to the system; False where the C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
