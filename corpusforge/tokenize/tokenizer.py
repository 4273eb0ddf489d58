"""A tokenizer loaded by path, with the EOS (and optional BOS) every shard document gets.

Accepts a Hugging Face ``tokenizer.json`` (or a directory holding one) and, when the
optional ``sentencepiece`` package is installed, a SentencePiece ``.model``. The EOS
token is never guessed: it is given, or read from the ``tokenizer_config.json`` beside
the tokenizer (or from the SentencePiece model itself), and it must be in the
vocabulary; otherwise loading fails with an error naming the file and the token.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from corpusforge.tokenize.fast_bpe import exact_fast_encoder


class TokenizerError(ValueError):
    """A tokenizer that cannot be used for shards (missing file, unknown EOS / BOS)."""


@dataclass(frozen=True)
class EncodedBatch:
    """Token ids of a batch of documents, concatenated, and each document's length."""

    tokens: np.ndarray
    lengths: np.ndarray


class TextTokenizer:
    """Encodes documents to token ids ending in EOS (and starting with BOS if asked)."""

    def __init__(self, path: str | Path, eos: str | None = None, bos: str | None = None) -> None:
        self.path = _resolve(Path(path))
        self._hf: Any = None
        self._sp: Any = None
        self._fast: Any = None  # exact tiktoken equivalent of a byte-level BPE, when it fits
        config = _tokenizer_config(self.path)
        if self.path.suffix == ".model":
            self._load_sentencepiece()
            if eos is None and self._sp.eos_id() >= 0:  # the model defines its own EOS
                eos = self._sp.id_to_piece(self._sp.eos_id())
        else:
            from tokenizers import Tokenizer  # the `tokenizers` Rust library

            try:
                self._hf = Tokenizer.from_file(str(self.path))
            except Exception as e:  # noqa: BLE001  (any parse error of a bad file)
                raise TokenizerError(f"{self.path}: not a Hugging Face tokenizer.json ({e})") from None
            self._fast = exact_fast_encoder(self.path, self._hf)
            self._special = [t.content for t in self._hf.get_added_tokens_decoder().values()]
        eos = eos or config.get("eos_token")
        if not eos:
            raise TokenizerError(f"{self.path}: no EOS token given and no eos_token in a tokenizer_config.json "
                                 f"beside it; pass the EOS token explicitly (e.g. --eos '</s>')")
        self.eos_token = eos
        self.eos_id = self._require_id(eos, "EOS")
        self.bos_token = bos
        self.bos_id = self._require_id(bos, "BOS") if bos else None
        self.vocab_size = (self._hf.get_vocab_size(with_added_tokens=True) if self._hf is not None
                           else int(self._sp.get_piece_size()))

    def _load_sentencepiece(self) -> None:
        try:
            import sentencepiece as spm  # optional dependency, only for .model files
        except ImportError:
            raise TokenizerError(f"{self.path}: a SentencePiece model needs the 'sentencepiece' package "
                                 f"(pip install sentencepiece)") from None
        self._sp = spm.SentencePieceProcessor(model_file=str(self.path))

    def _require_id(self, token: str, role: str) -> int:
        if self._hf is not None:
            tid = self._hf.token_to_id(token)
        else:
            tid = self._sp.piece_to_id(token)
            tid = None if tid == self._sp.unk_id() and token != self._sp.id_to_piece(tid) else tid
        if tid is None:
            special = [t.content for t in self._hf.get_added_tokens_decoder().values()] if self._hf else []
            raise TokenizerError(f"{self.path}: the {role} token {token!r} is not in the vocabulary"
                                 + (f" (special tokens: {', '.join(special)})" if special else ""))
        return int(tid)

    @property
    def dtype(self) -> np.dtype:
        from corpusforge.tokenize.indexed import token_dtype

        return token_dtype(self.vocab_size)

    def fingerprint(self) -> str:
        """Identifies the tokenizer file and its EOS / BOS (shards made with another differ)."""
        h = hashlib.sha256(self.path.read_bytes())
        h.update(f"|{self.eos_token}|{self.bos_token}".encode())
        return h.hexdigest()[:16]

    def encode_texts(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, without EOS / BOS."""
        if self._fast is not None:
            specials = self._special
            encode = self._fast.encode_ordinary
            out = []
            for t in texts:
                if any(s in t for s in specials):  # the tokenizers library matches added tokens first
                    out.append(self._hf.encode(t, add_special_tokens=False).ids)
                else:
                    out.append(encode(t))
            return out
        if self._hf is not None:
            return [e.ids for e in self._hf.encode_batch_fast(list(texts), add_special_tokens=False)]
        return self._sp.encode(list(texts))

    @property
    def engine(self) -> str:
        """Which library encodes: ``tiktoken-exact``, ``tokenizers`` or ``sentencepiece``."""
        return "tiktoken-exact" if self._fast is not None else "tokenizers" if self._hf is not None else "sentencepiece"

    def encode_documents(self, texts: Sequence[str]) -> EncodedBatch:
        """Ids of each document followed by EOS (after BOS if set), concatenated."""
        ids = self.encode_texts(texts)
        for x in ids:
            x.append(self.eos_id)
        if self.bos_id is not None:
            for x in ids:
                x.insert(0, self.bos_id)
        lengths = np.fromiter(map(len, ids), dtype=np.int32, count=len(ids))
        tokens = np.fromiter(chain.from_iterable(ids), dtype=self.dtype, count=int(lengths.sum()))
        return EncodedBatch(tokens, lengths)

    def decode(self, ids: Sequence[int]) -> str:
        if self._hf is not None:
            return self._hf.decode(list(ids), skip_special_tokens=False)
        return self._sp.decode(list(ids))


def _resolve(path: Path) -> Path:
    if path.is_dir():
        for name in ("tokenizer.json", "tokenizer.model"):
            if (path / name).is_file():
                return path / name
        raise TokenizerError(f"{path}: directory holds no tokenizer.json or tokenizer.model")
    if not path.is_file():
        raise TokenizerError(f"{path}: tokenizer file does not exist")
    return path


def _tokenizer_config(path: Path) -> dict[str, Any]:
    cfg = path.parent / "tokenizer_config.json"
    if not cfg.is_file():
        return {}
    try:
        data = json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise TokenizerError(f"{cfg}: unreadable ({e})") from None
    eos = data.get("eos_token")
    if isinstance(eos, dict):  # transformers writes AddedToken objects as dicts
        data["eos_token"] = eos.get("content")
    return data
