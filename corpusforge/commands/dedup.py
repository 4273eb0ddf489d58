"""``corpusforge dedup``: exact + near-duplicate removal over parquet / jsonl documents,
or the dedup phase of an existing ``corpusforge run`` output."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from corpusforge.cli import EXIT_FAILED, EXIT_OK, CliError

NAME = "dedup"
HELP = "Remove exact and near duplicates (MinHash LSH) from parquet/jsonl documents or a run output."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", "-i", action="append", metavar="GLOB",
                   help="documents (.parquet / .jsonl / .jsonl.gz with a 'text' column); a glob, quoted; may "
                        "repeat. Without --input, OUTPUT must be a `corpusforge run` output with signatures/")
    p.add_argument("--output", "-o", metavar="DIR", help="output directory")
    p.add_argument("--preset", "-p", default="dedup", help="MinHash preset in filters/ (default: dedup; "
                   "also dedup_swallow, dedup_fast, dedup_words) or a YAML file with a 'dedup:' section")
    p.add_argument("--config", "-c", metavar="FILE", help="YAML whose 'dedup:' section overrides the preset's")
    p.add_argument("--keep", choices=("longest", "best_quality", "newest"), help="which document of a cluster "
                   "to keep (default from the preset: longest)")
    p.add_argument("--against", metavar="OLD_OUT", help="an earlier dedup output: new documents that match its "
                   "documents are dropped, its own documents never are (incremental dedup)")
    p.add_argument("--workers", "-w", type=int, default=1, help="processes on this machine (default 1)")
    p.add_argument("--rank", type=int, help="array mode: this task's rank (all ranks meet at file markers)")
    p.add_argument("--world-size", type=int, help="array mode: number of tasks")
    p.add_argument("--no-apply", action="store_true", help="only find duplicates (dedup/drop), do not write docs")
    p.add_argument("--restart", action="store_true", help="discard earlier dedup work in OUTPUT and start over")
    p.add_argument("--text-key", default="text", help="text column (default text)")
    p.add_argument("--id-key", default="id", help="id column (default id; missing ids become <file>/<row>)")
    p.add_argument("--scurve", action="store_true", help="print the preset's S-curve and threshold, then exit")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _config(args: argparse.Namespace) -> dict[str, Any]:
    from corpusforge.config import load_config

    preset = load_config(args.preset)
    cfg = dict(preset.get("dedup") or {})
    if not cfg.get("minhash"):
        raise CliError(f"preset {args.preset!r} has no 'dedup: minhash:' section")
    if args.config:
        user = load_config(args.config).get("dedup") or {}
        if "minhash" in user:
            cfg["minhash"] = {**cfg["minhash"], **user["minhash"]}
        cfg.update({k: v for k, v in user.items() if k != "minhash"})
    if args.keep:
        cfg["keep"] = args.keep
    if args.against:
        if not Path(args.against).is_dir():
            raise CliError(f"--against {args.against!r} is not a directory")
        cfg["against"] = str(Path(args.against).resolve())
    return cfg


def _print_scurve(cfg: dict[str, Any], name: str) -> None:
    from corpusforge.dedup.minhash import MinHashParams
    from corpusforge.dedup.scurve import scurve_table, threshold

    p = MinHashParams.from_mapping(cfg["minhash"])
    print(f"preset {name}: {p.shingle} {p.ngram}-grams, {p.bands} bands x {p.rows} rows = {p.num_perm} permutations")
    print(f"threshold (P=0.5): {threshold(p.bands, p.rows):.3f}")
    print("  j     P(candidate)")
    for j, prob in scurve_table(p.bands, p.rows):
        print(f"  {j:.2f}  {prob:.3f}")


def run(args: argparse.Namespace) -> int:
    from corpusforge.commands._options import check_output, expand_inputs
    from corpusforge.dedup.sigfile import DedupError

    cfg = _config(args)
    if args.scurve:
        _print_scurve(cfg, args.preset)
        return EXIT_OK
    if not args.output:
        raise CliError("--output is required")
    if args.workers < 1:
        raise CliError("--workers must be at least 1")
    rank, world = args.rank, args.world_size
    if rank is not None and (world is None or not 0 <= rank < world):
        raise CliError("--rank needs --world-size above it")
    progress = not args.no_progress
    try:
        from corpusforge.dedup.minhash import MinHashParams
        from corpusforge.dedup.phase import DedupConfig

        DedupConfig.from_mapping(cfg)
        MinHashParams.from_mapping(cfg["minhash"])
    except (DedupError, ValueError) as e:
        raise CliError(f"invalid dedup config: {e}") from None
    try:
        if args.input:
            inputs = expand_inputs(args.input)
            bad = [f for f in inputs if not f.endswith((".parquet", ".jsonl", ".jsonl.gz", ".json.gz"))]
            if bad:
                raise CliError(f"not a parquet / jsonl file: {bad[0]}")
            output = check_output(args.output)
            from corpusforge.dedup.standalone import TextReaderFactory, dedup_files

            summary = dedup_files(inputs, output, cfg, workers=args.workers, apply=not args.no_apply,
                                  progress=progress, restart=args.restart,
                                  reader=TextReaderFactory(args.text_key, args.id_key), rank=rank, world_size=world)
        else:
            output = Path(args.output)
            if not (output / "signatures").is_dir():
                raise CliError(f"{output}: no signatures/ folder; pass --input documents, or run `corpusforge run` "
                               f"with the MinHashSignatures stage first")
            summary = _dedup_run_output(output, cfg, args, rank, world, progress)
    except DedupError as e:
        raise CliError(str(e)) from None
    _print_summary(summary, output)
    return EXIT_FAILED if summary.get("apply_failed") else EXIT_OK


def _dedup_run_output(output: Path, cfg: dict[str, Any], args: argparse.Namespace, rank: int | None,
                      world: int | None, progress: bool) -> dict[str, Any]:
    """The dedup phase of a run output; with apply, ``OUT/deduped/{docs,removed}``."""
    from corpusforge.dedup.phase import DedupPhase
    from corpusforge.dedup.standalone import ApplyPhase
    from corpusforge.executors.base import executor_for
    from corpusforge.phases import PhaseContext, run_phase
    from corpusforge.phases.documents import DocumentsResult

    dedup = DedupPhase(cfg, args.restart)
    with executor_for(args.workers, rank, world, dedup.cfg.barrier_timeout_s) as ex:
        ctx = PhaseContext(output, ex, progress=progress)
        summary = run_phase(dedup, ctx).summary
        apply = ApplyPhase()
        if not args.no_apply and apply.applies(ctx) is None:
            res = DocumentsResult.of(apply, run_phase(apply, ctx))
            summary["applied_files"] = res.files_total
            summary["apply_failed"] = [f"{p}: {m}" for p, m in res.failed]
    return summary


def _print_summary(summary: dict[str, Any], output: Path) -> None:
    keys = ("documents", "earlier_documents", "clusters", "docs_in_clusters", "dropped", "kept", "largest_cluster",
            "candidate_pairs", "cc_rounds", "threshold", "keep", "seconds")
    print("\ndedup: " + ", ".join(f"{k}={summary[k]}" for k in keys if k in summary))
    hist = summary.get("cluster_size_histogram") or {}
    if hist:
        print("cluster sizes: " + ", ".join(f"{k}: {v}" for k, v in hist.items()))
    for line in summary.get("apply_failed") or []:
        print(f"apply failed: {line}")
    print(f"output: {output} (dedup/summary.json, dedup/drop/, dedup/clusters/)")
