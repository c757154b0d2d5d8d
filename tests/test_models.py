"""The model registry, the baselines, and the leakage invariant for every model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from pqstats import models
from pqstats.evaluation import auc_per_gene, evaluate
from pqstats.screens import load_de, load_dir

ALL_MODELS = sorted(models.available())


def test_registry_lists_names_and_descriptions():
    entries = models.available()
    assert {"prior", "random", "gene_frequency"} <= set(entries)
    assert all(isinstance(d, str) and d for d in entries.values())
    with pytest.raises(KeyError, match="unknown model 'nope'"):
        models.get("nope")


def test_get_for_sets_only_the_context_a_model_declares():
    xgb = models.get_for("xgboost", "rpe1", "dir", "transfer", max_depth=3)
    assert (xgb.dataset, xgb.task, xgb.track, xgb.max_depth) == ("rpe1", "dir", "transfer", 3)
    assert models.get_for("prior", "rpe1", "dir").get_params() == models.get("prior").get_params()


@pytest.mark.parametrize("name", ALL_MODELS)
def test_estimator_contract(name, toy_pairs):
    model = models.get(name)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(Exception, match="not fitted"):
        model.score_pairs(toy_pairs)
    train = toy_pairs[toy_pairs.split == "train"]
    assert model.fit(train[["pert", "gene"]], train.label) is model
    proba = model.predict_proba(toy_pairs[["pert", "gene"]])
    assert proba.shape == (len(toy_pairs), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(proba).all()


@pytest.mark.parametrize("name", ALL_MODELS)
def test_bad_inputs(name, toy_pairs):
    model = models.get(name)
    with pytest.raises(ValueError, match=r"missing column"):
        model.fit(toy_pairs[["pert"]], toy_pairs.label)
    with pytest.raises(ValueError, match=r"labels"):
        model.fit(toy_pairs[["pert", "gene"]], toy_pairs.label.to_numpy()[:-1])
    with pytest.raises(ValueError, match=r"0 or 1"):
        model.fit(toy_pairs[["pert", "gene"]], toy_pairs.label * 2)


@pytest.fixture(scope="module")
def fitted_on_k562_dir():
    """Every registered model fitted once on the k562 Dir training split (strict track)."""
    pairs = load_dir("k562")
    train = pairs[pairs.split == "train"]
    fitted = {}
    for name in ALL_MODELS:
        fitted[name] = models.get_for(name, "k562", "dir").fit(train[["pert", "gene"]],
                                                               train.label.to_numpy())
    return fitted, pairs[pairs.split == "test"]


@pytest.mark.integration
@pytest.mark.parametrize("name", ALL_MODELS)
def test_leakage_invariant_on_k562(name, fitted_on_k562_dir):
    """A test pair's score is the same alone as within the whole test set."""
    fitted, test = fitted_on_k562_dir
    model = fitted[name]
    together = model.score_pairs(test[["pert", "gene"]])
    idx = np.random.default_rng(0).choice(len(test), size=12, replace=False)
    alone = [model.score_pairs(test[["pert", "gene"]].iloc[[i]])[0] for i in idx]
    np.testing.assert_allclose(alone, together[idx], rtol=1e-6, atol=1e-7)
    # and within a small batch in another order
    batch = test[["pert", "gene"]].iloc[idx[::-1]]
    np.testing.assert_allclose(model.score_pairs(batch), together[idx[::-1]], rtol=1e-6,
                               atol=1e-7)


@pytest.mark.integration
@pytest.mark.parametrize(("name", "task"), [("knn_retrieval", "dir"), ("logistic", "dir"),
                                           ("xgboost", "dir"), ("xgboost", "de")])
def test_poisoned_test_labels_do_not_move_scores(name, task, monkeypatch):
    """Every test label of the screen flipped, the other task's too (XGBoost's strict
    features read the screen's other task's training rows): the scores do not move."""
    import pqstats.screens as screens
    from pqstats.fit_cache import fit_predict

    def poison(df):
        return df.assign(label=np.where(df.split == "test", 1 - df.label, df.label))

    pairs = screens.load_pairs("k562_set", task)
    a, _ = fit_predict(name, "k562_set", task, "strict", pairs)
    real = screens.load_pairs
    monkeypatch.setattr(screens, "load_pairs", lambda n, t: poison(real(n, t)))
    b, _ = fit_predict(name, "k562_set", task, "strict", poison(pairs))
    np.testing.assert_array_equal(a, b)


def test_xgboost_default_groups_add_the_other_task_on_the_strict_track_only():
    base = ("retrieval", "ridge", "graph")
    assert models.get_for("xgboost", "k562", "dir")._groups() == base + ("de_outcomes",)
    assert models.get_for("xgboost", "k562", "de")._groups() == base + ("dir_outcomes",)
    assert models.get_for("xgboost", "k562", "dir", track="transfer")._groups() == base
    assert models.get("xgboost")._groups() == base  # no screen: no other task to read
    assert models.get_for("logistic", "k562", "dir")._groups() == base
    assert models.get_for("xgboost", "k562", "dir",
                          feature_groups=("graph",))._groups() == ("graph",)


@pytest.mark.integration
def test_xgboost_is_deterministic_with_a_seed(fitted_on_k562_dir):
    fitted, test = fitted_on_k562_dir
    pairs = load_dir("k562")
    train = pairs[pairs.split == "train"]
    again = models.get("xgboost", dataset="k562", task="dir").fit(
        train[["pert", "gene"]], train.label.to_numpy())
    np.testing.assert_array_equal(again.score_pairs(test), fitted["xgboost"].score_pairs(test))


@pytest.mark.integration
@pytest.mark.parametrize("name", ["knn_retrieval", "logistic", "xgboost"])
def test_learned_models_beat_chance_on_k562_dir(name, fitted_on_k562_dir):
    fitted, test = fitted_on_k562_dir
    result = evaluate(test, fitted[name].score_pairs(test), n_boot=200)
    assert result["ci_low"] > 0.5


@pytest.mark.integration
def test_unknown_perturbation_gets_a_defined_score(fitted_on_k562_dir):
    fitted, _ = fitted_on_k562_dir
    odd = pd.DataFrame({"pert": ["NOT_A_GENE_XYZ"], "gene": ["GAPDH"]})
    for model in fitted.values():
        s = model.score_pairs(odd)
        assert s.shape == (1,) and np.isfinite(s).all()


@pytest.mark.integration
@pytest.mark.parametrize("name", ["prior", "gene_frequency"])
def test_constant_per_gene_baselines_score_exactly_half(name):
    pairs = load_de("k562")
    train, test = pairs[pairs.split == "train"], pairs[pairs.split == "test"]
    model = models.get(name).fit(train[["pert", "gene"]], train.label.to_numpy())
    assert auc_per_gene(test, model.score_pairs(test)) == 0.5


def test_random_is_reproducible_per_pair(toy_pairs):
    toy_pairs = toy_pairs.drop(columns="split")  # every pair as training data
    a = models.get("random", random_state=1).fit(toy_pairs, toy_pairs.label)
    b = models.get("random", random_state=1).fit(toy_pairs, toy_pairs.label)
    c = models.get("random", random_state=2).fit(toy_pairs, toy_pairs.label)
    np.testing.assert_array_equal(a.score_pairs(toy_pairs), b.score_pairs(toy_pairs))
    assert not np.allclose(a.score_pairs(toy_pairs), c.score_pairs(toy_pairs))
    s = a.score_pairs(toy_pairs)
    assert (s >= 0).all() and (s < 1).all() and len(np.unique(s)) == len(s)


def test_gene_frequency_learns_gene_rates(toy_pairs):
    toy_pairs = toy_pairs.drop(columns="split")  # every pair as training data
    model = models.get("gene_frequency", smoothing=0.0).fit(toy_pairs, toy_pairs.label)
    expected = toy_pairs.groupby("gene").label.mean()
    got = model.score_pairs(toy_pairs.drop_duplicates("gene"))
    np.testing.assert_allclose(got, expected.loc[toy_pairs.drop_duplicates("gene").gene])
    unseen = toy_pairs.iloc[:1].assign(gene="NEW")
    assert model.score_pairs(unseen)[0] == pytest.approx(toy_pairs.label.mean())


@pytest.mark.integration
def test_ensemble_is_the_mean_of_logistic_and_xgboost(fitted_on_k562_dir):
    fitted, test = fitted_on_k562_dir
    pairs = test[["pert", "gene"]]
    expected = (fitted["logistic"].score_pairs(pairs) + fitted["xgboost"].score_pairs(pairs)) / 2
    np.testing.assert_allclose(fitted["ensemble"].score_pairs(pairs), expected, rtol=1e-6,
                               atol=1e-7)


def test_within_group_logistic_ranks_within_group_as_a_fit_on_centred_features():
    """Weights of a fit on within-group-centred features; scored on raw features, a group's
    rows keep the ranks they have on centred ones; the mean probability is the positive
    rate (intercept refitted on the raw rows)."""
    from scipy.stats import rankdata

    from pqstats._estimators import standardised_logistic, within_group_logistic

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), 25)
    offsets = rng.normal(0, 5, (40, 3))[groups]  # large per-group shifts of each feature
    within = rng.normal(size=(len(groups), 3))
    y = (within @ [1.0, -0.5, 0.0] + rng.normal(size=len(groups)) > 0).astype(int)
    X = (within + offsets).astype(np.float32)
    clf = within_group_logistic(0.1, X, y, groups)
    frame = pd.DataFrame(X.astype(np.float64))
    centred = (frame - frame.groupby(groups).transform("mean")).to_numpy(np.float32)
    reference = standardised_logistic(0.1).fit(centred, y)
    np.testing.assert_allclose(clf[-1].coef_, reference[-1].coef_, rtol=1e-6)
    raw, cen = clf.decision_function(X), reference.decision_function(centred)
    for g in range(40):
        rows = groups == g
        np.testing.assert_array_equal(rankdata(raw[rows]), rankdata(cen[rows]))
    assert abs(clf.predict_proba(X)[:, 1].mean() - y.mean()) < 1e-6
    # feature 2 carries no signal within groups, so it gets little weight
    assert abs(clf[-1].coef_[0, 2]) < abs(clf[-1].coef_[0, 0]) / 10
    with pytest.raises(ValueError, match="one entry per row"):
        within_group_logistic(0.1, X, y, groups[:-1])


def test_xgboost_settings_follow_the_task_and_track_unless_set():
    # Dir's settings were chosen on Dir's strict and zero-shot tracks
    # (the Decisions page, row 'XGBoost Dir settings'); DE, the transfer track and a model
    # without a task keep the general ones; a setting the caller gives wins
    general, on_dir = models.XGBOOST_SETTINGS, models.XGBOOST_DIR_SETTINGS
    assert set(general) == set(on_dir) and general != on_dir
    for task, track, expected in (("de", "strict", general), ("dir", "strict", on_dir),
                                  ("dir", models.ZERO_SHOT, on_dir),
                                  ("dir", "transfer", general), (None, "strict", general)):
        clf = models.get("xgboost", task=task, track=track)._make_classifier()
        assert {k: clf.get_params()[k] for k in expected} == expected
    given = models.get_for("xgboost", "rpe1", "dir", max_depth=6)
    assert given.settings() == {**on_dir, "max_depth": 6}
    assert given._make_classifier().get_params()["max_depth"] == 6
    # the unresolved parameters stay as given, as scikit-learn's clone expects
    assert clone(given).get_params()["n_estimators"] is None


def test_xgboost_refits_share_the_training_matrix_and_equal_fresh_fits():
    # the benchmark's seeds of one cell fit on the same features: the quantised matrix is
    # built once, and each seed's trees are those of plain XGBoost
    from xgboost import XGBClassifier

    from pqstats import _boosting

    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 8)).astype(np.float32)
    y = (X[:, 0] + rng.standard_normal(3000) > 0).astype(int)
    params = dict(n_estimators=30, max_depth=3, subsample=0.8, colsample_bytree=0.8,
                  tree_method="hist", n_jobs=1)
    _boosting._MATRICES.clear()
    built = []
    for seed in (0, 1):
        shared = _boosting.SharedMatrixXGBClassifier(random_state=seed, **params).fit(X, y)
        built.append(next(reversed(_boosting._MATRICES.values())))
        plain = XGBClassifier(random_state=seed, **params).fit(X, y)
        np.testing.assert_array_equal(shared.predict_proba(X), plain.predict_proba(X))
    assert len(_boosting._MATRICES) == 1 and built[0] is built[1]
    # other labels (or data) build their own matrix
    _boosting.SharedMatrixXGBClassifier(random_state=0, **params).fit(X, 1 - y)
    assert len(_boosting._MATRICES) == 2


@pytest.mark.integration
def test_scores_do_not_depend_on_the_callers_blas_thread_count():
    # a score cached by a one-thread worker, and a fit in a process with more threads, agree
    # (lbfgs stops at another iterate when BLAS sums in another order)
    from threadpoolctl import threadpool_limits

    pairs = load_de("hepg2")
    train, test = pairs[pairs.split == "train"], pairs[pairs.split == "test"]
    scores = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            model = models.get_for("logistic", "hepg2", "de").fit(train[["pert", "gene"]],
                                                                  train.label)
            scores.append(model.score_pairs(test[["pert", "gene"]]))
    np.testing.assert_array_equal(scores[0], scores[1])
