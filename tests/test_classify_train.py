"""Training and evaluating the edu classifier on a small generated labelled set.

The documents come from ``corpusforge.classify.demo_data`` (generated Japanese texts of
six kinds); their labels are derived from the kind — test data standing in for LLM
labels, imported through the same path real labeller replies take.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpusforge.classify.demo_data import kind_documents
from corpusforge.classify.evaluate import evaluate, stratified_split
from corpusforge.classify.fasttext_model import FastTextClassifier
from corpusforge.classify.labels import import_replies, read_labels
from corpusforge.classify.prompt import LabelPrompt
from corpusforge.classify.recipe import load_recipe
from corpusforge.classify.scorer import TextClassifier
from corpusforge.classify.taxonomy import Taxonomy
from corpusforge.classify.train import TrainingError, load_labelled_set, train_classifier
from corpusforge.cli import main


def small_recipe(tmp: Path) -> Path:
    """The shipped recipe with sizes cut down for a test-sized data set."""
    r = load_recipe()
    r.pop("_path")
    r["fasttext"].update({"epoch": 15, "bucket": 20000, "dim": 16})
    r["quantize"].update({"cutoff": 2000})
    r["baseline"].update({"n_features": 2 ** 14, "max_iter": 300})
    path = tmp / "recipe.yaml"
    import yaml

    path.write_text(yaml.safe_dump(r, allow_unicode=True), encoding="utf-8")
    return path


# format / topic stand-ins for the generator's kinds (test data, not the starter models' labels)
KIND_CATEGORY = {"advert": ("ad_shop", "lifestyle"), "diary": ("blog_diary", "lifestyle"),
                 "notice": ("official", "law_government_politics"), "howto": ("tutorial", "it_software"),
                 "lesson": ("tutorial", "science_math"), "lecture": ("reference", "science_math")}


def stand_in_reply(kind: str, score: int) -> str:
    fmt, topic = KIND_CATEGORY[kind]
    return f"理由：生成データ。\n評価: {score}\n形式: {fmt}\n話題: {topic}"


def write_labelled_set(tmp: Path, n: int = 360, seed: int = 5) -> tuple[Path, Path]:
    docs = list(kind_documents(n, seed))
    docs_path = tmp / "docs.parquet"
    pq.write_table(pa.table({k: [d[k] for d in docs] for k in ("id", "text", "source")}), docs_path)
    replies = [{"id": d["id"], "raw_reply": stand_in_reply(d["kind"], d["score"]), "model": "stand-in"}
               for d in docs]
    replies += [{"id": "missing/1", "raw_reply": stand_in_reply("lesson", 4), "model": "stand-in"},
                {"id": "missing/2", "raw_reply": stand_in_reply("advert", 0), "model": "stand-in"},
                {"id": "no-score/1", "raw_reply": "よく分かりません", "model": "stand-in"}]
    replies_path = tmp / "replies.jsonl"
    replies_path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in replies) + "\n", encoding="utf-8")
    labels_path = tmp / "labels.parquet"
    summary = import_replies(replies_path, labels_path, labeller="test-generator")
    assert summary.imported == n + 3 and summary.unparseable == 1
    return labels_path, docs_path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("edu-train")
    labels, docs = write_labelled_set(tmp)
    recipe = small_recipe(tmp)
    metrics = train_classifier(labels, docs, load_recipe(recipe), tmp / "model")
    return tmp, labels, docs, recipe, metrics


def test_training_writes_model_metrics_and_card(trained):
    tmp, _, _, _, m = trained
    model_dir = tmp / "model"
    assert (model_dir / "model.ftz").stat().st_size < 3_000_000
    assert json.loads((model_dir / "metrics.json").read_text()) == m
    meta = json.loads((model_dir / "model.json").read_text())
    assert meta["preprocess"]["max_chars"] == load_recipe()["preprocess"]["max_chars"]
    card = (model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    for needle in ("Labelled documents used: **360**", "test-generator", "stand-in", "baseline (char n-grams + LR)",
                   "Confusion matrix", "Intended use", "Limitations", LabelPrompt.load().hash):
        assert needle in card


def test_unknown_ids_and_unparseable_are_counted_not_fatal(trained):
    m = trained[4]
    assert m["data"]["unknown_ids"] == 2 and set(m["data"]["unknown_id_examples"]) == {"missing/1", "missing/2"}
    assert m["data"]["unparseable"] == 1 and m["data"]["documents"] == 360


def test_held_out_quality_on_separable_kinds(trained):
    m = trained[4]
    assert m["split"]["test"] == 72 and m["split"]["train"] == 288
    for name in ("fasttext", "baseline"):
        r = m[name]
        assert r["n"] == 72
        assert r["macro_f1"] > 0.8 and r["binary_f1_rounded"] > 0.8 and r["spearman"] > 0.8, (name, r)
        assert np.asarray(r["confusion"]).sum() == 72
    assert m["fasttext"]["binary_f1"] > 0.8  # softmax probabilities are peaked: no rounding needed


def test_probabilities_are_real_distributions(trained):
    tmp = trained[0]
    clf = FastTextClassifier.load(tmp / "model" / "model.ftz")
    probs = clf.predict_proba(["授業 で は 光合成 の 仕組み について 学び ます", "今だけ 半額 セール", ""])
    assert probs.shape == (3, 6)
    assert np.allclose(probs[:2].sum(axis=1), 1.0)
    assert len(set(np.round(probs[0], 6))) > 1  # not one value repeated (the multilinePredict pitfall)


def test_multiline_predict_pitfall_still_present(trained):
    """Why predict_proba calls f.predict per line: 0.9.2's multilinePredict repeats the top probability."""
    import fasttext

    model = fasttext.load_model(str(trained[0] / "model" / "model.ftz"))
    _, probs = model.f.multilinePredict(["授業 で 学び ます\n"], -1, 0.0, "strict")
    assert len(set(np.asarray(probs[0]).tolist())) == 1


def test_split_is_deterministic_stratified_and_order_free():
    ids = [f"d{i}" for i in range(100)]
    labels = [i % 4 for i in range(100)]
    tr, te = stratified_split(ids, labels, 0.2, 13)
    assert len(te) == 20 and sorted(tr + te) == list(range(100))
    assert all(sum(labels[i] == c for i in te) == 5 for c in range(4))
    rev_tr, rev_te = stratified_split(ids[::-1], labels[::-1], 0.2, 13)
    assert {ids[::-1][i] for i in rev_te} == {ids[i] for i in te}
    assert stratified_split(ids, labels, 0.2, 14)[1] != te
    _, te_single = stratified_split(["a", "b", "c"], [0, 0, 5], 0.5, 1)
    assert all(["a", "b", "c"][i] != "c" for i in te_single)  # a lone class stays in train


def test_evaluate_known_values():
    y = [0, 1, 3, 5]
    perfect = np.eye(6)[y]
    r = evaluate(y, perfect, 3)
    assert r["macro_f1"] == 1.0 and r["binary_f1"] == 1.0 and r["spearman"] == pytest.approx(1.0)
    assert r["confusion"][5][5] == 1 and r["mae"] == 0.0
    constant = np.tile(np.eye(6)[2], (4, 1))
    r = evaluate(y, constant, 3)
    assert r["spearman"] is None and r["binary_f1"] == 0.0 and r["accuracy"] == 0.0
    assert evaluate([], np.zeros((0, 6)))["n"] == 0


def test_cli_train_and_eval(trained, tmp_path, capsys):
    tmp, labels, docs, recipe, m = trained
    out = tmp_path / "cli-model"
    assert main(["classifier", "train", "--labels", str(labels), "--docs", str(docs), "--config", str(recipe),
                 "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "2 labelled ids have no document" in err
    again = json.loads((out / "metrics.json").read_text())
    assert again["fasttext"] == m["fasttext"]  # one thread + fixed seed: the same model twice
    metrics_file = tmp_path / "eval.json"
    assert main(["classifier", "eval", "--model", str(out), "--labels", str(labels), "--docs", str(docs),
                 "--config", str(recipe), "--held-out", "--output", str(metrics_file)]) == 0
    ev = json.loads(metrics_file.read_text())
    assert ev["n"] == 72 and ev["macro_f1"] == pytest.approx(m["fasttext"]["macro_f1"])
    assert ev["confusion"] == m["fasttext"]["confusion"]


def test_docs_from_output_directory_and_jsonl(trained, tmp_path):
    _, labels, docs, recipe, _ = trained
    table = pq.read_table(docs)
    (tmp_path / "out" / "docs").mkdir(parents=True)
    pq.write_table(table.slice(0, 200), tmp_path / "out" / "docs" / "a.parquet")
    pq.write_table(table.slice(200), tmp_path / "out" / "docs" / "b.parquet")
    m = train_classifier(labels, tmp_path / "out", load_recipe(recipe), tmp_path / "m1")
    assert m["data"]["documents"] == 360
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in table.slice(0, 120).to_pylist())
                     + "\nnot json\n", encoding="utf-8")
    m2 = train_classifier(labels, jsonl, load_recipe(recipe), tmp_path / "m2")
    assert m2["data"]["documents"] == 120 and m2["data"]["unknown_ids"] == 242


def test_single_class_is_a_clear_error(tmp_path, capsys):
    docs = tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": ["a", "b", "c"], "text": ["あ", "い", "う"]}), docs)
    rows = [{"id": i, "raw_reply": "評価: 2", "model": "m"} for i in ("a", "b", "c")]
    labels = tmp_path / "l.parquet"
    import_replies(rows, labels)
    with pytest.raises(TrainingError, match="two edu classes"):
        train_classifier(labels, docs, load_recipe(), tmp_path / "m")
    assert main(["classifier", "train", "--labels", str(labels), "--docs", str(docs), "--output",
                 str(tmp_path / "m")]) == 2
    assert "two edu classes" in capsys.readouterr().err


def test_import_checks_prompt_hash_and_skips_existing(tmp_path):
    out = tmp_path / "l.parquet"
    s = import_replies([{"id": "a", "raw_reply": "評価: 3", "model": "m", "prompt_hash": "000000000000"},
                        {"id": "b", "raw_reply": "評価: 3"},
                        {"id": "c", "raw_reply": "評価：５", "model": "m", "labeller": "llm-x"},
                        "not a dict"], out)
    assert s.imported == 1 and s.bad_lines == {"prompt_hash_mismatch": 1, "missing_model": 1, "bad_json": 1}
    s2 = import_replies([{"id": "c", "raw_reply": "評価: 1", "model": "m"}], out)
    assert s2.skipped_existing == 1
    df = read_labels(out)
    assert df.to_dicts()[0]["edu"] == 5 and df.to_dicts()[0]["labeller"] == "llm-x"


# score stand-ins for the generator's kinds (test data, not the starter model's labels)
SYNTH_KIND_SCORE = {"ja_education": 5, "ja_encyclopedia": 4, "ja_news": 2, "ja_qa_board": 2, "ja_blog": 1,
                    "ja_shop": 0, "ja_spam": 0, "ja_adult": 0, "ja_short": 0}


def test_training_on_project_generated_documents(tmp_path):
    compose = pytest.importorskip("corpusforge.synth.compose")
    from corpusforge.classify.seed import synth_documents

    rows = list(synth_documents(40 * len(compose.JA_KINDS), seed=21, max_jaccard=0.5))
    docs = tmp_path / "synth.parquet"
    pq.write_table(pa.Table.from_pylist(rows), docs)
    labels = tmp_path / "labels.parquet"
    import_replies([{"id": r["id"], "raw_reply": f"評価: {SYNTH_KIND_SCORE[r['source'][6:]]}", "model": "kind-map"}
                    for r in rows], labels)
    m = train_classifier(labels, docs, load_recipe(small_recipe(tmp_path)), tmp_path / "model")
    assert m["data"]["documents"] == len(rows) and set(m["data"]["sources"]) == {r["source"] for r in rows}
    assert m["fasttext"]["spearman"] > 0.7 and m["fasttext"]["binary_f1_rounded"] > 0.8, m["fasttext"]
    assert m["baseline"]["spearman"] > 0.7, m["baseline"]


@pytest.mark.parametrize("axis", ["format", "topic"])
def test_category_axis_training_card_and_scorer(trained, tmp_path, axis):
    tmp, labels, docs, recipe, _ = trained
    m = train_classifier(labels, docs, load_recipe(recipe), tmp_path / axis, axis=axis)
    classes = Taxonomy.load().keys(axis)
    assert m["axis"] == axis and list(m["data"]["label_distribution"]) == classes
    assert m["data"]["documents"] == 360 and m["data"]["unparseable"] == 1
    assert m["fasttext"]["accuracy"] > 0.9 and m["baseline"]["accuracy"] > 0.9, (m["fasttext"], m["baseline"])
    assert np.asarray(m["fasttext"]["confusion"]).shape == (len(classes), len(classes))
    meta = json.loads((tmp_path / axis / "model.json").read_text())
    assert meta["axis"] == axis and meta["classes"] == classes
    card = (tmp_path / axis / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "macro F1" in card and "Documents per source and label" in card and "gen:advert" in card
    clf = TextClassifier(tmp_path / axis, axis=axis)
    advert = [d["text"] for d in kind_documents(12, seed=99) if d["kind"] == "advert"]
    expected = KIND_CATEGORY["advert"][0 if axis == "format" else 1]
    assert [clf.classes[j] for j in clf.predict_proba(advert).argmax(axis=1)] == [expected] * len(advert)


def test_mixed_old_and_new_label_files_load(tmp_path):
    """An edu-only labels file (column ``score``) extended by a one-pass run still reads as one table."""
    out = tmp_path / "labels.parquet"
    pq.write_table(pa.table({"id": ["old/1"], "score": pa.array([4], pa.int8()), "raw_reply": ["評価: 4"],
                             "model": ["m"], "prompt_hash": ["d4db5f38f46e"], "labeller": ["old"]}), out)
    parts = tmp_path / "labels.parquet.parts"
    parts.mkdir()
    pq.write_table(pa.table({"id": ["new/1"], "edu": pa.array([2], pa.int8()), "format": ["news"],
                             "topic": ["sports"], "model": ["m"], "prompt_hash": ["c694e152f70e"]}),
                   parts / "part-1-000001.parquet")
    df = read_labels(out)
    assert df.sort("id").select("id", "edu", "format", "topic").rows() == [("new/1", 2, "news", "sports"),
                                                                             ("old/1", 4, None, None)]
    docs = tmp_path / "d.jsonl"
    docs.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                              for i, t in (("old/1", "光合成の説明。"), ("new/1", "試合の結果。"))), encoding="utf-8")
    edu = load_labelled_set(out, docs, "edu")
    fmt = load_labelled_set(out, docs, "format")
    assert edu.labels == ["2", "4"] and fmt.ids == ["new/1"] and fmt.unparseable == 1
