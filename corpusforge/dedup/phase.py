"""The global dedup phase: signatures of all tasks -> ids to drop, as resumable task sets.

Steps (each a set of independent tasks with a marker in ``OUT/_done/dedup_<step>/``):

1. ``manifest``  one small task: lists ``OUT/signatures/*``, checks every file, numbers
   the documents (global index = file offset + row, files in key order) and plans the
   partitions. Frozen in ``OUT/dedup/manifest.json`` so a re-run uses the same plan.
2. ``buckets``   task = (group of <= ``rows_per_task`` rows, chunk of bands): reads the
   chunk's band columns, writes per band (band key, node) sorted by band key -- a run.
3. ``pairs``     task = band-key range: for every band, the slices of all runs that fall
   in the range are merged; each bucket of >= 2 documents gives edges from its smallest
   node to the others; edges deduplicated, written by hash slot of the node.
4. ``cc``        rounds of large-star / small-star (``components``); task = slot range.
   Rounds continue until no node is out of final form.
5. ``final``     task = slot range: every star root lists its members and cluster size.
6. ``drop``      task = whole signature files: index -> id, writes
   ``OUT/dedup/clusters/<key>.parquet`` and ``OUT/dedup/drop/<key>.parquet``.

A node key is ``priority << 40 | index``: the keep rule is a global order on documents
(longest first, best score first or newest first; ties by index), so the smallest node
of a cluster -- which the components step finds anyway -- is the document to keep.
No step holds more than its share of the data: memory per task is bounded by
``rows_per_task`` / ``edges_per_task`` whatever the corpus size.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Generator, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpusforge.dedup import components as cc
from corpusforge.dedup.minhash import MinHashParams
from corpusforge.dedup.scurve import detection_probability, threshold
from corpusforge.dedup.sigfile import SUFFIX, DedupError, SignatureFile, SignatureFileError, band_column
from corpusforge.executors.base import Step, StepResult, Task, executor_for, marker_dir, stored_marker
from corpusforge.ids import DuplicateIdError, IdSource, check_unique_ids
from corpusforge.io.atomic import atomic_write_text, commit, remove_stale_tmp, tmp_path
from corpusforge.phases import Job, Phase, PhaseContext, PhaseSteps, run_phase

PRIORITY_BITS = 24
INDEX_BITS = 40
INDEX_MASK = (1 << INDEX_BITS) - 1
MAX_PRIORITY = (1 << PRIORITY_BITS) - 1
KEEP_RULES = ("longest", "best_quality", "newest")
EXACT_BAND = "bx"
MAX_BANDS_PER_TASK = 8  # a bucket task holds rows_per_task x this many band keys (4M x 8 x 8 B = 256 MB)
STEPS = ("manifest", "buckets", "pairs", "cc", "final", "drop", "summary")
MANIFEST_FORMAT = 2
_PASSIVE_KEYS = {"enabled", "minhash", "date_column", "score_column"}  # read by other parts


@dataclass(frozen=True)
class DedupConfig:
    """The ``dedup:`` config section (keys read by the phase)."""

    keep: str = "longest"
    exact: bool = True
    against: str | None = None
    partitions: int = 0  # 0: automatic (2 x workers, more when the data needs it)
    rows_per_task: int = 4_000_000
    edges_per_task: int = 8_000_000
    max_rounds: int = 100
    barrier_timeout_s: float = 7 * 86400.0

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any] | None) -> "DedupConfig":
        d = dict(d or {})
        allowed = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - allowed - _PASSIVE_KEYS)
        if unknown:
            raise DedupError(f"unknown dedup config key(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(allowed | _PASSIVE_KEYS))}")
        kw = {k: d[k] for k in allowed if k in d and d[k] is not None}
        if "partitions" in kw and kw["partitions"] == "auto":
            kw["partitions"] = 0
        c = cls(**kw)
        if c.keep not in KEEP_RULES:
            raise DedupError(f"dedup keep must be one of {', '.join(KEEP_RULES)}, got {c.keep!r}")
        for name in ("rows_per_task", "edges_per_task", "max_rounds"):
            if int(getattr(c, name)) < 1:
                raise DedupError(f"dedup {name} must be >= 1")
        if int(c.partitions) < 0:
            raise DedupError("dedup partitions must be >= 0 (0 = auto)")
        return c

    def fingerprint_fields(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("barrier_timeout_s")
        d.pop("max_rounds")
        return d


# --------------------------------------------------------------------------------------
# paths


def dedup_dir(out: Path) -> Path:
    return out / "dedup"


def _run_prefix(out: Path, band: str, group: int) -> Path:
    return dedup_dir(out) / "buckets" / band / f"g{group:05d}"


def _pairs_prefix(out: Path, part: int) -> Path:
    return dedup_dir(out) / "pairs" / f"q{part:05d}"


def _cc_prefix(out: Path, rnd: int, part: int) -> Path:
    return dedup_dir(out) / "cc" / f"r{rnd:03d}" / f"p{part:05d}"


def _final_prefix(out: Path, part: int) -> Path:
    return dedup_dir(out) / "final" / f"p{part:05d}"


def _save_arrays(prefix: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``prefix.<name>.npy`` files under temporary names, then rename them all."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    pending = []
    for name, arr in arrays.items():
        final = prefix.with_name(f"{prefix.name}.{name}.npy")
        tmp = tmp_path(final)
        with open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(arr))
        pending.append((tmp, final))
    for tmp, final in pending:
        commit(tmp, final)


def _load(prefix: Path, name: str, mmap: bool = True) -> np.ndarray:
    path = prefix.with_name(f"{prefix.name}.{name}.npy")
    try:
        return np.load(path, mmap_mode="r" if mmap else None)
    except FileNotFoundError:
        raise DedupError(f"{path}: dedup work file is missing (deleted while the phase ran? "
                         f"re-run with restart)") from None
    except (ValueError, OSError) as e:
        raise DedupError(f"{path}: dedup work file is corrupt ({e}); re-run with restart") from None


# --------------------------------------------------------------------------------------
# manifest


@lru_cache(maxsize=4)
def _manifest_cached(path: str, mtime_ns: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_manifest(out: Path) -> dict[str, Any]:
    p = dedup_dir(out) / "manifest.json"
    try:
        return _manifest_cached(str(p), p.stat().st_mtime_ns)
    except FileNotFoundError:
        raise DedupError(f"{p}: dedup manifest is missing") from None


def _signature_files(out: Path) -> list[Path]:
    sig_dir = out / "signatures"
    files = sorted(sig_dir.glob(f"*{SUFFIX}"))
    if not files:
        raise SignatureFileError(f"{sig_dir}: no signature files (*{SUFFIX}); add the MinHashSignatures "
                                 f"stage to the annotate section, or run `corpusforge dedup --input ...`")
    docs_dir = out / "docs"
    if docs_dir.is_dir():
        have = {p.name[: -len(SUFFIX)] for p in files}
        for doc_file in sorted(docs_dir.glob("*.parquet")):
            key = _doc_key(doc_file.name)
            if key not in have:
                raise SignatureFileError(f"{sig_dir / (key + SUFFIX)}: signature file is missing for documents "
                                         f"{doc_file} (those documents would silently escape dedup)")
    return files


def _doc_key(name: str) -> str:
    import re

    return re.sub(r"\.p\d+$", "", name[: -len(".parquet")])


def _load_base(against: str, params: MinHashParams) -> list[dict[str, Any]]:
    """The chain of earlier dedup outputs new documents are compared with (oldest first)."""
    old = Path(against).resolve()
    man_path = dedup_dir(old) / "manifest.json"
    if not man_path.exists() or not (dedup_dir(old) / "summary.json").exists():
        raise DedupError(f"{old}: not a finished dedup output (need dedup/manifest.json and dedup/summary.json)")
    with open(man_path, encoding="utf-8") as f:
        om = json.load(f)
    if om.get("params") != params.to_dict():
        raise DedupError(f"{old}: its signatures use other MinHash parameters ({om.get('params')}) than the new "
                         f"ones ({params.to_dict()}); incremental dedup needs the same preset")
    chain = list(om.get("bases", []))
    chain.append({"path": str(old), "index_base": om["index_base"], "index_end": om["index_end"],
                  "bands": om["bands"], "groups": len(om["bucket_groups"])})
    return chain


def _plan(out: Path, cfg: DedupConfig, workers: int, world_size: int | None) -> dict[str, Any]:
    files = _signature_files(out)
    entries, params = [], None
    for path in files:
        sf = SignatureFile(path)
        if params is None:
            params = sf.params
        elif sf.params != params:
            raise SignatureFileError(f"{path}: MinHash parameters {sf.params.to_dict()} differ from "
                                     f"{files[0].name}'s {params.to_dict()}; recompute with one preset")
        st = path.stat()
        entries.append({"key": path.name[: -len(SUFFIX)], "path": str(path.relative_to(out)), "rows": sf.num_rows,
                        "bytes": st.st_size})
    assert params is not None
    bases = _load_base(cfg.against, params) if cfg.against else []
    _check_ids(out, entries, bases)
    index_base = bases[-1]["index_end"] if bases else 0
    offset = index_base
    for e in entries:
        e["offset"] = offset
        offset += e["rows"]
    if offset > INDEX_MASK:
        raise DedupError(f"{offset} documents exceed the {INDEX_BITS}-bit document index")
    total = offset  # documents including the bases: what the pairs step sees
    parts = int(cfg.partitions) or 2 * max(1, workers, world_size or 1)
    rows_per_task = int(cfg.rows_per_task)
    bands = [f"b{i:03d}" for i in range(params.bands)] + ([EXACT_BAND] if cfg.exact else [])
    groups = _groups_of_slices(entries, rows_per_task)
    return {
        "format": MANIFEST_FORMAT,
        "params": params.to_dict(),
        "config": cfg.fingerprint_fields(),
        "files": entries,
        "index_base": index_base,
        "index_end": offset,
        "bases": bases,
        "bands": bands,
        "bucket_groups": groups,
        "bucket_band_chunks": _band_chunks(bands, max(math.ceil(2 * parts / max(len(groups), 1)),
                                                      math.ceil(len(bands) / MAX_BANDS_PER_TASK))),
        "drop_tasks": _groups_of_files(entries, rows_per_task),
        "pair_partitions": max(parts, math.ceil(total / rows_per_task)),
        "partitions": parts,
    }


def _check_ids(out: Path, entries: list[dict[str, Any]], bases: list[dict[str, Any]]) -> None:
    """The drop list is keyed by id: refuse signatures (new and of the bases) sharing one."""
    files = [out / e["path"] for e in entries]
    for base in bases:
        with open(dedup_dir(Path(base["path"])) / "manifest.json", encoding="utf-8") as f:
            files += [Path(base["path"]) / e["path"] for e in json.load(f)["files"]]
    try:
        check_unique_ids(IdSource(str(p), p.name[: -len(SUFFIX)], lambda p=p: SignatureFile(p).column("id"))
                         for p in files)
    except DuplicateIdError as e:
        raise DedupError(str(e)) from None


def _fingerprint(plan: dict[str, Any]) -> str:
    core = {k: plan[k] for k in ("format", "params", "config", "files", "bases")}
    return hashlib.sha1(json.dumps(core, sort_keys=True).encode()).hexdigest()


def _groups_of_slices(entries: list[dict[str, Any]], limit: int) -> list[list[list[int]]]:
    """Bucket task inputs: [file index, start row, stop row] slices, <= limit rows a group."""
    groups: list[list[list[int]]] = []
    cur: list[list[int]] = []
    size = 0
    for i, e in enumerate(entries):
        start = 0
        while start < e["rows"]:
            take = min(e["rows"] - start, limit - size)
            cur.append([i, start, start + take])
            size += take
            start += take
            if size >= limit:
                groups.append(cur)
                cur, size = [], 0
    if cur:
        groups.append(cur)
    return groups


def _band_chunks(bands: list[str], chunks: int) -> list[list[str]]:
    """Bands split into ``chunks`` nearly equal consecutive lists (bucket tasks per group)."""
    chunks = min(chunks, len(bands))
    return [bands[i * len(bands) // chunks:(i + 1) * len(bands) // chunks] for i in range(chunks)]


def _groups_of_files(entries: list[dict[str, Any]], limit: int) -> list[list[int]]:
    tasks: list[list[int]] = []
    cur: list[int] = []
    size = 0
    for i, e in enumerate(entries):
        if cur and size + e["rows"] > limit:
            tasks.append(cur)
            cur, size = [], 0
        cur.append(i)
        size += e["rows"]
    if cur:
        tasks.append(cur)
    return tasks


# --------------------------------------------------------------------------------------
# keep rule -> node keys


PRIORITY_COLUMN = {"longest": "length", "newest": "date", "best_quality": "score"}


def priorities(values: np.ndarray, keep: str) -> np.ndarray:
    """Per-row priority (smaller = keep first) in PRIORITY_BITS bits, from the keep rule's
    column (``length``, ``date`` with -1 for none, ``score`` with NaN for none)."""
    if keep == "longest":
        length = values.astype(np.int64)
        return (MAX_PRIORITY - np.clip(length, 0, MAX_PRIORITY)).astype(np.uint64)
    if keep == "newest":
        date = values.astype(np.int64)
        hours = np.clip(date // 3600, 0, MAX_PRIORITY - 1)
        return np.where(date >= 0, (MAX_PRIORITY - 1) - hours, MAX_PRIORITY).astype(np.uint64)
    score = values.astype(np.float32)
    bits = score.view(np.uint32)
    sortable = np.where(bits >> np.uint32(31), ~bits, bits | np.uint32(0x80000000))  # order-preserving
    top = (sortable >> np.uint32(32 - PRIORITY_BITS)).astype(np.uint64)
    return np.where(np.isnan(score), MAX_PRIORITY, MAX_PRIORITY - top).astype(np.uint64)


# --------------------------------------------------------------------------------------
# tasks (top-level functions: they run in worker processes)


def _task_buckets(out_s: str, group: int, chunk: int) -> dict[str, Any]:
    """Sorted runs (band key, node) of one group of rows for a chunk of bands; each
    signature file is read once for all the chunk's bands."""
    out = Path(out_s)
    man = load_manifest(out)
    keep = man["config"]["keep"]
    bands = man["bucket_band_chunks"][chunk]
    cols = {band: ("text_hash" if band == EXACT_BAND else band_column(int(band[1:]))) for band in bands}
    keys: dict[str, list[np.ndarray]] = {band: [] for band in bands}
    node_parts = []
    for file_i, start, stop in man["bucket_groups"][group]:
        entry = man["files"][file_i]
        sf = SignatureFile(out / entry["path"])
        if sf.num_rows != entry["rows"]:
            raise SignatureFileError(f"{sf.path}: has {sf.num_rows} rows, the dedup manifest recorded "
                                     f"{entry['rows']} (file changed during the phase)")
        data = sf.columns(sorted(set(cols.values()) | {PRIORITY_COLUMN[keep]}))
        for band, col in cols.items():
            keys[band].append(data[col][start:stop].astype(np.uint64))
        index = np.arange(entry["offset"] + start, entry["offset"] + stop, dtype=np.uint64)
        priority = priorities(data[PRIORITY_COLUMN[keep]][start:stop], keep)
        node_parts.append((priority << np.uint64(INDEX_BITS)) | index)
    nodes = np.concatenate(node_parts) if node_parts else np.empty(0, np.uint64)
    for band in bands:
        k = np.concatenate(keys.pop(band)) if node_parts else np.empty(0, np.uint64)
        order = np.argsort(k)  # order within a bucket does not matter downstream
        _save_arrays(_run_prefix(out, band, group), {"keys": k[order], "nodes": nodes[order]})
    return {"rows": int(len(nodes)), "bands": len(bands)}


def _band_runs(out: Path, man: dict[str, Any], band: str) -> list[tuple[Path, bool]]:
    """(run prefix, is from an earlier output) for every sorted run of ``band``."""
    runs: list[tuple[Path, bool]] = []
    for base in man["bases"]:
        if band in base["bands"]:
            runs += [(_run_prefix(Path(base["path"]), band, g), True) for g in range(base["groups"])]
    runs += [(_run_prefix(out, band, g), False) for g in range(len(man["bucket_groups"]))]
    return runs


def _key_bounds(part: int, parts: int) -> tuple[np.uint64, np.uint64 | None]:
    lo = (part << 64) // parts
    hi = ((part + 1) << 64) // parts
    return np.uint64(lo), (np.uint64(hi) if hi < (1 << 64) else None)


def _task_pairs(out_s: str, part: int) -> dict[str, Any]:
    out = Path(out_s)
    man = load_manifest(out)
    lo, hi = _key_bounds(part, man["pair_partitions"])
    index_base = np.uint64(man["index_base"])
    mask = np.uint64(INDEX_MASK)
    us, vs = [], []
    buckets = candidates = 0
    for band in man["bands"]:
        ks, ns = [], []
        for prefix, is_base in _band_runs(out, man, band):
            keys = _load(prefix, "keys")
            i0 = int(np.searchsorted(keys, lo, side="left"))
            i1 = len(keys) if hi is None else int(np.searchsorted(keys, hi, side="left"))
            if i1 <= i0:
                continue
            ks.append(np.array(keys[i0:i1]))
            nodes = np.array(_load(prefix, "nodes")[i0:i1])
            ns.append(nodes & mask if is_base else nodes)  # earlier outputs always win
        if not ks:
            continue
        k = np.concatenate(ks)
        n = np.concatenate(ns)
        order = np.argsort(k, kind="stable")
        k, n = k[order], n[order]
        starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
        sizes = np.diff(np.append(starts, len(k)))
        shared = sizes >= 2
        if man["bases"]:
            shared &= np.maximum.reduceat(n & mask, starts) >= index_base  # holds a new document
        if not shared.any():
            continue
        buckets += int(np.count_nonzero(shared))
        bucket_min = np.repeat(np.minimum.reduceat(n, starts), sizes)
        sel = np.repeat(shared, sizes) & (n != bucket_min)
        us.append(bucket_min[sel])
        vs.append(n[sel])
        candidates += int(np.count_nonzero(sel))
        if len(us) >= 8:  # a pair found in many bands is kept once: memory stays ~ distinct pairs
            u, v = cc.unique_pairs(np.concatenate(us), np.concatenate(vs))
            us, vs = [u], [v]
    u = np.concatenate(us) if us else np.empty(0, np.uint64)
    v = np.concatenate(vs) if vs else np.empty(0, np.uint64)
    u, v = cc.unique_pairs(u, v)
    edges, offsets = cc.both_directions_by_slot(u, v)
    _save_arrays(_pairs_prefix(out, part), {"edges": edges, "offsets": offsets})
    return {"buckets": buckets, "candidate_pairs": candidates, "edges": int(len(u))}


def _read_slots(prefixes: Sequence[Path], part: int, parts: int) -> tuple[np.ndarray, np.ndarray]:
    s0, s1 = cc.slot_range(part, parts)
    chunks = []
    for prefix in prefixes:
        offsets = _load(prefix, "offsets", mmap=False)
        a, b = int(offsets[s0]), int(offsets[s1])
        if b > a:
            chunks.append(np.array(_load(prefix, "edges")[a:b]))
    if not chunks:
        empty = np.empty(0, np.uint64)
        return empty, empty
    e = np.concatenate(chunks)
    return e[:, 0].copy(), e[:, 1].copy()


def _round_inputs(out: Path, man: dict[str, Any], rnd: int, parts: int) -> list[Path]:
    if rnd == 1:
        return [_pairs_prefix(out, q) for q in range(man["pair_partitions"])]
    return [_cc_prefix(out, rnd - 1, p) for p in range(parts)]


def _task_cc(out_s: str, rnd: int, part: int, parts: int) -> dict[str, Any]:
    out = Path(out_s)
    man = load_manifest(out)
    src, dst = _read_slots(_round_inputs(out, man, rnd, parts), part, parts)
    lo, hi, bad = cc.star_round(src, dst, large=(rnd % 2 == 1))
    edges, offsets = cc.both_directions_by_slot(lo, hi)
    _save_arrays(_cc_prefix(out, rnd, part), {"edges": edges, "offsets": offsets})
    return {"violations": bad, "edges": int(len(lo))}


def _task_final(out_s: str, part: int, parts: int, rnd: int) -> dict[str, Any]:
    out = Path(out_s)
    man = load_manifest(out)
    src, dst = _read_slots(_round_inputs(out, man, rnd + 1, parts), part, parts)  # round rnd's output
    members, roots, sizes = cc.star_members(src, dst)
    mask = np.uint64(INDEX_MASK)
    member_idx = members & mask
    root_idx = roots & mask
    order = np.argsort(member_idx, kind="stable")
    values = np.empty((len(order), 2), dtype=np.int64)
    values[:, 0] = root_idx[order].astype(np.int64)
    values[:, 1] = sizes[order]
    _save_arrays(_final_prefix(out, part), {"members": member_idx[order], "values": values})
    is_root = member_idx == root_idx
    hist: dict[str, int] = {}
    for size in sizes[is_root]:
        label = _size_bin(int(size))
        hist[label] = hist.get(label, 0) + 1
    return {"clusters": int(np.count_nonzero(is_root)), "members": int(len(members)),
            "largest": int(sizes.max()) if len(sizes) else 0, "size_histogram": hist}


def _size_bin(size: int) -> str:
    if size <= 2:
        return "2"
    hi = 1 << (size - 1).bit_length()
    return f"{hi // 2 + 1}-{hi}"


def _task_drop(out_s: str, task: int, parts: int) -> dict[str, Any]:
    out = Path(out_s)
    man = load_manifest(out)
    finals = [_final_prefix(out, p) for p in range(parts)]
    members_mm = [_load(f, "members") for f in finals]
    values_mm = [_load(f, "values") for f in finals]
    counts = {"members": 0, "dropped": 0}
    for file_i in man["drop_tasks"][task]:
        entry = man["files"][file_i]
        lo, hi = entry["offset"], entry["offset"] + entry["rows"]
        idx_parts, val_parts = [], []
        for members, values in zip(members_mm, values_mm):
            a = int(np.searchsorted(members, np.uint64(lo), side="left"))
            b = int(np.searchsorted(members, np.uint64(hi), side="left"))
            if b > a:
                idx_parts.append(np.array(members[a:b]))
                val_parts.append(np.array(values[a:b]))
        idx = np.concatenate(idx_parts) if idx_parts else np.empty(0, np.uint64)
        vals = np.concatenate(val_parts) if val_parts else np.empty((0, 2), np.int64)
        order = np.argsort(idx, kind="stable")
        idx, vals = idx[order], vals[order]
        rows = (idx - np.uint64(lo)).astype(np.int64)
        ids = SignatureFile(out / entry["path"]).column("id")[rows] if len(rows) else np.empty(0, dtype=object)
        keep = idx.astype(np.int64) == vals[:, 0]
        table = pa.table({"id": pa.array(list(ids), pa.string()),
                          "dedup_cluster": pa.array(vals[:, 0], pa.int64()),
                          "dedup_cluster_size": pa.array(vals[:, 1], pa.int64()),
                          "dedup_keep": pa.array(keep, pa.bool_())})
        _write_parquet(dedup_dir(out) / "clusters" / f"{entry['key']}.parquet", table)
        _write_parquet(dedup_dir(out) / "drop" / f"{entry['key']}.parquet",
                       table.filter(pa.array(~keep)).drop_columns(["dedup_keep"]))
        counts["members"] += int(len(idx))
        counts["dropped"] += int(np.count_nonzero(~keep))
    return counts


def _write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(path)
    pq.write_table(table, tmp, compression="zstd")
    commit(tmp, path)


# --------------------------------------------------------------------------------------
# the phase: steps planned on the task layer


def _task_manifest(out_s: str, plan_text: str) -> dict[str, Any]:
    atomic_write_text(dedup_dir(Path(out_s)) / "manifest.json", plan_text)
    return {}


def _task_summary(out_s: str, text: str) -> dict[str, Any]:
    out = Path(out_s)
    atomic_write_text(dedup_dir(out) / "summary.json", text)
    _save_stats(out, json.loads(text))
    return {}


def _wipe(out: Path) -> None:
    shutil.rmtree(dedup_dir(out), ignore_errors=True)
    for step in STEPS:
        shutil.rmtree(marker_dir(out, f"dedup_{step}"), ignore_errors=True)


class DedupPhase(Phase):
    """Near-duplicates across all ``OUT/signatures/*`` -> ``OUT/dedup/`` (see the module doc).

    If the signature files or the config changed since the last run, the phase starts
    over (local mode) or stops with an error (array mode). ``width`` is the number of
    array tasks a batch scheduler runs per step (it sizes the partitions)."""

    name = "dedup"
    kinds = STEPS
    jobs = (Job(("manifest",), array=False), Job(("buckets",)), Job(("pairs",)), Job(("cc", "final"), array=False),
            Job(("drop",)), Job(("summary",), array=False))

    def __init__(self, config: Mapping[str, Any] | None = None, restart: bool = False,
                 width: int | None = None) -> None:
        self.cfg = DedupConfig.from_mapping(config)
        self.enabled = bool((config or {}).get("enabled", True))
        self.restart = restart
        self.width = width

    def applies(self, ctx: PhaseContext) -> str | None:
        if not self.enabled:
            return "disabled in the config"
        if not any((ctx.output / "signatures").glob("*")):
            return "no signatures in the output (no MinHashSignatures stage?)"
        return None

    def steps(self, ctx: PhaseContext) -> PhaseSteps:
        t0 = time.perf_counter()
        out = ctx.output
        if ctx.rank is None:
            for d in (out / "signatures", dedup_dir(out)):
                remove_stale_tmp(d)
        seconds: dict[str, float] = {}
        man, restarted = yield from self._manifest(ctx)
        seconds["manifest"] = time.perf_counter() - t0
        summary = yield from self._steps(ctx, man, seconds)
        stable = json.dumps(summary, indent=1, sort_keys=True)
        yield Step("dedup_summary", [Task("summary", (str(out), stable), outputs=("dedup/summary.json",),
                                          stamp=hashlib.sha1(stable.encode()).hexdigest())],
                   _task_summary, kind="summary", fingerprint=man["fingerprint"])
        summary["restarted"] = restarted
        summary["seconds"] = round(time.perf_counter() - t0, 3)
        summary["step_seconds"] = {k: round(v, 3) for k, v in seconds.items()}
        if ctx.rank is None:  # here the whole phase ran in this process: its timings too
            _task_summary(str(out), json.dumps(summary, indent=1, sort_keys=True))
        return summary

    def _manifest(self, ctx: PhaseContext) -> Generator[Step, StepResult, tuple[dict[str, Any], bool]]:
        """Plan (or reuse) the manifest; returns (manifest, restarted)."""
        out = ctx.output
        if self.restart and ctx.rank is not None:
            raise DedupError("restart works in local mode only (without rank): ranks cannot wipe work together")
        plan = _plan(out, self.cfg, ctx.workers, self.width or (ctx.world_size if ctx.rank is not None else None))
        fp = plan["fingerprint"] = _fingerprint(plan)
        man_path = dedup_dir(out) / "manifest.json"
        marker = marker_dir(out, "dedup_manifest") / "done"
        restarted = False
        if ctx.rank in (None, 0):
            same = man_path.exists() and (stored_marker(out, "dedup_manifest", "done") or {}).get("fingerprint") == fp
            if not same or self.restart:
                existed = man_path.exists() and marker.exists()
                if existed and ctx.rank is not None and not self.restart:
                    raise DedupError(f"{man_path}: signatures or dedup config changed since this dedup started; "
                                     f"re-run once without --rank (or with restart) to start over")
                restarted = existed
                _wipe(out)  # a fresh plan: no work file or marker of an earlier plan may survive
        else:
            ctx.executor.wait_for([marker], "dedup manifest")
            if (stored_marker(out, "dedup_manifest", "done") or {}).get("fingerprint") != fp:
                raise DedupError(f"{man_path}: was planned for other signatures or config than this rank sees; "
                                 f"re-run once without --rank to start over")
        yield Step("dedup_manifest", [Task("done", (str(out), json.dumps(plan, indent=1, sort_keys=True)),
                                           outputs=("dedup/manifest.json",))],
                   _task_manifest, kind="manifest", fingerprint=fp)
        return load_manifest(out), restarted

    def _steps(self, ctx: PhaseContext, man: dict[str, Any],
               seconds: dict[str, float]) -> Generator[Step, StepResult, dict[str, Any]]:
        out_s = str(ctx.output)
        fp = man["fingerprint"]

        def step(kind: str, names: list[str], fn: Callable[..., dict[str, Any]], args: list[tuple]) -> Generator:
            t = time.perf_counter()
            res = yield Step(f"dedup_{kind}", [Task(n, a) for n, a in zip(names, args)], fn, kind=kind,
                             fingerprint=fp)
            seconds[kind] = seconds.get(kind, 0.0) + time.perf_counter() - t
            return res.results

        groups = range(len(man["bucket_groups"]))
        chunks = range(len(man["bucket_band_chunks"]))
        yield from step("buckets", [f"g{g:05d}_c{c:03d}" for g in groups for c in chunks], _task_buckets,
                        [(out_s, g, c) for g in groups for c in chunks])
        qs = range(man["pair_partitions"])
        pair_res = yield from step("pairs", [f"q{q:05d}" for q in qs], _task_pairs, [(out_s, q) for q in qs])
        edges = sum(r["edges"] for r in pair_res)
        parts = _cc_partitions(ctx, man, edges, self.cfg)

        rnd = 0
        if edges:
            while True:
                rnd += 1
                if rnd > self.cfg.max_rounds:
                    raise DedupError(f"connected components did not converge in {self.cfg.max_rounds} rounds")
                res = yield from step("cc", [f"r{rnd:03d}_p{p:05d}" for p in range(parts)], _task_cc,
                                      [(out_s, rnd, p, parts) for p in range(parts)])
                if sum(r["violations"] for r in res) == 0:
                    break
        final_res = yield from step("final", [f"p{p:05d}" for p in range(parts)], _task_final,
                                    [(out_s, p, parts, rnd) for p in range(parts)])
        tasks = range(len(man["drop_tasks"]))
        drop_res = yield from step("drop", [f"t{t:05d}" for t in tasks], _task_drop, [(out_s, t, parts) for t in tasks])
        return _summary(man, pair_res, final_res, drop_res, edges, rnd, parts)


def run_dedup_phase(output_dir: str | Path, dedup_config: Mapping[str, Any] | None = None, workers: int = 1,
                    rank: int | None = None, world_size: int | None = None, progress: bool = True,
                    restart: bool = False) -> dict[str, Any]:
    """Find near-duplicates across all ``OUT/signatures/*`` and write ``OUT/dedup/``.

    Resumable: finished tasks are skipped, so a re-run after a kill completes the phase
    with the same result. Array mode (``rank``/``world_size``): every rank runs its share
    of each step and waits for the others' markers before the next step. Returns the
    summary dict, also written to ``OUT/dedup/summary.json``.
    """
    phase = DedupPhase(dedup_config, restart)
    if rank is not None and (world_size is None or not 0 <= rank < world_size):
        raise DedupError(f"rank {rank} needs a world size above it (got {world_size})")
    with executor_for(workers, rank, world_size, phase.cfg.barrier_timeout_s) as ex:
        res = run_phase(phase, PhaseContext(Path(output_dir), ex, progress=progress))
    return res.summary


def _summary(man: dict[str, Any], pair_res: list, final_res: list, drop_res: list, edges: int, rnd: int,
             parts: int) -> dict[str, Any]:
    params = MinHashParams.from_mapping(man["params"])
    documents = man["index_end"] - man["index_base"]
    dropped = sum(r["dropped"] for r in drop_res)
    hist: dict[str, int] = {}
    for r in final_res:
        for k, v in r["size_histogram"].items():
            hist[k] = hist.get(k, 0) + v
    t = threshold(params.bands, params.rows)
    return {
        "documents": documents,
        "earlier_documents": man["index_base"],
        "signature_files": len(man["files"]),
        "dropped": dropped,
        "kept": documents - dropped,
        "clusters": sum(r["clusters"] for r in final_res),
        "docs_in_clusters": sum(r["members"] for r in final_res),
        "largest_cluster": max((r["largest"] for r in final_res), default=0),
        "candidate_pairs": sum(r["candidate_pairs"] for r in pair_res),
        "edges": edges,
        "cc_rounds": rnd,
        "cc_partitions": parts,
        "pair_partitions": man["pair_partitions"],
        "bucket_tasks": len(man["bucket_band_chunks"]) * len(man["bucket_groups"]),
        "threshold": round(t, 4),
        "keep": man["config"]["keep"],
        "against": man["config"]["against"],
        "params": man["params"],
        "cluster_size_histogram": dict(sorted(hist.items(), key=lambda kv: int(kv[0].split("-")[0]))),
        "scurve": {f"{j:.2f}": round(detection_probability(j, params.bands, params.rows), 4)
                   for j in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)},
    }


def _cc_partitions(ctx: PhaseContext, man: dict[str, Any], edges: int, cfg: DedupConfig) -> int:
    """Slot-range tasks per components round, fixed once per dedup (``cc_plan.json``)."""
    plan_path = dedup_dir(ctx.output) / "cc_plan.json"
    if ctx.rank in (None, 0) and not plan_path.exists():
        parts = max(man["partitions"], math.ceil(2 * edges / int(cfg.edges_per_task)))
        atomic_write_text(plan_path, json.dumps({"partitions": min(parts, cc.SLOTS)}))
    elif not plan_path.exists():
        ctx.executor.wait_for([plan_path], "dedup cc plan")
    return int(json.loads(plan_path.read_text(encoding="utf-8"))["partitions"])


def _save_stats(out: Path, summary: dict[str, Any]) -> None:
    from corpusforge.stats import StageStats, Stats

    st = StageStats("NearDuplicateDedup", docs_in=summary["documents"], docs_out=summary["kept"])
    if summary["dropped"]:
        st.dropped["near_duplicate"] = summary["dropped"]
    for k in ("clusters", "docs_in_clusters", "candidate_pairs", "edges", "cc_rounds"):
        st.counters[k] = int(summary[k])
    stats = Stats("dedup", stages=[st], files=summary["signature_files"], seconds=summary.get("seconds", 0.0))
    stats.save(out / "stats" / "dedup.json")


def read_drop_list(output_dir: str | Path) -> "Any":
    """All dropped documents of a dedup output as one polars DataFrame (id, cluster, size)."""
    import polars as pl

    files = sorted(str(p) for p in (dedup_dir(Path(output_dir)) / "drop").glob("*.parquet"))
    if not files:
        return pl.DataFrame(schema={"id": pl.String, "dedup_cluster": pl.Int64, "dedup_cluster_size": pl.Int64})
    return pl.concat([pl.read_parquet(f) for f in files])
