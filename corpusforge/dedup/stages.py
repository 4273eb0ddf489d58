"""Pipeline stages of deduplication: in-file exact dedup, signatures, applying drop lists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import xxhash

from corpusforge.config import load_config
from corpusforge.dedup.minhash import MinHasher, MinHashParams, load_minhash_params
from corpusforge.dedup.normalize import normalize_for_dedup
from corpusforge.dedup.sigfile import SUFFIX, SignatureWriter, parse_date, parse_score
from corpusforge.document import Document
from corpusforge.ids import IdSource, check_unique_ids
from corpusforge.pipeline import TaskContext
from corpusforge.stage import Filter, Stage

_PART_SUFFIX = re.compile(r"\.p\d+$")


def text_hash_hex(normalized: str) -> str:
    """The ``text_hash`` metadata value: xxh3-64 of the normalised text, 16 hex digits."""
    return f"{xxhash.xxh3_64_intdigest(normalized.encode('utf-8', 'surrogatepass')):016x}"


class ExactDedup(Filter):
    """Drops repeats of the same normalised text within one input file (``exact_duplicate``).

    The scope is one input file on purpose: the result then does not depend on how files
    are grouped into tasks or on which files a resumed task still had to do. Repeats
    across files are found by the dedup phase, which buckets on the same hash.
    """

    def __init__(self, lowercase: bool = True, digits_to_zero: bool = False) -> None:
        super().__init__()
        self.lowercase = lowercase
        self.digits_to_zero = digits_to_zero
        self.seen: set[str] = set()

    def setup(self, ctx: TaskContext) -> None:
        self.seen = set()

    def segment_state(self) -> set[str]:
        return self.seen

    def resume_segment(self, state: set[str]) -> None:
        self.seen = set(state)

    def check(self, doc: Document) -> str | None:
        h = text_hash_hex(normalize_for_dedup(doc.text, self.lowercase, self.digits_to_zero))
        doc.metadata["text_hash"] = h
        if h in self.seen:
            return "exact_duplicate"
        self.seen.add(h)
        return None


class MinHashSignatures(Stage):
    """Computes the MinHash band keys of every document and writes them as a side output.

    Writes ``OUT/signatures/<file key>.minhash.parquet`` (see ``sigfile``) through
    ``ctx.side_output`` so a killed task leaves only a temporary file. Documents pass
    through unchanged; empty texts get no signature (counter ``signature_empty``) and a
    second document with an id already seen in the file neither (``signature_duplicate_id``),
    since drop lists are keyed by id.
    """

    def __init__(self, minhash: str | Mapping[str, Any] = "dedup", shingle: str | None = None,
                 ngram: int | None = None, bands: int | None = None, rows: int | None = None,
                 seed: int | None = None, date_column: str | None = None, score_column: str | None = None) -> None:
        super().__init__()
        self.params: MinHashParams = load_minhash_params(minhash, shingle=shingle, ngram=ngram, bands=bands,
                                                         rows=rows, seed=seed)
        columns = _preset_columns(minhash)
        self.date_column = date_column or columns.get("date_column", "warc_date")
        self.score_column = score_column or columns.get("score_column", "edu_score")
        self.hasher = MinHasher(self.params)
        self.writer: SignatureWriter | None = None
        self._ids: set[str] = set()

    def setup(self, ctx: TaskContext) -> None:
        self.writer = SignatureWriter(ctx.side_output("signatures", SUFFIX), self.params)
        self._ids = set()

    def finish(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def segment_state(self) -> set[str]:
        return self._ids

    def resume_segment(self, state: set[str]) -> None:
        self._ids = set(state)

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        if self.writer is None:
            raise RuntimeError("MinHashSignatures writes signature files: run it inside a phase "
                               "(or call setup(ctx) with a TaskContext first)")
        for doc in docs:
            self.sign(doc)
            yield doc

    def sign(self, doc: Document) -> None:
        assert self.writer is not None
        hasher = self.hasher
        norm = hasher.normalize(doc.text)
        if not norm:
            self.stats.count("signature_empty")
            return
        if doc.id in self._ids:
            self.stats.count("signature_duplicate_id")
            return
        self._ids.add(doc.id)
        sig = hasher.signature(norm, normalized=True)
        meta = doc.metadata
        self.writer.add(doc.id, len(doc.text), parse_date(meta.get(self.date_column)),
                        parse_score(meta.get(self.score_column)), hasher.text_hash(norm), hasher.band_keys(sig))
        self.stats.count("signatures")


def _preset_columns(minhash: str | Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(minhash, str):
        return {}
    section = load_config(minhash).get("dedup") or {}
    return {k: str(section[k]) for k in ("date_column", "score_column") if k in section}


class NearDuplicateFilter(Filter):
    """Drops the documents of the dedup drop list (``near_duplicate``), keyed by document id.

    ``drop_list`` is the ``OUT/dedup/drop`` folder (one parquet per signature file key) or
    one parquet file with an ``id`` column. Inside a phase only the file of the current
    input key is loaded; an unknown key (documents re-sharded since) loads the whole list,
    so the result never depends on how documents are grouped into files. Every document
    gets ``dedup_cluster`` (the index of the kept document of its cluster, -1 if none) and
    ``dedup_cluster_size`` (1 if none), from ``clusters/`` next to ``drop/`` when present.
    """

    def __init__(self, drop_list: str = "dedup/drop", config_dir: str | None = None) -> None:
        super().__init__()
        self.drop_list = Path(drop_list)
        self.config_dir = config_dir
        self._drops: dict[str, tuple[int, int]] | None = None
        self._kept: dict[str, tuple[int, int]] = {}
        self._key: str | None = None
        self._root: Path | None = None

    def _resolve(self, ctx: TaskContext | None) -> Path:
        p = self.drop_list
        if p.is_absolute() or p.exists() or ctx is None:
            return p
        return ctx.output_dir / p

    def setup(self, ctx: TaskContext) -> None:
        self._root = self._resolve(ctx)
        self._key = ctx.file_key
        self._drops = None

    def _load(self) -> None:
        root = self._root if self._root is not None else self._resolve(None)
        if not root.exists():
            raise FileNotFoundError(f"drop list not found: {root} (run the dedup phase first)")
        if root.is_file():
            drop_files, cluster_files = [root], []
        else:
            drop_files = cluster_files = []
            for key in filter(None, (self._key, _PART_SUFFIX.sub("", self._key or ""))):
                if (root / f"{key}.parquet").exists():
                    drop_files = [root / f"{key}.parquet"]
                    cluster_files = [p for p in [root.parent / "clusters" / f"{key}.parquet"] if p.exists()]
                    break
            else:
                drop_files = sorted(root.glob("*.parquet"))
                cluster_files = sorted((root.parent / "clusters").glob("*.parquet"))
                if self._key is not None:
                    self.stats.count("drop_list_full_load")
        self._drops = _read_cluster_rows(drop_files)
        self._kept = _read_cluster_rows(cluster_files)

    def check(self, doc: Document) -> str | None:
        if self._drops is None:
            self._load()
        assert self._drops is not None
        hit = self._drops.get(doc.id)
        cluster, size = hit if hit is not None else self._kept.get(doc.id, (-1, 1))
        doc.metadata["dedup_cluster"] = cluster
        doc.metadata["dedup_cluster_size"] = size
        return "near_duplicate" if hit is not None else None


def _read_cluster_rows(files: list[Path]) -> dict[str, tuple[int, int]]:
    import pyarrow.parquet as pq

    if len(files) > 1:  # one dict for several files: an id in two of them would be one entry
        check_unique_ids(IdSource(str(f), None, lambda f=f: pq.read_table(f, columns=["id"]).column("id"))
                         for f in files)
    out: dict[str, tuple[int, int]] = {}
    for f in files:
        t = pq.read_table(f)
        ids = t.column("id").to_pylist()
        clusters = t.column("dedup_cluster").to_pylist() if "dedup_cluster" in t.column_names else [-1] * len(ids)
        sizes = t.column("dedup_cluster_size").to_pylist() if "dedup_cluster_size" in t.column_names else [1] * len(ids)
        out.update(zip(ids, zip(clusters, sizes)))
    return out
