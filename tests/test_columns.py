"""Outputs written with the former column names load under the current ones."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from corpusforge.filters import tuning
from corpusforge.io.columns import current_names
from corpusforge.io.writer import read_output


def test_old_ratio_columns_are_read_under_their_current_names(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    pl.DataFrame({"id": ["a"], "text": ["日本語"], "ja_letter_ratio": [0.9], "ja_ratio": [0.8],
                  "q_hiragana_ratio": [0.4], "q_ja_ratio": [0.7], "q_ng_hits": [0], "q_ng_ratio": [0.01],
                  "q_symbol_ratio": [0.1]}).write_parquet(tmp_path / "docs" / "old.parquet")
    df = read_output(tmp_path, "docs")
    assert {"ja_per_letter", "ja_per_nonspace", "q_hiragana_per_ja", "q_ja_per_char", "q_ng_per_ja"} <= set(df.columns)
    assert "q_symbol_ratio" in df.columns and "ja_ratio" not in df.columns  # unchanged names stay
    assert df["q_ng_per_ja"].to_list() == [0.01]
    loaded = tuning.load_output(tmp_path, columns=["q_hiragana_per_ja"])
    assert loaded["q_hiragana_per_ja"].to_list() == [0.4]


def test_a_ratio_without_its_hits_column_is_not_taken_for_an_ng_ratio() -> None:
    assert current_names(["q_symbol_ratio", "q_ad_hits"]) == {}
    assert current_names(["q_ng_adult_ratio", "q_ng_adult_hits"]) == {"q_ng_adult_ratio": "q_ng_adult_per_ja"}
    # a file that already has the current name keeps it
    assert current_names(["ja_ratio", "ja_per_nonspace"]) == {}
