"""The analysis notebooks execute from top to bottom with nbclient on a demo run, plots included."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from corpusforge.cli import main

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.slow

# What each notebook must show: words of its tables and a least number of plots.
EXPECTED = {
    "explore_run.ipynb": (["JapanesePrecheck", "domain", "fails_alone"], 3),
    "domain_distribution.ipynb": (["domain", "char_share", "tld", "edu_mean"], 5),
    "mixture.ipynb": (["share_before", "share_after", "multiplicity", "chars_after"], 2),
}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nb") / "demo-out"
    assert main(["demo", "--output", str(out), "--files", "2", "--records", "800", "--ja-fraction", "0.2",
                 "--no-progress"]) == 0
    return out


def test_every_notebook_is_checked() -> None:
    assert sorted(p.name for p in NOTEBOOKS) == sorted(EXPECTED)


def test_notebooks_are_stored_without_outputs() -> None:
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in nb.cells if c.cell_type == "code"), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path: Path, demo_run: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CORPUSFORGE_OUT", str(demo_run))
    monkeypatch.setenv("CORPUSFORGE_TMP", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not (tmp_path / "corpusforge-notebook-run").exists()  # it read the demo run, made none of its own
    words, plots = EXPECTED[path.name]
    text = "".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("data", {}).get("text/plain", ""))
                   + str(o.get("text", "")) for o in outputs)
    for w in words:
        assert w in text, w
    svgs = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) >= plots
    assert all('class="bar"' in s or 'class="cell"' in s for s in svgs)
