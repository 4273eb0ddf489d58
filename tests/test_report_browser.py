"""The demo run's report in real headless Chromium (Debian's, installed by the test): no console error,
every plot drawn, a screenshot that is not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from corpusforge.cli import main
from tests.report_browser import check_report, chromium_path

pytestmark = [pytest.mark.slow, pytest.mark.apt]

PACKAGES = ["chromium", "fonts-noto-cjk"]


def _ensure_chromium() -> None:
    if chromium_path() and Path("/usr/share/fonts/opentype/noto").exists():
        return
    if shutil.which("apt-get") is None:
        pytest.skip("apt-get is not available to install chromium")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True, timeout=600)
    r = subprocess.run(["apt-get", "install", "-y", "-qq", *PACKAGES], env=env, capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0 or chromium_path() is None:
        pytest.skip(f"could not install {' '.join(PACKAGES)}: {r.stderr.strip()[-300:]}")


def test_demo_report_renders_in_chromium(tmp_path: Path) -> None:
    _ensure_chromium()
    out = tmp_path / "demo-out"
    assert main(["demo", "--output", str(out), "--files", "2", "--records", "800", "--no-progress"]) == 0
    html = out / "report" / "index.html"
    r = check_report(html, tmp_path / "report.png")
    assert r["errors"] == []
    assert r["external"] == 0  # nothing loaded from elsewhere: the page is self-contained
    assert len(r["sections"]) == 10
    assert len(r["plots"]) >= 30  # funnel, drops, chars, domains, TLDs, edu, one per signal, clusters, charsets, time
    not_drawn = [p["title"] for p in r["plots"] if not (p["width"] > 100 and p["height"] > 20 and p["drawn"] > 0)]
    assert not_drawn == []
    # the screenshot has content: many colours (text anti-aliasing, bars) and a real share off the background
    assert r["png_shape"][1] == 640 and r["png_shape"][0] > 500
    assert r["colours"] > 50 and r["non_background_share"] > 0.05
    assert (tmp_path / "report.png").stat().st_size == r["png_bytes"]
