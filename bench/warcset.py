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


def ensure_warc_set(records: int, files: int, seed: int, ja_fraction: float, page_weight: str = "light") -> list[Path]:
    """``files`` WARC files with ``records`` responses in all, generated once and reused.

    Seeds ``seed, seed+1, ...``: the same arguments give the same bytes, so the cache is
    keyed by the arguments only. ``page_weight``: ``light`` (compact pages) or ``cc``
    (the same pages with CommonCrawl-sized markup, ~160 KB of HTML on average); the
    ``light`` folder keeps its old name so existing caches stay valid.
    """
    from corpusforge.synth.warcgen import generate_warc

    suffix = "" if page_weight == "light" else f"-w{page_weight}"
    folder = WORK / f"warcset-r{records}-f{files}-s{seed}-ja{ja_fraction}{suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    per_file = [records // files + (1 if i < records % files else 0) for i in range(files)]
    paths = []
    for i, n in enumerate(per_file):
        path = folder / f"CC-SYNTH-{seed + i:05d}.warc.gz"
        if not (path.exists() and Path(str(path) + ".truth.jsonl").exists()):
            generate_warc(path, records=n, seed=seed + i, ja_fraction=ja_fraction, page_weight=page_weight)
        paths.append(path)
    return paths


def add_warcset_arguments(ap: Any) -> None:
    """The options that pick the generated WARC set (cached per combination)."""
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ja-fraction", type=float, default=0.05)
    add_page_weight_argument(ap)


def add_page_weight_argument(ap: Any) -> None:
    """The shared ``--page-weight`` option of the extraction benchmarks."""
    ap.add_argument("--page-weight", choices=("light", "cc"), default="light",
                    help="light: compact generated pages (~3 KB); cc: the same pages with CommonCrawl-sized "
                         "markup (~160 KB mean, 85 KB median, see corpusforge/synth/pages.py); cached separately")


def warc_module_commit() -> str:
    """The last commit of corpusforge/io/warc.py (and whether the file has local edits):
    benchmark figures depend on the WARC reader, which changes independently."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("log", "-1", "--format=%h", "--", "corpusforge/io/warc.py") or "unknown"
    dirty = git("status", "--porcelain", "--", "corpusforge/io/warc.py")
    blob = git("hash-object", "corpusforge/io/warc.py")[:10]
    return f"{commit} (file blob {blob}{', uncommitted edits' if dirty else ''})"


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
