"""The CategoryScore stage, the CategoryScorer API, host rules and bad input.

Models are trained here on generated documents whose labels come from their kind (test data
standing in for LLM labels, imported through the labeller-reply path).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from corpusforge import Document, Pipeline
from corpusforge.classify import CategoryScorer, EduScorer
from corpusforge.classify.category_stage import CategoryScore
from corpusforge.classify.demo_data import kind_documents
from corpusforge.classify.edu_stage import EduScore
from corpusforge.classify.host_rules import HostRules, host_of
from corpusforge.classify.recipe import load_recipe
from corpusforge.classify.taxonomy import Taxonomy
from corpusforge.classify.text import WakatiSplitter
from corpusforge.classify.train import train_classifier
from corpusforge.config import ConfigError
from tests.test_classify_train import KIND_CATEGORY, small_recipe, write_labelled_set


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("category")
    labels, docs = write_labelled_set(tmp, n=240, seed=11)
    recipe = load_recipe(small_recipe(tmp))
    for axis in ("edu", "format", "topic"):
        train_classifier(labels, docs, recipe, tmp / axis, axis=axis)
    return {axis: tmp / axis / "model.ftz" for axis in ("edu", "format", "topic")}


def stage(models: dict[str, Path], **kw) -> CategoryScore:
    return CategoryScore(format_model=str(models["format"]), topic_model=str(models["topic"]),
                         edu_model=str(models["edu"]), **kw)


def test_stage_adds_format_topic_and_edu(models):
    rows = list(kind_documents(48, seed=99))
    docs = [Document(id=r["id"], text=r["text"], url=f"https://example.com/{i}", metadata={"kind": r["kind"]})
            for i, r in enumerate(rows)]
    pipe = Pipeline([stage(models, batch_size=16)])
    out = list(pipe.run(docs))
    assert len(out) == 48
    fmt_keys, topic_keys = Taxonomy.load().keys("format"), Taxonomy.load().keys("topic")
    hits = 0
    for d in out:
        m = d.metadata
        assert m["format"] in fmt_keys and m["topic"] in topic_keys
        assert 0.0 < m["format_prob"] <= 1.0 and 0.0 < m["topic_prob"] <= 1.0
        assert m["format_source"] == m["topic_source"] == "model"
        assert 0.0 <= m["edu_score"] <= 5.0 and isinstance(m["edu_label"], int)
        hits += (m["format"], m["topic"]) == KIND_CATEGORY[m["kind"]]
    assert hits >= 44  # separable generated kinds
    same = list(Pipeline([EduScore(model=str(models["edu"]))]).run([Document(id=d.id, text=d.text) for d in docs]))
    assert [d.metadata["edu_score"] for d in out] == [d.metadata["edu_score"] for d in same]


def test_host_rules_decide_before_the_models_and_are_recorded(models):
    text = next(r["text"] for r in kind_documents(6, seed=3) if r["kind"] == "advert")
    docs = [Document(id="a", text=text, url="https://www.mhlw.go.jp/topics/a.html"),
            Document(id="b", text=text, url="https://www.example.ac.jp/shop"),
            Document(id="c", text=text, url="https://ago.jp/")]
    st = stage(models)
    out = {d.id: d.metadata for d in Pipeline([st]).run(docs)}
    assert (out["a"]["format"], out["a"]["format_source"], out["a"]["format_prob"]) == ("official", "rule", 1.0)
    assert out["a"]["topic_source"] == "model"
    assert (out["b"]["topic"], out["b"]["topic_source"]) == ("education_jobs", "rule")
    assert out["b"]["format"] == "ad_shop" and out["b"]["format_source"] == "model"
    assert out["c"]["format_source"] == "model"  # ago.jp is not under go.jp
    assert st.stats.counters["format_rule"] == 1 and st.stats.counters["topic_rule"] == 1


def test_user_host_rules_file_and_bad_rules(models, tmp_path):
    rules = tmp_path / "hosts.yaml"
    rules.write_text("rules:\n  news.example.jp: {format: news, topic: sports}\n  example.jp: {format: blog_diary}\n",
                     encoding="utf-8")
    r = HostRules.load(rules)
    assert r.lookup("http://news.example.jp/x") == {"format": "news", "topic": "sports"}
    assert r.lookup("http://a.example.jp/") == {"format": "blog_diary"}
    assert r.lookup("not a url") == {} and host_of("HTTP://WWW.GO.JP./") == "www.go.jp"
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  x.jp: {format: ニュース}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a format class"):
        HostRules.load(bad)
    with pytest.raises(ConfigError, match="not a format class"):
        Pipeline.from_config({"annotate": [{"stage": "CategoryScore", "format_model": str(models["format"]),
                                            "topic_model": str(models["topic"]), "edu_model": str(models["edu"]),
                                            "host_rules": str(bad)}]})


def test_bad_input_empty_huge_and_non_japanese(models):
    huge = "光合成の授業です。" * 200_000
    docs = [Document(id="empty", text=""), Document(id="blank", text=" \n\t "), Document(id="huge", text=huge),
            Document(id="en", text="Buy now! Free shipping on all orders over $50."),
            Document(id="nul", text="途中に\x00がある\ud800文書")]
    st = stage(models, probabilities=True)
    out = {d.id: d.metadata for d in Pipeline([st]).run(docs)}
    assert set(out) == {"empty", "blank", "huge", "en", "nul"}
    assert out["empty"]["edu_score"] == 0.0 and out["blank"]["edu_label"] == 0
    assert st.stats.counters["empty_text"] == 2
    for m in out.values():
        assert len(m["format_probs"]) == 12 and len(m["topic_probs"]) == len(Taxonomy.load().keys("topic"))


def test_scorer_api_splits_once_for_three_models(models, monkeypatch):
    texts = [r["text"] for r in kind_documents(12, seed=5)]
    scorer = CategoryScorer(models["format"], models["topic"], models["edu"])
    calls = []
    original = WakatiSplitter.__call__
    monkeypatch.setattr(WakatiSplitter, "__call__", lambda self, t: calls.append(t) or original(self, t))
    probs = scorer.predict_all(texts)
    assert len(calls) == len(texts)  # one MeCab split per text for edu + format + topic
    assert set(probs) == {"format", "topic", "edu"}
    assert np.allclose(probs["edu"], EduScorer(models["edu"]).predict_proba(texts))
    pairs = scorer.predict(texts, axis="format")
    assert len(pairs) == 12 and all(isinstance(lab, str) and 0 < p <= 1 for lab, p in pairs)
    df = scorer.proba(texts, axis="topic")
    assert isinstance(df, pl.DataFrame) and df.columns == Taxonomy.load().keys("topic") and df.height == 12
    assert np.allclose(df.to_numpy().sum(axis=1), 1.0)
    assert [df.columns[j] for j in df.to_numpy().argmax(axis=1)] == [lab for lab, _ in scorer.predict(texts, "topic")]
    with pytest.raises(ValueError, match="unknown axis"):
        scorer.predict(texts, axis="colour")


def test_wrong_model_for_an_axis_is_a_clear_error(models):
    with pytest.raises(ValueError, match="is a topic model, given as the format model"):
        CategoryScorer(models["topic"], models["topic"], models["edu"])
    with pytest.raises(FileNotFoundError, match="format model not found"):
        CategoryScore(format_model="/nowhere/model.ftz", topic_model=str(models["topic"]))


def test_stage_pickles_for_worker_processes(models):
    st = stage(models)
    list(Pipeline([st]).run([Document(id="a", text="授業")]))
    clone = pickle.loads(pickle.dumps(st))
    assert clone._scorer is None
    out = list(clone([Document(id="b", text="授業で光合成を学ぶ。")]))
    assert out[0].metadata["format"] in Taxonomy.load().keys("format")
