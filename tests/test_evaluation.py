"""The PerturbQA metric and friends, against sklearn and hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from pqstats import evaluation as ev
from pqstats.evaluation import PredictionError
from pqstats.screens import load_dir


def _loop_auc_per_gene(pairs: pd.DataFrame, scores) -> float:
    """The published definition, written as plainly as possible."""
    values = []
    for _, grp in pairs.assign(score=scores).groupby("gene"):
        if grp.label.nunique() == 2:
            values.append(roc_auc_score(grp.label, grp.score))
    return float(np.mean(values))


@pytest.fixture
def random_pairs():
    rng = np.random.default_rng(0)
    n = 60 * 40  # every (pert, gene) pair once, in a shuffled order
    order = rng.permutation(n)
    pairs = pd.DataFrame({"pert": (order // 40).astype(str), "gene": (order % 40).astype(str),
                          "label": rng.integers(0, 2, n)})
    scores = rng.integers(0, 6, n).astype(float)  # many ties
    return pairs, scores


def test_matches_sklearn_loop_with_ties(random_pairs):
    pairs, scores = random_pairs
    assert ev.auc_per_gene(pairs, scores) == pytest.approx(
        _loop_auc_per_gene(pairs, scores), abs=1e-12)


def test_auprc_matches_sklearn_per_group(random_pairs):
    pairs, scores = random_pairs
    ours = ev.auprc_by_group(pairs, scores)
    ref = pairs.assign(s=scores).groupby("gene")[["label", "s"]].apply(
        lambda g: average_precision_score(g.label, g.s))
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index].to_numpy(), atol=1e-12)


def test_hand_computed_fixture():
    # gene a: positives score 0.9, 0.4; negatives 0.5, 0.1 -> 3 of 4 ordered pairs right
    # gene b: one positive tied with one negative (0.5 credit), one negative below -> 0.75
    # gene c: all positive -> skipped
    pairs = pd.DataFrame({
        "gene": list("aaaabbbcc"), "pert": list("pqrspqrpq"),
        "label": [1, 1, 0, 0, 1, 0, 0, 1, 1]})
    scores = [0.9, 0.4, 0.5, 0.1, 0.7, 0.7, 0.2, 0.3, 0.8]
    per_gene = ev.auroc_by_group(pairs, scores)
    assert per_gene.to_dict() == {"a": 0.75, "b": 0.75}
    assert ev.auc_per_gene(pairs, scores) == 0.75


def test_constant_per_gene_scores_exactly_half(random_pairs):
    pairs, _ = random_pairs
    gene_rate = pairs.groupby("gene").label.transform("mean")
    assert ev.auc_per_gene(pairs, gene_rate) == 0.5


def test_invariances(random_pairs):
    pairs, scores = random_pairs
    base = ev.auc_per_gene(pairs, scores)
    perm = np.random.default_rng(1).permutation(len(pairs))
    assert ev.auc_per_gene(pairs.iloc[perm], scores[perm]) == pytest.approx(base, abs=1e-12)
    # strictly increasing transforms and per-gene shifts do not change a per-gene AUROC
    shift = pairs.gene.astype(int).to_numpy() * 10.0
    assert ev.auc_per_gene(pairs, np.exp(scores) + shift) == pytest.approx(base, abs=1e-12)
    # flipping the scores mirrors the metric
    assert ev.auc_per_gene(pairs, -scores) == pytest.approx(1 - base, abs=1e-12)


def test_predict_proba_array_is_accepted(random_pairs):
    pairs, scores = random_pairs
    proba = np.column_stack([1 - scores / 10, scores / 10])
    assert ev.auc_per_gene(pairs, proba) == pytest.approx(ev.auc_per_gene(pairs, scores))


def test_no_gene_with_both_classes_is_an_error():
    pairs = pd.DataFrame({"gene": ["a", "b"], "pert": ["p", "q"], "label": [1, 0]})
    with pytest.raises(ValueError, match="no gene has both classes"):
        ev.auc_per_gene(pairs, [0.2, 0.3])


def test_bootstrap_is_seeded_and_brackets_the_mean(random_pairs):
    pairs, scores = random_pairs
    per_gene = ev.auroc_by_group(pairs, scores).to_numpy()
    a = ev.bootstrap_ci(per_gene, random_state=3)
    assert a == ev.bootstrap_ci(per_gene, random_state=3)
    assert a != ev.bootstrap_ci(per_gene, random_state=4)
    assert a[0] < per_gene.mean() < a[1]
    with pytest.raises(ValueError, match="confidence"):
        ev.bootstrap_ci(per_gene, confidence=95)


def test_random_scores_sit_at_chance():
    rng = np.random.default_rng(11)
    pairs = pd.DataFrame({"gene": np.repeat(np.arange(300), 40).astype(str),
                          "pert": np.tile(np.arange(40), 300).astype(str),
                          "label": rng.integers(0, 2, 12000)})
    result = ev.evaluate(pairs, rng.random(12000))
    assert result["ci_low"] < 0.5 < result["ci_high"]
    assert result["n_genes"] == 300


@pytest.mark.parametrize(("scores", "message"), [
    ([0.1, np.nan, 0.3], "NaN or infinite"),
    ([0.1, 0.2], "got 2 scores for 3 pairs"),
    (np.zeros((3, 3)), "one-dimensional"),
])
def test_bad_scores(scores, message):
    pairs = pd.DataFrame({"gene": ["a", "a", "a"], "pert": ["p", "q", "r"], "label": [1, 0, 1]})
    with pytest.raises(PredictionError, match=message):
        ev.auc_per_gene(pairs, scores)


# --- score_predictions on the real k562 dir test split ---------------------------------
@pytest.fixture
def k562_dir_predictions():
    test = load_dir("k562").query("split == 'test'")
    return test[["pert", "gene"]].assign(score=np.linspace(0, 1, len(test)))


@pytest.mark.integration
def test_score_predictions_accepts_exact_coverage(k562_dir_predictions, tmp_path):
    metrics = ev.score_predictions("k562", "dir", k562_dir_predictions)
    assert 0 <= metrics["auroc"] <= 1 and metrics["n_genes"] == 150
    path = tmp_path / "pred.csv"
    k562_dir_predictions.sample(frac=1, random_state=0).to_csv(path, index=False)
    assert ev.score_predictions("k562", "dir", path)["auroc"] == metrics["auroc"]


@pytest.mark.integration
@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.iloc[1:], r"1 of 3119 k562 dir test pairs have no prediction"),
    (lambda d: pd.concat([d, d.iloc[:2]]), r"2 duplicate \(pert, gene\) predictions"),
    (lambda d: d.assign(score=d.score.where(d.index != d.index[0])), r"1 predictions have a NaN"),
    (lambda d: pd.concat([d, pd.DataFrame({"pert": ["X"], "gene": ["Y"], "score": [0.1]})]),
     r"1 predictions are not k562 dir test pairs"),
    (lambda d: d.rename(columns={"score": "p"}), r"missing \['score'\]"),
])
def test_score_predictions_rejects_bad_coverage(k562_dir_predictions, mutate, message):
    with pytest.raises(PredictionError, match=message):
        ev.score_predictions("k562", "dir", mutate(k562_dir_predictions))


# --- grouped cross-validation ----------------------------------------------------------
def test_grouped_folds_keep_perturbations_together(toy_pairs):
    folds = ev.grouped_folds(toy_pairs, folds=4, random_state=1)
    seen = []
    for train_idx, test_idx in folds:
        assert not set(toy_pairs.pert.iloc[train_idx]) & set(toy_pairs.pert.iloc[test_idx])
        seen.extend(test_idx)
    assert sorted(seen) == list(range(len(toy_pairs)))
    again = ev.grouped_folds(toy_pairs.iloc[::-1], folds=4, random_state=1)
    # same seed, same perturbation → fold assignment whatever the row order
    first = {p: k for k, (_, te) in enumerate(folds) for p in toy_pairs.pert.iloc[te]}
    second = {p: k for k, (_, te) in enumerate(again) for p in toy_pairs.iloc[::-1].pert.iloc[te]}
    assert first == second
    with pytest.raises(ValueError, match="folds must be between 2"):
        ev.grouped_folds(toy_pairs, folds=1)


def test_cross_validate_matches_a_manual_loop_and_is_parallel_safe(toy_pairs):
    from pqstats.models import get

    toy_pairs = toy_pairs[toy_pairs.split == "train"].reset_index(drop=True)

    model = get("random", random_state=5)
    res1, oof1 = ev.cross_validate(model, toy_pairs, folds=3, n_jobs=1)
    res2, oof2 = ev.cross_validate(model, toy_pairs, folds=3, n_jobs=2)
    pd.testing.assert_frame_equal(res1, res2)
    np.testing.assert_array_equal(oof1, oof2)
    assert list(res1.columns) == ["fold", "auroc", "auprc", "auroc_per_pert", "pooled_auroc",
                                  "n_genes", "n_pairs"]
    for k, (tr, te) in enumerate(ev.grouped_folds(toy_pairs, folds=3)):
        held = toy_pairs.iloc[te]
        manual = get("random", random_state=5).fit(toy_pairs.iloc[tr], toy_pairs.label.iloc[tr])
        assert res1.auroc[k] == pytest.approx(ev.auc_per_gene(held, manual.score_pairs(held)))


def test_grid_search_ranks_configurations(toy_pairs):
    from pqstats.models import get

    toy_pairs = toy_pairs[toy_pairs.split == "train"].reset_index(drop=True)

    grid = ev.grid_search(get("gene_frequency"), {"smoothing": [0.0, 1.0]}, toy_pairs, folds=3)
    assert list(grid.columns) == ["smoothing", "mean_auroc", "std_auroc"]
    assert grid.mean_auroc.is_monotonic_decreasing and len(grid) == 2
