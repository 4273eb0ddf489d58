"""The shard phase: documents -> mixture groups -> tokens -> Megatron shards and blend files.

Steps, each a set of tasks with a marker in ``SHARDS/_done/<step>/`` (finished tasks
are skipped on a re-run; array mode runs a rank's share and waits for the others):

1. ``shard_tokenize`` one task per input file: assigns every document its group,
   appends its tokens (+ EOS) to ``_work/tokens/<key>.bin`` and writes a row per
   document (id hash, group, tokens, offset, preferred column) to
   ``_work/tokens/<key>.docs.parquet``; a bad file fails alone.
2. ``shard_plan``     one task: group sizes -> multiplicities (``corpusforge.mix.plan``),
   checked against ``max_epochs``, each group's remainder cut (a radix selection that
   reads the group a few times, never all of it at once) and its number of buckets.
3. ``shard_scatter``  one task per input file: the copies of each document, each copy
   given a bucket of its group and a place in it by a seeded hash; written sorted by
   (group, bucket, place) to ``_work/scatter/<key>.entries.npy`` with an index.
4. ``shard_write``    one task per (group, bucket): the bucket's slice of every file's
   entries, in hash order, tokens gathered from ``_work/tokens``, written as
   ``<group>/<group>_<bucket>.bin|.idx`` (a bucket above ``max_shard_tokens`` goes on in
   ``<group>_<bucket>-1``, ``-2``, ...). Buckets aim at 90% of the maximum, so memory is
   bounded by the shard size whatever the corpus size.
5. ``shard_export``   (optional) one task per input file: the final mixture as documents.
6. blend: ``blend.json``, ``data-args.txt`` and the before / after table in ``stats/shard.json``.

Tokens are kept in ``_work/``: another mixture over the same documents and tokenizer
re-runs only steps 2-6; ``_work/`` may be deleted once the shards are final. Task
functions use pyarrow and numpy, never polars (polars deadlocks in a forked worker of a
process that already used it).
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpusforge.executors.base import Step, Task, executor_for, marker_dir
from corpusforge.io.atomic import atomic_write_text, commit, remove_stale_tmp, tmp_path
from corpusforge.io.rows import read_rows
from corpusforge.mix.mixture import Mixture, MixtureError
from corpusforge.mix.plan import GroupPlan, copies, doc_hash, find_remainder_cut, plan_groups
from corpusforge.phases import Job, Phase, PhaseContext, PhaseSteps, run_phase
from corpusforge.phases.documents import input_keys
from corpusforge.tokenize.indexed import IndexedDatasetWriter
from corpusforge.tokenize.tokenizer import TextTokenizer

STEPS = ("shard_tokenize", "shard_plan", "shard_scatter", "shard_write", "shard_export")  # marker folders, in order
BATCH_DOCS = 1000
GATHER_TOKENS = 1 << 24  # tokens gathered in memory before a write to a shard
BUCKET_FILL = 0.9  # buckets aim at this share of max_shard_tokens: their random sizes rarely pass it
ENTRY = np.dtype([("offset", "<i8"), ("order", "<u8"), ("length", "<i4")])  # one copy of a document
STATS_FORMAT = "corpusforge.shard/1"
PLAN_LAYOUT = 2  # of the plan, scatter and write results: markers of another layout are redone


class ShardError(RuntimeError):
    """The phase cannot go on (inconsistent work files, other ranks missing)."""


@dataclass(frozen=True)
class ShardSettings:
    """Everything a shard task needs (sent to worker processes)."""

    output: str
    mixture: Mixture
    tokenizer: str
    eos: str | None = None
    bos: str | None = None
    export: str | None = None  # "parquet" | "jsonl"
    stats_path: str | None = None  # default SHARDS/stats/shard.json

    KEYS = ("mixture", "tokenizer", "eos", "bos", "materialize", "train_tokens", "total_tokens", "export")

    @classmethod
    def from_mapping(cls, values: dict[str, Any], output: str | Path,
                     stats_path: str | Path | None = None) -> "ShardSettings":
        """From options (command line, or a run config's ``shard:`` section); ``MixtureError`` if invalid."""
        unknown = sorted(set(values) - set(cls.KEYS))
        if unknown:
            raise MixtureError(f"unknown shard setting(s) {', '.join(unknown)}; known: {', '.join(cls.KEYS)}")
        if not values.get("tokenizer"):
            raise MixtureError("the shard phase needs a tokenizer path ('tokenizer:' in the config's shard: "
                               "section, --tokenizer on the command line)")
        if values.get("export") not in (None, "parquet", "jsonl"):
            raise MixtureError(f"shard export must be parquet or jsonl, got {values['export']!r}")
        mixture = Mixture.load(values.get("mixture") or "default").with_overrides(
            materialize=values.get("materialize"), train_tokens=values.get("train_tokens"),
            total_tokens=values.get("total_tokens"))
        return cls(output=str(output), mixture=mixture, tokenizer=str(values["tokenizer"]), eos=values.get("eos"),
                   bos=values.get("bos"), export=values.get("export"),
                   stats_path=str(stats_path) if stats_path else None)

    def load_tokenizer(self) -> TextTokenizer:
        return TextTokenizer(self.tokenizer, eos=self.eos, bos=self.bos)


@dataclass
class ShardResult:
    """The stats written to ``stats/shard.json`` (empty on ranks other than 0)."""

    stats: dict[str, Any]


def _work(out: Path) -> Path:
    return out / "_work"


# --------------------------------------------------------------------------------------
# reading documents


def _batches(path: str, columns: set[str], batch_size: int) -> Iterator[pa.Table]:
    """Batches of the wanted columns that the file has, from the one row reader (``io.rows``);
    a jsonl line that is not an object is a row without text (counted, keeps its number)."""
    rows: list[dict[str, Any]] = []
    for row in read_rows(path, tuple(sorted(columns)), batch_size):
        rows.append(row or {})
        if len(rows) >= batch_size:
            yield _rows_table(rows)
            rows = []
    if rows:
        yield _rows_table(rows)


def _rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    try:
        table = pa.Table.from_pylist(rows)
        return table if table.num_columns else pa.table({"_row": pa.nulls(len(rows))})
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in a column: keep them as text
        names = sorted({k for r in rows for k in r})
        return pa.table({k: pa.array([None if r.get(k) is None else str(r[k]) for r in rows], pa.string())
                         for k in names})


def _texts(table: pa.Table, column: str) -> pa.ChunkedArray | None:
    if column not in table.column_names:
        return None
    col = table[column]
    if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
        try:
            col = pc.cast(col, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pa.chunked_array([pa.nulls(len(col), pa.string())])
    return col


def _prefer_columns(mixture: Mixture) -> list[str]:
    return sorted({g.prefer for g in mixture.groups if g.prefer})


# --------------------------------------------------------------------------------------
# step 1: tokenize one input file


def _task_tokenize(settings: ShardSettings, path: str, key: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    out = Path(settings.output)
    mix = settings.mixture
    tok = settings.load_tokenizer()
    work = _work(out) / "tokens"
    work.mkdir(parents=True, exist_ok=True)
    bin_final, docs_final = work / f"{key}.bin", work / f"{key}.docs.parquet"
    bin_tmp, docs_tmp = tmp_path(bin_final), tmp_path(docs_final)
    wanted = {mix.text_column, mix.id_column} | mix.columns
    prefer = _prefer_columns(mix)
    counts: dict[str, int] = {}
    seen_columns: set[str] = set()
    parts: list[pa.Table] = []
    offset = 0
    row0 = 0
    n_groups = len(mix.groups)
    g_docs = np.zeros(n_groups, np.int64)
    g_tokens = np.zeros(n_groups, np.int64)
    g_chars = np.zeros(n_groups, np.int64)
    try:
        with open(bin_tmp, "wb") as fbin:
            for frame in _batches(path, wanted, BATCH_DOCS):
                rows = np.arange(row0, row0 + frame.num_rows, dtype=np.int64)
                row0 += frame.num_rows
                seen_columns |= set(frame.column_names)
                text = _texts(frame, mix.text_column)
                if text is None:
                    counts["no_text"] = counts.get("no_text", 0) + frame.num_rows
                    continue
                chars_all = np.asarray(pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False))
                ok = chars_all > 0
                bad = int((~ok).sum())
                if bad:
                    counts["empty_text"] = counts.get("empty_text", 0) + bad
                    keep = pa.array(ok)
                    frame, text, rows = frame.filter(keep), text.filter(keep), rows[ok]
                if frame.num_rows == 0:
                    continue
                chars = chars_all[ok].astype(np.int64)
                ids = (pc.cast(frame[mix.id_column], pa.string(), safe=False).to_pylist()
                       if mix.id_column in frame.column_names else [None] * frame.num_rows)
                ids = [i if i is not None else f"{key}/{r}" for i, r in zip(ids, rows.tolist())]
                g, missing = mix.assign(frame)
                for k, v in missing.items():
                    counts[k] = counts.get(k, 0) + v
                enc = tok.encode_documents(text.to_pylist())
                fbin.write(enc.tokens.tobytes())
                lengths = enc.lengths.astype(np.int64)
                offsets = offset + np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
                offset += int(lengths.sum())
                g_docs += np.bincount(g, minlength=n_groups)
                g_tokens += np.bincount(g, weights=lengths, minlength=n_groups).astype(np.int64)
                g_chars += np.bincount(g, weights=chars, minlength=n_groups).astype(np.int64)
                cols: dict[str, Any] = {
                    "id": pa.array(ids, pa.string()),
                    "row": pa.array(rows),
                    "group": pa.array(g),
                    "tokens": pa.array(enc.lengths),
                    "offset": pa.array(offsets.astype(np.int64)),
                    "u": pa.array(np.fromiter((doc_hash(i, mix.seed) for i in ids), np.uint64, len(ids))),
                }
                for c in prefer:
                    if c in frame.column_names:
                        try:
                            v = np.asarray(pc.cast(frame[c], pa.float64(), safe=False).to_numpy(zero_copy_only=False), np.float64)
                        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                            v = np.full(frame.num_rows, np.nan)
                    else:
                        v = np.full(frame.num_rows, np.nan)
                    cols[f"prefer.{c}"] = pa.array(v)
                parts.append(pa.table(cols))
            fbin.flush()
        table = pa.concat_tables(parts) if parts else _empty_docs_table(prefer)
        pq.write_table(table, docs_tmp)
    except BaseException:
        bin_tmp.unlink(missing_ok=True)
        docs_tmp.unlink(missing_ok=True)
        raise
    commit(bin_tmp, bin_final)
    commit(docs_tmp, docs_final)
    return {"file": path, "key": key, "rows": row0, "documents": int(table.num_rows), "counts": counts,
            "columns": sorted(seen_columns), "group_documents": g_docs.tolist(),
            "group_tokens": g_tokens.tolist(), "group_chars": g_chars.tolist(),
            "bytes": int(Path(path).stat().st_size), "seconds": round(time.perf_counter() - t0, 4)}


def _empty_docs_table(prefer: list[str]) -> pa.Table:
    cols: dict[str, Any] = {"id": pa.array([], pa.string()), "row": pa.array([], pa.int64()),
                            "group": pa.array([], pa.int16()), "tokens": pa.array([], pa.int32()),
                            "offset": pa.array([], pa.int64()), "u": pa.array([], pa.uint64())}
    for c in prefer:
        cols[f"prefer.{c}"] = pa.array([], pa.float64())
    return pa.table(cols)


# --------------------------------------------------------------------------------------
# step 2: plan


def _rank_chunks(out: Path, keys: Sequence[str], gi: int, prefer: str | None
                 ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """One group's (u, tokens, preferred value) arrays, one input file at a time."""
    for key in keys:
        t = pq.read_table(_work(out) / "tokens" / f"{key}.docs.parquet",
                          columns=["u", "tokens", *([prefer] if prefer else [])], filters=[("group", "=", gi)])
        yield t["u"].to_numpy(), t["tokens"].to_numpy(), t[prefer].to_numpy() if prefer else None


def _bucket_count(plan: GroupPlan, mix: Mixture) -> int:
    """Buckets of a group: its planned output tokens over 90% of the shard maximum."""
    once = plan.tokens if plan.whole >= 1 else plan.fraction * plan.tokens
    tokens = plan.multiplicity * plan.tokens if mix.materialize else once
    return max(1, math.ceil(tokens / (mix.max_shard_tokens * BUCKET_FILL)))


def _task_plan(settings: ShardSettings, keys: list[str], file_results: list[dict[str, Any]]) -> dict[str, Any]:
    out = Path(settings.output)
    mix = settings.mixture
    n = len(mix.groups)
    docs = np.zeros(n, np.int64)
    tokens = np.zeros(n, np.int64)
    chars = np.zeros(n, np.int64)
    counts: dict[str, int] = {}
    seen: set[str] = set()
    for r in file_results:
        docs += np.asarray(r["group_documents"], np.int64)
        tokens += np.asarray(r["group_tokens"], np.int64)
        chars += np.asarray(r["group_chars"], np.int64)
        seen |= set(r["columns"])
        for k, v in r["counts"].items():
            counts[k] = counts.get(k, 0) + v
    warnings: list[str] = []
    absent = sorted(c for c in mix.columns if c not in seen)
    if absent and file_results:
        users = [g.name for g in mix.groups if g.columns & set(absent)]
        msg = (f"column(s) {', '.join(absent)} in no input file: group(s) {', '.join(users)} matched nothing "
               f"by them (mixture columns found: {', '.join(sorted(seen)) or 'none'})")
        if mix.missing_columns == "error":
            raise MixtureError(msg)
        warnings.append(msg)
    plans, plan_warnings = plan_groups(mix, list(zip(docs.tolist(), tokens.tolist())))
    warnings += plan_warnings
    for gi, plan in enumerate(plans):
        if plan.fraction > 0 and plan.documents:
            find_remainder_cut(plan, partial(_rank_chunks, out, keys, gi,
                                             f"prefer.{plan.prefer}" if plan.prefer else None))
    return {"plans": [p.to_dict() for p in plans], "buckets": [_bucket_count(p, mix) for p in plans],
            "chars": chars.tolist(), "counts": counts,
            "warnings": warnings, "files": len(file_results), "rows": sum(r["rows"] for r in file_results),
            "bytes": sum(r["bytes"] for r in file_results),
            "tokenize_seconds": round(sum(r["seconds"] for r in file_results), 3)}


# --------------------------------------------------------------------------------------
# steps 3 and 4: scatter the copies into buckets, write the shards of one bucket


def _group_seed(seed: int, name: str) -> int:
    return (seed * 1_000_003 + zlib.crc32(name.encode())) & 0xFFFFFFFF


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a well-spread 64-bit hash of each value (wraps mod 2**64)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _document_copies(out: Path, key: str, plans: list[GroupPlan]) -> tuple[pa.Table, np.ndarray]:
    """An input file's document rows and the copies of each in the output."""
    docs = pq.read_table(_work(out) / "tokens" / f"{key}.docs.parquet")
    g = docs["group"].to_numpy()
    u = docs["u"].to_numpy()
    c = np.zeros(len(g), np.int64)
    for gi, plan in enumerate(plans):
        sel = g == gi
        if sel.any():
            values = docs[f"prefer.{plan.prefer}"].to_numpy()[sel] if plan.prefer else None
            c[sel] = copies(plan, u[sel], values)
    return docs, c


def _scatter_paths(out: Path, key: str) -> tuple[Path, Path]:
    d = _work(out) / "scatter"
    return d / f"{key}.entries.npy", d / f"{key}.index.npy"


def _task_scatter(settings: ShardSettings, key: str, plan_out: dict[str, Any]) -> dict[str, Any]:
    """Every copy of this file's documents, sorted by (group, bucket, place in the bucket)."""
    out = Path(settings.output)
    mix = settings.mixture
    plans = [GroupPlan(**p) for p in plan_out["plans"]]
    buckets = np.asarray(plan_out["buckets"], np.uint64)
    docs, c = _document_copies(out, key, plans)
    if not mix.materialize:
        c = np.minimum(c, 1)  # blend mode: each selected document once, the weights carry the repeats
    g = docs["group"].to_numpy().astype(np.int64)
    lengths = docs["tokens"].to_numpy().astype(np.int64)
    doc = np.repeat(np.arange(len(c)), c)
    copy_no = (np.arange(len(doc)) - np.repeat(np.cumsum(c) - c, c)).astype(np.uint64)
    seeds = np.asarray([_group_seed(mix.seed, p.name) for p in plans], np.uint64)
    h = _mix64(docs["u"].to_numpy()[doc] ^ _mix64(copy_no + seeds[g[doc]]))
    bucket = (h % buckets[g[doc]]).astype(np.int64)
    order = _mix64(h ^ np.uint64(0x9E3779B97F4A7C15))
    base = np.concatenate(([0], np.cumsum(plan_out["buckets"])))  # each group's first bucket ordinal
    ordinal = base[g[doc]] + bucket
    sort = np.lexsort((order, ordinal))
    entries = np.empty(len(doc), ENTRY)
    entries["offset"] = docs["offset"].to_numpy()[doc][sort]
    entries["order"] = order[sort]
    entries["length"] = lengths[doc][sort]
    index = np.searchsorted(ordinal[sort], np.arange(int(base[-1]) + 1))  # bucket ordinal -> its first entry
    finals = _scatter_paths(out, key)
    finals[0].parent.mkdir(parents=True, exist_ok=True)
    for final, array in zip(finals, (entries, index)):
        with open(tmp_path(final), "wb") as f:
            np.save(f, array)
    for final in finals:
        commit(tmp_path(final), final)
    n = len(plans)
    kept = c > 0
    return {"key": key,
            "documents": np.bincount(g[doc], minlength=n).tolist(),
            "unique_documents": np.bincount(g[kept], minlength=n).tolist(),
            "unique_tokens": np.bincount(g[kept], weights=lengths[kept], minlength=n).astype(np.int64).tolist()}


def _bucket_entries(out: Path, keys: list[str], ordinal: int) -> tuple[np.ndarray, np.ndarray]:
    """One bucket's entries from every file's scatter output, in hash order, and their file numbers."""
    parts, files = [], []
    for fi, key in enumerate(keys):
        entries_path, index_path = _scatter_paths(out, key)
        index = np.load(index_path)
        start, end = int(index[ordinal]), int(index[ordinal + 1])
        if end > start:
            parts.append(np.array(np.load(entries_path, mmap_mode="r")[start:end]))
            files.append(np.full(end - start, fi, np.int32))
    if not parts:
        return np.empty(0, ENTRY), np.empty(0, np.int32)
    entries, file_of = np.concatenate(parts), np.concatenate(files)
    sort = np.argsort(entries["order"], kind="stable")  # ties (never in practice) by file, then place
    return entries[sort], file_of[sort]


def _task_write(settings: ShardSettings, keys: list[str], name: str, bucket: int, ordinal: int,
                dtype: str) -> dict[str, Any]:
    out = Path(settings.output)
    gdir = out / name
    stem = f"{name}_{bucket:05d}"
    for old in [*gdir.glob(f"{stem}.*"), *gdir.glob(f"{stem}-*")]:  # a re-run rewrites the bucket whole
        old.unlink()
    entries, file_of = _bucket_entries(out, keys, ordinal)
    tok_files = [np.memmap(_work(out) / "tokens" / f"{k}.bin", dtype=np.dtype(dtype), mode="r")
                 if (_work(out) / "tokens" / f"{k}.bin").stat().st_size else np.zeros(0, dtype) for k in keys]
    lengths = entries["length"].astype(np.int64)
    cum = np.cumsum(lengths)
    shards: list[dict[str, Any]] = []
    start = 0
    while start < len(entries):
        base = cum[start - 1] if start else 0
        end = max(int(np.searchsorted(cum, base + settings.mixture.max_shard_tokens, side="right")), start + 1)
        prefix = gdir / (stem if not shards else f"{stem}-{len(shards)}")
        writer = IndexedDatasetWriter(prefix, np.dtype(dtype))
        try:
            _write_entries(writer, entries[start:end], file_of[start:end], tok_files)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        shards.append({"prefix": f"{name}/{prefix.name}", "documents": writer.documents, "tokens": writer.tokens})
        start = end
    return {"group": name, "bucket": bucket, "shards": shards, "documents": int(len(entries)),
            "tokens": int(cum[-1]) if len(cum) else 0}


def _write_entries(writer: IndexedDatasetWriter, entries: np.ndarray, file_of: np.ndarray,
                   tok_files: list[np.ndarray]) -> None:
    buf: list[np.ndarray] = []
    buf_lengths: list[int] = []
    held = 0
    for o, n, f in zip(entries["offset"].tolist(), entries["length"].tolist(), file_of.tolist()):
        buf.append(tok_files[f][o: o + n])
        buf_lengths.append(n)
        held += n
        if held >= GATHER_TOKENS:
            writer.add(np.concatenate(buf), np.asarray(buf_lengths))
            buf, buf_lengths, held = [], [], 0
    if buf:
        writer.add(np.concatenate(buf), np.asarray(buf_lengths))


# --------------------------------------------------------------------------------------
# step 6: blend files and stats


def _task_blend(settings: ShardSettings, plan_out: dict[str, Any], written: list[dict[str, Any]],
                tok_info: dict[str, Any], seconds: dict[str, float]) -> dict[str, Any]:
    """blend.json, data-args.txt and stats/shard.json from the plan and the written shards."""
    out = Path(settings.output)
    mix = settings.mixture
    plans = [GroupPlan(**p) for p in plan_out["plans"]]
    before_tokens = sum(p.tokens for p in plans)
    before_docs = sum(p.documents for p in plans)
    target_total = sum(p.target_tokens - p.shortfall_tokens for p in plans)
    planned = float(mix.train_tokens or (sum(w["tokens"] for w in written) if mix.materialize else target_total))
    groups: list[dict[str, Any]] = []
    prefixes: list[dict[str, Any]] = []
    warnings = list(plan_out["warnings"])
    written_total = sum(w["tokens"] for w in written) or 1
    for p, w in zip(plans, written):
        if mix.materialize:
            weight = w["tokens"] / written_total
        else:
            weight = (p.target_tokens - p.shortfall_tokens) / target_total if target_total else 0.0
        seen_tokens = planned * weight
        epochs = seen_tokens / w["unique_tokens"] if w["unique_tokens"] else 0.0
        if epochs > p.max_epochs + 1e-6 and w["unique_tokens"]:
            msg = (f"group {p.name!r}: {planned:,.0f} planned training tokens at weight {weight:.4f} read its "
                   f"{w['unique_tokens']:,} tokens {epochs:.2f} times, above max_epochs {p.max_epochs:g}")
            if not mix.allow_shortfall:
                raise MixtureError(msg + "; lower train_tokens or the group's share, or set allow_shortfall: true")
            warnings.append(msg)
        groups.append({
            "name": p.name,
            "before": {"documents": p.documents, "tokens": p.tokens,
                       "share": p.tokens / before_tokens if before_tokens else 0.0},
            "after": {"documents": w["documents"] if mix.materialize else w["unique_documents"],
                      "tokens": int(round(seen_tokens)), "share": weight, "epochs": epochs},
            "multiplicity": p.multiplicity, "target_tokens": p.target_tokens,
            "shortfall_tokens": p.shortfall_tokens, "max_epochs": p.max_epochs,
            "written": {"documents": w["documents"], "tokens": w["tokens"], "shards": len(w["shards"])},
        })
        for s in w["shards"]:
            share = weight * s["tokens"] / w["tokens"] if w["tokens"] else 0.0
            prefixes.append({"prefix": s["prefix"], "group": p.name, "documents": s["documents"],
                             "tokens": s["tokens"], "weight": share, "epochs": epochs})
    blend = {"format": "corpusforge.blend/1", "mode": "materialize" if mix.materialize else "blend",
             "planned_train_tokens": int(planned), "tokenizer": tok_info, "mixture": mix.to_dict(),
             "groups": {g["name"]: {"documents": g["written"]["documents"], "tokens": g["written"]["tokens"],
                                    "weight": g["after"]["share"], "epochs": g["after"]["epochs"]} for g in groups},
             "prefixes": prefixes}
    _remove_unlisted_shards(out, [p.name for p in plans], {p["prefix"] for p in prefixes})
    atomic_write_text(out / "blend.json", json.dumps(blend, indent=1, ensure_ascii=False) + "\n")
    atomic_write_text(out / "data-args.txt", " ".join(
        f"{p['weight']:.12g} {(out / p['prefix']).resolve()}" for p in prefixes if p["weight"] > 0) + "\n")
    stats = {"format": STATS_FORMAT, "mode": blend["mode"], "mixture": mix.name, "mixture_source": mix.source,
             "tokenizer": tok_info, "planned_train_tokens": int(planned),
             "input": {"files": plan_out["files"], "rows": plan_out["rows"], "bytes": plan_out["bytes"],
                       "documents": before_docs, "tokens": before_tokens, "chars": int(sum(plan_out["chars"])),
                       "counts": plan_out["counts"]},
             "groups": groups, "warnings": warnings,
             "output": {"documents": sum(w["documents"] for w in written),
                        "tokens": sum(w["tokens"] for w in written),
                        "shards": sum(len(w["shards"]) for w in written)},
             "seconds": {k: round(v, 3) for k, v in seconds.items()},
             "tokenize_cpu_seconds": plan_out["tokenize_seconds"]}
    stats_path = Path(settings.stats_path) if settings.stats_path else out / "stats" / "shard.json"
    atomic_write_text(stats_path, json.dumps(stats, indent=1, ensure_ascii=False) + "\n")
    return stats


def _remove_unlisted_shards(out: Path, groups: list[str], prefixes: set[str]) -> None:
    """Shards left by an earlier plan of the same output (more buckets then) are deleted."""
    for name in groups:
        for path in (out / name).glob(f"{name}_*.*"):
            if path.suffix in (".bin", ".idx") and f"{name}/{path.stem}" not in prefixes:
                path.unlink()


# --------------------------------------------------------------------------------------
# step 5 (optional): export the final mixture as documents


def _task_export(settings: ShardSettings, path: str, key: str, plans_d: list[dict[str, Any]]) -> dict[str, Any]:
    out = Path(settings.output)
    mix = settings.mixture
    plans = [GroupPlan(**p) for p in plans_d]
    docs, c = _document_copies(out, key, plans)
    g = docs["group"].to_numpy()
    texts: dict[int, str] = {}
    wanted_rows = set(docs["row"].to_numpy()[c > 0].tolist())
    row = 0
    for frame in _batches(path, {mix.text_column}, BATCH_DOCS):
        text = _texts(frame, mix.text_column)
        for t in text.to_pylist() if text is not None else [None] * frame.num_rows:
            if row in wanted_rows:
                texts[row] = t
            row += 1
    entries = np.repeat(np.arange(len(c)), c)
    entries = entries[np.random.default_rng(_group_seed(mix.seed, key)).permutation(len(entries))]
    rows = docs["row"].to_numpy()
    ids = docs["id"].to_pylist()
    names = [p.name for p in plans]
    table = pa.table({"id": [ids[e] for e in entries.tolist()],
                      "text": [texts[int(rows[e])] for e in entries.tolist()],
                      "group": [names[int(g[e])] for e in entries.tolist()]})
    edir = out / "export"
    edir.mkdir(parents=True, exist_ok=True)
    final = edir / f"{key}.{'parquet' if settings.export == 'parquet' else 'jsonl'}"
    tmp = tmp_path(final)
    if settings.export == "parquet":
        pq.write_table(table, tmp)
    else:
        with open(tmp, "w", encoding="utf-8") as f:
            for r in table.to_pylist():
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    commit(tmp, final)
    return {"file": str(final), "documents": int(len(entries))}


# --------------------------------------------------------------------------------------
# the phase on the task layer


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _forget_changed_inputs(markers: Path, files: Sequence[tuple[str, str]]) -> None:
    """An input file whose size changed since it was tokenized is tokenized again (and the plan redone)."""
    changed = False
    for path, key in files:
        marker = marker_dir(markers, "shard_tokenize") / key
        if not marker.exists():
            continue
        data = json.loads(marker.read_text(encoding="utf-8"))
        if (data.get("result") or {}).get("bytes") != Path(path).stat().st_size:
            marker.unlink()
            changed = True
    if changed:
        for step in STEPS[1:]:
            shutil.rmtree(marker_dir(markers, step), ignore_errors=True)


class ShardPhase(Phase):
    """Documents -> mixture groups -> Megatron shards and blend files, as steps of tasks.

    With ``settings`` and ``inputs``: the standalone command or library call. Without
    (``section``: the run config's ``shard:`` mapping): the shard phase of a run, from
    ``OUT/deduped/docs`` (``OUT/docs`` without dedup) to ``OUT/shards``."""

    name = "shard"
    kinds = ("shard_tokenize", "shard_plan", "shard_scatter", "shard_write", "shard_export", "shard_blend")
    jobs = (Job(("shard_tokenize",)), Job(("shard_plan",), array=False), Job(("shard_scatter",)),
            Job(("shard_write",)), Job(("shard_export",)), Job(("shard_blend",), array=False))

    def __init__(self, settings: ShardSettings | None = None, inputs: Sequence[str | Path] | None = None,
                 section: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.inputs = [str(p) for p in inputs] if inputs is not None else None
        self.section = section

    def batch_jobs(self) -> tuple[Job, ...]:
        """Without an export, no export job (a job whose step is never planned would never finish)."""
        export = self.settings.export if self.settings is not None else (self.section or {}).get("export")
        return self.jobs if export else tuple(j for j in self.jobs if j.kinds != ("shard_export",))

    def input_files(self, ctx: PhaseContext) -> list[str]:
        if self.inputs is not None:
            return self.inputs
        source = ctx.output / "deduped" / "docs"
        if not any(source.glob("*.parquet")):
            source = ctx.output / "docs"
        return sorted(str(p) for p in source.glob("*.parquet"))

    def settings_for(self, ctx: PhaseContext) -> ShardSettings:
        if self.settings is not None:
            return self.settings
        return ShardSettings.from_mapping(dict(self.section or {}), ctx.output / "shards",
                                          ctx.output / "stats" / "shard.json")

    def applies(self, ctx: PhaseContext) -> str | None:
        if self.settings is None and not self.section:
            return "no shard: section in the config"
        if not self.input_files(ctx):
            return "no documents in the output"
        return None

    def steps(self, ctx: PhaseContext) -> PhaseSteps:
        settings = self.settings_for(ctx)
        out = Path(settings.output)
        out.mkdir(parents=True, exist_ok=True)
        tok_info = tokenizer_info(settings.load_tokenizer())  # fails fast on a bad path or a missing EOS
        mix = settings.mixture
        files = input_keys(self.input_files(ctx))
        keys = [k for _, k in files]
        fp_tok = _fingerprint(files, tok_info["fingerprint"], assignment(mix))
        fp_plan = _fingerprint(fp_tok, mix.to_dict(), settings.export, PLAN_LAYOUT)
        if ctx.rank is None:
            remove_stale_tmp(out)
            _forget_changed_inputs(ctx.output, files)
        seconds: dict[str, float] = {}
        t = time.perf_counter()
        tokenized = yield Step("shard_tokenize", [Task(k, args=(settings, p, k), inputs=(p,)) for p, k in files],
                               _task_tokenize, fingerprint=fp_tok, keep_going=True, unit="file")
        if not tokenized.ok:
            return None
        seconds["tokenize"] = time.perf_counter() - t
        t = time.perf_counter()
        planned = yield Step("shard_plan", [Task("plan", args=(settings, keys, tokenized.results))], _task_plan,
                             fingerprint=fp_plan)
        plan_out = planned.results[0]
        seconds["plan"] = time.perf_counter() - t
        t = time.perf_counter()
        scattered = yield Step("shard_scatter", [Task(k, args=(settings, k, plan_out)) for k in keys],
                               _task_scatter, fingerprint=fp_plan, unit="file")
        seconds["scatter"] = time.perf_counter() - t
        t = time.perf_counter()
        per_group = [{"documents": 0, "unique_documents": 0, "unique_tokens": 0} for _ in mix.groups]
        for r in scattered.results:
            for gi, totals in enumerate(per_group):
                for k in totals:
                    totals[k] += r[k][gi]
        buckets = [(gi, b, ordinal) for ordinal, (gi, b) in enumerate(
            (gi, b) for gi, n in enumerate(plan_out["buckets"]) for b in range(n)) if per_group[gi]["documents"]]
        written = yield Step("shard_write", [Task(f"{mix.groups[gi].name}-{b:05d}",
                                                  args=(settings, keys, mix.groups[gi].name, b, ordinal,
                                                        tok_info["dtype"]))
                                             for gi, b, ordinal in buckets], _task_write, fingerprint=fp_plan,
                             unit="bucket")
        seconds["write"] = time.perf_counter() - t
        groups_written = [{"group": g.name, "shards": [], "documents": 0, "tokens": 0,
                           "unique_documents": per_group[gi]["unique_documents"],
                           "unique_tokens": per_group[gi]["unique_tokens"]} for gi, g in enumerate(mix.groups)]
        for (gi, _, _), r in zip(buckets, written.results):
            w = groups_written[gi]
            w["shards"] += r["shards"]
            w["documents"] += r["documents"]
            w["tokens"] += r["tokens"]
        if settings.export:
            t = time.perf_counter()
            exported = yield Step("shard_export", [Task(k, args=(settings, p, k, plan_out["plans"]), inputs=(p,))
                                                   for p, k in files], _task_export, fingerprint=fp_plan,
                                  keep_going=True, unit="file")
            if not exported.ok:
                return None
            seconds["export"] = time.perf_counter() - t
        # the blend task always runs (cheap): its stats carry this run's seconds
        blended = yield Step("shard_blend", [Task("blend", args=(settings, plan_out, groups_written, tok_info,
                                                                 seconds))], _task_blend,
                             fingerprint=_fingerprint(fp_plan, time.time()))
        return blended.results[0]


def run_shard_phase(inputs: Sequence[str | Path], settings: ShardSettings, workers: int = 1,
                    rank: int | None = None, world_size: int | None = None, progress: bool = True) -> ShardResult:
    """Tokenize, mix and shard ``inputs`` (parquet / jsonl documents) into ``settings.output``.

    Resumable: finished tasks are skipped; a changed input file, tokenizer or group
    assignment redoes the tokenization, a changed mixture only the later steps. Raises
    ``ShardError`` listing the input files that failed (the others are done)."""
    phase = ShardPhase(settings, inputs)
    with executor_for(workers, rank, world_size) as ex:
        res = run_phase(phase, PhaseContext(Path(settings.output), ex, progress=progress))
    if res.failed:
        raise ShardError(f"{len(res.failed)} task(s) failed (re-running redoes only these): "
                         + "; ".join(f"{n}: {m}" for n, m in res.failed))
    return ShardResult(stats=res.summary if isinstance(res.summary, dict) else {})


def tokenizer_info(tok: TextTokenizer) -> dict[str, Any]:
    """The tokenizer as recorded in blend.json and stats (its fingerprint keys the work files)."""
    return {"path": str(tok.path), "eos_token": tok.eos_token, "eos_id": tok.eos_id, "bos_token": tok.bos_token,
            "bos_id": tok.bos_id, "vocab_size": tok.vocab_size, "dtype": tok.dtype.name,
            "fingerprint": tok.fingerprint(), "engine": tok.engine}


def assignment(mix: Mixture) -> dict[str, Any]:
    """What decides each document's group and hash: when it changes, the tokens are redone."""
    return {"groups": [[(c.column, c.values, c.min, c.max, c.suffixes) for c in g.where] + [g.prefer]
                       for g in mix.groups], "seed": mix.seed, "text": mix.text_column, "id": mix.id_column}


def summary_table(stats: dict[str, Any]) -> str:
    """The before / after table per group, as printed at the end of the phase."""
    head = ("group", "docs before", "tokens before", "share before", "multiplicity", "docs after",
            "tokens after", "share after", "epochs")
    rows = [head]
    for g in stats["groups"]:
        b, a = g["before"], g["after"]
        rows.append((g["name"], f"{b['documents']:,}", f"{b['tokens']:,}", f"{b['share']:.1%}",
                     f"{g['multiplicity']:.2f}", f"{a['documents']:,}", f"{a['tokens']:,}", f"{a['share']:.1%}",
                     f"{a['epochs']:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
