"""The stage registry lists every shipped stage and imports only the module of the one asked for."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

import pytest

import corpusforge
from corpusforge.config import ConfigError, build_stage
from corpusforge.registry import SHIPPED_STAGES, stage_class
from corpusforge.stage import Stage


def test_every_shipped_stage_class_is_listed_with_its_module() -> None:
    defined = {}
    for mod in pkgutil.walk_packages(corpusforge.__path__, "corpusforge."):
        if mod.name.startswith(("corpusforge.synth", "corpusforge.commands")) or mod.name.endswith("__main__"):
            continue
        module = importlib.import_module(mod.name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Stage) and obj.__module__ == mod.name and not name.startswith("_"):
                defined[name] = mod.name
    bases = {"Stage", "Filter", "Mapper", "QualityFilter", "ModelStage"}  # the base classes stages are built from
    assert {k: v for k, v in defined.items() if k not in bases} == SHIPPED_STAGES
    for name, module in SHIPPED_STAGES.items():
        cls = stage_class(name)
        assert issubclass(cls, Stage) and cls.__module__ == module and cls.__name__ == name


def test_extract_section_imports_no_heavy_library() -> None:
    """An extraction task builds its six stages without numpy, pyarrow or polars."""
    code = ("import sys, json\n"
            "from corpusforge.config import build_stages, load_config\n"
            "build_stages(load_config('extract')['extract'])\n"
            "print(json.dumps(sorted(m for m in ('numpy', 'pyarrow', 'polars', 'corpusforge.dedup') "
            "if m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_unknown_stage_lists_every_known_one() -> None:
    with pytest.raises(ConfigError) as e:
        build_stage({"stage": "NoSuchStage"})
    assert "NearDuplicateFilter" in str(e.value) and "JapanesePrecheck" in str(e.value)
