"""Megatron-LM's indexed dataset (``.bin`` / ``.idx``): writer and a small reader.

``.idx`` layout (little endian): ``MMIDIDX\\x00\\x00``, ``<Q`` version 1, ``<B`` dtype code,
``<Q`` sequence count, ``<Q`` document count (documents + 1), then int32 sequence
lengths, int64 byte pointers into ``.bin``, int64 document indices (0, 1, …, n). One
sequence per document, so the document indices are ``arange(n + 1)``. ``.bin`` is the
raw token array.

A shard is written as ``<prefix>.bin.tmp`` / ``<prefix>.idx.tmp`` and renamed ``.idx``
first, then ``.bin``: a killed writer never leaves a ``.bin`` without its ``.idx``.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
DTYPE_CODES: dict[type, int] = {np.uint8: 1, np.int8: 2, np.int16: 3, np.int32: 4, np.int64: 5,
                                np.float64: 6, np.float32: 7, np.uint16: 8}
CODE_DTYPES = {code: np.dtype(t) for t, code in DTYPE_CODES.items()}
UINT16_VOCAB_LIMIT = 65_500  # Megatron's preprocess_data.py uses uint16 below this vocabulary size


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every token id fits (Megatron's rule), else int32."""
    return np.dtype(np.uint16) if vocab_size < UINT16_VOCAB_LIMIT else np.dtype(np.int32)


class IndexedDatasetWriter:
    """Appends documents (token arrays) to one ``.bin`` and writes its ``.idx`` on commit."""

    def __init__(self, prefix: str | Path, dtype: np.dtype) -> None:
        self.prefix = Path(prefix)
        self.dtype = np.dtype(dtype)
        if self.dtype.type not in DTYPE_CODES:
            raise ValueError(f"dtype {self.dtype} has no Megatron code")
        self.prefix.parent.mkdir(parents=True, exist_ok=True)
        self._bin_tmp = self.prefix.with_name(self.prefix.name + ".bin.tmp")
        self._idx_tmp = self.prefix.with_name(self.prefix.name + ".idx.tmp")
        self._bin = open(self._bin_tmp, "wb")
        self._lengths: list[np.ndarray] = []
        self.tokens = 0
        self.documents = 0

    def add(self, tokens: np.ndarray, lengths: np.ndarray) -> None:
        """Append documents: ``tokens`` is their concatenation, ``lengths`` one entry per document."""
        self._bin.write(np.ascontiguousarray(tokens, dtype=self.dtype).tobytes())
        self._lengths.append(np.asarray(lengths, dtype=np.int32))
        self.tokens += int(tokens.size)
        self.documents += int(len(lengths))

    def commit(self) -> tuple[Path, Path]:
        """Flush, write the index and rename both files (``.idx`` first)."""
        self._bin.flush()
        os.fsync(self._bin.fileno())
        self._bin.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int32)
        write_index(self._idx_tmp, lengths, self.dtype)
        idx = self.prefix.with_name(self.prefix.name + ".idx")
        bin_ = self.prefix.with_name(self.prefix.name + ".bin")
        os.replace(self._idx_tmp, idx)
        os.replace(self._bin_tmp, bin_)
        return bin_, idx

    def abort(self) -> None:
        self._bin.close()
        self._bin_tmp.unlink(missing_ok=True)
        self._idx_tmp.unlink(missing_ok=True)


def write_index(path: str | Path, lengths: np.ndarray, dtype: np.dtype) -> None:
    """The ``.idx`` of documents with ``lengths`` tokens each, one sequence per document."""
    lengths = np.asarray(lengths, dtype=np.int32)
    n = int(lengths.size)
    pointers = np.zeros(n, dtype=np.int64)
    if n > 1:
        np.cumsum(lengths[:-1].astype(np.int64) * np.dtype(dtype).itemsize, out=pointers[1:])
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<Q", VERSION))
        f.write(struct.pack("<B", DTYPE_CODES[np.dtype(dtype).type]))
        f.write(struct.pack("<Q", n))
        f.write(struct.pack("<Q", n + 1))
        f.write(lengths.tobytes())
        f.write(pointers.tobytes())
        f.write(np.arange(n + 1, dtype=np.int64).tobytes())
        f.flush()
        os.fsync(f.fileno())


class IndexedDataset:
    """Reads a ``.bin`` / ``.idx`` pair (memory-mapped): ``len(ds)``, ``ds[i]`` -> token array."""

    def __init__(self, prefix: str | Path) -> None:
        self.prefix = Path(prefix)
        idx = self.prefix.with_name(self.prefix.name + ".idx")
        with open(idx, "rb") as f:
            head = f.read(len(MAGIC) + 8 + 1 + 8 + 8)
        if head[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{idx}: not a Megatron index (bad magic)")
        version, code, n, n_docs = struct.unpack("<QBQQ", head[len(MAGIC):])
        if version != VERSION:
            raise ValueError(f"{idx}: index version {version}, expected {VERSION}")
        self.dtype = CODE_DTYPES[code]
        off = len(head)
        raw = np.memmap(idx, mode="r", dtype=np.uint8)
        self.lengths = np.frombuffer(raw, dtype=np.int32, count=n, offset=off)
        self.pointers = np.frombuffer(raw, dtype=np.int64, count=n, offset=off + 4 * n)
        self.document_indices = np.frombuffer(raw, dtype=np.int64, count=n_docs, offset=off + 12 * n)
        bin_ = self.prefix.with_name(self.prefix.name + ".bin")
        self.tokens = np.memmap(bin_, mode="r", dtype=self.dtype) if bin_.stat().st_size else np.zeros(0, self.dtype)

    def __len__(self) -> int:
        return int(self.lengths.size)

    def __getitem__(self, i: int) -> np.ndarray:
        start = int(self.pointers[i]) // self.dtype.itemsize
        return np.asarray(self.tokens[start: start + int(self.lengths[i])])
