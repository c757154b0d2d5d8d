"""The knockdown's view: which genes respond to *this* knockdown, named as cell-eval names it.

The benchmark's metric ranks the knockdowns of one gene; a scientist at the bench asks
the transposed question. These metrics group the scored pairs by knockdown (``pert``)
and carry the names of the field's evaluation toolkit, cell-eval (Arc Institute), adapted
to PerturbQA's binary labels (a gene is DE or not; there is no fold change to rank the
true DE genes by):

``roc_auc``, ``pr_auc``
    ROC-AUC and average precision over one knockdown's scored genes
    (:func:`sklearn.metrics.roc_auc_score`, :func:`sklearn.metrics.average_precision_score`;
    knockdowns whose pairs are all one class are left out, NaN).
``precision_at_k``
    Of the ``k' = min(k, n)`` top-scored genes of the knockdown (``n`` scored genes), the
    share that are truly DE: :math:`|T \\cap P_{k'}| / k'`. cell-eval's denominator is
    ``min(k, number of predicted DE genes)``; every scored gene is a prediction here.
``overlap_at_N``
    Of the knockdown's true DE genes ``T``, the share found among the ``N' = min(N, |T|)``
    top-scored genes: :math:`|T \\cap P_{N'}| / N'` (cell-eval's
    ``intersection / k_real``; with binary labels the whole of ``T`` stands for its top
    ``N`` by fold change). A knockdown without a true DE gene scores 0, as in cell-eval.
``de_direction_match``
    On the knockdown's true DE genes, the share whose predicted direction (P(up | DE) at
    least 0.5 = up) matches the true one (cell-eval: sign of the fold change).
``de_spearman_sig``
    Across knockdowns, the Spearman correlation between the predicted number of DE genes
    (the sum of P(DE) over the knockdown's scored genes: the expected count when the
    probabilities are calibrated) and the true number (cell-eval counts genes below an
    FDR in each table). In a PerturbQA table the number of pairs sampled for a knockdown
    grows with its number of DE genes, so this correlation rewards the sampling as well as
    the model; ``per="rate"`` compares mean P(DE) with the DE fraction instead.

**Sampling-corrected probability.** PerturbQA samples each knockdown's pairs: at most 20
DE genes and about six non-DE genes per DE gene. A probability fitted on those pairs is
the chance that a *sampled* pair is DE, not the chance that the gene changes in the cell.
With inclusion rates :math:`\\pi^+` (DE genes) and :math:`\\pi^-` (others), Bayes' rule
gives

.. math:: \\frac{p_\\text{cell}}{1 - p_\\text{cell}} = \\frac{q}{1 - q} \\cdot
          \\frac{\\pi^-}{\\pi^+},

where :math:`q` is P(DE) among the sampled pairs. :func:`estimate_sampling` estimates
:math:`\\pi^-/\\pi^+` from the training split (knockdowns below the cap of 20 kept every
DE gene, :math:`\\pi^+ = 1`, and :math:`\\pi^- = n^- / (N - n^+)` over the ``N`` measured
genes); :func:`cell_probability` applies it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from pqstats._checks import check_int

__all__ = ["TOP_K", "knockdown_metrics", "direction_match", "de_spearman_sig",
           "knockdown_summary", "estimate_sampling", "cell_probability",
           "score_by_knockdown"]

#: The ``k`` and ``N`` of ``precision_at_k`` and ``overlap_at_N``.
TOP_K: tuple[int, ...] = (10, 20, 50)


def _scored(pairs: pd.DataFrame, scores, what: str = "scores") -> pd.DataFrame:
    if not isinstance(pairs, pd.DataFrame) or not {"pert", "gene", "label"} <= set(pairs):
        raise ValueError("pairs must be a DataFrame with columns pert, gene and label "
                         "(the scored test pairs)")
    s = np.asarray(scores, dtype=float)
    if s.ndim == 2 and s.shape[1] == 2:
        s = s[:, 1]
    if s.shape != (len(pairs),):
        raise ValueError(f"got {s.shape} {what} for {len(pairs)} pairs (one per pair)")
    if not np.isfinite(s).all():
        raise ValueError(f"{int((~np.isfinite(s)).sum())} {what} are not finite numbers")
    y = pd.to_numeric(pairs["label"], errors="coerce").to_numpy()
    if not np.isin(y, [0, 1]).all():
        raise ValueError("labels must be 0 or 1; "
                         f"{int((~np.isin(y, [0, 1])).sum())} are not")
    if pairs.duplicated(["pert", "gene"]).any():
        raise ValueError(f"{int(pairs.duplicated(['pert', 'gene']).sum())} (pert, gene) pairs "
                         "occur more than once; score each pair once")
    return pd.DataFrame({"pert": pairs["pert"].astype(str).to_numpy(),
                         "gene": pairs["gene"].astype(str).to_numpy(),
                         "label": y.astype(int), "score": s})


def _one_knockdown(block: pd.DataFrame, ks: Sequence[int]) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, s = block["label"].to_numpy(), block["score"].to_numpy()
    n_true = int(y.sum())
    both = 0 < n_true < len(y)
    row = {"n_genes": len(y), "n_true_de": n_true,
           "n_predicted_de": float(s.sum()),
           "roc_auc": float(roc_auc_score(y, s)) if both else np.nan,
           "pr_auc": float(average_precision_score(y, s)) if both else np.nan}
    # top-scored genes first; ties broken by gene name so the result is deterministic
    order = np.lexsort((block["gene"].to_numpy(), -s))
    hits = np.cumsum(y[order])
    for k in ks:
        k_pred = min(k, len(y))
        row[f"precision_at_{k}"] = float(hits[k_pred - 1] / k_pred)
    for k in ks:
        k_real = min(k, n_true)
        row[f"overlap_at_{k}"] = float(hits[k_real - 1] / k_real) if k_real else 0.0
    return row


def knockdown_metrics(pairs: pd.DataFrame, scores, ks: Sequence[int] = TOP_K
                      ) -> pd.DataFrame:
    """Per-knockdown DE metrics (cell-eval names) of scored DE pairs.

    Parameters
    ----------
    pairs : DataFrame
        Columns ``pert``, ``gene``, ``label`` (1 = DE); each pair once.
    scores : array-like of shape (n_pairs,) or (n_pairs, 2)
        P(DE) (or any score; ``n_predicted_de`` is only a count for probabilities).
    ks : sequence of int
        The ``k`` of ``precision_at_k`` and ``N`` of ``overlap_at_N``.

    Returns
    -------
    pandas.DataFrame
        One row per knockdown (index ``pert``, sorted): ``n_genes``, ``n_true_de``,
        ``n_predicted_de`` (sum of scores), ``roc_auc``, ``pr_auc``,
        ``precision_at_<k>`` and ``overlap_at_<N>``.
    """
    ks = [check_int(k, "k", minimum=1) for k in ks]
    table = _scored(pairs, scores)
    rows = {pert: _one_knockdown(block, ks) for pert, block in table.groupby("pert", sort=True)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "pert"
    return out


def direction_match(dir_pairs: pd.DataFrame, p_up) -> pd.Series:
    """``de_direction_match`` per knockdown: share of its true DE genes whose predicted
    direction (``p_up >= 0.5`` = up) is the true one.

    Parameters
    ----------
    dir_pairs : DataFrame
        The Dir pairs (true DE genes): ``pert``, ``gene``, ``label`` (1 = up).
    p_up : array-like
        P(up | DE) of each pair.
    """
    table = _scored(dir_pairs, p_up, "P(up) values")
    match = (table["score"] >= 0.5).astype(int) == table["label"]
    out = match.groupby(table["pert"], sort=True).mean().astype(float)
    out.index.name, out.name = "pert", "de_direction_match"
    return out


def de_spearman_sig(per_knockdown: pd.DataFrame, per: str = "count") -> float:
    """Spearman correlation across knockdowns between predicted and true DE numbers.

    Parameters
    ----------
    per_knockdown : DataFrame
        The result of :func:`knockdown_metrics`.
    per : {"count", "rate"}
        ``"count"`` (cell-eval's): predicted count (sum of P(DE)) against the number of
        true DE genes; ``"rate"``: mean P(DE) against the DE fraction of the scored genes,
        free of how many pairs each knockdown has.

    Returns
    -------
    float
        NaN with fewer than two knockdowns or a constant side.
    """
    if per not in ("count", "rate"):
        raise ValueError(f"per must be 'count' or 'rate', got {per!r}")
    pred, true = per_knockdown["n_predicted_de"], per_knockdown["n_true_de"]
    if per == "rate":
        pred, true = pred / per_knockdown["n_genes"], true / per_knockdown["n_genes"]
    if len(pred) < 2 or pred.nunique() < 2 or true.nunique() < 2:
        return float("nan")
    return float(spearmanr(pred, true).statistic)


def knockdown_summary(pairs: pd.DataFrame, p_de, dir_pairs: pd.DataFrame | None = None,
                      p_up=None, ks: Sequence[int] = TOP_K) -> dict[str, float]:
    """Means over knockdowns of :func:`knockdown_metrics` (and
    :func:`direction_match`), plus ``de_spearman_sig`` and ``de_spearman_sig_rate``.

    Returns
    -------
    dict
        Metric name (cell-eval's) → value; ``roc_auc`` and ``pr_auc`` average the
        knockdowns with both classes, as the benchmark's per-gene mean does.
    """
    per = knockdown_metrics(pairs, p_de, ks)
    cols = ["roc_auc", "pr_auc"] + [f"precision_at_{k}" for k in ks] + [
        f"overlap_at_{k}" for k in ks]
    out = {c: float(per[c].mean()) for c in cols}
    if dir_pairs is not None:
        if p_up is None:
            raise ValueError("dir_pairs needs p_up (P(up | DE) of each Dir pair)")
        out["de_direction_match"] = float(direction_match(dir_pairs, p_up).mean())
    out["de_spearman_sig"] = de_spearman_sig(per, "count")
    out["de_spearman_sig_rate"] = de_spearman_sig(per, "rate")
    return out


def estimate_sampling(train_pairs: pd.DataFrame, n_measured: int | None = None,
                      cap: int = 20) -> dict[str, float]:
    """How a PerturbQA-style table sampled its pairs, estimated from training pairs.

    Parameters
    ----------
    train_pairs : DataFrame
        Training DE pairs (``pert``, ``gene``, ``label``).
    n_measured : int, optional
        Genes measured in the screen (the universe the pairs were drawn from). Default:
        the distinct genes of ``train_pairs``, a lower bound (then the correction is too
        mild).
    cap : int
        The most DE genes sampled per knockdown (20 in PerturbQA).

    Returns
    -------
    dict
        ``n_measured``; ``negatives_per_positive`` (median over knockdowns);
        ``capped_share`` (knockdowns at the cap, whose DE genes were not all kept);
        ``negative_rate`` (median :math:`\\pi^-` over the uncapped knockdowns) and
        ``factor`` = :math:`\\pi^-/\\pi^+` (with :math:`\\pi^+ = 1` below the cap), the
        odds factor of :func:`cell_probability`. For a knockdown at the cap the true
        :math:`\\pi^+` is smaller, so the corrected probability is then a lower bound.
    """
    table = _scored(train_pairs, np.zeros(len(train_pairs)))
    n = int(n_measured) if n_measured is not None else table["gene"].nunique()
    counts = table.groupby("pert")["label"].agg(["sum", "count"])
    pos, neg = counts["sum"], counts["count"] - counts["sum"]
    uncapped = (pos < cap) & (pos > 0)
    if not uncapped.any():
        raise ValueError("no knockdown below the cap with a DE gene: the sampling rate "
                         "cannot be estimated from these pairs")
    rate = (neg[uncapped] / (n - pos[uncapped])).clip(upper=1.0)
    return {"n_measured": n,
            "negatives_per_positive": float((neg[pos > 0] / pos[pos > 0]).median()),
            "capped_share": float((pos >= cap).mean()),
            "negative_rate": float(rate.median()), "factor": float(rate.median())}


def cell_probability(p_sampled, factor: float) -> np.ndarray:
    """Sampling-corrected chance that the gene changes in the cell.

    :math:`p_\\text{cell} = \\frac{q f}{q f + (1 - q)}` with :math:`q` the probability
    among sampled pairs and :math:`f = \\pi^-/\\pi^+` (:func:`estimate_sampling`), i.e. the
    odds multiplied by ``f``.
    """
    q = np.asarray(p_sampled, dtype=float)
    if not (np.isfinite(q).all() and ((q >= 0) & (q <= 1)).all()):
        raise ValueError("p_sampled must be probabilities in [0, 1]")
    if not (np.isfinite(factor) and 0 < factor <= 1):
        raise ValueError(f"factor must be in (0, 1] (pi- / pi+), got {factor!r}")
    return q * factor / (q * factor + (1 - q))


def score_by_knockdown(dataset: str, task: str, predictions) -> dict[str, float]:
    """Score a predictions table on a screen's test split from the knockdown's side.

    Parameters
    ----------
    dataset : str
        A registered screen.
    task : {"de", "dir"}
        ``"de"``: ``score`` is P(DE); the result is :func:`knockdown_summary` (``roc_auc``,
        ``pr_auc``, ``precision_at_k``, ``overlap_at_N``, ``de_spearman_sig``).
        ``"dir"``: ``score`` is P(up | DE) on the true DE pairs; ``de_direction_match``
        and the per-knockdown ``roc_auc`` / ``pr_auc`` of up against down.
    predictions : DataFrame or path
        Columns ``pert, gene, score``, one row per test pair (as ``pqstats score``).

    Returns
    -------
    dict
        Metric name (cell-eval's) → mean over knockdowns; ``n_knockdowns``.
    """
    from pqstats.evaluation import _read_if_path, match_test_pairs
    from pqstats.screens import resolve_screen

    if task not in ("de", "dir"):
        raise ValueError(f"the knockdown's view scores task 'de' or 'dir', got {task!r}")
    dataset = resolve_screen(dataset)
    merged = match_test_pairs(dataset, task, _read_if_path(predictions, ["score"]))
    s = merged["score"].to_numpy(dtype=float)
    if task == "de":
        out = knockdown_summary(merged, s)
    else:
        per = knockdown_metrics(merged, s, ks=())
        out = {"de_direction_match": float(direction_match(merged, s).mean()),
               "roc_auc": float(per["roc_auc"].mean()), "pr_auc": float(per["pr_auc"].mean())}
    out["n_knockdowns"] = int(merged["pert"].nunique())
    return out
