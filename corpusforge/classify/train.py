"""Training and evaluating the edu, format and topic classifiers from one LLM labels file.

``train_classifier`` joins the labels of one axis (``edu``, ``format`` or ``topic``) to
document texts by id, splits off a held-out set stratified by label and source, optionally
searches fastText settings on a validation part of the training set, trains fastText on
MeCab-split document heads, quantizes it to ``model.ftz``, and evaluates it and a
scikit-learn linear baseline (hashed character n-grams + logistic regression) on the same
held-out set. It writes ``model.ftz``, ``model.json`` (axis, classes and the preprocessing
the scorer must repeat), ``metrics.json`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpusforge.classify.documents import document_files, load_texts
from corpusforge.classify.evaluate import evaluate, evaluate_categories, stratified_split
from corpusforge.classify.fasttext_model import EDU_CLASSES, FastTextClassifier, label_token
from corpusforge.classify.labels import read_labels_table
from corpusforge.classify.taxonomy import AXES, MODEL_AXES, Taxonomy
from corpusforge.classify.text import WakatiSplitter, head_of
from corpusforge.io.atomic import atomic_write_text

MODEL_FILE = "model.ftz"
MODEL_META = "model.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"

class TrainingError(ValueError):
    """Training cannot proceed (no usable labels, one class only, ...)."""


def axis_classes(axis: str, taxonomy: Taxonomy | None = None) -> tuple[str, ...]:
    """The label set of a model: scores "0".."5" for edu, the taxonomy's keys for a category axis."""
    if axis == "edu":
        return EDU_CLASSES
    if axis not in AXES:
        raise TrainingError(f"unknown axis {axis!r}; axes: {', '.join(MODEL_AXES)}")
    return tuple((taxonomy or Taxonomy.load()).keys(axis))


@dataclass
class LabelledSet:
    """Labelled documents of one axis joined to their texts, plus what was left out and why."""

    axis: str
    ids: list[str]
    texts: list[str]
    labels: list[str]
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


def _combine(axis: str, values: list[Any], classes: tuple[str, ...]) -> str:
    """One label from several labellers: the rounded mean score, or the most frequent key
    (ties go to the key listed first in the taxonomy)."""
    if axis == "edu":
        return str(int(np.floor(np.mean([int(v) for v in values]) + 0.5)))
    counts = Counter(values)
    return max(counts, key=lambda k: (counts[k], -classes.index(k)))


def load_labelled_set(labels_path: str | Path, docs_path: str | Path, axis: str = "edu",
                      taxonomy: Taxonomy | None = None) -> LabelledSet:
    """Labels of ``axis`` joined to texts; unknown ids and labels outside the class list are counted.

    An id labelled more than once (several labellers) gets one combined label (``_combine``).
    """
    classes = axis_classes(axis, taxonomy)
    table = read_labels_table(labels_path)
    rows = table.to_pylist()
    by_id: dict[str, list[Any]] = {}
    unparseable = 0
    models, labellers, hashes = Counter(), Counter(), Counter()
    for r in rows:
        value = r[axis]
        if value is None or str(value) not in classes:
            unparseable += 1
            continue
        by_id.setdefault(r["id"], []).append(str(value))
        models[r["model"] or "?"] += 1
        labellers[r["labeller"] or "?"] += 1
        hashes[r["prompt_hash"] or "?"] += 1
    docs = load_texts(document_files(docs_path), set(by_id), extra=("source", "domain"))
    ids, texts, labels, sources, unknown = [], [], [], [], []
    for doc_id in sorted(by_id):
        row = docs.get(doc_id)
        if row is None:
            unknown.append(doc_id)
            continue
        ids.append(doc_id)
        texts.append(row["text"])
        labels.append(_combine(axis, by_id[doc_id], classes))
        sources.append(source_of(doc_id, row))
    return LabelledSet(axis, ids, texts, labels, sources, label_rows=len(rows), unparseable=unparseable,
                       unknown_ids=len(unknown), unknown_examples=unknown[:5],
                       multi_labelled=sum(len(v) > 1 for v in by_id.values()), models=models,
                       labellers=labellers, prompt_hashes=hashes)


def split_of(data: LabelledSet, recipe: dict[str, Any]) -> tuple[list[int], list[int]]:
    """The held-out split of the recipe, stratified by label and source."""
    cfg = {"test_fraction": 0.2, "seed": 13}
    cfg.update(recipe.get("split") or {})
    return stratified_split(data.ids, list(zip(data.labels, data.sources)), float(cfg["test_fraction"]),
                            int(cfg["seed"]))


def axis_settings(recipe: dict[str, Any], axis: str) -> dict[str, Any]:
    """fastText parameters and class balancing of one axis: the recipe's ``fasttext`` section
    overridden by its ``axes.<axis>`` entry."""
    params = {"lr": 0.3, "epoch": 30, "wordNgrams": 2, "dim": 64, "bucket": 200000, "minCount": 1,
              "loss": "softmax", "thread": 1, "seed": 42}
    params.update(recipe.get("fasttext") or {})
    own = dict((recipe.get("axes") or {}).get(axis) or {})
    balance = own.pop("balance", "none")
    params.update(own)
    if params.get("loss") not in ("softmax", "ova"):
        raise TrainingError("fasttext.loss must be softmax or ova (class probabilities are needed)")
    if balance not in ("none", "sqrt"):
        raise TrainingError(f"axes.{axis}.balance must be none or sqrt, got {balance!r}")
    return {"fasttext": params, "balance": balance}


def balanced_rows(labels: list[str], balance: str) -> list[int]:
    """Row indices of the training file: with ``sqrt``, rows of rare classes repeated so every class
    has at least sqrt(largest class × its own size) lines — fastText has no class weights."""
    rows = list(range(len(labels)))
    if balance == "none" or not labels:
        return rows
    counts = Counter(labels)
    largest = max(counts.values())
    out = []
    for label, n in counts.items():
        members = [i for i in rows if labels[i] == label]
        target = max(n, int(math.sqrt(largest * n)))
        out.extend(members[j % n] for j in range(target))
    return sorted(out)


def train_fasttext(lines: list[str], labels: list[str], settings: dict[str, Any], workdir: Path) -> tuple[Any, Path]:
    """Train (not yet quantized); returns the fastText model and its training file."""
    import fasttext  # heavy: loaded only when training

    train_file = workdir / "train.txt"
    with open(train_file, "w", encoding="utf-8") as f:
        for i in balanced_rows(labels, settings["balance"]):
            f.write(f"{label_token(labels[i])} {lines[i]}\n")
    model = fasttext.train_supervised(input=str(train_file), verbose=0, **settings["fasttext"])
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


def baseline_probs(train_texts: list[str], train_labels: list[str], test_texts: list[str],
                   classes: tuple[str, ...], recipe: dict[str, Any], preprocess: dict[str, Any]) -> np.ndarray:
    """Hashed character n-grams + logistic regression; (n_test, n_classes) class probabilities."""
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

    out = np.zeros((len(test_texts), len(classes)))
    if not test_texts:
        return out
    column = {c: i for i, c in enumerate(classes)}
    present = sorted(set(train_labels))
    if len(present) == 1:
        out[:, column[present[0]]] = 1.0
        return out
    clf = LogisticRegression(C=float(b["C"]), max_iter=int(b["max_iter"]))
    clf.fit(vec.transform(prep(train_texts)), np.asarray(train_labels))
    probs = clf.predict_proba(vec.transform(prep(test_texts)))
    for j, c in enumerate(clf.classes_):
        out[:, column[str(c)]] = probs[:, j]
    return out


def evaluate_axis(axis: str, y_true: list[str], probs: np.ndarray, classes: tuple[str, ...],
                  recipe: dict[str, Any]) -> dict[str, Any]:
    """The axis's figures: edu (Spearman, binary F1 at the threshold, MAE, …) or category (accuracy, macro F1)."""
    if axis == "edu":
        threshold = (recipe.get("eval") or {}).get("threshold", 3)
        return evaluate([int(v) for v in y_true], probs, threshold)
    return evaluate_categories(y_true, probs, classes)


def objective(axis: str, metrics: dict[str, Any]) -> float:
    """What the settings search maximizes: Spearman for the edu score, macro F1 for a category."""
    value = metrics.get("spearman" if axis == "edu" else "macro_f1")
    return -1.0 if value is None else float(value)


def search_settings(axis: str, lines: list[str], labels: list[str], ids: list[str], sources: list[str],
                    classes: tuple[str, ...], recipe: dict[str, Any], say: Any) -> tuple[dict[str, Any], list[dict]]:
    """Grid search of ``search.grid`` on a validation part of the training rows (never the held-out
    part); returns the best settings and every trial's figures."""
    base = axis_settings(recipe, axis)
    search = recipe.get("search") or {}
    grid = search.get("grid") or {}
    if not grid:
        return base, []
    tr, va = stratified_split(ids, list(zip(labels, sources)), float(search.get("validation_fraction", 0.2)),
                              int(search.get("seed", 29)))
    keys = sorted(grid)
    trials = []
    best, best_value = base, -2.0
    with tempfile.TemporaryDirectory(prefix="cf-search-") as tmp:
        for values in itertools.product(*(grid[k] for k in keys)):
            cand = {"fasttext": dict(base["fasttext"]), "balance": base["balance"]}
            for k, v in zip(keys, values):
                if k == "balance":
                    cand["balance"] = v
                else:
                    cand["fasttext"][k] = v
            model, _ = train_fasttext([lines[i] for i in tr], [labels[i] for i in tr], cand, Path(tmp))
            m = evaluate_axis(axis, [labels[i] for i in va],
                              FastTextClassifier(model, classes).predict_proba([lines[i] for i in va]), classes, recipe)
            value = objective(axis, m)
            trial = {**dict(zip(keys, values)), "objective": round(value, 4),
                     "accuracy": m.get("accuracy"), "macro_f1": m.get("macro_f1")}
            trials.append(trial)
            say(f"  {axis} search {trial}")
            if value > best_value:
                best, best_value = cand, value
    return best, trials


def train_classifier(labels_path: str | Path, docs_path: str | Path, recipe: dict[str, Any],
                     output_dir: str | Path, axis: str = "edu", log: Any = None,
                     compare_models: dict[str, str | Path] | None = None) -> dict[str, Any]:
    """The whole training run of one axis; returns the metrics written to ``metrics.json``.

    ``compare_models``: name → model file of the same axis to evaluate on the same held-out
    documents (e.g. the previous starter model), reported in the metrics and the card.
    """
    t0 = time.perf_counter()
    say = log or (lambda msg: None)
    out_dir = Path(output_dir)
    classes = axis_classes(axis)
    data = load_labelled_set(labels_path, docs_path, axis)
    say(f"{axis} labels: {data.label_rows} rows, {len(data.ids)} usable, {data.unparseable} without a "
        f"{axis} label, {data.unknown_ids} with unknown ids")
    if len(set(data.labels)) < 2:
        raise TrainingError(f"need labelled documents of at least two {axis} classes, got "
                            f"{len(data.ids)} documents of classes {sorted(set(data.labels))}")
    split_cfg = {"test_fraction": 0.2, "seed": 13}
    split_cfg.update(recipe.get("split") or {})
    train_idx, test_idx = split_of(data, recipe)
    splitter = WakatiSplitter.from_settings(recipe.get("preprocess") or {})
    lines = splitter.split_many(data.texts)
    tr_lines = [lines[i] for i in train_idx]
    tr_labels = [data.labels[i] for i in train_idx]
    te_lines = [lines[i] for i in test_idx]
    te_labels = [data.labels[i] for i in test_idx]
    settings, trials = search_settings(axis, tr_lines, tr_labels, [data.ids[i] for i in train_idx],
                                       [data.sources[i] for i in train_idx], classes, recipe, say)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cf-train-") as tmp:
        model, train_file = train_fasttext(tr_lines, tr_labels, settings, Path(tmp))
        full_metrics = evaluate_axis(axis, te_labels, FastTextClassifier(model, classes).predict_proba(te_lines),
                                     classes, recipe)
        quantize(model, train_file, recipe)
        final = out_dir / MODEL_FILE
        tmp_model = out_dir / f".{MODEL_FILE}.{os.getpid()}.tmp"
        model.save_model(str(tmp_model))
        os.replace(tmp_model, final)
    clf = FastTextClassifier.load(final, classes)
    ft_metrics = evaluate_axis(axis, te_labels, clf.predict_proba(te_lines), classes, recipe)
    base_metrics = evaluate_axis(axis, te_labels, baseline_probs([data.texts[i] for i in train_idx], tr_labels,
                                                                 [data.texts[i] for i in test_idx], classes, recipe,
                                                                 splitter.settings()), classes, recipe)
    compared = {}
    for name, path in (compare_models or {}).items():
        from corpusforge.classify.scorer import TextClassifier

        other = TextClassifier(path)
        compared[name] = evaluate_axis(axis, te_labels, other.predict_proba([data.texts[i] for i in test_idx]),
                                       classes, recipe)
    threshold = (recipe.get("eval") or {}).get("threshold", 3)
    meta = {"format": "corpusforge.classifier/2", "axis": axis, "classes": list(classes),
            "preprocess": splitter.settings(), "threshold": threshold, "prompt_hashes": dict(data.prompt_hashes)}
    test_sources = Counter(data.sources[i] for i in test_idx)
    metrics = {
        "axis": axis,
        "data": {"label_rows": data.label_rows, "documents": len(data.ids), "unparseable": data.unparseable,
                 "unknown_ids": data.unknown_ids, "unknown_id_examples": data.unknown_examples,
                 "multi_labelled_ids": data.multi_labelled,
                 "label_distribution": {c: data.labels.count(c) for c in classes},
                 "sources": dict(Counter(data.sources).most_common()),
                 "sources_by_label": {src: dict(Counter(lab for lab, s in zip(data.labels, data.sources) if s == src))
                                      for src in sorted(set(data.sources))},
                 "models": dict(data.models), "labellers": dict(data.labellers),
                 "prompt_hashes": dict(data.prompt_hashes)},
        "split": {"train": len(train_idx), "test": len(test_idx), "stratified_by": "label and source",
                  "test_sources": dict(test_sources.most_common()), **split_cfg},
        "search": trials,
        "fasttext": ft_metrics,
        "fasttext_unquantized": full_metrics,
        "baseline": base_metrics,
        "compared_models": compared,
        "model": {"file": MODEL_FILE, "bytes": final.stat().st_size, "fasttext": settings["fasttext"],
                  "balance": settings["balance"], "preprocess": splitter.settings()},
        "recipe": Path(recipe.get("_path") or "").name,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    atomic_write_text(out_dir / MODEL_META, json.dumps(meta, ensure_ascii=False, indent=1))
    atomic_write_text(out_dir / METRICS_FILE, json.dumps(metrics, ensure_ascii=False, indent=1))
    atomic_write_text(out_dir / CARD_FILE, model_card(metrics))
    return metrics


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _confusion_md(conf: list[list[int]], classes: list[str]) -> str:
    head = "| LLM label \\ predicted | " + " | ".join(classes) + " |"
    sep = "|---|" + "---:|" * len(classes)
    rows = [f"| **{c}** | " + " | ".join(str(v) for v in row) + " |" for c, row in zip(classes, conf)]
    return "\n".join([head, sep, *rows])


_WHAT = {
    "edu": ("Educational-value classifier", "the 0–5 additive educational-value score",
            "Scoring uses the expected value Σ score × probability (`edu_score`) and the most likely class "
            "(`edu_label`)."),
    "format": ("Format classifier", "the page format (`format` axis of `classifiers/category/taxonomy.yaml`)",
               "Scoring gives the most likely class (`format`) and its probability (`format_prob`)."),
    "topic": ("Topic classifier", "the page topic (`topic` axis of `classifiers/category/taxonomy.yaml`)",
              "Scoring gives the most likely class (`topic`) and its probability (`topic_prob`)."),
}


def _metric_rows(axis: str, ft: dict[str, Any]) -> list[tuple[str, str]]:
    if axis != "edu":
        return [("accuracy", "accuracy"), ("macro F1 (classes present)", "macro_f1")]
    thr = ft["threshold"]
    return [("Spearman ρ (expected score vs LLM)", "spearman"), ("mean absolute error of expected score", "mae"),
            (f"binary F1 (rounded expected score ≥ {thr})", "binary_f1_rounded"),
            (f"binary F1 (expected score ≥ {thr})", "binary_f1"), ("binary precision", "binary_precision"),
            ("binary recall", "binary_recall"), ("macro F1 (0–5 classes present)", "macro_f1"),
            ("accuracy", "accuracy"),
            (f"share predicted ≥ {thr} (LLM: {_fmt(ft['kept_share_true'])})", "kept_share_pred")]


def model_card(m: dict[str, Any]) -> str:
    """The model card: data, labelling, the evaluations side by side, what mattered, use and limits."""
    axis = m["axis"]
    d, s, ft, base, fu = m["data"], m["split"], m["fasttext"], m["baseline"], m["fasttext_unquantized"]
    title, target, scoring = _WHAT[axis]
    evals = [("fastText (model.ftz)", ft), ("fastText before quantization", fu), ("baseline (char n-grams + LR)", base)]
    evals += [(f"{name} (same held-out docs)", v) for name, v in m.get("compared_models", {}).items()]
    table = ["| metric | " + " | ".join(n for n, _ in evals) + " |", "|---|" + "---:|" * len(evals)]
    table += [f"| {name} | " + " | ".join(_fmt(v.get(k)) for _, v in evals) + " |" for name, k in _metric_rows(axis, ft)]
    classes = list(d["label_distribution"])
    sources = sorted(d["sources_by_label"], key=lambda k: -d["sources"].get(k, 0))
    by_source = ["| source | documents | " + " | ".join(classes) + " |", "|---|---:|" + "---:|" * len(classes)]
    by_source += [f"| {src} | {d['sources'][src]} | " + " | ".join(str(d["sources_by_label"][src].get(c, 0))
                                                                  for c in classes) + " |" for src in sources]
    dist = " · ".join(f"{k}: {v}" for k, v in d["label_distribution"].items())
    labellers = ", ".join(f"`{k}` ({v})" for k, v in d["labellers"].items())
    models = ", ".join(f"`{k}` ({v})" for k, v in d["models"].items())
    hashes = ", ".join(f"`{k}` ({v})" for k, v in d["prompt_hashes"].items())
    pre = m["model"]["preprocess"]
    search = ""
    if m.get("search"):
        keys = [k for k in m["search"][0] if k not in ("objective", "accuracy", "macro_f1")]
        rows = ["| " + " | ".join(keys) + " | validation objective |", "|" + "---|" * len(keys) + "---:|"]
        rows += ["| " + " | ".join(str(t[k]) for k in keys) + f" | {t['objective']:.3f} |" for t in m["search"]]
        search = ("\n\n### Settings search (validation part of the training documents; objective: "
                  f"{'Spearman' if axis == 'edu' else 'macro F1'})\n\n" + "\n".join(rows))
    return f"""# {title} (Japanese) — model card

fastText supervised classifier predicting {target} that an LLM gives a Japanese document
under the one-pass labelling prompt `classifiers/label/prompt_ja.md`. {scoring}

## Data
- Labelled documents used: **{d['documents']}** (label rows {d['label_rows']}; rows without a usable
  {axis} label left out: {d['unparseable']}; labels whose id had no document: {d['unknown_ids']};
  ids labelled more than once, combined: {d['multi_labelled_ids']}).
- Label distribution: {dist}.
- Labelled by (labeller): {labellers}.
- LLM (model): {models}.
- Prompt version (sha256[:12] of the filled prompt): {hashes}.

Documents per source and label:

{chr(10).join(by_source)}

## Training
- Input: the first {pre['max_chars']} characters, {pre['normalize'] or 'no'} normalisation,
  lowercased={pre['lowercase']}, newlines → spaces, split into words by MeCab (unidic-lite, `-Owakati`);
  the same split feeds the edu, format and topic models.
- fastText: {', '.join(f'{k}={v}' for k, v in m['model']['fasttext'].items())}; class balancing
  `{m['model']['balance']}`; quantized to `model.ftz` ({m['model']['bytes'] / 1e6:.2f} MB).
- Held-out split: {s['test']} of {s['train'] + s['test']} documents (test_fraction {s['test_fraction']},
  stratified by label and source, by a seeded hash of the id; seed {s['seed']}); never used for tuning.{search}

## Evaluation on the held-out documents ({ft['n']})

{chr(10).join(table)}

Confusion matrix of `model.ftz` (rows: LLM label, columns: predicted class):

{_confusion_md(ft['confusion'], classes)}

Baseline confusion matrix:

{_confusion_md(base['confusion'], classes)}

## Intended use
Annotating and rebalancing Japanese web documents inside the corpusforge pipeline (`CategoryScore`
stage, which also gives `edu_score`) or from a notebook (`corpusforge.classify.CategoryScorer`,
`EduScorer`).

## Limitations
- It imitates one LLM's judgement under one prompt; the LLM's biases carry over.
- It sees only the first {pre['max_chars']} characters of a document.
- The labelled sources (news articles, web page leads, Wikipedia, laws, literature, technical docs,
  short comments, and generated shop / spam / board pages) are not a sample of the web; classes that
  are rare among them are less reliable. Re-label a sample of your own data and retrain
  (`classifiers/README.md`) before relying on fine distinctions.
- Figures come from a held-out part of the same labelled set, not from an independent corpus.
"""
