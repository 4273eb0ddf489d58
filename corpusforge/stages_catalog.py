"""Import every module of the stage subpackages so their ``@register`` runs."""

from __future__ import annotations

import importlib
import pkgutil

_SUBPACKAGES = ("corpusforge.io", "corpusforge.extract", "corpusforge.filters", "corpusforge.dedup", "corpusforge.classify")

for _pkg_name in _SUBPACKAGES:
    _pkg = importlib.import_module(_pkg_name)
    for _mod in pkgutil.iter_modules(_pkg.__path__):
        if not _mod.name.startswith("_"):
            importlib.import_module(f"{_pkg_name}.{_mod.name}")
