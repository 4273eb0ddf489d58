"""Document ids, and the check every phase that joins by id runs first.

An id is ``<file key>/<position>`` (a WARC record offset, a row number). The file key
is the one that names the file's outputs: the base name, with a hash of the path added
when two inputs of a run share a base name (``crawlA/part-00000.warc.gz`` and
``crawlB/part-00000.warc.gz``), so two inputs of one run never give the same id, and an
id names the output file it lives in. Outputs written before keys named ids (the id
prefix was always the base name) read as before.

Ids from elsewhere (a text corpus's own ``id`` column, two runs joined together) carry no
such guarantee: :func:`check_unique_ids` refuses a join where one id is in two files,
naming both, instead of dropping or labelling the wrong document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np


def document_id(file_key: str, position: int) -> str:
    """The id of the document at ``position`` (record offset or row) of the file ``file_key``."""
    return f"{file_key}/{position}"


class DuplicateIdError(ValueError):
    """One document id in two files (or twice in one) of a join."""


@dataclass(frozen=True)
class IdSource:
    """A file of a join: its name (for the error), its file key if its ids were made by
    :func:`document_id` from it, and how to read its ids (called once, or twice on a hit)."""

    name: str
    key: str | None
    load: Callable[[], Any]


def check_unique_ids(sources: Iterable[IdSource]) -> None:
    """Raise :class:`DuplicateIdError` when any id occurs in two sources or twice in one.

    A file whose ids all start with its own key, a key no other source has and no id of
    another source starts with, cannot share an id with another file: only its own ids
    are compared (memory of one file). The others are compared through 64-bit hashes of
    their ids (12 bytes a document), and a hash hit is confirmed on the strings before
    it is reported.
    """
    sources = list(sources)
    key_count = Counter(s.key for s in sources if s.key is not None)
    hashes: dict[int, np.ndarray] = {}
    keyed: dict[str, int] = {}
    foreign_prefixes: set[str] = set()
    for i, src in enumerate(sources):
        ids = _as_strings(src.load())
        h = _hash(ids)
        order = np.argsort(h, kind="stable")
        for j in np.flatnonzero(h[order][1:] == h[order][:-1]):
            a, b = ids[int(order[j])], ids[int(order[j + 1])]
            if a == b:
                raise DuplicateIdError(f"document id {a!r} occurs twice in {src.name}")
        if src.key is not None and key_count[src.key] == 1 and _all_prefixed(ids, src.key + "/"):
            keyed[src.key] = i
        else:
            hashes[i] = h
            foreign_prefixes.update(x.rpartition("/")[0] for x in ids)
    for key in foreign_prefixes & keyed.keys():  # another file has ids that look like this file's
        hashes[keyed[key]] = _hash(_as_strings(sources[keyed[key]].load()))
    if not hashes:
        return
    h = np.concatenate(list(hashes.values()))
    owner = np.concatenate([np.full(len(v), i, dtype=np.int32) for i, v in hashes.items()])
    order = np.argsort(h, kind="stable")
    hs, os_ = h[order], owner[order]
    for j in np.flatnonzero((hs[1:] == hs[:-1]) & (os_[1:] != os_[:-1])):
        a, b = sorted((sources[int(os_[j])], sources[int(os_[j + 1])]), key=sources.index)
        common = set(_as_strings(a.load())) & set(_as_strings(b.load()))
        if common:
            raise DuplicateIdError(f"document id {min(common)!r} is in both {a.name} and {b.name} "
                                   f"({len(common)} shared ids): joining by id would mix their documents; "
                                   f"give the inputs distinct file names or process them in one run")


def _as_strings(ids: Any) -> Sequence[str]:
    if hasattr(ids, "to_pylist"):
        ids = ids.to_pylist()
    return [str(x) for x in ids]


def _hash(ids: Sequence[str]) -> np.ndarray:
    import polars as pl

    return pl.Series(ids, dtype=pl.String).hash(seed=0).to_numpy()


def _all_prefixed(ids: Sequence[str], prefix: str) -> bool:
    return all(x.startswith(prefix) for x in ids)
