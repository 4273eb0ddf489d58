"""The classifier recipe (``classifiers/train.yaml``) with its sections checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("preprocess", "fasttext", "axes", "search", "quantize", "split", "eval", "baseline", "label", "seed")


def default_recipe_path() -> Path:
    from corpusforge.resources import data_dir

    return data_dir("classifiers") / "train.yaml"


def load_recipe(path: str | Path | None = None) -> dict[str, Any]:
    """The recipe as a dict of sections (every section present, possibly empty)."""
    p = Path(path) if path is not None else default_recipe_path()
    if not p.is_file():
        raise FileNotFoundError(f"classifier recipe not found: {p}")
    with open(p, encoding="utf-8") as f:
        try:
            data = yaml.safe_load(f) or {}
        except yaml.YAMLError as e:
            raise ValueError(f"{p}: invalid YAML: {e}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise ValueError(f"{p}: the recipe must be a mapping of sections")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ValueError(f"{p}: unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    out: dict[str, Any] = {}
    for s in SECTIONS:
        v = data.get(s) or {}
        if not isinstance(v, dict):
            raise ValueError(f"{p}: section {s!r} must be a mapping")
        out[s] = v
    out["_path"] = str(p)
    return out
