"""``corpusforge filter``: apply a rule-filter preset to text corpora, or re-apply changed
thresholds to the signals an earlier run recorded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from corpusforge.cli import EXIT_FAILED, EXIT_OK, CliError
from corpusforge.commands._options import add_array_options, check_output, expand_inputs, resolve_array

NAME = "filter"
HELP = "Apply a rule-filter preset (swallow, llmjp, default or a YAML) to jsonl / parquet text documents."

TEXT_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".parquet")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", "-p", default="default",
                   help="shipped preset (swallow, llmjp, default) or a YAML file with a 'filters:' section")
    p.add_argument("--input", "-i", action="append", metavar="GLOB",
                   help="documents: .jsonl / .jsonl.gz / .parquet with 'text' (and optional 'id', 'url'); "
                        "a glob, quoted; may repeat")
    p.add_argument("--output", "-o", required=True, metavar="DIR",
                   help="output directory (docs/, removed/, stats/)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="STAGE.PARAM=VALUE",
                   help="change a threshold, e.g. LengthFilter.min_chars=300, TopNgramFilter.max_ratio.2=0.25, "
                        "NGWordFilter[ng].ratio_limit=0.03 (value parsed as YAML); may repeat")
    p.add_argument("--reapply", metavar="OLD_OUT",
                   help="re-decide the documents of an earlier output from their recorded signals (with the "
                        "preset and --set changes) instead of reading --input; writes OUTPUT/docs, OUTPUT/removed")
    p.add_argument("--recompute", action="store_true",
                   help="with --reapply: measure signals that were not recorded from the stored text")
    p.add_argument("--stop-at-first-failure", action="store_true",
                   help="drop a document at its first failing rule instead of recording every signal (faster, "
                        "but dropped documents lack the later signals)")
    p.add_argument("--workers", "-w", type=int, default=1, help="processes on this machine (default 1)")
    add_array_options(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or "." not in key:
            raise CliError(f"--set {item!r}: expected STAGE.PARAM=VALUE")
        try:
            out[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise CliError(f"--set {item!r}: value is not valid YAML") from None
    return out


def filter_config(preset: str, overrides: dict[str, Any], first_failure: bool) -> dict[str, Any]:
    """The run config: shipped defaults (writer …) with the preset's filters, overrides applied."""
    from corpusforge.config import ConfigError, apply_overrides, build_stages, load_run_config
    from corpusforge.filters.rules import DropFailed, RecordAllSignals

    cfg = load_run_config(preset)
    entries = cfg.get("filters") or []
    if not entries:
        raise CliError(f"preset {preset!r} has no 'filters:' section")
    try:
        entries = apply_overrides(entries, overrides)
    except ValueError as e:
        raise CliError(str(e)) from None
    if first_failure:
        entries = [e for e in entries if e["stage"] not in (RecordAllSignals.__name__, DropFailed.__name__)]
    cfg["filters"] = entries
    try:
        build_stages(entries)  # fail fast on unknown stages / parameters / word lists / stage order
    except ConfigError as e:
        raise ConfigError(f"{preset}: {e}") from None
    return cfg


class TextReaderFactory:
    """Picklable factory of text readers (sent to worker processes)."""

    def __call__(self, path: Path):  # type: ignore[no-untyped-def]
        from corpusforge.io.readers import TextReader

        return TextReader(path)


def run(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.overrides)
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    if args.reapply:
        if args.input:
            raise CliError("--reapply reads the earlier output; do not give --input")
        return reapply_output(Path(args.reapply), check_output(args.output), args.preset, overrides, args.recompute)
    if not args.input:
        raise CliError("give --input files (or --reapply OLD_OUT)")
    inputs = expand_inputs(args.input)
    bad = [f for f in inputs if not f.endswith(TEXT_SUFFIXES)]
    if bad:
        raise CliError(f"not a text corpus file ({', '.join(TEXT_SUFFIXES)}): {bad[0]}")
    cfg = filter_config(args.preset, overrides, args.stop_at_first_failure)
    output = check_output(args.output)
    rank, world = resolve_array(args)

    from corpusforge.executors.summary import summary_table
    from corpusforge.phases.documents import run_documents_phase

    res = run_documents_phase("filter", inputs, output, TextReaderFactory(), cfg, sections=("filters",),
                              workers=args.workers, rank=rank, world_size=world, progress=not args.no_progress)
    print(f"\nfilter ({args.preset}): {res.files_total} files ({res.files_done_now} processed now, "
          f"{res.files_skipped} already done) in {res.seconds:.1f}s")
    print(summary_table(res.stats))
    print(f"\noutput: {output}")
    if res.failed:
        print(f"\n{len(res.failed)} input file(s) failed:", file=sys.stderr)
        for path, msg in res.failed:
            print(f"  {path}: {msg}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def reapply_output(old: Path, new: Path, preset: str, overrides: dict[str, Any], recompute: bool) -> int:
    """Re-decide an earlier output's documents from recorded signals; write NEW/docs and NEW/removed."""
    import polars as pl

    from corpusforge.filters import tuning
    from corpusforge.io.atomic import commit, tmp_path

    if not (old / "docs").is_dir() and not (old / "removed").is_dir():
        raise CliError(f"{old} has no docs/ or removed/ folder (not a corpusforge output)")
    if old.resolve() == new.resolve():
        raise CliError("--reapply needs a different --output folder")
    if any(next((new / kind).glob("*.parquet"), None) for kind in ("docs", "removed")):
        raise CliError(f"{new} already holds docs/ or removed/ files; re-apply into an empty folder")
    try:
        rules = tuning.preset_rules(preset, overrides)
    except ValueError as e:
        raise CliError(str(e)) from None
    df = tuning.load_output(old)
    if df.height == 0:
        raise CliError(f"{old}: no documents found")
    if recompute:
        df = tuning.recompute_signals(df, preset, overrides)
    decided = tuning.reapply(df, rules)
    missing = tuning.missing_signals(df, rules)
    stage_of = {r.reason: r.stage for r in rules}
    decided = decided.with_columns(
        pl.when(pl.col("kept_now")).then(None).otherwise(pl.coalesce(pl.col("new_reason"), pl.col("reason")))
        .alias("reason"),
        pl.when(pl.col("kept_now")).then(None).otherwise(
            pl.coalesce(pl.col("new_reason").replace_strict(stage_of, default=None), pl.col("stage")))
        .alias("stage"),
    )
    if "drop_reasons" in decided.columns:
        decided = decided.with_columns(pl.col("new_drop_reasons").alias("drop_reasons"))
    helper = ["kept", "kept_now", "new_reason", "new_drop_reasons", "undecided", "_file"]
    for kind, part in (("docs", decided.filter(pl.col("kept_now"))), ("removed", decided.filter(~pl.col("kept_now")))):
        (new / kind).mkdir(parents=True, exist_ok=True)
        for (name,), rows in part.group_by("_file", maintain_order=True):
            origin = "d" if rows["kept"][0] else "r"
            rows = rows.drop(helper)
            if kind == "docs":
                rows = rows.drop(["reason", "stage"])
            final = new / kind / f"{Path(str(name)).stem}.{origin}.parquet"
            tmp = tmp_path(final)
            rows.write_parquet(tmp)
            commit(tmp, final)
    before = int(df["kept"].sum())
    after = int(decided["kept_now"].sum())
    undecided = int(decided["undecided"].sum())
    print(f"re-applied {len(rules)} rules of {preset!r}"
          + (f" with {', '.join(f'{k}={v}' for k, v in overrides.items())}" if overrides else "")
          + f" to {df.height:,} documents from {old}")
    print(f"kept before: {before:,}   kept now: {after:,}   "
          f"newly removed: {int((decided['kept'] & ~decided['kept_now']).sum()):,}   "
          f"newly kept: {int((~decided['kept'] & decided['kept_now']).sum()):,}")
    with pl.Config(tbl_rows=200, tbl_width_chars=200, fmt_str_lengths=80, tbl_hide_dataframe_shape=True):
        print(tuning.removal_table(df, rules).select("reason", "rule", "fails_alone", "removed_first",
                                                     "missing_signal"))
    if undecided:
        print(f"\n{undecided:,} documents could not be re-decided (signals missing: "
              f"{', '.join(f'{k} ({v:,})' for k, v in missing.items())}); they keep their old status. "
              "Use --recompute, or record all signals in the first run.", file=sys.stderr)
    print(f"\noutput: {new}")
    return EXIT_OK
