"""``corpusforge classifier train|eval``: the edu, format and topic classifiers from a labels parquet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corpusforge.classify.taxonomy import MODEL_AXES
from corpusforge.cli import EXIT_OK, CliError

NAME = "classifier"
HELP = "Train or evaluate the fastText edu / format / topic classifiers on LLM labels."


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="classifier_command", metavar="{train,eval}")
    t = sub.add_parser("train", help="train fastText + the linear baseline, evaluate both on a held-out split",
                       description="Join labels to texts by id, train on MeCab-split text, write model.ftz, "
                                   "model.json, metrics.json and MODEL_CARD.md.")
    t.add_argument("--axis", choices=MODEL_AXES, default="edu", help="which label to learn (default edu)")
    t.add_argument("--compare", metavar="MODEL", action="append", default=[],
                   help="another model of the same axis to evaluate on the same held-out documents "
                        "(e.g. the previous starter model); repeatable")
    t.add_argument("--labels", required=True, metavar="FILE", help="labels parquet from `corpusforge label`")
    t.add_argument("--docs", required=True, metavar="PATH", help="documents with id and text: parquet / jsonl, "
                   "or an output directory")
    t.add_argument("--config", metavar="FILE", help="recipe (default: shipped classifiers/train.yaml)")
    t.add_argument("--output", "-o", required=True, metavar="DIR", help="model directory (created)")
    e = sub.add_parser("eval", help="evaluate a trained model on labelled documents",
                       description="Score labelled documents with a trained model and compare with the LLM labels.")
    e.add_argument("--axis", choices=MODEL_AXES, default="edu", help="which label to compare with (default edu)")
    e.add_argument("--model", metavar="PATH", help="model.ftz or its directory (default: the shipped starter model "
                   "of the axis)")
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
        m = train_classifier(args.labels, args.docs, recipe, args.output, axis=args.axis,
                             log=lambda s: print(s, file=sys.stderr),
                             compare_models={str(c): c for c in args.compare})
    except (TrainingError, FileNotFoundError) as e:
        raise CliError(str(e)) from None
    d = m["data"]
    if d["unknown_ids"]:
        print(f"warning: {d['unknown_ids']} labelled ids have no document in {args.docs} "
              f"(e.g. {', '.join(d['unknown_id_examples'])}); left out", file=sys.stderr)
    print(f"trained on {m['split']['train']} documents, evaluated on {m['split']['test']} held out")
    for name, r in [("fasttext", m["fasttext"]), ("baseline", m["baseline"]), *m["compared_models"].items()]:
        print(f"{name:9s} {_summary(r)}")
    print(f"wrote {Path(args.output) / 'model.ftz'} ({m['model']['bytes'] / 1e6:.2f} MB), metrics.json, MODEL_CARD.md")
    return EXIT_OK


def _f(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def _summary(r: dict[str, Any]) -> str:
    if "spearman" in r:
        return (f"macro F1 {_f(r['macro_f1'])}  binary F1@{r['threshold']} {_f(r['binary_f1'])}  "
                f"Spearman {_f(r['spearman'])}")
    return f"accuracy {_f(r['accuracy'])}  macro F1 {_f(r['macro_f1'])}"


def _eval(args: argparse.Namespace) -> int:
    from corpusforge.classify.scorer import TextClassifier
    from corpusforge.classify.train import evaluate_axis, load_labelled_set, split_of

    _check_inputs(args.labels, args.docs)
    recipe = _recipe(args.config)
    if args.threshold is not None:
        recipe["eval"] = {**recipe["eval"], "threshold": args.threshold}
    try:
        model = TextClassifier(args.model, axis=args.axis)
    except FileNotFoundError as e:
        raise CliError(str(e)) from None
    if model.axis != args.axis:
        raise CliError(f"{model.model_path} is a {model.axis} model; pass --axis {model.axis}")
    data = load_labelled_set(args.labels, args.docs, args.axis)
    idx = split_of(data, recipe)[1] if args.held_out else list(range(len(data.ids)))
    probs = model.predict_proba([data.texts[i] for i in idx])
    metrics = evaluate_axis(args.axis, [data.labels[i] for i in idx], probs, model.classes, recipe)
    metrics.update({"axis": args.axis, "model": str(model.model_path), "labels": args.labels,
                    "held_out_only": bool(args.held_out), "unknown_ids": data.unknown_ids,
                    "unparseable": data.unparseable})
    text = json.dumps(metrics, ensure_ascii=False, indent=1)
    if args.output:
        from corpusforge.io.atomic import atomic_write_text

        atomic_write_text(args.output, text)
        print(f"n {metrics['n']}  {_summary(metrics)}  → {args.output}")
    else:
        print(text)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.classifier_command == "train":
        return _train(args)
    if args.classifier_command == "eval":
        return _eval(args)
    raise CliError("choose a subcommand: corpusforge classifier train|eval")
