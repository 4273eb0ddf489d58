"""The labels parquet: one row per labelled document, written crash-safe and resumable.

Parquet files cannot be appended to, so while a labelling run is going the store writes
each batch as its own small file in ``<labels>.parts/`` (atomically: temporary name,
then rename). ``close()`` — and the next run's ``open`` after a crash — merges the main
file and the parts into the main file (again atomically) and removes the parts. A crash
therefore loses at most the batch in memory, and re-running skips every id already
stored. Readers that want the labels of a run still in progress use ``read_labels``,
which reads the main file and the parts together.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from corpusforge.classify.parse import parse_labels
from corpusforge.classify.prompt import LabelPrompt
from corpusforge.classify.taxonomy import Taxonomy
from corpusforge.io.atomic import tmp_path
from corpusforge.io.rows import read_rows

LABEL_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("edu", pa.int8()),                # 0..5, null when the reply had no parseable score
    ("format", pa.string()),           # taxonomy key, null when not asked or not parseable
    ("topic", pa.string()),            # taxonomy key, null when not asked or not parseable
    ("justification", pa.string()),
    ("raw_reply", pa.string()),
    ("model", pa.string()),
    ("prompt_hash", pa.string()),
    ("latency_s", pa.float64()),
    ("prompt_tokens", pa.int64()),
    ("completion_tokens", pa.int64()),
    ("error", pa.string()),            # null, or "unparseable" (a field asked for did not parse)
    ("labeller", pa.string()),         # who/what produced the reply (endpoint, vllm, import source)
])
COLUMNS = LABEL_SCHEMA.names
OLD_COLUMN_NAMES = {"score": "edu"}  # edu-only label files (prompt classifiers/edu/prompt_ja.md)


def parts_dir(path: Path) -> Path:
    return path.with_name(path.name + ".parts")


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        return v.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot go to parquet
    return v


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    cols = {c: [_clean(r.get(c)) for r in rows] for c in COLUMNS}
    return pa.table(cols, schema=LABEL_SCHEMA)


def _read_one(path: Path) -> pa.Table:
    t = pq.read_table(path)
    t = t.rename_columns([OLD_COLUMN_NAMES.get(c, c) if OLD_COLUMN_NAMES.get(c) not in t.column_names else c
                          for c in t.column_names])
    missing = [c for c in COLUMNS if c not in t.column_names]
    for c in missing:
        t = t.append_column(c, pa.nulls(t.num_rows, LABEL_SCHEMA.field(c).type))
    return t.select(COLUMNS).cast(LABEL_SCHEMA)


def _dedup_first(t: pa.Table) -> pa.Table:
    """Keep the first row of every id (duplicates only appear after a crash mid-merge)."""
    seen: set[str] = set()
    keep = []
    for i, v in enumerate(t.column("id").to_pylist()):
        if v not in seen:
            seen.add(v)
            keep.append(i)
    return t if len(keep) == t.num_rows else t.take(pa.array(keep, pa.int64()))


def read_labels_table(path: str | Path) -> pa.Table:
    """All labels of a file, including batches of a run still in progress (or crashed)."""
    p = Path(path)
    tables = []
    if p.is_file():
        tables.append(_read_one(p))
    pdir = parts_dir(p)
    if pdir.is_dir():
        tables.extend(_read_one(q) for q in sorted(pdir.glob("*.parquet")))
    if not tables:
        return LABEL_SCHEMA.empty_table()
    return _dedup_first(pa.concat_tables(tables))


def read_labels(path: str | Path) -> "Any":
    """The labels as a polars DataFrame (see ``LABEL_SCHEMA``)."""
    import polars as pl

    return pl.from_arrow(read_labels_table(path))


class LabelStore:
    """Appends label rows in batches; knows which ids are already labelled."""

    def __init__(self, path: str | Path, batch_size: int = 32) -> None:
        self.path = Path(path)
        self.batch_size = max(1, int(batch_size))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._pending: list[dict[str, Any]] = []
        self._seq = 0
        self.written = 0
        self._merge()
        existing = read_labels_table(self.path)
        self.done: set[str] = set(existing.column("id").to_pylist())
        self.prompt_hashes: set[str] = {h for h in existing.column("prompt_hash").to_pylist() if h}

    def __enter__(self) -> "LabelStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, row: dict[str, Any]) -> bool:
        """Queue one row; False (and nothing stored) if its id is already labelled."""
        if row["id"] in self.done:
            return False
        self.done.add(row["id"])
        self._pending.append(row)
        if len(self._pending) >= self.batch_size:
            self.flush()
        return True

    def flush(self) -> None:
        """Write the queued rows as one part file (atomic)."""
        if not self._pending:
            return
        pdir = parts_dir(self.path)
        pdir.mkdir(parents=True, exist_ok=True)
        self._seq += 1
        final = pdir / f"part-{os.getpid()}-{self._seq:06d}.parquet"
        tmp = tmp_path(final)
        pq.write_table(_table(self._pending), tmp, compression="zstd")
        os.replace(tmp, final)
        self.written += len(self._pending)
        self._pending = []

    def close(self) -> None:
        self.flush()
        self._merge()

    def _merge(self) -> None:
        """Fold the part files into the main file atomically, then remove them."""
        pdir = parts_dir(self.path)
        parts = sorted(pdir.glob("*.parquet")) if pdir.is_dir() else []
        if not parts:
            return
        table = read_labels_table(self.path)
        tmp = tmp_path(self.path)
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, self.path)
        for q in parts:
            q.unlink(missing_ok=True)
        for q in pdir.glob("*.tmp"):
            q.unlink(missing_ok=True)
        try:
            pdir.rmdir()
        except OSError:
            pass


def prompt_categories(prompt: LabelPrompt, taxonomy: Taxonomy | None = None) -> dict[str, list[str]]:
    """Axis → allowed keys for the axes the prompt asks for (empty for the edu-only prompt)."""
    if not prompt.axes:
        return {}
    tax = taxonomy or Taxonomy.load()
    return {axis: tax.keys(axis) for axis in prompt.axes}


def label_row(doc_id: str, reply: str | None, model: str, prompt_hash: str, labeller: str,
              latency_s: float | None = None, prompt_tokens: int | None = None,
              completion_tokens: int | None = None, cut_off: bool = False,
              categories: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """One labels row from a raw reply, read by the shared parser (``cut_off``: see ``parse_reply``;
    ``categories``: see ``parse_labels``)."""
    parsed = parse_labels(reply, categories, cut_off=cut_off)
    return {
        "id": doc_id, "edu": parsed.score, "format": parsed.format, "topic": parsed.topic,
        "justification": parsed.justification, "raw_reply": reply or "",
        "model": model, "prompt_hash": prompt_hash, "latency_s": latency_s, "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens, "error": parsed.error, "labeller": labeller,
    }


@dataclass
class ImportSummary:
    read: int = 0
    imported: int = 0
    unparseable: int = 0
    skipped_existing: int = 0
    bad_lines: dict[str, int] = field(default_factory=dict)

    def bad(self, reason: str) -> None:
        self.bad_lines[reason] = self.bad_lines.get(reason, 0) + 1


def _int_or_none(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def import_replies(replies: str | Path | Iterable[dict[str, Any]], output: str | Path,
                   prompt_path: str | Path | None = None, labeller: str | None = None,
                   model: str | None = None, batch_size: int = 256) -> ImportSummary:
    """Labels from replies produced outside the client (one JSON object per line).

    Each line: ``{"id": str, "raw_reply": str, "model": str}``, optionally ``labeller``,
    ``prompt_hash`` (checked against the prompt file), ``prompt_tokens``,
    ``completion_tokens``, ``latency_s``, ``finish_reason`` (``"length"`` = cut off). The
    labels are parsed with the same parser as the HTTP client; the prompt hash is that of
    ``prompt_path`` (default: the shipped one-pass prompt). Ids already in ``output`` are skipped;
    broken lines are counted, not fatal.
    """
    prompt = LabelPrompt.load(prompt_path)
    categories = prompt_categories(prompt)
    if isinstance(replies, (str, Path)):
        source = Path(replies)
        default_labeller = labeller or f"import:{source.name}"
        rows_iter: Iterable[Any] = read_rows(source)
    else:
        default_labeller = labeller or "import"
        rows_iter = replies
    summary = ImportSummary()
    with LabelStore(output, batch_size=batch_size) as store:
        if store.prompt_hashes - {prompt.hash}:
            raise ValueError(f"{output} holds labels made with prompt(s) {sorted(store.prompt_hashes)}; "
                             f"this prompt is {prompt.hash}: write to a new labels file")
        for row in rows_iter:
            summary.read += 1
            if not isinstance(row, dict):
                summary.bad("bad_json")
                continue
            doc_id, reply = row.get("id"), row.get("raw_reply")
            row_model = row.get("model") or model
            if doc_id is None or str(doc_id) == "":
                summary.bad("missing_id")
                continue
            if not isinstance(reply, str):
                summary.bad("missing_raw_reply")
                continue
            if not row_model:
                summary.bad("missing_model")
                continue
            if row.get("prompt_hash") and row["prompt_hash"] != prompt.hash:
                summary.bad("prompt_hash_mismatch")
                continue
            latency = row.get("latency_s")
            rec = label_row(str(doc_id), reply, str(row_model), prompt.hash,
                            str(row.get("labeller") or default_labeller),
                            latency_s=float(latency) if isinstance(latency, (int, float)) else None,
                            prompt_tokens=_int_or_none(row.get("prompt_tokens")),
                            completion_tokens=_int_or_none(row.get("completion_tokens")),
                            cut_off=row.get("finish_reason") == "length", categories=categories)
            if not store.add(rec):
                summary.skipped_existing += 1
                continue
            summary.imported += 1
            summary.unparseable += rec["error"] is not None
    return summary
