"""One input file read in segments, each in a fresh child process, with a checkpoint after each.

A worker that has read a long file holds more memory than after a short one: native
allocations of the extraction and annotation libraries that are freed but not given back
to the system. A segment of ``writer.segment_records`` records runs in a child process
that exits when it is done, so what a task holds depends on the segment size, not on the
file size, and a task killed in the middle of a file goes on from its last finished
segment instead of from the file's start.

Layout, under ``OUT/_work/segments/<phase>/<file key>/``: ``NNNNN.ckpt`` (pickle: the
task's fingerprint, where the next segment starts, the segment's outputs and stats, and
what its stages carry on, e.g. the exact-dedup hashes of the file) and ``NNNNN/`` (the
segment's committed outputs, laid out as under ``OUT``). A file that ends in its first
segment commits straight to its final names, as an unsegmented run does; otherwise the
last segment copies the segments' row groups, in order, into the final files, writes the
file's stats (the sum of the segments') and removes the folder. Only files whose reader can
resume (``Reader.segmented``: WARC files) are read this way (``FileTask``).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pickle
import shutil
import signal
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pyarrow.parquet as pq

from corpusforge.config import stage_entries
from corpusforge.executors.base import report, set_progress_sink
from corpusforge.io.atomic import atomic_write_bytes, commit, tmp_path
from corpusforge.io.writer import DocumentWriter
from corpusforge.procs import child_context, die_with_parent, name_process, without_main_reimport
from corpusforge.registry import registered_modules
from corpusforge.stats import Stats

if TYPE_CHECKING:
    from corpusforge.phases.documents import FileRun, FileTask

CHECKPOINT_SUFFIX = ".ckpt"
POLL_S = 0.5
#: what the fork server of segment processes imports once (not polars: it is not fork-safe)
PRELOAD = ["corpusforge.phases.documents", "corpusforge.extract.trafilatura_extract", "corpusforge.filters.rules",
           "corpusforge.classify.category_stage", "corpusforge.dedup.stages", "trafilatura"]


class SegmentProcessDied(RuntimeError):
    """The child process of a segment ended without a result (killed, out of memory, crash)."""


def segments_root(output: str | Path, phase: str) -> Path:
    return Path(output) / "_work" / "segments" / phase


def segment_dir(output: str | Path, phase: str, key: str) -> Path:
    return segments_root(output, phase) / key


def remove_empty_segment_dirs(output: str | Path, phase: str) -> None:
    """Remove ``_work/segments/<phase>`` and the folders above it once no file has segments there."""
    d = segments_root(output, phase)
    for folder in (d, d.parent, d.parent.parent):
        try:
            folder.rmdir()
        except OSError:  # absent, or still holds the checkpoints of an unfinished file
            return


def task_fingerprint(task: "FileTask", path: str) -> str:
    """What the segments of a file depend on: a checkpoint made under another is discarded."""
    st = os.stat(path)
    data = {"phase": task.phase, "sections": list(task.sections), "config": task.config,
            "path": str(Path(path).resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    return hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def finished_segments(folder: Path, fingerprint: str) -> list[dict[str, Any]]:
    """The checkpoints of the segments done in order under ``fingerprint``; a folder left by
    another configuration or another version of the input is removed, as is the output of a
    segment killed before its checkpoint."""
    done: list[dict[str, Any]] = []
    while True:
        path = folder / f"{len(done):05d}{CHECKPOINT_SUFFIX}"
        try:
            ckpt = pickle.loads(path.read_bytes())
        except FileNotFoundError:
            break
        if not isinstance(ckpt, dict) or ckpt.get("fingerprint") != fingerprint:
            shutil.rmtree(folder, ignore_errors=True)
            return []
        done.append(ckpt)
        if ckpt["next"] is None:
            break
    if folder.exists():
        for item in folder.iterdir():
            if item.is_dir() and item.name.isdigit() and int(item.name) >= len(done):
                shutil.rmtree(item, ignore_errors=True)
    return done


def run_in_segments(task: "FileTask", path: str, key: str) -> dict[str, Any]:
    """Run ``task`` over the file one segment per child process, from its last checkpoint."""
    fingerprint = task_fingerprint(task, path)
    modules = registered_modules(e["stage"] for e in stage_entries(task.config, task.sections))
    index = len(finished_segments(segment_dir(task.output, task.phase, key), fingerprint))
    while True:
        result = run_in_child(run_segment, task, path, key, index, fingerprint, modules)
        if result.get("done"):
            return {"path": path, "docs_out": result["docs_out"]}
        index += 1


def run_segment(task: "FileTask", path: str, key: str, index: int, fingerprint: str,
                modules: list[str]) -> dict[str, Any]:
    """Segment ``index`` of the file (in the child): read it, then commit the whole file if it
    ended in its first segment, or checkpoint it, and merge all segments once the file ended.
    ``modules``: where the config's registered stages are defined (imported first)."""
    for module in modules:
        importlib.import_module(module)
    out = Path(task.output)
    folder = segment_dir(out, task.phase, key)
    done = finished_segments(folder, fingerprint)[:index]
    if len(done) != index:
        raise RuntimeError(f"segment {index} of {path}: the checkpoints of the segments before it are missing "
                           f"in {folder}")
    if not done or done[-1]["next"] is not None:
        prev = done[-1] if done else None
        run = task.run(path, key, start=prev["next"] if prev else 0, limit=task.segment_records,
                       states=prev["states"] if prev else None)
        if index == 0 and run.resume_at is None:
            return {"done": True, **task.commit(path, key, run)}
        done.append(_checkpoint(out, folder, index, run, fingerprint))
        if run.resume_at is not None:
            return {"done": False}
    return {"done": True, **_merge(task, path, key, folder, done)}


def _checkpoint(out: Path, folder: Path, index: int, run: "FileRun", fingerprint: str) -> dict[str, Any]:
    """Commit a segment's outputs under ``folder/NNNNN/``, then its checkpoint."""
    seg = folder / f"{index:05d}"

    def keep(pairs: list[tuple[Path, Path]]) -> list[str]:
        names = []
        for tmp, final in pairs:
            if Path(tmp).exists():
                name = str(Path(final).relative_to(out))
                (seg / name).parent.mkdir(parents=True, exist_ok=True)
                commit(tmp, seg / name)
                names.append(name)
        return names

    ckpt = {"fingerprint": fingerprint, "next": run.resume_at, "kept": run.kept, "docs": keep(run.docs),
            "removed": keep(run.removed), "side": keep(run.side), "stats": run.stats.to_dict(),
            "states": run.states}
    atomic_write_bytes(folder / f"{index:05d}{CHECKPOINT_SUFFIX}", pickle.dumps(ckpt, protocol=pickle.HIGHEST_PROTOCOL))
    return ckpt


def _merge(task: "FileTask", path: str, key: str, folder: Path, done: list[dict[str, Any]]) -> dict[str, Any]:
    """The segments' outputs as the file's final outputs (row groups copied in order)."""
    out = Path(task.output)
    docs_w = DocumentWriter(out / "docs", key)
    removed_w = DocumentWriter(out / "removed", key, removed=True)
    side: dict[str, list[Path]] = {}
    for i, ckpt in enumerate(done):
        for name in ckpt["side"]:
            side.setdefault(name, []).append(folder / f"{i:05d}" / name)
    pending: list[tuple[Path, Path]] = []
    try:
        for writer, kind in ((docs_w, "docs"), (removed_w, "removed")):
            for i, ckpt in enumerate(done):
                for name in ckpt[kind]:
                    f = pq.ParquetFile(folder / f"{i:05d}" / name)
                    for g in range(f.num_row_groups):
                        writer.write_table(f.read_row_group(g))
        pending = docs_w.close() + removed_w.close()
        for name, parts in side.items():
            pending.append((_concat(parts, out / name), out / name))
    except BaseException:
        docs_w.abort()
        removed_w.abort()
        for tmp, _ in pending:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in pending:
        commit(tmp, final)
    task.save_stats(key, Stats.merged(task.phase, (Stats.from_dict(c["stats"]) for c in done)))
    shutil.rmtree(folder, ignore_errors=True)
    return {"docs_out": sum(c["kept"] for c in done)}


def _concat(parts: list[Path], final: Path) -> Path:
    """One parquet file of ``parts`` (same schema) under the temporary name of ``final``,
    written with the first part's codec and dictionary choice per column."""
    first = pq.ParquetFile(parts[0])
    schema = first.schema_arrow
    compression: dict[str, str] = {}
    dictionary: list[str] = []
    if first.metadata.num_row_groups:
        group = first.metadata.row_group(0)
        for i in range(group.num_columns):
            col = group.column(i)
            compression[col.path_in_schema] = "none" if col.compression == "UNCOMPRESSED" else col.compression.lower()
            if any("DICTIONARY" in e for e in col.encodings):
                dictionary.append(col.path_in_schema)
    tmp = tmp_path(final)
    with pq.ParquetWriter(tmp, schema, compression=compression or "snappy", use_dictionary=dictionary) as w:
        for part in parts:
            f = pq.ParquetFile(part)
            if not f.schema_arrow.equals(schema):
                raise ValueError(f"{part}: its columns differ from those of {parts[0]}; cannot join the segments "
                                 f"of {final.name}")
            for g in range(f.num_row_groups):
                w.write_table(f.read_row_group(g))
    return tmp


# --------------------------------------------------------------------------------------
# the child process


class _PipeSink:
    """Progress counters of the child, sent to the parent (which adds them to its bar)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def put(self, counts: dict[str, int]) -> None:
        self.conn.send(("progress", counts))


def _child_main(conn: Any, call: bytes) -> None:
    name_process("cf-segment")
    die_with_parent()  # a killed task leaves no segment running on
    set_progress_sink(_PipeSink(conn))
    try:
        fn, args = pickle.loads(call)  # here, so that what cannot be unpickled is reported like any error
        result = fn(*args)
    except BaseException as e:  # noqa: BLE001  (everything goes back to the parent)
        try:
            payload: bytes | None = pickle.dumps(e)
            pickle.loads(payload)
        except Exception:  # noqa: BLE001  (an exception that does not travel is sent as text)
            payload = None
        conn.send(("error", payload, f"{type(e).__name__}: {e}", traceback.format_exc()))
        return
    conn.send(("done", result))


def run_in_child(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """``fn(*args)`` in a fresh child process; its progress counters are reported here and
    its exception is raised here (with the child's traceback as a note)."""
    ctx = child_context(PRELOAD)
    parent, child = ctx.Pipe(duplex=False)
    call = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
    proc = ctx.Process(target=_child_main, args=(child, call))  # not daemonic: it starts its own children
    with without_main_reimport():
        proc.start()
    child.close()
    try:
        while True:
            if not parent.poll(POLL_S):
                if proc.is_alive() or parent.poll(0):
                    continue
                break
            try:
                msg = parent.recv()
            except EOFError:
                break
            if msg[0] == "progress":
                report(**msg[1])
            elif msg[0] == "done":
                return msg[1]
            else:
                _, payload, text, tb = msg
                exc = pickle.loads(payload) if payload is not None else RuntimeError(text)
                exc.add_note(f"raised in the segment process:\n{tb.rstrip()}")
                raise exc
        proc.join()
        code = proc.exitcode or 0
        how = f", killed by {signal.Signals(-code).name} (out of memory?)" if code < 0 else ""
        raise SegmentProcessDied(f"the segment process ended without a result (exit code {code}{how})")
    finally:
        parent.close()
        proc.join(timeout=60)
        if proc.is_alive():
            proc.kill()
            proc.join()
