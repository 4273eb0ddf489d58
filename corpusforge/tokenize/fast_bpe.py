"""An exact, faster encoder for byte-level BPE ``tokenizer.json`` files (GPT-2 style).

A byte-level BPE whose token ids follow its merge order is encoded identically by
tiktoken's rank-based BPE (merge the adjacent pair whose joined token has the lowest
id), at about three times the speed of the ``tokenizers`` library on one core. This
module builds that encoder only when the file provably fits: a plain ``BPE`` model
(no dropout, byte fallback, prefixes or suffixes), no normalizer, the ``ByteLevel``
pre-tokenizer with its GPT-2 pattern and no prefix space, every merge producing a new
token whose id grows with the merge order, and identical ids on a probe text.
Otherwise ``None``, and the caller keeps the ``tokenizers`` library. Texts that contain
an added (special) token's string are left to the caller as well, since the
``tokenizers`` library matches those before BPE.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
PROBE = ("東京都の人口は約1400万人です。 Hello, world! It's 2024-01-01.\n\n  改行と  空白\tタブ、"
         "ｶﾀｶﾅ ①② 🎉 naïve café's")


def _byte_decoder() -> dict[str, int]:
    """The GPT-2 byte <-> printable character map, inverted."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def exact_fast_encoder(path: Path, hf_tokenizer: Any) -> Any | None:
    """A tiktoken ``Encoding`` equivalent to ``hf_tokenizer`` for ordinary text, or None."""
    try:
        import tiktoken  # noqa: F401  (optional speed-up; the tokenizers library works without it)
        from tiktoken.core import Encoding
    except ImportError:
        return None
    spec = json.loads(path.read_text(encoding="utf-8"))
    model = spec.get("model") or {}
    pre = spec.get("pre_tokenizer") or {}
    if (model.get("type") != "BPE" or model.get("dropout") or model.get("byte_fallback")
            or model.get("continuing_subword_prefix") or model.get("end_of_word_suffix")
            or spec.get("normalizer") is not None or pre.get("type") != "ByteLevel"
            or pre.get("add_prefix_space") or not pre.get("use_regex", True)):
        return None
    special = {t["content"] for t in spec.get("added_tokens") or []}
    decoder = _byte_decoder()
    ranks: dict[bytes, int] = {}
    try:
        for token, tid in model["vocab"].items():
            if token in special:
                continue
            ranks[bytes(decoder[c] for c in token)] = int(tid)
    except KeyError:  # a token outside the byte alphabet
        return None
    if not _merges_follow_ids(model, special):
        return None
    try:
        enc = Encoding("corpusforge-exact", pat_str=GPT2_PATTERN, mergeable_ranks=ranks, special_tokens={})
    except Exception:  # noqa: BLE001  (ranks tiktoken refuses: not a consistent byte-level BPE)
        return None
    if enc.encode_ordinary(PROBE) != hf_tokenizer.encode(PROBE, add_special_tokens=False).ids:
        return None
    return enc


def _merges_follow_ids(model: dict[str, Any], special: set[str]) -> bool:
    """Each merge makes a distinct token, with ids growing in merge order."""
    vocab = model["vocab"]
    last = -1
    made: set[str] = set()
    for m in model.get("merges") or []:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        joined = a + b
        tid = vocab.get(joined)
        if tid is None or tid <= last or joined in made or joined in special:
            return False
        made.add(joined)
        last = tid
    return True
