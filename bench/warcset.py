"""The generated WARC set shared by the extraction benchmarks (cached under bench/work/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORK = ROOT / "bench" / "work"


def ensure_warc_set(records: int, files: int, seed: int, ja_fraction: float) -> list[Path]:
    """``files`` WARC files with ``records`` responses in all, generated once and reused.

    Seeds ``seed, seed+1, ...``: the same arguments give the same bytes, so the cache is
    keyed by the arguments only.
    """
    from corpusforge.synth.warcgen import generate_warc

    folder = WORK / f"warcset-r{records}-f{files}-s{seed}-ja{ja_fraction}"
    folder.mkdir(parents=True, exist_ok=True)
    per_file = [records // files + (1 if i < records % files else 0) for i in range(files)]
    paths = []
    for i, n in enumerate(per_file):
        path = folder / f"CC-SYNTH-{seed + i:05d}.warc.gz"
        if not (path.exists() and Path(str(path) + ".truth.jsonl").exists()):
            generate_warc(path, records=n, seed=seed + i, ja_fraction=ja_fraction)
        paths.append(path)
    return paths


def load_truth(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """URL → truth row of the generator's sidecars."""
    truth: dict[str, dict[str, Any]] = {}
    for p in paths:
        with open(str(p) + ".truth.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                truth[row["url"]] = row
    return truth


def japanese_urls(truth: dict[str, dict[str, Any]]) -> set[str]:
    """The pages a Japanese corpus should contain: Japanese HTML answered with HTTP 200."""
    return {u for u, r in truth.items() if r.get("is_japanese") and r.get("status") == 200}
