"""The one record type that flows through every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class DecisionRecord:
    """The filter decisions of one document in "record all signals" mode.

    ``RecordAllSignals`` opens it, each quality filter appends the reasons of the rules it
    fails (in filter order) and the first failing filter notes itself; ``DropFailed``
    closes it, dropping the document with the first reason.
    """

    reasons: list[str] = field(default_factory=list)
    first_stage: Any = None


@dataclass(slots=True)
class Document:
    """A document on its way through the pipeline.

    ``id`` is stable across runs (WARC file name + record offset for web pages), so
    every later phase (dedup, sharding, reports) can refer to a document by id and never
    by its position in a stream. ``metadata`` holds the document's data (signals, charset,
    scores): every key is written as a column. What stages hand each other that is not
    data has typed fields that are never written: ``raw`` (the undecoded HTTP payload
    until ``CharsetDecode``), ``html`` (the decoded page until ``TrafilaturaExtract``),
    ``decisions`` (the filters' decision record) and ``scratch`` (per-document caches,
    such as the filters' text analysis).
    """

    id: str
    text: str = ""
    url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None
    html: str | None = None
    decisions: DecisionRecord | None = None
    scratch: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.text)
