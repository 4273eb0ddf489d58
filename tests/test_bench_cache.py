"""Benchmark caches are keyed by the generator's version, not only by their arguments."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import warcset  # noqa: E402  (bench/ is scripts, not a package)


def test_an_edited_generator_gets_another_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "synth"
    shutil.copytree(warcset.SYNTH_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(warcset, "SYNTH_DIR", copy)
    before = warcset.warc_set_folder(100, 2, 0, 0.05, "cc")
    assert warcset.warc_set_folder(100, 2, 0, 0.05, "cc") == before  # stable
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.pyc").write_bytes(b"compiled")  # byte code is not the generator
    assert warcset.warc_set_folder(100, 2, 0, 0.05, "cc") == before
    bank = sorted(copy.rglob("*.py"))[-1]
    bank.write_text(bank.read_text(encoding="utf-8") + "\n# an edited text bank\n", encoding="utf-8")
    after = warcset.warc_set_folder(100, 2, 0, 0.05, "cc")
    assert after != before and after.name.split("-g")[0] == before.name.split("-g")[0]
    assert warcset.warc_set_folder(100, 2, 0, 0.05, "light") != after
