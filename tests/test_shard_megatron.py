"""The shards read back by the real megatron-core: IndexedDataset and a blended GPTDataset.

megatron-core is installed by this test into a venv of its own (``.venv-megatron/``, kept
between runs; ``CORPUSFORGE_MEGATRON_VENV`` to place it elsewhere): the CPU PyTorch first
(``torch==2.13.0``; a plain ``torch`` would pull a CUDA build of several GB), then
megatron-core. The reader runs there (``tests/megatron_read_shards.py``) and reports back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from corpusforge.mix import Mixture
from corpusforge.shard import ShardSettings, run_shard_phase
from corpusforge.synth import japanese_documents
from corpusforge.tokenize import TextTokenizer
from corpusforge.tokenize.train import train_tokenizer
from corpusforge.document import Document

ROOT = Path(__file__).resolve().parent.parent
TORCH = "torch==2.13.0"  # the CPU wheel on these machines; install it before megatron-core


def megatron_python() -> Path:
    venv = Path(os.environ.get("CORPUSFORGE_MEGATRON_VENV", ROOT / ".venv-megatron"))
    py = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists():
        return py
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + [TORCH], check=True, timeout=1200)
    subprocess.run(pip + ["megatron-core", "numpy", TORCH], check=True, timeout=1200)
    stamp.write_text("ok\n")
    return py


@pytest.mark.slow
def test_megatron_core_reads_shards_and_blend(tmp_path: Path) -> None:
    py = megatron_python()
    docs = japanese_documents(200, seed=5)
    rows = [{"id": f"m{i}", "text": d["text"], "edu_score": float(i % 5)} for i, d in enumerate(docs)]
    src = tmp_path / "docs.parquet"
    pl.DataFrame(rows).write_parquet(src)
    tok_dir = tmp_path / "tok"
    train_tokenizer([Document(id=r["id"], text=r["text"]) for r in rows], 2000, tok_dir)
    mix = Mixture.from_mapping({"max_shard_tokens": 15000, "groups": [
        {"name": "edu", "where": {"edu_score": {"min": 3}}, "multiplicity": 3},
        {"name": "rest", "multiplicity": 1}]})
    out = tmp_path / "shards"
    stats = run_shard_phase([str(src)], ShardSettings(output=str(out), mixture=mix, tokenizer=str(tok_dir)),
                            progress=False).stats
    tok = TextTokenizer(tok_dir)
    report = tmp_path / "megatron.json"
    subprocess.run([str(py), str(ROOT / "tests" / "megatron_read_shards.py"), str(out), str(tok.eos_id),
                    str(tok.vocab_size), "4000", str(report)], check=True, timeout=600,
                   stdout=subprocess.DEVNULL)
    got = json.loads(report.read_text())
    # IndexedDataset: every document once (blend mode), equal to a fresh tokenization
    fresh = Counter(tuple(tok.encode_documents([r["text"]]).tokens.tolist()) for r in rows)
    read = Counter(tuple(d) for docs_ in got["docs"].values() for d in docs_)
    assert read == fresh
    blend = json.loads((out / "blend.json").read_text())
    assert len(blend["prefixes"]) > 2  # several shards per group
    # the blended GPTDataset samples the prefixes by the weights of data-args.txt
    words = (out / "data-args.txt").read_text().split()
    weights = dict(zip(words[1::2], map(float, words[0::2])))
    assert got["samples"] >= 4000 and got["sample_tokens"] == 32
    for prefix, w in weights.items():
        assert abs(got["shares"].get(prefix, 0.0) - w) < 0.01, (prefix, w, got["shares"].get(prefix))
    groups = {g["name"]: g for g in stats["groups"]}
    edu_share = sum(s for p, s in got["shares"].items() if "/edu/" in p)
    expected = 3 * groups["edu"]["before"]["tokens"] / (3 * groups["edu"]["before"]["tokens"]
                                                        + groups["rest"]["before"]["tokens"])
    assert abs(edu_share - expected) < 0.01 and groups["edu"]["after"]["epochs"] == pytest.approx(3.0)
