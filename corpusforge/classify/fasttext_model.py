"""The one place that calls fastText for prediction.

fasttext-wheel 0.9.2's Python ``predict()`` calls ``np.array(..., copy=False)``, which
NumPy 2 rejects; prediction therefore goes straight to the C++ binding here and nowhere
else. It uses ``model.f.predict`` per line: in 0.9.2, ``model.f.multilinePredict`` with
``k=-1`` returns the right labels but every probability of a line equal to the top one
(checked in tests/test_classify_train.py), which would make expected scores wrong.
A per-line call costs a few microseconds; MeCab dominates scoring time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LABEL_PREFIX = "__label__"
N_CLASSES = 6  # scores 0..5 of the additive rubric
_COLUMN = {f"{LABEL_PREFIX}{c}": c for c in range(N_CLASSES)}


def label_token(score: int) -> str:
    return f"{LABEL_PREFIX}{int(score)}"


class FastTextClassifier:
    """A supervised fastText model over labels ``__label__0`` … ``__label__5``.

    ``predict_proba`` returns an ``(n, 6)`` matrix: a class the model never saw in
    training has probability 0. An input with no known word gets the model's
    prior-free answer from fastText, or all zeros if fastText returns nothing.
    """

    def __init__(self, model: object) -> None:
        self._model = model
        self._f = model.f  # type: ignore[attr-defined]
        labels, _counts = self._f.getLabels("strict")
        self._classes = sorted(int(lab[len(LABEL_PREFIX):]) for lab in labels)

    @classmethod
    def load(cls, path: str | Path) -> "FastTextClassifier":
        import fasttext
        import fasttext.FastText as ft_module

        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"fastText model not found: {p}")
        saved = ft_module.eprint
        ft_module.eprint = lambda *a, **k: None  # silence the load_model deprecation notice
        try:
            return cls(fasttext.load_model(str(p)))
        finally:
            ft_module.eprint = saved

    @property
    def classes(self) -> list[int]:
        return list(self._classes)

    def predict_proba(self, lines: list[str]) -> np.ndarray:
        """Class probabilities for pre-split lines (no newlines inside a line)."""
        out = np.zeros((len(lines), N_CLASSES), dtype=np.float64)
        if not lines:
            return out
        predict = self._f.predict
        column = _COLUMN
        for row, line in enumerate(lines):
            try:
                pairs = predict(line + "\n", -1, 0.0, "strict")
            except (UnicodeError, RuntimeError, ValueError):
                pairs = predict(line.encode("utf-8", "replace").decode("utf-8") + "\n", -1, 0.0, "replace")
            for p, lab in pairs:
                col = column.get(lab)
                if col is not None:
                    out[row, col] = min(max(p, 0.0), 1.0)
        sums = out.sum(axis=1, keepdims=True)
        np.divide(out, sums, out=out, where=sums > 0)
        return out

    def save(self, path: str | Path) -> None:
        self._model.save_model(str(path))  # type: ignore[attr-defined]


def expected_scores(probs: np.ndarray) -> np.ndarray:
    """Σ label × probability per row (0.0 for a row of zeros)."""
    return probs @ np.arange(N_CLASSES, dtype=np.float64)
