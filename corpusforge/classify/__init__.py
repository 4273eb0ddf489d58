"""Document classifiers: educational value, format and topic, learnt from one LLM labelling pass.

The loop: sample documents → an LLM labels each with ``classifiers/label/prompt_ja.md``
(edu score, format, topic in one reply; ``corpusforge label``) → train one fastText model
per axis (``corpusforge classifier train --axis edu|format|topic``) → annotate every
document (the ``CategoryScore`` stage, or ``CategoryScorer`` / ``EduScorer`` from a notebook).
Heavy libraries (MeCab, fastText, scikit-learn) load only when used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CategoryScorer", "EduScorer", "LabelPrompt", "Taxonomy", "import_replies", "parse_labels",
           "parse_reply", "parse_score", "read_labels"]

_EXPORTS = {
    "CategoryScorer": "corpusforge.classify.scorer",
    "EduScorer": "corpusforge.classify.scorer",
    "Taxonomy": "corpusforge.classify.taxonomy",
    "parse_labels": "corpusforge.classify.parse",
    "LabelPrompt": "corpusforge.classify.prompt",
    "import_replies": "corpusforge.classify.labels",
    "read_labels": "corpusforge.classify.labels",
    "parse_reply": "corpusforge.classify.parse",
    "parse_score": "corpusforge.classify.parse",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'corpusforge.classify' has no attribute {name!r}")
