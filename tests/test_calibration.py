"""Calibration: Brier score, ECE and the reliability table against references and hand
computation; the score calibrator and the calibrated model wrapper."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import brier_score_loss

from pqstats import models
from pqstats._calibrators import ScoreCalibrator
from pqstats.calibration import (
    brier_score,
    calibration_summary,
    expected_calibration_error,
    reliability_table,
)


def test_brier_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = rng.random(500)
    assert brier_score(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    assert brier_score(y, np.column_stack([1 - p, p])) == pytest.approx(brier_score_loss(y, p))


def test_ece_hand_computed_two_bins():
    # sorted p: [.1 .2 | .7 .9] -> bins of two; rates 0.5 and 1.0
    y = [1, 0, 1, 1]
    p = [0.2, 0.1, 0.9, 0.7]
    # bin 1: mean p .15, rate .5 -> gap .35; bin 2: mean p .8, rate 1 -> gap .2
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.5 * .35 + 0.5 * .2)


def test_ece_unequal_bins_weighted_by_size():
    # 5 pairs, 2 bins: array_split gives sizes 3 and 2
    y = [0, 0, 1, 1, 1]
    p = [0.0, 0.3, 0.6, 0.9, 1.0]
    table = reliability_table(y, p, n_bins=2)
    assert table["n"].tolist() == [3, 2]
    gap1 = abs(1 / 3 - 0.3)
    gap2 = abs(1.0 - 0.95)
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(
        (3 * gap1 + 2 * gap2) / 5)


def test_ece_perfect_and_constant():
    # one bin holding a constant p equal to the observed rate: ECE 0
    y = np.array([1, 0, 0, 0] * 25)
    assert expected_calibration_error(y, np.full(100, 0.25), n_bins=1) == pytest.approx(0)
    # every pair in its own bin: ECE = mean |y - p|
    p = np.linspace(0.01, 0.99, 100)
    assert expected_calibration_error(y, p, n_bins=100) == pytest.approx(np.abs(y - p).mean())


def test_reliability_table_columns_and_order():
    rng = np.random.default_rng(1)
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    t = reliability_table(y, p)
    assert list(t.columns) == ["bin", "n", "p_low", "p_high", "mean_predicted",
                               "observed_rate", "gap"]
    assert len(t) == 15 and t["n"].sum() == 300 and t["n"].between(20, 20).all()
    assert (t["mean_predicted"].diff().dropna() > 0).all()
    s = calibration_summary(y, p)
    assert s["ece"] == pytest.approx(expected_calibration_error(y, p))
    assert s["brier"] == pytest.approx(brier_score_loss(y, p))


@pytest.mark.parametrize("y, p, match", [
    ([0, 1], [0.5], r"1-d of one length"),
    ([], [], r"no pairs"),
    ([0, 2], [0.1, 0.2], r"labels must be 0 or 1"),
    ([0, 1], [0.1, 1.2], r"probabilities must be finite numbers in \[0, 1\]"),
    ([0, 1], [0.1, np.nan], r"probabilities must be finite"),
])
def test_invalid_input(y, p, match):
    with pytest.raises(ValueError, match=match):
        expected_calibration_error(y, p)
    with pytest.raises(ValueError, match=match):
        brier_score(y, p)


def _miscalibrated(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    true_p = rng.random(n)
    y = (rng.random(n) < true_p).astype(int)
    score = true_p ** 3  # ranks right, probabilities far too low
    groups = rng.integers(0, 200, n)
    return score, y, groups


def test_calibrator_fixes_a_monotone_distortion_and_keeps_the_ranking():
    s, y, g = _miscalibrated()
    cal = ScoreCalibrator().fit(s, y, g)
    assert cal.method_ in ("isotonic", "sigmoid")
    assert set(cal.cv_brier_) == {"none", "sigmoid", "isotonic"}
    assert cal.cv_brier_[cal.method_] < cal.cv_brier_["none"]
    s2, y2, _ = _miscalibrated(seed=1)
    p = cal.transform(s2)
    assert expected_calibration_error(y2, p) < 0.5 * expected_calibration_error(y2, s2)
    # strictly increasing: the order of distinct scores is kept, no new ties
    order = np.argsort(s2)
    assert (np.diff(p[order]) > 0).all()


def test_calibrator_keeps_calibrated_scores():
    rng = np.random.default_rng(2)
    p = rng.random(3000)
    y = (rng.random(3000) < p).astype(int)
    cal = ScoreCalibrator().fit(p, y, rng.integers(0, 100, 3000))
    # a calibrated score gains little: whatever is chosen stays close to identity
    assert np.abs(cal.transform(p) - p).mean() < 0.03


@pytest.mark.parametrize("kwargs, args, match", [
    ({"method": "beta"}, None, r"unknown calibration method 'beta'"),
    ({}, ([0.1, np.inf], [0, 1], [0, 1]), r"not finite"),
    ({}, ([0.1, 0.2], [0, 1], [0]), r"1-d of one length"),
])
def test_calibrator_invalid_input(kwargs, args, match):
    args = args or ([0.1, 0.2, 0.3], [0, 1, 1], [0, 1, 2])
    with pytest.raises(ValueError, match=match):
        ScoreCalibrator(**kwargs).fit(*args)


def test_calibrator_one_class_falls_back_to_none():
    cal = ScoreCalibrator().fit([0.2, 0.4, 0.6], [1, 1, 1], [0, 1, 2])
    assert cal.method_ == "none"


def _toy_pairs(n_pert=40, n_gene=30, seed=0):
    rng = np.random.default_rng(seed)
    pairs = pd.DataFrame([(f"P{i}", f"G{j}") for i in range(n_pert) for j in range(n_gene)],
                         columns=["pert", "gene"])
    rate = rng.random(n_gene) * 0.6
    y = (rng.random(len(pairs)) < rate[pairs["gene"].str[1:].astype(int)]).astype(int)
    return pairs, y


def test_calibrated_model_is_a_clonable_estimator():
    pairs, y = _toy_pairs()
    wrapped = models.CalibratedModel(models.get("gene_frequency"), folds=4)
    again = clone(wrapped)
    assert again.get_params()["method"] == "auto"
    assert again.get_params()["estimator__smoothing"] == 1.0
    fitted = wrapped.fit(pairs, y)
    p = fitted.score_pairs(pairs)
    assert p.shape == (len(pairs),) and ((p >= 0) & (p <= 1)).all()
    assert fitted.predict_proba(pairs).shape == (len(pairs), 2)
    assert "calibrated (" in fitted.calibration_note_
    # the fitted model's attributes are reachable through the wrapper
    assert fitted.gene_rate_ is fitted.estimator_.gene_rate_
    # a pair's score does not depend on what is scored with it
    assert fitted.score_pairs(pairs.iloc[5:6])[0] == pytest.approx(p[5])


def test_calibrated_model_keeps_the_ranking_of_the_raw_model():
    pairs, y = _toy_pairs(seed=3)
    m = models.get_for("random", "k562", "de", calibrate=True, random_state=1).fit(pairs, y)
    raw = m.raw_scores(pairs)
    cal = m.score_pairs(pairs)
    order = np.argsort(raw)
    assert (np.diff(cal[order]) >= 0).all()


def test_out_of_fold_scores_never_see_their_perturbation():
    pairs, y = _toy_pairs()
    # gene_frequency out of fold: a pair's score comes from other knockdowns only, so
    # changing one knockdown's labels leaves its own out-of-fold scores unchanged
    oof = models.get("gene_frequency").out_of_fold_scores(pairs, y, folds=4)
    y2 = y.copy()
    mine = (pairs["pert"] == "P0").to_numpy()
    y2[mine] = 1 - y2[mine]
    oof2 = models.get("gene_frequency").out_of_fold_scores(pairs, y2, folds=4)
    assert np.allclose(oof[mine], oof2[mine])
    assert not np.allclose(oof[~mine], oof2[~mine])


def test_calibrated_model_refuses_a_non_model():
    with pytest.raises(TypeError, match=r"wraps a pqstats model"):
        models.CalibratedModel(object()).fit(*_toy_pairs())


@pytest.mark.integration
def test_a_calibrated_screen_model_on_real_pairs():
    """Strict track: calibrated on out-of-fold training scores; the fitted model's
    explanation still works through the wrapper and the ranking is the raw model's."""
    from pqstats.evaluation import auc_per_gene
    from pqstats.predict import feature_contributions, screen_model
    from pqstats.screens import load_pairs

    fitted = screen_model("k562_set", "dir", "logistic", cache=False, calibrate=True)
    assert isinstance(fitted, models.CalibratedModel)
    assert fitted.calibration_note_.startswith("calibrated (")
    assert "grouped by perturbation" in fitted.calibration_note_
    test = load_pairs("k562_set", "dir").query("split == 'test'").reset_index(drop=True)
    p = fitted.score_pairs(test[["pert", "gene"]])
    assert auc_per_gene(test, p) == pytest.approx(
        auc_per_gene(test, fitted.raw_scores(test[["pert", "gene"]])), abs=1e-9)
    values, contrib, bias, scale = feature_contributions(fitted, test[["pert", "gene"]].head())
    assert scale == "log-odds" and len(contrib) == 5


@pytest.mark.integration
def test_zero_shot_calibration_holds_out_each_source_line():
    from pqstats.features.zero_shot import zero_shot_sources

    model = models.get_for("logistic", "k562_set", "dir", "zero-shot", calibrate=True,
                           zero_shot_rows=3000)
    empty = pd.DataFrame({"pert": pd.Series(dtype=str), "gene": pd.Series(dtype=str)})
    fitted = model.fit(empty, np.zeros(0, dtype=int))
    assert "each source screen held out in turn" in fitted.calibration_note_
    oof, y, origin = fitted.estimator_.out_of_source_scores()
    assert sorted(set(origin)) == sorted(zero_shot_sources("k562_set", "dir"))
    assert np.isfinite(oof).all() and len(oof) == len(y)
    with pytest.raises(ValueError, match=r"zero-shot track reads no label"):
        models.get_for("logistic", "k562_set", "dir", "zero-shot", calibrate=True).fit(
            pd.DataFrame({"pert": ["A"], "gene": ["B"]}), [1])


def test_reliability_figure_is_written(tmp_path):
    from pqstats.report.figures import plot_reliability

    rng = np.random.default_rng(4)
    p = rng.random(600)
    y = (rng.random(600) < p).astype(int)
    out = plot_reliability({"calibrated": reliability_table(y, p),
                            "too low": reliability_table(y, p ** 2)}, tmp_path / "rel.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*tmp"))
    with pytest.raises(ValueError, match=r"not a reliability table"):
        plot_reliability({"x": pd.DataFrame({"a": [1]})}, tmp_path / "bad.png")
    with pytest.raises(ValueError, match=r"no reliability table"):
        plot_reliability({}, tmp_path / "none.png")
