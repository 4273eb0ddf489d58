"""Which library inflates the sound gzip members of a WARC file: ISA-L or zlib.

Members are inflated whole by ISA-L (``isal.isal_zlib``, a drop-in for zlib's
``decompressobj``, about twice as fast on CommonCrawl-sized members) when the ``isal``
package is installed, else by zlib; ``CORPUSFORGE_INFLATER=auto|isal|zlib`` or
``set_inflater()`` picks one. Documents and stats do not depend on the choice
(``tests/test_warc_inflate.py``), because ISA-L only takes the part where both libraries
agree: a whole member with a bare gzip header (no optional fields; ISA-L accepts the
reserved flag bits that zlib rejects) read to its checked end, where both give the same
bytes and the same end or both fail. Everything else stays on zlib: a member that fails
there (damaged or cut) or is too large to hold is read by the streaming path, whose
records depend on how many bytes came out before the error or the end of the file (ISA-L
holds back a byte of a stream that stops mid-way), and the sniffing helpers that inflate
a few bytes to see whether a record starts somewhere, which decide where the reader
resynchronises.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

try:
    from isal import isal_zlib
except ImportError:  # an optional speed-up: zlib reads the same files, slower
    isal_zlib = None

INFLATER_ENV = "CORPUSFORGE_INFLATER"
GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip wrapper, checked (both libraries take zlib's wbits)
# name -> module with zlib's decompressobj interface
INFLATERS: dict[str, Any] = {"zlib": zlib} if isal_zlib is None else {"isal": isal_zlib, "zlib": zlib}
INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error,) if isal_zlib is None else (zlib.error, isal_zlib.error)


def _resolve_inflater(name: str) -> str:
    name = name.strip().lower() or "auto"
    if name == "auto":
        return "isal" if "isal" in INFLATERS else "zlib"
    if name not in ("isal", "zlib"):
        raise ValueError(f"unknown inflater {name!r} (from {INFLATER_ENV} or set_inflater); known: auto, isal, zlib")
    if name not in INFLATERS:
        raise ValueError("inflater 'isal' asked for, but the isal package is not installed (pip install isal)")
    return name


_inflater_name = _resolve_inflater(os.environ.get(INFLATER_ENV, "auto"))
_zlib: Any = INFLATERS[_inflater_name]  # inflates sound members whole (_inflate_whole)


def set_inflater(name: str = "auto") -> str:
    """Inflate sound gzip members with ``isal``, ``zlib`` or (``auto``) isal when installed;
    returns the name of the one now in use. Documents and stats are the same with either."""
    global _inflater_name, _zlib
    _inflater_name = _resolve_inflater(name)
    _zlib = INFLATERS[_inflater_name]
    return _inflater_name


def inflater() -> str:
    """Name of the library that inflates sound gzip members now (``isal`` or ``zlib``)."""
    return _inflater_name



def sound_member_inflater() -> Any:
    """The module (zlib interface) that inflates sound members whole now."""
    return _zlib
