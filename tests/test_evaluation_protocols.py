"""Other papers' protocols: pooled / per-perturbation AUROC, AUPRC, three-class effect task."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

from pqstats import evaluation as ev
from pqstats.cli import main
from pqstats.evaluation import PredictionError
from pqstats.screens import load_de, load_dir


def test_effect_class_rule():
    p_de = np.array([0.1, 0.49, 0.5, 0.5, 0.9, 0.9])
    p_up = np.array([0.9, 0.1, 0.5, 0.49, 0.0, 1.0])
    assert ev.effect_classes(p_de, p_up).tolist() == [0, 0, 2, 1, 1, 2]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_effect_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 300)
    p = np.where(rng.random(300) < 0.6, y, rng.integers(0, 3, 300))
    m = ev.effect_metrics(y, p)
    assert m["macro_f1"] == pytest.approx(f1_score(y, p, average="macro"), abs=1e-12)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p), abs=1e-12)


def test_effect_metrics_with_a_class_never_predicted_match_sklearn():
    y = np.array([0, 0, 1, 2, 2, 1])
    p = np.array([0, 0, 0, 2, 2, 0])  # "down" never predicted
    assert ev.effect_metrics(y, p)["macro_f1"] == pytest.approx(
        f1_score(y, p, average="macro", zero_division=0), abs=1e-12)


# --- the real HepG2 files ----------------------------------------------------------------
@pytest.fixture(scope="module")
def hepg2_effect():
    de = load_de("hepg2").query("split == 'test'")
    up = load_dir("hepg2").query("split == 'test'")
    rng = np.random.default_rng(0)
    table = de[["pert", "gene", "label"]].merge(
        up[["pert", "gene", "label"]].rename(columns={"label": "up"}), how="left")
    truth = np.where(table.label == 0, 0, np.where(table.up == 1, 2, 1))
    p_de = np.clip(table.label + rng.normal(0, 0.45, len(table)), 0, 1)
    p_up = np.clip(table.up.fillna(0.5) + rng.normal(0, 0.45, len(table)), 0, 1)
    pred = table[["pert", "gene"]].assign(p_de=p_de, p_up=p_up)
    return pred, truth


@pytest.mark.integration
def test_effect_labels_come_from_the_de_and_dir_files(hepg2_effect):
    pred, truth = hepg2_effect
    labels = ev.effect_labels("hepg2")
    assert labels[["pert", "gene"]].equals(pred[["pert", "gene"]].reset_index(drop=True)) \
        or len(labels) == len(pred)
    merged = pred.merge(labels, on=["pert", "gene"])
    assert np.array_equal(merged["label"].to_numpy(), truth)
    assert set(np.unique(truth)) == {0, 1, 2}


@pytest.mark.integration
def test_score_effect_matches_sklearn(hepg2_effect, tmp_path, capsys):
    pred, truth = hepg2_effect
    path = tmp_path / "effect.csv"
    pred.sample(frac=1, random_state=2).to_csv(path, index=False)
    classes = ev.effect_classes(pred.p_de.to_numpy(), pred.p_up.to_numpy())
    assert main(["score", "--dataset", "HepG2", "--task", "effect", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["macro_f1"] == pytest.approx(f1_score(truth, classes, average="macro"),
                                            abs=1e-12)
    assert out["accuracy"] == pytest.approx(accuracy_score(truth, classes), abs=1e-12)
    assert out["n_pairs"] == len(pred)


@pytest.mark.integration
def test_score_reports_pooled_per_pert_and_auprc_as_sklearn(tmp_path, capsys):
    test = load_dir("hepg2").query("split == 'test'")
    rng = np.random.default_rng(3)
    scores = test["label"].to_numpy() + rng.normal(0, 1.0, len(test))
    path = tmp_path / "dir.csv"
    test[["pert", "gene"]].assign(score=scores).to_csv(path, index=False)
    assert main(["score", "--dataset", "hepg2", "--task", "dir", str(path), "--json",
                 "--n-boot", "50"]) == 0
    out = json.loads(capsys.readouterr().out)
    frame = test.assign(score=scores)
    per_pert = [roc_auc_score(g.label, g.score) for _, g in frame.groupby("pert")
                if g.label.nunique() == 2]
    per_gene_ap = [average_precision_score(g.label, g.score) for _, g in frame.groupby("gene")
                   if g.label.nunique() == 2]
    assert out["pooled_auroc"] == pytest.approx(roc_auc_score(test.label, scores), abs=1e-12)
    assert out["auroc_per_pert"] == pytest.approx(np.mean(per_pert), abs=1e-12)
    assert out["auprc"] == pytest.approx(np.mean(per_gene_ap), abs=1e-12)
    assert main(["score", "--dataset", "hepg2", "--task", "dir", str(path),
                 "--n-boot", "50"]) == 0
    text = capsys.readouterr().out
    assert "pooled AUROC" in text and "per-perturbation AUROC" in text and "AUPRC" in text


# --- bad inputs, in the pertpy table style ----------------------------------------------
@pytest.mark.integration
@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.drop(columns="p_up"), r"missing \['p_up'\]"),
    (lambda d: d.iloc[3:], r"3 of \d+ hepg2 de test pairs have no prediction"),
    (lambda d: pd.concat([d, d.iloc[:1]]), r"1 duplicate \(pert, gene\) predictions"),
    (lambda d: d.assign(p_de=d.p_de.where(d.index != d.index[0])),
     r"1 predictions have a NaN/missing/infinite or non-numeric p_de"),
    (lambda d: d.assign(p_up="high"), r"non-numeric p_up"),
    (lambda d: pd.concat([d, pd.DataFrame({"pert": ["X"], "gene": ["Y"], "p_de": [0.1],
                                           "p_up": [0.2]})]),
     r"1 predictions are not hepg2 de test pairs"),
    (lambda d: d.iloc[:0], r"the predictions table is empty"),
])
def test_effect_bad_inputs(hepg2_effect, mutate, message):
    pred, _ = hepg2_effect
    with pytest.raises(PredictionError, match=message):
        ev.score_effect("hepg2", mutate(pred))


@pytest.mark.integration
def test_effect_file_without_p_up_names_the_column(hepg2_effect, tmp_path, capsys):
    pred, _ = hepg2_effect
    path = tmp_path / "effect.csv"
    pred.drop(columns="p_up").to_csv(path, index=False)
    assert main(["score", "--dataset", "hepg2", "--task", "effect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "pqstats score: error:" in err and "has no column p_up" in err


@pytest.mark.integration
def test_a_de_pair_missing_from_the_dir_table_is_refused(monkeypatch):
    import pqstats.screens as screens

    real = screens.load_pairs

    def dir_missing_one(dataset, task):
        pairs = real(dataset, task)
        if task == "dir":
            first = pairs.index[pairs.split == "test"][0]
            pairs = pairs.drop(index=first)
        return pairs

    monkeypatch.setattr(screens, "load_pairs", dir_missing_one)
    with pytest.raises(ValueError, match="1 DE test pairs of hepg2 have no direction"):
        ev.effect_labels("hepg2")
