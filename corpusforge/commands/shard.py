"""``corpusforge shard``: documents -> mixture -> Megatron token shards and blend weights."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from corpusforge.cli import EXIT_FAILED, EXIT_OK, CliError
from corpusforge.commands._options import add_array_options, check_output, expand_inputs, resolve_array

NAME = "shard"
HELP = "Tokenize documents into Megatron .bin/.idx shards per mixture group, with blend weights."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", "-i", action="append", required=True, metavar="GLOB",
                   help="documents: parquet / jsonl / jsonl.gz (e.g. 'OUT/deduped/docs/*.parquet'); may repeat")
    p.add_argument("--output", "-o", required=True, metavar="SHARDS", help="shard directory (created)")
    add_shard_options(p)
    p.add_argument("--workers", "-w", type=int, default=1, help="processes on this machine (default 1)")
    add_array_options(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_shard_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mixture", "-m", default="default", metavar="NAME|FILE",
                   help="mixture file or shipped preset (default: filters/mixture_default.yaml)")
    p.add_argument("--tokenizer", "-t", required=True, metavar="PATH",
                   help="tokenizer.json (or its directory) or a SentencePiece .model")
    p.add_argument("--eos", metavar="TOKEN", help="EOS token (default: eos_token of the tokenizer_config.json "
                   "beside the tokenizer)")
    p.add_argument("--bos", metavar="TOKEN", help="also start every document with this BOS token")
    p.add_argument("--materialize", action=argparse.BooleanOptionalAction, default=None,
                   help="write the repeats into the shards instead of carrying them in the blend weights")
    p.add_argument("--train-tokens", type=int, metavar="N", help="planned training tokens (epochs per group "
                   "are computed for it and checked against max_epochs)")
    p.add_argument("--total-tokens", type=int, metavar="N", help="output token budget of the mixture")
    p.add_argument("--export", choices=("parquet", "jsonl"), help="also write the final mixture as documents "
                   "to SHARDS/export/")


def shard_settings(values: dict[str, Any], output: Path, stats_path: Path | None = None) -> Any:
    """ShardSettings from the options (command line, or a run config's ``shard:`` section)."""
    from corpusforge.mix import MixtureError
    from corpusforge.shard import ShardSettings

    try:
        return ShardSettings.from_mapping(values, output, stats_path)
    except MixtureError as e:
        raise CliError(str(e)) from None


def execute_shard(inputs: list[str], settings: Any, workers: int, rank: int | None, world_size: int | None,
                  progress: bool) -> int:
    """Run the phase and print its table; errors of the mixture or tokenizer are one line."""
    from corpusforge.mix import MixtureError
    from corpusforge.shard import run_shard_phase
    from corpusforge.shard.phase import ShardError, summary_table
    from corpusforge.tokenize import TokenizerError

    try:
        res = run_shard_phase(inputs, settings, workers=workers, rank=rank, world_size=world_size, progress=progress)
    except (MixtureError, TokenizerError) as e:
        raise CliError(str(e)) from None
    except ShardError as e:
        print(f"corpusforge: shard failed: {e}", file=sys.stderr)
        return EXIT_FAILED
    if not res.stats:
        print(f"\nshard: rank {rank} done")
        return EXIT_OK
    s = res.stats
    out = Path(settings.output)
    print(f"\nshard ({s['mode']}, mixture {s['mixture']}): {s['input']['documents']:,} documents, "
          f"{s['input']['tokens']:,} tokens in -> {s['output']['shards']} shard(s), "
          f"{s['output']['tokens']:,} tokens written, planned training tokens {s['planned_train_tokens']:,}")
    print(summary_table(s))
    skipped = {k: v for k, v in s["input"]["counts"].items()}
    if skipped:
        print("counted: " + ", ".join(f"{k}={v:,}" for k, v in sorted(skipped.items())))
    for w in s["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"blend: {out / 'blend.json'}, {out / 'data-args.txt'}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    inputs = expand_inputs(args.input)
    bad = [f for f in inputs if not f.endswith((".parquet", ".jsonl", ".jsonl.gz", ".json"))]
    if bad:
        raise CliError(f"not a parquet / jsonl file: {bad[0]}")
    output = check_output(args.output)
    rank, world = resolve_array(args)
    from corpusforge.shard import ShardSettings

    settings = shard_settings({k: getattr(args, k) for k in ShardSettings.KEYS}, output)
    return execute_shard(inputs, settings, args.workers, rank, world, not args.no_progress)
