"""An ordered list of stages that streams documents in constant memory.

A stage is any callable over an iterator of documents that yields documents; stages
built on ``corpusforge.stage.Stage`` also keep their own counters (``stats``), get
``setup`` / ``finish`` per input file and report drops through ``on_drop``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any, Callable, Iterable, Iterator, Sequence

from corpusforge.config import build_stages, load_config, stage_entries
from corpusforge.document import Document
from corpusforge.io.atomic import tmp_path
from corpusforge.order import check_order
from corpusforge.stats import StageStats, Stats

#: called with (document, reason, stage) for every document a stage drops
DropSink = Callable[[Document, str, Any], None]


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
        final = self.output_dir / kind / f"{self.file_key}{suffix}"
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_path(final)
        self.pending.append((tmp, final))
        return tmp


class _CountedInput:
    """The iterator a stage reads from: counts what goes in and the time spent upstream."""

    __slots__ = ("it", "st", "upstream")

    def __init__(self, it: Iterable[Document], st: StageStats) -> None:
        self.it = iter(it)
        self.st = st
        self.upstream = 0.0

    def __iter__(self) -> "_CountedInput":
        return self

    def __next__(self) -> Document:
        t = perf_counter()
        try:
            doc = next(self.it)
        finally:
            self.upstream += perf_counter() - t
        self.st.docs_in += 1
        self.st.chars_in += len(doc.text)
        return doc


def _metered(stage: Callable[[Iterable[Document]], Iterable[Document]], st: StageStats,
             docs: Iterable[Document]) -> Iterator[Document]:
    """Run one stage, counting output and the time spent in the stage itself only."""
    src = _CountedInput(docs, st)
    out = iter(stage(src))
    while True:
        t = perf_counter()
        before = src.upstream
        try:
            doc = next(out)
        except StopIteration:
            st.seconds += perf_counter() - t - (src.upstream - before)
            return
        st.seconds += perf_counter() - t - (src.upstream - before)
        st.docs_out += 1
        st.chars_out += len(doc.text)
        yield doc


def _timed_source(source: Iterable[Document], st: StageStats) -> Iterator[Document]:
    """Time spent producing documents in a reader (its own counts are kept by the reader)."""
    it = iter(source)
    while True:
        t = perf_counter()
        try:
            doc = next(it)
        except StopIteration:
            st.seconds += perf_counter() - t
            return
        st.seconds += perf_counter() - t
        yield doc


class Pipeline:
    """Stages composed in a list, run lazily over a document source.

    >>> for doc in corpusforge.read_warc("a.warc.gz") | JapaneseExtractor() | MyFilter():
    ...     ...
    """

    def __init__(self, stages: Sequence[Any] = (), source: Iterable[Document] | None = None,
                 given: Sequence[str] = ()) -> None:
        self.stages: list[Any] = list(stages)
        self.source = source
        #: document state the input already carries (see ``corpusforge.order``)
        self.given = tuple(given)
        self._callable_stats: dict[int, StageStats] = {}

    # composition -------------------------------------------------------------------
    def __or__(self, other: Any) -> "Pipeline":
        if isinstance(other, Pipeline):
            if other.source is not None:
                raise ValueError("cannot append a pipeline that has its own source")
            return Pipeline(self.stages + other.stages, self.source, self.given)
        if isinstance(other, (list, tuple)):
            return Pipeline(self.stages + list(other), self.source, self.given)
        if callable(other):
            return Pipeline(self.stages + [other], self.source, self.given)
        raise TypeError(f"cannot compose a pipeline with {type(other).__name__}")

    def __ror__(self, source: Iterable[Document]) -> "Pipeline":
        return Pipeline(self.stages, source, self.given)

    @classmethod
    def from_config(cls, config: str | Path | dict[str, Any], sections: tuple[str, ...] = ()) -> "Pipeline":
        """Build from a YAML file, a shipped preset name, or an already-loaded dict.

        ``sections`` picks stage sections (``extract``, ``filters``, ``annotate``);
        default: all of them, in that order.
        """
        cfg = config if isinstance(config, dict) else load_config(config)
        return cls(build_stages(stage_entries(cfg, sections)))

    # running -----------------------------------------------------------------------
    def _stats_of(self, stage: Any) -> StageStats:
        own = getattr(stage, "stats", None)
        if isinstance(own, StageStats):
            return own
        key = id(stage)
        if key not in self._callable_stats:
            self._callable_stats[key] = StageStats(getattr(stage, "__name__", type(stage).__name__))
        return self._callable_stats[key]

    def setup(self, ctx: TaskContext) -> None:
        for s in self.stages:
            if hasattr(s, "setup"):
                s.setup(ctx)

    def finish(self) -> None:
        for s in self.stages:
            if hasattr(s, "finish"):
                s.finish()

    def check(self) -> "Pipeline":
        """Raise ``PipelineOrderError`` when a stage lacks what an earlier stage must produce."""
        check_order(self.stages, self.given)
        return self

    def run(self, docs: Iterable[Document] | None = None, on_drop: DropSink | None = None) -> Iterator[Document]:
        """Stream ``docs`` (or the pipeline's own source) through every stage."""
        it: Iterable[Document] | None = docs if docs is not None else self.source
        if it is None:
            raise ValueError("pipeline has no source: pass documents to run() or use `source | pipeline`")
        self.check()
        src_stats = getattr(it, "stats", None)
        if isinstance(src_stats, StageStats):
            it = _timed_source(it, src_stats)
        for s in self.stages:
            if on_drop is not None and hasattr(s, "on_drop"):
                s.on_drop = on_drop
            it = _metered(s, self._stats_of(s), it)
        return iter(it)

    def __iter__(self) -> Iterator[Document]:
        return self.run()

    def stats(self, phase: str = "pipeline") -> Stats:
        """Counters of the source (when it keeps any) and of every stage, in order."""
        out = Stats(phase)
        src_stats = getattr(self.source, "stats", None)
        if isinstance(src_stats, StageStats):
            out.stages.append(src_stats)
        for s in self.stages:
            out.stages.append(self._stats_of(s))
        return out

    def __repr__(self) -> str:
        names = [getattr(s, "name", getattr(s, "__name__", type(s).__name__)) for s in self.stages]
        return f"Pipeline({' | '.join(names)})"
