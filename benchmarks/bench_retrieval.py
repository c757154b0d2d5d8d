"""The retrieval's sparse products against the dense products they replaced, on real screens.

For each screen's DE training split (the retrieval of the ``logistic`` model, four
knowledge spaces, kernel ridge on), the best of three timings of the fit and of the test
split's transform, and of the genes' cosine similarity (the gene-smoothing graph) and one
space's weighted residuals as dense and as sparse products, with their largest difference.
Then the ties: the share of genes whose 100 nearest co-responding genes end in a tie, and
the share whose kept neighbours differ between the dense and the sparse similarity (ties
broken by the last digits of the product). With one BLAS thread, as every model fits.
Writes results/bench_retrieval.json and .md. Run with `make bench`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from pqstats._io import atomic_write_text
from pqstats.features.pairs import load_graph
from pqstats.features.profiles import DEFAULT_SPACES, canonical_symbols, gene_profiles
from pqstats.features.retrieval import ResponseRetrieval, top_k_rows
from pqstats.screens import load_de

NEIGHBOURS = 100


def _best_of(fn, repeats=3):
    seconds, result = best_of(fn, repeats)
    return round(seconds, 4), result


def _kept(sim: np.ndarray) -> np.ndarray:
    sim = sim.copy()
    np.fill_diagonal(sim, 0.0)
    return top_k_rows(sim, NEIGHBOURS).toarray() > 0


def main() -> None:
    kg = load_graph()
    profiles = [gene_profiles(kg, s) for s in DEFAULT_SPACES]
    rows = {}
    for name in ("k562", "rpe1", "hepg2"):
        pairs = load_de(name)
        pairs = pairs.assign(pert=canonical_symbols(kg, pairs["pert"].to_numpy()))
        train, test = pairs[pairs.split == "train"], pairs[pairs.split == "test"]
        y = train["label"].to_numpy()
        retrieval = ResponseRetrieval(profiles, gene_neighbours=NEIGHBOURS, ridge=10.0)
        fit_s, r = _best_of(lambda tr=train, yy=y, rr=retrieval: rr.fit(tr, yy))
        transform_s, _ = _best_of(lambda t=test, rr=r: rr.transform(t))
        dense_cols = normalize(r.residual_.T)
        dense_sim_s, dense_sim = _best_of(lambda c=dense_cols: c @ c.T)
        sparse_cols = normalize(r._residual_t)
        sparse_sim_s, sparse_sim = _best_of(lambda c=sparse_cols: (c @ c.T).toarray())
        query = pd.Index(np.unique(test["pert"].to_numpy()))
        sim = np.maximum(np.asarray((profiles[-1].rows(query) @ r.train_rows_[-1].T)
                                    .todense(), dtype=np.float32), 0.0)
        dense_w_s, dense_w = _best_of(lambda s=sim, rr=r: s @ rr.residual_)
        sparse_w_s, sparse_w = _best_of(lambda s=sim, rr=r: rr._weighted(s, rr._residual_t))
        off = sparse_sim.copy()
        np.fill_diagonal(off, 0.0)
        kth = -np.partition(-off, NEIGHBOURS - 1, axis=1)[:, NEIGHBOURS - 1]
        tied = ((off == kth[:, None]).sum(1) > 1) & (kth > 0)
        changed = (_kept(dense_sim) != _kept(sparse_sim)).any(1)
        rows[name] = {
            "training_pairs": len(train), "genes": len(r.genes_), "knockdowns": len(r.perts_),
            "measured_share": round(float(r.mask_.mean()), 4),
            "fit_s": fit_s, "transform_test_s": transform_s,
            "gene_similarity_dense_s": dense_sim_s, "gene_similarity_sparse_s": sparse_sim_s,
            "gene_similarity_max_abs_diff": float(np.abs(dense_sim - sparse_sim).max()),
            "weighted_residuals_dense_s": dense_w_s, "weighted_residuals_sparse_s": sparse_w_s,
            "weighted_residuals_max_abs_diff": float(np.abs(dense_w - sparse_w).max()),
            "genes_tied_at_neighbour_100": round(float(tied.mean()), 3),
            "genes_with_other_neighbours_dense_vs_sparse": round(float(changed.mean()), 3),
        }
        print(name, rows[name])
    out = Path("results") / "bench_retrieval.json"
    atomic_write_text(out, json.dumps(rows, indent=2) + "\n")
    keys = list(next(iter(rows.values())))
    lines = ["# Retrieval: sparse against dense products (DE training splits)", "",
             "`python benchmarks/bench_retrieval.py` (`make bench`); one BLAS thread; seconds "
             "are the best of three on this machine, and differ on another.", "",
             "| | " + " | ".join(rows) + " |", "|---" * (len(rows) + 1) + "|"]
    lines += [f"| {k} | " + " | ".join(str(rows[n][k]) for n in rows) + " |" for k in keys]
    atomic_write_text(out.with_suffix(".md"), "\n".join(lines) + "\n")
    print(f"wrote {out} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    with threadpool_limits(limits=1, user_api="blas"):
        main()
