"""Where each registered stage lives, found without importing the stage subpackages.

A config names stages by class; importing every stage module to find one costs about
0.4 s per process (numpy, pyarrow and polars come with the dedup, classify and filter
modules), which an extraction task that uses six light stages should not pay. The
catalog reads the sources of the stage subpackages for ``@register`` classes and
imports only the module that defines the stage asked for. ``import_all()`` still
imports everything (listing the known stages, errors that name them).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from functools import lru_cache
from pathlib import Path

SUBPACKAGES = ("corpusforge.io", "corpusforge.text", "corpusforge.extract", "corpusforge.filters", "corpusforge.dedup",
               "corpusforge.classify")

_REGISTERED_CLASS_RE = re.compile(r"^@register\s*\n(?:@[^\n]*\n)*class\s+(\w+)", re.M)


def _modules() -> list[tuple[str, Path | None]]:
    out: list[tuple[str, Path | None]] = []
    for pkg_name in SUBPACKAGES:
        spec = importlib.util.find_spec(pkg_name)  # the package's folder, without running its __init__
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        for mod in pkgutil.iter_modules(locations):
            if mod.name.startswith("_"):
                continue
            path = Path(getattr(mod.module_finder, "path", "")) / f"{mod.name}.py"
            out.append((f"{pkg_name}.{mod.name}", path if path.is_file() else None))
    return out


@lru_cache(maxsize=1)
def stage_modules() -> dict[str, str]:
    """Stage class name → the module that registers it, read from the sources."""
    index: dict[str, str] = {}
    for module, path in _modules():
        if path is None:
            continue
        for name in _REGISTERED_CLASS_RE.findall(path.read_text(encoding="utf-8")):
            index.setdefault(name, module)
    return index


def import_stage_module(name: str) -> bool:
    """Import the module that registers stage ``name``; False when the index does not know it."""
    module = stage_modules().get(name)
    if module is None:
        return False
    importlib.import_module(module)
    return True


def import_all() -> None:
    """Import every stage module so that each ``@register`` has run."""
    for module, _ in _modules():
        importlib.import_module(module)
