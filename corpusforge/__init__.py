"""corpusforge: CommonCrawl WARC files to a clean, deduplicated Japanese corpus.

Library use, streaming in constant memory::

    import corpusforge as cf

    pipe = cf.read_warc("CC-MAIN-...warc.gz") | cf.Pipeline.from_config("pipeline")
    for doc in pipe:
        print(doc.id, doc.metadata["ja_per_nonspace"], doc.text[:40])
    print(pipe.stats().to_dict())

A whole run (extract, dedup, apply) here or on a cluster::

    cf.Run(["a.warc.gz"], "out").execute(cf.LocalExecutor(workers=4))
    cf.Run(["a.warc.gz"], "out").execute(cf.SlurmExecutor(partition="cpu", wait=True))
"""

from __future__ import annotations

import os

# pyarrow's default allocator (mimalloc) keeps the pages of every row group a long file
# task has built, out of reach of ``corpusforge.heap.trim_heap``; pyarrow reads this once,
# when it is first imported, so it is set before any corpusforge module imports pyarrow.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from corpusforge.document import Document  # noqa: E402
from corpusforge.pipeline import Pipeline, TaskContext  # noqa: E402
from corpusforge.registry import register  # noqa: E402
from corpusforge.stage import Filter, Mapper, Stage  # noqa: E402
from corpusforge.stats import StageStats, Stats  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Document",
    "Filter",
    "Mapper",
    "Pipeline",
    "Stage",
    "StageStats",
    "Stats",
    "TaskContext",
    "read_documents",
    "read_warc",
    "register",
    "Run",
    "LocalExecutor",
    "ArrayExecutor",
    "SlurmExecutor",
    "SgeExecutor",
    "PbsExecutor",
]

_LAZY = {"Run": "corpusforge.run", "LocalExecutor": "corpusforge.executors.base",
         "ArrayExecutor": "corpusforge.executors.base", "SlurmExecutor": "corpusforge.executors.slurm",
         "SgeExecutor": "corpusforge.executors.sge", "PbsExecutor": "corpusforge.executors.pbs"}


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    """The run API is imported on first use: it pulls in numpy / pyarrow for the dedup phase,
    which streaming library use does not need."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'corpusforge' has no attribute {name!r}")


# The two readers are imported when called, on purpose: ``import corpusforge`` (and every
# extraction task, which imports the package) must not load warcio, pyarrow and numpy.
def read_warc(path: str, **kwargs):  # type: ignore[no-untyped-def]
    """Stream the HTML ``response`` records of one WARC file as raw documents."""
    from corpusforge.io.warc import WarcReader

    return WarcReader(path, **kwargs)


def read_documents(path: str, **kwargs):  # type: ignore[no-untyped-def]
    """Stream text documents from a jsonl / jsonl.gz / parquet file."""
    from corpusforge.io.readers import TextReader

    return TextReader(path, **kwargs)
