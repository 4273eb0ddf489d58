"""`corpusforge filter` on text corpora: presets, thresholds from the command line, re-apply,
user errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from corpusforge.cli import main
from corpusforge.synth import japanese_documents


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("filter_cli")
    docs = japanese_documents(60, seed=11, min_chars=1000)
    rows = [{"id": f"d{i}", "text": d["text"], "url": f"https://site{i}.example.jp/p"} for i, d in enumerate(docs)]
    jsonl = root / "part-0.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:30]) + "{broken json\n",
                     encoding="utf-8")
    parquet = root / "part-1.parquet"
    pl.DataFrame(rows[30:]).write_parquet(parquet)
    return {"root": root, "jsonl": jsonl, "parquet": parquet}


@pytest.mark.parametrize("preset", ["swallow", "llmjp", "default"])
def test_filter_presets_write_docs_and_removed(corpus: dict[str, Path], tmp_path: Path, preset: str) -> None:
    out = tmp_path / preset
    rc = main(["filter", "--preset", preset, "--input", str(corpus["root"] / "part-*"), "--output", str(out),
               "--no-progress", "--workers", "2"])
    assert rc == 0
    kept = pl.read_parquet(out / "docs" / "*.parquet")
    removed = pl.read_parquet(out / "removed" / "*.parquet")
    assert kept.height + removed.height == 60
    assert removed["reason"].null_count() == 0
    for col in ("q_chars", "q_hiragana_per_ja") if preset != "llmjp" else ("q_compression_ratio", "q_head_kana"):
        assert kept[col].null_count() == 0 and removed[col].null_count() == 0   # every signal recorded
    stats = json.loads((out / "stats" / "filter.json").read_text())
    assert sum(s["docs_in"] for s in stats["stages"] if s["name"] == "TextReader") == 61
    assert any(s["dropped"].get("bad_json") for s in stats["stages"])


def test_set_changes_a_threshold_and_reapply_matches_a_fresh_run(corpus: dict[str, Path], tmp_path: Path) -> None:
    base, fresh, re = tmp_path / "base", tmp_path / "fresh", tmp_path / "re"
    args = ["filter", "--preset", "swallow", "--input", str(corpus["parquet"]), "--no-progress"]
    assert main(args + ["--output", str(base)]) == 0
    change = ["--set", "LengthFilter.min_chars=1500", "--set", "DuplicateLineFilter.max_sentence_ratio=0.6"]
    assert main(args + ["--output", str(fresh)] + change) == 0
    assert main(["filter", "--preset", "swallow", "--reapply", str(base), "--output", str(re)] + change) == 0
    f_kept = sorted(pl.read_parquet(fresh / "docs" / "*.parquet")["id"].to_list())
    r_kept = sorted(pl.read_parquet(re / "docs" / "*.parquet")["id"].to_list())
    assert f_kept == r_kept
    f_rm = pl.read_parquet(fresh / "removed" / "*.parquet").select("id", "reason").sort("id")
    r_rm = pl.read_parquet(re / "removed" / "*.parquet").select("id", "reason").sort("id")
    assert f_rm.equals(r_rm)


@pytest.mark.parametrize("args,message", [
    (["--preset", "nosuch"], "unknown config or preset"),
    (["--set", "NoSuchFilter.x=1"], "no stage"),
    (["--set", "LengthFilter.min_chars=abc"], "must be a number"),
    (["--set", "oops"], "STAGE.PARAM=VALUE"),
])
def test_user_errors_exit_2(corpus: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            args: list[str], message: str) -> None:
    rc = main(["filter", "--input", str(corpus["jsonl"]), "--output", str(tmp_path / "o"), "--no-progress"] + args)
    assert rc == 2
    assert message in capsys.readouterr().err


def test_input_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filter", "--input", str(tmp_path / "none*.jsonl"), "--output", str(tmp_path / "o")]) == 2
    (tmp_path / "x.warc.gz").write_bytes(b"")
    assert main(["filter", "--input", str(tmp_path / "x.warc.gz"), "--output", str(tmp_path / "o")]) == 2
    assert main(["filter", "--output", str(tmp_path / "o")]) == 2
    assert main(["filter", "--reapply", str(tmp_path), "--output", str(tmp_path / "o2")]) == 2
    assert "not a corpusforge output" in capsys.readouterr().err


def test_reapply_refuses_a_non_empty_output(corpus: dict[str, Path], tmp_path: Path) -> None:
    base = tmp_path / "base"
    assert main(["filter", "--preset", "llmjp", "--input", str(corpus["parquet"]), "--output", str(base),
                 "--no-progress"]) == 0
    assert main(["filter", "--preset", "llmjp", "--reapply", str(base), "--output", str(base)]) == 2
    assert main(["filter", "--preset", "llmjp", "--reapply", str(base), "--output", str(tmp_path / "r")]) == 0
    assert main(["filter", "--preset", "llmjp", "--reapply", str(base), "--output", str(tmp_path / "r")]) == 2


def test_presets_run_inside_corpusforge_run(tmp_path: Path) -> None:
    from corpusforge.synth import generate_warc

    warc = tmp_path / "CC-TEST-00000.warc.gz"
    generate_warc(warc, records=40, seed=5, ja_fraction=0.9)
    out = tmp_path / "out"
    assert main(["run", "--input", str(warc), "--output", str(out), "--config", "swallow", "--phases", "extract",
                 "--no-progress"]) == 0
    stats = json.loads((out / "stats" / "extract.json").read_text())
    names = [s["name"] for s in stats["stages"]]
    assert names.index("TrafilaturaExtract") < names.index("LengthFilter") < names.index("DropFailed")
    removed = pl.read_parquet(out / "removed" / "*.parquet")
    from_rules = removed.filter(pl.col("stage").is_in(["LengthFilter", "DuplicateLineFilter", "ScriptRatioFilter",
                                                       "SentenceFilter", "TopNgramFilter", "DuplicateNgramFilter"]))
    assert from_rules.height > 0 and from_rules["q_hiragana_per_ja"].null_count() == 0


def test_filter_array_mode_runs_one_rank_then_the_rest(tmp_path: Path) -> None:
    import gzip
    import json

    from corpusforge.cli import main
    from corpusforge.synth import japanese_documents

    docs = japanese_documents(12, seed=21, kinds=["ja_encyclopedia"], max_jaccard=0.5)
    for i in range(3):
        with gzip.open(tmp_path / f"part-{i}.jsonl.gz", "wt", encoding="utf-8") as f:
            for j, d in enumerate(docs[i * 4:(i + 1) * 4]):
                f.write(json.dumps({"id": f"p{i}-{j}", "text": d["text"]}, ensure_ascii=False) + "\n")
    out = tmp_path / "out"
    args = ["filter", "--preset", "swallow", "--input", str(tmp_path / "part-*.jsonl.gz"), "--output", str(out),
            "--no-progress"]
    assert main(args + ["--rank", "1", "--world-size", "3"]) == 0
    assert sorted(p.name for p in (out / "_done" / "filter").iterdir()) == ["part-1"]
    assert main(args + ["--rank", "3", "--world-size", "3"]) == 2
    assert main(args) == 0
    assert len(list((out / "_done" / "filter").iterdir())) == 3
