"""Line-shape filter: very short lines, lines ending in an ellipsis, link-like lines."""

from __future__ import annotations

import re
from typing import Any

from corpusforge.document import Document
from corpusforge.filters.analysis import analysis_of, ratio
from corpusforge.filters.rules import QualityFilter, Rule, threshold

# HojiChar DiscardTooManyEndingEllipsis: "..." or "…" right before a line break
_ELLIPSIS_LINE_RE = re.compile(r"(?:\.{3}|…)\n")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+")
# a navigation arrow or "more" marker opening a short line (≫ 次の記事, » 続きを読む, >> 一覧)
_NAV_LINE_RE = re.compile(r"^\s*(?:[≫»›→▶▸►]|>>|＞＞)")


class LineShapeFilter(QualityFilter):
    """Menu-like and teaser-like pages seen through their lines.

    Signals: ``q_short_line_ratio`` (lines of at most ``short_line_chars`` characters ÷
    lines, HojiChar ``DiscardTooShortLines``: > 0.5 with 10 characters),
    ``q_ellipsis_line_ratio`` (lines ending in ... or … ÷ line breaks, HojiChar
    ``DiscardTooManyEndingEllipsis``: > 0.7) and ``q_link_line_ratio`` (non-empty lines that
    are mostly a URL, or short lines opened by a navigation arrow such as ≫ or >> ÷
    non-empty lines).
    """

    def __init__(self, short_line_chars: int = 10, nav_line_chars: int = 40,
                 max_short_line_ratio: float | None = None, max_ellipsis_line_ratio: float | None = None,
                 max_link_line_ratio: float | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.short_line_chars = int(threshold(short_line_chars, "short_line_chars", int))
        self.nav_line_chars = int(threshold(nav_line_chars, "nav_line_chars", int))
        self.max_short_line_ratio = threshold(max_short_line_ratio, "max_short_line_ratio")
        self.max_ellipsis_line_ratio = threshold(max_ellipsis_line_ratio, "max_ellipsis_line_ratio")
        self.max_link_line_ratio = threshold(max_link_line_ratio, "max_link_line_ratio")

    def _link_like(self, line: str) -> bool:
        if ("http" in line or "www." in line) and len(_URL_RE.sub("", line).strip()) < 5:
            return True
        return len(line) <= self.nav_line_chars and _NAV_LINE_RE.match(line) is not None

    def measure(self, doc: Document) -> dict[str, Any]:
        a = analysis_of(doc)
        lines = a.lines
        limit = self.short_line_chars
        short = sum(1 for line in lines if len(line) <= limit)
        text = doc.text
        ellipsis = len(_ELLIPSIS_LINE_RE.findall(text)) if ("…" in text or "..." in text) else 0
        nonempty = [line for line in lines if line.strip()]
        links = sum(1 for line in nonempty if self._link_like(line))
        return {"q_short_line_ratio": ratio(short, len(lines)),
                "q_ellipsis_line_ratio": ratio(ellipsis, max(text.count("\n"), 1)),
                "q_link_line_ratio": ratio(links, len(nonempty))}

    def rules(self) -> list[Rule | None]:
        return [
            self.rule("short_lines", "q_short_line_ratio", "gt", self.max_short_line_ratio, "max_short_line_ratio"),
            self.rule("ellipsis_lines", "q_ellipsis_line_ratio", "gt", self.max_ellipsis_line_ratio,
                      "max_ellipsis_line_ratio"),
            self.rule("link_lines", "q_link_line_ratio", "gt", self.max_link_line_ratio, "max_link_line_ratio"),
        ]
