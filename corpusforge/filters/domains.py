"""Domain names as blocklists and URLs give them: one normal form, and list files."""

from __future__ import annotations

from pathlib import Path


def normalize_host(host: str) -> str:
    """Lower case, no trailing dot, no leading ``www.``."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host


def read_domains(path: Path) -> list[str]:
    """The domains of a list file: one a line, ``#`` comments and blank lines skipped."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            d = line.strip()
            if d and not d.startswith("#"):
                out.append(normalize_host(d))
    return out
