"""Readers of documents that are already text: jsonl, jsonl.gz and parquet.

Used by ``corpusforge filter`` / ``dedup`` on existing corpora (mC4, CC-100 dumps, our
own ``docs/`` output). A row needs ``text``; ``id`` and ``url`` are optional (a missing
id becomes ``<file key>/<row number>``); every other column goes into metadata.
Broken lines are counted under ``bad_json`` / ``no_text`` and skipped.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, Iterator

from corpusforge.document import Document
from corpusforge.ids import document_id
from corpusforge.io.base import Reader, domain_of
from corpusforge.io.rows import PARQUET_BATCH_ROWS, read_rows

_RESERVED = ("id", "text", "url")


class TextReader(Reader):
    """Documents from one jsonl / jsonl.gz / parquet file, streamed in batches."""

    def __init__(self, path: str | Path, text_key: str = "text", id_key: str = "id", url_key: str = "url",
                 batch_size: int = PARQUET_BATCH_ROWS, name: str = "TextReader") -> None:
        super().__init__(path, name)
        self.text_key, self.id_key, self.url_key = text_key, id_key, url_key
        self.batch_size = batch_size

    def _rows(self) -> Iterator[dict[str, Any] | None]:
        try:
            yield from read_rows(self.path, batch_size=self.batch_size)
        except (EOFError, OSError, gzip.BadGzipFile):
            self.stats.count("read_error")

    def read(self) -> Iterator[Document]:
        for n, row in enumerate(self._rows()):
            if row is None:
                self.skip("bad_json")
                continue
            text = row.get(self.text_key)
            if not isinstance(text, str):
                self.skip("no_text")
                continue
            url = row.get(self.url_key) or ""
            doc_id = row.get(self.id_key)
            meta = {k: v for k, v in row.items() if k not in (self.text_key, self.id_key, self.url_key)}
            if "domain" not in meta:
                meta["domain"] = domain_of(url) if url else ""
            yield Document(id=str(doc_id) if doc_id is not None else document_id(self.key, n), text=text,
                           url=str(url), metadata=meta)
