"""The seed-set builder: HTML manuals → paragraphs → 500–3,000-character pieces, stable ids."""

from __future__ import annotations

import shutil
import sys
import types
from collections import Counter

import pyarrow.parquet as pq
import pytest

from corpusforge.classify import seed as seedmod
from corpusforge.classify.seed import (build_seed_set, debian_documents, html_paragraphs, japanese_ratio,
                                       pack_paragraphs, synth_documents)

SENTENCE = "パッケージを作るときは、まず上流のソースコードを入手して内容を確認します。"


def manual_page(n_paragraphs: int, lang_ja: bool = True) -> bytes:
    body = SENTENCE if lang_ja else "Build the package from the upstream source and check it. "
    paras = "".join(f"<p>{body * 3} ({i})</p>" for i in range(n_paragraphs))
    return f"""<html><head><title>t</title><script>var x = "スクリプト";</script></head><body>
<div class="navheader"><a href="a.html">戻る</a> <a href="b.html">次へ</a></div>
<div class="toc"><dl><dt>1. 目次の項目</dt></dl></div>
<div class="chapter"><h1>第1章 はじめに</h1>{paras}
<pre>$ dpkg-buildpackage -us -uc
$ lintian ../foo.deb</pre>
<ul><li>項目その一です。</li><li>項目<b>その二</b>です。</li></ul></div>
<div class="navfooter">ホーム</div></body></html>""".encode("utf-8")


def test_html_paragraphs_skip_navigation_and_scripts():
    paras = html_paragraphs(manual_page(2))
    joined = "\n".join(paras)
    assert "第1章 はじめに" in paras and "項目その二です。" in paras
    assert "$ dpkg-buildpackage -us -uc\n$ lintian ../foo.deb" in paras  # pre keeps its lines
    for junk in ("戻る", "目次の項目", "ホーム", "スクリプト"):
        assert junk not in joined
    assert html_paragraphs(b"") == []


def test_pack_paragraphs_respects_bounds():
    paras = [SENTENCE * k for k in (1, 2, 10, 1, 1, 90, 1)]
    pieces = pack_paragraphs(paras, 500, 3000)
    assert pieces and all(500 <= len(p) <= 3000 for p in pieces)
    assert sum(len(p) for p in pieces) >= 0.9 * sum(len(p) for p in paras)
    assert pack_paragraphs(["短い。"] * 3, 500, 3000) == []


def test_japanese_ratio():
    assert japanese_ratio("日本語です") == 1.0
    assert japanese_ratio("abc") == 0.0
    assert japanese_ratio("") == 0.0


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    root = tmp_path / "pkgroot"
    pages = root / "usr/share/doc/fake-ja/html"
    pages.mkdir(parents=True)
    for i in range(6):
        (pages / f"ch{i}.ja.html").write_bytes(manual_page(20 + i))
    (pages / "english.html").write_bytes(manual_page(20, lang_ja=False))
    (pages / "style.css").write_text("body{}")

    def files(package, cache_dir):
        if package != "fake-ja":
            return None
        return root, sorted(p for p in root.rglob("*") if p.is_file())

    monkeypatch.setattr(seedmod, "package_files", files)
    return root


def test_debian_documents_ids_sources_and_cap(fake_package, tmp_path):
    counts: Counter = Counter()
    rows = list(debian_documents(["fake-ja", "absent-ja"], tmp_path, counts=counts))
    assert rows and all(r["source"] == "debian:fake-ja" for r in rows)
    assert all(r["id"].startswith("debian:fake-ja/usr/share/doc/fake-ja/html/ch") for r in rows)
    assert rows[0]["id"].endswith(".ja.html#0")
    assert all(500 <= len(r["text"]) <= 3000 for r in rows)
    assert counts["not_japanese_piece"] > 0 and counts["package_unavailable:absent-ja"] == 1
    assert len({r["id"] for r in rows}) == len(rows)
    again = list(debian_documents(["fake-ja"], tmp_path))
    assert [r["id"] for r in again] == [r["id"] for r in rows]  # stable ids
    capped = list(debian_documents(["fake-ja"], tmp_path, max_per_package=5))
    assert len(capped) == 5 and len({r["id"].split("#")[0] for r in capped}) >= 3  # spread over pages


def fake_synth(monkeypatch):
    mod = types.ModuleType("corpusforge.synth")
    monkeypatch.setattr(seedmod, "_synth_generator", lambda: mod.japanese_documents)

    def japanese_documents(n: int, seed: int = 0):
        kinds = ["lesson", "advert", "forum"]
        for i in range(n):
            yield {"text": f"{kinds[i % 3]}の本文その{i}。" * 5, "kind": kinds[i % 3]}

    mod.japanese_documents = japanese_documents
    monkeypatch.setitem(sys.modules, "corpusforge.synth", mod)


def test_synth_documents_ids(monkeypatch):
    fake_synth(monkeypatch)
    rows = list(synth_documents(7, seed=3))
    assert [r["id"] for r in rows[:3]] == ["synth:lesson/3/0", "synth:advert/3/1", "synth:forum/3/2"]
    assert rows[1]["source"] == "synth:advert" and len(rows) == 7


def test_synth_documents_from_the_real_generator():
    compose = pytest.importorskip("corpusforge.synth.compose")
    rows = list(synth_documents(2 * len(compose.JA_KINDS), seed=7, max_jaccard=0.5))
    kinds = Counter(r["source"] for r in rows)
    assert set(kinds) == {f"synth:{k}" for k in compose.JA_KINDS} and set(kinds.values()) == {2}
    assert len({r["id"] for r in rows}) == len(rows)
    assert [r["id"] for r in synth_documents(2 * len(compose.JA_KINDS), seed=7, max_jaccard=0.5)] == \
        [r["id"] for r in rows]


def test_build_seed_set_writes_parquet(monkeypatch, fake_package, tmp_path):
    fake_synth(monkeypatch)
    recipe = {"seed": {"debian_packages": ["fake-ja"], "synth_documents": 9, "synth_seed": 1,
                       "min_chars": 500, "max_chars": 3000, "min_japanese_ratio": 0.3, "max_per_package": 50}}
    out = tmp_path / "seed.parquet"
    counts = build_seed_set(out, recipe, cache_dir=tmp_path / "cache")
    table = pq.read_table(out)
    assert table.column_names == ["id", "source", "text"]
    assert counts["documents"] == table.num_rows == 9 + counts["debian:fake-ja"]
    assert table.column("id").to_pylist()[0] == "synth:lesson/1/0"


@pytest.mark.slow
@pytest.mark.apt
@pytest.mark.skipif(shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None, reason="needs apt-get")
def test_real_debian_manual(tmp_path):
    rows = list(debian_documents(["maint-guide-ja"], tmp_path / "cache"))
    if not rows:
        pytest.skip("maint-guide-ja could not be downloaded here")
    assert len(rows) > 10
    assert all(r["id"].startswith("debian:maint-guide-ja/") and 500 <= len(r["text"]) <= 3000 for r in rows)
    assert all(japanese_ratio(r["text"]) >= 0.3 for r in rows)
