"""Other ways to pool the training responses for strict Dir, each column scored alone by
grouped CV on the TRAINING splits.

The gene smoothing is the retrieval's strongest part on Dir (``results/ablation.md``:
without it K562 and HepG2 Dir lose 0.04). Whether another form of it, or another kernel
over the training knockdowns, reads more from the same training responses is asked here
with the retrieval's own pieces (:class:`~pqstats.features.retrieval.ResponseRetrieval`
in the combined ``all`` space, 100 co-responding genes, kernel ridge 10, as the shipped
``all_retrieval_smooth`` and ``all_ridge_smooth``):

* **weight w** — ``r + w r Gᵀ`` with w = 2, 8 and 16 instead of the shipped 4;
* **pooled** — numerators and supports smoothed before the division,
  ``(N + w N Gᵀ) / (D + w D Gᵀ + λ)`` with ``N = W R``, ``D = W M``: a gene borrows its
  neighbours' evidence in proportion to how much of it there is, instead of their ratios;
* **two hops** — ``r + w r Gᵀ + w r (G²)ᵀ``;
* **signed gene graph** — the 100 genes of largest absolute co-response, with their
  signs, so genes that go the other way also inform (the shipped graph keeps positive
  neighbours only);
* **k nearest knockdowns** — the knowledge kernel cut to each query's k most similar
  training knockdowns (k = 20, 50), then smoothed as shipped;
* both: the 50 nearest knockdowns, pooled with w = 1;
* the kernel ridge column smoothed with w = 16.

Each column's per-gene AUROC is the mean over 3 folds grouped by perturbation
(:func:`pqstats.evaluation.grouped_folds`, seed 0) of the screen's training split.

A column that beats the shipped ones alone need not add to the models, which read those
columns in four spaces together. So the last variant, in each of the four spaces
(:data:`~pqstats.features.profiles.DEFAULT_SPACES`), is also added to both members of the
``ensemble`` as four more columns (out of fold for the fit rows, 5 folds grouped by
perturbation, as the featuriser's own), on the same folds, with XGBoost seeds 0-2: the
``models`` rows.

No test split is read. Writes results/smoothing_selection.csv and .md (`make select`;
about two minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from _training_cv import ensemble_members, logistic_columns, training_folds
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from pqstats import models
from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_builtin_screens
from pqstats.evaluation import auc_per_gene
from pqstats.features import load_graph
from pqstats.features.profiles import DEFAULT_SPACES, canonical_symbols, gene_profiles
from pqstats.features.retrieval import ResponseRetrieval, top_k_rows

OUT = "results"
NEIGHBOURS = 100  # co-responding genes, as the shipped Dir retrieval
WEIGHT = 4.0  # the shipped smoothing weight
NEAREST, POOLED = 50, 1.0  # the variant added to the models
SEEDS = range(3)


def signed_gene_graph(retrieval: ResponseRetrieval, k: int) -> sp.csr_matrix:
    """Each gene's k genes of largest absolute co-response (cosine of the residual
    columns), with their signs, rows scaled to unit absolute sum."""
    cols = normalize(retrieval._residual_t)
    sim = (cols @ cols.T).toarray()
    np.fill_diagonal(sim, 0.0)
    top = top_k_rows(np.abs(sim), k).tocoo()
    graph = sp.csr_matrix((sim[top.row, top.col], (top.row, top.col)), shape=sim.shape)
    return normalize(graph, norm="l1").tocsr()


def _pooled(r: ResponseRetrieval, weights: np.ndarray, w: float) -> np.ndarray:
    """``(N + w N Gᵀ) / (D + w D Gᵀ + λ)`` with ``N = W R`` and ``D = W M``."""
    num, den = r._weighted(weights, r._residual_t), r._weighted(weights, r._mask_t)
    return ((num + w * (r.gene_graph_ @ num.T).T)
            / (den + w * (r.gene_graph_ @ den.T).T + r.shrinkage))


def _columns(r: ResponseRetrieval, space, held: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every variant's score of the held-out pairs."""
    query = pd.Index(np.unique(held["pert"]))
    qi = query.get_indexer(held["pert"])
    gi = r.genes_.get_indexer(held["gene"])
    seen, gi0 = gi >= 0, np.maximum(gi, 0)

    def pick(matrix: np.ndarray) -> np.ndarray:
        return np.where(seen, matrix[qi, gi0], 0.0)

    raw = np.asarray((space.rows(query) @ r.train_rows_[0].T).todense(), dtype=np.float32)
    sim = np.maximum(raw, 0.0)
    score = r._retrieve(sim)
    G = r.gene_graph_

    def smooth(m: np.ndarray, w: float = WEIGHT, graph=G) -> np.ndarray:
        return m + w * (graph @ m.T).T

    ridge = r._weighted(r._ridge_weights(r.ridge_factors_[0], raw), r._residual_t)
    out = {"shipped: retrieval (w 4)": pick(r._smooth(score)),
           "shipped: ridge (w 4)": pick(r._smooth(ridge))}
    for w in (2.0, 8.0, 16.0):
        out[f"retrieval, w {w:g}"] = pick(smooth(score, w))
    for w in (1.0, 4.0):
        out[f"pooled, w {w:g}"] = pick(_pooled(r, sim, w))
    one = (G @ score.T).T
    out["two hops"] = pick(score + WEIGHT * one + WEIGHT * (G @ one.T).T)
    out["signed gene graph"] = pick(smooth(score, graph=signed_gene_graph(r, NEIGHBOURS)))
    nearest = {k: top_k_rows(sim, k).toarray() for k in (20, NEAREST)}
    for k, weights in nearest.items():
        out[f"{k} nearest knockdowns"] = pick(r._smooth(r._retrieve(weights)))
    out[f"{NEAREST} nearest knockdowns, pooled w {POOLED:g}"] = pick(
        _pooled(r, nearest[NEAREST], POOLED))
    out["ridge, w 16"] = pick(smooth(ridge, 16.0))
    return out


def nearest_pooled(fit: pd.DataFrame, y_fit: np.ndarray, query: pd.DataFrame) -> np.ndarray:
    """The models' added columns of ``query``: :data:`NEAREST` nearest knockdowns pooled
    with w = :data:`POOLED`, in each space of :data:`DEFAULT_SPACES`, fitted on ``fit``."""
    kg = load_graph()
    spaces = [gene_profiles(kg, s) for s in DEFAULT_SPACES]
    canon = query.assign(pert=canonical_symbols(kg, query["pert"].to_numpy()))
    r = ResponseRetrieval(spaces, gene_neighbours=NEIGHBOURS, gene_weight=WEIGHT).fit(
        fit.assign(pert=canonical_symbols(kg, fit["pert"].to_numpy())), y_fit)
    perts = pd.Index(np.unique(canon["pert"]))
    qi = perts.get_indexer(canon["pert"])
    gi = r.genes_.get_indexer(canon["gene"])
    out = []
    for space, train_rows in zip(spaces, r.train_rows_, strict=True):
        sim = np.maximum(np.asarray((space.rows(perts) @ train_rows.T).todense()), 0.0)
        score = _pooled(r, top_k_rows(sim.astype(np.float32), NEAREST).toarray(), POOLED)
        out.append(np.where(gi >= 0, score[qi, np.maximum(gi, 0)], 0.0))
    return np.column_stack(out).astype(np.float32)


def model_rows(dataset: str) -> list[dict]:
    """Both ensemble members as shipped and with :func:`nearest_pooled` added."""
    rows = []
    with threadpool_limits(1, "blas"):
        for fold, fit, held, y_fit in training_folds(dataset, "dir"):
            XA, XB, p_log = ensemble_members(dataset, "dir", fit, held, y_fit)
            EA = np.zeros((len(fit), len(DEFAULT_SPACES)), np.float32)
            for a, b in GroupKFold(5).split(fit, groups=fit["pert"]):
                EA[b] = nearest_pooled(fit.iloc[a], y_fit[a], fit.iloc[b])
            EB = nearest_pooled(fit, y_fit, held)
            own = logistic_columns(models.get_for("xgboost", dataset, "dir")._featurizer()
                                   .fit_transform(fit[["pert", "gene"]], y_fit).columns, "dir")
            logistic = models.get("logistic")._make_classifier().fit(
                np.hstack([XA[:, own], EA]), y_fit)
            probs = {"shipped": p_log, "added": logistic.predict_proba(
                np.hstack([XB[:, own], EB]))[:, 1]}
            for variant, p in probs.items():
                rows.append({"dataset": dataset, "fold": fold, "model": "logistic",
                             "column": variant, "seed": 0, "auroc": auc_per_gene(held, p)})
            for seed in SEEDS:
                boost = models.get_for("xgboost", dataset, "dir", random_state=seed)
                for variant, (A, B) in {"shipped": (XA, XB), "added": (
                        np.hstack([XA, EA]), np.hstack([XB, EB]))}.items():
                    p = boost._make_classifier().fit(A, y_fit).predict_proba(B)[:, 1]
                    for model, scores in (("xgboost", p), ("ensemble", (p + probs[variant]) / 2)):
                        rows.append({"dataset": dataset, "fold": fold, "model": model,
                                     "column": variant, "seed": seed,
                                     "auroc": auc_per_gene(held, scores)})
    return rows


def screen_rows(dataset: str) -> list[dict]:
    kg = load_graph()
    space = gene_profiles(kg, "all")
    rows = []
    for fold, fit, held, y_fit in training_folds(dataset, "dir"):
        fit = fit.assign(pert=canonical_symbols(kg, fit["pert"].to_numpy()))
        canon = held.assign(pert=canonical_symbols(kg, held["pert"].to_numpy()))
        r = ResponseRetrieval([space], gene_neighbours=NEIGHBOURS, gene_weight=WEIGHT,
                              ridge=10.0).fit(fit, y_fit)
        rows += [{"dataset": dataset, "fold": fold, "column": name,
                  "auroc": auc_per_gene(held, values)}
                 for name, values in _columns(r, space, canon).items()]
    return rows


def main() -> None:
    screens = available_builtin_screens()
    parts = Parallel(n_jobs=2)(delayed(f)(d) for f in (screen_rows, model_rows)
                               for d in screens)
    table = pd.DataFrame([row for part in parts for row in part])
    table["model"] = table["model"].fillna("column alone")
    atomic_write_csv(f"{OUT}/smoothing_selection.csv", table)
    per_seed = table.fillna({"seed": 0}).groupby(
        ["model", "column", "dataset", "seed"], sort=False)["auroc"].mean()
    wide = per_seed.groupby(["model", "column", "dataset"], sort=False).mean().unstack()
    wide = wide[screens]
    wide["mean"] = wide.mean(axis=1)
    atomic_write_text(f"{OUT}/smoothing_selection.md", "\n".join([
        "# Other ways to pool the training responses (strict Dir, grouped CV)", "",
        "`python benchmarks/smoothing_selection.py`. Mean over 3 folds grouped by "
        "perturbation, on each training split, of the per-gene AUROC. `column alone`: "
        "each column scored by itself; the model rows: the shipped members, and with "
        f"the {NEAREST} nearest knockdowns pooled with w {POOLED:g} added in each space "
        "(XGBoost and the ensemble: mean over seeds 0-2). See the script's docstring. "
        "No test split is read.", "",
        markdown_table(wide.round(4).reset_index(), floatfmt=".4f"), ""]))


if __name__ == "__main__":
    main()
