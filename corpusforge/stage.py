"""The stage protocol and the two small base classes most steps are built from.

A stage is a callable over an iterator of documents that yields documents. The
``Pipeline`` counts documents and characters in and out of every stage and times it;
a stage itself only records *why* it dropped something (``self.drop(doc, reason)``)
and any counters of its own (``self.stats.count(key)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Iterator, Protocol, runtime_checkable

from corpusforge.document import Document
from corpusforge.stats import StageStats

DropSink = Callable[[Document, str, "Stage"], None]

_REGISTRY: dict[str, type["Stage"]] = {}


def register(cls: type["Stage"]) -> type["Stage"]:
    """Make a stage class usable by name from a YAML config."""
    _REGISTRY[cls.__name__] = cls
    return cls


def registered_stages() -> dict[str, type["Stage"]]:
    """Every stage class by name (imports all stage modules)."""
    from corpusforge.stages_catalog import import_all

    import_all()
    return dict(_REGISTRY)


def stage_class(name: str) -> type["Stage"] | None:
    """The stage class registered as ``name``, importing only the module that defines it."""
    if name not in _REGISTRY:
        from corpusforge.stages_catalog import import_stage_module

        if not import_stage_module(name):
            return registered_stages().get(name)
    return _REGISTRY.get(name)


@runtime_checkable
class StageProtocol(Protocol):
    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]: ...


@dataclass
class TaskContext:
    """Where a stage running inside a phase task may write side outputs.

    Side outputs (e.g. MinHash signatures) are written under temporary names that the
    executor commits together with the documents when the input file is finished.
    """

    output_dir: Path
    file_key: str
    rank: int = 0
    world_size: int = 1
    pending: list[tuple[Path, Path]] = field(default_factory=list)

    def side_output(self, kind: str, suffix: str) -> Path:
        """Temporary path for ``OUT/<kind>/<file_key><suffix>``, committed at file end."""
        from corpusforge.io.atomic import tmp_path

        final = self.output_dir / kind / f"{self.file_key}{suffix}"
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_path(final)
        self.pending.append((tmp, final))
        return tmp


class Stage:
    """Base of all stages. Subclasses implement ``__call__`` (or use Filter / Mapper)."""

    #: dropped documents of this stage go to ``removed/`` (False: counted only, e.g.
    #: records that never became text such as images or non-Japanese pages)
    write_removed: ClassVar[bool] = True

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self.stats = StageStats(self.name)
        self.on_drop: DropSink | None = None

    def setup(self, ctx: TaskContext) -> None:
        """Called once per input file before documents flow (open side outputs)."""

    def finish(self) -> None:
        """Called once per input file after the last document (close side outputs)."""

    def drop(self, doc: Document, reason: str) -> None:
        self.stats.drop(reason)
        if self.on_drop is not None:
            self.on_drop(doc, reason, self)

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        raise NotImplementedError

    def __or__(self, other: Any) -> Any:
        from corpusforge.pipeline import Pipeline

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
