"""Host → category rules (``classifiers/category/host_rules.yaml``), applied before the models.

A registered domain says more than a page's first characters: pages under ``go.jp`` are
official whatever their wording. Rules match a host or a suffix on a label boundary; the
longest matching key wins, per axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from corpusforge.classify.taxonomy import AXES, Taxonomy
from corpusforge.resources import data_dir


def default_host_rules_path() -> Path:
    return data_dir("classifiers") / "category" / "host_rules.yaml"


def host_of(url: str | None) -> str:
    """Lower-case host of a URL without a trailing dot ("" when there is none)."""
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


class HostRules:
    """Axis → {host suffix → class}; ``lookup(url)`` gives the classes the rules decide."""

    def __init__(self, rules: dict[str, dict[str, str]]) -> None:
        self.rules = rules
        self._max_labels = max((k.count(".") + 1 for k in rules), default=0)

    @classmethod
    def load(cls, path: str | Path | None = None, taxonomy: Taxonomy | None = None) -> "HostRules":
        p = Path(path) if path is not None else default_host_rules_path()
        if not p.is_file():
            raise FileNotFoundError(f"host rules file not found: {p}")
        with open(p, encoding="utf-8") as f:
            raw: Any = yaml.safe_load(f) or {}
        entries = raw.get("rules") if isinstance(raw, dict) else None
        if not isinstance(entries, dict):
            raise ValueError(f"{p}: expected a mapping `rules: {{host: {{format: KEY, topic: KEY}}}}`")
        tax = taxonomy or Taxonomy.load()
        rules: dict[str, dict[str, str]] = {}
        for host, spec in entries.items():
            key = str(host).strip().lstrip(".").lower()
            if not key or not isinstance(spec, dict) or not spec:
                raise ValueError(f"{p}: rule {host!r} needs a mapping of axis to class")
            for axis, value in spec.items():
                if axis not in AXES:
                    raise ValueError(f"{p}: rule {host!r}: unknown axis {axis!r} (axes: {', '.join(AXES)})")
                if value not in tax.keys(axis):
                    raise ValueError(f"{p}: rule {host!r}: {value!r} is not a {axis} class of the taxonomy")
            rules[key] = {str(a): str(v) for a, v in spec.items()}
        return cls(rules)

    def lookup(self, url: str | None) -> dict[str, str]:
        """Axis → class decided by the longest matching rule of each axis (empty when none matches)."""
        host = host_of(url)
        if not host or not self.rules:
            return {}
        labels = host.split(".")
        found: dict[str, str] = {}
        for n in range(min(len(labels), self._max_labels), 0, -1):  # longest suffix first
            spec = self.rules.get(".".join(labels[-n:]))
            if spec:
                for axis, value in spec.items():
                    found.setdefault(axis, value)
        return found
