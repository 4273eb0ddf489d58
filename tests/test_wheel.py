"""The built wheel carries the presets and the starter models (package data), usable
without the repository: ``corpusforge/_data/filters`` and ``corpusforge/_data/classifiers``."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

CHECK = r"""
import corpusforge, sys
from pathlib import Path
from corpusforge.resources import data_dir
from corpusforge.config import load_config, load_run_config
from corpusforge.classify import CategoryScorer, EduScorer

root = Path(sys.argv[1])
assert Path(corpusforge.__file__).is_relative_to(root), corpusforge.__file__
assert data_dir("classifiers").is_relative_to(root) and data_dir("filters").is_relative_to(root)
assert load_config("swallow")["filters"] and load_run_config(None)["extract"]
scores = EduScorer().score(["光合成は、植物が光のエネルギーを使って二酸化炭素と水からデンプンなどの養分をつくるはたらきです。",
                            "激安セール開催中！送料無料、今すぐカートに入れてください。"])
assert len(scores) == 2 and 0 <= min(scores) and max(scores) <= 5 and scores[0] > scores[1], scores
cats = CategoryScorer()
formats = cats.predict(["激安セール開催中！送料無料、今すぐカートに入れてください。"], axis="format")
assert formats[0][0] in cats.classes("format") and 0 < formats[0][1] <= 1, formats
df = cats.proba(["光合成は、植物が光のエネルギーを使って養分をつくるはたらきです。"], axis="topic")
assert df.columns == list(cats.classes("topic")) and abs(sum(df.row(0)) - 1) < 1e-6
print("ok", list(scores), formats)
"""


def test_wheel_ships_presets_and_starter_model(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and "Could not find a version" in r.stderr:
        pytest.skip("the build backend (hatchling) cannot be installed here")
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("corpusforge-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for must in ("corpusforge/_data/classifiers/edu/model.ftz", "corpusforge/_data/classifiers/edu/model.json",
                 "corpusforge/_data/classifiers/label/prompt_ja.md",
                 "corpusforge/_data/classifiers/category/taxonomy.yaml",
                 "corpusforge/_data/classifiers/category/host_rules.yaml",
                 "corpusforge/_data/classifiers/category/format/model.ftz",
                 "corpusforge/_data/classifiers/category/topic/model.ftz",
                 "corpusforge/_data/filters/swallow.yaml",
                 "corpusforge/_data/filters/pipeline.yaml", "corpusforge/synth/data/ja_web.json"):
        assert must in names, must
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = subprocess.run([sys.executable, "-c", CHECK, str(site)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.startswith("ok")
