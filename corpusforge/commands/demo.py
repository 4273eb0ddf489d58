"""``corpusforge demo``: the whole job on the embedded default input.

The default input is a set of CommonCrawl-like WARC files produced by the built-in
generator (deterministic by seed), so the demo needs nothing from the network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from corpusforge.cli import CliError
from corpusforge.commands._options import check_output
from corpusforge.commands.run import add_run_options, build_run, execute

NAME = "demo"
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
    print(f"generating {args.files} WARC files × {args.records} pages (seed {args.seed}) in {output / 'input'} …")
    inputs = generate_inputs(output / "input", args.files, args.records, args.ja_fraction, args.seed)
    return execute(build_run(inputs, args), args)
