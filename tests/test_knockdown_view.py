"""The knockdown's view (cell-eval metric names) against hand computation and sklearn."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score

from pqstats.knockdown_view import (
    cell_probability,
    de_spearman_sig,
    direction_match,
    estimate_sampling,
    knockdown_metrics,
    knockdown_summary,
)


def _hand_table():
    # knockdown A: 5 genes, true DE = g1, g4; scores rank g1 > g2 > g3 > g4 > g5
    # knockdown B: 4 genes, true DE = g2 only; scores rank g2 first
    pairs = pd.DataFrame({
        "pert": ["A"] * 5 + ["B"] * 4,
        "gene": ["g1", "g2", "g3", "g4", "g5", "g1", "g2", "g3", "g4"],
        "label": [1, 0, 0, 1, 0, 0, 1, 0, 0],
    })
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.1, 0.3, 0.95, 0.2, 0.1])
    return pairs, scores


def test_hand_computed_precision_and_overlap():
    pairs, scores = _hand_table()
    m = knockdown_metrics(pairs, scores, ks=(1, 2, 3))
    a, b = m.loc["A"], m.loc["B"]
    # A: top-1 {g1}: 1 hit; top-2 {g1,g2}: 1; top-3 {g1,g2,g3}: 1
    assert a["precision_at_1"] == 1.0 and a["precision_at_2"] == 0.5
    assert a["precision_at_3"] == pytest.approx(1 / 3)
    # overlap: N' = min(N, |T| = 2): N=1 -> 1/1; N=2 -> top-2 holds g1 only -> 1/2; N=3 -> N'=2
    assert a["overlap_at_1"] == 1.0 and a["overlap_at_2"] == 0.5 and a["overlap_at_3"] == 0.5
    # B: |T| = 1, ranked first: overlap 1 at every N; precision 1, 1/2, 1/3
    assert b[["overlap_at_1", "overlap_at_2", "overlap_at_3"]].tolist() == [1.0, 1.0, 1.0]
    assert b["precision_at_2"] == 0.5
    assert a["n_true_de"] == 2 and a["n_genes"] == 5
    assert a["n_predicted_de"] == pytest.approx(0.9 + 0.8 + 0.7 + 0.6 + 0.1)


def test_k_larger_than_the_knockdown_uses_all_its_genes():
    pairs, scores = _hand_table()
    m = knockdown_metrics(pairs, scores, ks=(50,))
    assert m.loc["A", "precision_at_50"] == pytest.approx(2 / 5)  # k' = 5 genes
    # N' = min(50, |T|) = 2, and (as cell-eval) both lists are cut at N': the top-2
    # predictions hold g1 only
    assert m.loc["A", "overlap_at_50"] == 0.5


def test_roc_and_pr_auc_match_sklearn_per_knockdown():
    rng = np.random.default_rng(0)
    pairs = pd.DataFrame([(f"P{i}", f"G{j}") for i in range(12) for j in range(40)],
                         columns=["pert", "gene"])
    pairs["label"] = (rng.random(len(pairs)) < 0.2).astype(int)
    s = rng.random(len(pairs)).round(2)  # ties included
    m = knockdown_metrics(pairs, s)
    for pert, block in pairs.groupby("pert"):
        idx = block.index.to_numpy()
        assert m.loc[pert, "roc_auc"] == pytest.approx(roc_auc_score(block["label"], s[idx]))
        assert m.loc[pert, "pr_auc"] == pytest.approx(
            average_precision_score(block["label"], s[idx]))


def test_one_class_knockdown_has_no_auc_and_zero_overlap():
    pairs = pd.DataFrame({"pert": ["A", "A", "B", "B"], "gene": ["g1", "g2", "g1", "g2"],
                          "label": [0, 0, 1, 0]})
    m = knockdown_metrics(pairs, [0.2, 0.1, 0.9, 0.1], ks=(1,))
    assert np.isnan(m.loc["A", "roc_auc"]) and m.loc["A", "overlap_at_1"] == 0.0
    assert m.loc["B", "roc_auc"] == 1.0


def test_scores_of_other_pairs_do_not_change_a_knockdown():
    pairs, scores = _hand_table()
    full = knockdown_metrics(pairs, scores)
    only_a = knockdown_metrics(pairs.iloc[:5], scores[:5])
    pd.testing.assert_series_equal(full.loc["A"], only_a.loc["A"])


def test_direction_match_hand_computed():
    dir_pairs = pd.DataFrame({"pert": ["A", "A", "A", "B"], "gene": ["g1", "g2", "g3", "g1"],
                              "label": [1, 0, 1, 0]})
    out = direction_match(dir_pairs, [0.7, 0.6, 0.5, 0.2])
    # A: up ok, down predicted up (miss), 0.5 counts as up (ok) -> 2/3; B: down ok -> 1
    assert out.loc["A"] == pytest.approx(2 / 3) and out.loc["B"] == 1.0


def test_de_spearman_sig_matches_scipy_and_summary():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(15):
        n = int(rng.integers(5, 40))
        rows += [(f"P{i}", f"G{j}", int(rng.random() < (i + 1) / 20)) for j in range(n)]
    pairs = pd.DataFrame(rows, columns=["pert", "gene", "label"])
    s = rng.random(len(pairs))
    per = knockdown_metrics(pairs, s)
    true = pairs.groupby("pert")["label"].sum()
    pred = pd.Series(s, index=pairs.index).groupby(pairs["pert"]).sum()
    assert de_spearman_sig(per) == pytest.approx(spearmanr(pred, true).statistic)
    n = pairs.groupby("pert").size()
    assert de_spearman_sig(per, "rate") == pytest.approx(
        spearmanr(pred / n, true / n).statistic)
    summary = knockdown_summary(pairs, s)
    assert summary["de_spearman_sig"] == pytest.approx(de_spearman_sig(per))
    assert summary["roc_auc"] == pytest.approx(per["roc_auc"].mean())
    assert set(summary) >= {"precision_at_10", "overlap_at_50", "pr_auc"}


@pytest.mark.parametrize("scores, match", [
    ([0.1] * 8, r"got \(8,\) scores for 9 pairs"),
    ([0.1] * 8 + [np.nan], r"not finite"),
])
def test_invalid_input(scores, match):
    pairs, _ = _hand_table()
    with pytest.raises(ValueError, match=match):
        knockdown_metrics(pairs, scores)


def test_invalid_tables():
    pairs, scores = _hand_table()
    with pytest.raises(ValueError, match=r"columns pert, gene and label"):
        knockdown_metrics(pairs.drop(columns="label"), scores)
    with pytest.raises(ValueError, match=r"occur more than once"):
        knockdown_metrics(pd.concat([pairs, pairs.iloc[:1]]), np.r_[scores, 0.5])
    with pytest.raises(ValueError, match=r"per must be"):
        de_spearman_sig(knockdown_metrics(pairs, scores), per="mean")


def test_sampling_correction_hand_computed():
    # 3 knockdowns in a universe of 100 genes: A keeps 2 DE + 12 others, B 4 DE + 24 others,
    # C is at the cap (20 DE) and is left out of the rate
    rows = [("A", f"g{j}", int(j < 2)) for j in range(14)]
    rows += [("B", f"g{j}", int(j < 4)) for j in range(28)]
    rows += [("C", f"g{j}", int(j < 20)) for j in range(80)]
    est = estimate_sampling(pd.DataFrame(rows, columns=["pert", "gene", "label"]),
                            n_measured=100)
    # pi- = negatives / (N - positives): A 12/98, B 24/96 -> median of two = their mean
    assert est["negative_rate"] == pytest.approx((12 / 98 + 24 / 96) / 2)
    assert est["capped_share"] == pytest.approx(1 / 3)
    assert est["negatives_per_positive"] == pytest.approx(6.0)
    f = est["factor"]
    q = np.array([0.0, 0.5, 0.9, 1.0])
    p = cell_probability(q, f)
    # odds multiplied by f
    assert p[1] == pytest.approx(f / (1 + f))
    assert p[2] / (1 - p[2]) == pytest.approx(9 * f)
    assert p[0] == 0.0 and p[3] == 1.0
    assert (np.diff(p) > 0).all()


def test_sampling_correction_invalid_input():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        cell_probability([1.2], 0.1)
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\]"):
        cell_probability([0.5], 0.0)
    capped = pd.DataFrame({"pert": ["A"] * 3, "gene": ["a", "b", "c"], "label": [0, 0, 0]})
    with pytest.raises(ValueError, match=r"cannot be estimated"):
        estimate_sampling(capped)


@pytest.mark.integration
def test_score_by_knockdown_on_a_real_test_split(tmp_path, capsys):
    """The knockdown's view of real test pairs: an oracle (the labels as scores) is
    perfect on every knockdown metric; `pqstats score --by knockdown` prints the same."""
    import json

    from pqstats.cli import main
    from pqstats.knockdown_view import score_by_knockdown
    from pqstats.screens import load_pairs

    test = load_pairs("k562_set", "de").query("split == 'test'")
    oracle = test[["pert", "gene"]].assign(score=test["label"].astype(float))
    out = score_by_knockdown("k562_set", "de", oracle)
    assert out["roc_auc"] == 1.0 and out["pr_auc"] == 1.0
    assert out["overlap_at_10"] == pytest.approx(
        knockdown_metrics(test, test["label"].to_numpy(float))["overlap_at_10"].mean())
    assert out["n_knockdowns"] == test["pert"].nunique()
    path = tmp_path / "pred.csv"
    rng = np.random.default_rng(0)
    oracle.assign(score=rng.random(len(oracle))).to_csv(path, index=False)
    assert main(["score", str(path), "--dataset", "k562_set", "--task", "de",
                 "--by", "knockdown", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert abs(printed["roc_auc"] - 0.5) < 0.05 and "de_spearman_sig" in printed
    dir_test = load_pairs("k562_set", "dir").query("split == 'test'")
    flipped = dir_test[["pert", "gene"]].assign(score=1.0 - dir_test["label"])
    assert score_by_knockdown("k562_set", "dir", flipped)["de_direction_match"] == 0.0
