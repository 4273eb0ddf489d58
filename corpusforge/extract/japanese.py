"""The final Japanese decision on the extracted text, by script ratios (no model).

Japanese is the only language written with kana, so kana decide it: Chinese text is
nearly all Han characters (kanji) with at most an occasional の, Korean is Hangul.
The decision asks for (thresholds from the preset, see ``filters/extract.yaml``):

* at least ``min_kana`` kana characters,
* Japanese characters (kana + kanji + 、。「」…) ≥ ``min_ja_letter_ratio`` of the letters
  and Japanese punctuation (an English page with a Japanese menu fails here). Digits,
  IDs, dates and ASCII symbols are left out of that ratio: a Q&A board full of post
  numbers is as Japanese as its prose. ``min_ja_ratio`` (over all non-space characters,
  off in the preset) is the stricter older form of the same test,
* kana ≥ ``min_kana_share_of_cjk`` of kana + kanji (a Chinese page with a few kana
  fails here; kanji-heavy Japanese such as news headlines stays well above it).

The ratios are stored as metadata (``ja_per_letter`` over letters; ``ja_per_nonspace``,
``kana_per_nonspace``, ``kanji_per_nonspace``, ``latin_per_nonspace`` over non-space characters) so later thresholds can be tuned from them.
"""

from __future__ import annotations

from corpusforge.document import Document
from corpusforge.extract.script import ScriptCounts, count_scripts
from corpusforge.stage import Filter


class JapaneseScriptFilter(Filter):
    """Keep Japanese text; drop the rest as ``not_japanese`` (counter ``fail.<test>``)."""

    def __init__(self, min_kana: int = 5, min_ja_letter_ratio: float = 0.25, min_ja_ratio: float = 0.0,
                 min_kana_share_of_cjk: float = 0.1, name: str | None = None) -> None:
        super().__init__(name)
        self.min_kana = min_kana
        self.min_ja_letter_ratio = min_ja_letter_ratio
        self.min_ja_ratio = min_ja_ratio
        self.min_kana_share_of_cjk = min_kana_share_of_cjk

    def failed_test(self, c: ScriptCounts) -> str | None:
        """The first test the counts fail, or None when the text is Japanese."""
        if c.kana < self.min_kana:
            return "kana"
        if c.letter_ratio(c.japanese) < self.min_ja_letter_ratio:
            return "ja_per_letter"
        if c.ratio(c.japanese) < self.min_ja_ratio:
            return "ja_per_nonspace"
        if c.kana_share_of_cjk < self.min_kana_share_of_cjk:
            return "kana_share"
        return None

    def check(self, doc: Document) -> str | None:
        c = count_scripts(doc.text)
        md = doc.metadata
        md["ja_per_letter"] = round(c.letter_ratio(c.japanese), 4)
        md["ja_per_nonspace"] = round(c.ratio(c.japanese), 4)
        md["kana_per_nonspace"] = round(c.ratio(c.kana), 4)
        md["kanji_per_nonspace"] = round(c.ratio(c.kanji), 4)
        md["latin_per_nonspace"] = round(c.ratio(c.latin), 4)
        failed = self.failed_test(c)
        if failed is None:
            return None
        self.stats.count(f"fail.{failed}")
        return "not_japanese"
