"""Signals first, decisions second: the base of every quality filter.

A ``QualityFilter`` measures its signals (scalars, ``q_`` prefix) into the document
metadata, then applies its ``Rule``s. A rule is declarative (signal, comparison,
threshold, drop reason), so the same decision can be re-applied later to recorded
signals — in Python (``Rule.fails``) or as a polars expression (``Rule.expr``) over
``docs/`` and ``removed/`` — without re-reading any text.

Parameter naming convention of all filters:

* ``min_X``   drop when the signal is below the value;
* ``max_X``   drop when the signal is above the value;
* ``X_limit`` drop when the signal reaches the value (≥), as in HojiChar / Swallow's
  "keep if < 0.05".

"Record all signals" mode: a ``RecordAllSignals`` stage at the start of the filter list
opens a decision record on each document (``doc.decisions``); the filters after it then
only *record* their failing rules (in filter order) and let the document through, so
every document gets every signal. A ``DropFailed`` stage at the end closes the record:
it stores the failed rules in the ``drop_reasons`` column (comma-separated, in filter
order) and drops the documents that failed, with the first reason, attributed to the
filter that failed first. Each filter counts ``fail.<reason>`` (what it would remove on
its own). Every entry point checks that a ``DropFailed`` follows (``corpusforge.order``).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from corpusforge.document import DecisionRecord, Document
from corpusforge.stage import Filter, Stage

#: the column that stores the failed rules of a document, comma-separated, in filter order
DROP_REASONS = "drop_reasons"
#: the document state of "record all signals" mode (``Document.decisions``)
DECISION_RECORD = "decision_record"

def _is_in(value: Any, allowed: Any) -> bool:
    return value in allowed


def _not_in(value: Any, allowed: Any) -> bool:
    return value not in allowed


def _is_true(value: Any, _: Any) -> bool:
    return bool(value)


_OPS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "lt": (operator.lt, "<"),
    "le": (operator.le, "<="),
    "gt": (operator.gt, ">"),
    "ge": (operator.ge, ">="),
    "in": (_is_in, "in"),
    "not_in": (_not_in, "not in"),
    "is_true": (_is_true, "is true"),
}


@dataclass(frozen=True)
class Rule:
    """Drop with ``reason`` when ``signal <op> threshold`` (a missing signal never fails)."""

    reason: str
    signal: str
    op: str
    threshold: Any
    stage: str = ""
    param: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown rule operator {self.op!r}")
        object.__setattr__(self, "_compare", _OPS[self.op][0])   # looked up once: fails() runs per document

    def fails(self, value: Any) -> bool:
        if value is None:
            return False
        return bool(self._compare(value, self.threshold))

    def expr(self) -> Any:
        """The polars expression that is True where the rule fails (null where the signal is)."""
        import polars as pl  # deferred on purpose: only re-deciding recorded outputs needs polars

        col = pl.col(self.signal)
        t = self.threshold
        if self.op == "lt":
            return col < t
        if self.op == "le":
            return col <= t
        if self.op == "gt":
            return col > t
        if self.op == "ge":
            return col >= t
        if self.op == "in":
            return col.is_in(sorted(t))
        if self.op == "not_in":
            return ~col.is_in(sorted(t))
        return col.cast(pl.Boolean)

    def describe(self) -> str:
        sym = _OPS[self.op][1]
        if self.op == "is_true":
            return f"{self.signal} is true"
        t = sorted(self.threshold) if isinstance(self.threshold, (set, frozenset)) else self.threshold
        return f"{self.signal} {sym} {t}"


def threshold(value: Any, param: str, kind: type = float) -> Any:
    """Validate a threshold parameter (None disables its rule)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{param} must be a number, got {value!r}")
    return kind(value)


def per_n_thresholds(value: Any, param: str, allowed: range) -> dict[int, float]:
    """A mapping n → threshold from YAML (keys may be strings); validated against ``allowed``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{param} must be a mapping of n to a threshold, got {value!r}")
    out: dict[int, float] = {}
    for k, v in value.items():
        n = int(k)
        if n not in allowed:
            raise ValueError(f"{param}: n={n} outside {allowed.start}..{allowed.stop - 1}")
        if v is not None:
            out[n] = threshold(v, f"{param}[{n}]")
    return dict(sorted(out.items()))


class QualityFilter(Filter):
    """A filter that measures signals, stores them, then applies declarative rules."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self._active: list[Rule] | None = None

    def measure(self, doc: Document) -> dict[str, Any]:
        """The signals of this filter for ``doc`` (scalars; keys with the ``q_`` prefix)."""
        raise NotImplementedError

    def rules(self) -> list[Rule | None]:
        """The rules of the current thresholds (None entries: thresholds set to None, left out)."""
        return []

    def active_rules(self) -> list[Rule]:
        return [r for r in self.rules() if r is not None]

    def rule(self, reason: str, signal: str, op: str, value: Any, param: str) -> Rule | None:
        """A rule bound to this stage, or None when its threshold is None (disabled)."""
        if value is None:
            return None
        return Rule(reason, signal, op, value, self.name, param)

    def check(self, doc: Document) -> str | None:
        signals = self.measure(doc)
        meta = doc.metadata
        meta.update(signals)
        rules = self._active
        if rules is None:
            rules = self._active = self.active_rules()
        record = doc.decisions
        if record is None:
            for r in rules:
                if r.fails(signals.get(r.signal)):
                    return r.reason
            return None
        failed = [r.reason for r in rules if r.fails(signals.get(r.signal))]
        if failed:
            for reason in failed:
                self.stats.count(f"fail.{reason}")
            if not record.reasons:
                record.first_stage = self
            record.reasons.extend(failed)
        return None


class RecordAllSignals(Stage):
    """Start of "record all signals" mode: later filters record failures instead of dropping.

    Pair it with a ``DropFailed`` stage at the end of the filter list.
    """

    produces = (DECISION_RECORD,)
    owes = (DECISION_RECORD,)

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            doc.decisions = DecisionRecord()
            doc.metadata[DROP_REASONS] = ""   # the column, filled by DropFailed
            yield doc


class DropFailed(Stage):
    """End of "record all signals" mode: drop documents whose filters recorded a failure."""

    consumes = (DECISION_RECORD,)

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            record, doc.decisions = doc.decisions, None
            if record is None:
                yield doc
                continue
            doc.metadata[DROP_REASONS] = ",".join(record.reasons)
            if not record.reasons:
                yield doc
                continue
            reason = record.reasons[0]
            self.stats.drop(reason)
            if self.on_drop is not None:
                first = record.first_stage
                self.on_drop(doc, reason, first if isinstance(first, Stage) else self)
