"""Threshold tuning from recorded signals: re-applied decisions equal the run's, changed
thresholds move the right documents, missing signals are reported and recomputed."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from corpusforge.cli import main
from corpusforge.filters import tuning
from corpusforge.synth import japanese_documents


def write_corpus(path: Path, n: int = 120, seed: int = 3) -> Path:
    docs = japanese_documents(n, seed=seed, min_chars=1200)
    with open(path, "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": f"doc{i}", "text": d["text"], "url": f"https://s{i}.example.jp/a"},
                               ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tuning")
    corpus = write_corpus(root / "corpus.jsonl")
    out = {"all": root / "all", "first": root / "first"}
    assert main(["filter", "--preset", "swallow", "--input", str(corpus), "--output", str(out["all"]),
                 "--no-progress"]) == 0
    assert main(["filter", "--preset", "swallow", "--input", str(corpus), "--output", str(out["first"]),
                 "--no-progress", "--stop-at-first-failure"]) == 0
    return out


def test_reapplying_the_same_preset_reproduces_the_run(runs: dict[str, Path]) -> None:
    df = tuning.load_output(runs["all"])
    assert df.height == 120 and 0 < int(df["kept"].sum()) < 120
    d = tuning.reapply(df, tuning.preset_rules("swallow"))
    assert d["kept_now"].to_list() == d["kept"].to_list()
    assert d["new_reason"].to_list() == d["reason"].to_list()
    assert d["new_drop_reasons"].to_list() == d["drop_reasons"].to_list()
    assert int(d["undecided"].sum()) == 0


def test_removal_table_counts_each_rule_alone_and_first(runs: dict[str, Path]) -> None:
    df = tuning.load_output(runs["all"])
    rules = tuning.preset_rules("swallow")
    table = tuning.removal_table(df, rules)
    lists = [r.split(",") if r else [] for r in df["drop_reasons"].to_list()]
    for row in table.iter_rows(named=True):
        assert row["fails_alone"] == sum(row["reason"] in x for x in lists)
        assert row["only_this_rule"] == sum(x == [row["reason"]] for x in lists)
        assert row["removed_first"] == sum(bool(x) and x[0] == row["reason"] for x in lists)
    assert table["cumulative_removed"][-1] == df.height - int(df["kept"].sum())
    combos = tuning.combinations(df, rules, top=1000)
    assert combos["documents"].sum() == df.height - int(df["kept"].sum())
    co = tuning.cooccurrence(df, rules)
    dup = co.filter(pl.col("reason") == "dup_line_ratio")
    assert dup["dup_line_ratio"][0] == table.filter(pl.col("reason") == "dup_line_ratio")["fails_alone"][0]


def test_what_if_a_changed_threshold(runs: dict[str, Path]) -> None:
    df = tuning.load_output(runs["all"])
    kept = df.filter(pl.col("kept"))
    expected = int((kept["q_chars"] < 2000).sum())
    assert expected > 0
    res = tuning.what_if(df, "swallow", {"LengthFilter.min_chars": 2000})
    assert res["newly_removed"] == expected and res["newly_kept"] == 0
    assert res["kept_after"] == res["kept_before"] - expected
    ex = res["removed_examples"]
    assert {"id", "q_chars", "text"} <= set(ex.columns) and (ex["q_chars"] < 2000).all()
    loose = tuning.what_if(df, "swallow", {"DuplicateLineFilter.max_sentence_ratio": 1.0,
                                           "DuplicateLineFilter.max_line_ratio": 1.0})
    assert loose["newly_kept"] >= 0 and loose["newly_removed"] == 0


def test_stop_at_first_failure_leaves_signals_missing_and_recompute_fills_them(runs: dict[str, Path]) -> None:
    rules = tuning.preset_rules("swallow")
    first = tuning.load_output(runs["first"])
    missing = tuning.missing_signals(first, rules)
    assert "q_ng_per_ja" in missing and "q_dup_line_ratio" in missing
    loosened = tuning.preset_rules("swallow", {"DuplicateLineFilter.max_line_ratio": 1.0})
    assert int(tuning.reapply(first, loosened)["undecided"].sum()) > 0
    filled = tuning.recompute_signals(first, "swallow")
    assert tuning.missing_signals(filled, rules) == {}
    full = tuning.load_output(runs["all"]).sort("id")
    again = tuning.reapply(filled, rules).sort("id")
    assert again["kept_now"].to_list() == full["kept"].to_list()
    assert again["new_drop_reasons"].to_list() == full["drop_reasons"].to_list()


def test_overrides_name_stages_and_nested_params() -> None:
    e = tuning.preset_entries("llmjp", {"NGWordFilter[ng_adult].max_hits": 5})
    assert [x["max_hits"] for x in e if x.get("label") == "ng_adult"] == [5]
    s = tuning.preset_entries("swallow", {"TopNgramFilter.max_ratio.2": 0.3})
    assert [x["max_ratio"][2] for x in s if x["stage"] == "TopNgramFilter"] == [0.3]
    with pytest.raises(ValueError, match="ambiguous"):
        tuning.preset_entries("llmjp", {"NGWordFilter.max_hits": 5})
    with pytest.raises(ValueError, match="no stage"):
        tuning.preset_entries("swallow", {"NoSuchFilter.x": 1})
