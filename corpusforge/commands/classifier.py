"""``corpusforge classifier train|eval``: the edu classifier from a labels parquet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corpusforge.cli import EXIT_OK, CliError

NAME = "classifier"
HELP = "Train or evaluate the fastText educational-value classifier on LLM labels."


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="classifier_command", metavar="{train,eval}")
    t = sub.add_parser("train", help="train fastText + the linear baseline, evaluate both on a held-out split",
                       description="Join labels to texts by id, train on MeCab-split text, write model.ftz, "
                                   "model.json, metrics.json and MODEL_CARD.md.")
    t.add_argument("--labels", required=True, metavar="FILE", help="labels parquet from `corpusforge label`")
    t.add_argument("--docs", required=True, metavar="PATH", help="documents with id and text: parquet / jsonl, "
                   "or an output directory")
    t.add_argument("--config", metavar="FILE", help="recipe (default: shipped classifiers/edu/train.yaml)")
    t.add_argument("--output", "-o", required=True, metavar="DIR", help="model directory (created)")
    e = sub.add_parser("eval", help="evaluate a trained model on labelled documents",
                       description="Score labelled documents with a trained model and compare with the LLM labels.")
    e.add_argument("--model", metavar="PATH", help="model.ftz or its directory (default: the shipped starter model)")
    e.add_argument("--labels", required=True, metavar="FILE")
    e.add_argument("--docs", required=True, metavar="PATH")
    e.add_argument("--config", metavar="FILE", help="recipe: threshold and split (default: shipped)")
    e.add_argument("--held-out", action="store_true", help="only the recipe's held-out split (the documents "
                   "the model was evaluated on when trained from these labels)")
    e.add_argument("--threshold", type=float, default=None, help="binary threshold (default from the recipe)")
    e.add_argument("--output", "-o", metavar="FILE", help="write the metrics JSON here (default: print)")


def _recipe(path: str | None) -> dict[str, Any]:
    from corpusforge.classify.recipe import load_recipe

    try:
        return load_recipe(path)
    except (FileNotFoundError, ValueError) as e:
        raise CliError(str(e)) from None


def _check_inputs(labels: str, docs: str) -> None:
    if not Path(labels).exists():
        raise CliError(f"labels file not found: {labels}")
    if not Path(docs).exists():
        raise CliError(f"documents not found: {docs}")


def _train(args: argparse.Namespace) -> int:
    from corpusforge.classify.train import TrainingError, train_classifier

    _check_inputs(args.labels, args.docs)
    recipe = _recipe(args.config)
    try:
        m = train_classifier(args.labels, args.docs, recipe, args.output, log=lambda s: print(s, file=sys.stderr))
    except (TrainingError, FileNotFoundError) as e:
        raise CliError(str(e)) from None
    d = m["data"]
    if d["unknown_ids"]:
        print(f"warning: {d['unknown_ids']} labelled ids have no document in {args.docs} "
              f"(e.g. {', '.join(d['unknown_id_examples'])}); left out", file=sys.stderr)
    print(f"trained on {m['split']['train']} documents, evaluated on {m['split']['test']} held out")
    for name in ("fasttext", "baseline"):
        r = m[name]
        print(f"{name:9s} macro F1 {_f(r['macro_f1'])}  binary F1@{r['threshold']} {_f(r['binary_f1'])}  "
              f"Spearman {_f(r['spearman'])}")
    print(f"wrote {Path(args.output) / 'model.ftz'} ({m['model']['bytes'] / 1e6:.2f} MB), metrics.json, MODEL_CARD.md")
    return EXIT_OK


def _f(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _eval(args: argparse.Namespace) -> int:
    from corpusforge.classify.evaluate import evaluate, stratified_split
    from corpusforge.classify.scorer import EduScorer
    from corpusforge.classify.train import load_labelled_set

    _check_inputs(args.labels, args.docs)
    recipe = _recipe(args.config)
    try:
        scorer = EduScorer(args.model)
    except FileNotFoundError as e:
        raise CliError(str(e)) from None
    data = load_labelled_set(args.labels, args.docs)
    idx = list(range(len(data.ids)))
    if args.held_out:
        split = {"test_fraction": 0.2, "seed": 13}
        split.update(recipe.get("split") or {})
        _, idx = stratified_split(data.ids, data.scores, float(split["test_fraction"]), int(split["seed"]))
    threshold = args.threshold if args.threshold is not None else (recipe.get("eval") or {}).get("threshold", 3)
    probs = scorer.predict_proba([data.texts[i] for i in idx])
    metrics = evaluate([data.scores[i] for i in idx], probs, threshold)
    metrics.update({"model": str(scorer.model_path), "labels": args.labels, "held_out_only": bool(args.held_out),
                    "unknown_ids": data.unknown_ids, "unparseable": data.unparseable})
    text = json.dumps(metrics, ensure_ascii=False, indent=1)
    if args.output:
        from corpusforge.io.atomic import atomic_write_text

        atomic_write_text(args.output, text)
        print(f"n {metrics['n']}  macro F1 {_f(metrics['macro_f1'])}  binary F1 {_f(metrics['binary_f1'])}  "
              f"Spearman {_f(metrics['spearman'])}  → {args.output}")
    else:
        print(text)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.classifier_command == "train":
        return _train(args)
    if args.classifier_command == "eval":
        return _eval(args)
    raise CliError("choose a subcommand: corpusforge classifier train|eval")
