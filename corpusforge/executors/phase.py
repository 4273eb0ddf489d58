"""A document phase run as tasks ``rank / world_size`` over input files.

Resumability, from coarse to fine:

* task level: ``OUT/_done/<phase>/<rank>`` (holding the world size) — a finished task is
  skipped whole when the phase is re-run with the same world size;
* file level: ``OUT/_done/<phase>/files/<key>`` — inside an unfinished task (or with a
  different world size) the input files already done are skipped, so a killed
  1,000-file task does not start over.

Every output of an input file (docs, removed, side outputs such as signatures, the
file's stats) is written under a temporary name and renamed only when the whole file
is done; then its marker is written. A killed task leaves temporaries, never a partial
file under a final name; they are deleted when the phase starts again.

Stats are always merged from the per-file stats files, so a resumed run reports the
totals of the whole run.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import traceback
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from corpusforge.document import Document
from corpusforge.io.atomic import atomic_write_text, commit, remove_stale_tmp
from corpusforge.io.base import Reader, file_key
from corpusforge.io.writer import DocumentWriter
from corpusforge.pipeline import TaskContext
from corpusforge.stage import Stage
from corpusforge.stats import Stats

ReaderFactory = Callable[[Path], Reader]

PROGRESS_EVERY_S = 0.5


@dataclass
class PhaseResult:
    """What a phase run did: merged stats of all its files, and what failed."""

    phase: str
    stats: Stats
    files_total: int = 0
    files_done_now: int = 0
    files_skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class _TaskSpec:
    phase: str
    rank: int
    world_size: int
    files: list[tuple[str, str]]  # (path, key)
    output: str
    reader_factory: Any
    config: dict[str, Any]
    sections: tuple[str, ...]
    queue: Any = None


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


def done_dir(output: Path, phase: str) -> Path:
    return output / "_done" / phase


def _sampled(doc_id: str, rate: float) -> bool:
    if rate <= 0:
        return False
    if rate >= 1:
        return True
    return (zlib.crc32(doc_id.encode()) % 1_000_000) < rate * 1_000_000


class _Progress:
    """Sends (files, records, kept) increments to the parent at most every half second."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.last = time.monotonic()
        self.records = 0
        self.kept = 0

    def tick(self, reader: Reader, kept: int) -> None:
        now = time.monotonic()
        if self.queue is not None and now - self.last >= PROGRESS_EVERY_S:
            self.flush(reader, kept, files=0)
            self.last = now

    def flush(self, reader: Reader, kept: int, files: int) -> None:
        if self.queue is None:
            return
        records = reader.stats.docs_in
        self.queue.put((files, records - self.records, kept - self.kept))
        self.records, self.kept = records, kept


def _run_file(spec: _TaskSpec, path: str, key: str, out: Path) -> Stats:
    from corpusforge.config import build_stages, stage_entries

    writer_cfg = spec.config.get("writer") or {}
    stages = build_stages(stage_entries(spec.config, spec.sections))
    reader: Reader = spec.reader_factory(Path(path))
    from corpusforge.pipeline import Pipeline

    pipe = Pipeline(stages, source=reader)
    ctx = TaskContext(output_dir=out, file_key=key, rank=spec.rank, world_size=spec.world_size)
    docs_w = DocumentWriter(out / "docs", key, batch_size=int(writer_cfg.get("batch_size", 2000)))
    removed_w = DocumentWriter(out / "removed", key, include_text=bool(writer_cfg.get("removed_text", True)),
                               removed=True, batch_size=int(writer_cfg.get("batch_size", 2000)))
    sample_rate = float(writer_cfg.get("sample_prefiltered", 0.0))

    def on_drop(doc: Document, reason: str, stage: Stage) -> None:
        if stage.write_removed or _sampled(doc.id, sample_rate):
            removed_w.write(doc, reason, stage.name)

    progress = _Progress(spec.queue)
    t0 = time.perf_counter()
    kept = 0
    try:
        pipe.setup(ctx)
        for doc in pipe.run(on_drop=on_drop):
            docs_w.write(doc)
            kept += 1
            progress.tick(reader, kept)
        pipe.finish()
        pending = docs_w.close() + removed_w.close() + ctx.pending
    except BaseException:
        docs_w.abort()
        removed_w.abort()
        for tmp, _ in ctx.pending:
            Path(tmp).unlink(missing_ok=True)
        raise
    stats = pipe.stats(spec.phase)
    stats.files = 1
    stats.seconds = time.perf_counter() - t0
    file_stats = out / "stats" / spec.phase / "files" / f"{key}.json"
    for tmp, final in pending:
        if Path(tmp).exists():
            commit(tmp, final)
    stats.save(file_stats)
    atomic_write_text(done_dir(out, spec.phase) / "files" / key, f"{path}\n")
    progress.flush(reader, kept, files=1)
    return stats


def _run_task(spec: _TaskSpec) -> tuple[int, list[tuple[str, str]], int, int]:
    """Run one task; returns (rank, failures, files done now, files skipped)."""
    out = Path(spec.output)
    marker = done_dir(out, spec.phase) / str(spec.rank)
    failures: list[tuple[str, str]] = []
    done_now = skipped = 0
    for path, key in spec.files:
        if (done_dir(out, spec.phase) / "files" / key).exists():
            skipped += 1
            if spec.queue is not None:
                spec.queue.put((1, 0, 0))
            continue
        try:
            _run_file(spec, path, key, out)
            done_now += 1
        except Exception as e:  # noqa: BLE001  (one broken file must not stop the task)
            msg = f"{type(e).__name__}: {e}"
            failures.append((path, msg))
            sys.stderr.write(f"corpusforge: {spec.phase} failed on {path}: {msg}\n")
            if os.environ.get("CORPUSFORGE_DEBUG"):
                traceback.print_exc()
            if spec.queue is not None:
                spec.queue.put((1, 0, 0))
    parts = [Stats.load(out / "stats" / spec.phase / "files" / f"{k}.json")
             for _, k in spec.files if (out / "stats" / spec.phase / "files" / f"{k}.json").exists()]
    task_stats = Stats.merged(spec.phase, parts)
    for path, msg in failures:
        task_stats.errors[f"file_failed:{Path(path).name}"] += 1
    task_stats.save(out / "stats" / spec.phase / f"{spec.rank:05d}.json")
    if not failures:
        atomic_write_text(marker, f"world_size={spec.world_size}\n")
    return spec.rank, failures, done_now, skipped


def merged_phase_stats(output: str | Path, phase: str, keys: Sequence[str] | None = None) -> Stats:
    """Totals of the whole run, from the per-file stats (robust to resumes and task counts)."""
    d = Path(output) / "stats" / phase / "files"
    if keys is None:
        files = sorted(d.glob("*.json"))
    else:
        files = [d / f"{k}.json" for k in keys if (d / f"{k}.json").exists()]
    return Stats.merged(phase, (Stats.load(f) for f in files))


def run_documents_phase(
    phase: str,
    inputs: Sequence[str | Path],
    output: str | Path,
    reader_factory: ReaderFactory,
    config: dict[str, Any],
    sections: tuple[str, ...] = ("extract", "filters", "annotate"),
    workers: int = 1,
    rank: int | None = None,
    world_size: int | None = None,
    progress: bool = True,
) -> PhaseResult:
    """Run ``sections`` of ``config`` over ``inputs`` as resumable tasks.

    Local mode (``rank`` is None): all ``world_size`` tasks (default: ``workers``) run in
    a process pool of ``workers`` processes. Array mode (``rank`` given, e.g. from a
    scheduler's array index): only that task runs, in this process.
    """
    out = Path(output)
    t0 = time.perf_counter()
    files = input_keys(inputs)
    world = int(world_size or (1 if rank is not None else max(1, workers)))
    if rank is not None and not 0 <= rank < world:
        raise ValueError(f"rank {rank} outside [0, {world})")
    for sub in ("docs", "removed", "stats", "_done"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    if rank is None:
        remove_stale_tmp(out)
    ranks = [rank] if rank is not None else list(range(world))
    specs = []
    skipped_tasks_files = 0
    for r in ranks:
        mine = files[r::world]
        marker = done_dir(out, phase) / str(r)
        if marker.exists() and marker.read_text().strip() == f"world_size={world}" and \
                all((done_dir(out, phase) / "files" / k).exists() for _, k in mine):
            skipped_tasks_files += len(mine)
            continue
        specs.append(_TaskSpec(phase, r, world, mine, str(out), reader_factory, config, sections))

    result = PhaseResult(phase=phase, stats=Stats(phase), files_total=len(files), files_skipped=skipped_tasks_files)
    bar = _make_bar(phase, len(files), skipped_tasks_files, progress)
    try:
        if len(specs) <= 1 or workers <= 1:
            for spec in specs:
                _collect(result, _run_task_in_process(spec, bar))
        else:
            import multiprocessing as mp

            with mp.Manager() as manager:
                q = manager.Queue() if bar is not None else None
                for spec in specs:
                    spec.queue = q
                with ProcessPoolExecutor(max_workers=workers) as pool:
                    futs = [pool.submit(_run_task, s) for s in specs]
                    pending = set(futs)
                    while pending:
                        _drain(q, bar)
                        done = {f for f in pending if f.done()}
                        for f in done:
                            try:
                                _collect(result, f.result())
                            except Exception as e:  # noqa: BLE001  (a crashed worker process)
                                result.failed.append(("task", f"{type(e).__name__}: {e}"))
                        pending -= done
                        if pending:
                            time.sleep(0.1)
                    _drain(q, bar)
    finally:
        if bar is not None:
            bar.close()
    result.stats = merged_phase_stats(out, phase, [k for _, k in files])
    result.seconds = time.perf_counter() - t0
    if rank is None:
        result.stats.save(out / "stats" / f"{phase}.json")
    return result


class _BarQueue:
    """Progress updates applied straight to the bar when the task runs in this process."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def put(self, item: tuple[int, int, int]) -> None:
        _apply(self.bar, item)


def _run_task_in_process(spec: _TaskSpec, bar: Any) -> tuple[int, list[tuple[str, str]], int, int]:
    spec.queue = _BarQueue(bar) if bar is not None else None
    return _run_task(spec)


def _collect(result: PhaseResult, task_out: tuple[int, list[tuple[str, str]], int, int]) -> None:
    _, failures, done_now, skipped = task_out
    result.failed.extend(failures)
    result.files_done_now += done_now
    result.files_skipped += skipped


def _make_bar(phase: str, total: int, initial: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="file", desc=phase, dynamic_ncols=True, mininterval=0.5,
               file=sys.stderr)
    bar.records = 0  # type: ignore[attr-defined]
    bar.kept = 0  # type: ignore[attr-defined]
    return bar


def _apply(bar: Any, item: tuple[int, int, int]) -> None:
    files, records, kept = item
    bar.records += records
    bar.kept += kept
    if files:
        bar.update(files)
    bar.set_postfix(records=bar.records, kept=bar.kept, refresh=False)


def _drain(q: Any, bar: Any) -> None:
    if q is None or bar is None:
        return
    import queue as _q

    while True:
        try:
            item = q.get_nowait()
        except _q.Empty:
            break
        except (EOFError, OSError):
            break
        _apply(bar, item)
    bar.refresh()
