"""EduScore throughput on 2,000-character Japanese documents, MeCab splitting included.

Compares, in the same run and on the same documents and model:
* corpusforge's ``EduScore`` stage (MeCab on the first ``max_chars`` characters, batches
  of 256, one ``model.f.predict`` per document) inside a ``Pipeline``;
* a naive implementation: MeCab over the whole text, then a per-document Python predict.

Reports documents per second per core (CPU time of this single-threaded process) and the
ratio. Uses the shipped starter model when it exists, else trains a throwaway model on
generated documents (its quality is irrelevant here; its size is that of the recipe).

    .venv/bin/python bench/bench_edu.py [--docs 4000] [--repeat 3] [--model PATH]
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
from corpusforge.classify.edu_stage import EduScore  # noqa: E402
from corpusforge.classify.scorer import default_model_path  # noqa: E402

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


def throwaway_model(workdir: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpusforge.classify.labels import import_replies
    from corpusforge.classify.recipe import load_recipe
    from corpusforge.classify.train import train_classifier

    docs = list(kind_documents(1200, seed=1))
    pq.write_table(pa.table({"id": [d["id"] for d in docs], "text": [d["text"] for d in docs]}), workdir / "d.parquet")
    import_replies([{"id": d["id"], "raw_reply": f"評価: {d['score']}", "model": "bench-kind-labels"} for d in docs],
                   workdir / "l.parquet", labeller="bench")
    train_classifier(workdir / "l.parquet", workdir / "d.parquet", load_recipe(), workdir / "model")
    return workdir / "model" / "model.ftz"


def run_stage(model: Path, texts: list[str]) -> tuple[float, float, list[float]]:
    stage = EduScore(model=str(model))
    list(stage([Document(id="warm", text=texts[0])]))  # load model + MeCab outside the timing
    docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
    c0, w0 = time.process_time(), time.perf_counter()
    out = list(Pipeline([stage]).run(docs))
    return time.process_time() - c0, time.perf_counter() - w0, [d.metadata["edu_score"] for d in out]


def run_naive(model: Path, texts: list[str]) -> tuple[float, float, list[float]]:
    """Whole text through MeCab, then one predict call per document (through the same wrapper)."""
    import MeCab

    from corpusforge.classify.fasttext_model import FastTextClassifier, expected_scores

    tagger = MeCab.Tagger("-Owakati")
    clf = FastTextClassifier.load(model)
    space = re.compile(r"\s+")
    c0, w0 = time.process_time(), time.perf_counter()
    scores = []
    for t in texts:
        words = tagger.parse(space.sub(" ", t)).strip()
        scores.append(float(expected_scores(clf.predict_proba([words]))[0]))
    return time.process_time() - c0, time.perf_counter() - w0, scores


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--model", default=None, help="model.ftz (default: starter model, else a throwaway one)")
    ap.add_argument("--texts", default=None, help="parquet/jsonl of real documents to use instead of generated ones")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "edu.json"))
    args = ap.parse_args()
    texts = bench_documents(args.docs, args.texts)
    with tempfile.TemporaryDirectory(prefix="cf-bench-edu-") as tmp:
        if args.model:
            model, model_kind = Path(args.model), "given"
        elif default_model_path().is_file():
            model, model_kind = default_model_path(), "starter"
        else:
            print("starter model not found: training a throwaway model on generated documents", file=sys.stderr)
            model, model_kind = throwaway_model(Path(tmp)), "throwaway"
        fast, naive = [], []
        for _ in range(args.repeat):
            fast.append(run_stage(model, texts))
            naive.append(run_naive(model, texts))
        fast_cpu = statistics.median(r[0] for r in fast)
        naive_cpu = statistics.median(r[0] for r in naive)
        fast_rate = args.docs / fast_cpu if fast_cpu > 0 else 0.0
        naive_rate = args.docs / naive_cpu if naive_cpu > 0 else 0.0
        from corpusforge.classify.scorer import read_model_meta

        result = {
            "bench": "edu_score", "docs": args.docs, "doc_chars": DOC_CHARS, "repeat": args.repeat,
            "texts": args.texts or "generated (corpusforge.classify.demo_data)",
            "model": model_kind, "model_bytes": model.stat().st_size,
            "max_chars": read_model_meta(model)["preprocess"]["max_chars"],
            "eduscore_docs_per_s_core": round(fast_rate, 1),
            "naive_docs_per_s_core": round(naive_rate, 1),
            "ratio": round(fast_rate / naive_rate, 2) if naive_rate else None,
            "target_docs_per_s_core": TARGET_DOCS_PER_S_CORE,
            "meets_target": fast_rate >= TARGET_DOCS_PER_S_CORE,
            "eduscore_wall_s": round(statistics.median(r[1] for r in fast), 3),
            "naive_wall_s": round(statistics.median(r[1] for r in naive), 3),
            "python": platform.python_version(), "machine": platform.machine(),
        }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1))
    print(f"EduScore  {result['eduscore_docs_per_s_core']:>9.1f} docs/s/core  (MeCab on the first "
          f"{result['max_chars']} chars, {args.docs} docs of {DOC_CHARS} chars, {model_kind} model)")
    print(f"texts     {result['texts']}")
    print(f"naive     {result['naive_docs_per_s_core']:>9.1f} docs/s/core  (MeCab on the whole text, per-doc predict)")
    print(f"ratio     {result['ratio']}x   target >= {TARGET_DOCS_PER_S_CORE} docs/s/core: "
          f"{'met' if result['meets_target'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
