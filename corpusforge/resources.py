"""Find the shipped data folders (``filters/``, ``classifiers/``).

In a wheel they are package data under ``corpusforge/_data/``; in a source checkout
(editable install, tests) they are the top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``filters`` or ``classifiers`` of this installation."""
    for cand in (_PKG / "_data" / name, _PKG.parent / name):
        if cand.is_dir():
            return cand
    raise FileNotFoundError(f"corpusforge data folder {name!r} not found (looked in {_PKG / '_data'} and {_PKG.parent})")


def data_file(name: str, *parts: str) -> Path:
    p = data_dir(name).joinpath(*parts)
    if not p.exists():
        raise FileNotFoundError(f"corpusforge data file not found: {p}")
    return p
