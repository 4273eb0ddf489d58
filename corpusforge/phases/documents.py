"""Document phases: a pipeline of stages over input files, one task per file.

Every output of an input file (docs, removed, side outputs such as signatures, the
file's stats) is written under a temporary name and renamed only when the whole file
is done; then the layer writes the task's marker. A killed task leaves temporaries,
never a partial file under a final name; they are deleted when the phase starts again
on the whole output. Stats are merged from the per-file stats files, so a resumed run
reports the totals of the whole run, each document counted once.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from corpusforge.config import build_stages, stage_entries
from corpusforge.document import Document
from corpusforge.executors.base import Step, Task, executor_for, report
from corpusforge.heap import trim_heap
from corpusforge.io.atomic import commit, remove_stale_tmp
from corpusforge.io.base import Reader, file_key
from corpusforge.io.writer import BATCH_CHARS, DocumentWriter
from corpusforge.phases import Job, Phase, PhaseContext, PhaseResult, PhaseSteps, run_phase
from corpusforge.phases.segments import remove_empty_segment_dirs, run_in_segments
from corpusforge.pipeline import Pipeline, TaskContext
from corpusforge.stage import Stage
from corpusforge.stats import Stats

ReaderFactory = Callable[[Path], Reader]
DOCUMENT_SECTIONS = ("extract", "filters", "annotate")


def input_keys(inputs: Sequence[str | Path]) -> list[tuple[str, str]]:
    """(path, key) for each input, sorted by path; keys made unique with a path hash."""
    paths = sorted({str(Path(p)) for p in inputs})
    keys = [file_key(p) for p in paths]
    seen: dict[str, int] = {}
    for k in keys:
        seen[k] = seen.get(k, 0) + 1
    out = []
    for p, k in zip(paths, keys):
        if seen[k] > 1:
            k = f"{k}-{hashlib.sha1(str(Path(p).resolve()).encode()).hexdigest()[:8]}"
        out.append((p, k))
    return out


def _sampled(doc_id: str, rate: float) -> bool:
    if rate <= 0:
        return False
    if rate >= 1:
        return True
    return (zlib.crc32(doc_id.encode()) % 1_000_000) < rate * 1_000_000


@dataclass
class FileRun:
    """What one pass of the stages over an input file (or a segment of it) left: the
    (temporary, final) pairs of its outputs, not yet committed, its stats, where the next
    segment starts (None: the file is done) and what each stage carries to it."""

    docs: list[tuple[Path, Path]]
    removed: list[tuple[Path, Path]]
    side: list[tuple[Path, Path]]
    stats: Stats
    kept: int
    resume_at: int | None
    states: list[Any]


class FileTask:
    """Runs the configured stages over one input file (picklable: sent to workers).

    With ``writer.segment_records`` above 0, a file whose reader can resume (WARC) is read
    in segments of that many records, each in a fresh child process with a checkpoint after
    it (``corpusforge.phases.segments``): a worker's memory then depends on the segment
    size, not on the file size, and a killed task goes on from its last finished segment.
    Other files are read whole in the task's process.
    """

    def __init__(self, phase: str, output: str, reader_factory: ReaderFactory, config: dict[str, Any],
                 sections: tuple[str, ...]) -> None:
        self.phase = phase
        self.output = output
        self.reader_factory = reader_factory
        self.config = config
        self.sections = sections

    @property
    def segment_records(self) -> int:
        return int((self.config.get("writer") or {}).get("segment_records", 0))

    def __call__(self, path: str, key: str) -> dict[str, Any]:
        out = Path(self.output)
        for stale in [*out.glob(f"*/{key}.*.tmp"), *out.glob(f"stats/{self.phase}/files/{key}.*.tmp")]:
            stale.unlink(missing_ok=True)  # left by a killed run of this task (another node, another pid)
        if self.segment_records > 0 and self.reader_factory(Path(path)).segmented:
            return run_in_segments(self, path, key)
        return self.commit(path, key, self.run(path, key))

    def run(self, path: str, key: str, start: int = 0, limit: int = 0,
            states: Sequence[Any] | None = None) -> FileRun:
        """The stages over the file in this process, from ``start`` (``limit`` records at most,
        0: all); ``states``: what the stages of the previous segment carried (a later segment)."""
        out = Path(self.output)
        writer_cfg = self.config.get("writer") or {}
        batch = int(writer_cfg.get("batch_size", 2000))
        batch_chars = int(writer_cfg.get("batch_chars", BATCH_CHARS))
        stages = build_stages(stage_entries(self.config, self.sections))
        reader: Reader = self.reader_factory(Path(path))
        reader.key = key  # ids carry the output key: unique across the run's inputs (corpusforge.ids)
        reader.start, reader.limit = start, limit
        pipe = Pipeline(stages, source=reader)
        ctx = TaskContext(output_dir=out, file_key=key)
        docs_w = DocumentWriter(out / "docs", key, batch_size=batch, batch_chars=batch_chars)
        removed_w = DocumentWriter(out / "removed", key, include_text=bool(writer_cfg.get("removed_text", True)),
                                   removed=True, batch_size=batch, batch_chars=batch_chars)
        sample_rate = float(writer_cfg.get("sample_prefiltered", 0.0))

        def on_drop(doc: Document, reason: str, stage: Stage) -> None:
            if stage.write_removed or _sampled(doc.id, sample_rate):
                removed_w.write(doc, reason, stage.name)

        t0 = time.perf_counter()
        last = time.monotonic()
        kept = reported_kept = reported_records = 0
        try:
            pipe.setup(ctx)
            if states is not None:
                for stage, state in zip(pipe.stages, states):
                    if isinstance(stage, Stage):
                        stage.resume_segment(state)
            for doc in pipe.run(on_drop=on_drop):
                docs_w.write(doc)
                kept += 1
                if time.monotonic() - last >= 0.5:
                    report(records=reader.stats.docs_in - reported_records, kept=kept - reported_kept)
                    reported_records, reported_kept, last = reader.stats.docs_in, kept, time.monotonic()
                    trim_heap()  # freed page bodies go back to the system
            pipe.finish()
            docs, removed = docs_w.close(), removed_w.close()
        except BaseException:
            docs_w.abort()
            removed_w.abort()
            for tmp, _ in ctx.pending:
                Path(tmp).unlink(missing_ok=True)
            raise
        stats = pipe.stats(self.phase)
        stats.seconds = time.perf_counter() - t0
        report(records=reader.stats.docs_in - reported_records, kept=kept - reported_kept)
        return FileRun(docs, removed, list(ctx.pending), stats, kept, reader.resume_at,
                       [s.segment_state() if isinstance(s, Stage) else None for s in pipe.stages])

    def commit(self, path: str, key: str, run: FileRun) -> dict[str, Any]:
        """Give a whole file's outputs their final names, then its stats (the task's result)."""
        for tmp, final in run.docs + run.removed + run.side:
            if Path(tmp).exists():
                commit(tmp, final)
        self.save_stats(key, run.stats)
        return {"path": path, "docs_out": run.kept}

    def save_stats(self, key: str, stats: Stats) -> None:
        """The file's stats (``stats/<phase>/files/<key>.json``), written once its outputs are final."""
        stats.files = 1
        stats.save(file_stats_path(Path(self.output), self.phase, key))


def file_stats_path(out: Path, phase: str, key: str) -> Path:
    return out / "stats" / phase / "files" / f"{key}.json"


def merged_phase_stats(output: str | Path, phase: str, keys: Sequence[str] | None = None) -> Stats:
    """Totals of the whole run, from the per-file stats (robust to resumes and task counts)."""
    d = Path(output) / "stats" / phase / "files"
    if keys is None:
        files = sorted(d.glob("*.json"))
    else:
        files = [d / f"{k}.json" for k in keys if (d / f"{k}.json").exists()]
    return Stats.merged(phase, (Stats.load(f) for f in files))


def merge_stats(data: str, step: str, keys: list[str]) -> tuple[dict[str, Any], Stats]:
    """``stats/<step>.json``: the totals of every file's stats (each document counted once)."""
    stats = merged_phase_stats(data, step, keys)
    stats.save(Path(data) / "stats" / f"{step}.json")
    return {"files": stats.files}, stats


def _merge_task(data: str, step: str, keys: list[str]) -> dict[str, Any]:
    remove_empty_segment_dirs(data, step)
    return merge_stats(data, step, keys)[0]


class DocumentsPhase(Phase):
    """``sections`` of ``config`` over input files, one task per file: writes
    ``OUT[/subdir]/{docs,removed}`` and ``stats/<step>.json``; markers ``OUT/_done/<step>``."""

    def __init__(self, step: str, inputs: Sequence[str | Path], reader_factory: ReaderFactory,
                 config: dict[str, Any], sections: tuple[str, ...] = DOCUMENT_SECTIONS, subdir: str = "") -> None:
        self.step = step
        self.name = self.name or step
        self.kinds = (step, f"{step}_merge")
        self.jobs = (Job((step,)), Job((f"{step}_merge",), array=False))
        self.inputs = [str(p) for p in inputs]
        self.reader_factory = reader_factory
        self.config = config
        self.sections = sections
        self.subdir = subdir
        self.paths: dict[str, str] = {}  # task name -> input path (for failure reports)

    def input_files(self, ctx: PhaseContext) -> list[str]:
        return self.inputs

    def task_config(self, ctx: PhaseContext) -> dict[str, Any]:
        return self.config

    def fingerprint(self, ctx: PhaseContext) -> str:
        """Markers written under another fingerprint are redone (e.g. a new drop list)."""
        return ""

    def steps(self, ctx: PhaseContext) -> PhaseSteps:
        data = ctx.output / self.subdir if self.subdir else ctx.output
        files = input_keys(self.input_files(ctx))
        self.paths = {k: p for p, k in files}
        for sub in ("docs", "removed", "stats"):
            (data / sub).mkdir(parents=True, exist_ok=True)
        if ctx.rank is None:
            remove_stale_tmp(data)
        fn = FileTask(self.step, str(data), self.reader_factory, self.task_config(ctx), self.sections)
        tasks = [Task(key, (path, key), inputs=(path,), outputs=(f"docs/{key}.parquet", f"removed/{key}.parquet"))
                 for path, key in files]
        done = yield Step(self.step, tasks, fn, fingerprint=self.fingerprint(ctx), unit="file", wait=False,
                          keep_going=True)
        keys = [k for _, k in files]
        if ctx.rank is not None and ctx.world_size > 1:  # one rank of many: the others may still run
            return merged_phase_stats(data, self.step, keys)
        merge = (str(data), self.step, keys)
        stamp = hashlib.sha1(json.dumps(done.results, sort_keys=True).encode()).hexdigest()  # files done now
        yield Step(f"{self.step}_merge", [Task("stats", merge, outputs=(f"stats/{self.step}.json",), stamp=stamp)],
                   _merge_task, kind=f"{self.step}_merge", fingerprint=self.fingerprint(ctx))
        return Stats.load(data / "stats" / f"{self.step}.json")


class ExtractPhase(DocumentsPhase):
    """WARC files -> extracted, filtered, annotated documents (OUT/docs, OUT/removed)."""

    name = "extract"

    def __init__(self, inputs: Sequence[str | Path], config: dict[str, Any]) -> None:
        max_body = int((config.get("writer") or {}).get("max_body_bytes", 20_000_000))
        super().__init__("extract", inputs, WarcReaderFactory(max_body), config)


class WarcReaderFactory:
    """Picklable factory of WARC readers (sent to worker processes)."""

    def __init__(self, max_body_bytes: int = 20_000_000) -> None:
        self.max_body_bytes = max_body_bytes

    def __call__(self, path: Path) -> Reader:
        from corpusforge.io.warc import WarcReader

        return WarcReader(path, max_body_bytes=self.max_body_bytes)


@dataclass
class DocumentsResult:
    """What a document phase did: merged stats of all its files, and what failed."""

    phase: str
    stats: Stats
    files_total: int = 0
    files_done_now: int = 0
    files_skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (input path, message)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    @classmethod
    def of(cls, phase: DocumentsPhase, res: PhaseResult) -> "DocumentsResult":
        files = next((s for s in res.steps if s.step == phase.step), None)
        return cls(phase.step, res.summary if isinstance(res.summary, Stats) else Stats(phase.step),
                   files_total=len(phase.paths), files_done_now=files.done_now if files else 0,
                   files_skipped=files.skipped if files else 0,
                   failed=[(phase.paths.get(k, k), m) for k, m in res.failed], seconds=res.seconds)


def run_documents_phase(phase: str | DocumentsPhase, inputs: Sequence[str | Path] = (), output: str | Path = ".",
                        reader_factory: ReaderFactory | None = None, config: dict[str, Any] | None = None,
                        sections: tuple[str, ...] = DOCUMENT_SECTIONS, workers: int = 1, rank: int | None = None,
                        world_size: int | None = None, progress: bool = True) -> DocumentsResult:
    """Run a document phase locally (a pool of ``workers``) or as one array task (``rank``)."""
    p = phase if isinstance(phase, DocumentsPhase) else DocumentsPhase(phase, inputs, reader_factory, config or {},
                                                                      sections)
    with executor_for(workers, rank, world_size) as ex:
        res = run_phase(p, PhaseContext(Path(output), ex, progress=progress))
    return DocumentsResult.of(p, res)
