"""A learned metric over the knowledge spaces, tried for Dir by grouped CV on training splits.

The metric: map a perturbation's knowledge profile to a predicted response profile with the
kernel ridge of :class:`~pqstats.features.retrieval.ResponseRetrieval` (``ridge=10``), and
call two perturbations similar when the predicted profile of one is close (cosine) to the
training response profile of the other; then retrieve and smooth over genes as the shipped
retrieval does, with the similarity raised to the power 1, 2 or 4. Each column is scored
alone (mean over folds of the per-gene AUROC, 3-fold CV grouped by perturbation as
``pqstats cv`` folds, Dir, training splits only)
beside the shipped retrieval columns. Writes results/learned_metric_selection.{csv,md}.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.linalg import cho_solve
from sklearn.preprocessing import normalize

from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_builtin_screens
from pqstats.evaluation import auc_per_gene, grouped_folds
from pqstats.features import load_graph
from pqstats.features.profiles import DEFAULT_SPACES, canonical_symbols, gene_profiles
from pqstats.features.retrieval import ResponseRetrieval
from pqstats.screens import load_pairs

OUT = Path("results")


def metric_columns(r: ResponseRetrieval, pairs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Learned-metric retrieval columns of ``pairs`` from a fitted retrieval."""
    query = pd.Index(np.unique(pairs["pert"]))
    qi = query.get_indexer(pairs["pert"])
    gi = r.genes_.get_indexer(pairs["gene"])
    seen, gi0 = gi >= 0, np.maximum(gi, 0)
    response = normalize(r.residual_)
    out = {}
    for prof, rows, factor in zip(r.profiles, r.train_rows_, r.ridge_factors_, strict=True):
        raw = np.asarray((prof.rows(query) @ rows.T).todense())
        predicted = cho_solve(factor, raw.T).T @ r.residual_
        sim = np.maximum(normalize(predicted) @ response.T, 0.0)
        for power in (1, 2, 4):
            smooth = r._smooth(r._retrieve(sim ** power))
            out[f"{prof.space}_learned_metric^{power}"] = np.where(seen, smooth[qi, gi0], 0.0)
    return out


def main() -> None:
    kg = load_graph()
    profiles = [gene_profiles(kg, s) for s in DEFAULT_SPACES]
    rows = []
    for dataset in available_builtin_screens():
        train = load_pairs(dataset, "dir").query("split == 'train'").reset_index(drop=True)
        y = train["label"].to_numpy()
        canon = train.assign(pert=canonical_symbols(kg, train["pert"].to_numpy()))
        fold_scores: dict[str, list[float]] = {}
        for fit_idx, held_idx in grouped_folds(train, 3, 0):
            r = ResponseRetrieval(profiles, gene_neighbours=100, ridge=10.0)
            r.fit(canon.iloc[fit_idx], y[fit_idx])
            held = canon.iloc[held_idx]
            cols = {c: v.to_numpy() for c, v in r.transform(held).items()}
            cols.update(metric_columns(r, held))
            for name, values in cols.items():  # by fold, as cross_validate scores
                if not name.endswith(("_support", "_max_similarity")) and name != "gene_rate":
                    fold_scores.setdefault(name, []).append(
                        auc_per_gene(train.iloc[held_idx], values))
        rows += [{"dataset": dataset, "column": name, "auroc": float(np.mean(scores))}
                 for name, scores in fold_scores.items()]
        print(dataset, flush=True)
    res = pd.DataFrame(rows)
    atomic_write_csv(OUT / "learned_metric_selection.csv", res)
    table = res.pivot(index="column", columns="dataset", values="auroc")
    table["mean"] = table.mean(axis=1)
    table = table.sort_values("mean", ascending=False).reset_index()
    atomic_write_text(OUT / "learned_metric_selection.md", "\n".join([
        "# A learned metric over the knowledge spaces (Dir, 3-fold CV grouped by "
        "perturbation, training splits only)", "",
        "Each column scored alone (per-gene AUROC). `*_learned_metric^k`: similarity = "
        "cosine of the query's kernel-ridge predicted response to a training "
        "perturbation's response, to the power k (`python "
        "benchmarks/learned_metric_selection.py`).", "",
        markdown_table(table), ""]))


if __name__ == "__main__":
    main()
