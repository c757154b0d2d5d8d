"""Metrics of the PerturbQA benchmark, vectorised, with bootstrap intervals.

The headline metric is :func:`auc_per_gene` (Wu et al., ICLR 2025): group the test
pairs by downstream gene, compute the ROC-AUC over that gene's test perturbations,
skip genes whose test labels are all one class, and take the unweighted mean.
A score that is constant within a gene scores exactly 0.5, so only
perturbation-specific signal counts.

Each per-group AUROC is the Mann–Whitney statistic with average ranks for ties,

.. math:: \\mathrm{AUC}_g = \\frac{R^+_g - n^+_g (n^+_g + 1) / 2}{n^+_g \\, n^-_g},

where :math:`R^+_g` is the sum of the (tie-averaged) ranks of gene *g*'s positive
pairs among its scores. This equals :func:`sklearn.metrics.roc_auc_score` per group,
ties included, but is computed for all groups at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from pqstats._checks import check_fraction, check_int

__all__ = [
    "PredictionError",
    "auroc_by_group",
    "auprc_by_group",
    "auc_per_gene",
    "auc_per_pert",
    "auprc_per_gene",
    "pooled_auroc",
    "bootstrap_ci",
    "evaluate",
    "read_predictions",
    "score_predictions",
    "grouped_folds",
    "cross_validate",
    "grid_search",
]


class PredictionError(ValueError):
    """Predictions do not match the pairs they are meant to score."""


def _as_scores(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> np.ndarray:
    s = np.asarray(scores, dtype=float)
    if s.ndim == 2 and s.shape[1] == 2:  # predict_proba output: take the positive class
        s = s[:, 1]
    if s.ndim != 1:
        raise PredictionError(f"scores must be one-dimensional, got shape {s.shape}")
    if len(s) != len(pairs):
        raise PredictionError(
            f"got {len(s)} scores for {len(pairs)} pairs: give one score per pair, in order"
        )
    if not np.isfinite(s).all():
        n_bad = int((~np.isfinite(s)).sum())
        raise PredictionError(f"{n_bad} scores are NaN or infinite: every pair needs a score")
    if "label" not in pairs:
        raise PredictionError("pairs need a 'label' column")
    return s


def auroc_by_group(
    pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray, by: str = "gene"
) -> pd.Series:
    """ROC-AUC within each group of pairs, for groups with both classes.

    Parameters
    ----------
    pairs : DataFrame
        Needs columns ``by`` and ``label`` (0/1).
    scores : array-like of shape (n_pairs,) or (n_pairs, 2)
        Higher means more likely positive; a ``predict_proba`` array is accepted.
    by : str
        Column to group by: ``"gene"`` (the benchmark metric) or ``"pert"``.

    Returns
    -------
    pandas.Series
        AUROC per group (index: group name), sorted by group; groups whose labels are
        all one class are left out.
    """
    s = _as_scores(pairs, scores)
    y = pairs["label"].to_numpy(dtype=float)
    codes, names = pd.factorize(pairs[by], sort=True)
    ranks = pd.Series(s).groupby(codes).rank(method="average").to_numpy()
    n = np.bincount(codes, minlength=len(names)).astype(float)
    n_pos = np.bincount(codes, weights=y, minlength=len(names))
    n_neg = n - n_pos
    rank_pos = np.bincount(codes, weights=ranks * y, minlength=len(names))
    valid = (n_pos > 0) & (n_neg > 0)
    auc = (rank_pos[valid] - n_pos[valid] * (n_pos[valid] + 1) / 2) / (
        n_pos[valid] * n_neg[valid]
    )
    return pd.Series(auc, index=pd.Index(names[valid], name=by), name="auroc")


def auprc_by_group(
    pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray, by: str = "gene"
) -> pd.Series:
    """Average precision within each group with both classes.

    Matches :func:`sklearn.metrics.average_precision_score` per group:
    :math:`\\mathrm{AP} = \\sum_n (R_n - R_{n-1}) P_n` over the distinct score
    thresholds, tied scores forming one threshold.
    """
    s = _as_scores(pairs, scores)
    codes, names = pd.factorize(pairs[by], sort=True)
    order = np.lexsort((-s, codes))
    g, y, ss = codes[order], pairs["label"].to_numpy(dtype=float)[order], s[order]
    starts = np.r_[True, g[1:] != g[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(g)), 0))
    tp = np.cumsum(y)
    tp_before = np.r_[0.0, tp][group_start]
    tp_g = tp - tp_before
    seen = np.arange(len(g)) - group_start + 1
    # last row of each block of tied scores within a group = one threshold
    block_end = np.r_[(g[1:] != g[:-1]) | (ss[1:] != ss[:-1]), True]
    n_pos = np.bincount(codes, weights=pairs["label"].to_numpy(dtype=float),
                        minlength=len(names))
    n = np.bincount(codes, minlength=len(names))
    ge, tpe, seen_e = g[block_end], tp_g[block_end], seen[block_end]
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = tpe / n_pos[ge]
        precision = tpe / seen_e
    first_block = np.r_[True, ge[1:] != ge[:-1]]
    prev_recall = np.where(first_block, 0.0, np.r_[0.0, recall[:-1]])
    contrib = np.nan_to_num((recall - prev_recall) * precision)
    ap = np.bincount(ge, weights=contrib, minlength=len(names))
    valid = (n_pos > 0) & (n_pos < n)
    return pd.Series(ap[valid], index=pd.Index(names[valid], name=by), name="auprc")


def auc_per_gene(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """The PerturbQA metric: mean over genes of the per-gene AUROC.

    Genes whose pairs are all one class are skipped; the mean is unweighted.
    Returns NaN when no gene has both classes.
    """
    per_gene = auroc_by_group(pairs, scores, by="gene")
    return float(per_gene.mean()) if len(per_gene) else float("nan")


def auc_per_pert(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """Mean over perturbations of the per-perturbation AUROC (same rules as genes)."""
    per_pert = auroc_by_group(pairs, scores, by="pert")
    return float(per_pert.mean()) if len(per_pert) else float("nan")


def auprc_per_gene(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """Mean over genes of the per-gene average precision (genes with both classes)."""
    per_gene = auprc_by_group(pairs, scores, by="gene")
    return float(per_gene.mean()) if len(per_gene) else float("nan")


def pooled_auroc(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """ROC-AUC over all pairs at once (rewards gene-level base rates, unlike the metric)."""
    s = _as_scores(pairs, scores)
    y = pairs["label"].to_numpy()
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, s))


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    n_boot: int = 1000,
    confidence: float = 0.95,
    random_state: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, resampling the values (e.g. genes).

    Parameters
    ----------
    values : array-like
        Per-gene scores (the units that are resampled).
    n_boot : int
        Number of bootstrap resamples.
    confidence : float
        Coverage of the interval, in (0, 1).
    random_state : int
        Seed; the same seed gives the same interval.
    """
    v = np.asarray(values, dtype=float)
    n_boot = check_int(n_boot, "n_boot")
    confidence = check_fraction(confidence, "confidence")
    if len(v) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(random_state)
    idx = rng.integers(0, len(v), size=(n_boot, len(v)))
    means = v[idx].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def evaluate(
    pairs: pd.DataFrame,
    scores: Sequence[float] | np.ndarray,
    n_boot: int = 1000,
    random_state: int = 0,
) -> dict[str, float]:
    """All benchmark metrics for scored pairs.

    Parameters
    ----------
    pairs : DataFrame
        ``gene, pert, label`` of the scored pairs.
    scores : array-like
        One score per pair.
    n_boot : int
        Bootstrap resamples of the interval (0: no interval, ``ci_low`` / ``ci_high``
        NaN; negative is refused).
    random_state : int
        Seed of the bootstrap.

    Returns
    -------
    dict
        ``auroc`` (per-gene, the headline), ``ci_low``, ``ci_high`` (bootstrap over
        genes), ``auprc`` (per-gene), ``auroc_per_pert``, ``pooled_auroc``, ``n_genes``.
    """
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    per_gene = auroc_by_group(pairs, scores, by="gene")
    low, high = (bootstrap_ci(per_gene.to_numpy(), n_boot=n_boot, random_state=random_state)
                 if n_boot > 0 else (float("nan"), float("nan")))
    return {
        "auroc": float(per_gene.mean()) if len(per_gene) else float("nan"),
        "ci_low": low,
        "ci_high": high,
        "auprc": auprc_per_gene(pairs, scores),
        "auroc_per_pert": auc_per_pert(pairs, scores),
        "pooled_auroc": pooled_auroc(pairs, scores),
        "n_genes": int(len(per_gene)),
    }


def read_predictions(path: str | Path) -> pd.DataFrame:
    """Read a predictions CSV with columns ``pert,gene,score``."""
    try:
        df = pd.read_csv(path, dtype={"pert": str, "gene": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise PredictionError(f"{path}: cannot read predictions ({err})") from err
    missing = {"pert", "gene", "score"} - set(df.columns)
    if missing:
        raise PredictionError(
            f"{path}: predictions need columns pert,gene,score; missing {sorted(missing)}"
        )
    df["score"] = pd.to_numeric(df["score"], errors="coerce")
    return df


def score_predictions(
    dataset: str, task: str, predictions: pd.DataFrame | str | Path, n_boot: int = 1000
) -> dict[str, float]:
    """Score predictions for the test split of a dataset.

    Parameters
    ----------
    dataset, task : str
        E.g. ``"k562"``, ``"de"``.
    predictions : DataFrame or path
        Columns ``pert, gene, score``, exactly one row per test pair.

    Raises
    ------
    PredictionError
        Missing, extra or duplicate pairs, or NaN scores; the message names examples.
    """
    from pqstats.datasets import load_pairs  # evaluation sits below datasets' callers

    pred = read_predictions(predictions) if isinstance(predictions, (str, Path)) else predictions
    missing_cols = {"pert", "gene", "score"} - set(pred.columns)
    if missing_cols:
        raise PredictionError(f"predictions need columns pert,gene,score; missing "
                              f"{sorted(missing_cols)}")
    dup = pred.duplicated(["pert", "gene"])
    if dup.any():
        ex = pred.loc[dup, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise PredictionError(f"{int(dup.sum())} duplicate (pert, gene) predictions, e.g. {ex}")
    nan = ~np.isfinite(pd.to_numeric(pred["score"], errors="coerce").to_numpy(dtype=float))
    if nan.any():
        ex = pred.loc[nan, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise PredictionError(f"{int(nan.sum())} predictions have a NaN/missing score, e.g. {ex}")
    test = load_pairs(dataset, task).query("split == 'test'")
    merged = test.merge(pred[["pert", "gene", "score"]], on=["pert", "gene"], how="left",
                        indicator=True)
    absent = merged["_merge"] == "left_only"
    if absent.any():
        ex = merged.loc[absent, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise PredictionError(
            f"{int(absent.sum())} of {len(test)} {dataset} {task} test pairs have no "
            f"prediction, e.g. {ex}"
        )
    extra = len(pred) - len(test)
    if extra:
        known = pred.merge(test[["pert", "gene"]], on=["pert", "gene"], how="left",
                           indicator=True)
        ex = known.loc[known["_merge"] == "left_only", ["pert", "gene"]].head(3)
        raise PredictionError(
            f"{extra} predictions are not {dataset} {task} test pairs, e.g. "
            f"{ex.to_records(index=False).tolist()}"
        )
    return evaluate(merged, merged["score"].to_numpy(), n_boot=n_boot)


# --- cross-validation on the training split ---------------------------------------------
def grouped_folds(pairs: pd.DataFrame, folds: int = 5, random_state: int = 0
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds grouped by perturbation: no perturbation is in two folds.

    Perturbations are shuffled with ``random_state`` and dealt round-robin into folds, so
    the folds are a deterministic function of the seed and the set of perturbations.
    """
    perts = np.unique(pairs["pert"].to_numpy())
    if folds < 2 or folds > len(perts):
        raise ValueError(f"folds must be between 2 and the number of perturbations "
                         f"({len(perts)}), got {folds}")
    order = np.random.default_rng(random_state).permutation(len(perts))
    fold_of = pd.Series(np.empty(len(perts), dtype=int), index=perts)
    fold_of.iloc[order] = np.arange(len(perts)) % folds
    assigned = fold_of.loc[pairs["pert"].to_numpy()].to_numpy()
    return [(np.flatnonzero(assigned != k), np.flatnonzero(assigned == k))
            for k in range(folds)]


def _fit_score_fold(model, pairs: pd.DataFrame, labels: np.ndarray | None, folds: int,
                    random_state: int, k: int) -> np.ndarray:
    """Fit on every fold but ``k`` and score fold ``k`` (runs in a worker).

    Only the pairs table, the labels and small numbers travel: the worker recomputes
    the (deterministic) folds, so nothing task-specific has to be shipped — with dask,
    a pairs table scattered to every worker then survives the loss of a worker.
    """
    from sklearn.base import clone
    from threadpoolctl import threadpool_limits

    y = (pairs["label"] if labels is None else labels)
    y = np.asarray(y).astype(int)
    train_idx, test_idx = grouped_folds(pairs, folds, random_state)[k]
    est = clone(model)
    if "n_jobs" in est.get_params():
        est.set_params(n_jobs=1)
    cols = ["pert", "gene"]
    # one thread per fit (model and BLAS): no nested oversubscription in parallel folds,
    # and the same floating-point summation order whatever the backend or n_jobs
    with threadpool_limits(limits=1):
        est.fit(pairs.iloc[train_idx][cols], y[train_idx])
        return est.score_pairs(pairs.iloc[test_idx][cols])


def cross_validate(
    model,
    pairs: pd.DataFrame,
    labels: Sequence[int] | np.ndarray | None = None,
    folds: int = 5,
    random_state: int = 0,
    n_jobs: int | None = None,
    progress: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Grouped cross-validation of a pair model on training pairs.

    Parallel over folds with scikit-learn's :class:`~sklearn.utils.parallel.Parallel`
    (joblib that carries scikit-learn's configuration into the workers); the backend is
    the caller's choice (``with joblib.parallel_config(backend="loky" | "dask" | "ray")``,
    or :func:`pqstats._cluster.joblib_backend`). Every fold runs single-threaded (the
    model's own ``n_jobs``, e.g. XGBoost's threads, and BLAS), so parallelism comes from
    the folds. Results do not depend on the backend or on
    ``n_jobs``: the folds are fixed by the seed and every fit is deterministic.

    Parameters
    ----------
    model : PairClassifier
        Unfitted estimator; cloned for every fold.
    pairs : DataFrame
        Columns ``pert``, ``gene`` (and ``label`` when ``labels`` is None). On a dask
        cluster, scatter this table to every worker
        (``joblib.parallel_config(backend="dask", scatter=[pairs])``): it is then shipped
        once, and survives the loss of a worker.
    labels : array-like, optional
        0/1 labels; default ``pairs["label"]`` (preferred on clusters, see above).
    folds : int
        Number of folds (grouped by perturbation, see :func:`grouped_folds`).
    random_state : int
        Seed of the fold assignment.
    n_jobs : int, optional
        Parallel jobs (joblib semantics).
    progress : bool
        Show a progress bar over the folds (as they finish).

    Returns
    -------
    (DataFrame, numpy.ndarray)
        One row per fold (``fold, auroc, auprc, auroc_per_pert, pooled_auroc, n_genes,
        n_pairs``) and the out-of-fold scores, aligned with ``pairs``.
    """
    from sklearn.utils.parallel import Parallel, delayed

    y = np.asarray(pairs["label"] if labels is None else labels).astype(int)
    if len(y) != len(pairs):
        raise ValueError(f"got {len(y)} labels for {len(pairs)} pairs")
    splits = grouped_folds(pairs, folds, random_state)
    shipped = None if labels is None else y
    jobs = (delayed(_fit_score_fold)(model, pairs, shipped, folds, random_state, k)
            for k in range(folds))
    if progress:
        from pqstats._progress import tqdm

        scores = list(tqdm(Parallel(n_jobs=n_jobs, return_as="generator")(jobs),
                           total=folds, desc="cv folds", unit="fold"))
    else:
        scores = Parallel(n_jobs=n_jobs)(jobs)
    oof = np.empty(len(pairs), dtype=float)
    rows = []
    for k, ((_, te), s) in enumerate(zip(splits, scores, strict=True)):
        oof[te] = s
        held = pd.DataFrame({"pert": pairs["pert"].to_numpy()[te],
                             "gene": pairs["gene"].to_numpy()[te], "label": y[te]})
        m = evaluate(held, s, n_boot=0)
        rows.append({"fold": k, **{key: m[key] for key in (
            "auroc", "auprc", "auroc_per_pert", "pooled_auroc", "n_genes")},
            "n_pairs": len(te)})
    return pd.DataFrame(rows), oof


def grid_search(
    model,
    param_grid: dict[str, Sequence],
    pairs: pd.DataFrame,
    folds: int = 5,
    random_state: int = 0,
    n_jobs: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Every combination of ``param_grid``, scored by :func:`cross_validate` on the same folds.

    Returns
    -------
    DataFrame
        One row per combination: the parameters, ``mean_auroc`` and ``std_auroc`` over
        folds, sorted best first.
    """
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid

    from pqstats._progress import tqdm

    rows = []
    for params in tqdm(ParameterGrid(param_grid), desc="grid search", unit="setting",
                       disable=not progress):
        res, _ = cross_validate(clone(model).set_params(**params), pairs, folds=folds,
                                random_state=random_state, n_jobs=n_jobs)
        rows.append({**params, "mean_auroc": res["auroc"].mean(), "std_auroc": res["auroc"].std()})
    return pd.DataFrame(rows).sort_values("mean_auroc", ascending=False, ignore_index=True)
