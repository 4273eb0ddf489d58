"""The analysis notebooks execute from top to bottom (on a small run they make themselves)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CORPUSFORGE_OUT", str(tmp_path / "no-such-run"))
    monkeypatch.setenv("CORPUSFORGE_TMP", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # the funnel and the domain table really have rows
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "JapanesePrecheck" in html and "domain" in html
