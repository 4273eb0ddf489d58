"""Document classifiers: the LLM-labelled educational-value classifier.

The loop: sample documents → an LLM labels them with ``classifiers/edu/prompt_ja.md``
(``corpusforge label``) → train fastText on the labels (``corpusforge classifier train``)
→ score every document (the ``EduScore`` stage, or ``EduScorer`` from a notebook).
Heavy libraries (MeCab, fastText, scikit-learn) load only when used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EduScorer", "EduPrompt", "import_replies", "parse_reply", "parse_score", "read_labels"]

_EXPORTS = {
    "EduScorer": "corpusforge.classify.scorer",
    "EduPrompt": "corpusforge.classify.prompt",
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
