"""Parquet writers for kept and removed documents.

Columns: ``id``, ``url``, ``domain``, ``text`` (optional for removed), then one column per
metadata key (keys starting with ``_`` are private to the pipeline and never written);
removed rows add ``reason`` and ``stage``. Rows are buffered in batches and written as
row groups under a temporary name; ``close()`` returns the (temporary, final) pairs for
the executor to commit atomically together with the other outputs of the input file.

Metadata differs between documents (a document dropped early lacks the signals of
later filters). When a batch brings columns the open file does not have, the writer
starts a new part file (``KEY.p1.parquet``...) with the wider schema; polars reads all
parts with ``pl.read_parquet(..., allow_missing_columns=True)`` (see ``read_output``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corpusforge.document import Document
from corpusforge.io.atomic import discard, tmp_path
from corpusforge.io.columns import current_names

_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)   # exact-type test first: most metadata values are plain scalars


def _cell(v: Any) -> Any:
    if isinstance(v, _SCALARS):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return json.dumps(v, ensure_ascii=False, default=str)


def _valid_utf8(row: dict[str, Any]) -> dict[str, Any]:
    """The row with lone surrogates (which parquet cannot store) replaced in its strings."""
    return {k: v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v for k, v in row.items()}


#: characters of text held before a row group is written: what a writer holds stays the
#: same whatever the size of the input file (a row group is also cut at ``batch_size`` rows)
BATCH_CHARS = 1_000_000


class DocumentWriter:
    """Writes documents of one input file to ``DIR/KEY.parquet`` (+ parts)."""

    def __init__(self, directory: str | Path, key: str, include_text: bool = True, removed: bool = False,
                 batch_size: int = 2000, compression: str = "zstd", batch_chars: int = BATCH_CHARS) -> None:
        self.dir = Path(directory)
        self.key = key
        self.include_text = include_text
        self.removed = removed
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self._chars = 0
        self.compression = compression
        self.rows: list[dict[str, Any]] = []
        self.count = 0
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._part = 0
        self._files: list[tuple[Path, Path]] = []

    def write(self, doc: Document, reason: str | None = None, stage: str | None = None) -> None:
        row: dict[str, Any] = {"id": doc.id, "url": _cell(doc.url), "domain": _cell(doc.metadata.get("domain", ""))}
        if self.include_text:
            row["text"] = _cell(doc.text)
            self._chars += len(row["text"] or "")
        if self.removed:
            row["reason"] = reason
            row["stage"] = stage
        for k, v in doc.metadata.items():
            if not k.startswith("_") and k not in row:
                row[k] = v if type(v) in _SCALAR_TYPES else _cell(v)
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= self.batch_size or self._chars >= self.batch_chars:
            self.flush()

    def _open(self, schema: pa.Schema) -> None:
        name = f"{self.key}.parquet" if self._part == 0 else f"{self.key}.p{self._part}.parquet"
        final = self.dir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_path(final)
        self._writer = pq.ParquetWriter(tmp, schema, compression=self.compression)
        self._schema = schema
        self._files.append((tmp, final))
        self._part += 1

    def flush(self) -> None:
        if not self.rows:
            return
        try:
            table = pa.Table.from_pylist(self.rows)
        except UnicodeEncodeError:  # rare: repair only the batch that needs it
            table = pa.Table.from_pylist([_valid_utf8(r) for r in self.rows])
        self.rows = []
        self._chars = 0
        self.write_table(table)

    def write_table(self, table: pa.Table) -> None:
        """Write rows already in arrow form (a new part file when they do not fit the open one)."""
        if self._writer is not None and self._schema is not None:
            fitted = self._fit(table, self._schema)
            if fitted is not None:
                self._writer.write_table(fitted)
                return
            self._writer.close()
            self._writer = None
            try:
                table_schema = pa.unify_schemas([self._schema, table.schema], promote_options="permissive")
                table = self._fit(table, table_schema) or table
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                pass
        self._open(table.schema)
        assert self._writer is not None
        self._writer.write_table(table)

    @staticmethod
    def _fit(table: pa.Table, schema: pa.Schema) -> pa.Table | None:
        """``table`` cast to ``schema`` (missing columns as nulls), or None if it does not fit."""
        if not set(table.column_names) <= set(schema.names):
            return None
        cols = []
        for field in schema:
            if field.name in table.column_names:
                col = table.column(field.name)
                if col.type != field.type:
                    if pa.types.is_null(col.type):
                        col = pa.nulls(len(table), field.type)
                    else:
                        try:
                            col = col.cast(field.type)
                        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                            return None
                cols.append(col)
            else:
                cols.append(pa.nulls(len(table), field.type))
        return pa.Table.from_arrays(cols, schema=schema)

    def close(self) -> list[tuple[Path, Path]]:
        """Finish writing; returns (temporary, final) pairs to commit. No rows: no file."""
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return list(self._files)

    def abort(self) -> None:
        discard(self._writer, [tmp for tmp, _ in self._files])
        self._writer = None
        self._files = []


def scan_output_file(path: str | Path):  # type: ignore[no-untyped-def]
    """One output parquet file as a polars LazyFrame, columns of older releases under their current names."""
    import polars as pl  # deferred on purpose: writing documents does not need polars

    lf = pl.scan_parquet(path)
    return lf.rename(current_names(lf.collect_schema().names()))


def read_output(directory: str | Path, kind: str = "docs", columns: list[str] | None = None):  # type: ignore[no-untyped-def]
    """All parquet files of ``OUT/<kind>/`` as one polars DataFrame (parts with other columns aligned)."""
    import polars as pl  # deferred on purpose: writing documents does not need polars

    files = sorted(str(p) for p in (Path(directory) / kind).glob("*.parquet"))
    if not files:
        return pl.DataFrame()
    frames = [(scan_output_file(f).select(columns) if columns else scan_output_file(f)).collect() for f in files]
    return pl.concat(frames, how="diagonal_relaxed")
