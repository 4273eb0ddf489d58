"""Held-out split and the evaluation figures of the edu and category classifiers (scikit-learn)."""

from __future__ import annotations

import hashlib
from typing import Any, Sequence

import numpy as np

from corpusforge.classify.fasttext_model import N_CLASSES, expected_scores


def _rank(doc_id: str, seed: int) -> str:
    return hashlib.sha1(f"{seed}:{doc_id}".encode("utf-8")).hexdigest()


def stratified_split(ids: Sequence[str], strata: Sequence[Any], test_fraction: float,
                     seed: int) -> tuple[list[int], list[int]]:
    """Indices of train and test rows: per stratum, the ids with the smallest seeded hash go to test.

    A stratum is any hashable value: a label, or a (label, source) pair so that every
    source is represented in the held-out part. Deterministic and order-independent;
    adding labels later moves few old ids. A stratum with a single example stays in
    train (it cannot be both learned and tested).
    """
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    by_class: dict[Any, list[int]] = {}
    for i, lab in enumerate(strata):
        by_class.setdefault(lab, []).append(i)
    train, test = [], []
    for members in by_class.values():
        members.sort(key=lambda i: _rank(ids[i], seed))
        n_test = int(round(len(members) * test_fraction)) if len(members) >= 2 else 0
        n_test = min(n_test, len(members) - 1)
        test.extend(members[:n_test])
        train.extend(members[n_test:])
    return sorted(train), sorted(test)


def evaluate(y_true: Sequence[int], probs: np.ndarray, threshold: float = 3) -> dict[str, Any]:
    """Macro F1 (classes 0–5 present in ``y_true``), binary F1 at ``threshold``, Spearman, confusion.

    The binary decision is "expected score ≥ threshold" vs "LLM score ≥ threshold";
    ``binary_f1_rounded`` rounds the expected score first (FineWeb-Edu's convention,
    i.e. expected ≥ threshold − 0.5), which suits models whose probabilities are spread.
    """
    from scipy.stats import spearmanr
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score

    y = np.asarray(y_true, dtype=np.int64)
    n = int(y.size)
    out: dict[str, Any] = {"n": n, "threshold": threshold}
    if n == 0:
        out.update({"macro_f1": None, "accuracy": None, "binary_f1": None, "binary_precision": None,
                    "binary_recall": None, "binary_f1_rounded": None, "spearman": None, "mae": None,
                    "kept_share_pred": None,
                    "kept_share_true": None, "per_class_f1": {},
                    "confusion": [[0] * N_CLASSES for _ in range(N_CLASSES)]})
        return out
    pred = probs.argmax(axis=1)
    expected = expected_scores(probs)
    present = sorted(set(y.tolist()))
    per_class = f1_score(y, pred, labels=list(range(N_CLASSES)), average=None, zero_division=0)
    true_bin = y >= threshold
    pred_bin = expected >= threshold
    # FineWeb-Edu's convention: the predicted score is rounded before the threshold
    pred_bin_rounded = np.floor(expected + 0.5) >= threshold
    rho = None
    if np.unique(y).size > 1 and np.unique(expected).size > 1:
        value = float(spearmanr(expected, y).statistic)
        rho = value if value == value else None
    out.update({
        "macro_f1": float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y, pred)),
        "binary_f1": float(f1_score(true_bin, pred_bin, zero_division=0)),
        "binary_precision": float(precision_score(true_bin, pred_bin, zero_division=0)),
        "binary_recall": float(recall_score(true_bin, pred_bin, zero_division=0)),
        "binary_f1_rounded": float(f1_score(true_bin, pred_bin_rounded, zero_division=0)),
        "spearman": rho,
        "mae": float(np.abs(expected - y).mean()),
        "kept_share_pred": float(pred_bin.mean()),
        "kept_share_true": float(true_bin.mean()),
        "per_class_f1": {str(c): float(per_class[c]) for c in range(N_CLASSES)},
        "support": {str(c): int((y == c).sum()) for c in range(N_CLASSES)},
        "confusion": confusion_matrix(y, pred, labels=list(range(N_CLASSES))).tolist(),
    })
    return out


def evaluate_categories(y_true: Sequence[str], probs: np.ndarray, classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro F1 (over the classes present in ``y_true``), per-class F1 and confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    index = {c: i for i, c in enumerate(classes)}
    y = np.asarray([index[c] for c in y_true], dtype=np.int64)
    n = int(y.size)
    out: dict[str, Any] = {"n": n, "classes": list(classes)}
    if n == 0:
        out.update({"accuracy": None, "macro_f1": None, "per_class_f1": {}, "support": {},
                    "confusion": [[0] * len(classes) for _ in classes]})
        return out
    pred = probs.argmax(axis=1)
    present = sorted(set(y.tolist()))
    per_class = f1_score(y, pred, labels=list(range(len(classes))), average=None, zero_division=0)
    out.update({
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
        "per_class_f1": {c: float(per_class[i]) for i, c in enumerate(classes)},
        "support": {c: int((y == i).sum()) for i, c in enumerate(classes)},
        "confusion": confusion_matrix(y, pred, labels=list(range(len(classes)))).tolist(),
    })
    return out
