"""The EduScore stage inside a Pipeline, and the EduScorer library API."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from corpusforge import Document, Pipeline
from corpusforge.classify import EduScorer
from corpusforge.classify.demo_data import kind_documents
from corpusforge.classify.edu_stage import EduScore
from corpusforge.classify.recipe import load_recipe
from corpusforge.classify.scorer import default_model_path
from corpusforge.classify.train import train_classifier
from corpusforge.config import ConfigError
from tests.test_classify_train import small_recipe, write_labelled_set


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("edu-stage")
    labels, docs = write_labelled_set(tmp, n=240, seed=11)
    train_classifier(labels, docs, load_recipe(small_recipe(tmp)), tmp / "model")
    return tmp / "model"


def as_docs(rows: list[dict]) -> list[Document]:
    return [Document(id=r["id"], text=r["text"], metadata={"kind": r["kind"]}) for r in rows]


def test_stage_in_pipeline_adds_scores(model_dir):
    rows = list(kind_documents(60, seed=99))
    pipe = Pipeline([EduScore(model=str(model_dir / "model.ftz"), batch_size=16)])
    out = list(pipe.run(as_docs(rows)))
    assert len(out) == 60
    for d in out:
        assert isinstance(d.metadata["edu_score"], float) and 0.0 <= d.metadata["edu_score"] <= 5.0
        assert isinstance(d.metadata["edu_label"], int)
    by_kind: dict[str, list[float]] = {}
    for d in out:
        by_kind.setdefault(d.metadata["kind"], []).append(d.metadata["edu_score"])
    mean = {k: np.mean(v) for k, v in by_kind.items()}
    assert mean["lecture"] > mean["lesson"] > mean["notice"] > mean["advert"]
    st = pipe.stats().stages[0]
    assert st.docs_in == 60 and st.docs_out == 60


def test_min_score_drops_with_reason(model_dir):
    rows = list(kind_documents(36, seed=3))
    dropped: list[tuple[str, str]] = []
    stage = EduScore(model=str(model_dir), min_score=2.5)
    out = list(Pipeline([stage]).run(as_docs(rows), on_drop=lambda d, r, s: dropped.append((d.id, r))))
    assert out and dropped
    assert all(d.metadata["edu_score"] >= 2.5 for d in out)
    assert {r for _, r in dropped} == {"low_edu_score"}
    assert stage.stats.dropped["low_edu_score"] == len(dropped) == 36 - len(out)
    assert {d.metadata["kind"] for d in out} <= {"howto", "lesson", "lecture"}


def test_bad_texts_do_not_stop_the_batch(model_dir):
    huge = "光合成の授業です。" * 200_000
    texts = ["", "   \n\t", huge, "This is an English page about cooking pasta at home.", "🎉🎉🎉",
             "壊れた\ud800文字", "NUL\x00を含む本文", "改行\r\nだらけ\n\n\n"]
    docs = [Document(id=f"b{i}", text=t) for i, t in enumerate(texts)]
    stage = EduScore(model=str(model_dir / "model.ftz"))
    out = list(Pipeline([stage]).run(docs))
    assert [d.id for d in out] == [d.id for d in docs]
    assert out[0].metadata["edu_score"] == 0.0 and out[0].metadata["edu_label"] == 0
    assert stage.stats.counters["empty_text"] == 2
    assert all(0.0 <= d.metadata["edu_score"] <= 5.0 for d in out)


def test_scorer_api(model_dir):
    scorer = EduScorer(model_dir / "model.ftz", batch_size=3)
    texts = [r["text"] for r in kind_documents(12, seed=8)]
    scores = scorer.score(texts)
    assert isinstance(scores, np.ndarray) and scores.shape == (12,)
    labels, probs = scorer.predict(texts)
    assert labels.shape == (12,) and probs.shape == (12, 6)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.allclose(scores, probs @ np.arange(6))
    assert np.allclose(EduScorer(model_dir, batch_size=256).score(texts), scores)  # batching changes nothing
    assert scorer.score([]).shape == (0,)


def test_stage_from_yaml_config(model_dir, tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"annotate:\n  - stage: EduScore\n    model: {model_dir / 'model.ftz'}\n    min_score: 0\n",
                   encoding="utf-8")
    pipe = Pipeline.from_config(cfg, sections=("annotate",))
    out = list(pipe.run([Document(id="x", text="授業では光合成の仕組みを学びます。")]))
    assert "edu_score" in out[0].metadata


def test_model_path_relative_to_config(model_dir, tmp_path):
    import shutil

    shutil.copytree(model_dir, tmp_path / "models")
    stage = EduScore(model="models/model.ftz", config_dir=str(tmp_path))
    assert stage.model_path == tmp_path / "models" / "model.ftz"


def test_stage_pickles_for_worker_processes(model_dir):
    stage = EduScore(model=str(model_dir / "model.ftz"))
    list(stage([Document(id="a", text="授業")]))
    clone = pickle.loads(pickle.dumps(stage))
    out = list(clone([Document(id="b", text="授業")]))
    assert "edu_score" in out[0].metadata


def test_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "model.ftz"
    monkeypatch.setattr("corpusforge.classify.scorer.default_model_path", lambda axis="edu": missing)
    with pytest.raises(FileNotFoundError, match=str(missing)):
        EduScorer()
    with pytest.raises(FileNotFoundError, match=str(missing)):
        EduScore()
    with pytest.raises(ConfigError, match="edu model not found"):
        Pipeline.from_config({"annotate": [{"stage": "EduScore", "model": str(tmp_path / "nope.ftz")}]})


@pytest.mark.skipif(not default_model_path().is_file(), reason="starter model not shipped yet")
def test_starter_model_scores():
    scorer = EduScorer()
    text = "光合成とは、植物が光のエネルギーを使って二酸化炭素と水から養分をつくるはたらきです。"
    assert scorer.score([text]).shape == (1,)


def test_documents_waiting_in_a_batch_drop_their_caches() -> None:
    from corpusforge.classify.model_stage import batches
    from corpusforge.filters.analysis import analysis_of

    docs = [Document(f"d{i}", "日本語の文章です。" * 50) for i in range(5)]
    for d in docs:
        analysis_of(d).class_counts  # what the filters leave behind: several times the text's size
    (first, second) = list(batches(iter(docs), 3))
    assert [len(first), len(second)] == [3, 2]
    assert all(not d.scratch for d in first + second)
    assert analysis_of(docs[0]).text is docs[0].text  # recomputed if a later stage asks
