"""A UT1 blocklist as sorted 64-bit hashes in memory-mapped files, shared by every worker.

The full UT1 lists hold millions of domains; as a Python dict that is hundreds of MB in
every worker process. Here each domain is three array entries — its 64-bit hash (sorted),
a 32-bit check hash of another function, and the index of its category set — plus a
bitmap of the hashes' top bits (one byte a domain) that answers most unlisted hosts
without a search. They are written once to a cache folder and memory-mapped by every
process that filters, so the pages are shared through the page cache whatever the
worker count.

A host is blocked when the (hash, check) pair of the host or of one of its parent domains
is in the arrays: two distinct domains would need to agree on 96 bits to be confused,
and two listed domains that share a 64-bit hash (the build counts them) stay apart by
their check hash. The cache folder is named by a fingerprint of the requested categories
and the size and modification time of each ``domains`` file, so an updated list is
rebuilt; building writes a temporary folder and renames it, so concurrent workers never
read a partial index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from bisect import bisect_left
from pathlib import Path
from typing import Iterable

import numpy as np
import xxhash

from corpusforge.filters.domains import read_domains

#: the layout of an index folder; a change rebuilds every cached index
INDEX_FORMAT = 2
#: bitmap size: a power of two of at least this many bits per domain (at 8: ~1 bit in 13 set)
BITMAP_BITS_PER_DOMAIN = 8
CACHE_ENV = "CORPUSFORGE_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$CORPUSFORGE_CACHE_DIR``, else ``$XDG_CACHE_HOME/corpusforge``, else ``~/.cache/corpusforge``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "corpusforge"


def domain_hash(domain: str) -> int:
    return xxhash.xxh3_64_intdigest(domain.encode("utf-8"))


def domain_check(domain: str) -> int:
    return xxhash.xxh32_intdigest(domain.encode("utf-8"), seed=0x5EED)


class BlocklistIndex:
    """Sorted ``hashes`` (uint64), their ``checks`` (uint32) and ``sets`` (uint16 index into
    ``labels``, each a comma-joined category set), a ``filter`` bitmap of the hashes' top
    bits (about one bit in 13 set), and the requested categories the folder lacks."""

    def __init__(self, hashes: np.ndarray, checks: np.ndarray, sets: np.ndarray, bitmap: np.ndarray,
                 labels: list[str], missing: list[str], folder: Path | None = None) -> None:
        self.hashes, self.checks, self.sets, self.bitmap = hashes, checks, sets, bitmap
        self.labels, self.missing, self.folder = labels, missing, folder
        # plain memoryviews: an item is a Python int, so a lookup costs no NumPy call
        self._hashes = memoryview(np.ascontiguousarray(hashes)).cast("B").cast("Q")
        self._bits = memoryview(np.ascontiguousarray(bitmap)).cast("B")
        self._shift = 64 - (len(bitmap) * 8).bit_length() + 1

    def __len__(self) -> int:
        return len(self.hashes)

    def categories(self, hosts: Iterable[str]) -> str | None:
        """The categories of the first listed entry of ``hosts`` (most specific first), or None.

        Most hosts are not listed: one bit of the bitmap rejects most of them without a
        search; the rest are found by binary search and confirmed by the check hash.
        """
        bits, shift, hashes = self._bits, self._shift, self._hashes
        for host in hosts:
            h = domain_hash(host)
            b = h >> shift
            if not (bits[b >> 3] >> (b & 7)) & 1:
                continue
            j = bisect_left(hashes, h)
            if j == len(hashes) or hashes[j] != h:
                continue
            check = domain_check(host)
            while j < len(hashes) and hashes[j] == h:  # listed domains sharing 64 bits: the check decides
                if self.checks[j] == check:
                    return self.labels[int(self.sets[j])]
                j += 1
        return None


def open_index(folder: Path, categories: list[str] | None, cache_dir: Path | None = None) -> BlocklistIndex:
    """The index of ``folder``'s categories, built into the cache on first use, then memory-mapped."""
    wanted = categories if categories is not None else sorted(
        p.name for p in folder.iterdir() if (p / "domains").is_file())
    files = {cat: folder / cat / "domains" for cat in wanted}
    present = {cat: f for cat, f in files.items() if f.is_file()}
    fp = hashlib.sha256(json.dumps({
        "format": INDEX_FORMAT, "wanted": sorted(wanted),
        "files": {c: [str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for c, f in sorted(present.items())},
    }, sort_keys=True).encode()).hexdigest()[:20]
    root = (cache_dir or default_cache_dir()) / "blocklists" / fp
    if not (root / "meta.json").is_file():
        _build(present, sorted(set(wanted) - set(present)), root)
    meta = json.loads((root / "meta.json").read_text(encoding="utf-8"))
    arrays = [np.load(root / f"{name}.npy", mmap_mode="r") for name in ("hashes", "checks", "sets", "bitmap")]
    return BlocklistIndex(*arrays, meta["labels"], meta["missing"], root)


def _build(files: dict[str, Path], missing: list[str], root: Path) -> None:
    names = sorted(files)
    hashes, checks, cats = [], [], []
    for ci, cat in enumerate(names):
        domains = read_domains(files[cat])
        hashes.append(np.fromiter((domain_hash(d) for d in domains), dtype=np.uint64, count=len(domains)))
        checks.append(np.fromiter((domain_check(d) for d in domains), dtype=np.uint32, count=len(domains)))
        cats.append(np.full(len(domains), ci, dtype=np.uint16))
        del domains
    h = np.concatenate(hashes) if hashes else np.empty(0, np.uint64)
    c = np.concatenate(checks) if checks else np.empty(0, np.uint32)
    k = np.concatenate(cats) if cats else np.empty(0, np.uint16)
    del hashes, checks, cats
    order = np.lexsort((k, c, h))
    h, c, k = h[order], c[order], k[order]
    del order
    first = np.ones(len(h), dtype=bool)  # the first row of each domain (its category rows follow)
    first[1:] = (h[1:] != h[:-1]) | (c[1:] != c[:-1])
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], len(h))
    labels = list(names)  # a single category: its own index
    sets = k[starts].copy()
    seen: dict[tuple[int, ...], int] = {}
    for i in np.flatnonzero(ends - starts > 1):  # listed in several categories (or twice in one)
        combo = tuple(sorted(set(k[starts[i]:ends[i]].tolist())))
        if len(combo) > 1:
            if combo not in seen:
                seen[combo] = len(labels)
                labels.append(",".join(names[j] for j in combo))
            sets[i] = seen[combo]
    if len(labels) > np.iinfo(np.uint16).max:
        raise ValueError(f"{len(labels)} distinct category sets: more than the index holds")
    uh, uc, rows = h[starts], c[starts], len(h)
    del h, c, k
    collisions = int(np.count_nonzero(uh[1:] == uh[:-1]))
    nbits = 1 << max(16, (BITMAP_BITS_PER_DOMAIN * len(uh)).bit_length())
    present = np.zeros(nbits, dtype=bool)
    present[(uh >> np.uint64(64 - nbits.bit_length() + 1)).astype(np.int64)] = True
    bitmap = np.packbits(present, bitorder="little")
    del present
    tmp = root.with_name(f".{root.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.save(tmp / "hashes.npy", uh)
    np.save(tmp / "checks.npy", uc)
    np.save(tmp / "sets.npy", sets)
    np.save(tmp / "bitmap.npy", bitmap)
    (tmp / "meta.json").write_text(json.dumps({
        "format": INDEX_FORMAT, "labels": labels, "missing": missing, "domains": len(uh),
        "rows": rows, "hash64_collisions": collisions}, indent=1), encoding="utf-8")
    try:
        os.rename(tmp, root)
    except OSError:  # another process finished the same index first: use that one
        shutil.rmtree(tmp, ignore_errors=True)
        if not (root / "meta.json").is_file():
            raise
