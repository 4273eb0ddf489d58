"""Each kind of broken WARC through ``corpusforge run``: the run finishes, the fault is
counted under a named reason, every good page readable around it is kept, and no
partial file is left under a final name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpusforge.cli import main
from corpusforge.io.writer import read_output
from corpusforge.synth import BAD_KINDS, write_bad_warc

pytestmark = pytest.mark.slow

# what the stats must show for each defect: (stage name, "dropped"|"counters", key prefix)
EXPECTED_SIGNAL = {
    "truncated_gzip": ("WarcReader", "dropped", "truncated_record"),
    "wrong_content_length": ("WarcReader", "counters", "read_error"),
    "binary_garbage": (None, None, None),  # garbage body: dropped somewhere in extraction (checked below)
    "huge_page": ("WarcReader", "dropped", "body_too_large"),
    "html_bomb": (None, None, None),
    "unknown_encoding": (None, None, None),
}


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_warc_kind_end_to_end(kind: str, tmp_path: Path) -> None:
    warc = tmp_path / "in" / f"CC-MAIN-BAD-{kind}.warc.gz"
    warc.parent.mkdir()
    info = write_bad_warc(warc, kind, seed=1)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("filters: []\nannotate: []\n")
    out = tmp_path / "out"
    rc = main(["run", "--input", str(warc), "--output", str(out), "--config", str(cfg), "--no-progress",
               "--phases", "extract"])
    assert rc == 0
    docs = read_output(out, "docs")
    kept = set(docs["url"].to_list()) if docs.height else set()
    # everything readable before the fault survives; with a resync, the pages after it too
    assert set(info["good_urls_before_fault"]) <= kept, sorted(set(info["good_urls_before_fault"]) - kept)
    if kind != "truncated_gzip":
        assert set(info["good_urls_after_fault"]) <= kept, sorted(set(info["good_urls_after_fault"]) - kept)
    # no partial output files; the stats of the whole file are there
    assert not list(out.rglob("*.tmp"))
    stats = json.loads((out / "stats" / "extract.json").read_text())
    stage_of = {s["name"]: s for s in stats["stages"]}
    name, field, key = EXPECTED_SIGNAL[kind]
    if name:
        assert any(k.startswith(key) for k in stage_of[name][field]), stage_of[name]
    # every bad page is either gone under a named reason or kept as real text
    removed = read_output(out, "removed")
    reasons = dict(zip(removed["url"].to_list(), removed["reason"].to_list())) if removed.height else {}
    for url in info["bad_urls"]:
        if url in kept:
            text = docs.filter(docs["url"] == url)["text"].item()
            assert "\ufffd" not in text[:2000]
        elif url in reasons:
            assert reasons[url] in {"undecodable", "extract_timeout", "extract_error", "html_too_large",
                                    "empty_extraction", "not_japanese", "body_too_large"}, reasons[url]
    if kind == "unknown_encoding":
        # the Japanese page in UTF-16 with a BOM is decoded; the BOM-less UTF-16 one and the EBCDIC
        # English one behind a bogus charset label are not kept, and counted before extraction
        recs = info["details"]["records"]
        assert {r["url"] for r in recs if r["declared"] == "UTF-16"} <= kept
        assert not {r["url"] for r in recs if r["declared"] == "x-unknown-foo"} & kept
        assert stage_of["JapanesePrecheck"]["dropped"].get("not_japanese_precheck", 0) >= 1
