"""The ``EduScore`` annotate stage: ``edu_score`` and ``edu_label`` on every document."""

from __future__ import annotations

from typing import Iterator

from corpusforge.classify.fasttext_model import expected_scores
from corpusforge.classify.model_stage import ModelStage
from corpusforge.classify.scorer import EduScorer, resolve_configured_model
from corpusforge.document import Document


class EduScore(ModelStage):
    """Scores documents in batches with the edu classifier; optionally drops low scorers.

    ``edu_score``: expected score Σ score × probability (float, 0–5); ``edu_label``: the
    most likely score. With ``min_score`` set, documents below it are dropped with reason
    ``low_edu_score``. Only the first characters of a text are read (the model's
    ``max_chars``), so huge documents cost the same as short ones. Empty texts get
    score 0.0 and are counted under ``empty_text``.
    """

    def __init__(self, model: str | None = None, min_score: float | None = None, batch_size: int = 256,
                 config_dir: str | None = None, name: str | None = None) -> None:
        super().__init__(batch_size, name)
        self.model_path = resolve_configured_model(model, config_dir, "edu")
        self.min_score = None if min_score is None else float(min_score)

    def load_scorer(self) -> EduScorer:
        return EduScorer(self.model_path, batch_size=self.batch_size)

    def score_batch(self, batch: list[Document]) -> Iterator[Document]:
        labels, probs = self.scorer.predict([d.text for d in batch])
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

    def __repr__(self) -> str:
        return f"EduScore(model={str(self.model_path)!r}, min_score={self.min_score})"
