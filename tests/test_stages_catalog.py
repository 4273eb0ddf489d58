"""The stage catalog finds a stage's module from the sources and imports only that one."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from corpusforge.config import ConfigError, build_stage
from corpusforge.stage import registered_stages
from corpusforge.stages_catalog import stage_modules


def test_index_read_from_sources_matches_the_registry() -> None:
    registry = {name: cls for name, cls in registered_stages().items()
                if cls.__module__.startswith("corpusforge.")}  # tests register stages of their own
    index = stage_modules()
    assert set(index) == set(registry)
    for name, module in index.items():
        assert registry[name].__module__ == module


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
