"""Counters every stage keeps, and their merge across files and tasks.

One JSON schema, always the same shape: a stage's ``dropped`` and ``counters`` are
always objects of integers (never sometimes a number, sometimes a dict), so merged
stats of a resumed run are just sums of the per-file stats.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from corpusforge.io.atomic import atomic_write_text

SCHEMA = "corpusforge.stats/1"


@dataclass
class StageStats:
    """What one stage did: documents and characters in and out, drops by reason, time."""

    name: str
    docs_in: int = 0
    docs_out: int = 0
    chars_in: int = 0
    chars_out: int = 0
    seconds: float = 0.0
    dropped: Counter = field(default_factory=Counter)
    counters: Counter = field(default_factory=Counter)

    def drop(self, reason: str) -> None:
        self.dropped[reason] += 1

    def count(self, key: str, n: int = 1) -> None:
        self.counters[key] += n

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "docs_in": self.docs_in,
            "docs_out": self.docs_out,
            "dropped": dict(sorted(self.dropped.items())),
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "seconds": round(self.seconds, 6),
            "counters": dict(sorted(self.counters.items())),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "StageStats":
        return cls(
            name=d["name"],
            docs_in=int(d["docs_in"]),
            docs_out=int(d["docs_out"]),
            chars_in=int(d["chars_in"]),
            chars_out=int(d["chars_out"]),
            seconds=float(d["seconds"]),
            dropped=Counter({k: int(v) for k, v in d["dropped"].items()}),
            counters=Counter({k: int(v) for k, v in d["counters"].items()}),
        )

    def merge(self, other: "StageStats") -> None:
        self.docs_in += other.docs_in
        self.docs_out += other.docs_out
        self.chars_in += other.chars_in
        self.chars_out += other.chars_out
        self.seconds += other.seconds
        self.dropped.update(other.dropped)
        self.counters.update(other.counters)


@dataclass
class Stats:
    """Stats of a run over one or more files: the stages in pipeline order plus totals."""

    phase: str
    stages: list[StageStats] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    errors: Counter = field(default_factory=Counter)

    def stage(self, name: str) -> StageStats:
        for s in self.stages:
            if s.name == name:
                return s
        s = StageStats(name)
        self.stages.append(s)
        return s

    @property
    def dropped(self) -> Counter:
        total: Counter = Counter()
        for s in self.stages:
            total.update(s.dropped)
        return total

    @property
    def docs_out(self) -> int:
        return self.stages[-1].docs_out if self.stages else 0

    def merge(self, other: "Stats") -> "Stats":
        for s in other.stages:
            self.stage(s.name).merge(s)
        self.files += other.files
        self.seconds += other.seconds
        self.errors.update(other.errors)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "phase": self.phase,
            "files": self.files,
            "seconds": round(self.seconds, 6),
            "errors": dict(sorted(self.errors.items())),
            "stages": [s.to_dict() for s in self.stages],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Stats":
        if d.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} stats object (schema={d.get('schema')!r})")
        return cls(
            phase=d["phase"],
            stages=[StageStats.from_dict(s) for s in d["stages"]],
            files=int(d["files"]),
            seconds=float(d["seconds"]),
            errors=Counter({k: int(v) for k, v in d["errors"].items()}),
        )

    def save(self, path: str | Path) -> None:

        atomic_write_text(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, path: str | Path) -> "Stats":
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    @classmethod
    def merged(cls, phase: str, parts: Iterable["Stats"]) -> "Stats":
        total = cls(phase)
        for p in parts:
            total.merge(p)
        return total
