"""Output column names, and the names older outputs used for the same signals.

A ratio column says its denominator: ``_per_nonspace`` (non-space characters),
``_per_letter`` (letters and Japanese punctuation), ``_per_ja`` (Swallow's Japanese
letters), ``_per_char`` (all characters), ``_per_word`` (MeCab tokens); a ``_ratio``
column is a share of the unit its name gives (``q_dup_line_ratio``: of the lines) or,
without one, of all characters. Outputs written before these names are read back under
the current names (``current_names``), so recorded signals from earlier runs still tune.
"""

from __future__ import annotations

import re
from typing import Collection

#: old column name → current name
RENAMED: dict[str, str] = {
    "ja_ratio": "ja_per_nonspace",
    "kana_ratio": "kana_per_nonspace",
    "kanji_ratio": "kanji_per_nonspace",
    "latin_ratio": "latin_per_nonspace",
    "ja_letter_ratio": "ja_per_letter",
    "q_hiragana_ratio": "q_hiragana_per_ja",
    "q_katakana_ratio": "q_katakana_per_ja",
    "q_kanji_ratio": "q_kanji_per_ja",
    "q_ja_ratio": "q_ja_per_char",
    "q_noun_ratio": "q_noun_per_word",
}
# NGWordFilter's ratio was q_<label>_ratio (÷ Japanese letters, its default) beside q_<label>_hits
_OLD_NG_RATIO = re.compile(r"^q_([a-z][a-z0-9_]*)_ratio$")


def current_names(names: Collection[str]) -> dict[str, str]:
    """``{old: current}`` for the columns of ``names`` that an older release named differently."""
    out: dict[str, str] = {}
    for name in names:
        new = RENAMED.get(name)
        m = _OLD_NG_RATIO.match(name) if new is None else None
        if m is not None and f"q_{m.group(1)}_hits" in names:
            new = f"q_{m.group(1)}_per_ja"
        if new is not None and new not in names:
            out[name] = new
    return out
