"""``corpusforge tokenizer train``: a byte-level BPE tokenizer from Japanese documents."""

from __future__ import annotations

import argparse
from pathlib import Path

from corpusforge.cli import EXIT_OK, CliError

NAME = "tokenizer"
HELP = "Train a tokenizer on documents (MeCab-split for training only; saved self-contained)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="tokenizer_command", metavar="{train}")
    t = sub.add_parser("train", help="train a byte-level BPE tokenizer.json",
                       description="MeCab splits the training text into words that no token crosses; the saved "
                                   "tokenizer.json needs no MeCab. One document in --held-out-every is kept out of "
                                   "training and its characters per token are reported.")
    t.add_argument("--input", "-i", action="append", required=True, metavar="GLOB",
                   help="documents (parquet / jsonl / jsonl.gz with a text column); a glob, quoted; may repeat")
    t.add_argument("--vocab-size", type=int, required=True, metavar="N", help="vocabulary size (e.g. 65000)")
    t.add_argument("--output", "-o", required=True, metavar="DIR",
                   help="writes DIR/tokenizer.json, tokenizer_config.json, training.json")
    t.add_argument("--held-out-every", type=int, default=20, metavar="K",
                   help="one document in K (by id hash) is held out (default 20)")
    t.add_argument("--min-frequency", type=int, default=2, help="minimum pair count of a merge (default 2)")
    t.add_argument("--max-chars", type=int, default=0, help="stop adding training text after this many "
                   "characters (default 0: all)")
    t.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    if args.tokenizer_command != "train":
        raise CliError("usage: corpusforge tokenizer train --input DOCS --vocab-size N --output DIR")
    from corpusforge.commands.run import expand_inputs

    report = train_from_files(expand_inputs(args.input), args.vocab_size, Path(args.output), args.held_out_every,
                              args.min_frequency, args.max_chars, not args.no_progress)
    print(f"tokenizer: {report.vocab_size:,} tokens, trained on {report.documents_train:,} documents "
          f"({report.chars_train:,} chars) in {report.seconds:.1f}s -> {Path(args.output) / 'tokenizer.json'}")
    if report.tokens_held_out:
        print(f"held-out: {report.documents_held_out:,} documents, {report.chars_held_out:,} chars, "
              f"{report.chars_per_token_held_out:.3f} characters per token")
    return EXIT_OK


def train_from_files(files: list[str], vocab_size: int, output: Path, held_out_every: int = 20,
                     min_frequency: int = 2, max_chars: int = 0, progress: bool = True):  # type: ignore[no-untyped-def]
    """Train on the documents of ``files`` (the demo calls this too)."""
    from corpusforge.io.readers import TextReader
    from corpusforge.tokenize.train import train_tokenizer

    def docs():  # type: ignore[no-untyped-def]
        for f in files:
            yield from TextReader(f).read()

    try:
        return train_tokenizer(docs(), vocab_size, output, held_out_every=held_out_every,
                               min_frequency=min_frequency, max_chars=max_chars, progress=progress)
    except ValueError as e:
        raise CliError(str(e)) from None
