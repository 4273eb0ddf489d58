"""The global dedup phase: quality on families with known Jaccard, invariance to the
number of tasks, keep rules, resume after a kill, bad signature files, incremental mode."""

from __future__ import annotations

import json
import random
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corpusforge.dedup import DedupError, SignatureFileError, run_dedup_phase
from corpusforge.dedup import components as cc
from corpusforge.dedup.families import japanese_text, make_families, write_signature_files
from corpusforge.dedup.minhash import load_minhash_params
from corpusforge.dedup.scurve import detection_probability, threshold
from corpusforge.dedup.sigfile import SUFFIX, SignatureFile, band_column
from corpusforge.document import Document

FAST = "dedup_fast"


def _clusters(out: Path) -> pl.DataFrame:
    files = sorted((out / "dedup" / "clusters").glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files]).sort("id")


def _drops(out: Path) -> set[str]:
    return {i for f in (out / "dedup" / "drop").glob("*.parquet") for i in pl.read_parquet(f)["id"].to_list()}


def _write_corpus(out: Path, texts: dict[str, str], files: int, minhash: str = FAST,
                  meta: dict[str, dict] | None = None) -> None:
    ids = sorted(texts)
    groups = {f"crawl-{k:02d}": [Document(i, texts[i], metadata=dict((meta or {}).get(i, {})))
                                 for i in ids[k::files]] for k in range(files)}
    write_signature_files(out, groups, minhash)


def _reference_components(out: Path) -> dict[str, int]:
    """Connected components of 'shares a band' computed directly, without the phase."""
    ids: list[str] = []
    keys: list[np.ndarray] = []
    for f in sorted((out / "signatures").glob(f"*{SUFFIX}")):
        sf = SignatureFile(f)
        ids += sf.column("id").tolist()
        keys.append(np.stack([sf.column(band_column(b)) for b in range(sf.params.bands)]
                             + [sf.column("text_hash")], axis=1))
    allkeys = np.concatenate(keys)
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row, ks in enumerate(allkeys):
        for b, k in enumerate(ks):
            buckets[(b, int(k))].append(row)
    a, b = [], []
    for members in buckets.values():
        a += [members[0]] * (len(members) - 1)
        b += members[1:]
    n = len(ids)
    _, labels = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    return dict(zip(ids, labels.tolist()))


# --- quality ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def families(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    corpus = make_families(150, 7, seed=0, max_edit=0.4)
    out = tmp_path_factory.mktemp("families")
    _write_corpus(out, corpus.texts, files=5, minhash="dedup")
    return corpus, out


@pytest.mark.slow
def test_lsh_recall_and_precision_on_families_with_known_jaccard(families: tuple) -> None:
    corpus, out = families
    params = load_minhash_params("dedup")
    t = threshold(params.bands, params.rows)
    band_keys: dict[str, np.ndarray] = {}
    for f in sorted((out / "signatures").glob(f"*{SUFFIX}")):
        sf = SignatureFile(f)
        mat = np.stack([sf.column(band_column(b)) for b in range(params.bands)], axis=1)
        band_keys.update(zip(sf.column("id").tolist(), mat))
    above = [p for p, j in corpus.pair_jaccard.items() if j >= t + 0.05]
    below = [p for p, j in corpus.pair_jaccard.items() if j <= t - 0.1]
    assert len(above) > 200 and len(below) > 1500  # the generator spreads similarities widely
    found = lambda p: bool(np.any(band_keys[p[0]] == band_keys[p[1]]))  # noqa: E731
    recall = np.mean([found(p) for p in above])
    false_rate = np.mean([found(p) for p in below])
    assert recall >= 0.95
    assert 1.0 - false_rate >= 0.99
    # and the LSH behaves as its S-curve says (a broken band hash would not)
    expected = np.mean([detection_probability(corpus.pair_jaccard[p], params.bands, params.rows) for p in below])
    assert abs(false_rate - expected) < 4 * np.sqrt(expected / len(below))
    # unrelated documents never share a band
    fam = list(band_keys)
    cross = [(a, b) for a, b in zip(fam[::7], fam[3::7]) if corpus.family[a] != corpus.family[b]]
    assert not any(found(p) for p in cross)


@pytest.mark.slow
def test_phase_clusters_equal_components_of_candidate_pairs(families: tuple, tmp_path: Path) -> None:
    corpus, src = families
    out = tmp_path / "run"
    shutil.copytree(src / "signatures", out / "signatures")
    summary = run_dedup_phase(out, {"partitions": 3}, workers=1, progress=False)
    reference = _reference_components(out)
    clusters = _clusters(out)
    by_ref: dict[int, set[str]] = defaultdict(set)
    for i, label in reference.items():
        by_ref[label].add(i)
    expected = sorted(sorted(m) for m in by_ref.values() if len(m) > 1)
    got = sorted(sorted(g["id"].to_list()) for _, g in clusters.group_by("dedup_cluster"))
    assert got == expected
    assert summary["dropped"] == sum(len(m) - 1 for m in expected)
    assert summary["documents"] == len(corpus.texts)
    # each cluster keeps exactly one document: the longest (ties by position)
    for _, g in clusters.group_by("dedup_cluster"):
        assert g["dedup_keep"].sum() == 1
        kept = g.filter(pl.col("dedup_keep"))["id"][0]
        assert len(corpus.texts[kept]) == max(len(corpus.texts[i]) for i in g["id"])
        assert (g["dedup_cluster_size"] == len(g)).all()


# --- invariance to the number of tasks -----------------------------------------------------

@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    corpus = make_families(25, 5, seed=7, max_edit=0.3, singletons=30, chars=800)
    texts = dict(corpus.texts)
    texts["copy-a"] = texts["doc-0003-00"]  # exact copies across files
    texts["copy-b"] = texts["doc-0003-00"] + " "
    texts["tiny-1"] = "猫"  # shorter than a shingle: exact matches only
    texts["tiny-2"] = "猫"
    texts["tiny-3"] = "犬"
    src = tmp_path_factory.mktemp("small")
    _write_corpus(src, texts, files=4)
    return texts, src


def _run_copy(src: Path, dst: Path, cfg: dict, workers: int = 1) -> dict:
    if not (dst / "signatures").exists():
        shutil.copytree(src / "signatures", dst / "signatures")
    return run_dedup_phase(dst, cfg, workers=workers, progress=False)


def test_results_identical_whatever_the_number_of_tasks(small_corpus: tuple, tmp_path: Path) -> None:
    _, src = small_corpus
    results = []
    for parts, rows, workers in ((1, 10_000, 1), (3, 17, 1), (7, 40, 2)):
        out = tmp_path / f"p{parts}"
        summary = _run_copy(src, out, {"partitions": parts, "rows_per_task": rows, "edges_per_task": 40}, workers)
        assert summary["pair_partitions"] >= parts
        results.append((_clusters(out), summary))
    first, s0 = results[0]
    assert s0["dropped"] > 20
    for other, s in results[1:]:
        assert other.equals(first)
        assert s["dropped"] == s0["dropped"] and s["clusters"] == s0["clusters"]
    assert results[2][1]["bucket_tasks"] > results[0][1]["bucket_tasks"]
    ids = dict(zip(first["id"].to_list(), first["dedup_cluster"].to_list()))
    assert ids["tiny-1"] == ids["tiny-2"] and "tiny-3" not in ids
    assert ids["copy-a"] == ids["copy-b"] == ids["doc-0003-00"]


def test_keep_rules(tmp_path: Path) -> None:
    base = japanese_text(random.Random(5), 1500)
    texts = {"a": base, "b": base + "追記。", "c": base + "もう少し長い追記です。", "d": base}
    meta = {"a": {"edu_score": 2.9, "warc_date": "2021-03-01T00:00:00Z"},
            "b": {"edu_score": 1.0, "warc_date": "2023-09-01T00:00:00Z"},
            "c": {"edu_score": None, "warc_date": "2022-01-01T00:00:00Z"},
            "d": {"edu_score": 2.9}}
    kept = {}
    for keep in ("longest", "best_quality", "newest"):
        out = tmp_path / keep
        _write_corpus(out, texts, files=2, meta=meta)
        run_dedup_phase(out, {"keep": keep}, progress=False)
        cl = _clusters(out)
        assert cl["dedup_cluster"].n_unique() == 1 and len(cl) == 4
        kept[keep] = cl.filter(pl.col("dedup_keep"))["id"].to_list()
        assert _drops(out) == set(texts) - set(kept[keep])
    assert kept["longest"] == ["c"]
    assert kept["best_quality"] == ["a"]  # 2.9 ties with d: the earlier file/row wins
    assert kept["newest"] == ["b"]


# --- components -------------------------------------------------------------------------------

def test_star_rounds_find_connected_components_with_min_root() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    a = rng.integers(0, n, 2500).astype(np.uint64)
    b = rng.integers(0, n, 2500).astype(np.uint64)
    chain = np.arange(0, 400, dtype=np.uint64) * 7 % n  # a long path needs many rounds
    a, b = np.concatenate([a, chain[:-1]]), np.concatenate([b, chain[1:]])
    src, dst = np.concatenate([a, b]), np.concatenate([b, a])
    for rnd in range(1, 60):
        # split the nodes over 3 "tasks" by slot, as the phase does
        lo_parts, hi_parts, bad = [], [], 0
        slots = cc.slot_of(src)
        for p in range(3):
            s0, s1 = cc.slot_range(p, 3)
            sel = (slots >= s0) & (slots < s1)
            lo, hi, v = cc.star_round(src[sel], dst[sel], large=rnd % 2 == 1)
            lo_parts.append(lo)
            hi_parts.append(hi)
            bad += v
        lo, hi = np.concatenate(lo_parts), np.concatenate(hi_parts)
        src, dst = np.concatenate([lo, hi]), np.concatenate([hi, lo])
        if bad == 0:
            break
    assert bad == 0 and cc.violations(src, dst) == 0
    members, roots, sizes = cc.star_members(src, dst)
    label = np.arange(n)
    label[members.astype(np.int64)] = roots.astype(np.int64)
    k, ref = connected_components(coo_matrix((np.ones(len(a)), (a.astype(int), b.astype(int))), shape=(n, n)),
                                  directed=False)
    comp_min = np.full(k, n)
    np.minimum.at(comp_min, ref, np.arange(n))
    assert np.array_equal(label, comp_min[ref])
    comp_size = np.bincount(ref)
    assert np.array_equal(sizes, comp_size[ref[members.astype(np.int64)]])


# --- resume, bad input ---------------------------------------------------------------------------

def _snapshot(out: Path) -> dict[str, bytes]:
    keep = ("clusters", "drop", "pairs", "final")
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "dedup").rglob("*"))
            if p.is_file() and p.relative_to(out / "dedup").parts[0] in keep}


def test_rerun_after_a_kill_gives_the_same_result(small_corpus: tuple, tmp_path: Path) -> None:
    _, src = small_corpus
    out = tmp_path / "run"
    cfg = {"partitions": 3, "rows_per_task": 20}
    first = _run_copy(src, out, cfg)
    before = _snapshot(out)
    # a kill: some tasks lost their markers (died after writing), one output is truncated,
    # temporaries of a dying task are left behind, the summary was never written
    done = out / "_done"
    for marker in [*sorted((done / "dedup_pairs").iterdir())[:2], *sorted((done / "dedup_cc").iterdir())[-2:],
                   *sorted((done / "dedup_drop").iterdir())[:1], *sorted((done / "dedup_buckets").iterdir())[:5]]:
        marker.unlink()
    victim = sorted((out / "dedup" / "pairs").glob("*.edges.npy"))[0]
    victim.write_bytes(victim.read_bytes()[:40])
    (out / "dedup" / "pairs" / "q00000.edges.npy.999.tmp").write_bytes(b"partial")
    (out / "dedup" / "summary.json").unlink()
    second = run_dedup_phase(out, cfg, progress=False)
    assert _snapshot(out) == before
    assert not list((out / "dedup").rglob("*.tmp"))
    for key in ("dropped", "clusters", "edges", "candidate_pairs"):
        assert second[key] == first[key]
    assert second["restarted"] is False
    # a pairs file holds each undirected edge once per direction
    edges = np.load(sorted((out / "dedup" / "pairs").glob("*.edges.npy"))[0])
    assert len(np.unique(edges, axis=0)) == len(edges)
    # a finished phase re-runs as a no-op
    third = run_dedup_phase(out, cfg, progress=False)
    assert third["dropped"] == first["dropped"] and _snapshot(out) == before


def test_changed_signatures_restart_the_phase(small_corpus: tuple, tmp_path: Path) -> None:
    texts, src = small_corpus
    out = tmp_path / "run"
    first = _run_copy(src, out, {})
    write_signature_files(out, {"zz-extra": [Document("extra-1", texts["doc-0001-00"])]}, FAST)
    second = run_dedup_phase(out, {}, progress=False)
    assert second["restarted"] is True
    assert second["documents"] == first["documents"] + 1
    assert second["dropped"] == first["dropped"] + 1
    with pytest.raises(DedupError, match="changed"):
        write_signature_files(out, {"zz-more": [Document("extra-2", "別の文書です。" * 20)]}, FAST)
        run_dedup_phase(out, {}, rank=0, world_size=1, progress=False)


def test_corrupt_missing_and_mismatched_signature_files_name_the_file(small_corpus: tuple, tmp_path: Path) -> None:
    _, src = small_corpus
    out = tmp_path / "run"
    shutil.copytree(src / "signatures", out / "signatures")
    bad = out / "signatures" / f"crawl-01{SUFFIX}"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SignatureFileError, match=f"crawl-01{SUFFIX}.*corrupt"):
        run_dedup_phase(out, {}, progress=False)
    bad.unlink()
    (out / "docs").mkdir()
    (out / "docs" / "crawl-01.parquet").write_bytes(b"")
    with pytest.raises(SignatureFileError, match=f"crawl-01{SUFFIX}: signature file is missing"):
        run_dedup_phase(out, {}, progress=False)
    shutil.rmtree(out / "docs")
    write_signature_files(out, {"crawl-09": [Document("z", "違うパラメータの文書。" * 10)]}, "dedup")
    with pytest.raises(SignatureFileError, match="crawl-09.*differ"):
        run_dedup_phase(out, {}, progress=False)
    empty = tmp_path / "empty"
    (empty / "signatures").mkdir(parents=True)
    with pytest.raises(SignatureFileError, match="no signature files"):
        run_dedup_phase(empty, {}, progress=False)
    with pytest.raises(DedupError, match="unknown dedup config"):
        run_dedup_phase(out, {"kep": "longest"}, progress=False)
    with pytest.raises(DedupError, match="keep must be"):
        run_dedup_phase(out, {"keep": "shortest"}, progress=False)


def test_a_signature_file_replaced_mid_phase_is_an_error(small_corpus: tuple, tmp_path: Path) -> None:
    _, src = small_corpus
    out = tmp_path / "run"
    _run_copy(src, out, {})
    shutil.rmtree(out / "_done" / "dedup_buckets")  # buckets must be redone...
    target = out / "signatures" / f"crawl-00{SUFFIX}"
    write_signature_files(tmp_path / "other", {"crawl-00": [Document("q", "短い文書。" * 30)]}, FAST)
    shutil.copy(tmp_path / "other" / "signatures" / f"crawl-00{SUFFIX}", target)
    # ... but the manifest fingerprint no longer matches: a fresh start, no silent mix
    summary = run_dedup_phase(out, {}, progress=False)
    assert summary["restarted"] is True and summary["documents"] == SignatureFile(target).num_rows + sum(
        SignatureFile(f).num_rows for f in (out / "signatures").glob(f"*{SUFFIX}") if f != target)


# --- incremental -------------------------------------------------------------------------------------

def test_incremental_dedup_against_an_earlier_output(tmp_path: Path) -> None:
    corpus = make_families(20, 4, seed=11, max_edit=0.2, chars=800)
    ids = sorted(corpus.texts)
    old_ids = [i for i in ids if i.endswith(("-00", "-01"))]
    new_ids = [i for i in ids if i not in old_ids]
    old = tmp_path / "crawl1"
    write_signature_files(old, {"old-a": [Document(i, corpus.texts[i]) for i in old_ids[::2]],
                                "old-b": [Document(i, corpus.texts[i]) for i in old_ids[1::2]]}, FAST)
    old_summary = run_dedup_phase(old, {"partitions": 2}, progress=False)
    fresh = "新しいクロールだけにある文書です。" * 40
    new = tmp_path / "crawl2"
    longer = {i: corpus.texts[i] + "長くした。" * 200 for i in new_ids}  # longer: would win if compared fairly
    write_signature_files(new, {"new-a": [Document(i, longer[i]) for i in new_ids] + [Document("fresh-1", fresh),
                                                                                      Document("fresh-2", fresh)]},
                          FAST)
    summary = run_dedup_phase(new, {"against": str(old), "partitions": 3}, progress=False)
    assert summary["earlier_documents"] == len(old_ids)
    assert summary["documents"] == len(new_ids) + 2
    drops = _drops(new)
    assert not drops & set(old_ids)  # old documents are never dropped
    assert "fresh-1" not in drops and "fresh-2" in drops  # new-only clusters: usual keep rule
    # a new document is dropped when it is connected to an old one
    ref = _reference_components_multi([old, new])
    old_labels = {ref[i] for i in old_ids}
    for i in new_ids:
        assert (i in drops) == (ref[i] in old_labels)
    assert len(drops & set(new_ids)) >= len(new_ids) // 2
    # the old output is untouched
    assert json.loads((old / "dedup" / "summary.json").read_text())["dropped"] == old_summary["dropped"]
    # a chain: a third crawl against the second sees the first as well
    third = tmp_path / "crawl3"
    write_signature_files(third, {"t": [Document("again", corpus.texts[old_ids[0]])]}, FAST)
    s3 = run_dedup_phase(third, {"against": str(new)}, progress=False)
    assert s3["earlier_documents"] == len(old_ids) + len(new_ids) + 2
    assert _drops(third) == {"again"}
    with pytest.raises(DedupError, match="not a finished dedup output"):
        run_dedup_phase(third, {"against": str(tmp_path / "nothing")}, progress=False)


def _reference_components_multi(outs: list[Path]) -> dict[str, int]:
    merged = outs[-1].parent / "merged-ref"
    (merged / "signatures").mkdir(parents=True, exist_ok=True)
    for k, out in enumerate(outs):
        for f in (out / "signatures").glob(f"*{SUFFIX}"):
            shutil.copy(f, merged / "signatures" / f"{k}-{f.name}")
    return _reference_components(merged)


def _rank_main(out: str, rank: int, cfg: dict) -> None:
    run_dedup_phase(out, cfg, rank=rank, world_size=2, progress=False)


def test_array_mode_ranks_meet_at_markers_and_match_local_mode(small_corpus: tuple, tmp_path: Path) -> None:
    import multiprocessing as mp

    _, src = small_corpus
    cfg = {"partitions": 3, "rows_per_task": 50}
    local = tmp_path / "local"
    _run_copy(src, local, cfg)
    array = tmp_path / "array"
    shutil.copytree(src / "signatures", array / "signatures")
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_rank_main, args=(str(array), r, cfg)) for r in (1, 0)]  # rank 1 starts first
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert _clusters(array).equals(_clusters(local))
    summary = json.loads((array / "dedup" / "summary.json").read_text())
    assert summary["dropped"] == json.loads((local / "dedup" / "summary.json").read_text())["dropped"]
    with pytest.raises(DedupError, match="local mode only"):
        run_dedup_phase(array, cfg, rank=0, world_size=2, restart=True, progress=False)
