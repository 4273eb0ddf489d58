"""MinHash signatures: datasketch compatibility, normalisation, shingles, S-curve, stages."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from corpusforge.dedup.families import japanese_text, shingle_set, true_jaccard
from corpusforge.dedup.minhash import (MinHasher, MinHashParams, char_shingle_hash32, jaccard_estimate,
                                       load_minhash_params)
from corpusforge.dedup.normalize import normalize_for_dedup
from corpusforge.dedup.scurve import detection_probability, scurve_table, threshold
from corpusforge.dedup.stages import ExactDedup, MinHashSignatures, NearDuplicateFilter
from corpusforge.dedup.sigfile import SUFFIX, SignatureFile, parse_date
from corpusforge.document import Document
from corpusforge.io.atomic import commit
from corpusforge.pipeline import TaskContext


# --- normalisation ----------------------------------------------------------------------

def test_normalisation_keeps_dakuten_and_handakuten() -> None:
    assert normalize_for_dedup("がぱ") == "がぱ"
    assert normalize_for_dedup("がぱ") != normalize_for_dedup("かは")
    assert normalize_for_dedup("ｶﾞﾊﾟ") == "ガパ"  # half-width kana compose, marks kept
    assert normalize_for_dedup("\u304b\u3099") == "\u304c"  # decomposed か+゛ composes to が, not か


def test_normalisation_keeps_japanese_punctuation_and_folds_width() -> None:
    text = "「今日は、晴れ。」　ＡＢＣ！？\n\n次の行"
    norm = normalize_for_dedup(text)
    for ch in "「」、。":
        assert ch in norm
    assert "abc!?" in norm
    assert norm == "「今日は、晴れ。」 abc!? 次の行"


def test_dakuten_changes_the_signature() -> None:
    mh = MinHasher(MinHashParams(bands=8, rows=16))
    assert not np.array_equal(mh.signature("がぱがぱ"), mh.signature("かはかは"))


# --- datasketch compatibility ---------------------------------------------------------------

@pytest.mark.parametrize("num_perm,seed", [(128, 1), (64, 42)])
def test_signature_equals_datasketch_with_same_hash(num_perm: int, seed: int) -> None:
    rng = random.Random(seed)
    mh = MinHasher(MinHashParams(bands=num_perm // 8, rows=8, seed=seed))
    for _ in range(5):
        norm = mh.normalize(japanese_text(rng, 600))
        ours = mh.signature(norm, normalized=True)
        ref = MinHash(num_perm=num_perm, seed=seed, hashfunc=char_shingle_hash32)
        ref.update_batch([norm[i:i + 5] for i in range(len(norm) - 4)])
        assert ref.hashvalues.dtype == np.uint32
        np.testing.assert_array_equal(ours, ref.hashvalues)
        lean = LeanMinHash(ref)
        np.testing.assert_array_equal(ours, lean.hashvalues)


def test_vectorised_shingle_hash_equals_scalar_hash() -> None:
    mh = MinHasher(MinHashParams(bands=4, rows=4))
    text = "吾輩は猫である。名前はまだ無い。𠮷野家"  # includes a non-BMP character
    expected = sorted({char_shingle_hash32(text[i:i + 5]) for i in range(len(text) - 4)})
    assert mh.shingle_hashes(text).tolist() == expected


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(3)
    mh = MinHasher(MinHashParams(bands=32, rows=8))
    errors = []
    for _ in range(20):
        a = japanese_text(rng, 1500)
        cut = rng.randint(200, 1200)
        b = a[:cut] + japanese_text(rng, rng.randint(100, 800)) + a[cut + 300:]
        true = true_jaccard(shingle_set(a), shingle_set(b))
        errors.append(abs(jaccard_estimate(mh.signature(a), mh.signature(b)) - true))
    assert np.mean(errors) < 0.03  # binomial sd at 256 perms is <= 0.031


# --- short, empty, word shingles -------------------------------------------------------------

def test_short_text_is_one_shingle_and_empty_has_none() -> None:
    mh = MinHasher(MinHashParams(bands=4, rows=4))
    assert len(mh.shingle_hashes("あい")) == 1
    assert mh.shingle_hashes("あい")[0] == char_shingle_hash32("あい")
    assert len(mh.shingle_hashes("")) == 0
    assert np.all(mh.signature("") == np.uint32(0xFFFFFFFF))
    assert not np.array_equal(mh.signature("あい"), mh.signature("あう"))


def test_word_shingles_follow_mecab_tokens() -> None:
    mh = MinHasher(MinHashParams(shingle="word", ngram=2, bands=4, rows=4))
    a = mh.shingle_hashes("今日は良い天気です")
    assert 0 < len(a) <= 4  # 5 tokens -> at most 4 bigrams
    b = mh.shingle_hashes("今日は良い天気でした")
    assert len(np.intersect1d(a, b)) >= 2


def test_params_validation_and_presets() -> None:
    p = load_minhash_params("dedup")
    assert (p.shingle, p.ngram, p.bands, p.rows, p.num_perm) == ("char", 5, 40, 20, 800)
    assert load_minhash_params("dedup_fast").num_perm == 120
    assert load_minhash_params("dedup_words").shingle == "word"
    with pytest.raises(ValueError, match="shingle"):
        MinHashParams.from_mapping({"shingle": "bytes"})
    with pytest.raises(ValueError, match="num_perm"):
        MinHashParams.from_mapping({"bands": 4, "rows": 4, "num_perm": 128})
    with pytest.raises(ValueError, match="unknown"):
        MinHashParams.from_mapping({"band": 4})


# --- S-curve ------------------------------------------------------------------------------------

def test_scurve_matches_swallow_reference_values() -> None:
    assert detection_probability(0.9, 40, 20) == pytest.approx(0.99, abs=0.005)
    assert detection_probability(0.85, 40, 20) == pytest.approx(0.79, abs=0.005)
    assert detection_probability(0.8, 40, 20) == pytest.approx(0.37, abs=0.005)
    t = threshold(40, 20)
    assert detection_probability(t, 40, 20) == pytest.approx(0.5, abs=1e-9)
    assert 0.81 < t < 0.82
    table = dict(scurve_table(10, 12))
    assert table[0.5] < 0.01 and table[0.95] > 0.99
    with pytest.raises(ValueError):
        detection_probability(1.5, 4, 4)


# --- stages ----------------------------------------------------------------------------------------

def test_exact_dedup_drops_repeats_of_normalised_text_per_file(tmp_path) -> None:
    st = ExactDedup()
    st.setup(TaskContext(tmp_path, "a"))
    docs = [Document("1", "こんにちは。\n世界"), Document("2", "こんにちは。 世界"), Document("3", "こんばんは"),
            Document("4", "ＡＢＣ"), Document("5", "abc")]
    kept = [d.id for d in st(iter(docs))]
    assert kept == ["1", "3", "4"]
    assert st.stats.dropped["exact_duplicate"] == 2
    assert docs[0].metadata["text_hash"] == docs[1].metadata["text_hash"]
    assert len(docs[0].metadata["text_hash"]) == 16
    st.setup(TaskContext(tmp_path, "b"))  # a new file starts a new scope
    assert [d.id for d in st(iter([Document("6", "こんにちは。世界")]))] == ["6"]


def test_signature_stage_writes_side_output_atomically(tmp_path) -> None:
    st = MinHashSignatures(minhash="dedup_fast")
    ctx = TaskContext(tmp_path, "part-0")
    st.setup(ctx)
    docs = [Document("a", "吾輩は猫である。" * 20, metadata={"warc_date": "2023-05-01T10:00:00Z", "edu_score": 2.5}),
            Document("empty", "   "), Document("short", "猫"), Document("a", "重複した id"),
            Document("b", "名前はまだ無い。" * 10)]
    out = list(st(iter(docs)))
    assert [d.id for d in out] == ["a", "empty", "short", "a", "b"]  # the stage never drops
    st.finish()
    final = tmp_path / "signatures" / f"part-0{SUFFIX}"
    assert not final.exists()  # only the executor commits
    (tmp, dest), = ctx.pending
    assert dest == final and tmp.exists()
    commit(tmp, dest)
    sf = SignatureFile(final)
    assert sf.num_rows == 3 and sf.params.num_perm == 120
    assert sf.column("id").tolist() == ["a", "short", "b"]
    assert sf.column("date").tolist() == [parse_date("2023-05-01T10:00:00Z"), -1, -1]
    assert sf.column("score")[0] == 2.5 and np.isnan(sf.column("score")[1])
    assert st.stats.counters["signature_empty"] == 1
    assert st.stats.counters["signature_duplicate_id"] == 1


def test_signature_stage_needs_a_task_context() -> None:
    with pytest.raises(RuntimeError, match="TaskContext"):
        list(MinHashSignatures(minhash="dedup_fast")(iter([Document("a", "text")])))


def test_empty_file_still_gets_a_signature_file(tmp_path) -> None:
    st = MinHashSignatures(minhash="dedup_fast")
    ctx = TaskContext(tmp_path, "nothing")
    st.setup(ctx)
    list(st(iter([])))
    st.finish()
    for tmp, final in ctx.pending:
        commit(tmp, final)
    assert SignatureFile(tmp_path / "signatures" / f"nothing{SUFFIX}").num_rows == 0


def test_near_duplicate_filter_uses_drop_list(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    drop_dir = tmp_path / "dedup" / "drop"
    drop_dir.mkdir(parents=True)
    pq.write_table(pa.table({"id": ["x2"], "dedup_cluster": [7], "dedup_cluster_size": [2]}), drop_dir / "k.parquet")
    (tmp_path / "dedup" / "clusters").mkdir()
    pq.write_table(pa.table({"id": ["x1", "x2"], "dedup_cluster": [7, 7], "dedup_cluster_size": [2, 2],
                             "dedup_keep": [True, False]}), tmp_path / "dedup" / "clusters" / "k.parquet")
    for key in ("k", "k.p1", "other"):  # exact key, a part file, an unknown key (full load)
        f = NearDuplicateFilter("dedup/drop")
        f.setup(TaskContext(tmp_path, key))
        docs = [Document("x1", "a"), Document("x2", "b"), Document("x3", "c")]
        assert [d.id for d in f(iter(docs))] == ["x1", "x3"]
        assert f.stats.dropped["near_duplicate"] == 1
        assert docs[0].metadata == {"dedup_cluster": 7, "dedup_cluster_size": 2}
        assert docs[1].metadata["dedup_cluster"] == 7
        assert docs[2].metadata == {"dedup_cluster": -1, "dedup_cluster_size": 1}
    with pytest.raises(FileNotFoundError, match="drop list not found"):
        list(NearDuplicateFilter(str(tmp_path / "nope"))(iter([Document("a", "b")])))


def test_signature_does_not_depend_on_the_work_block_size() -> None:
    params = MinHashParams(bands=10, rows=12)
    text = japanese_text(random.Random(9), 12_000)  # more shingles than one default block
    big = MinHasher(params).signature(text)
    np.testing.assert_array_equal(MinHasher(params, block=7).signature(text), big)
    ref = MinHash(num_perm=120, seed=1, hashfunc=char_shingle_hash32)
    norm = normalize_for_dedup(text)
    ref.update_batch([norm[i:i + 5] for i in range(len(norm) - 4)])
    np.testing.assert_array_equal(ref.hashvalues, big)


def test_nfkc_equals_unicodedata() -> None:
    import unicodedata

    from corpusforge.text.normalize import nfkc

    rng = random.Random(4)
    pool = ("あがぱアガパｶﾞﾊﾟｱ漢字　！？（）：％／…ＡＢＣａｂｃ１２３abc123 \n\t①㈱㌔ﾟﾞ\u3099\u309a"
            "\u0301e\u00e9Å\u212b\uff5e\uff5f\u2460")
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)
