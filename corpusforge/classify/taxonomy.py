"""The category taxonomy (``classifiers/category/taxonomy.yaml``): format and topic classes.

One file read by the labelling prompt (its class lists), the trainer (the label set of each
model) and the ``CategoryScore`` stage (the output values), so the three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from corpusforge.resources import data_dir

AXES = ("format", "topic")
MODEL_AXES = ("edu", *AXES)   # the axes a model is trained for: the edu score and the category axes


def default_taxonomy_path() -> Path:
    return data_dir("classifiers") / "category" / "taxonomy.yaml"


@dataclass(frozen=True)
class Taxonomy:
    """Classes per axis, in file order, each with ``description`` / ``includes`` / ``excludes``."""

    classes: dict[str, dict[str, dict[str, str]]]
    path: str = ""

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Taxonomy":
        p = Path(path) if path is not None else default_taxonomy_path()
        if not p.is_file():
            raise FileNotFoundError(f"taxonomy file not found: {p}")
        with open(p, encoding="utf-8") as f:
            raw: Any = yaml.safe_load(f)
        if not isinstance(raw, dict):
            raise ValueError(f"{p}: a taxonomy is a mapping with the axes {', '.join(AXES)}")
        classes: dict[str, dict[str, dict[str, str]]] = {}
        for axis in AXES:
            section = raw.get(axis)
            if not isinstance(section, dict) or not section:
                raise ValueError(f"{p}: axis {axis!r} is missing or empty")
            for key, spec in section.items():
                if not isinstance(spec, dict) or not all(isinstance(spec.get(f), str) and spec[f].strip()
                                                         for f in ("description", "includes", "excludes")):
                    raise ValueError(f"{p}: {axis}.{key} needs description, includes and excludes (text)")
                if key != key.strip().lower() or not key.replace("_", "").isalnum():
                    raise ValueError(f"{p}: {axis} key {key!r} must be lower-case letters, digits and _")
            classes[axis] = {str(k): {f: str(v[f]).strip() for f in ("description", "includes", "excludes")}
                             for k, v in section.items()}
        return cls(classes=classes, path=str(p))

    def keys(self, axis: str) -> list[str]:
        """The class keys of one axis, in file order (the column order of probability vectors)."""
        if axis not in self.classes:
            raise ValueError(f"unknown axis {axis!r}; axes: {', '.join(AXES)}")
        return list(self.classes[axis])

    def render(self, axis: str) -> str:
        """The class list of one axis as the labelling prompt shows it: one line per class."""
        return "\n".join(f"- `{k}`：{v['description']}。含む：{v['includes']}。含まない：{v['excludes']}。"
                         for k, v in self.classes[axis].items())
