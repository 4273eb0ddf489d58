"""Charset labels as pages declare them, and which Python codec decodes each.

The mapping follows the WHATWG Encoding Standard where it differs from Python's own
aliases (a browser decodes ``Shift_JIS`` as Windows-31J/CP932, ``ISO-8859-1`` as
windows-1252, ``EUC-KR`` as CP949, ``GB2312`` as GBK/GB18030), so "does this label lie"
means what a careful decoder would see.
"""

from __future__ import annotations

LABEL_TO_CODEC: dict[str, str] = {
    "utf-8": "utf-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
    "ms_kanji": "cp932", "cp932": "cp932",
    "euc-jp": "euc_jp", "x-euc-jp": "euc_jp",
    "iso-2022-jp": "iso2022_jp",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "windows-1252": "cp1252", "ascii": "cp1252",
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
    "windows-1251": "cp1251", "koi8-r": "koi8_r",
    "utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be",
}


def codec_for_label(label: str | None) -> str | None:
    """Python codec for a declared charset label, or None for a missing or unknown label."""
    if not label:
        return None
    return LABEL_TO_CODEC.get(label.strip().strip("'\"").lower())


def label_lies(label: str | None, body: bytes, true_text: str) -> bool:
    """True when decoding ``body`` as ``label`` says does not give ``true_text``.

    A missing label does not lie; an unknown label does (nothing decodes with it).
    """
    if not label:
        return False
    codec = codec_for_label(label)
    if codec is None:
        return True
    return body.decode(codec, errors="replace") != true_text
