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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Scored:
    """Pairs that passed :func:`_check_scored_pairs`: labels and scores as float arrays."""

    pairs: pd.DataFrame
    y: np.ndarray
    s: np.ndarray


def _examples(pairs: pd.DataFrame, mask: np.ndarray, n: int = 3) -> str:
    """``pert X / gene Y`` of the first ``n`` rows where ``mask`` holds."""
    rows = pairs.loc[np.asarray(mask), ["pert", "gene"]].head(n).itertuples(index=False)
    return ", ".join(f"pert {p!r} / gene {g!r}" for p, g in rows)


def _check_labels(labels, pairs: pd.DataFrame) -> np.ndarray:
    """0/1 labels (bools accepted) as floats; anything else is named in a ValueError."""
    lab = pd.Series(labels.to_numpy() if isinstance(labels, pd.Series) else np.asarray(labels))
    if len(lab) != len(pairs):
        raise ValueError(f"got {len(lab)} labels for {len(pairs)} pairs: give one 0/1 label "
                         "per pair")
    if lab.dtype.kind in "biuf":
        values = lab.to_numpy(dtype=float, na_value=np.nan)  # nullable dtypes: NA -> NaN
        bad = ~np.isin(values, (0.0, 1.0))  # NaN is bad too
    else:  # object, strings, categories: only real bools and numbers 0 / 1 pass
        bad = np.fromiter(
            (not (isinstance(v, (bool, np.bool_, int, np.integer, float, np.floating))
                  and v in (0, 1)) for v in lab), dtype=bool, count=len(lab))
        values = None
    if bad.any():
        shown = ", ".join(repr(v) for v in pd.unique(lab[bad])[:5].tolist())
        where = f" (e.g. {_examples(pairs, bad, 1)})" if {"pert", "gene"} <= set(pairs) else ""
        raise ValueError(f"labels must be 0 or 1 (True/False accepted); {int(bad.sum())} of "
                         f"{len(lab)} labels are not: {shown}{where}")
    return lab.to_numpy(dtype=float) if values is None else values


def _check_scored_pairs(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray,
                        by: str | None = "gene") -> _Scored:
    """The one validator of every metric: what it returns is safe to score.

    Checks, in order: ``pairs`` is a non-empty DataFrame with columns ``pert``, ``gene``,
    ``label``; one score per pair (a ``predict_proba`` array gives its positive column),
    each a finite number; labels 0/1 (bools accepted); no (pert, gene) pair twice; and at
    least one group of ``by`` (``None``: the whole table) holding both classes.

    Raises
    ------
    PredictionError
        Scores of the wrong shape or length, scores that are NaN, infinite or text,
        duplicate pairs (the message counts them and names examples).
    ValueError
        An empty table, missing columns, labels other than 0/1, no group with both classes.
    """
    if not isinstance(pairs, pd.DataFrame):
        raise ValueError(f"pairs must be a DataFrame with columns pert, gene, label; got "
                         f"{type(pairs).__name__}")
    missing = [c for c in ("pert", "gene", "label") if c not in pairs.columns]
    if missing:
        raise ValueError(f"pairs need columns pert, gene, label; missing {missing} "
                         f"(found {list(map(str, pairs.columns))})")
    if len(pairs) == 0:
        raise ValueError("the pair table is empty: there is nothing to score (did a filter "
                         "such as split == 'test' remove every row?)")
    raw = np.asarray(scores)
    if raw.ndim == 2 and raw.shape[1] == 2:  # predict_proba output: take the positive class
        raw = raw[:, 1]
    if raw.ndim != 1:
        raise PredictionError(f"scores must be one-dimensional, got shape {raw.shape}")
    if len(raw) != len(pairs):
        raise PredictionError(
            f"got {len(raw)} scores for {len(pairs)} pairs: give one score per pair, in order")
    if raw.dtype.kind in "biuf":
        s = raw.astype(float)
    else:  # text or objects: what is not a number becomes NaN and is reported below
        s = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(s)
    if bad.any():
        first = raw[np.flatnonzero(bad)[0]]
        first = first.item() if isinstance(first, np.generic) else first
        raise PredictionError(
            f"{int(bad.sum())} of {len(s)} scores are NaN or infinite or not numbers, e.g. "
            f"{first!r} for {_examples(pairs, bad, 1)}: every pair needs a finite score")
    y = _check_labels(pairs["label"], pairs)
    dup = pairs.duplicated(["pert", "gene"]).to_numpy()
    if dup.any():
        raise PredictionError(
            f"{int(dup.sum())} duplicate (pert, gene) pairs, e.g. {_examples(pairs, dup)}: "
            "each pair must appear once (one score per pair)")
    if by is None:
        if 0 < y.sum() < len(y):
            return _Scored(pairs, y, s)
        raise ValueError(f"all {len(y)} labels are {int(y[0])}: an AUROC needs both a "
                         "positive and a negative pair")
    if by not in ("gene", "pert"):
        raise ValueError(f"by must be 'gene' or 'pert', got {by!r}")
    both = pd.Series(y).groupby(pairs[by].to_numpy()).agg(["min", "max"])
    if not (both["min"] < both["max"]).any():
        raise ValueError(
            f"no {by} has both classes: the {len(y)} pairs span {len(both)} {by}s, each all "
            f"positive or all negative, and a per-{by} AUROC needs a positive and a negative "
            f"pair within a {by} (score more perturbations per {by})")
    return _Scored(pairs, y, s)


def _auroc_kernel(ok: _Scored, by: str) -> pd.Series:
    """Per-group AUROC of validated pairs (groups with one class left out)."""
    s, y = ok.s, ok.y
    codes, names = pd.factorize(ok.pairs[by], sort=True)
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


def _auprc_kernel(ok: _Scored, by: str) -> pd.Series:
    """Per-group average precision of validated pairs (groups with one class left out)."""
    s, labels = ok.s, ok.y
    codes, names = pd.factorize(ok.pairs[by], sort=True)
    order = np.lexsort((-s, codes))
    g, y, ss = codes[order], labels[order], s[order]
    starts = np.r_[True, g[1:] != g[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(g)), 0))
    tp = np.cumsum(y)
    tp_before = np.r_[0.0, tp][group_start]
    tp_g = tp - tp_before
    seen = np.arange(len(g)) - group_start + 1
    # last row of each block of tied scores within a group = one threshold
    block_end = np.r_[(g[1:] != g[:-1]) | (ss[1:] != ss[:-1]), True]
    n_pos = np.bincount(codes, weights=labels, minlength=len(names))
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


def _mean(per_group: pd.Series) -> float:
    return float(per_group.mean()) if len(per_group) else float("nan")


def auroc_by_group(
    pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray, by: str = "gene"
) -> pd.Series:
    """ROC-AUC within each group of pairs, for groups with both classes.

    Parameters
    ----------
    pairs : DataFrame
        Columns ``pert``, ``gene`` and ``label`` (0/1 or bool); each (pert, gene) once.
    scores : array-like of shape (n_pairs,) or (n_pairs, 2)
        Finite numbers, higher meaning more likely positive; a ``predict_proba`` array is
        accepted.
    by : str
        Column to group by: ``"gene"`` (the benchmark metric) or ``"pert"``.

    Returns
    -------
    pandas.Series
        AUROC per group (index: group name), sorted by group; groups whose labels are
        all one class are left out.

    Raises
    ------
    ValueError
        Bad input (see :func:`_check_scored_pairs`), including no group with both classes;
        :class:`PredictionError` for bad scores.
    """
    return _auroc_kernel(_check_scored_pairs(pairs, scores, by), by)


def auprc_by_group(
    pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray, by: str = "gene"
) -> pd.Series:
    """Average precision within each group with both classes.

    Matches :func:`sklearn.metrics.average_precision_score` per group:
    :math:`\\mathrm{AP} = \\sum_n (R_n - R_{n-1}) P_n` over the distinct score
    thresholds, tied scores forming one threshold. Input rules as
    :func:`auroc_by_group`.
    """
    return _auprc_kernel(_check_scored_pairs(pairs, scores, by), by)


def auc_per_gene(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """The PerturbQA metric: mean over genes of the per-gene AUROC.

    Genes whose pairs are all one class are skipped; the mean is unweighted. A table in
    which no gene has both classes raises ``ValueError`` (the metric is undefined).
    """
    return _mean(auroc_by_group(pairs, scores, by="gene"))


def auc_per_pert(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """Mean over perturbations of the per-perturbation AUROC (same rules as genes)."""
    return _mean(auroc_by_group(pairs, scores, by="pert"))


def auprc_per_gene(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """Mean over genes of the per-gene average precision (genes with both classes)."""
    return _mean(auprc_by_group(pairs, scores, by="gene"))


def pooled_auroc(pairs: pd.DataFrame, scores: Sequence[float] | np.ndarray) -> float:
    """ROC-AUC over all pairs at once (rewards gene-level base rates, unlike the metric).

    Needs both classes in the table (``ValueError`` otherwise).
    """
    ok = _check_scored_pairs(pairs, scores, by=None)
    return float(roc_auc_score(ok.y, ok.s))


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
        Per-gene scores (the units that are resampled): a non-empty 1-D array of finite
        numbers.
    n_boot : int
        Number of bootstrap resamples, at least 1.
    confidence : float
        Coverage of the interval, in (0, 1).
    random_state : int
        Seed; the same seed gives the same interval.

    Raises
    ------
    ValueError
        No values, values that are NaN, infinite or not numbers, a bad ``n_boot`` or
        ``confidence``.
    """
    v = _check_values(values)
    n_boot = check_int(n_boot, "n_boot")
    confidence = check_fraction(confidence, "confidence")
    rng = np.random.default_rng(random_state)
    idx = rng.integers(0, len(v), size=(n_boot, len(v)))
    means = v[idx].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def _check_values(values) -> np.ndarray:
    """Values to bootstrap: a non-empty 1-D array of finite numbers."""
    raw = np.asarray(values)
    if raw.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {raw.shape}")
    if len(raw) == 0:
        raise ValueError("no values to bootstrap: give at least one per-gene score")
    v = (raw.astype(float) if raw.dtype.kind in "biuf" else
         pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(dtype=float))
    bad = ~np.isfinite(v)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} of {len(v)} values are NaN or infinite or not "
                         f"numbers, e.g. {raw[np.flatnonzero(bad)[0]].tolist()!r}")
    return v


def evaluate(
    pairs: pd.DataFrame,
    scores: Sequence[float] | np.ndarray,
    n_boot: int = 1000,
    random_state: int = 0,
) -> dict[str, float]:
    """All benchmark metrics for scored pairs.

    The input is checked once (as by :func:`auroc_by_group`): labels 0/1, finite
    scores, each pair once, at least one gene with both classes.

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
        genes; NaN with ``n_boot=0``), ``auprc`` (per-gene), ``auroc_per_pert`` (NaN when
        no perturbation has both classes), ``pooled_auroc``, ``n_genes``.
    """
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    ok = _check_scored_pairs(pairs, scores, by="gene")
    per_gene = _auroc_kernel(ok, "gene")
    low, high = (bootstrap_ci(per_gene.to_numpy(), n_boot=n_boot, random_state=random_state)
                 if n_boot > 0 else (float("nan"), float("nan")))
    return {
        "auroc": _mean(per_gene),
        "ci_low": low,
        "ci_high": high,
        "auprc": _mean(_auprc_kernel(ok, "gene")),
        "auroc_per_pert": _mean(_auroc_kernel(ok, "pert")),
        "pooled_auroc": float(roc_auc_score(ok.y, ok.s)),
        "n_genes": int(len(per_gene)),
    }


def read_predictions(path: str | Path) -> pd.DataFrame:
    """Read a predictions file: columns ``pert,gene,score``, each (pert, gene) once.

    Read by :func:`pqstats._io.read_table` (CSV, or TSV named ``.tsv``; header names
    compared without spaces and case); every score must be a finite number.

    Raises
    ------
    pqstats._io.InputFileError
        A file in the wrong form; the message names the file, the line and the problem.
    """
    from pqstats._io import read_table

    return read_table(path, ["pert", "gene", "score"], numeric=["score"],
                      key=["pert", "gene"], what="predictions file")


def score_predictions(
    dataset: str, task: str, predictions: pd.DataFrame | str | Path, n_boot: int = 1000
) -> dict[str, float]:
    """Score predictions for the test split of a dataset.

    Parameters
    ----------
    dataset, task : str
        A registered screen (any spelling :func:`pqstats.screens.get_screen` accepts)
        and ``"de"`` / ``"dir"``.
    predictions : DataFrame or path
        Columns ``pert, gene, score``, exactly one row per test pair (a path is read with
        :func:`read_predictions`).

    Raises
    ------
    PredictionError
        Missing, extra or duplicate pairs, or scores that are not finite numbers; the
        message counts them and names examples.
    pqstats._io.InputFileError
        A predictions file in the wrong form.
    """
    from pqstats.screens import load_pairs, resolve_screen

    dataset = resolve_screen(dataset)
    pred = read_predictions(predictions) if isinstance(predictions, (str, Path)) else predictions
    if not isinstance(pred, pd.DataFrame):
        raise PredictionError(f"predictions must be a DataFrame or a path, got "
                              f"{type(pred).__name__}")
    missing_cols = {"pert", "gene", "score"} - set(pred.columns)
    if missing_cols:
        raise PredictionError(f"predictions need columns pert,gene,score; missing "
                              f"{sorted(missing_cols)}")
    if pred.empty:
        raise PredictionError("the predictions table is empty: give one row per test pair")
    dup = pred.duplicated(["pert", "gene"])
    if dup.any():
        ex = pred.loc[dup, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise PredictionError(f"{int(dup.sum())} duplicate (pert, gene) predictions, e.g. {ex}")
    nan = ~np.isfinite(pd.to_numeric(pred["score"], errors="coerce").to_numpy(dtype=float))
    if nan.any():
        ex = pred.loc[nan, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise PredictionError(f"{int(nan.sum())} predictions have a NaN/missing/infinite or "
                              f"non-numeric score, e.g. {ex}")
    pred = pred.astype({"pert": str, "gene": str})
    pairs = load_pairs(dataset, task)
    test = pairs.query("split == 'test'")
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
        outside = known.loc[known["_merge"] == "left_only", ["pert", "gene"]]
        n_train = len(outside.merge(pairs.loc[pairs["split"] == "train", ["pert", "gene"]]))
        raise PredictionError(
            f"{extra} predictions are not {dataset} {task} test pairs"
            + (f" ({n_train} of them are training pairs)" if n_train else "")
            + f", e.g. {outside.head(3).to_records(index=False).tolist()}: give one row per "
            "test pair and nothing else"
        )
    return evaluate(merged, merged["score"].to_numpy(dtype=float), n_boot=n_boot)


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


def _check_cv_pairs(pairs: pd.DataFrame, what: str, need_label: bool = True) -> None:
    """Model selection sees training pairs only: a table with test rows is refused."""
    from pqstats.models import check_training_pairs

    if not isinstance(pairs, pd.DataFrame):
        raise ValueError(f"{what} takes a DataFrame of training pairs, got "
                         f"{type(pairs).__name__}")
    missing = [c for c in ("pert", "gene") if c not in pairs.columns]
    if missing:
        raise ValueError(f"{what}: pairs need columns pert, gene (and label); missing {missing}")
    if need_label and "label" not in pairs.columns:
        raise ValueError(f"{what}: pairs need a label column (or pass labels=)")
    if len(pairs) == 0:
        raise ValueError(f"{what} got an empty pair table: give the training pairs")
    check_training_pairs(pairs, what)


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

    Raises
    ------
    ValueError
        ``pairs`` still holds test rows (``split == "test"``: model selection sees
        training pairs only), is empty, or has labels other than 0/1.
    """
    from sklearn.utils.parallel import Parallel, delayed

    _check_cv_pairs(pairs, "cross_validate", need_label=labels is None)
    y = _check_labels(pairs["label"] if labels is None else labels, pairs).astype(int)
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

    ``pairs`` follows the rules of :func:`cross_validate` (training pairs only, checked
    once before the first fit).

    Returns
    -------
    DataFrame
        One row per combination: the parameters, ``mean_auroc`` and ``std_auroc`` over
        folds, sorted best first.
    """
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid

    from pqstats._progress import tqdm

    _check_cv_pairs(pairs, "grid_search")
    _check_labels(pairs["label"], pairs)
    rows = []
    for params in tqdm(ParameterGrid(param_grid), desc="grid search", unit="setting",
                       disable=not progress):
        res, _ = cross_validate(clone(model).set_params(**params), pairs, folds=folds,
                                random_state=random_state, n_jobs=n_jobs)
        rows.append({**params, "mean_auroc": res["auroc"].mean(), "std_auroc": res["auroc"].std()})
    return pd.DataFrame(rows).sort_values("mean_auroc", ascending=False, ignore_index=True)
