"""Signature files: ``OUT/signatures/<key>.minhash.parquet``, one per input file.

Columns: ``id`` (string), ``length`` (characters of the document, int64), ``date``
(epoch seconds or null, int64), ``score`` (float64 or null), ``text_hash`` (uint64, hash
of the normalised text) and ``band_000`` ... (uint64, one key per LSH band). The MinHash
parameters are stored in the file's metadata so the dedup phase needs nothing else and
can refuse files computed with other parameters. One column per band lets a bucket
task read only the band it works on. ``length``, ``date`` and ``score`` are what the
keep rules need, so the dedup phase never reads the documents themselves.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpusforge.dedup.minhash import MinHashParams
from corpusforge.io.atomic import discard

SUFFIX = ".minhash.parquet"
META_KEY = b"corpusforge.minhash"
FORMAT = 1
ATTRIBUTE_COLUMNS = ("id", "length", "date", "score", "text_hash")


class DedupError(RuntimeError):
    """The dedup phase cannot go on (bad input, inconsistent state); the message says why."""


class SignatureFileError(DedupError):
    """A signature file is missing, unreadable or inconsistent; the message names it."""


def band_column(band: int) -> str:
    return f"band_{band:03d}"


def schema_for(params: MinHashParams) -> pa.Schema:
    fields = [pa.field("id", pa.string()), pa.field("length", pa.int64()), pa.field("date", pa.int64()),
              pa.field("score", pa.float64()), pa.field("text_hash", pa.uint64())]
    fields += [pa.field(band_column(i), pa.uint64()) for i in range(params.bands)]
    meta = {META_KEY: json.dumps({"format": FORMAT, "params": params.to_dict()}, sort_keys=True).encode()}
    return pa.schema(fields, metadata=meta)


def parse_date(value: Any) -> int | None:
    """Epoch seconds from an ISO 8601 string (WARC-Date), a datetime or a number; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if np.isfinite(value) else None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str) and value:
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def parse_score(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


class SignatureWriter:
    """Buffers rows and writes them as parquet row groups to ``path`` (a temporary name)."""

    def __init__(self, path: str | Path, params: MinHashParams, row_group: int = 16384) -> None:
        self.path = Path(path)
        self.params = params
        self.schema = schema_for(params)
        self.row_group = row_group
        self.count = 0
        self._writer: pq.ParquetWriter | None = None
        self._reset()

    def _reset(self) -> None:
        self._ids: list[str] = []
        self._lengths: list[int] = []
        self._dates: list[int | None] = []
        self._scores: list[float | None] = []
        self._hashes: list[int] = []
        self._bands: list[np.ndarray] = []

    def add(self, doc_id: str, length: int, date: int | None, score: float | None, text_hash: int,
            band_keys: np.ndarray) -> None:
        self._ids.append(doc_id)
        self._lengths.append(length)
        self._dates.append(date)
        self._scores.append(score)
        self._hashes.append(text_hash)
        self._bands.append(band_keys)
        self.count += 1
        if len(self._ids) >= self.row_group:
            self._flush()

    def _table(self) -> pa.Table:
        bands = (np.stack(self._bands) if self._bands
                 else np.empty((0, self.params.bands), dtype=np.uint64))
        cols = [pa.array(self._ids, pa.string()), pa.array(self._lengths, pa.int64()),
                pa.array(self._dates, pa.int64()), pa.array(self._scores, pa.float64()),
                pa.array(np.array(self._hashes, dtype=np.uint64), pa.uint64())]
        cols += [pa.array(np.ascontiguousarray(bands[:, i]), pa.uint64()) for i in range(self.params.bands)]
        return pa.Table.from_arrays(cols, schema=self.schema)

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # hashes do not compress; ids do
            self._writer = pq.ParquetWriter(self.path, self.schema, compression={"id": "zstd"},
                                            use_dictionary=["id"])
        return self._writer

    def _flush(self) -> None:
        if self._ids:
            self._open().write_table(self._table())
            self._reset()

    def close(self) -> None:
        """Write what is buffered; a file without rows is still written (with its schema)."""
        if self._ids or self._writer is None:
            self._open().write_table(self._table())
            self._reset()
        assert self._writer is not None
        self._writer.close()
        self._writer = None

    def abort(self) -> None:
        discard(self._writer, [self.path])
        self._writer = None


class SignatureFile:
    """A validated signature file; columns are read lazily, one at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SignatureFileError(f"{self.path}: signature file is missing")
        try:
            self._pf = pq.ParquetFile(self.path)
            meta = self._pf.schema_arrow.metadata or {}
        except Exception as e:  # noqa: BLE001  (pyarrow raises several types for broken files)
            raise SignatureFileError(f"{self.path}: corrupt signature file ({type(e).__name__}: {e})") from None
        if META_KEY not in meta:
            raise SignatureFileError(f"{self.path}: not a corpusforge signature file (no {META_KEY.decode()} metadata)")
        try:
            info = json.loads(meta[META_KEY])
            if info.get("format") != FORMAT:
                raise ValueError(f"format {info.get('format')} (expected {FORMAT})")
            self.params = MinHashParams.from_mapping(info["params"])
        except (ValueError, KeyError, TypeError) as e:
            raise SignatureFileError(f"{self.path}: invalid signature metadata: {e}") from None
        names = set(self._pf.schema_arrow.names)
        missing = [c for c in ATTRIBUTE_COLUMNS + tuple(band_column(i) for i in range(self.params.bands))
                   if c not in names]
        if missing:
            raise SignatureFileError(f"{self.path}: columns missing: {', '.join(missing[:5])}")
        self.num_rows = int(self._pf.metadata.num_rows)

    def column(self, name: str) -> np.ndarray:
        """One column as a NumPy array (nulls: -1 for ``date``, NaN for ``score``)."""
        return self.columns([name])[name]

    def columns(self, names: list[str]) -> dict[str, np.ndarray]:
        """Several columns in one read (see ``column`` for nulls)."""
        try:
            table = self._pf.read(columns=list(names))
        except Exception as e:  # noqa: BLE001
            raise SignatureFileError(f"{self.path}: corrupt signature file, columns {', '.join(names)} unreadable "
                                     f"({type(e).__name__}: {e})") from None
        return {name: self._to_numpy(name, table.column(name)) for name in names}

    def _to_numpy(self, name: str, col: pa.ChunkedArray) -> np.ndarray:
        if len(col) != self.num_rows:
            raise SignatureFileError(f"{self.path}: column {name!r} has {len(col)} rows, expected {self.num_rows}")
        if name == "id":
            return np.array(col.to_pylist(), dtype=object)
        if name == "date":
            return col.fill_null(-1).to_numpy()
        if name == "score":
            return col.fill_null(float("nan")).to_numpy()
        if col.null_count:
            raise SignatureFileError(f"{self.path}: column {name!r} has null values")
        return col.to_numpy()
