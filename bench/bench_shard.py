"""Tokenize-and-write throughput: corpusforge's shard phase against datatrove and the floor.

The same documents (a parquet file of generated Japanese documents) and the same
``tokenizer.json`` (trained here on a sample of them) go through, each arm in its own
process, one thread (``RAYON_NUM_THREADS=1``, ``TOKENIZERS_PARALLELISM=false``):

* ``corpusforge``: the whole shard phase (read, group, tokenize + EOS, shuffle, Megatron
  ``.bin/.idx`` per group, blend files), one catch-all group, and the shipped default mixture;
* ``datatrove DocumentTokenizer`` and ``datatrove MegatronDocumentTokenizer`` (ParquetReader
  -> tokenizer, EOS ``</s>``);
* the floor: the ``tokenizers`` library's ``encode_batch`` (and ``encode_batch_fast``) on the
  texts already in memory, nothing else.

CPU seconds of the work (imports excluded), documents/s/core, MB/s and tokens/s per core.
Usage: ``.venv/bin/python bench/bench_shard.py [--docs 20000] [--repeat 3]`` (needs ``.[bench]``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "shard"
RESULTS = ROOT / "bench" / "results" / "shard.json"

ARM_CODE = {
    "corpusforge (one group)": """
from corpusforge.mix import Mixture
from corpusforge.shard import ShardSettings, run_shard_phase
mix = Mixture.from_mapping({"groups": [{"name": "all", "multiplicity": 1}]})
t0 = time.process_time()
run_shard_phase([DOCS], ShardSettings(output=OUT, mixture=mix, tokenizer=TOK), progress=False)
cpu = time.process_time() - t0
""",
    "corpusforge (default mixture)": """
from corpusforge.mix import Mixture
from corpusforge.shard import ShardSettings, run_shard_phase
t0 = time.process_time()
run_shard_phase([DOCS], ShardSettings(output=OUT, mixture=Mixture.load("default"), tokenizer=TOK), progress=False)
cpu = time.process_time() - t0
""",
    "datatrove DocumentTokenizer": """
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.tokens import DocumentTokenizer
ex = LocalPipelineExecutor(pipeline=[ParquetReader(os.path.dirname(DOCS), glob_pattern="docs.parquet"),
                                     DocumentTokenizer(OUT, tokenizer_name_or_path=TOK, eos_token="</s>")],
                           tasks=1, workers=1, logging_dir=OUT + "-logs")
t0 = time.process_time()
ex.run()
cpu = time.process_time() - t0
""",
    "datatrove MegatronDocumentTokenizer": """
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.tokens.megatron_tokenizer import MegatronDocumentTokenizer
ex = LocalPipelineExecutor(pipeline=[ParquetReader(os.path.dirname(DOCS), glob_pattern="docs.parquet"),
                                     MegatronDocumentTokenizer(OUT, tokenizer_name_or_path=TOK, eos_token="</s>")],
                           tasks=1, workers=1, logging_dir=OUT + "-logs")
t0 = time.process_time()
ex.run()
cpu = time.process_time() - t0
""",
    "tokenizers encode_batch (floor)": """
import pyarrow.parquet as pq
from tokenizers import Tokenizer
texts = pq.read_table(DOCS, columns=["text"])["text"].to_pylist()
tok = Tokenizer.from_file(TOK)
t0 = time.process_time()
for i in range(0, len(texts), 1000):
    tok.encode_batch(texts[i:i + 1000], add_special_tokens=False)
cpu = time.process_time() - t0
""",
    "tokenizers encode_batch_fast": """
import pyarrow.parquet as pq
from tokenizers import Tokenizer
texts = pq.read_table(DOCS, columns=["text"])["text"].to_pylist()
tok = Tokenizer.from_file(TOK)
t0 = time.process_time()
for i in range(0, len(texts), 1000):
    tok.encode_batch_fast(texts[i:i + 1000], add_special_tokens=False)
cpu = time.process_time() - t0
""",
}

HEAD = "import os, sys, time, json\nDOCS, TOK, OUT = sys.argv[1], sys.argv[2], sys.argv[3]\n"
TAIL = "\nprint(json.dumps({'cpu': cpu}))\n"


def prepare(n_docs: int) -> tuple[Path, Path, dict]:
    """Cached documents and tokenizer (generated once per size)."""
    from corpusforge.document import Document
    from corpusforge.synth import japanese_documents
    from corpusforge.tokenize.train import train_tokenizer

    d = WORK / f"docs-{n_docs}"
    docs_path, tok_dir = d / "docs.parquet", d / "tokenizer"
    if not docs_path.exists():
        import polars as pl

        d.mkdir(parents=True, exist_ok=True)
        rows = [{"id": f"b{i}", "text": x["text"], "edu_score": float(i % 50) / 10}
                for i, x in enumerate(japanese_documents(n_docs, seed=42))]
        pl.DataFrame(rows).write_parquet(docs_path)
    if not (tok_dir / "tokenizer.json").exists():
        import pyarrow.parquet as pq

        texts = pq.read_table(docs_path, columns=["id", "text"]).to_pylist()[:3000]
        train_tokenizer((Document(id=r["id"], text=r["text"]) for r in texts), 32000, tok_dir)
    import pyarrow.parquet as pq

    texts = pq.read_table(docs_path, columns=["text"])["text"].to_pylist()
    size = {"docs": len(texts), "chars": sum(map(len, texts)), "bytes": sum(len(t.encode()) for t in texts)}
    return docs_path, tok_dir / "tokenizer.json", size


def run_arm(name: str, docs: Path, tok: Path) -> float:
    env = dict(os.environ, RAYON_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        out = subprocess.run([sys.executable, "-c", HEAD + ARM_CODE[name] + TAIL, str(docs), str(tok),
                              str(Path(tmp) / "out")], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-3000:]}")
    return float(json.loads(out.stdout.strip().splitlines()[-1])["cpu"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the median CPU time per arm")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    docs, tok, size = prepare(args.docs)
    from tokenizers import Tokenizer

    t = Tokenizer.from_file(str(tok))
    import pyarrow.parquet as pq

    texts = pq.read_table(docs, columns=["text"])["text"].to_pylist()
    tokens = sum(len(e.ids) + 1 for e in t.encode_batch_fast(texts, add_special_tokens=False))
    times: dict[str, list[float]] = {name: [] for name in ARM_CODE}
    for r in range(args.repeat):
        for name in ARM_CODE:
            times[name].append(run_arm(name, docs, tok))
            print(f"round {r + 1}: {name}: {times[name][-1]:.2f} CPU s", file=sys.stderr)
    rows = []
    for name, ts in times.items():
        cpu = sorted(ts)[len(ts) // 2]
        rows.append({"arm": name, "cpu_s": round(cpu, 3), "rounds": [round(x, 3) for x in ts],
                     "docs_per_s_core": round(size["docs"] / cpu, 1), "mb_per_s_core": round(size["bytes"] / cpu / 1e6, 2),
                     "tokens_per_s_core": round(tokens / cpu)})
    by = {r["arm"]: r for r in rows}
    cf = by["corpusforge (one group)"]["cpu_s"]
    ratios = {"vs_datatrove_DocumentTokenizer": round(by["datatrove DocumentTokenizer"]["cpu_s"] / cf, 2),
              "vs_datatrove_MegatronDocumentTokenizer": round(by["datatrove MegatronDocumentTokenizer"]["cpu_s"] / cf, 2),
              "time_vs_encode_batch": round(cf / by["tokenizers encode_batch (floor)"]["cpu_s"], 3),
              "time_vs_encode_batch_fast": round(cf / by["tokenizers encode_batch_fast"]["cpu_s"], 3)}
    result = {"docs": size, "tokens": tokens, "vocab_size": t.get_vocab_size(), "rows": rows, "ratios": ratios}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{size['docs']:,} documents, {size['chars']:,} characters ({size['bytes'] / 1e6:.1f} MB UTF-8), "
          f"{tokens:,} tokens (vocabulary {t.get_vocab_size():,}); one thread per arm, median of {args.repeat}")
    print(f"| arm | CPU s | docs/s/core | MB/s/core | tokens/s/core |\n|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['arm']} | {r['cpu_s']:.2f} | {r['docs_per_s_core']:,.0f} | {r['mb_per_s_core']:.2f} | "
              f"{r['tokens_per_s_core']:,} |")
    print(json.dumps(ratios))


if __name__ == "__main__":
    main()
