"""The one record type that flows through every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Document:
    """A document on its way through the pipeline.

    ``id`` is stable across runs (WARC file name + record offset for web pages), so
    every later phase (dedup, sharding, reports) can refer to a document by id and never
    by its position in a stream. ``raw`` holds the undecoded HTTP payload until the
    extraction stage turns it into ``text`` and clears it.
    """

    id: str
    text: str = ""
    url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None

    def __len__(self) -> int:
        return len(self.text)
