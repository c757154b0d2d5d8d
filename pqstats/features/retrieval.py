"""Retrieval of training outcomes: what happened to gene g under perturbations like p?

For a pair (p, g) and a similarity space (see :mod:`pqstats.features.profiles`), the
*retrieval score* is a kernel-weighted average of gene g's training outcomes under the
training perturbations p', weighted by the cosine similarity s(p, p') of their knowledge
profiles, after removing g's base rate:

.. math:: r(p, g) = \\frac{\\sum_{p'} s(p, p')\\,(y_{p'g} - \\bar y_g)\\,m_{p'g}}
                         {\\sum_{p'} s(p, p')\\,m_{p'g} + \\lambda}

where :math:`m_{p'g} = 1` when the pair (p', g) is in the training split and
:math:`\\lambda` shrinks poorly supported estimates towards zero. Because each
perturbation is observed on only ~90 genes, the score is then *smoothed over genes*
that respond alike in training (cosine of their residual response columns, top-k
neighbours, row-normalised matrix :math:`G`): :math:`r' = r + w\\, r G^\\top`.
A *sharpened* variant weights by :math:`s(p, p')^2`, so the nearest perturbations
dominate (better where a few close relatives decide, e.g. gene programmes).

With ``ridge`` set, a *kernel ridge* (bilinear) variant is added: instead of averaging
the neighbours' outcomes it solves :math:`\\alpha = (S + \\lambda_r I)^{-1} R` over the
training perturbations (S their similarity kernel, R the residual response matrix) and
predicts :math:`r_{ridge}(p, \\cdot) = s(p, \\cdot)\\,\\alpha`. Since
:math:`S = P P^\\top` for the knowledge profiles P, this is the linear map
:math:`Y \\approx P_{query} W` with :math:`W = P^\\top (P P^\\top + \\lambda_r I)^{-1} R`
(ridge regression from knowledge profiles to response profiles, in the spirit of the
linear baseline of Ahlmann-Eltze et al., Nature Methods 2025), solved in its dual form.
The same regression of each perturbation's mean residual gives its predicted strength.

Scores depend only on (p, g) and the fitted training data, never on which other pairs
are scored (the leakage invariant).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.linalg import cho_factor, cho_solve
from sklearn.preprocessing import normalize

from pqstats.features.profiles import GeneProfiles

__all__ = ["ResponseRetrieval", "top_k_rows"]

#: rows of a dense matrix that :func:`top_k_rows` partitions at a time
_TOP_K_BLOCK = 256


def top_k_rows(mat: np.ndarray, k: int) -> sp.csr_matrix:
    """Keep the k largest positive entries of each row of a dense matrix (sparse result)."""
    n_rows, n_cols = mat.shape
    k = min(k, n_cols)
    if k <= 0 or n_rows == 0:
        return sp.csr_matrix((n_rows, n_cols), dtype=np.float32)
    # in blocks of rows (the same selection, ties included): argpartition's index array of
    # a whole gene-by-gene matrix is twice its size; in blocks it is about twice as fast
    idx = np.empty((n_rows, k), dtype=np.intp)
    for start in range(0, n_rows, _TOP_K_BLOCK):
        block = mat[start:start + _TOP_K_BLOCK]
        idx[start:start + _TOP_K_BLOCK] = np.argpartition(-block, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(mat, idx, axis=1)
    keep = vals > 0
    rows = np.repeat(np.arange(n_rows), k).reshape(n_rows, k)
    return sp.csr_matrix((vals[keep], (rows[keep], idx[keep])), shape=(n_rows, n_cols),
                         dtype=np.float32)


class ResponseRetrieval:
    """Kernel retrieval of training outcomes in several similarity spaces.

    Parameters
    ----------
    profiles : sequence of GeneProfiles
        One per similarity space.
    gene_neighbours : int
        Genes used to smooth each gene (top-k co-responding genes in training).
    gene_weight : float
        Weight ``w`` of the gene smoothing term.
    shrinkage : float
        ``lambda``, pseudo-weight pulling weakly supported scores to zero.
    ridge : float, optional
        ``lambda_r`` of the kernel ridge features (None: not computed).
    """

    def __init__(self, profiles: Sequence[GeneProfiles], gene_neighbours: int = 20,
                 gene_weight: float = 4.0, shrinkage: float = 1.0,
                 ridge: float | None = None) -> None:
        self.profiles = list(profiles)
        self.gene_neighbours = gene_neighbours
        self.gene_weight = gene_weight
        self.shrinkage = shrinkage
        self.ridge = ridge

    def fit(self, pairs: pd.DataFrame, y: np.ndarray) -> ResponseRetrieval:
        """Store the training response matrix, base rates and the gene smoothing graph."""
        y = np.asarray(y, dtype=np.float32)
        self.perts_ = pd.Index(np.unique(pairs["pert"].to_numpy()))
        self.genes_ = pd.Index(np.unique(pairs["gene"].to_numpy()))
        r = self.perts_.get_indexer(pairs["pert"])
        c = self.genes_.get_indexer(pairs["gene"])
        shape = (len(self.perts_), len(self.genes_))
        outcome = np.zeros(shape, dtype=np.float32)
        mask = np.zeros(shape, dtype=np.float32)
        outcome[r, c] = y
        mask[r, c] = 1.0
        self.base_rate_ = float(y.mean()) if len(y) else 0.5
        self.gene_rate_ = (outcome.sum(0) + self.base_rate_) / (mask.sum(0) + 1.0)
        self.pert_rate_ = outcome.sum(1) / np.maximum(mask.sum(1), 1.0)
        self.residual_ = (outcome - self.gene_rate_[None, :]) * mask
        self.mask_ = mask
        # their transposes, sparse (a knockdown measures ~2% of the genes), for the
        # retrieval's products and the cosine of the genes' residual columns
        self._residual_t = sp.csr_matrix(self.residual_.T)
        self._mask_t = sp.csr_matrix(mask.T)
        cols = normalize(self._residual_t)
        gene_sim = (cols @ cols.T).toarray()
        np.fill_diagonal(gene_sim, 0.0)
        g = top_k_rows(gene_sim, self.gene_neighbours)
        self.gene_graph_ = normalize(g, norm="l1").tocsr()  # G: rows sum to 1
        self.train_rows_ = [prof.rows(self.perts_) for prof in self.profiles]
        if self.ridge is not None:
            # dual kernel ridge: the Cholesky factor of S + lambda_r I per space; transform
            # solves for its queries only (far cheaper than solving for every gene here)
            self.mean_residual_ = self.residual_.sum(1) / np.maximum(mask.sum(1), 1.0)
            self.ridge_factors_ = []
            for rows in self.train_rows_:
                # P P^T itself (positive semi-definite), unclipped, unlike the neighbours'
                # weights: an embedding space may have negative similarities
                kernel = np.asarray((rows @ rows.T).todense(), dtype=np.float64)
                kernel[np.diag_indices_from(kernel)] += float(self.ridge)
                self.ridge_factors_.append(cho_factor(kernel, lower=True))
        return self

    def feature_names(self) -> list[str]:
        """Names of the columns :meth:`transform` returns."""
        names = []
        for prof in self.profiles:
            s = prof.space
            names += [f"{s}_retrieval", f"{s}_retrieval_smooth", f"{s}_retrieval_sharp",
                      f"{s}_support", f"{s}_strength", f"{s}_max_similarity"]
            if self.ridge is not None:
                names += [f"{s}_ridge", f"{s}_ridge_smooth", f"{s}_ridge_strength"]
        return names + ["gene_rate"]

    @staticmethod
    def _weighted(weights: np.ndarray, matrix_t: sp.csr_matrix) -> np.ndarray:
        """``weights @ matrix`` from the sparse transpose of ``matrix`` (6-8 times faster
        than the dense product, as ``benchmarks/bench_retrieval.py`` measures)."""
        return np.asarray(matrix_t @ weights.T).T

    def _retrieve(self, weights: np.ndarray) -> np.ndarray:
        """Weighted mean residual of each gene, ``(W R) / (W M + lambda)``, per query row."""
        return self._weighted(weights, self._residual_t) / (
            self._weighted(weights, self._mask_t) + self.shrinkage)

    @staticmethod
    def _ridge_weights(factor, raw: np.ndarray) -> np.ndarray:
        """Kernel ridge weights ``s(p, .) (S + lambda_r I)^-1`` of query rows (S symmetric)."""
        return cho_solve(factor, raw.T.astype(np.float64)).T.astype(np.float32)

    def _smooth(self, score: np.ndarray) -> np.ndarray:
        """Scores smoothed over co-responding genes, ``r + w r G^T``."""
        return score + self.gene_weight * (self.gene_graph_ @ score.T).T

    def transform(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Retrieval features of each pair (rows in the order of ``pairs``)."""
        query = pd.Index(np.unique(pairs["pert"].to_numpy()))
        qi = query.get_indexer(pairs["pert"])
        gi = self.genes_.get_indexer(pairs["gene"])
        seen = gi >= 0
        gi0 = np.maximum(gi, 0)
        out: dict[str, np.ndarray] = {}
        factors = getattr(self, "ridge_factors_", [None] * len(self.profiles))
        for prof, train_rows, factor in zip(self.profiles, self.train_rows_, factors,
                                            strict=True):
            s = prof.space
            raw = np.asarray((prof.rows(query) @ train_rows.T).todense(), dtype=np.float32)
            sim = np.maximum(raw, 0.0)
            support = self._weighted(sim, self._mask_t)
            score = self._weighted(sim, self._residual_t) / (support + self.shrinkage)
            out[f"{s}_retrieval"] = np.where(seen, score[qi, gi0], 0.0)
            out[f"{s}_retrieval_smooth"] = np.where(seen, self._smooth(score)[qi, gi0], 0.0)
            sharp = self._retrieve(sim * sim)
            out[f"{s}_retrieval_sharp"] = np.where(seen, sharp[qi, gi0], 0.0)
            out[f"{s}_support"] = np.where(seen, support[qi, gi0], 0.0)
            weight = sim.sum(1)
            strength = (sim @ self.pert_rate_ + self.shrinkage * self.base_rate_) / (
                weight + self.shrinkage)
            out[f"{s}_strength"] = strength[qi]
            out[f"{s}_max_similarity"] = sim.max(1, initial=0.0)[qi]
            if factor is not None:  # s(p, .) (S + lambda_r I)^-1 R
                weights = self._ridge_weights(factor, raw)
                ridge = self._weighted(weights, self._residual_t)
                out[f"{s}_ridge"] = np.where(seen, ridge[qi, gi0], 0.0)
                out[f"{s}_ridge_smooth"] = np.where(seen, self._smooth(ridge)[qi, gi0], 0.0)
                out[f"{s}_ridge_strength"] = (weights @ self.mean_residual_)[qi]
        out["gene_rate"] = np.where(seen, self.gene_rate_[gi0], self.base_rate_)
        return pd.DataFrame(out, index=pairs.index)[self.feature_names()]
