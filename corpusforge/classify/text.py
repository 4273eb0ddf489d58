"""MeCab word splitting of the head of a document: the fastText input.

Training and scoring must see identical input, so both go through ``WakatiSplitter``
with the ``preprocess`` settings stored next to the model. Only the first
``max_chars`` characters are split: MeCab (unidic-lite) runs at about 1.6 M chars/s/core,
so splitting whole documents would cap scoring far below the 2,000 docs/s/core target.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# fallbacks when neither a recipe nor a model's model.json says otherwise; they mirror the
# shipped classifiers/train.yaml ``preprocess`` section (where the values are explained)
DEFAULT_PREPROCESS = {"max_chars": 500, "normalize": "NFKC", "lowercase": True}


def head_of(text: str, max_chars: int, normalize: str | None = "NFKC", lowercase: bool = True) -> str:
    """The part of ``text`` the classifier sees: first ``max_chars`` chars, one line.

    Whitespace runs of any kind become one space (fastText splits words on whitespace and a
    newline would end its line); NUL becomes a space (MeCab reads C strings)."""
    head = text[:max_chars]
    if normalize:
        head = unicodedata.normalize(normalize, head)
    if lowercase:
        head = head.lower()
    if "\x00" in head:
        head = head.replace("\x00", " ")
    return " ".join(head.split())  # str.split() splits on every Unicode whitespace run; faster than re


def _safe(text: str) -> str:
    """Replace lone surrogates, which cannot be passed to C libraries as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


class WakatiSplitter:
    """Splits document heads into space-separated words with MeCab ``-Owakati``."""

    def __init__(self, max_chars: int = DEFAULT_PREPROCESS["max_chars"], normalize: str | None = "NFKC",
                 lowercase: bool = True) -> None:
        import MeCab  # heavy: imported only when a splitter is built

        if max_chars <= 0:
            raise ValueError(f"max_chars must be positive, got {max_chars}")
        self.max_chars = int(max_chars)
        self.normalize = normalize or None
        self.lowercase = bool(lowercase)
        self._tagger = MeCab.Tagger("-Owakati")

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> "WakatiSplitter":
        merged = {**DEFAULT_PREPROCESS, **settings}
        return cls(max_chars=int(merged["max_chars"]), normalize=merged["normalize"],
                   lowercase=bool(merged["lowercase"]))

    def settings(self) -> dict[str, Any]:
        return {"max_chars": self.max_chars, "normalize": self.normalize, "lowercase": self.lowercase,
                "tokenizer": "mecab-unidic-lite-wakati"}

    def __call__(self, text: str) -> str:
        head = head_of(text, self.max_chars, self.normalize, self.lowercase)
        if not head:
            return ""
        try:
            words = self._tagger.parse(head)
        except (UnicodeEncodeError, TypeError):  # SWIG reports a lone surrogate as a TypeError
            words = self._tagger.parse(_safe(head))
        return words.rstrip()  # MeCab ends the line with " \n"; words never contain spaces

    def split_many(self, texts: list[str]) -> list[str]:
        return [self(t) for t in texts]
