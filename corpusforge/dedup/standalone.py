"""Dedup of any parquet / jsonl documents, outside ``corpusforge run``.

``dedup_files`` = ``SignPhase`` (one task per input file) -> ``DedupPhase`` ->
``ApplyPhase`` (the documents phase with ``NearDuplicateFilter``), all on the task
layer, so the
output directory has the same layout as a ``corpusforge run`` output: ``signatures/``,
``dedup/``, ``docs/`` (kept), ``removed/`` (reason ``near_duplicate``, ``dedup_cluster``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from corpusforge.dedup.minhash import MinHashParams
from corpusforge.dedup.phase import DedupPhase, dedup_dir, load_manifest
from corpusforge.dedup.sigfile import SUFFIX, DedupError
from corpusforge.executors.base import Step, Task, executor_for
from corpusforge.io.atomic import commit, remove_stale_tmp
from corpusforge.phases import Phase, PhaseContext, PhaseSteps, run_phase
from corpusforge.phases.documents import DocumentsPhase, DocumentsResult, input_keys

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
    source.key = key  # rows without an id get document_id(output key, row): unique across the inputs
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


class SignPhase(Phase):
    """MinHash signature files of text documents, one task per input file."""

    name = "sign"
    kinds = ("dedup_signatures",)

    def __init__(self, inputs: Sequence[str | Path], params: MinHashParams, date_column: str = "warc_date",
                 score_column: str = "edu_score", reader: TextReaderFactory | None = None) -> None:
        self.inputs = [str(p) for p in inputs]
        self.params = params
        self.date_column = date_column
        self.score_column = score_column
        self.reader = reader or TextReaderFactory()

    def steps(self, ctx: PhaseContext) -> PhaseSteps:
        out = ctx.output
        files = input_keys(self.inputs)
        sig_dir = out / "signatures"
        if ctx.rank is None:
            remove_stale_tmp(sig_dir)
            wanted = {k for _, k in files}
            extra = sorted(p.name for p in sig_dir.glob(f"*{SUFFIX}") if p.name[: -len(SUFFIX)] not in wanted)
            if extra:
                raise DedupError(f"{sig_dir}: holds signatures of files that are not inputs now ({extra[0]}, ...); "
                                 f"use a fresh --output, or remove {sig_dir} and {dedup_dir(out)}")
        stamp = json.dumps({"params": self.params.to_dict(), "date_column": self.date_column,
                            "score_column": self.score_column}, sort_keys=True)
        tasks = [Task(k, (p, k, str(out), self.params.to_dict(), self.date_column, self.score_column, self.reader),
                      inputs=(p,), outputs=(f"signatures/{k}{SUFFIX}",)) for p, k in files]
        res = yield Step("dedup_signatures", tasks, _sign_file, fingerprint=stamp, unit="file",
                         label="dedup sign")
        totals: dict[str, int] = {"files": len(files), "files_signed_now": res.done_now}
        for r in res.results:
            for k, v in (r or {}).items():
                totals[k] = totals.get(k, 0) + int(v)
        return totals


class ApplyPhase(DocumentsPhase):
    """The documents without the dropped near-duplicates: ``OUT[/subdir]/docs`` and ``removed``
    (reason ``near_duplicate``). Files applied with an older drop list are applied again."""

    name = "apply"

    def __init__(self, inputs: Sequence[str | Path] | None = None, reader: TextReaderFactory | None = None,
                 subdir: str = "deduped") -> None:
        super().__init__("dedup_apply", inputs or [], reader or TextReaderFactory(), {}, sections=("annotate",),
                         subdir=subdir)
        self.from_docs = inputs is None  # a run output: apply to OUT/docs

    def applies(self, ctx: PhaseContext) -> str | None:
        if self.from_docs and not any((ctx.output / "docs").glob("*.parquet")) or \
                not (dedup_dir(ctx.output) / "summary.json").exists():
            return "no dedup results in the output"
        return None

    def input_files(self, ctx: PhaseContext) -> list[str]:
        return sorted(str(p) for p in (ctx.output / "docs").glob("*.parquet")) if self.from_docs else self.inputs

    def task_config(self, ctx: PhaseContext) -> dict[str, Any]:
        drop = (dedup_dir(ctx.output) / "drop").resolve()
        return {"annotate": [{"stage": "NearDuplicateFilter", "drop_list": str(drop)}],
                "writer": {"removed_text": True}}

    def fingerprint(self, ctx: PhaseContext) -> str:
        return str(load_manifest(ctx.output)["fingerprint"])


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
    dedup = DedupPhase(cfg, restart)  # fails on a typo before hours of hashing
    params = MinHashParams.from_mapping(cfg.get("minhash") or {})
    sign = SignPhase(inputs, params, str(cfg.get("date_column", "warc_date")),
                     str(cfg.get("score_column", "edu_score")), reader)
    with executor_for(workers, rank, world_size, dedup.cfg.barrier_timeout_s) as ex:
        ctx = PhaseContext(Path(output), ex, progress=progress)
        signed = run_phase(sign, ctx)  # a file that cannot be signed raises: no dedup on part of the input
        summary = run_phase(dedup, ctx).summary
        summary["signing"] = signed.summary
        if apply:
            applied = ApplyPhase(inputs, reader, subdir="")
            res = DocumentsResult.of(applied, run_phase(applied, ctx))
            summary["applied_files"] = res.files_total
            summary["apply_failed"] = [f"{p}: {m}" for p, m in res.failed]
    summary["total_seconds"] = round(time.perf_counter() - t0, 3)
    return summary
