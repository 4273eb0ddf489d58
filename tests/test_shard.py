"""The shard phase: mixtures, multiplicities, tokenizer, Megatron .bin/.idx, blend files, bad input."""

from __future__ import annotations

import json
import struct
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from corpusforge.cli import main
from corpusforge.mix import Mixture, MixtureError, copies, doc_hash, find_remainder_cut, plan_groups, set_remainder_cut
from corpusforge.shard import ShardSettings, run_shard_phase
from corpusforge.synth import japanese_documents
from corpusforge.tokenize import IndexedDataset, IndexedDatasetWriter, TextTokenizer, TokenizerError, token_dtype
from corpusforge.tokenize.train import MecabWordSplitter, train_tokenizer
from corpusforge.document import Document

FORMAT_OF_KIND = {"ja_encyclopedia": "reference", "ja_education": "tutorial", "ja_news": "news",
                  "ja_blog": "blog_diary", "ja_qa_board": "forum_qa", "ja_shop": "ad_shop",
                  "ja_spam": "spam_adult", "ja_adult": "spam_adult", "ja_short": "other"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Three parquet files of generated Japanese documents with format and edu_score columns."""
    d = tmp_path_factory.mktemp("docs")
    docs = japanese_documents(240, seed=3)
    rng = np.random.default_rng(0)
    rows = [{"id": f"doc{i:04d}", "text": x["text"], "format": FORMAT_OF_KIND[x["kind"]],
             "edu_score": float(np.round(rng.uniform(0, 5), 2)), "domain": "city.example.lg.jp" if i % 7 == 0
             else "example.com"} for i, x in enumerate(docs)]
    paths = []
    for k in range(3):
        p = d / f"part-{k}.parquet"
        pl.DataFrame(rows[k::3]).write_parquet(p)
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tok")
    docs = [Document(id=f"t{i}", text=x["text"]) for i, x in enumerate(japanese_documents(150, seed=11))]
    report = train_tokenizer(docs, 3000, out)
    assert report.documents_held_out > 0 and report.chars_per_token_held_out > 1.0
    return out


def write_mixture(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "mix.yaml"
    p.write_text(body, encoding="utf-8")
    return p


SHARE_MIX = """
mixture:
  seed: 7
  max_epochs: 4
  groups:
    - name: spam
      where: {format: [spam_adult]}
      share: 0
    - name: edu
      where: {edu_score: {min: 3.5}}
      share: 0.45
    - name: ads
      where: {format: [ad_shop]}
      share: 0.01
      prefer: edu_score
    - name: rest
      share: 0.54
"""


# ------------------------------------------------------------------ Megatron format


def test_index_layout_is_megatron_v1(tmp_path: Path) -> None:
    w = IndexedDatasetWriter(tmp_path / "x" / "g_00000", np.dtype(np.uint16))
    w.add(np.array([5, 6, 7, 1, 9, 1], np.uint16), np.array([4, 2]))
    w.add(np.array([3, 1], np.uint16), np.array([2]))
    bin_, idx = w.commit()
    raw = idx.read_bytes()
    assert raw[:9] == b"MMIDIDX\x00\x00"
    version, code, n, ndocs = struct.unpack("<QBQQ", raw[9:34])
    assert (version, code, n, ndocs) == (1, 8, 3, 4)
    lengths = np.frombuffer(raw, np.int32, 3, 34)
    pointers = np.frombuffer(raw, np.int64, 3, 34 + 12)
    doc_idx = np.frombuffer(raw, np.int64, 4, 34 + 12 + 24)
    assert lengths.tolist() == [4, 2, 2] and pointers.tolist() == [0, 8, 12] and doc_idx.tolist() == [0, 1, 2, 3]
    assert len(raw) == 34 + 12 + 24 + 32
    assert bin_.read_bytes() == np.array([5, 6, 7, 1, 9, 1, 3, 1], np.uint16).tobytes()
    ds = IndexedDataset(tmp_path / "x" / "g_00000")
    assert [ds[i].tolist() for i in range(len(ds))] == [[5, 6, 7, 1], [9, 1], [3, 1]]
    assert token_dtype(65_499) == np.uint16 and token_dtype(65_500) == np.int32 and token_dtype(150_000) == np.int32


def test_abort_leaves_no_files(tmp_path: Path) -> None:
    w = IndexedDatasetWriter(tmp_path / "g_00000", np.dtype(np.int32))
    w.add(np.array([1, 2], np.int32), np.array([2]))
    w.abort()
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ tokenizer


def test_trained_tokenizer_is_self_contained_and_appends_eos(tokenizer_dir: Path) -> None:
    spec = json.loads((tokenizer_dir / "tokenizer.json").read_text(encoding="utf-8"))
    assert spec["pre_tokenizer"]["type"] == "ByteLevel"  # no MeCab needed to encode
    tok = TextTokenizer(tokenizer_dir)
    assert tok.eos_token == "</s>" and tok.dtype == np.uint16
    texts = ["東京都の人口は多い。", "Hello world です"]
    enc = tok.encode_documents(texts)
    plain = tok.encode_texts(texts)
    assert enc.lengths.tolist() == [len(plain[0]) + 1, len(plain[1]) + 1]
    assert enc.tokens[enc.lengths[0] - 1] == tok.eos_id and enc.tokens[-1] == tok.eos_id
    assert tok.decode(plain[0]) == texts[0] and tok.decode(plain[1]) == texts[1]
    with_bos = TextTokenizer(tokenizer_dir, bos="<s>").encode_documents(texts)
    assert with_bos.tokens[0] == tok._require_id("<s>", "BOS") and with_bos.lengths[0] == enc.lengths[0] + 1


def test_fast_encoder_is_exact_or_not_used(tmp_path: Path, tokenizer_dir: Path, corpus: list[str]) -> None:
    tok = TextTokenizer(tokenizer_dir)
    assert tok.engine == "tiktoken-exact"
    texts = pl.concat([pl.read_parquet(p) for p in corpus])["text"].to_list() + [
        "literal </s> and <s> inside text", "  spaces\n\n\tand tabs ", "English only, it's 2024!", "😀①ｶﾅ"]
    assert tok.encode_texts(texts) == [e.ids for e in tok._hf.encode_batch(texts, add_special_tokens=False)]
    spec = json.loads((tokenizer_dir / "tokenizer.json").read_text(encoding="utf-8"))
    spec["normalizer"] = {"type": "NFKC"}
    other = tmp_path / "nfkc"
    other.mkdir()
    (other / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    assert TextTokenizer(other, eos="</s>").engine == "tokenizers"


def test_mecab_words_keep_spaces_and_lines() -> None:
    words = MecabWordSplitter().words("東京都に行く hello world\n次の行")
    assert "".join(words) == "東京都に行く hello world\n次の行"
    assert " world" in words and "\n" in words and len(words) >= 7


def test_tokenizer_errors(tmp_path: Path, tokenizer_dir: Path) -> None:
    with pytest.raises(TokenizerError, match="does not exist"):
        TextTokenizer(tmp_path / "nope.json")
    with pytest.raises(TokenizerError, match="'<|endoftext|>' is not in the vocabulary"):
        TextTokenizer(tokenizer_dir, eos="<|endoftext|>")
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "tokenizer.json").write_bytes((tokenizer_dir / "tokenizer.json").read_bytes())
    with pytest.raises(TokenizerError, match="no EOS token given"):
        TextTokenizer(bare)
    assert TextTokenizer(bare, eos="</s>").eos_id == TextTokenizer(tokenizer_dir).eos_id


def test_tokenizer_train_command(tmp_path: Path, corpus: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["tokenizer", "train", "--input", corpus[0], "--vocab-size", "1000", "--output",
               str(tmp_path / "t"), "--no-progress", "--held-out-every", "5"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "characters per token" in out
    report = json.loads((tmp_path / "t" / "training.json").read_text())
    assert report["vocab_size"] <= 1000 and report["tokens_held_out"] > 0
    assert abs(report["chars_per_token_held_out"] - report["chars_held_out"] / report["tokens_held_out"]) < 1e-3


# ------------------------------------------------------------------ mixture files


@pytest.mark.parametrize("body, message", [
    ("mixture:\n  groups:\n    - {name: a, where: {format: [x]}, share: 0.5}\n    - {name: b, share: 0.4}\n",
     "shares sum to 0.9"),
    ("mixture:\n  groups:\n    - {name: a, where: {format: [x]}, share: 0.5}\n", "must have no 'where'"),
    ("mixture:\n  groups:\n    - {name: a, where: {format: [x]}, share: 0.5}\n    - {name: b, multiplicity: 1}\n",
     "every group a 'share'"),
    ("mixture:\n  colour: red\n  groups:\n    - {name: b, multiplicity: 1}\n", "unknown mixture key"),
    ("mixture:\n  groups:\n    - {name: 'a b', multiplicity: 1}\n", "needs a 'name'"),
    ("mixture:\n  groups:\n    - {name: a, wher: {x: 1}, multiplicity: 1}\n", "unknown key"),
    ("mixture:\n  groups:\n    - {name: stats, multiplicity: 1}\n", "taken by the shard output"),
    ("mixture:\n  groups:\n    - {name: a, multiplicity: 1}\n    - {name: a, multiplicity: 2}\n", "used twice"),
    ("mixture:\n  groups:\n    - {name: a, where: {edu_score: {min: 3, max: 2}}, multiplicity: 1}\n"
     "    - {name: b, multiplicity: 1}\n", "not below max"),
])
def test_bad_mixture_files(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(MixtureError, match=message):
        Mixture.load(write_mixture(tmp_path, body))


def test_unknown_mixture_name_lists_shipped() -> None:
    with pytest.raises(MixtureError, match="shipped: .*default"):
        Mixture.load("no-such-mixture")


def test_default_mixture_uses_the_category_taxonomy() -> None:
    import yaml

    from corpusforge.resources import data_dir

    taxonomy = yaml.safe_load((data_dir("classifiers") / "category" / "taxonomy.yaml").read_text(encoding="utf-8"))
    mix = Mixture.load("default")
    used = {"format": set(), "topic": set()}
    for g in mix.groups:
        for c in g.where:
            if c.column in used:
                assert set(c.values or ()) <= set(taxonomy[c.column]), (g.name, c.values)
                used[c.column] |= set(c.values or ())
    assert used["format"] and used["topic"]
    assert mix.groups[-1].where == () and not mix.by_share


def test_assignment_first_match_missing_values_counted() -> None:
    mix = Mixture.from_mapping({"groups": [
        {"name": "gov", "where": {"domain": {"suffix": ["lg.jp"]}}, "multiplicity": 1},
        {"name": "fmt", "where": {"format": ["news"]}, "multiplicity": 1},
        {"name": "edu", "where": {"edu_score": {"min": 3}}, "multiplicity": 1},
        {"name": "rest", "multiplicity": 1}]})
    frame = pa.table({"domain": ["a.city.lg.jp", "lg.jp", "blg.jp", "x.com", "y.com"],
                      "edu_score": [1.0, 4.0, 4.0, None, 2.0]})
    group, counts = mix.assign(frame)
    assert group.tolist() == [0, 0, 2, 3, 3]
    assert counts == {"missing.fmt.format": 3, "missing.edu.edu_score": 1}


# ------------------------------------------------------------------ multiplicities


def test_plan_errors_name_group_and_numbers() -> None:
    mix = Mixture.from_mapping({"groups": [
        {"name": "edu", "where": {"edu_score": {"min": 3}}, "share": 0.6},
        {"name": "rest", "share": 0.4}]})
    with pytest.raises(MixtureError, match=r"group 'edu' needs 6\.00 epochs .*max_epochs is 4"):
        plan_groups(mix, [(10, 100), (90, 900)])
    short = Mixture.from_mapping({"allow_shortfall": True, "groups": [
        {"name": "edu", "where": {"edu_score": {"min": 3}}, "share": 0.6}, {"name": "rest", "share": 0.4}]})
    plans, warnings = plan_groups(short, [(10, 100), (90, 900)])
    assert plans[0].multiplicity == 4 and plans[0].shortfall_tokens == pytest.approx(200)
    assert any("allow_shortfall" in w for w in warnings)
    with pytest.raises(MixtureError, match="group 'edu' is empty"):
        plan_groups(mix, [(0, 0), (90, 900)])


def test_copies_are_whole_repeats_plus_seeded_remainder() -> None:
    mix = Mixture.from_mapping({"groups": [{"name": "all", "multiplicity": 2.25}]})
    plans, _ = plan_groups(mix, [(4000, 400000)])
    u = np.array([doc_hash(f"d{i}", 0) for i in range(4000)], np.uint64)
    tokens = np.random.default_rng(1).integers(20, 180, 4000)
    set_remainder_cut(plans[0], u, tokens)
    c = copies(plans[0], u)
    assert set(c.tolist()) == {2, 3}
    assert abs((c * tokens).sum() / tokens.sum() - 2.25) < 0.001  # the remainder share is met in tokens
    assert np.array_equal(c[:100], copies(plans[0], u[:100]))  # per document: any split of the data agrees
    extra = c == 3
    assert u[extra].max() < u[~extra].min()  # the remainder goes to the documents first by seeded hash


@pytest.mark.parametrize("prefer", [None, "edu_score"])
def test_remainder_cut_in_passes_equals_the_full_sort(prefer: str | None) -> None:
    rng = np.random.default_rng(5)
    n = 20000
    u = np.array([doc_hash(f"d{i}", 3) for i in range(n)], np.uint64)
    tokens = rng.integers(5, 400, n)
    values = None
    if prefer:  # few distinct values (ties decided by u), some missing
        values = np.round(rng.uniform(0, 5, n), 1)
        values[rng.random(n) < 0.05] = np.nan
    mix = Mixture.from_mapping({"groups": [{"name": "g", "multiplicity": 1.37, "prefer": prefer}]})
    full, _ = plan_groups(mix, [(n, int(tokens.sum()))])
    passes, _ = plan_groups(mix, [(n, int(tokens.sum()))])
    set_remainder_cut(full[0], u, tokens, values)
    reads = {"n": 0}

    def chunks():  # type: ignore[no-untyped-def]
        reads["n"] += 1
        for i in range(0, n, 3000):
            yield u[i:i + 3000], tokens[i:i + 3000], None if values is None else values[i:i + 3000]

    find_remainder_cut(passes[0], chunks, limit=50)  # at most 50 documents held at once
    assert reads["n"] >= 2
    assert (passes[0].cut_value, passes[0].cut_u) == (full[0].cut_value, full[0].cut_u)
    c = copies(full[0], u, values)
    assert np.array_equal(c, copies(passes[0], u, values))
    share = (c * tokens).sum() / tokens.sum()
    assert 1.37 <= share < 1.37 + 400 / tokens.sum()  # the share is met by its last document


# ------------------------------------------------------------------ the phase


def run_phase(corpus: list[str], tok: Path, out: Path, mixture: Mixture, **kw) -> dict:
    res = run_shard_phase(corpus, ShardSettings(output=str(out), mixture=mixture, tokenizer=str(tok),
                                                export=kw.pop("export", None)), progress=False, **kw)
    return res.stats


def shard_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("*/*_*.*")) if p.suffix in (".bin", ".idx")}


def test_blend_mode_shards_read_back_and_weights(tmp_path: Path, corpus: list[str], tokenizer_dir: Path) -> None:
    mix = Mixture.load(write_mixture(tmp_path, SHARE_MIX))
    stats = run_phase(corpus, tokenizer_dir, tmp_path / "s", mix)
    out = tmp_path / "s"
    groups = {g["name"]: g for g in stats["groups"]}
    assert groups["spam"]["after"]["tokens"] == 0 and not (out / "spam").exists()
    assert abs(sum(g["after"]["share"] for g in stats["groups"]) - 1) < 1e-9
    assert groups["edu"]["after"]["share"] == pytest.approx(0.45) and groups["rest"]["after"]["share"] == pytest.approx(0.54)
    total_before = stats["input"]["tokens"]
    assert groups["edu"]["multiplicity"] == pytest.approx(0.45 * total_before / groups["edu"]["before"]["tokens"])
    # every document of the corpus is in exactly one group; shards hold each selected one once, with EOS
    tok = TextTokenizer(tokenizer_dir)
    df = pl.concat([pl.read_parquet(p) for p in corpus])
    fresh = {tuple(tok.encode_documents([t]).tokens.tolist()) for t in df["text"].to_list()}
    blend = json.loads((out / "blend.json").read_text())
    seen = 0
    for p in blend["prefixes"]:
        ds = IndexedDataset(out / p["prefix"])
        assert len(ds) == p["documents"]
        for i in range(len(ds)):
            doc = tuple(ds[i].tolist())
            assert doc in fresh and doc[-1] == tok.eos_id
            seen += 1
    assert seen == sum(g["written"]["documents"] for g in stats["groups"])
    args = (out / "data-args.txt").read_text().split()
    weights = [float(w) for w in args[0::2]]
    assert abs(sum(weights) - 1) < 1e-9 and all(Path(p + ".bin").exists() and Path(p + ".idx").exists()
                                                for p in args[1::2])
    saved = json.loads((out / "stats" / "shard.json").read_text())
    assert saved["format"] == "corpusforge.shard/1" and [g["name"] for g in saved["groups"]] == list(groups)


def test_materialize_mode_repeats_and_thins(tmp_path: Path, corpus: list[str], tokenizer_dir: Path) -> None:
    mix = Mixture.load(write_mixture(tmp_path, SHARE_MIX)).with_overrides(materialize=True, max_shard_tokens=20000)
    stats = run_phase(corpus, tokenizer_dir, tmp_path / "m", mix, export="parquet")
    groups = {g["name"]: g for g in stats["groups"]}
    edu = groups["edu"]
    m = edu["multiplicity"]
    assert m > 1
    assert edu["written"]["documents"] >= int(m) * edu["before"]["documents"]
    assert edu["written"]["tokens"] == pytest.approx(m * edu["before"]["tokens"], rel=0.02)
    assert edu["written"]["shards"] > 1  # max_shard_tokens split the group
    for g in groups.values():
        for p in sorted((tmp_path / "m" / g["name"]).glob("*.bin")) if g["written"]["documents"] else []:
            assert p.with_suffix(".idx").exists()
    # ads is thinned preferring high edu_score: the kept ones are the best-scored of the group
    ads = groups["ads"]
    assert ads["multiplicity"] < 1
    export = pl.concat([pl.read_parquet(p) for p in sorted((tmp_path / "m" / "export").glob("*.parquet"))])
    assert export.height == stats["output"]["documents"]
    df = pl.concat([pl.read_parquet(p) for p in corpus])
    kept = df.filter(pl.col("id").is_in(export.filter(pl.col("group") == "ads")["id"].to_list()))
    dropped = df.filter((pl.col("format") == "ad_shop") & (pl.col("edu_score") < 3.5)
                        & ~pl.col("id").is_in(kept["id"].to_list()))
    assert kept.height > 0 and dropped.height > 0
    assert kept["edu_score"].min() >= dropped["edu_score"].max()
    counts = export.group_by("id").len()
    assert counts["len"].max() == int(m) + 1


def test_identical_for_any_task_count_and_resumable(tmp_path: Path, corpus: list[str], tokenizer_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    mix = Mixture.load(write_mixture(tmp_path, SHARE_MIX)).with_overrides(materialize=True, max_shard_tokens=20000)
    run_phase(corpus, tokenizer_dir, tmp_path / "one", mix)
    run_phase(corpus, tokenizer_dir, tmp_path / "two", mix, workers=2)
    assert shard_bytes(tmp_path / "one") == shard_bytes(tmp_path / "two")
    # a shard write killed midway: no .bin without its .idx, and the re-run gives identical files
    import corpusforge.tokenize.indexed as indexed

    real_commit = indexed.IndexedDatasetWriter.commit
    calls = {"n": 0}

    def dying_commit(self):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real_commit(self)

    monkeypatch.setattr(indexed.IndexedDatasetWriter, "commit", dying_commit)
    with pytest.raises(KeyboardInterrupt):
        run_phase(corpus, tokenizer_dir, tmp_path / "killed", mix)
    for b in (tmp_path / "killed").glob("*/*.bin"):
        assert b.with_suffix(".idx").exists()
    assert not (tmp_path / "killed" / "blend.json").exists()
    monkeypatch.setattr(indexed.IndexedDatasetWriter, "commit", real_commit)
    run_phase(corpus, tokenizer_dir, tmp_path / "killed", mix)
    assert shard_bytes(tmp_path / "killed") == shard_bytes(tmp_path / "one")
    assert (tmp_path / "killed" / "blend.json").read_text().replace("killed", "one") == \
        (tmp_path / "one" / "blend.json").read_text()


def test_missing_columns_counted_and_max_epochs_error(tmp_path: Path, corpus: list[str], tokenizer_dir: Path) -> None:
    bare = tmp_path / "bare.parquet"
    pl.concat([pl.read_parquet(p) for p in corpus]).select("id", "text", "edu_score").write_parquet(bare)
    stats = run_phase([str(bare)], tokenizer_dir, tmp_path / "b", Mixture.load("default"))
    assert stats["input"]["counts"]["missing.spam_adult.format"] == stats["input"]["documents"]
    assert any("column(s) format, topic in no input file" in w for w in stats["warnings"])
    strict = Mixture.load("default").with_overrides(missing_columns="error")
    with pytest.raises(MixtureError, match="format, topic in no input file"):
        run_phase([str(bare)], tokenizer_dir, tmp_path / "c", strict)
    blend_over = Mixture.load(write_mixture(tmp_path, SHARE_MIX)).with_overrides(train_tokens=10_000_000)
    with pytest.raises(MixtureError, match="above max_epochs"):
        run_phase(corpus, tokenizer_dir, tmp_path / "d", blend_over)


def test_shard_cli_bad_input_is_one_line(tmp_path: Path, corpus: list[str], tokenizer_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["shard", "--input", corpus[0], "--output", str(tmp_path / "o"), "--tokenizer",
               str(tmp_path / "missing.json"), "--no-progress"])
    assert rc == 2 and "tokenizer file does not exist" in capsys.readouterr().err
    rc = main(["shard", "--input", corpus[0], "--output", str(tmp_path / "o"), "--tokenizer", str(tokenizer_dir),
               "--eos", "<eos>", "--no-progress"])
    assert rc == 2 and "'<eos>' is not in the vocabulary" in capsys.readouterr().err
    rc = main(["shard", "--input", corpus[0], "--output", str(tmp_path / "o"), "--tokenizer", str(tokenizer_dir),
               "--mixture", str(write_mixture(tmp_path, SHARE_MIX.replace("share: 0.54", "share: 0.64"))),
               "--no-progress"])
    assert rc == 2 and "sum to 1.1" in capsys.readouterr().err
    inputs = [a for p in corpus for a in ("--input", p)]
    rc = main(["shard", *inputs, "--output", str(tmp_path / "o"), "--tokenizer", str(tokenizer_dir),
               "--no-progress", "--export", "jsonl"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "group" in out and "epochs" in out and (tmp_path / "o" / "data-args.txt").exists()
    assert sum(1 for p in (tmp_path / "o" / "export").glob("*.jsonl") for _ in open(p)) > 0


def run_output_with_docs(tmp_path: Path, corpus: list[str], shard_section: str) -> tuple[Path, Path, Path]:
    """A run output whose deduplicated documents are ``corpus``, a placeholder input and a config
    with the ``shard:`` section: ``corpusforge run --phases shard`` on them shards ``corpus``."""
    out = tmp_path / "out"
    (out / "deduped" / "docs").mkdir(parents=True)
    for p in corpus:
        (out / "deduped" / "docs" / Path(p).name).write_bytes(Path(p).read_bytes())
    warc = tmp_path / "unused.warc.gz"
    warc.write_bytes(b"")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"shard:\n  {shard_section}\n", encoding="utf-8")
    return out, warc, cfg


def test_run_shard_phase_from_config_section(tmp_path: Path, corpus: list[str], tokenizer_dir: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out, warc, cfg = run_output_with_docs(tmp_path, corpus, f"tokenizer: {tokenizer_dir}\n  mixture: default\n"
                                                              "  materialize: true")
    rc = main(["run", "--input", str(warc), "--output", str(out), "--config", str(cfg), "--phases", "shard",
               "--no-progress"])
    assert rc == 0
    stats = json.loads((out / "stats" / "shard.json").read_text())
    assert stats["mode"] == "materialize" and (out / "shards" / "data-args.txt").exists()
    assert {g["name"] for g in stats["groups"] if g["written"]["documents"]} >= {"edu_high", "knowledge", "web"}
    assert stats["groups"][0]["before"]["documents"] > 0 and stats["groups"][0]["after"]["documents"] == 0
    cfg.write_text("shard:\n  mixture: default\n", encoding="utf-8")
    rc = main(["run", "--input", str(warc), "--output", str(out), "--config", str(cfg), "--phases", "shard",
               "--no-progress"])
    assert rc == 2 and "needs a tokenizer path ('tokenizer:' in the config's shard: section" in capsys.readouterr().err


def test_sentencepiece_model_by_path(tmp_path: Path, corpus: list[str]) -> None:
    import io

    import sentencepiece as spm

    model = io.BytesIO()
    texts = [x["text"] for x in japanese_documents(100, seed=1)]
    spm.SentencePieceTrainer.train(sentence_iterator=iter(texts), model_writer=model, vocab_size=1500,
                                   byte_fallback=True, character_coverage=0.99, max_sentence_length=100000,
                                   minloglevel=2, num_threads=1)
    path = tmp_path / "sp.model"
    path.write_bytes(model.getvalue())
    tok = TextTokenizer(path, bos="<s>")
    assert tok.engine == "sentencepiece" and tok.eos_token == "</s>" and tok.dtype == np.uint16
    with pytest.raises(TokenizerError, match="'<eot>' is not in the vocabulary"):
        TextTokenizer(path, eos="<eot>")
    mix = Mixture.from_mapping({"groups": [{"name": "all", "multiplicity": 1}]})
    res = run_shard_phase([corpus[0]], ShardSettings(output=str(tmp_path / "s"), mixture=mix, tokenizer=str(path),
                                                     bos="<s>"), progress=False)
    ds = IndexedDataset(tmp_path / "s" / "all" / "all_00000")
    df = pl.read_parquet(corpus[0])
    fresh = sorted(tuple([tok.bos_id, *tok.encode_texts([t])[0], tok.eos_id]) for t in df["text"].to_list())
    assert sorted(tuple(ds[i].tolist()) for i in range(len(ds))) == fresh
    assert res.stats["tokenizer"]["bos_token"] == "<s>"


@pytest.mark.slow
def test_demo_ends_with_shards_and_blend_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    rc = main(["demo", "--output", str(out), "--files", "1", "--records", "400", "--ja-fraction", "0.3",
               "--workers", "1", "--no-progress"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "characters per token" in printed and "epochs" in printed
    tok = TextTokenizer(out / "tokenizer" / "tokenizer.json")
    assert tok.eos_token == "</s>"
    blend = json.loads((out / "shards" / "blend.json").read_text())
    assert blend["prefixes"] and (out / "shards" / "data-args.txt").read_text().strip()
    for p in blend["prefixes"]:
        assert len(IndexedDataset(out / "shards" / p["prefix"])) == p["documents"]
    stats = json.loads((out / "stats" / "shard.json").read_text())
    assert stats["input"]["documents"] == pl.read_parquet(out / "deduped" / "docs" / "*.parquet").height


def test_corrupt_input_file_fails_alone_and_rerun_finishes(tmp_path: Path, corpus: list[str], tokenizer_dir: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    inputs = [a for p in [*corpus, str(broken)] for a in ("--input", p)]
    args = ["shard", *inputs, "--output", str(tmp_path / "o"), "--tokenizer", str(tokenizer_dir), "--no-progress"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "1 task(s) failed" in err and "broken" in err
    markers = sorted((tmp_path / "o" / "_done" / "shard_tokenize").iterdir())
    assert len(markers) == 3
    stamps = [m.stat().st_mtime_ns for m in markers]
    assert not (tmp_path / "o" / "blend.json").exists()
    pl.read_parquet(corpus[0]).write_parquet(broken)  # repaired: the re-run tokenizes only this file
    assert main(args) == 0 and (tmp_path / "o" / "blend.json").exists()
    assert [m.stat().st_mtime_ns for m in markers] == stamps
    stats = json.loads((tmp_path / "o" / "stats" / "shard.json").read_text())
    assert stats["input"]["documents"] == sum(pl.read_parquet(p).height for p in [*corpus, corpus[0]])
    pl.read_parquet(corpus[1]).write_parquet(broken)  # changed again (another size): tokenized again
    assert main(args) == 0
    stats = json.loads((tmp_path / "o" / "stats" / "shard.json").read_text())
    assert stats["input"]["documents"] == sum(pl.read_parquet(p).height for p in [*corpus, corpus[1]])


def test_jsonl_input_bad_lines_counted(tmp_path: Path, corpus: list[str], tokenizer_dir: Path) -> None:
    rows = pl.read_parquet(corpus[0]).head(20).to_dicts()
    path = tmp_path / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
        f.write("[1, 2]\n{broken json\n" + json.dumps({"id": "x", "text": ""}) + "\n")
        f.write(json.dumps({"text": "東京都の人口は多い。"}) + "\n")
    mix = Mixture.from_mapping({"groups": [{"name": "all", "multiplicity": 1}]})
    stats = run_phase([str(path)], tokenizer_dir, tmp_path / "s", mix)
    assert stats["input"]["documents"] == 21 and stats["input"]["rows"] == 24
    assert stats["input"]["counts"] == {"empty_text": 3}


def test_shard_phase_submits_as_batch_jobs(tmp_path: Path, corpus: list[str], tokenizer_dir: Path) -> None:
    out, warc, cfg = run_output_with_docs(tmp_path, corpus, f"tokenizer: {tokenizer_dir}")
    rc = main(["run", "--input", str(warc), "--output", str(out), "--config", str(cfg), "--phases", "shard",
               "--executor", "slurm", "--dry-run", "--no-progress"])
    assert rc == 0
    jobs = sorted(p.name for p in (out / "jobs").glob("shard-*.sbatch"))
    assert [j.split("-", 2)[2].split(".")[0] for j in jobs] == ["shard_tokenize", "shard_plan", "shard_scatter",
                                                                "shard_write", "shard_blend"]  # no export asked
    script = (out / "jobs" / "submit-slurm.sh").read_text()
    assert script.count("--dependency=afterok") == 4


def test_write_holds_one_bucket_and_caps_shard_size(tmp_path: Path, corpus: list[str], tokenizer_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import corpusforge.shard.phase as phase

    held: list[int] = []
    real = phase._bucket_entries

    def spy(*args):  # type: ignore[no-untyped-def]
        entries, files = real(*args)
        held.append(len(entries))
        return entries, files

    monkeypatch.setattr(phase, "_bucket_entries", spy)
    mix = Mixture.from_mapping({"seed": 1, "materialize": True, "max_shard_tokens": 900,
                                "groups": [{"name": "all", "multiplicity": 2.5}]})
    out = tmp_path / "small"
    stats = run_phase(corpus, tokenizer_dir, out, mix, export="parquet")
    (group,) = stats["groups"]
    assert len(held) > 20 and max(held) < group["written"]["documents"] / 10  # a bucket at a time
    blend = json.loads((out / "blend.json").read_text())
    assert any("-" in p["prefix"].rsplit("_", 1)[1] for p in blend["prefixes"])  # a full bucket went on in -1
    in_shards: Counter[bytes] = Counter()
    for p in blend["prefixes"]:
        ds = IndexedDataset(out / p["prefix"])
        assert len(ds) == p["documents"]
        assert p["tokens"] <= 900 or p["documents"] == 1
        in_shards.update(ds[i].tobytes() for i in range(len(ds)))
    # the shards hold exactly the exported mixture: the same documents, as often
    export = pl.concat([pl.read_parquet(p) for p in sorted((out / "export").glob("*.parquet"))])
    assert export.height == group["written"]["documents"] and set(export.group_by("id").len()["len"]) == {2, 3}
    enc = TextTokenizer(tokenizer_dir).encode_documents(export["text"].to_list())
    starts = np.concatenate(([0], np.cumsum(enc.lengths)))
    assert in_shards == Counter(enc.tokens[a:b].tobytes() for a, b in zip(starts[:-1], starts[1:]))
    # the same output with larger shards: the earlier plan's extra shards are gone
    small_shards = len(blend["prefixes"])
    run_phase(corpus, tokenizer_dir, out, mix.with_overrides(max_shard_tokens=20000))
    blend = json.loads((out / "blend.json").read_text())
    assert len(blend["prefixes"]) < small_shards
    assert {p["prefix"] for p in blend["prefixes"]} == {f"all/{f.stem}" for f in (out / "all").iterdir()}
