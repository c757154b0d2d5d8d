"""The kernel ridge (bilinear) retrieval: equal to primal ridge regression, and its rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Ridge

from pqstats import models
from pqstats.features.pairs import PairFeaturizer
from pqstats.features.profiles import GeneProfiles
from pqstats.features.retrieval import ResponseRetrieval


def _toy(seed: int = 0, n_train: int = 30, n_query: int = 6, n_genes: int = 8,
         signed: bool = False):
    rng = np.random.default_rng(seed)
    names = [f"P{i}" for i in range(n_train + n_query)]
    if signed:  # an embedding space: similarities may be negative
        mat = rng.normal(size=(len(names), 12))
    else:  # TF-IDF-like: sparse and non-negative
        mat = rng.random((len(names), 12)) * (rng.random((len(names), 12)) < 0.5)
        mat[:, 0] += 0.1  # no empty profile
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    prof = GeneProfiles(space="toy", genes=pd.Index(names), matrix=sp.csr_matrix(mat))
    genes = [f"g{j}" for j in range(n_genes)]
    grid = pd.DataFrame([(p, g) for p in names[:n_train] for g in genes], columns=["pert", "gene"])
    pairs = grid.sample(frac=0.6, random_state=seed).reset_index(drop=True)  # sparse observation
    y = rng.integers(0, 2, len(pairs))
    query = pd.DataFrame([(p, g) for p in names[n_train:] for g in genes], columns=["pert", "gene"])
    return prof, pairs, y, query, mat


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("penalty", [0.5, 10.0])
def test_dual_solution_equals_primal_ridge_from_profiles_to_responses(penalty, signed):
    """r_ridge(q, g) = x_q W with W the ridge regression of the residual responses R on the
    training profiles P (sklearn's Ridge, no intercept): the dual solve is the same model,
    also in a space with negative similarities (which the neighbours' weights clip)."""
    prof, pairs, y, query, mat = _toy(signed=signed)
    r = ResponseRetrieval([prof], gene_weight=0.0, ridge=penalty).fit(pairs, y)
    feats = r.transform(query)
    rows = prof.genes.get_indexer(r.perts_)
    primal = Ridge(alpha=penalty, fit_intercept=False).fit(mat[rows], r.residual_)
    expected = primal.predict(mat[prof.genes.get_indexer(query["pert"])])
    gi = r.genes_.get_indexer(query["gene"])
    np.testing.assert_allclose(feats["toy_ridge"], expected[np.arange(len(query)), gi],
                               rtol=1e-4, atol=1e-5)
    # the strength: the same regression of each perturbation's mean residual
    mean_residual = r.residual_.sum(1) / r.mask_.sum(1)
    strength = Ridge(alpha=penalty, fit_intercept=False).fit(mat[rows], mean_residual)
    np.testing.assert_allclose(
        feats["toy_ridge_strength"],
        strength.predict(mat[prof.genes.get_indexer(query["pert"])]), rtol=1e-4, atol=1e-5)
    # with gene_weight 0 the smoothed score is the plain one
    np.testing.assert_allclose(feats["toy_ridge_smooth"], feats["toy_ridge"])


def test_ridge_features_only_when_asked_and_leave_the_rest_unchanged():
    prof, pairs, y, query, _ = _toy(1)
    plain = ResponseRetrieval([prof]).fit(pairs, y).transform(query)
    with_ridge = ResponseRetrieval([prof], ridge=3.0).fit(pairs, y).transform(query)
    assert not any("ridge" in c for c in plain.columns)
    assert {"toy_ridge", "toy_ridge_smooth", "toy_ridge_strength"} <= set(with_ridge.columns)
    pd.testing.assert_frame_equal(with_ridge[plain.columns], plain)


def test_ridge_score_of_a_pair_does_not_depend_on_the_others_scored():
    prof, pairs, y, query, _ = _toy(2)
    r = ResponseRetrieval([prof], ridge=3.0).fit(pairs, y)
    together = r.transform(query)["toy_ridge_smooth"].to_numpy()
    alone = [r.transform(query.iloc[[i]])["toy_ridge_smooth"].iloc[0] for i in (0, 7, 20)]
    np.testing.assert_allclose(alone, together[[0, 7, 20]], rtol=1e-6, atol=1e-7)


def test_ridge_group_needs_the_retrieval():
    with pytest.raises(ValueError, match="extends the retrieval"):
        PairFeaturizer(groups=("ridge", "graph")).fit(
            pd.DataFrame({"pert": ["A"], "gene": ["g"]}), [1])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "ten"])
def test_kernel_ridge_model_refuses_a_bad_penalty(bad, toy_pairs):
    train = toy_pairs[toy_pairs.split == "train"]
    with pytest.raises(ValueError, match="ridge must be"):
        models.get("kernel_ridge", ridge=bad).fit(train[["pert", "gene"]], train.label)


def test_kernel_ridge_runs_strict_not_zero_shot():
    assert models.zero_shot_note("kernel_ridge") is not None
