"""Memory of the shard phase against the corpus size: it must not grow with it.

The documents of ``bench_shard.py`` (``--docs`` generated Japanese documents, one parquet
file) are copied into ``--scales`` corpora of 1, 4, 16, ... files (ids made unique per
copy, so every copy is its own document), and each corpus goes through the whole shard
phase in its own process (one worker: every task runs in that process) with the same
mixture: a group repeated 2.5 times, a group thinned to 60% preferring high
``edu_score`` (the remainder cut), and a fixed ``--max-shard-tokens``. Measured per
corpus: documents, tokens, shards, the peak heap of the process (``RssAnon``, sampled every
10 ms: its own memory) and its peak RSS (``ru_maxrss``: the heap plus the pages of the token
files the write tasks map, page cache the kernel takes back), the most document copies one
write task held (its bucket), and CPU seconds.

    .venv/bin/python bench/bench_shard_memory.py [--docs 20000] [--scales 1 4 16] [--max-shard-tokens 8000000]

Writes ``bench/results/shard_memory.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_shard import ROOT, WORK, prepare

RESULTS = ROOT / "bench" / "results" / "shard_memory.json"

ARM = """
import json, resource, sys, threading, time
import corpusforge.shard.phase as phase

peak_anon = [0]

def sample_anon():  # the process's own memory (RssAnon): RSS without the pages of mapped files
    while True:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    peak_anon[0] = max(peak_anon[0], int(line.split()[1]) * 1024)
        time.sleep(0.01)

threading.Thread(target=sample_anon, daemon=True).start()
from corpusforge.mix import Mixture
from corpusforge.shard import ShardSettings, run_shard_phase

files, tok, out, max_shard = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
held = []
real = phase._bucket_entries

def spy(*args):
    entries, file_of = real(*args)
    held.append(len(entries))
    return entries, file_of

phase._bucket_entries = spy
mix = Mixture.from_mapping({"seed": 1, "materialize": True, "max_shard_tokens": max_shard, "groups": [
    {"name": "edu", "where": {"edu_score": {"min": 3.5}}, "multiplicity": 2.5},
    {"name": "rest", "multiplicity": 0.6, "prefer": "edu_score"}]})
t0 = time.process_time()
stats = run_shard_phase(files, ShardSettings(output=out, mixture=mix, tokenizer=tok), progress=False).stats
print(json.dumps({"cpu": time.process_time() - t0, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "peak_heap": peak_anon[0],
                  "documents_in": stats["input"]["documents"], "tokens_in": stats["input"]["tokens"],
                  "documents_out": stats["output"]["documents"], "tokens_out": stats["output"]["tokens"],
                  "shards": stats["output"]["shards"], "max_bucket_documents": max(held),
                  "seconds": stats["seconds"]}))
"""


def corpus_files(docs: Path, count: int) -> list[str]:
    """``count`` copies of the documents file, each with its own ids (made once, reused)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = WORK / "shard-memory" / docs.parent.name
    folder.mkdir(parents=True, exist_ok=True)
    table = None
    paths = []
    for i in range(count):
        path = folder / f"part-{i:05d}.parquet"
        if not path.exists():
            table = table if table is not None else pq.read_table(docs)
            ids = pc.binary_join_element_wise(pa.scalar(f"c{i}"), pc.cast(table["id"], pa.string()), "/")
            pq.write_table(table.set_column(table.column_names.index("id"), "id", ids), path)
        paths.append(str(path))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20000, help="documents per file")
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16], help="files per corpus")
    ap.add_argument("--max-shard-tokens", type=int, default=8_000_000)
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    docs, tok, _ = prepare(args.docs)
    rows = []
    for scale in args.scales:
        files = corpus_files(docs, scale)
        with tempfile.TemporaryDirectory(dir=WORK) as tmp:
            run = subprocess.run([sys.executable, "-c", ARM, json.dumps(files), str(tok), str(Path(tmp) / "out"),
                                  str(args.max_shard_tokens)], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise RuntimeError(f"{scale} files failed:\n{run.stderr[-3000:]}")
        row = {"files": scale, **json.loads(run.stdout.strip().splitlines()[-1])}
        rows.append(row)
        print(f"{scale} files: {row['documents_in']:,} documents, {row['tokens_in']:,} tokens -> "
              f"{row['documents_out']:,} copies in {row['shards']} shards; peak heap {row['peak_heap'] / 2**20:,.0f} MiB, "
              f"RSS {row['peak_rss'] / 2**20:,.0f} MiB; "
              f"largest bucket {row['max_bucket_documents']:,} copies; {row['cpu']:.1f} CPU s", file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"docs_per_file": args.docs, "max_shard_tokens": args.max_shard_tokens,
                                   "rows": rows}, indent=1) + "\n")
    print("| files | documents in | tokens in | copies out | shards | largest bucket (copies) | peak heap MiB "
          "| peak RSS MiB | CPU s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['files']} | {r['documents_in']:,} | {r['tokens_in']:,} | {r['documents_out']:,} | {r['shards']} | "
              f"{r['max_bucket_documents']:,} | {r['peak_heap'] / 2**20:,.0f} | {r['peak_rss'] / 2**20:,.0f} | "
              f"{r['cpu']:.1f} |")


if __name__ == "__main__":
    main()
