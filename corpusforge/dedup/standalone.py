"""Dedup of any parquet / jsonl documents, outside ``corpusforge run``.

``dedup_files`` = sign every input file (one resumable task per file) -> the global dedup
phase -> apply the drop list (the documents phase with ``NearDuplicateFilter``), so the
output directory has the same layout as a ``corpusforge run`` output: ``signatures/``,
``dedup/``, ``docs/`` (kept), ``removed/`` (reason ``near_duplicate``, ``dedup_cluster``).
"""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Mapping, Sequence

from corpusforge.dedup.minhash import MinHashParams
from corpusforge.dedup.phase import DedupConfig, dedup_dir, run_dedup_phase
from corpusforge.dedup.sigfile import SUFFIX, DedupError
from corpusforge.io.atomic import atomic_write_text, commit, remove_stale_tmp

TEXT_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".parquet")


class TextReaderFactory:
    """Picklable factory of ``TextReader`` for worker processes."""

    def __init__(self, text_key: str = "text", id_key: str = "id") -> None:
        self.text_key = text_key
        self.id_key = id_key

    def __call__(self, path: Path) -> Any:
        from corpusforge.io.readers import TextReader

        return TextReader(path, text_key=self.text_key, id_key=self.id_key)


def _sign_file(path: str, key: str, out: str, params: dict[str, Any], date_column: str, score_column: str,
               reader: TextReaderFactory) -> dict[str, Any]:
    """One signing task: a file's documents -> ``OUT/signatures/<key>.minhash.parquet``."""
    from corpusforge.dedup.stages import MinHashSignatures
    from corpusforge.pipeline import TaskContext

    stage = MinHashSignatures(minhash=params, date_column=date_column, score_column=score_column)
    ctx = TaskContext(output_dir=Path(out), file_key=key)
    source = reader(Path(path))
    stage.setup(ctx)
    try:
        docs = 0
        for _ in stage(iter(source)):
            docs += 1
        stage.finish()
    except BaseException:
        if stage.writer is not None:
            stage.writer.abort()
        for tmp, _ in ctx.pending:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in ctx.pending:
        commit(tmp, final)
    result = {"docs": docs, **{k: int(v) for k, v in stage.stats.counters.items()},
              **{f"read_{k}": int(v) for k, v in source.stats.dropped.items()}}
    return result


def sign_files(inputs: Sequence[str | Path], output: str | Path, params: MinHashParams,
               date_column: str = "warc_date", score_column: str = "edu_score", workers: int = 1,
               reader: TextReaderFactory | None = None, rank: int | None = None,
               world_size: int | None = None) -> dict[str, int]:
    """Signature files for ``inputs`` (skipping files already signed with ``params``)."""
    from corpusforge.executors.phase import input_keys

    out = Path(output)
    reader = reader or TextReaderFactory()
    files = input_keys(inputs)
    stamp = json.dumps({"params": params.to_dict(), "date_column": date_column, "score_column": score_column},
                       sort_keys=True)
    markers = out / "_done" / "dedup_signatures"
    sig_dir = out / "signatures"
    if rank is None:
        remove_stale_tmp(sig_dir)
        wanted = {k for _, k in files}
        extra = sorted(p.name for p in sig_dir.glob(f"*{SUFFIX}") if p.name[: -len(SUFFIX)] not in wanted)
        if extra:
            raise DedupError(f"{sig_dir}: holds signatures of files that are not inputs now ({extra[0]}, ...); "
                             f"use a fresh --output, or remove {sig_dir} and {dedup_dir(out)}")
    todo = []
    for i, (path, key) in enumerate(files):
        if rank is not None and i % int(world_size or 1) != rank:
            continue
        marker = markers / key
        if marker.exists() and json.loads(marker.read_text(encoding="utf-8")).get("stamp") == stamp \
                and (sig_dir / f"{key}{SUFFIX}").exists():
            continue
        todo.append((path, key))
    totals: dict[str, int] = {"files": len(files), "files_signed_now": len(todo)}
    args = [(p, k, str(out), params.to_dict(), date_column, score_column, reader) for p, k in todo]
    if workers > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_sign_file, *zip(*args)))
    else:
        results = [_sign_file(*a) for a in args]
    for (_, key), res in zip(todo, results):
        atomic_write_text(markers / key, json.dumps({"stamp": stamp, **res}, sort_keys=True))
        for k, v in res.items():
            totals[k] = totals.get(k, 0) + int(v)
    return totals


def apply_drop_list(inputs: Sequence[str | Path], output: str | Path, drop_dir: str | Path, workers: int = 1,
                    reader: TextReaderFactory | None = None, fingerprint: str = "", progress: bool = True,
                    rank: int | None = None, world_size: int | None = None) -> Any:
    """The documents of ``inputs`` without the dropped ones: ``output/docs`` and
    ``output/removed`` (reason ``near_duplicate``), as the resumable ``dedup_apply`` phase.

    ``fingerprint`` identifies the drop list; when it changes, files applied with an
    older list are applied again."""
    from corpusforge.executors.phase import run_documents_phase

    out = Path(output)
    stamp = out / "_done" / "dedup_apply.fingerprint"
    if rank is None and (not stamp.exists() or stamp.read_text(encoding="utf-8") != fingerprint):
        shutil.rmtree(out / "_done" / "dedup_apply", ignore_errors=True)
        atomic_write_text(stamp, fingerprint)
    config = {"annotate": [{"stage": "NearDuplicateFilter", "drop_list": str(Path(drop_dir).resolve())}],
              "writer": {"removed_text": True}}
    return run_documents_phase("dedup_apply", [str(p) for p in inputs], out, reader or TextReaderFactory(), config,
                               sections=("annotate",), workers=workers, rank=rank, world_size=world_size,
                               progress=progress)


def dedup_files(inputs: Sequence[str | Path], output: str | Path, config: Mapping[str, Any] | None = None,
                workers: int = 1, apply: bool = True, progress: bool = True, restart: bool = False,
                reader: TextReaderFactory | None = None, rank: int | None = None,
                world_size: int | None = None) -> dict[str, Any]:
    """Sign, deduplicate and (``apply``) filter parquet / jsonl documents in one call.

    ``config`` is a ``dedup:`` mapping (``minhash``, ``keep``, ``against``, ...); missing
    keys come from the shipped ``dedup`` preset."""
    from corpusforge.config import load_config

    t0 = time.perf_counter()
    cfg = dict(load_config("dedup").get("dedup") or {})
    cfg.update(dict(config or {}))
    DedupConfig.from_mapping(cfg)  # fail on a typo before hours of hashing
    params = MinHashParams.from_mapping(cfg.get("minhash") or {})
    out = Path(output)
    signed = sign_files(inputs, out, params, str(cfg.get("date_column", "warc_date")),
                        str(cfg.get("score_column", "edu_score")), workers, reader, rank, world_size)
    if rank is not None:
        from corpusforge.executors.phase import input_keys

        _wait_for_signatures(out, [k for _, k in input_keys(inputs)])
    summary = run_dedup_phase(out, cfg, workers=workers, rank=rank, world_size=world_size, progress=progress,
                              restart=restart)
    summary["signing"] = signed
    if apply:
        from corpusforge.dedup.phase import load_manifest

        res = apply_drop_list(inputs, out, dedup_dir(out) / "drop", workers, reader,
                              fingerprint=load_manifest(out)["fingerprint"], progress=progress, rank=rank,
                              world_size=world_size)
        summary["applied_files"] = res.files_total
        summary["apply_failed"] = [f"{p}: {m}" for p, m in res.failed]
    summary["total_seconds"] = round(time.perf_counter() - t0, 3)
    return summary


def _wait_for_signatures(out: Path, keys: list[str], timeout_s: float = 7 * 86400.0) -> None:
    """Array mode: every rank signs its share; the phase needs all of them."""
    markers = out / "_done" / "dedup_signatures"
    deadline = time.monotonic() + timeout_s
    while not all((markers / k).exists() for k in keys):
        if time.monotonic() > deadline:
            raise DedupError(f"{markers}: other ranks did not finish signing in time")
        time.sleep(2.0)
