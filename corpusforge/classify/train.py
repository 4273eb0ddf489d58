"""Training and evaluating the edu classifier from an LLM labels file.

``train_classifier`` joins labels to document texts by id, splits off a stratified
held-out set, trains fastText on MeCab-split document heads, quantizes it to
``model.ftz``, and evaluates it and a scikit-learn linear baseline (hashed character
n-grams + logistic regression) on the same held-out set. It writes ``model.ftz``,
``model.json`` (the preprocessing the scorer must repeat), ``metrics.json`` and
``MODEL_CARD.md``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpusforge.classify.documents import document_files, load_texts
from corpusforge.classify.evaluate import evaluate, stratified_split
from corpusforge.classify.fasttext_model import N_CLASSES, FastTextClassifier, label_token
from corpusforge.classify.labels import read_labels_table
from corpusforge.classify.text import WakatiSplitter, head_of
from corpusforge.io.atomic import atomic_write_text

MODEL_FILE = "model.ftz"
MODEL_META = "model.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"


class TrainingError(ValueError):
    """Training cannot proceed (no usable labels, one class only, ...)."""


@dataclass
class LabelledSet:
    """Labelled documents joined to their texts, plus what was left out and why."""

    ids: list[str]
    texts: list[str]
    scores: list[int]
    sources: list[str]
    label_rows: int
    unparseable: int
    unknown_ids: int
    unknown_examples: list[str]
    multi_labelled: int
    models: Counter
    labellers: Counter
    prompt_hashes: Counter


def source_of(doc_id: str, row: dict[str, Any]) -> str:
    """Where a document comes from, for the model card: ``source`` column, else id prefix / domain."""
    src = row.get("source")
    if isinstance(src, str) and src:
        return src
    if doc_id.startswith(("debian:", "synth:")):
        head = doc_id.split("/", 1)[0]
        return head
    dom = row.get("domain")
    return f"web:{dom}" if isinstance(dom, str) and dom else "other"


def load_labelled_set(labels_path: str | Path, docs_path: str | Path) -> LabelledSet:
    """Labels with a score, joined to texts; unknown ids are counted, not fatal.

    An id labelled more than once (several labellers) gets the rounded mean score.
    """
    table = read_labels_table(labels_path)
    rows = table.to_pylist()
    by_id: dict[str, list[int]] = {}
    unparseable = 0
    models, labellers, hashes = Counter(), Counter(), Counter()
    for r in rows:
        if r["score"] is None:
            unparseable += 1
            continue
        by_id.setdefault(r["id"], []).append(int(r["score"]))
        models[r["model"] or "?"] += 1
        labellers[r["labeller"] or "?"] += 1
        hashes[r["prompt_hash"] or "?"] += 1
    docs = load_texts(document_files(docs_path), set(by_id), extra=("source", "domain"))
    ids, texts, scores, sources, unknown = [], [], [], [], []
    for doc_id in sorted(by_id):
        row = docs.get(doc_id)
        if row is None:
            unknown.append(doc_id)
            continue
        vals = by_id[doc_id]
        ids.append(doc_id)
        texts.append(row["text"])
        scores.append(int(np.floor(np.mean(vals) + 0.5)))
        sources.append(source_of(doc_id, row))
    return LabelledSet(ids, texts, scores, sources, label_rows=len(rows), unparseable=unparseable,
                       unknown_ids=len(unknown), unknown_examples=unknown[:5],
                       multi_labelled=sum(len(v) > 1 for v in by_id.values()), models=models,
                       labellers=labellers, prompt_hashes=hashes)


def _fasttext_params(recipe: dict[str, Any]) -> dict[str, Any]:
    params = {"lr": 0.3, "epoch": 30, "wordNgrams": 2, "dim": 64, "bucket": 200000, "minCount": 1,
              "loss": "softmax", "thread": 1, "seed": 42}
    params.update(recipe.get("fasttext") or {})
    if params.get("loss") not in ("softmax", "ova"):
        raise TrainingError("fasttext.loss must be softmax or ova (class probabilities are needed)")
    return params


def train_fasttext(lines: list[str], scores: list[int], recipe: dict[str, Any], workdir: Path) -> tuple[Any, Path]:
    """Train (not yet quantized); returns the fastText model and its training file."""
    import fasttext

    train_file = workdir / "train.txt"
    with open(train_file, "w", encoding="utf-8") as f:
        for line, score in zip(lines, scores):
            f.write(f"{label_token(score)} {line}\n")
    params = _fasttext_params(recipe)
    model = fasttext.train_supervised(input=str(train_file), verbose=0, **params)
    return model, train_file


def quantize(model: Any, train_file: Path, recipe: dict[str, Any]) -> None:
    q = {"cutoff": 20000, "retrain": True, "qnorm": True, "dsub": 2}
    q.update(recipe.get("quantize") or {})
    try:
        model.quantize(input=str(train_file), cutoff=int(q["cutoff"]), retrain=bool(q["retrain"]),
                       qnorm=bool(q["qnorm"]), dsub=int(q["dsub"]), verbose=0)
    except (RuntimeError, ValueError) as e:
        raise TrainingError(f"fastText quantization failed ({e}); with wordNgrams 1 the vocabulary must have "
                            "at least 256 words — use more data or wordNgrams >= 2") from None


def baseline_probs(train_texts: list[str], train_scores: list[int], test_texts: list[str],
                   recipe: dict[str, Any], preprocess: dict[str, Any]) -> np.ndarray:
    """Hashed character n-grams + logistic regression; (n_test, 6) class probabilities."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression

    b = {"ngram_min": 1, "ngram_max": 3, "n_features": 262144, "C": 4.0, "max_iter": 2000,
         "max_chars": preprocess["max_chars"]}
    b.update(recipe.get("baseline") or {})
    vec = HashingVectorizer(analyzer="char", ngram_range=(int(b["ngram_min"]), int(b["ngram_max"])),
                            n_features=int(b["n_features"]), alternate_sign=False, norm="l2")

    def prep(texts: list[str]) -> list[str]:
        return [head_of(t, int(b["max_chars"]), preprocess.get("normalize", "NFKC"),
                        bool(preprocess.get("lowercase", True))) for t in texts]

    out = np.zeros((len(test_texts), N_CLASSES))
    if not test_texts:
        return out
    classes = sorted(set(train_scores))
    if len(classes) == 1:
        out[:, classes[0]] = 1.0
        return out
    clf = LogisticRegression(C=float(b["C"]), max_iter=int(b["max_iter"]))
    clf.fit(vec.transform(prep(train_texts)), np.asarray(train_scores))
    probs = clf.predict_proba(vec.transform(prep(test_texts)))
    for j, c in enumerate(clf.classes_):
        out[:, int(c)] = probs[:, j]
    return out


def train_classifier(labels_path: str | Path, docs_path: str | Path, recipe: dict[str, Any],
                     output_dir: str | Path, log: Any = None) -> dict[str, Any]:
    """The whole training run; returns the metrics written to ``metrics.json``."""
    t0 = time.perf_counter()
    say = log or (lambda msg: None)
    out_dir = Path(output_dir)
    data = load_labelled_set(labels_path, docs_path)
    say(f"labels: {data.label_rows} rows, {len(data.ids)} usable, {data.unparseable} unparseable, "
        f"{data.unknown_ids} with unknown ids")
    if len(set(data.scores)) < 2:
        raise TrainingError(f"need labelled documents of at least two score classes, got "
                            f"{len(data.ids)} documents of classes {sorted(set(data.scores))}")
    split_cfg = {"test_fraction": 0.2, "seed": 13}
    split_cfg.update(recipe.get("split") or {})
    threshold = (recipe.get("eval") or {}).get("threshold", 3)
    train_idx, test_idx = stratified_split(data.ids, data.scores, float(split_cfg["test_fraction"]),
                                           int(split_cfg["seed"]))
    splitter = WakatiSplitter.from_settings(recipe.get("preprocess") or {})
    lines = splitter.split_many(data.texts)
    tr_lines = [lines[i] for i in train_idx]
    tr_scores = [data.scores[i] for i in train_idx]
    te_lines = [lines[i] for i in test_idx]
    te_scores = [data.scores[i] for i in test_idx]
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cf-train-") as tmp:
        model, train_file = train_fasttext(tr_lines, tr_scores, recipe, Path(tmp))
        full_metrics = evaluate(te_scores, FastTextClassifier(model).predict_proba(te_lines), threshold)
        quantize(model, train_file, recipe)
        final = out_dir / MODEL_FILE
        tmp_model = out_dir / f".{MODEL_FILE}.{os.getpid()}.tmp"
        model.save_model(str(tmp_model))
        os.replace(tmp_model, final)
    clf = FastTextClassifier.load(final)
    ft_metrics = evaluate(te_scores, clf.predict_proba(te_lines), threshold)
    base_metrics = evaluate(te_scores, baseline_probs([data.texts[i] for i in train_idx], tr_scores,
                                                      [data.texts[i] for i in test_idx], recipe,
                                                      splitter.settings()), threshold)
    meta = {"format": "corpusforge.edu-classifier/1", "preprocess": splitter.settings(), "threshold": threshold,
            "classes": list(range(N_CLASSES)), "prompt_hashes": dict(data.prompt_hashes)}
    metrics = {
        "data": {"label_rows": data.label_rows, "documents": len(data.ids), "unparseable": data.unparseable,
                 "unknown_ids": data.unknown_ids, "unknown_id_examples": data.unknown_examples,
                 "multi_labelled_ids": data.multi_labelled,
                 "score_distribution": {str(c): data.scores.count(c) for c in range(N_CLASSES)},
                 "sources": dict(Counter(data.sources).most_common()),
                 "models": dict(data.models), "labellers": dict(data.labellers),
                 "prompt_hashes": dict(data.prompt_hashes)},
        "split": {"train": len(train_idx), "test": len(test_idx), **split_cfg},
        "fasttext": ft_metrics,
        "fasttext_unquantized": full_metrics,
        "baseline": base_metrics,
        "model": {"file": MODEL_FILE, "bytes": final.stat().st_size, "fasttext": _fasttext_params(recipe),
                  "preprocess": splitter.settings()},
        "recipe": recipe.get("_path", ""),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    atomic_write_text(out_dir / MODEL_META, json.dumps(meta, ensure_ascii=False, indent=1))
    atomic_write_text(out_dir / METRICS_FILE, json.dumps(metrics, ensure_ascii=False, indent=1))
    atomic_write_text(out_dir / CARD_FILE, model_card(metrics))
    return metrics


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _confusion_md(conf: list[list[int]]) -> str:
    head = "| LLM score \\ predicted | " + " | ".join(str(c) for c in range(N_CLASSES)) + " |"
    sep = "|---|" + "---:|" * N_CLASSES
    rows = [f"| **{i}** | " + " | ".join(str(v) for v in row) + " |" for i, row in enumerate(conf)]
    return "\n".join([head, sep, *rows])


def model_card(m: dict[str, Any]) -> str:
    """The model card: data, labelling, both evaluations, use and limits."""
    d, s, ft, base, fu = m["data"], m["split"], m["fasttext"], m["baseline"], m["fasttext_unquantized"]
    thr = ft["threshold"]
    rows = [("macro F1 (0–5 classes present)", "macro_f1"), ("accuracy", "accuracy"),
            (f"binary F1 (expected score ≥ {thr})", "binary_f1"), ("binary precision", "binary_precision"),
            ("binary recall", "binary_recall"),
            (f"binary F1 (rounded expected score ≥ {thr})", "binary_f1_rounded"),
            ("Spearman ρ (expected score vs LLM)", "spearman"),
            ("mean absolute error of expected score", "mae"),
            (f"share predicted ≥ {thr} (LLM: {_fmt(ft['kept_share_true'])})", "kept_share_pred")]
    table = ["| metric | fastText (model.ftz) | fastText before quantization | baseline (char n-grams + LR) |",
             "|---|---:|---:|---:|"]
    table += [f"| {name} | {_fmt(ft.get(k))} | {_fmt(fu.get(k))} | {_fmt(base.get(k))} |" for name, k in rows]
    sources = "\n".join(f"| {k} | {v} |" for k, v in list(d["sources"].items())[:20])
    dist = " · ".join(f"{k}: {v}" for k, v in d["score_distribution"].items())
    labellers = ", ".join(f"`{k}` ({v})" for k, v in d["labellers"].items())
    models = ", ".join(f"`{k}` ({v})" for k, v in d["models"].items())
    hashes = ", ".join(f"`{k}` ({v})" for k, v in d["prompt_hashes"].items())
    pre = m["model"]["preprocess"]
    return f"""# Educational-value classifier (Japanese) — model card

fastText supervised classifier predicting the 0–5 additive educational-value score that an
LLM gives a Japanese document under the prompt `classifiers/edu/prompt_ja.md`. Scoring uses
the expected value Σ score × probability (`edu_score`) and the most likely class (`edu_label`).

## Data
- Labelled documents used: **{d['documents']}** (label rows {d['label_rows']}; replies without a
  parseable score left out: {d['unparseable']}; labels whose id had no document: {d['unknown_ids']};
  ids labelled more than once, averaged: {d['multi_labelled_ids']}).
- Score distribution: {dist}.
- Labelled by (labeller): {labellers}.
- LLM (model): {models}.
- Prompt version (sha256[:12] of the prompt file): {hashes}.

| source | documents |
|---|---:|
{sources}

## Training
- Input: the first {pre['max_chars']} characters, {pre['normalize'] or 'no'} normalisation,
  lowercased={pre['lowercase']}, newlines → spaces, split into words by MeCab (unidic-lite, `-Owakati`).
- fastText: {', '.join(f'{k}={v}' for k, v in m['model']['fasttext'].items())}; quantized to
  `model.ftz` ({m['model']['bytes'] / 1e6:.2f} MB).
- Held-out split: {s['test']} of {s['train'] + s['test']} documents (test_fraction {s['test_fraction']},
  stratified by score, by a seeded hash of the id; seed {s['seed']}).

## Evaluation on the held-out documents ({ft['n']})

{chr(10).join(table)}

The expected score of a document whose most likely class is {thr} is usually a little
below {thr} (the lower classes' probabilities pull it down), so "expected score ≥ {thr}"
misses many of them; rounding first (FineWeb-Edu's convention) is the same as
`EduScore(min_score={thr - 0.5})`.

Confusion matrix of `model.ftz` (rows: LLM score, columns: predicted class):

{_confusion_md(ft['confusion'])}

Baseline confusion matrix:

{_confusion_md(base['confusion'])}

## Intended use
Ranking and filtering Japanese web documents by educational value inside the corpusforge
pipeline (`EduScore` stage, `min_score` threshold) or from a notebook
(`corpusforge.classify.EduScorer`). The threshold {thr} mirrors FineWeb-Edu's binary decision.

## Limitations
- It imitates one LLM's judgement under one prompt; the LLM's biases (favouring formal
  register, technical manuals, textbook tone) carry over. It is not a fact checker.
- It sees only the first {pre['max_chars']} characters of a document.
- Trained on {d['documents']} documents; the sources above are not a sample of the web, so
  scores on web pages of kinds missing from them are less reliable. Re-label a sample of your
  own data and retrain (see `classifiers/edu/README.md`) before relying on fine distinctions.
- Figures come from a held-out part of the same labelled set, not from an independent corpus.
"""
