"""EUC-JP as the web writes it: EUC-JIS-2004 plus the vendor (NEC / IBM) extension characters.

Python's ``euc_jis_2004`` reads NEC row 13 (① ㈱) but not the two ways Windows and
Unix tools write the IBM extension kanji that Japanese names need (髙橋, 山﨑, 德):

* **CP51932** (Windows' EUC-JP, and the WHATWG decoder every browser uses) puts the
  NEC-selected IBM extensions in rows 89–92 (lead bytes F9–FC), where EUC-JIS-2004 has
  other kanji: ``euc_jis_2004`` decodes 髙 (FC E2) as 郄, silently.
* **eucJP-ms** (PHP's ``eucJP-win``, iconv's ``EUC-JP-MS``) writes JIS X 0212 after the
  SS3 byte 8F and the IBM extensions JIS X 0212 lacks in its rows 83–84
  (8F F3 F3 – 8F F4 FE); ``euc_jis_2004`` reads 8F as JIS X 0213 plane 2: U+FFFD or the
  wrong kanji.

The tables are data of Python's own codecs, read in the vendors' documented order:
rows 89–92 are CP932's rows 89–92 (ED40–EEFC) at the same row and cell; G3 rows 83–84
are CP932's IBM extensions (FA40–FC4B) in CP932 order, without ￢ ￤ ∵ (JIS X 0208 has
them) and without the kanji JIS X 0212 has (those are written as JIS X 0212). Other 8F
sequences are JIS X 0212 (Python's ``euc_jp``), else JIS X 0213 plane 2: the two use
disjoint rows.

A page without an 8F byte is decoded by ``euc_jis_2004`` (one C call), and the
characters it made of rows 89–92 (found by a table lookup per character in NumPy) are
swapped for the vendor's; only pages with 8F bytes are cut into plain runs and vendor
sequences.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: the name corpusforge gives this decoder (charset metadata, ``charset.<codec>`` counters)
EUC_JP_CODEC = "euc_jp_ext"

_BASE = "euc_jis_2004"
_SS3 = 0x8F
#: CP932 IBM extension symbols that JIS X 0208 already has (NOT SIGN, BROKEN BAR, BECAUSE)
_IBM_SYMBOLS_IN_JIS0208 = (0xFA54, 0xFA55, 0xFA5B)
_IBM_FIRST_KANJI = 0xFA5C

#: plain EUC-JP (ASCII, stray bytes, half-width kana, rows 1–88 and 93–94) as runs; then a
#: vendor sequence (8F + two bytes, a row 89–92 pair); then what is left: a cut 8F sequence or one byte
#: (the run is possessive, ``++``: with a plain ``+`` the regex engine keeps backtracking state for
#: every character of a run, ~75 bytes each, 90 MB for a 1.2 MB page)
_TOKEN_RE = re.compile(
    rb"((?:[\x00-\x8d\x90-\xa0\xff]|\x8e[\xa1-\xdf]|[\xa1-\xf8\xfd\xfe][\xa1-\xfe])++)"
    rb"|(\x8f[\xa1-\xfe][\xa1-\xfe]|[\xf9-\xfc][\xa1-\xfe])"
    rb"|(\x8f[\xa1-\xfe]?|[\s\S])")


def _sjis_bytes(row: int, cell: int) -> bytes:
    """The Shift_JIS bytes of JIS row / cell (1–94 each)."""
    lead = (row + 1) // 2 + (0x80 if row <= 62 else 0xC0)
    if row % 2:
        trail = cell + (0x3F if cell <= 63 else 0x40)
    else:
        trail = cell + 0x9E
    return bytes((lead, trail))


@lru_cache(maxsize=1)
def vendor_table() -> dict[bytes, str]:
    """EUC-JP byte sequence → character for every vendor character ``euc_jis_2004`` misreads."""
    table: dict[bytes, str] = {}
    for row in range(89, 93):  # CP51932: NEC-selected IBM extensions
        for cell in range(1, 95):
            try:
                table[bytes((row + 0xA0, cell + 0xA0))] = _sjis_bytes(row, cell).decode("cp932")
            except UnicodeDecodeError:
                continue  # an unassigned cell: EUC-JIS-2004 decides
    ibm = []
    for code in range(0xFA40, 0xFC4C):  # eucJP-ms: the IBM extensions outside JIS X 0208 / 0212
        try:
            char = code.to_bytes(2, "big").decode("cp932")
        except UnicodeDecodeError:
            continue
        if code in _IBM_SYMBOLS_IN_JIS0208:
            continue
        if code >= _IBM_FIRST_KANJI and _in_jis0212(char):
            continue
        ibm.append(char)
    slots = [bytes((_SS3, 0xF3, c)) for c in range(0xF3, 0xFF)] + [bytes((_SS3, 0xF4, c)) for c in range(0xA1, 0xFF)]
    assert len(ibm) == len(slots), (len(ibm), len(slots))  # the vendor's 106 cells, filled exactly
    table.update(zip(slots, ibm))
    return table


def _in_jis0212(char: str) -> bool:
    try:
        return char.encode("euc_jp")[0] == _SS3
    except UnicodeEncodeError:
        return False


@lru_cache(maxsize=1)
def _misread_rows() -> Any:
    """Code point → whether ``euc_jis_2004`` makes it of rows 89–92: a text without one read
    no such pair (a lookup table: a regex class of 374 characters costs ~0.1 µs a character)."""
    import numpy as np  # deferred like charset.py's: building the extract stages imports no NumPy

    table = np.zeros(0x110000, dtype=bool)
    for seq in vendor_table():
        if len(seq) == 2:
            table[[ord(ch) for ch in seq.decode(_BASE)]] = True
    assert not table[:0x3000].any()
    return table


def _count_misread_rows(text: str) -> int:
    import numpy as np

    if text.isascii():
        return 0
    table = _misread_rows()
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    points = points[points >= 0x3000]  # the markup and the kana stay out of the lookup (all are kanji)
    return int(np.count_nonzero(table[points]))


@lru_cache(maxsize=1)
def _row_translation() -> dict[int, str]:
    """What ``euc_jis_2004`` made of a row 89–92 pair → the vendor character of that pair."""
    return {ord(seq.decode(_BASE)): char for seq, char in vendor_table().items() if len(seq) == 2}


def _swap_misread_rows(text: str) -> str:
    """``text`` with each character ``euc_jis_2004`` made of a row 89–92 pair replaced by the
    vendor character of that pair (by position: ``str.translate`` costs ~0.1 µs a character)."""
    import numpy as np

    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    swap = _row_translation()
    parts, prev = [], 0
    for i in np.flatnonzero(_misread_rows()[points]).tolist():
        parts += [text[prev:i], swap[ord(text[i])]]
        prev = i + 1
    parts.append(text[prev:])
    return "".join(parts)


def decode_euc_jp(data: bytes, errors: str = "strict") -> tuple[str, int]:
    """``data`` as EUC-JP with vendor characters, and how many vendor characters it held.

    ``errors`` as for ``bytes.decode``; in strict mode the ``UnicodeDecodeError`` gives
    the position of the broken sequence in ``data``.
    """
    if _SS3 not in data:
        try:
            text = data.decode(_BASE, errors)
        except UnicodeDecodeError:
            pass  # the careful path finds the broken sequence
        else:
            misread = _count_misread_rows(text)
            # each row 89-92 pair came out as one character no other bytes give: swap them
            return (_swap_misread_rows(text) if misread else text), misread
    return _decode_tokens(data, errors)


def _decode_tokens(data: bytes, errors: str) -> tuple[str, int]:
    table = vendor_table()
    parts: list[str] = []
    vendor = 0
    for m in _TOKEN_RE.finditer(data):
        plain, special, _single = m.groups()
        if special is not None:
            char = table.get(special)
            if char is not None:
                parts.append(char)
                vendor += 1
                continue
            if len(special) == 3:
                try:
                    parts.append(special.decode("euc_jp"))  # JIS X 0212
                    continue
                except UnicodeDecodeError:
                    pass
        try:
            parts.append(m.group().decode(_BASE, errors))
        except UnicodeDecodeError as e:
            raise UnicodeDecodeError(e.encoding, data, m.start() + e.start, m.start() + e.end, e.reason) from None
    return "".join(parts), vendor
