"""The ``EduScore`` annotate stage: ``edu_score`` and ``edu_label`` on every document."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from corpusforge.document import Document
from corpusforge.stage import Stage


class EduScore(Stage):
    """Scores documents in batches with the edu classifier; optionally drops low scorers.

    ``edu_score``: expected score Σ score × probability (float, 0–5); ``edu_label``: the
    most likely score. With ``min_score`` set, documents below it are dropped with reason
    ``low_edu_score``. Only the first characters of a text are read (the model's
    ``max_chars``), so huge documents cost the same as short ones. Empty texts get
    score 0.0 and are counted under ``empty_text``.
    """

    def __init__(self, model: str | None = None, min_score: float | None = None, batch_size: int = 256,
                 config_dir: str | None = None, name: str | None = None) -> None:
        super().__init__(name)
        from corpusforge.classify.scorer import resolve_model_path

        self.model_path = self._resolve(model, config_dir, resolve_model_path)
        self.min_score = None if min_score is None else float(min_score)
        self.batch_size = max(1, int(batch_size))
        self._scorer: Any = None

    @staticmethod
    def _resolve(model: str | None, config_dir: str | None, resolve: Any) -> Path:
        if model is None:
            return resolve(None)
        from corpusforge.config import ConfigError, resolve_data_path

        try:
            path = resolve_data_path(model, Path(config_dir) if config_dir else None)
        except ConfigError:
            raise FileNotFoundError(f"edu model not found: {model}") from None
        return resolve(path)

    def _load(self) -> Any:
        if self._scorer is None:
            from corpusforge.classify.scorer import EduScorer

            self._scorer = EduScorer(self.model_path, batch_size=self.batch_size)
        return self._scorer

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_scorer"] = None  # fastText / MeCab objects do not pickle; reloaded in the worker
        return state

    def _score_batch(self, batch: list[Document]) -> Iterator[Document]:
        from corpusforge.classify.fasttext_model import expected_scores

        labels, probs = self._load().predict([d.text for d in batch])
        scores = expected_scores(probs)
        for doc, label, score in zip(batch, labels, scores):
            if not doc.text.strip():
                self.stats.count("empty_text")
                label, score = 0, 0.0
            doc.metadata["edu_score"] = round(float(score), 4)
            doc.metadata["edu_label"] = int(label)
            if self.min_score is not None and score < self.min_score:
                self.drop(doc, "low_edu_score")
            else:
                yield doc

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= self.batch_size:
                yield from self._score_batch(batch)
                batch = []
        if batch:
            yield from self._score_batch(batch)

    def __repr__(self) -> str:
        return f"EduScore(model={str(self.model_path)!r}, min_score={self.min_score})"
