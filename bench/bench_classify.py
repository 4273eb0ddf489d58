"""edu + format + topic throughput on 2,000-character Japanese documents, MeCab included.

Compares, in the same run and on the same documents and models:
* corpusforge's ``CategoryScore`` stage (one MeCab split of the first ``max_chars``
  characters feeding the edu, format and topic models, batches of 256) in a ``Pipeline``;
* the three models run one after the other naively: each splits the whole text with
  MeCab itself, then predicts per document.

Reports documents per second per core (CPU time of this single-threaded process) and the
ratio. Uses the shipped starter models when they exist, else trains throwaway models on
generated documents (their quality is irrelevant here; their size is that of the recipe).

    .venv/bin/python bench/bench_classify.py [--docs 4000] [--repeat 3] [--texts FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpusforge import Document, Pipeline  # noqa: E402
from corpusforge.classify.demo_data import kind_documents  # noqa: E402
from corpusforge.classify.category_stage import CategoryScore  # noqa: E402
from corpusforge.classify.scorer import default_model_path  # noqa: E402

AXES = ("edu", "format", "topic")

DOC_CHARS = 2000
TARGET_DOCS_PER_S_CORE = 2000


def bench_documents(n: int, texts_path: str | None = None) -> list[str]:
    """``n`` documents of exactly ``DOC_CHARS`` characters.

    Default: generated Japanese documents of six kinds. ``texts_path`` (parquet / jsonl
    with ``text``, e.g. the seed set): its documents of at least ``DOC_CHARS``
    characters, cut to ``DOC_CHARS`` and repeated in order up to ``n``.
    """
    if texts_path is None:
        return [d["text"] for d in kind_documents(n, seed=2024, min_chars=DOC_CHARS, max_chars=DOC_CHARS)]
    from corpusforge.classify.documents import document_files, iter_documents

    pool = [r["text"][:DOC_CHARS] for r in iter_documents(document_files(texts_path)) if len(r["text"]) >= DOC_CHARS]
    if not pool:
        raise SystemExit(f"no document of at least {DOC_CHARS} characters in {texts_path}")
    return [pool[i % len(pool)] for i in range(n)]


def throwaway_models(workdir: Path) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpusforge.classify.labels import import_replies
    from corpusforge.classify.recipe import load_recipe
    from corpusforge.classify.train import train_classifier

    kind_category = {"advert": ("ad_shop", "lifestyle"), "diary": ("blog_diary", "lifestyle"),
                     "notice": ("official", "law_government_politics"), "howto": ("tutorial", "it_software"),
                     "lesson": ("tutorial", "science_math"), "lecture": ("reference", "science_math")}
    docs = list(kind_documents(1200, seed=1))
    pq.write_table(pa.table({"id": [d["id"] for d in docs], "text": [d["text"] for d in docs]}), workdir / "d.parquet")
    import_replies([{"id": d["id"], "model": "bench-kind-labels",
                     "raw_reply": f"評価: {d['score']}\n形式: {kind_category[d['kind']][0]}\n話題: {kind_category[d['kind']][1]}"}
                    for d in docs], workdir / "l.parquet", labeller="bench")
    for axis in AXES:
        train_classifier(workdir / "l.parquet", workdir / "d.parquet", load_recipe(), workdir / axis, axis=axis)
    return {axis: workdir / axis / "model.ftz" for axis in AXES}


def run_stage(models: dict[str, Path], texts: list[str]) -> tuple[float, float, list[float]]:
    stage = CategoryScore(format_model=str(models["format"]), topic_model=str(models["topic"]),
                          edu_model=str(models["edu"]))
    list(stage([Document(id="warm", text=texts[0])]))  # load models + MeCab outside the timing
    docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
    c0, w0 = time.process_time(), time.perf_counter()
    out = list(Pipeline([stage]).run(docs))
    return time.process_time() - c0, time.perf_counter() - w0, [d.metadata["edu_score"] for d in out]


def run_naive(models: dict[str, Path], texts: list[str]) -> tuple[float, float, list[float]]:
    """Each model in turn: whole text through MeCab, then one predict call per document."""
    import MeCab

    from corpusforge.classify.fasttext_model import FastTextClassifier, expected_scores
    from corpusforge.classify.scorer import read_model_meta

    tagger = MeCab.Tagger("-Owakati")
    space = re.compile(r"\s+")
    clfs = {axis: FastTextClassifier.load(p, read_model_meta(p)["classes"]) for axis, p in models.items()}
    c0, w0 = time.process_time(), time.perf_counter()
    scores = []
    for axis in AXES:
        for t in texts:
            probs = clfs[axis].predict_proba([tagger.parse(space.sub(" ", t)).strip()])
            if axis == "edu":
                scores.append(float(expected_scores(probs)[0]))
    return time.process_time() - c0, time.perf_counter() - w0, scores


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--texts", default=None, help="parquet/jsonl of real documents to use instead of generated ones")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "classify.json"))
    args = ap.parse_args()
    texts = bench_documents(args.docs, args.texts)
    with tempfile.TemporaryDirectory(prefix="cf-bench-classify-") as tmp:
        if all(default_model_path(axis).is_file() for axis in AXES):
            models, model_kind = {axis: default_model_path(axis) for axis in AXES}, "starter"
        else:
            print("starter models not found: training throwaway models on generated documents", file=sys.stderr)
            models, model_kind = throwaway_models(Path(tmp)), "throwaway"
        fast, naive = [], []
        for _ in range(args.repeat):
            fast.append(run_stage(models, texts))
            naive.append(run_naive(models, texts))
        fast_cpu = statistics.median(r[0] for r in fast)
        naive_cpu = statistics.median(r[0] for r in naive)
        fast_rate = args.docs / fast_cpu if fast_cpu > 0 else 0.0
        naive_rate = args.docs / naive_cpu if naive_cpu > 0 else 0.0
        from corpusforge.classify.scorer import read_model_meta

        result = {
            "bench": "edu_format_topic", "docs": args.docs, "doc_chars": DOC_CHARS, "repeat": args.repeat,
            "texts": args.texts or "generated (corpusforge.classify.demo_data)",
            "models": model_kind, "model_bytes": {axis: p.stat().st_size for axis, p in models.items()},
            "max_chars": read_model_meta(models["edu"])["preprocess"]["max_chars"],
            "categoryscore_docs_per_s_core": round(fast_rate, 1),
            "naive_docs_per_s_core": round(naive_rate, 1),
            "ratio": round(fast_rate / naive_rate, 2) if naive_rate else None,
            "target_docs_per_s_core": TARGET_DOCS_PER_S_CORE,
            "meets_target": fast_rate >= TARGET_DOCS_PER_S_CORE,
            "categoryscore_wall_s": round(statistics.median(r[1] for r in fast), 3),
            "naive_wall_s": round(statistics.median(r[1] for r in naive), 3),
            "python": platform.python_version(), "machine": platform.machine(),
        }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1))
    print(f"CategoryScore {result['categoryscore_docs_per_s_core']:>9.1f} docs/s/core  (edu + format + topic, one "
          f"MeCab split of the first {result['max_chars']} chars, {args.docs} docs of {DOC_CHARS} chars, "
          f"{model_kind} models)")
    print(f"texts     {result['texts']}")
    print(f"naive     {result['naive_docs_per_s_core']:>9.1f} docs/s/core  (three models in turn, each with MeCab "
          "on the whole text, per-doc predict)")
    print(f"ratio     {result['ratio']}x   target >= {TARGET_DOCS_PER_S_CORE} docs/s/core: "
          f"{'met' if result['meets_target'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
