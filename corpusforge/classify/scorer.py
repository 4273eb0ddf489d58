"""``EduScorer``: educational-value scores for lists of texts (library / notebook API).

>>> from corpusforge.classify import EduScorer
>>> scorer = EduScorer()                    # the shipped starter model
>>> scorer.score(["光合成とは、植物が…", "今だけ送料無料！"])   # expected scores, 0.0–5.0
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from corpusforge.classify.fasttext_model import FastTextClassifier, expected_scores

DEFAULT_BATCH = 256


def default_model_path() -> Path:
    """Where the shipped starter model lives (``classifiers/edu/model.ftz``)."""
    from corpusforge.resources import data_dir

    return data_dir("classifiers") / "edu" / "model.ftz"


def resolve_model_path(model_path: str | Path | None) -> Path:
    """The model file, or a clear ``FileNotFoundError`` naming where it was expected."""
    if model_path is None:
        p = default_model_path()
        if not p.is_file():
            raise FileNotFoundError(f"the starter edu model is not installed at {p}; train one with "
                                    "`corpusforge classifier train` and pass its model.ftz as model_path")
        return p
    p = Path(model_path)
    if p.is_dir():
        p = p / "model.ftz"
    if not p.is_file():
        raise FileNotFoundError(f"edu model not found: {p}")
    return p


def read_model_meta(model_file: Path) -> dict[str, Any]:
    """The preprocessing stored next to a model (``model.json``); defaults if absent."""
    meta_file = model_file.with_name("model.json")
    if meta_file.is_file():
        with open(meta_file, encoding="utf-8") as f:
            return json.load(f)
    from corpusforge.classify.text import DEFAULT_PREPROCESS

    return {"preprocess": dict(DEFAULT_PREPROCESS), "threshold": 3}


class EduScorer:
    """Loads a trained edu model and scores texts in batches (MeCab split + fastText)."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = DEFAULT_BATCH) -> None:
        from corpusforge.classify.text import WakatiSplitter

        self.model_path = resolve_model_path(model_path)
        self.meta = read_model_meta(self.model_path)
        self.splitter = WakatiSplitter.from_settings(self.meta.get("preprocess") or {})
        self.model = FastTextClassifier.load(self.model_path)
        self.batch_size = max(1, int(batch_size))

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """``(n, 6)`` probabilities of scores 0..5."""
        parts = []
        split = self.splitter
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start:start + self.batch_size]
            parts.append(self.model.predict_proba([split(t if isinstance(t, str) else "") for t in chunk]))
        return np.vstack(parts) if parts else np.zeros((0, 6))

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Most likely score (int) and the probability matrix."""
        probs = self.predict_proba(texts)
        return probs.argmax(axis=1).astype(np.int64), probs

    def score(self, texts: list[str]) -> np.ndarray:
        """Expected score Σ score × probability per text (float, 0.0–5.0)."""
        return expected_scores(self.predict_proba(texts))
