"""Oracle rows: how far a score could go if it could read test labels. Never models.

An *oracle* reads the test labels of the very screen it scores, by construction, so it
is no prediction and no model: it is never registered in :mod:`pqstats.models`, never
cached beside the models' test scores, and its rows are kept apart from the models'
(``oracles.csv``, their own section of ``benchmark.md``). It answers one question: how
much signal about a held-out pair lies in the *other* test outcomes of the same
knockdown, and so how much of that headroom the models already reach.

Both oracles leave the scored pair's own label out (its score is unchanged whatever
that label is) and score from the pair's own perturbation only:

* ``co_response`` — the test perturbation's *other* test outcomes, smoothed over the
  genes that co-respond in training. With the training gene graph :math:`G` of
  :class:`pqstats.features.retrieval.ResponseRetrieval` (top-k cosine of residual
  training response columns, rows summing to 1, zero diagonal), test residuals
  :math:`R_{pg'} = (y_{pg'} - \\bar y_{g'}) m_{pg'}` and test mask :math:`m`,

  .. math:: o(p, g) = \\bar y_g + \\frac{\\sum_{g' \\ne g} G_{gg'} R_{pg'}}
                                      {\\sum_{g' \\ne g} G_{gg'} m_{pg'} + \\lambda}.

  Here :math:`G` keeps each gene's 100 most co-responding genes (the models use 20: with
  only ~90 test genes per knockdown, a wider graph finds more of them; 20 gives DE
  0.65 / 0.67 / 0.59 and Dir 0.86 / 0.86 / 0.85 on K562 / RPE1 / HepG2) and
  :math:`\\lambda = 1`.

* ``pert_strength`` — the leave-one-out share of positives among the perturbation's
  other test pairs, :math:`o(p, g) = \\sum_{g' \\ne g} y_{pg'} / (n_p - 1)` (DE: how
  strong the knockdown is; Dir: its overall up-or-down tendency).

An oracle is an upper reference for scores built from these two ideas, not a ceiling on
every possible method: a model can in principle beat it (it sees none of the knowledge
graph), and its number says nothing about what a model could learn without test labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from pqstats.evaluation import evaluate

__all__ = ["ORACLES", "oracle_scores", "run_oracles", "headroom"]

ORACLE_COLUMNS = ["dataset", "task", "oracle", "auroc", "ci_low", "ci_high", "n_genes"]


def _test_matrix(test: pd.DataFrame, genes: pd.Index) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray, np.ndarray]:
    """Test labels as a (perturbation x gene) matrix over ``genes``: values, mask, and the
    row / column of each test pair (column -1 for a gene outside ``genes``)."""
    perts = pd.Index(np.unique(test["pert"].to_numpy()))
    r = perts.get_indexer(test["pert"])
    c = genes.get_indexer(test["gene"])
    y = np.zeros((len(perts), len(genes)), dtype=np.float64)
    m = np.zeros_like(y)
    seen = c >= 0
    y[r[seen], c[seen]] = test["label"].to_numpy(dtype=float)[seen]
    m[r[seen], c[seen]] = 1.0
    return y, m, r, c


def _co_response(pairs: pd.DataFrame, shrinkage: float = 1.0,
                 gene_neighbours: int = 100) -> np.ndarray:
    from pqstats.features.retrieval import ResponseRetrieval

    train = pairs[pairs["split"] == "train"]
    test = pairs[pairs["split"] == "test"]
    fitted = ResponseRetrieval([], gene_neighbours=gene_neighbours).fit(
        train[["pert", "gene"]], train["label"].to_numpy())
    graph = fitted.gene_graph_.tolil()
    graph.setdiag(0.0)  # the pair's own label never enters its score
    graph = graph.tocsr()
    y, m, r, c = _test_matrix(test, fitted.genes_)
    rate = fitted.gene_rate_.astype(np.float64)
    residual = (y - rate[None, :]) * m
    num = np.asarray((graph @ residual.T).T)
    support = np.asarray((graph @ m.T).T)
    score = num / (support + shrinkage)
    seen = c >= 0
    c0 = np.maximum(c, 0)
    return np.where(seen, rate[c0] + score[r, c0], fitted.base_rate_)


def _pert_strength(pairs: pd.DataFrame) -> np.ndarray:
    train = pairs[pairs["split"] == "train"]
    test = pairs[pairs["split"] == "test"]
    y = test["label"].to_numpy(dtype=float)
    grp = test.groupby("pert")["label"]
    total = grp.transform("sum").to_numpy(dtype=float)
    n = grp.transform("count").to_numpy(dtype=float)
    base = float(train["label"].mean()) if len(train) else 0.5
    with np.errstate(invalid="ignore", divide="ignore"):
        loo = (total - y) / (n - 1)
    return np.where(n > 1, loo, base)


#: Oracle name → (function of the pair table → test scores, one-line description).
ORACLES: dict[str, tuple[Callable[[pd.DataFrame], np.ndarray], str]] = {
    "co_response": (_co_response, "the knockdown's other test outcomes, smoothed over genes "
                                  "that co-respond in training (own label left out)"),
    "pert_strength": (_pert_strength, "leave-one-out share of positives among the "
                                      "knockdown's other test pairs"),
}


def oracle_scores(name: str, pairs: pd.DataFrame) -> np.ndarray:
    """Scores of the test rows of ``pairs`` (in their order) by oracle ``name``.

    ``pairs`` is a screen's whole table (``pert, gene, label, split``): the oracle reads
    the training rows and, by construction, the test labels.
    """
    if name not in ORACLES:
        raise ValueError(f"unknown oracle {name!r}; choose from {', '.join(ORACLES)}")
    missing = {"pert", "gene", "label", "split"} - set(pairs.columns)
    if missing:
        raise ValueError(f"an oracle needs the table's columns pert, gene, label, split; "
                         f"missing {sorted(missing)}")
    return np.asarray(ORACLES[name][0](pairs), dtype=float)


def run_oracles(datasets: Sequence[str], tasks: Sequence[str] = ("de", "dir"),
                n_boot: int = 1000) -> pd.DataFrame:
    """Per-gene AUROC of every oracle on every available screen x task.

    Screens whose files are not here are skipped. Nothing is cached.

    Returns
    -------
    pandas.DataFrame
        ``dataset, task, oracle, auroc, ci_low, ci_high, n_genes``.
    """
    from pqstats._fetch import DataUnavailableError
    from pqstats.screens import load_pairs, resolve_screen

    rows = []
    for dataset in dict.fromkeys(resolve_screen(d) for d in datasets):
        for task in tasks:
            try:
                pairs = load_pairs(dataset, task)
            except DataUnavailableError:
                continue
            test = pairs[pairs["split"] == "test"]
            for name in ORACLES:
                m = evaluate(test, oracle_scores(name, pairs), n_boot=n_boot)
                rows.append({"dataset": dataset, "task": task, "oracle": name,
                             **{k: m[k] for k in ("auroc", "ci_low", "ci_high", "n_genes")}})
    return pd.DataFrame(rows, columns=ORACLE_COLUMNS)


def headroom(results: pd.DataFrame, oracles: pd.DataFrame, track: str = "strict"
             ) -> pd.DataFrame:
    """For each cell, the share of the best oracle's gain over chance the best model reaches.

    ``share = (best model AUROC - 0.5) / (best oracle AUROC - 0.5)`` on ``track``.

    Returns
    -------
    pandas.DataFrame
        ``dataset, task, best_model, model_auroc, best_oracle, oracle_auroc, share``.
    """
    ok = results[(results["note"].fillna("") == "") & (results["track"] == track)]
    rows = []
    for (dataset, task), orc in oracles.groupby(["dataset", "task"], sort=False):
        mod = ok[(ok["dataset"] == dataset) & (ok["task"] == task)]
        if mod.empty:
            continue
        best_m = mod.loc[mod["auroc"].idxmax()]
        best_o = orc.loc[orc["auroc"].idxmax()]
        gain = best_o["auroc"] - 0.5
        rows.append({"dataset": dataset, "task": task, "best_model": best_m["model"],
                     "model_auroc": best_m["auroc"], "best_oracle": best_o["oracle"],
                     "oracle_auroc": best_o["auroc"],
                     "share": (best_m["auroc"] - 0.5) / gain if gain > 0 else np.nan})
    return pd.DataFrame(rows)
