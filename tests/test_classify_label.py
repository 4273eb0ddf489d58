"""``corpusforge label`` end to end: sampling an output directory, resuming, export/import,
and a down endpoint — against the STAND-IN chat-completions server of test_classify_client."""

from __future__ import annotations

import json
import socket
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpusforge.classify.documents import Candidate, sample_ids
from corpusforge.classify.labels import read_labels
from corpusforge.classify.prompt import LabelPrompt
from corpusforge.cli import main
from tests.test_classify_client import StandInChatServer, expected_format, expected_score


@pytest.fixture
def server():
    s = StandInChatServer(delay_s=0.005)
    yield s
    s.close()


def make_output_dir(root: Path, n: int = 40) -> Path:
    """An output directory like the pipeline writes: docs/*.parquet with id, text, domain."""
    docs = root / "out" / "docs"
    docs.mkdir(parents=True)
    rows = [{"id": f"w/{i}", "text": f"DOC-{i} " + "説明の文章です。" * (10 + 40 * (i % 3)),
             "domain": "rare.example.jp" if i == 7 else f"site{i % 3}.example.jp"} for i in range(n)]
    half = n // 2
    pq.write_table(pa.Table.from_pylist(rows[:half]), docs / "a.parquet")
    pq.write_table(pa.Table.from_pylist(rows[half:]), docs / "b.parquet")
    return root / "out"


def label_cmd(inp: Path, out: Path, url: str, *extra: str) -> list[str]:
    return ["label", "--input", str(inp), "--output", str(out), "--base-url", url, "--model", "stand-in",
            "--concurrency", "4", "--retries", "1", "--backoff", "0.01", "--no-progress", *extra]


def test_label_output_dir_then_resume(server, tmp_path, capsys):
    out_dir = make_output_dir(tmp_path)
    labels = tmp_path / "labels.parquet"
    assert main(label_cmd(out_dir, labels, server.base_url, "--n", "12", "--sample", "stratified")) == 0
    text = capsys.readouterr().out
    assert "labelled     12" in text and "requests/s" in text and "tokens" in text
    df = read_labels(labels)
    assert df.height == 12
    assert "w/7" in set(df["id"])  # the rare domain is in a stratified sample of 12 out of 40
    for row in df.iter_rows(named=True):
        assert row["edu"] == expected_score(int(row["id"].split("/")[1]))
        assert row["format"] == expected_format(int(row["id"].split("/")[1]))
    assert main(label_cmd(out_dir, labels, server.base_url, "--n", "20", "--sample", "stratified")) == 0
    assert "skipped      12" in capsys.readouterr().out
    df = read_labels(labels)
    assert df.height == 20 and df["id"].n_unique() == 20
    assert max(server.answered.values()) == 1  # no document labelled twice


def test_endpoint_down_exits_nonzero_and_keeps_labels(server, tmp_path, capsys):
    out_dir = make_output_dir(tmp_path)
    labels = tmp_path / "labels.parquet"
    assert main(label_cmd(out_dir, labels, server.base_url, "--n", "5")) == 0
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    sock.close()
    capsys.readouterr()
    code = main(label_cmd(out_dir, labels, dead, "--n", "40"))
    err = capsys.readouterr().err
    assert code == 1
    assert "appears down" in err and "re-run the same command" in err
    assert read_labels(labels).height == 5


def test_api_key_env_must_exist(server, tmp_path, capsys, monkeypatch):
    out_dir = make_output_dir(tmp_path)
    monkeypatch.delenv("CF_TEST_KEY", raising=False)
    assert main(label_cmd(out_dir, tmp_path / "l.parquet", server.base_url, "--api-key-env", "CF_TEST_KEY")) == 2
    assert "CF_TEST_KEY" in capsys.readouterr().err
    monkeypatch.setenv("CF_TEST_KEY", "secret")
    assert main(label_cmd(out_dir, tmp_path / "l.parquet", server.base_url, "--api-key-env", "CF_TEST_KEY",
                          "--n", "2")) == 0
    assert server.auth_headers == ["Bearer secret"] * 2


def test_changed_prompt_needs_new_output(server, tmp_path, capsys):
    out_dir = make_output_dir(tmp_path)
    labels = tmp_path / "labels.parquet"
    assert main(label_cmd(out_dir, labels, server.base_url, "--n", "2")) == 0
    edited = tmp_path / "prompt.md"
    edited.write_text(LabelPrompt.load().template + "\n追記。\n", encoding="utf-8")
    assert main(label_cmd(out_dir, labels, server.base_url, "--n", "4", "--prompt", str(edited))) == 2
    assert "new --output" in capsys.readouterr().err


def test_export_prompts_then_import_replies(tmp_path, capsys):
    out_dir = make_output_dir(tmp_path, n=10)
    prompts = tmp_path / "prompts.jsonl"
    assert main(["label", "--input", str(out_dir), "--export-prompts", str(prompts), "--n", "6",
                 "--max-doc-tokens", "50"]) == 0
    lines = [json.loads(x) for x in prompts.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 6 and all(x["prompt_hash"] == LabelPrompt.load().hash for x in lines)
    assert all("（以下省略）" in x["prompt"] for x in lines)  # every document is over 50 tokens
    replies = tmp_path / "replies.jsonl"
    replies.write_text("\n".join(json.dumps({"id": x["id"], "raw_reply": "理由：手順の説明。\n評価：３\n形式：tutorial\n話題：it_software",
                                             "model": "offline-llm"}, ensure_ascii=False) for x in lines),
                       encoding="utf-8")
    labels = tmp_path / "labels.parquet"
    assert main(["label", "--import-replies", str(replies), "--output", str(labels), "--labeller", "agent-1"]) == 0
    df = read_labels(labels)
    assert df.height == 6 and set(df["edu"]) == {3} and set(df["format"]) == {"tutorial"} and set(df["labeller"]) == {"agent-1"}
    assert main(["label", "--input", str(out_dir), "--export-prompts", str(prompts), "--output", str(labels)]) == 0
    assert len(prompts.read_text(encoding="utf-8").splitlines()) == 4  # only the ids not labelled yet


def test_bad_arguments_exit_2(tmp_path, capsys):
    assert main(["label", "--input", str(tmp_path / "missing"), "--output", str(tmp_path / "l.parquet"),
                 "--model", "m", "--base-url", "http://127.0.0.1:9/v1"]) == 2
    assert "not found" in capsys.readouterr().err
    out_dir = make_output_dir(tmp_path)
    assert main(["label", "--input", str(out_dir), "--output", str(tmp_path / "l.parquet"), "--model", "m"]) == 2
    assert "--base-url" in capsys.readouterr().err


def test_sampling_is_prefix_stable_and_covers_rare_strata():
    cands = [Candidate(f"d{i}", "big.jp" if i < 95 else "rare.jp", 100 if i % 2 else 5000) for i in range(100)]
    small = sample_ids(cands, 10, "stratified", seed=1, length_edges=[500])
    big = sample_ids(cands, 30, "stratified", seed=1, length_edges=[500])
    assert big[:10] == small
    assert len({c for c in small if int(c[1:]) >= 95}) >= 2  # both rare strata present in 10 of 100
    uni = sample_ids(cands, 10, "uniform", seed=1)
    assert sample_ids(cands, 20, "uniform", seed=1)[:10] == uni and len(set(uni)) == 10
    assert sample_ids(list(reversed(cands)), 10, "uniform", seed=1) == uni  # input order does not matter
    assert Counter(len(sample_ids(cands, None, m, 0)) for m in ("uniform", "stratified")) == Counter({100: 2})
