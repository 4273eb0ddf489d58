"""``corpusforge demo``: the whole job on the embedded default input.

The default input is a set of CommonCrawl-like WARC files produced by the built-in
generator (deterministic by seed), so the demo needs nothing from the network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from corpusforge.cli import CliError
from corpusforge.commands.run import add_run_options, check_output, execute_run, load_and_check_config, resolve_array

NAME = "demo"
DEMO_PHASES = "extract,dedup,apply,shard"
DEMO_VOCAB_SIZE = 8000  # small: the demo corpus is a few hundred documents
HELP = "Generate the embedded default WARC input and run the whole pipeline on it."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", default="demo-out", metavar="DIR", help="output directory (default demo-out)")
    p.add_argument("--files", type=int, default=4, help="WARC files to generate (default 4)")
    p.add_argument("--records", type=int, default=2500, help="pages per WARC file (default 2500)")
    p.add_argument("--ja-fraction", type=float, default=0.05, help="share of Japanese pages (default 0.05)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    add_run_options(p)
    p.set_defaults(workers=2)


def generate_inputs(directory: Path, files: int, records: int, ja_fraction: float, seed: int) -> list[str]:
    """The demo's WARC files, generated once (kept if already there with the same settings)."""
    from corpusforge.synth import generate_warc

    directory.mkdir(parents=True, exist_ok=True)
    stamp = directory / "settings.txt"
    settings = f"files={files} records={records} ja_fraction={ja_fraction} seed={seed}\n"
    paths = [directory / f"CC-MAIN-DEMO-{seed:04d}-{i:05d}.warc.gz" for i in range(files)]
    if stamp.exists() and stamp.read_text() == settings and all(p.exists() for p in paths):
        return [str(p) for p in paths]
    for i, p in enumerate(paths):
        generate_warc(p, records=records, seed=seed * 1000 + i, ja_fraction=ja_fraction)
    stamp.write_text(settings)
    return [str(p) for p in paths]


def run(args: argparse.Namespace) -> int:
    if args.files < 1 or args.records < 1:
        raise CliError("--files and --records must be at least 1")
    if not 0 <= args.ja_fraction <= 1:
        raise CliError("--ja-fraction must be within [0, 1]")
    output = check_output(args.output)
    rank, world = resolve_array(args)
    cfg = load_and_check_config(args.config)
    print(f"generating {args.files} WARC files × {args.records} pages (seed {args.seed}) in {output / 'input'} …")
    inputs = generate_inputs(output / "input", args.files, args.records, args.ja_fraction, args.seed)
    phases = [p.strip() for p in (args.phases or DEMO_PHASES).split(",") if p.strip()]
    if "shard" not in phases or rank is not None:
        return execute_run(inputs, output, cfg, args.workers, rank, world, phases, not args.no_progress)
    before = [p for p in phases if p != "shard"]
    status = execute_run(inputs, output, cfg, args.workers, rank, world, before, not args.no_progress) if before \
        else 0
    if status:
        return status
    shard_cfg = dict(cfg.get("shard") or {})
    if not shard_cfg.get("tokenizer"):
        shard_cfg["tokenizer"] = str(train_demo_tokenizer(output, not args.no_progress))
    cfg = {**cfg, "shard": shard_cfg}
    return execute_run(inputs, output, cfg, args.workers, rank, world, ["shard"], not args.no_progress)


def train_demo_tokenizer(output: Path, progress: bool) -> Path:
    """A small tokenizer trained on the demo's own documents (nothing is downloaded)."""
    from corpusforge.commands.tokenizer import train_from_files

    target = output / "tokenizer" / "tokenizer.json"
    docs = sorted(str(p) for p in (output / "deduped" / "docs").glob("*.parquet")) or \
        sorted(str(p) for p in (output / "docs").glob("*.parquet"))
    if target.exists():
        return target
    if not docs:
        raise CliError(f"no documents in {output} to train the demo tokenizer on")
    report = train_from_files(docs, DEMO_VOCAB_SIZE, target.parent, progress=progress)
    print(f"\ntokenizer: {report.vocab_size:,} tokens trained on {report.documents_train:,} documents -> {target}; "
          f"held-out {report.chars_per_token_held_out:.2f} characters per token")
    return target
