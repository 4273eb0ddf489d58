"""End to end on real Japanese HTML: Debian's Japanese reference manual, wrapped in a WARC.

The pages are installed with apt by the test (``debian-reference-ja``), re-encoded in
the charsets Japanese sites use (some with a lying HTTP header), mixed with English
pages, written as a CommonCrawl-style WARC and run through ``corpusforge run``.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from corpusforge.cli import main
from corpusforge.io.writer import read_output
from tests.helpers import write_warc

MANUAL_DIR = Path("/usr/share/debian-reference")
PACKAGE = "debian-reference-ja"

pytestmark = [pytest.mark.slow, pytest.mark.apt]


def _ensure_package() -> list[Path]:
    pages = sorted(MANUAL_DIR.glob("*.ja.html"))
    if pages:
        return pages
    if shutil.which("apt-get") is None:
        pytest.skip("apt-get is not available to install debian-reference-ja")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True, timeout=600)
    r = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGE],
                       env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.skip(f"could not install {PACKAGE}: {r.stderr.strip()[-300:]}")
    return sorted(MANUAL_DIR.glob("*.ja.html"))


def _visible_sentences(page: str, n: int = 5) -> list[str]:
    """A few long Japanese sentences from the page body, to look for in the output."""
    body = re.sub(r"(?is)<(script|style|pre)[^>]*>.*?</\1>", " ", page)
    text = html.unescape(re.sub(r"(?s)<[^>]+>", "", body))
    cands = [s.strip() for s in re.findall(r"[^\n。]{25,80}。", text) if re.search(r"[ぁ-ん]{3}", s)]
    return [re.sub(r"\s+", "", unicodedata.normalize("NFKC", c)) for c in cands[:n]]


def _japanese_share(page: str) -> float:
    """Japanese letters / (Japanese + Latin letters) of the page's visible text."""
    body = re.sub(r"(?is)<(script|style|pre|head)[^>]*>.*?</\1>", " ", page)
    text = html.unescape(re.sub(r"(?s)<[^>]+>", "", body))
    ja = len(re.findall(r"[ぁ-んァ-ヶ一-龯]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return ja / max(1, ja + latin)


CHARSET_FAMILY = {"utf-8": ("utf_8", "utf-8", "utf8"), "cp932": ("cp932", "shift_jis", "sjis", "ms932"),
                  "euc_jp": ("euc_jp", "euc-jp", "euc_jis_2004", "euc_jisx0213", "euc_jp_ext")}


def test_debian_reference_ja_end_to_end(tmp_path: Path) -> None:
    pages = _ensure_package()
    assert len(pages) >= 10
    records = []
    expected = {}
    for i, p in enumerate(pages):
        raw = p.read_text(encoding="utf-8")
        url = f"https://www.debian.org/doc/manuals/debian-reference/{p.name}"
        if i % 3 == 1:
            body, ctype = raw.replace("UTF-8", "Shift_JIS").encode("cp932", "replace"), "text/html; charset=Shift_JIS"
        elif i % 3 == 2:
            # EUC-JP bytes behind a header that claims UTF-8 (a lying server)
            body, ctype = raw.replace("UTF-8", "EUC-JP").encode("euc_jp", "replace"), "text/html; charset=utf-8"
        else:
            body, ctype = raw.encode("utf-8"), "text/html; charset=utf-8"
        records.append((url, 200, ctype, body))
        expected[url] = (_japanese_share(raw), _visible_sentences(raw))
    for i in range(30):
        en = (f"<html lang='en'><head><title>Release notes {i}</title></head><body><nav>Home | Docs</nav>"
              + "".join(f"<p>The package manager resolves dependencies for release {i}, paragraph {k}. "
                        "It downloads archives, verifies signatures and unpacks them in order.</p>" for k in range(8))
              + "</body></html>")
        records.append((f"https://en.example.org/notes/{i}", 200, "text/html; charset=utf-8", en.encode()))
    warc = tmp_path / "in" / "CC-MAIN-REAL-00000.warc.gz"
    warc.parent.mkdir()
    write_warc(warc, records)

    cfg = tmp_path / "extract_only.yaml"
    cfg.write_text("filters: []\nannotate: []\n")
    out = tmp_path / "out"
    rc = main(["run", "--input", str(warc), "--output", str(out), "--config", str(cfg), "--no-progress",
               "--phases", "extract"])
    assert rc == 0
    docs = read_output(out, "docs")
    kept = set(docs["url"].to_list())
    # whatever its encoding, every page written mostly in Japanese is kept (some chapters of
    # the manual are still untranslated English: those may go); no English page is kept
    mostly_ja = {u for u, (share, _) in expected.items() if share >= 0.4}
    mostly_en = {u for u, (share, _) in expected.items() if share < 0.2}
    assert len(mostly_ja) >= 10
    assert mostly_ja <= kept, sorted(mostly_ja - kept)
    assert kept <= set(expected) - mostly_en
    charsets = dict(zip(docs["url"].to_list(), docs["charset"].to_list()))
    for i, p in enumerate(pages):
        url = f"https://www.debian.org/doc/manuals/debian-reference/{p.name}"
        if url in kept:
            family = CHARSET_FAMILY[("utf-8", "cp932", "euc_jp")[i % 3]]
            assert charsets[url].lower() in family, (url, charsets[url])
    for url, text in zip(docs["url"].to_list(), docs["text"].to_list()):
        assert "<div" not in text and "</p>" not in text
        flat = re.sub(r"\s+", "", text)
        sentences = expected[url][1]
        found = sum(s in flat for s in sentences)
        assert found >= max(1, len(sentences) // 2), (url, sentences[:2])
        assert re.search("[ぁ-ん]", text)
