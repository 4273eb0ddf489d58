"""Reading the score out of a labeller's reply — the same parser for every source.

The prompt asks for a justification, then a last line ``評価: N``. Replies in the wild
vary: full-width digits (``評価：４``), Markdown (``**評価: 4**``), a trailing remark
after the score line, ``4/5`` or ``4点``. The parser looks for the score line from the
bottom up, so a reply that mentions an earlier score ("最初は評価: 2 と考えたが…") is
read by its final one. A reply without an unambiguous integer 0–5 is *unparseable*:
score ``None`` and error ``"unparseable"`` — never guessed.

The one-pass prompt also asks for ``形式: <format key>`` and ``話題: <topic key>``. A key
must be one of the taxonomy's, written as it is (case, markup and quotes aside); anything
else — a Japanese class name, a near miss, two keys — leaves that field ``None`` and the
reply unparseable, never mapped to the nearest class. Fields that did parse are kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

UNPARSEABLE = "unparseable"
MAX_JUSTIFICATION_CHARS = 2000

# a score key, a separator (は, ":", "=", a space or markup; never nothing, so "評価1点目" is
# not a score), then a number; group 3 catches ranges / alternatives that make it ambiguous
_KEYED = re.compile(
    r"(?:評価|評点|点数|合計点|スコア|educational\s+score|score)([*_」』\]]*\s*(?:は)?\s*[:=]?\s*[*_「『\[(]*\s*)"
    r"(\d+(?:[.,]\d+)?)(\s*(?:[〜~\-–—]|から|または|か|or)\s*\d)?",
    re.IGNORECASE,
)
# a last line that is nothing but the number, optionally with 点 or /5 and Markdown emphasis
_BARE = re.compile(r"^[*_#\s]*(\d+)\s*(?:点|/\s*5)?[*_\s]*$")
_REASON_PREFIX = re.compile(r"^\s*(?:理由|根拠|justification|reason)\s*[:]\s*", re.IGNORECASE)
_MARKUP_ONLY = re.compile(r"^[\s*_#「『\[(\-:]*$")


_CATEGORY_KEYS = {"format": ("形式", "format"), "topic": ("話題", "topic")}
_CATEGORY_LINE = {axis: re.compile(r"^[\s*_#\-]*(?:" + "|".join(names) + r")[*_」』\]]*\s*[:=]\s*(.*)$", re.IGNORECASE)
                  for axis, names in _CATEGORY_KEYS.items()}
_VALUE_MARKUP = "*_`'\"「」『』[]()（） 　。."


@dataclass(frozen=True)
class ParsedReply:
    score: int | None
    justification: str
    error: str | None
    format: str | None = None
    topic: str | None = None


def parse_labels(reply: str | None, categories: dict[str, list[str]] | None = None,
                 cut_off: bool = False) -> ParsedReply:
    """Score, and for each axis of ``categories`` (axis → allowed keys) its key; see module doc."""
    parsed = parse_reply(reply, cut_off=cut_off)
    if not categories:
        return parsed
    text = unicodedata.normalize("NFKC", reply or "")
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    found = {axis: None if cut_off else _category(text, axis, allowed) for axis, allowed in categories.items()}
    ok = parsed.score is not None and all(v is not None for v in found.values())
    return ParsedReply(parsed.score, _strip_category_lines(parsed.justification), None if ok else UNPARSEABLE,
                       format=found.get("format"), topic=found.get("topic"))


def _category(text: str, axis: str, allowed: list[str]) -> str | None:
    """The key on the last ``形式:`` / ``話題:`` line, if it is exactly one allowed key."""
    pattern = _CATEGORY_LINE[axis]
    for line in reversed(text.splitlines()):
        m = pattern.match(line)
        if m:
            value = m.group(1).strip().strip(_VALUE_MARKUP).lower()
            return value if value in allowed else None
    return None


def _strip_category_lines(justification: str) -> str:
    lines = [ln for ln in justification.splitlines() if not any(p.match(ln) for p in _CATEGORY_LINE.values())]
    return "\n".join(lines).strip()


def parse_reply(reply: str | None, cut_off: bool = False) -> ParsedReply:
    """Score (0–5), justification and error of one raw reply.

    ``cut_off``: the endpoint stopped the reply at its token limit (``finish_reason ==
    "length"``); the final score line is then missing and any score found would be one
    mentioned along the way, so the reply is unparseable. Reasoning models' ``<think>``
    blocks are skipped; an unclosed one means the answer never came.
    """
    if not reply or not reply.strip():
        return ParsedReply(None, "", UNPARSEABLE)
    text = unicodedata.normalize("NFKC", reply)
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    elif "<think>" in text:
        return ParsedReply(None, "", UNPARSEABLE)
    lines = text.splitlines()
    if cut_off:
        return ParsedReply(None, _justification(lines), UNPARSEABLE)
    for idx in range(len(lines) - 1, -1, -1):
        matches = [m for m in _KEYED.finditer(lines[idx]) if m.group(1)]
        if not matches:
            continue
        last = matches[-1]
        prefix = lines[idx][: last.start()]
        body = lines[:idx] + ([] if _MARKUP_ONLY.match(prefix) else [prefix])
        return _scored(last.group(2), ambiguous=last.group(3) is not None, body=body)
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    bare = _BARE.match(lines[nonblank[-1]]) if nonblank else None
    if bare:
        return _scored(bare.group(1), ambiguous=False, body=lines[: nonblank[-1]])
    return ParsedReply(None, _justification(lines), UNPARSEABLE)


def _scored(number: str, ambiguous: bool, body: list[str]) -> ParsedReply:
    """A score token found on the score line: an integer 0–5 or else unparseable."""
    justification = _justification(body)
    if ambiguous or not number.isdigit() or not 0 <= int(number) <= 5:
        return ParsedReply(None, justification, UNPARSEABLE)
    return ParsedReply(int(number), justification, None)


def _justification(lines: list[str]) -> str:
    text = "\n".join(ln.strip() for ln in lines).strip()
    text = _REASON_PREFIX.sub("", text).strip().strip("*").strip()
    return text[:MAX_JUSTIFICATION_CHARS]


def parse_score(reply: str | None) -> int | None:
    """Just the score (``None`` when unparseable)."""
    return parse_reply(reply).score
