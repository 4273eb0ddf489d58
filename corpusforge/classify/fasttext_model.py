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
EDU_CLASSES = tuple(str(c) for c in range(6))  # scores 0..5 of the additive rubric
N_CLASSES = len(EDU_CLASSES)


def label_token(label: int | str) -> str:
    return f"{LABEL_PREFIX}{label}"


class FastTextClassifier:
    """A supervised fastText model over the labels ``__label__<class>`` of a fixed class list.

    ``predict_proba`` returns an ``(n, len(classes))`` matrix in the order of ``classes``
    (the edu scores 0…5 by default, or the taxonomy keys of a category axis): a class the
    model never saw in training has probability 0. An input with no known word gets the
    model's prior-free answer from fastText, or all zeros if fastText returns nothing.
    """

    def __init__(self, model: object, classes: tuple[str, ...] | list[str] = EDU_CLASSES) -> None:
        self._model = model
        self._f = model.f  # type: ignore[attr-defined]
        self.classes = tuple(str(c) for c in classes)
        self._column = {label_token(c): i for i, c in enumerate(self.classes)}
        labels, _counts = self._f.getLabels("strict")
        unknown = [lab for lab in labels if lab not in self._column]
        if unknown:
            raise ValueError(f"the model has labels {unknown} outside the class list {list(self.classes)}")

    @classmethod
    def load(cls, path: str | Path, classes: tuple[str, ...] | list[str] = EDU_CLASSES) -> "FastTextClassifier":
        import fasttext  # heavy: loaded only when a model is
        import fasttext.FastText as ft_module

        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"fastText model not found: {p}")
        saved = ft_module.eprint
        ft_module.eprint = lambda *a, **k: None  # silence the load_model deprecation notice
        try:
            return cls(fasttext.load_model(str(p)), classes)
        finally:
            ft_module.eprint = saved

    def predict_proba(self, lines: list[str]) -> np.ndarray:
        """Class probabilities for pre-split lines (no newlines inside a line)."""
        out = np.zeros((len(lines), len(self.classes)), dtype=np.float64)
        if not lines:
            return out
        predict = self._f.predict
        column = self._column
        for row, line in enumerate(lines):
            try:
                pairs = predict(line + "\n", -1, 0.0, "strict")
            except (UnicodeError, RuntimeError, ValueError):
                pairs = predict(line.encode("utf-8", "replace").decode("utf-8") + "\n", -1, 0.0, "replace")
            values = out[row]
            for p, lab in pairs:
                col = column.get(lab)
                if col is not None:
                    values[col] = p
        np.clip(out, 0.0, 1.0, out=out)
        sums = out.sum(axis=1, keepdims=True)
        np.divide(out, sums, out=out, where=sums > 0)
        return out

    def save(self, path: str | Path) -> None:
        self._model.save_model(str(path))  # type: ignore[attr-defined]


def expected_scores(probs: np.ndarray) -> np.ndarray:
    """Σ label × probability per row (0.0 for a row of zeros)."""
    return probs @ np.arange(N_CLASSES, dtype=np.float64)
