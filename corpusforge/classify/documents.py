"""Documents to label or train on: find them, sample them, load their texts by id.

Accepted inputs: a corpusforge output directory (its ``docs/*.parquet``), a directory of
parquet / jsonl files, or one parquet / jsonl / jsonl.gz file with a ``text`` column and
optionally ``id``, ``domain``, ``url``, ``source``. A row without ``id`` gets
``<file key>/<row number>``, as the pipeline's TextReader names it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

from corpusforge.ids import IdSource, check_unique_ids, document_id
from corpusforge.io.base import file_key
from corpusforge.io.rows import DOC_SUFFIXES, read_rows


def document_files(path: str | Path) -> list[Path]:
    """The document files behind an input path (sorted, so ids come in a stable order)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        root = p / "docs" if (p / "docs").is_dir() else p
        files = sorted(q for q in root.iterdir() if q.is_file() and q.name.endswith(DOC_SUFFIXES))
        if files:
            return files
        raise FileNotFoundError(f"no document files ({', '.join(DOC_SUFFIXES)}) in {root}")
    raise FileNotFoundError(f"input not found: {p}")


def iter_documents(files: list[Path], columns: tuple[str, ...] = ("id", "text")) -> Iterator[dict[str, Any]]:
    """Rows with a string ``text`` and an ``id`` (assigned when missing)."""
    cols = tuple(dict.fromkeys(("id", "text") + columns))
    for path in files:
        key = file_key(path)
        for n, row in enumerate(read_rows(path, cols)):
            if row is None or not isinstance(row.get("text"), str):
                continue
            if row.get("id") is None:
                row["id"] = document_id(key, n)
            else:
                row["id"] = str(row["id"])
            yield row


@dataclass(frozen=True)
class Candidate:
    id: str
    group: str   # domain, else source, else URL host, else "unknown"
    length: int  # characters


def _group_of(row: dict[str, Any]) -> str:
    for key in ("domain", "source"):
        v = row.get(key)
        if isinstance(v, str) and v:
            return v
    url = row.get("url")
    if isinstance(url, str) and url:
        host = urlsplit(url).hostname
        if host:
            return host
    return "unknown"


def check_document_ids(files: list[Path]) -> None:
    """Refuse documents whose ids are not unique across ``files`` (labels join by id)."""
    def ids_of(path: Path) -> list[str]:
        return [r["id"] for r in iter_documents([path], ())]

    check_unique_ids(IdSource(str(path), file_key(path), lambda p=path: ids_of(p)) for path in files)


def scan_candidates(files: list[Path]) -> list[Candidate]:
    """Id, group and length of every document (texts are not kept in memory)."""
    check_document_ids(files)
    return [Candidate(r["id"], _group_of(r), len(r["text"]))
            for r in iter_documents(files, ("domain", "source", "url"))]


def length_bucket(length: int, edges: list[int]) -> int:
    return sum(length >= e for e in edges)


def sample_ids(candidates: list[Candidate], n: int | None, method: str = "uniform", seed: int = 0,
               length_edges: list[int] | None = None) -> list[str]:
    """Deterministic sample of ids; a larger ``n`` with the same seed extends a smaller one.

    ``uniform``: a seeded permutation of all ids. ``stratified``: documents grouped by
    (domain, length bucket); groups are visited round-robin in a seeded order, one
    document each, so rare domains and unusual lengths are represented even in a small
    sample.
    """
    unique = sorted({c.id: c for c in candidates}.values(), key=lambda c: c.id)
    rng = random.Random(seed)
    total = len(unique) if n is None else min(n, len(unique))
    if method == "uniform":
        order = list(unique)
        rng.shuffle(order)
        return [c.id for c in order[:total]]
    if method != "stratified":
        raise ValueError(f"unknown sampling method {method!r} (uniform or stratified)")
    edges = sorted(length_edges or [])
    strata: dict[tuple[str, int], list[Candidate]] = {}
    for c in unique:
        strata.setdefault((c.group, length_bucket(c.length, edges)), []).append(c)
    keys = sorted(strata)
    rng.shuffle(keys)
    queues = []
    for k in keys:
        members = strata[k]
        rng.shuffle(members)
        queues.append(members)
    out: list[str] = []
    depth = 0
    while len(out) < total:
        for q in queues:
            if depth < len(q):
                out.append(q[depth].id)
                if len(out) == total:
                    break
        depth += 1
    return out


def load_texts(files: list[Path], ids: set[str] | None = None,
               extra: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Rows (``id``, ``text`` and ``extra`` columns) of the given ids, or of all documents."""
    check_document_ids(files)
    out: dict[str, dict[str, Any]] = {}
    for row in iter_documents(files, extra):
        if (ids is None or row["id"] in ids) and row["id"] not in out:
            out[row["id"]] = row
    return out
