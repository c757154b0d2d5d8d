"""Three more ways to read the training responses for strict Dir, by grouped CV.

Each column is scored alone (per-gene AUROC, mean over 3 folds grouped by perturbation on
the TRAINING split, :func:`pqstats.evaluation.grouped_folds` seed 0), beside the shipped
retrieval's smoothed columns in the ``all`` space (``shipped: retrieval`` and ``shipped:
ridge``, :class:`~pqstats.features.retrieval.ResponseRetrieval` with ridge 10):

* **readout space** — two knockdowns are similar when the two genes' own expression
  responded alike to the fit's training knockdowns (cosine of their residual columns in
  the DE table's training rows of the fit's knockdowns), used as a retrieval space;
* **reduced rank k** — Y ≈ P W Vᵀ: gene loadings V, the top k right singular vectors of
  the fit's residual response matrix, each training knockdown's scores by ridge on its
  observed genes, the query's scores by kernel ridge from its knowledge profile (``all``
  space); the column is û_p · v_g (and its mean rank with the shipped ridge column);
* **DE + Dir gene graph** — the gene smoothing graph from the DE table's co-response
  (fit knockdowns' DE rows) added to the Dir table's own.

No test split is read. Writes results/response_structure_attempts.csv and .md
(`make select`; about 4 minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.preprocessing import normalize

from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_builtin_screens
from pqstats.evaluation import auc_per_gene, grouped_folds
from pqstats.features import load_graph
from pqstats.features.profiles import GeneProfiles, canonical_symbols, gene_profiles
from pqstats.features.retrieval import ResponseRetrieval, _response_factors, top_k_rows

OUT = "results"
RANKS = (10, 30)


def _residual_columns(rows: pd.DataFrame) -> tuple[pd.Index, np.ndarray]:
    """Genes and their L2-normalised residual columns (label minus the gene's rate)."""
    perts, genes = pd.Index(np.unique(rows["pert"])), pd.Index(np.unique(rows["gene"]))
    r, c = perts.get_indexer(rows["pert"]), genes.get_indexer(rows["gene"])
    y = rows["label"].to_numpy(np.float32)
    mask = sp.csr_matrix((np.ones_like(y), (r, c)), shape=(len(perts), len(genes)))
    labels = sp.csr_matrix((y, (r, c)), shape=mask.shape)
    rate = (np.asarray(labels.sum(0)).ravel() + y.mean()) / (np.asarray(mask.sum(0)).ravel() + 1)
    resid = (labels - mask.multiply(rate[None, :])).tocsc()
    return genes, normalize(resid.T.tocsr())


def screen_rows(dataset: str) -> list[dict]:
    from pqstats.screens import load_pairs

    kg = load_graph()
    space = gene_profiles(kg, "all")
    de = load_pairs(dataset, "de").query("split == 'train'")
    de = de.assign(pert=canonical_symbols(kg, de["pert"].to_numpy()),
                   gene=canonical_symbols(kg, de["gene"].to_numpy()))
    data = load_pairs(dataset, "dir").query("split == 'train'").reset_index(drop=True)
    y = data["label"].to_numpy()
    canon = data.assign(pert=canonical_symbols(kg, data["pert"].to_numpy()))
    rows = []
    for fold, (fit_idx, held_idx) in enumerate(grouped_folds(data, 3, 0)):
        fit_perts = set(canon["pert"].iloc[fit_idx])
        de_fit = de[de["pert"].isin(fit_perts)]
        genes, cols = _residual_columns(de_fit)
        readout = GeneProfiles(space="readout", genes=genes, matrix=cols.astype(np.float32))
        r = ResponseRetrieval([space, readout], gene_neighbours=100, ridge=10.0)
        r.fit(canon.iloc[fit_idx], y[fit_idx])
        held, labels = canon.iloc[held_idx], data.iloc[held_idx]
        X = r.transform(held)
        cols_out = {"shipped: retrieval": X["all_retrieval_smooth"],
                    "shipped: ridge": X["all_ridge_smooth"],
                    "readout space: retrieval": X["readout_retrieval_smooth"],
                    "readout space: ridge": X["readout_ridge_smooth"]}
        # reduced rank: u_hat_p . v_g
        query = pd.Index(np.unique(held["pert"]))
        qi = query.get_indexer(held["pert"])
        gi = r.genes_.get_indexer(held["gene"])
        seen, gi0 = gi >= 0, np.maximum(gi, 0)
        raw = np.asarray((space.rows(query) @ r.train_rows_[0].T).todense(), dtype=np.float32)
        weights = r._ridge_weights(r.ridge_factors_[0], raw)
        for k in RANKS:
            v, pert_scores = _response_factors(r.residual_, r.mask_, k)
            u_hat = weights @ pert_scores
            score = np.where(seen, np.einsum("ik,ik->i", u_hat[qi], v[gi0]), 0.0)
            cols_out[f"reduced rank {k}"] = score
            cols_out[f"reduced rank {k} + shipped ridge (mean rank)"] = (
                rankdata(score) + rankdata(X["all_ridge_smooth"]))
        # DE + Dir gene graph
        de_idx = genes.get_indexer(r.genes_)
        ok = np.flatnonzero(de_idx >= 0)
        pick = sp.csr_matrix((np.ones(len(ok), np.float32), (ok, de_idx[ok])),
                             shape=(len(r.genes_), len(genes)))
        de_cols = pick @ cols  # the Dir genes' DE residual columns (zero if unmeasured)
        own = normalize(r.residual_.T)
        sim = np.asarray((de_cols @ de_cols.T).todense()) + own @ own.T
        np.fill_diagonal(sim, 0.0)
        r.gene_graph_ = normalize(top_k_rows(sim, 100), norm="l1").tocsr()
        X2 = r.transform(held)
        cols_out["DE + Dir gene graph: retrieval"] = X2["all_retrieval_smooth"]
        cols_out["DE + Dir gene graph: ridge"] = X2["all_ridge_smooth"]
        rows += [{"dataset": dataset, "fold": fold, "column": name,
                  "auroc": auc_per_gene(labels, np.asarray(values))}
                 for name, values in cols_out.items()]
    return rows


def main() -> None:
    screens = available_builtin_screens()
    parts = Parallel(n_jobs=2)(delayed(screen_rows)(d) for d in screens)
    table = pd.DataFrame([row for part in parts for row in part])
    atomic_write_csv(f"{OUT}/response_structure_attempts.csv", table)
    wide = table.groupby(["column", "dataset"], sort=False)["auroc"].mean().unstack()[screens]
    wide["mean"] = wide.mean(axis=1)
    atomic_write_text(f"{OUT}/response_structure_attempts.md", "\n".join([
        "# Three more ways to read the training responses (strict Dir, grouped CV)", "",
        "`python benchmarks/response_structure_attempts.py`. Each column scored alone: "
        "mean over 3 folds grouped by perturbation, on each training split, of the "
        "per-gene AUROC (see the script's docstring). No test split is read.", "",
        markdown_table(wide.round(4).reset_index()), ""]))


if __name__ == "__main__":
    main()
