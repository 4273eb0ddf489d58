"""The ``CategoryScore`` annotate stage: format, topic (and edu score) on every document."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from corpusforge.classify.fasttext_model import expected_scores
from corpusforge.classify.host_rules import HostRules
from corpusforge.classify.model_stage import ModelStage
from corpusforge.classify.scorer import CategoryScorer, resolve_configured_model
from corpusforge.config import ConfigError, resolve_data_path
from corpusforge.document import Document


class CategoryScore(ModelStage):
    """Adds ``format``, ``format_prob``, ``format_source``, ``topic``, ``topic_prob``,
    ``topic_source`` and, with ``edu`` (default), ``edu_score`` / ``edu_label``.

    Host rules (``classifiers/category/host_rules.yaml``) decide an axis first (source
    ``rule``, probability 1.0); the models decide the rest (source ``model``). The three
    models read one MeCab split of the document's first characters. ``probabilities: true``
    also writes the full vectors (``format_probs``, ``topic_probs``, in taxonomy order).
    Empty texts are counted under ``empty_text``; they get the models' answer for no words
    and, as in ``EduScore``, an edu score of 0.
    """

    def __init__(self, format_model: str | None = None, topic_model: str | None = None,
                 edu_model: str | None = None, edu: bool = True, host_rules: str | None = None,
                 probabilities: bool = False, batch_size: int = 256, config_dir: str | None = None,
                 name: str | None = None) -> None:
        super().__init__(batch_size, name)
        self.model_paths = {"format": resolve_configured_model(format_model, config_dir, "format"),
                            "topic": resolve_configured_model(topic_model, config_dir, "topic")}
        if edu:
            self.model_paths["edu"] = resolve_configured_model(edu_model, config_dir, "edu")
        rules_path = None
        if host_rules is not None:
            try:
                rules_path = resolve_data_path(host_rules, Path(config_dir) if config_dir else None)
            except ConfigError:
                raise FileNotFoundError(f"host rules file not found: {host_rules}") from None
        self.rules = HostRules.load(rules_path)
        self.edu = bool(edu)
        self.probabilities = bool(probabilities)

    def load_scorer(self) -> CategoryScorer:
        return CategoryScorer(self.model_paths["format"], self.model_paths["topic"], self.model_paths.get("edu"),
                              edu=self.edu, batch_size=self.batch_size)

    def score_batch(self, batch: list[Document]) -> Iterator[Document]:
        scorer = self.scorer
        probs = scorer.predict_all([d.text for d in batch])
        for i, doc in enumerate(batch):
            if not doc.text.strip():
                self.stats.count("empty_text")
            decided = self.rules.lookup(doc.url)
            for axis in ("format", "topic"):
                classes = scorer.classes(axis)
                row = probs[axis][i]
                if axis in decided:
                    label, prob, source = decided[axis], 1.0, "rule"
                    self.stats.count(f"{axis}_rule")
                else:
                    j = int(np.argmax(row))
                    label, prob, source = classes[j], float(row[j]), "model"
                doc.metadata[axis] = label
                doc.metadata[f"{axis}_prob"] = round(prob, 4)
                doc.metadata[f"{axis}_source"] = source
                if self.probabilities:
                    doc.metadata[f"{axis}_probs"] = [round(float(v), 4) for v in row]
            if self.edu:  # as EduScore: an empty text scores 0
                row = probs["edu"][i]
                empty = not doc.text.strip()
                doc.metadata["edu_score"] = 0.0 if empty else round(float(expected_scores(row[None, :])[0]), 4)
                doc.metadata["edu_label"] = 0 if empty else int(np.argmax(row))
            yield doc

    def __repr__(self) -> str:
        paths = ", ".join(f"{k}={str(v)!r}" for k, v in self.model_paths.items())
        return f"CategoryScore({paths})"
