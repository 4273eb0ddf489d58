"""The one row reader of text corpora: jsonl, jsonl.gz and parquet, streamed in batches.

Every consumer of document files (``TextReader`` for ``corpusforge filter`` / ``dedup``,
the labelling and training commands) reads rows here, so a row gets the same number,
and so the same default id ``<file key>/<row number>``, everywhere.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterator

import pyarrow.parquet as pq

DOC_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz")


#: parquet rows decoded at a time: a batch of documents (text and every signal column) is
#: held twice while it is read, as Arrow and as dicts, so it stays small whatever the file
PARQUET_BATCH_ROWS = 256


def read_rows(path: str | Path, columns: tuple[str, ...] | None = None,
              batch_size: int = PARQUET_BATCH_ROWS) -> Iterator[dict[str, Any] | None]:
    """Rows of one file as dicts (only ``columns`` when given; missing ones absent).

    A jsonl line that is not a JSON object yields ``None`` (it keeps its row number);
    blank lines are skipped. A file that cannot be read raises ``OSError`` / ``EOFError``
    after the rows before the damage.
    """
    path = Path(path)
    if path.name.endswith(".parquet"):
        pf = pq.ParquetFile(path)
        present = None if columns is None else [c for c in columns if c in pf.schema_arrow.names]
        for batch in pf.iter_batches(batch_size=batch_size, columns=present):
            yield from batch.to_pylist()
        return
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:  # type: ignore[operator]
        for line in f:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                yield None
                continue
            if not isinstance(row, dict):
                yield None
            elif columns is None:
                yield row
            else:
                yield {c: row[c] for c in columns if c in row}
