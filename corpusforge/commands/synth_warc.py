"""``corpusforge synth-warc``: write a deterministic CommonCrawl-like WARC for demos, tests and benchmarks."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from corpusforge.cli import CliError

NAME = "synth-warc"
HELP = "write a synthetic CommonCrawl-like WARC (deterministic by seed) plus its ground-truth sidecar"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", required=True, help="output file, FILE.warc.gz or FILE.warc")
    parser.add_argument("--records", type=int, default=2000,
                        help="number of HTTP responses (each also gets a request and a metadata record); default 2000")
    parser.add_argument("--seed", type=int, default=0, help="random seed; same seed and arguments give the same bytes")
    parser.add_argument("--ja-fraction", type=float, default=0.05, help="share of Japanese HTML pages; default 0.05")
    parser.add_argument("--dup-fraction", type=float, default=0.04, help="share of pages that are exact copies; default 0.04")
    parser.add_argument("--near-dup-fraction", type=float, default=0.06,
                        help="share of pages that are edited re-posts; default 0.06")
    parser.add_argument("--page-weight", default="light", metavar="{light,cc}",
                        help="light (default): compact pages of ~3 KB; cc: the same pages and truth inside "
                             "CommonCrawl-sized markup (~160 KB of HTML on average: scripts, styles, menus, link farms)")
    parser.add_argument("--truncate-last", action="store_true", help="cut the last response record in half")
    parser.add_argument("--no-truth", action="store_true", help="do not write OUTPUT.truth.jsonl")


def _check(args: argparse.Namespace) -> Path:
    out = Path(args.output)
    if not (out.name.endswith(".warc") or out.name.endswith(".warc.gz")):
        raise CliError(f"--output must end in .warc or .warc.gz: {args.output}")
    if args.records < 1:
        raise CliError(f"--records must be at least 1, got {args.records}")
    for name in ("ja_fraction", "dup_fraction", "near_dup_fraction"):
        value = getattr(args, name)
        if not 0.0 <= value <= 1.0:
            raise CliError(f"--{name.replace('_', '-')} must be within [0, 1], got {value}")
    from corpusforge.synth.pages import PAGE_WEIGHTS

    if args.page_weight not in PAGE_WEIGHTS:
        raise CliError(f"--page-weight must be one of {', '.join(PAGE_WEIGHTS)}, got {args.page_weight!r}")
    if args.dup_fraction + args.near_dup_fraction > 1.0:
        raise CliError("--dup-fraction plus --near-dup-fraction must not exceed 1")
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CliError(f"cannot create output folder {parent}: {e.strerror}") from e
    if not os.access(parent, os.W_OK):
        raise CliError(f"output folder is not writable: {parent}")
    return out


def run(args: argparse.Namespace) -> int:
    from corpusforge.synth import generate_warc

    out = _check(args)
    start = time.perf_counter()
    try:
        summary = generate_warc(out, records=args.records, seed=args.seed, ja_fraction=args.ja_fraction,
                                dup_fraction=args.dup_fraction, near_dup_fraction=args.near_dup_fraction,
                                truncate_last=args.truncate_last, write_truth=not args.no_truth,
                                page_weight=args.page_weight)
    except OSError as e:
        raise CliError(f"cannot write {out}: {e.strerror}") from e
    seconds = time.perf_counter() - start
    kinds = ", ".join(f"{k}={v}" for k, v in summary["kinds"].items())
    print(f"wrote {summary['path']}: {summary['responses']} responses ({summary['warc_records']} WARC records), "
          f"{summary['japanese_pages']} Japanese pages, {summary['page_weight']} page weight, "
          f"{summary['bytes'] / 1e6:.1f} MB in {seconds:.1f} s")
    if summary["truth_path"]:
        print(f"truth: {summary['truth_path']}")
    print(f"kinds: {kinds}")
    return 0
