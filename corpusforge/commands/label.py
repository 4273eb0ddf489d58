"""``corpusforge label``: have an LLM label documents with edu score, format and topic (resumable).

Three ways in:
* HTTP (default): any OpenAI-compatible chat-completions endpoint (vLLM, SGLang,
  llama.cpp server, OpenAI) with many requests in flight;
* ``--backend vllm``: an in-process vLLM engine on a GPU node;
* ``--import-replies FILE``: replies produced elsewhere (JSONL of ``{id, raw_reply, model}``).
``--export-prompts FILE`` writes the exact prompts of a sample for labellers that work
without an endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from corpusforge.cli import EXIT_FAILED, EXIT_OK, CliError

NAME = "label"
HELP = "Label a sample of documents with an LLM (edu score 0-5, format, topic) into a labels parquet."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", "-i", metavar="PATH", help="output directory (its docs/*.parquet), or a "
                   "parquet / jsonl file with id and text")
    p.add_argument("--output", "-o", metavar="FILE", help="labels parquet (created, or extended: ids "
                   "already labelled are skipped)")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1")
    p.add_argument("--model", help="model name the endpoint serves (or the vLLM model to load)")
    p.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the API key "
                   "(omit for endpoints without authentication)")
    p.add_argument("--n", type=int, default=None, help="documents to sample (default: all)")
    p.add_argument("--sample", choices=("uniform", "stratified"), default="uniform",
                   help="uniform, or stratified by domain and length bucket so rare kinds appear")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    p.add_argument("--rps", type=float, default=None, help="at most this many requests per second")
    p.add_argument("--max-doc-tokens", type=int, default=None,
                   help="token budget per document (estimated from characters; default from the recipe)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for a reply (default 120)")
    p.add_argument("--retries", type=int, default=5, help="retries per request on 429/5xx/timeouts (default 5)")
    p.add_argument("--backoff", type=float, default=1.0, help="first retry delay in seconds, doubled each retry")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--backend", choices=("http", "vllm"), default="http", help="http (default) or vllm")
    p.add_argument("--prompt", metavar="FILE", help="prompt file (default: the shipped one-pass classifiers/label/prompt_ja.md)")
    p.add_argument("--config", metavar="FILE", help="classifier recipe (default: shipped classifiers/train.yaml)")
    p.add_argument("--labeller", help="who labels, recorded per row (default: http:<base-url> / vllm:<model>)")
    p.add_argument("--max-tokens", type=int, default=None, help="reply length limit (default from the recipe)")
    p.add_argument("--temperature", type=float, default=None, help="sampling temperature (default from the recipe)")
    p.add_argument("--export-prompts", metavar="FILE", help="write {id, prompt_hash, prompt} JSONL of the "
                   "sample (ids not yet in --output) instead of labelling")
    p.add_argument("--import-replies", metavar="FILE", help="import {id, raw_reply, model} JSONL replies "
                   "into --output instead of labelling")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _load(args: argparse.Namespace) -> tuple[dict[str, Any], Any]:
    from corpusforge.classify.prompt import LabelPrompt
    from corpusforge.classify.recipe import load_recipe

    try:
        return load_recipe(args.config), LabelPrompt.load(args.prompt)
    except (FileNotFoundError, ValueError) as e:
        raise CliError(str(e)) from None


def _sample(args: argparse.Namespace, recipe: dict[str, Any]) -> list[tuple[str, str]]:
    from corpusforge.classify.documents import document_files, load_texts, sample_ids, scan_candidates

    if not args.input:
        raise CliError("--input is required (an output directory or a parquet/jsonl file)")
    if args.n is not None and args.n <= 0:
        raise CliError("--n must be positive")
    try:
        files = document_files(args.input)
    except FileNotFoundError as e:
        raise CliError(str(e)) from None
    candidates = scan_candidates(files)
    if not candidates:
        raise CliError(f"no documents with a text in {args.input}")
    ids = sample_ids(candidates, args.n, args.sample, args.seed, recipe["label"].get("length_edges"))
    rows = load_texts(files, set(ids))
    return [(i, rows[i]["text"]) for i in ids]


def _import(args: argparse.Namespace) -> int:
    from corpusforge.classify.labels import import_replies

    if not args.output:
        raise CliError("--output is required with --import-replies")
    if not Path(args.import_replies).is_file():
        raise CliError(f"replies file not found: {args.import_replies}")
    try:
        s = import_replies(args.import_replies, args.output, prompt_path=args.prompt, labeller=args.labeller,
                           model=args.model)
    except ValueError as e:
        raise CliError(str(e)) from None
    bad = ", ".join(f"{k} {v}" for k, v in sorted(s.bad_lines.items())) or "none"
    print(f"imported {s.imported} of {s.read} lines into {args.output} ({s.unparseable} unparseable, "
          f"{s.skipped_existing} already there, bad lines: {bad})")
    return EXIT_OK


def _export(args: argparse.Namespace, recipe: dict[str, Any], prompt: Any, docs: list[tuple[str, str]]) -> int:
    from corpusforge.classify.labels import read_labels_table
    from corpusforge.io.atomic import atomic_write_text

    done = set(read_labels_table(args.output).column("id").to_pylist()) if args.output else set()
    budget = args.max_doc_tokens or int(recipe["label"].get("max_doc_tokens", 3000))
    lines = []
    for doc_id, text in docs:
        if doc_id not in done:
            content, _ = prompt.render(text, budget)
            lines.append(json.dumps({"id": doc_id, "prompt_hash": prompt.hash, "prompt": content}, ensure_ascii=False))
    atomic_write_text(args.export_prompts, "\n".join(lines) + ("\n" if lines else ""))
    print(f"wrote {len(lines)} prompts (prompt {prompt.hash}) to {args.export_prompts}; "
          f"{len(docs) - len(lines)} sampled ids already labelled")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.import_replies:
        return _import(args)
    recipe, prompt = _load(args)
    docs = _sample(args, recipe)
    if args.export_prompts:
        return _export(args, recipe, prompt, docs)
    if not args.output:
        raise CliError("--output is required")
    if not args.model:
        raise CliError("--model is required")
    from corpusforge.classify.client import EndpointSettings, LabelRunAborted, label_documents
    from corpusforge.classify.labels import LabelStore

    lab = recipe["label"]
    budget = args.max_doc_tokens or int(lab.get("max_doc_tokens", 3000))
    temperature = args.temperature if args.temperature is not None else float(lab.get("temperature", 0.0))
    max_tokens = args.max_tokens or int(lab.get("max_tokens", 512))
    try:
        store = LabelStore(args.output, batch_size=int(lab.get("flush_every", 32)))
    except OSError as e:
        raise CliError(f"cannot open labels file {args.output}: {e}") from None
    if store.prompt_hashes - {prompt.hash}:
        raise CliError(f"{args.output} holds labels made with prompt(s) {', '.join(sorted(store.prompt_hashes))}; "
                       f"the prompt now is {prompt.hash}: write to a new --output")
    print(f"labelling {len(docs)} sampled documents with prompt {prompt.hash} ({args.sample} sample, seed "
          f"{args.seed}) into {args.output}", file=sys.stderr)
    try:
        if args.backend == "vllm":
            from corpusforge.classify.vllm_backend import label_with_vllm, vllm_available

            if not vllm_available():
                raise CliError("--backend vllm needs vLLM installed: pip install 'corpusforge[vllm]'")
            summary = label_with_vllm(docs, store, args.model, prompt, budget, temperature, max_tokens,
                                      labeller=args.labeller, progress=not args.no_progress)
        else:
            if not args.base_url:
                raise CliError("--base-url is required for the http backend")
            api_key = None
            if args.api_key_env:
                api_key = os.environ.get(args.api_key_env)
                if not api_key:
                    raise CliError(f"environment variable {args.api_key_env} (from --api-key-env) is not set")
            settings = EndpointSettings(base_url=args.base_url, model=args.model, api_key=api_key,
                                        timeout_s=args.timeout, temperature=temperature, max_tokens=max_tokens,
                                        retries=max(0, args.retries), backoff_base_s=max(0.0, args.backoff))
            try:
                summary = label_documents(docs, store, settings, prompt, concurrency=args.concurrency, rps=args.rps,
                                          max_doc_tokens=budget, labeller=args.labeller,
                                          progress=not args.no_progress, seed=args.seed)
            except ValueError as e:
                raise CliError(str(e)) from None
            except LabelRunAborted as e:
                for line in e.summary.lines():
                    print(line)
                raise CliError(f"{e}. Labels made so far are saved in {args.output}; re-run the same command to "
                               "continue.", EXIT_FAILED) from None
    finally:
        store.close()
    for line in summary.lines():
        print(line)
    return EXIT_FAILED if summary.failed_total else EXIT_OK
