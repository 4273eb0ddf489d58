"""Readers: the sources of a pipeline. A reader is iterable and keeps stats like a stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

from corpusforge.document import Document
from corpusforge.pipeline import Pipeline
from corpusforge.stats import StageStats

INPUT_SUFFIXES = (".warc.gz", ".warc", ".jsonl.gz", ".jsonl", ".json.gz", ".parquet", ".arc.gz")


def file_key(path: str | Path) -> str:
    """A short, stable name for an input file: its base name without the data suffixes."""
    name = Path(path).name
    for suf in INPUT_SUFFIXES:
        if name.endswith(suf):
            return name[: -len(suf)]
    return Path(name).stem


def domain_of(url: str) -> str:
    """Lower-case host of a URL without port and trailing dot ('' when there is none)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


class Reader:
    """Base of readers. ``read()`` yields documents; drops are counted with a reason.

    ``key`` is the file key in the ids it makes (``corpusforge.ids.document_id``): the
    base name by default; a phase sets the key that names the file's outputs.

    A reader that can be read in segments (``segmented``) starts at ``start`` (a position
    an earlier segment left in ``resume_at``), stops at the first record boundary it can
    resume from once ``limit`` records are read, and leaves ``resume_at`` None when the
    file is done. Other readers ignore ``limit`` and read the whole file at once.
    """

    segmented = False

    def __init__(self, path: str | Path, name: str | None = None) -> None:
        self.path = Path(path)
        self.key = file_key(path)
        self.stats = StageStats(name or type(self).__name__)
        self.on_drop = None  # type: ignore[assignment]
        self.start = 0
        self.limit = 0
        self.resume_at: int | None = None

    def read(self) -> Iterator[Document]:
        raise NotImplementedError

    def skip(self, reason: str) -> None:
        """Count a record that never became a document (not written anywhere)."""
        self.stats.docs_in += 1
        self.stats.drop(reason)

    def __iter__(self) -> Iterator[Document]:
        st = self.stats
        for doc in self.read():
            st.docs_in += 1
            st.docs_out += 1
            st.chars_out += len(doc.text)
            yield doc

    def __or__(self, other: Any) -> Pipeline:
        return Pipeline([], source=self) | other
