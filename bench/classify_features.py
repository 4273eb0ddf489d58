"""Which input features and settings make the edu / format / topic classifiers good.

On the training part of a labels file (the held-out part of the recipe's split is never
read), a validation part is split off and each variant is trained on the rest and scored
on it: fastText on MeCab words of the first 300 / 500 / 1,000 characters, fastText on
character unigrams + bigrams (no MeCab), the scikit-learn character n-gram baseline, and
class balancing. Objective: Spearman for edu, macro F1 for format / topic.

    .venv/bin/python bench/classify_features.py --labels LABELS --docs DOCS [--axes edu,format,topic]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpusforge.classify.evaluate import stratified_split  # noqa: E402
from corpusforge.classify.fasttext_model import FastTextClassifier  # noqa: E402
from corpusforge.classify.recipe import load_recipe  # noqa: E402
from corpusforge.classify.text import WakatiSplitter, head_of  # noqa: E402
from corpusforge.classify.train import (axis_classes, axis_settings, baseline_probs, evaluate_axis,  # noqa: E402
                                        load_labelled_set, objective, split_of, train_fasttext)


def char_tokens(text: str, max_chars: int) -> str:
    """Characters and character bigrams as space-separated tokens (fastText input without MeCab)."""
    head = head_of(text, max_chars).replace(" ", "")
    return " ".join(list(head) + [head[i:i + 2] for i in range(len(head) - 1)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", required=True)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--axes", default="edu,format,topic")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "classify_features.json"))
    args = ap.parse_args()
    recipe = load_recipe()
    results: dict[str, list[dict]] = {}
    for axis in args.axes.split(","):
        classes = axis_classes(axis)
        data = load_labelled_set(args.labels, args.docs, axis)
        train_idx, _ = split_of(data, recipe)
        ids = [data.ids[i] for i in train_idx]
        texts = [data.texts[i] for i in train_idx]
        labels = [data.labels[i] for i in train_idx]
        tr, va = stratified_split(ids, list(zip(labels, [data.sources[i] for i in train_idx])), 0.2, 29)
        base = axis_settings(recipe, axis)
        rows = []

        def fasttext_variant(name: str, lines: list[str], balance: str = "none") -> None:
            with tempfile.TemporaryDirectory() as tmp:
                settings = {"fasttext": dict(base["fasttext"]), "balance": balance}
                model, _ = train_fasttext([lines[i] for i in tr], [labels[i] for i in tr], settings, Path(tmp))
                probs = FastTextClassifier(model, classes).predict_proba([lines[i] for i in va])
            m = evaluate_axis(axis, [labels[i] for i in va], probs, classes, recipe)
            rows.append({"variant": name, "objective": round(objective(axis, m), 4),
                         "accuracy": round(m["accuracy"], 4), "macro_f1": round(m["macro_f1"], 4)})
            print(axis, rows[-1], flush=True)

        for max_chars in (300, 500, 1000):
            lines = WakatiSplitter(max_chars=max_chars).split_many(texts)
            fasttext_variant(f"fastText MeCab words, first {max_chars} chars", lines)
            if max_chars == 500:
                fasttext_variant("fastText MeCab words, first 500 chars, sqrt class balancing", lines, "sqrt")
        fasttext_variant("fastText char uni+bigrams, first 500 chars (no MeCab)", [char_tokens(t, 500) for t in texts])
        probs = baseline_probs([texts[i] for i in tr], [labels[i] for i in tr], [texts[i] for i in va], classes, recipe,
                               {"max_chars": 500, "normalize": "NFKC", "lowercase": True})
        m = evaluate_axis(axis, [labels[i] for i in va], probs, classes, recipe)
        rows.append({"variant": "scikit-learn LR on char 1-3-grams, first 500 chars", "objective": round(objective(axis, m), 4),
                     "accuracy": round(m["accuracy"], 4), "macro_f1": round(m["macro_f1"], 4)})
        print(axis, rows[-1], flush=True)
        results[axis] = rows
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
