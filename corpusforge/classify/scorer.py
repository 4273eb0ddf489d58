"""Scoring texts with the trained classifiers (library / notebook API).

>>> from corpusforge.classify import CategoryScorer, EduScorer
>>> EduScorer().score(["光合成とは、植物が…", "今だけ送料無料！"])        # expected scores, 0.0–5.0
>>> CategoryScorer().predict(["今だけ送料無料！"], axis="format")       # [("ad_shop", 0.93)]
>>> CategoryScorer().proba(texts, axis="topic")                       # polars DataFrame, a column per class

``CategoryScorer`` runs the edu, format and topic models on one MeCab split of each text
(the three share their preprocessing), so adding the category axes costs fastText lookups,
not a second or third pass of MeCab.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corpusforge.classify.fasttext_model import EDU_CLASSES, FastTextClassifier, expected_scores
from corpusforge.classify.text import DEFAULT_PREPROCESS, WakatiSplitter
from corpusforge.config import ConfigError, resolve_data_path
from corpusforge.resources import data_dir

if TYPE_CHECKING:
    import polars as pl

DEFAULT_BATCH = 256
SHIPPED_MODELS = {"edu": ("edu",), "format": ("category", "format"), "topic": ("category", "topic")}


def default_model_path(axis: str = "edu") -> Path:
    """Where the shipped starter model of an axis lives (``classifiers/edu/model.ftz``,
    ``classifiers/category/<axis>/model.ftz``)."""
    return data_dir("classifiers").joinpath(*SHIPPED_MODELS[axis], "model.ftz")


def resolve_model_path(model_path: str | Path | None, axis: str = "edu") -> Path:
    """The model file, or a clear ``FileNotFoundError`` naming where it was expected."""
    if model_path is None:
        p = default_model_path(axis)
        if not p.is_file():
            raise FileNotFoundError(f"the starter {axis} model is not installed at {p}; train one with "
                                    f"`corpusforge classifier train --axis {axis}` and pass its model.ftz")
        return p
    p = Path(model_path)
    if p.is_dir():
        p = p / "model.ftz"
    if not p.is_file():
        raise FileNotFoundError(f"{axis} model not found: {p}")
    return p


def resolve_configured_model(path: str | None, config_dir: str | None, axis: str) -> Path:
    """A stage's model setting: the shipped model when None, else a path resolved like every
    config path (relative to the config file, then the shipped data)."""
    if path is None:
        return resolve_model_path(None, axis)
    try:
        found = resolve_data_path(path, Path(config_dir) if config_dir else None)
    except ConfigError:
        raise FileNotFoundError(f"{axis} model not found: {path}") from None
    return resolve_model_path(found, axis)


def read_model_meta(model_file: Path) -> dict[str, Any]:
    """Axis, classes and preprocessing stored next to a model (``model.json``); edu defaults if absent."""
    meta: dict[str, Any] = {"preprocess": dict(DEFAULT_PREPROCESS), "threshold": 3}
    meta_file = model_file.with_name("model.json")
    if meta_file.is_file():
        with open(meta_file, encoding="utf-8") as f:
            meta.update(json.load(f))
    meta.setdefault("axis", "edu")
    meta.setdefault("classes", list(EDU_CLASSES))
    meta["classes"] = [str(c) for c in meta["classes"]]
    return meta


class TextClassifier:
    """One trained model (any axis) with the preprocessing it was trained with."""

    def __init__(self, model_path: str | Path | None = None, axis: str = "edu",
                 batch_size: int = DEFAULT_BATCH) -> None:
        self.model_path = resolve_model_path(model_path, axis)
        self.meta = read_model_meta(self.model_path)
        self.axis = str(self.meta["axis"])
        self.classes = tuple(self.meta["classes"])
        self.preprocess = {k: v for k, v in (self.meta.get("preprocess") or {}).items() if k != "tokenizer"}
        self.model = FastTextClassifier.load(self.model_path, self.classes)
        self.batch_size = max(1, int(batch_size))
        self._splitter: WakatiSplitter | None = None

    @property
    def splitter(self) -> WakatiSplitter:
        if self._splitter is None:
            self._splitter = WakatiSplitter.from_settings(self.preprocess)
        return self._splitter

    def predict_proba_lines(self, lines: list[str]) -> np.ndarray:
        """Probabilities for texts already split by a splitter with this model's preprocessing."""
        return self.model.predict_proba(lines)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """``(n, len(classes))`` probabilities, in the order of ``classes``."""
        parts = []
        split = self.splitter
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start:start + self.batch_size]
            parts.append(self.model.predict_proba([split(t if isinstance(t, str) else "") for t in chunk]))
        return np.vstack(parts) if parts else np.zeros((0, len(self.classes)))


class EduScorer(TextClassifier):
    """The edu model: expected scores Σ score × probability."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = DEFAULT_BATCH) -> None:
        super().__init__(model_path, "edu", batch_size)
        if self.axis != "edu":
            raise ValueError(f"{self.model_path} is a {self.axis} model, not an edu model")

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Most likely score (int) and the probability matrix."""
        probs = self.predict_proba(texts)
        return probs.argmax(axis=1).astype(np.int64), probs

    def score(self, texts: list[str]) -> np.ndarray:
        """Expected score Σ score × probability per text (float, 0.0–5.0)."""
        return expected_scores(self.predict_proba(texts))


class CategoryScorer:
    """The format and topic models (and optionally the edu model) over one MeCab split per text.

    Models whose preprocessing differs are split separately (correct, just slower); the
    shipped three share theirs.
    """

    def __init__(self, format_model: str | Path | None = None, topic_model: str | Path | None = None,
                 edu_model: str | Path | None = None, edu: bool = True, batch_size: int = DEFAULT_BATCH) -> None:
        self.models: dict[str, TextClassifier] = {
            "format": TextClassifier(format_model, "format", batch_size),
            "topic": TextClassifier(topic_model, "topic", batch_size),
        }
        if edu:
            self.models["edu"] = EduScorer(edu_model, batch_size)
        for axis, m in self.models.items():
            if m.axis != axis:
                raise ValueError(f"{m.model_path} is a {m.axis} model, given as the {axis} model")
        self.batch_size = max(1, int(batch_size))

    def classes(self, axis: str) -> tuple[str, ...]:
        return self._model(axis).classes

    def _model(self, axis: str) -> TextClassifier:
        if axis not in self.models:
            raise ValueError(f"unknown axis {axis!r}; loaded: {', '.join(self.models)}")
        return self.models[axis]

    def predict_all(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Probability matrix per axis; each text is split once per distinct preprocessing."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        out: dict[str, list[np.ndarray]] = {axis: [] for axis in self.models}
        groups: dict[str, list[TextClassifier]] = {}
        for m in self.models.values():
            groups.setdefault(json.dumps(m.preprocess, sort_keys=True), []).append(m)
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start:start + self.batch_size]
            for members in groups.values():
                split = members[0].splitter
                lines = [split(t) for t in chunk]
                for m in members:
                    out[m.axis].append(m.predict_proba_lines(lines))
        return {axis: (np.vstack(parts) if parts else np.zeros((0, len(self.models[axis].classes))))
                for axis, parts in out.items()}

    def predict(self, texts: list[str], axis: str = "format") -> list[tuple[str, float]]:
        """(most likely class, its probability) per text."""
        model = self._model(axis)
        probs = model.predict_proba(texts)
        best = probs.argmax(axis=1) if len(texts) else np.zeros(0, dtype=np.int64)
        return [(model.classes[int(j)], float(probs[i, j])) for i, j in enumerate(best)]

    def proba(self, texts: list[str], axis: str = "format") -> "pl.DataFrame":
        """One Float64 column per class of ``axis``, one row per text."""
        import polars as pl  # deferred on purpose: scoring in a pipeline does not need polars (~23 MiB a process)

        model = self._model(axis)
        probs = model.predict_proba(texts)
        return pl.DataFrame({c: probs[:, j] for j, c in enumerate(model.classes)},
                            schema={c: pl.Float64 for c in model.classes})
