"""The stage base class and the two small base classes most steps are built from.

A stage is a callable over an iterator of documents that yields documents. The
``Pipeline`` counts documents and characters in and out of every stage and times it;
a stage itself only records *why* it dropped something (``self.drop(doc, reason)``)
and any counters of its own (``self.stats.count(key)``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Iterator

from corpusforge.document import Document
from corpusforge.order import declare
from corpusforge.pipeline import DropSink, Pipeline, TaskContext
from corpusforge.stats import StageStats


class Stage:
    """Base of all stages. Subclasses implement ``__call__`` (or use Filter / Mapper)."""

    #: dropped documents of this stage go to ``removed/`` (False: counted only, e.g.
    #: records that never became text such as images or non-Japanese pages)
    write_removed: ClassVar[bool] = True
    #: document state read from / left for other stages (see ``corpusforge.order``)
    needs: ClassVar[tuple[str, ...]] = ()
    consumes: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[tuple[str, ...]] = ()
    owes: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declare(cls)

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self.stats = StageStats(self.name)
        self.on_drop: DropSink | None = None

    def setup(self, ctx: TaskContext) -> None:
        """Called once per input file (per segment of it) before documents flow (open side outputs)."""

    def finish(self) -> None:
        """Called once per input file (per segment of it) after the last document (close side outputs)."""

    def segment_state(self) -> Any:
        """What this stage carries from one segment of an input file to the next (None:
        nothing); a file read in segments gives it back to ``resume_segment`` (picklable)."""
        return None

    def resume_segment(self, state: Any) -> None:
        """Take what the previous segment of the same input file left (after ``setup``)."""

    def drop(self, doc: Document, reason: str) -> None:
        self.stats.drop(reason)
        if self.on_drop is not None:
            self.on_drop(doc, reason, self)

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        raise NotImplementedError

    def __or__(self, other: Any) -> Pipeline:
        return Pipeline([self]) | other

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Filter(Stage):
    """A stage that keeps or drops each document: implement ``check``.

    ``check`` returns ``None`` to keep the document, or the drop reason. Signals a
    filter computes go into ``doc.metadata`` before it decides, so thresholds can be
    tuned later from the recorded values.
    """

    def check(self, doc: Document) -> str | None:
        raise NotImplementedError

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        check = self.check
        for doc in docs:
            reason = check(doc)
            if reason is None:
                yield doc
            else:
                self.drop(doc, reason)


class Mapper(Stage):
    """A stage that transforms each document: implement ``apply``."""

    def apply(self, doc: Document) -> Document:
        raise NotImplementedError

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        apply = self.apply
        for doc in docs:
            yield apply(doc)
