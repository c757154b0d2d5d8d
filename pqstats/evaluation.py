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
from pqstats._choices import TRACKS  # the tracks of the benchmark, most to least own labels

__all__ = [
    "TRACKS",
    "RESULT_COLUMNS",
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
    "match_test_pairs",
    "score_predictions",
    "EFFECT_CLASSES",
    "effect_labels",
    "effect_classes",
    "effect_metrics",
    "score_effect",
    "compare_per_gene",
    "compare_scores",
    "grouped_folds",
    "cross_validate",
    "grid_search",
]

#: Columns of a benchmark result table (``benchmark.csv``): one row per cell.
RESULT_COLUMNS = [
    "dataset", "task", "track", "model", "auroc", "auroc_sd", "ci_low", "ci_high", "auprc",
    "n_genes", "n_seeds", "seconds", "note",
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


def _check_prediction_table(pred, score_columns: Sequence[str]) -> pd.DataFrame:
    """Columns ``pert, gene`` and ``score_columns`` present, each pair once, finite numbers."""
    if not isinstance(pred, pd.DataFrame):
        raise PredictionError(f"predictions must be a DataFrame or a path, got "
                              f"{type(pred).__name__}")
    want = ["pert", "gene", *score_columns]
    missing_cols = set(want) - set(pred.columns)
    if missing_cols:
        raise PredictionError(f"predictions need columns {','.join(want)}; missing "
                              f"{sorted(missing_cols)}")
    if pred.empty:
        raise PredictionError("the predictions table is empty: give one row per test pair")
    dup = pred.duplicated(["pert", "gene"])
    if dup.any():
        ex = pred.loc[dup, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise PredictionError(f"{int(dup.sum())} duplicate (pert, gene) predictions, e.g. {ex}")
    for col in score_columns:
        nan = ~np.isfinite(pd.to_numeric(pred[col], errors="coerce").to_numpy(dtype=float))
        if nan.any():
            ex = pred.loc[nan, ["pert", "gene"]].head(3).to_records(index=False).tolist()
            raise PredictionError(f"{int(nan.sum())} predictions have a NaN/missing/infinite "
                                  f"or non-numeric {col}, e.g. {ex}")
    return pred.astype({"pert": str, "gene": str})


def match_test_pairs(dataset: str, task: str, predictions: pd.DataFrame,
                     score_columns: Sequence[str] = ("score",)) -> pd.DataFrame:
    """The test pairs of a screen and task, each with its prediction: the one coverage check.

    ``predictions`` must hold exactly one row per test pair (columns ``pert, gene`` and
    ``score_columns``, finite numbers) and nothing else.

    Returns
    -------
    pandas.DataFrame
        The test rows of :func:`pqstats.screens.load_pairs` (``pert, gene, label, split``,
        in that order) with the ``score_columns`` added as floats.

    Raises
    ------
    PredictionError
        Missing columns, missing, extra or duplicate pairs, or values that are not finite
        numbers; the message counts them and names examples.
    """
    from pqstats.screens import load_pairs

    score_columns = list(score_columns)
    pred = _check_prediction_table(predictions, score_columns)
    pairs = load_pairs(dataset, task)
    test = pairs.query("split == 'test'")
    merged = test.merge(pred[["pert", "gene", *score_columns]], on=["pert", "gene"],
                        how="left", indicator=True)
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
    merged = merged.drop(columns="_merge")
    return merged.astype({c: float for c in score_columns})


def _read_if_path(predictions, columns: Sequence[str], what: str = "predictions file"):
    if isinstance(predictions, (str, Path)):
        from pqstats._io import read_table

        return read_table(predictions, ["pert", "gene", *columns], numeric=list(columns),
                          key=["pert", "gene"], what=what)
    return predictions


def score_predictions(
    dataset: str, task: str, predictions: pd.DataFrame | str | Path, n_boot: int = 1000
) -> dict[str, float]:
    """Score predictions for the test split of a dataset.

    Besides the benchmark's per-gene AUROC the result holds the forms other papers report
    (see :func:`evaluate`): ``pooled_auroc`` (one ROC over all test pairs, as SynthPert),
    ``auroc_per_pert`` and ``auprc`` (per-gene average precision).

    Parameters
    ----------
    dataset, task : str
        A registered screen (any spelling :func:`pqstats.screens.get_screen` accepts)
        and ``"de"`` / ``"dir"``. For the three-class task (``"effect"``) see
        :func:`score_effect`.
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
    from pqstats.screens import resolve_screen

    dataset = resolve_screen(dataset)
    merged = match_test_pairs(dataset, task, _read_if_path(predictions, ["score"]))
    return evaluate(merged, merged["score"].to_numpy(dtype=float), n_boot=n_boot)


#: The three classes of the effect task, in label order (0, 1, 2).
EFFECT_CLASSES: tuple[str, ...] = ("not DE", "down", "up")


def effect_labels(dataset: str) -> pd.DataFrame:
    """Three-class labels of a screen's DE test pairs: 0 not DE, 1 down, 2 up.

    The DE label comes from the DE table, the direction of each DE pair from the Dir
    table (1 = up). A DE test pair that the Dir table lacks has no class: it is refused
    (``ValueError`` naming it), never guessed.

    Returns
    -------
    pandas.DataFrame
        ``pert, gene, label`` over the DE test pairs, in the DE table's order.
    """
    from pqstats.screens import load_pairs

    de = load_pairs(dataset, "de").query("split == 'test'")[["pert", "gene", "label"]]
    direction = load_pairs(dataset, "dir").query("split == 'test'")[["pert", "gene", "label"]]
    merged = de.merge(direction.rename(columns={"label": "up"}), on=["pert", "gene"],
                      how="left")
    unlabelled = (merged["label"] == 1) & merged["up"].isna()
    if unlabelled.any():
        ex = merged.loc[unlabelled, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise ValueError(
            f"{int(unlabelled.sum())} DE test pairs of {dataset} have no direction in its Dir "
            f"table, e.g. {ex}: the effect task needs a direction for every DE pair (re-import "
            "the screen with its Dir table)")
    label = np.where(merged["label"] == 0, 0, np.where(merged["up"] == 1, 2, 1))
    return merged[["pert", "gene"]].assign(label=label.astype(int))


def effect_classes(p_de: np.ndarray, p_up: np.ndarray) -> np.ndarray:
    """The class rule of the effect task: 0 (not DE) when ``p_de < 0.5``, else 2 (up) when
    ``p_up >= 0.5``, else 1 (down)."""
    p_de, p_up = np.asarray(p_de, dtype=float), np.asarray(p_up, dtype=float)
    return np.where(p_de < 0.5, 0, np.where(p_up >= 0.5, 2, 1))


def effect_metrics(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy and macro-F1 over the three classes (F1 of each class, unweighted mean).

    A class that is neither predicted nor present has F1 0 (as scikit-learn with
    ``zero_division=0``; it is counted in the mean only when present in ``labels``
    or ``predicted``).
    """
    y, p = np.asarray(labels, dtype=int), np.asarray(predicted, dtype=int)
    classes = np.union1d(np.unique(y), np.unique(p))
    f1 = []
    for c in classes:
        tp = float(np.sum((p == c) & (y == c)))
        denom = float(np.sum(p == c) + np.sum(y == c))
        f1.append(2 * tp / denom if denom else 0.0)
    out = {"accuracy": float(np.mean(y == p)), "macro_f1": float(np.mean(f1)),
           "n_pairs": int(len(y))}
    for c, name in enumerate(EFFECT_CLASSES):
        out[f"share_{name.replace(' ', '_').lower()}"] = float(np.mean(y == c))
    return out


def score_effect(dataset: str, predictions: pd.DataFrame | str | Path) -> dict[str, float]:
    """Score three-class predictions (not DE / down / up), the form of AROMA and SynthPert.

    Parameters
    ----------
    dataset : str
        A registered screen with DE and Dir tables.
    predictions : DataFrame or path
        Columns ``pert, gene, p_de, p_up`` (finite numbers), one row per DE test pair.
        The predicted class follows :func:`effect_classes`; the labels
        :func:`effect_labels`.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``n_pairs`` and the share of each true class
        (``share_not_de``, ``share_down``, ``share_up``).
    """
    from pqstats.screens import resolve_screen

    dataset = resolve_screen(dataset)
    cols = ["p_de", "p_up"]
    merged = match_test_pairs(dataset, "de", _read_if_path(predictions, cols), cols)
    labels = effect_labels(dataset)
    merged = merged.drop(columns="label").merge(labels, on=["pert", "gene"], how="left")
    predicted = effect_classes(merged["p_de"].to_numpy(), merged["p_up"].to_numpy())
    return effect_metrics(merged["label"].to_numpy(), predicted)


# --- paired comparison of two models on the same test pairs --------------------------------
def compare_per_gene(auroc_a: pd.Series, auroc_b: pd.Series, n_boot: int = 1000,
                     confidence: float = 0.95, random_state: int = 0) -> dict[str, float]:
    """Paired comparison of two per-gene AUROC series over the same genes.

    ``delta`` is mean(A) − mean(B). The paired bootstrap resamples genes (the same genes
    for A and B) and gives the percentile interval ``ci_low, ci_high`` of the delta and the
    two-sided ``bootstrap_p = min(1, 2 min(P*(δ ≤ 0), P*(δ ≥ 0)))`` over the resamples.
    ``wilcoxon_p`` is :func:`scipy.stats.wilcoxon` (two-sided, zero differences dropped)
    on the per-gene values; 1.0 when every difference is zero.
    """
    from scipy.stats import wilcoxon

    if not auroc_a.index.equals(auroc_b.index):
        raise ValueError("the two per-gene AUROC series cover different genes: compare "
                         "scores of the same test pairs")
    n_boot = check_int(n_boot, "n_boot")
    confidence = check_fraction(confidence, "confidence")
    diff = auroc_a.to_numpy(dtype=float) - auroc_b.to_numpy(dtype=float)
    rng = np.random.default_rng(random_state)
    boot = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    p_boot = min(1.0, 2 * min(float(np.mean(boot <= 0)), float(np.mean(boot >= 0))))
    p_wil = 1.0 if not np.any(diff != 0) else float(wilcoxon(auroc_a.to_numpy(dtype=float),
                                                             auroc_b.to_numpy(dtype=float)
                                                             ).pvalue)
    return {"auroc_a": float(auroc_a.mean()), "auroc_b": float(auroc_b.mean()),
            "delta": float(diff.mean()), "ci_low": float(low), "ci_high": float(high),
            "bootstrap_p": p_boot, "wilcoxon_p": p_wil, "n_genes": int(len(diff))}


def compare_scores(
    dataset: str, task: str, scores_a: pd.DataFrame | str | Path,
    scores_b: pd.DataFrame | str | Path, n_boot: int = 1000, random_state: int = 0,
) -> dict[str, float]:
    """Is model A better than model B on the same test pairs?

    Both score tables pass the checks of :func:`score_predictions` (columns
    ``pert, gene, score``, exactly one row per test pair). Per-gene AUROCs of both are
    compared by :func:`compare_per_gene`.

    Returns
    -------
    dict
        ``auroc_a``, ``auroc_b``, ``delta`` (A − B), ``ci_low``, ``ci_high`` (paired
        bootstrap over genes), ``bootstrap_p``, ``wilcoxon_p``, ``n_genes``.
    """
    from pqstats.screens import resolve_screen

    dataset = resolve_screen(dataset)
    per_gene = []
    for scores in (scores_a, scores_b):
        merged = match_test_pairs(dataset, task, _read_if_path(scores, ["score"]))
        per_gene.append(auroc_by_group(merged, merged["score"].to_numpy(), by="gene"))
    return compare_per_gene(*per_gene, n_boot=n_boot, random_state=random_state)


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
        n_pairs``) and the out-of-fold scores, aligned with ``pairs``. Score the
        out-of-fold scores fold by fold, as the table does: one per-gene AUROC over all
        of them mixes the folds' models, and each model learnt its genes' base rates
        from the other folds, whose labels lean the opposite way to the held-out ones
        (a gene's positives are split between the folds), which drags it down.

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
