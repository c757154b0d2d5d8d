"""Does a printed probability mean what it says? Brier score, ECE and reliability data.

Three views of calibration of probabilities :math:`p_i` against 0/1 labels :math:`y_i`:

* :func:`brier_score`, the mean squared error
  :math:`\\mathrm{BS} = \\frac1n \\sum_i (p_i - y_i)^2` (equal to
  :func:`sklearn.metrics.brier_score_loss`);
* :func:`expected_calibration_error` with **equal-mass bins**: sort the pairs by
  :math:`p` (ties in input order), cut them into :math:`B` bins of as equal size as
  possible (``numpy.array_split``: the first ``n mod B`` bins get one more pair), and take
  :math:`\\mathrm{ECE} = \\sum_b \\frac{n_b}{n} \\left| \\bar y_b - \\bar p_b \\right|`,
  the gap between the observed rate and the mean probability in each bin, weighted by
  its size (15 bins by default, as in the issue that asked for it);
* :func:`reliability_table`, the per-bin numbers behind the ECE, the data of a
  reliability diagram (observed rate against mean probability; the diagonal is perfect
  calibration). Figures are drawn by the report, not here.

The probabilities of the models come calibrated from
:class:`pqstats.models.CalibratedModel` (fitted on training data only); these functions
measure them on test pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqstats._checks import check_int

__all__ = ["ECE_BINS", "brier_score", "expected_calibration_error", "reliability_table",
           "calibration_summary"]

#: Bins of :func:`expected_calibration_error` and :func:`reliability_table` by default.
ECE_BINS = 15


def _check(y_true, y_prob) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    p = np.asarray(y_prob, dtype=float)
    if p.ndim == 2 and p.shape[1] == 2:
        p = p[:, 1]
    if y.ndim != 1 or p.shape != y.shape:
        raise ValueError(f"labels and probabilities must be 1-d of one length; got {y.shape} "
                         f"and {p.shape} (pass predict_proba(...)[:, 1] or score_pairs)")
    if len(y) == 0:
        raise ValueError("no pairs to measure calibration on (got empty arrays)")
    if not np.isin(y, [0, 1]).all():
        raise ValueError("labels must be 0 or 1 (True/False accepted); "
                         f"{int((~np.isin(y, [0, 1])).sum())} are not")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise ValueError("probabilities must be finite numbers in [0, 1]; "
                         f"{int((~(np.isfinite(p) & (p >= 0) & (p <= 1))).sum())} are not "
                         "(calibrate the scores first: models.get_for(..., calibrate=True))")
    return y.astype(float), p


def brier_score(y_true, y_prob) -> float:
    """Mean squared error of probabilities against 0/1 labels (lower is better).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        0/1 labels.
    y_prob : array-like of shape (n,) or (n, 2)
        Probabilities of the positive class (a ``predict_proba`` array is accepted).

    Returns
    -------
    float
        :math:`\\frac1n \\sum_i (p_i - y_i)^2`, as :func:`sklearn.metrics.brier_score_loss`.
    """
    y, p = _check(y_true, y_prob)
    return float(np.mean((p - y) ** 2))


def _bins(p: np.ndarray, n_bins: int) -> list[np.ndarray]:
    n_bins = check_int(n_bins, "n_bins", minimum=1)
    order = np.argsort(p, kind="stable")
    return [b for b in np.array_split(order, min(n_bins, len(p))) if len(b)]


def reliability_table(y_true, y_prob, n_bins: int = ECE_BINS) -> pd.DataFrame:
    """The data of a reliability diagram, with equal-mass bins.

    Parameters
    ----------
    y_true, y_prob : array-like
        As :func:`brier_score`.
    n_bins : int
        Number of bins (fewer when there are fewer pairs).

    Returns
    -------
    pandas.DataFrame
        One row per bin, in order of probability: ``bin``, ``n``, ``p_low`` and
        ``p_high`` (the bin's smallest and largest probability), ``mean_predicted``,
        ``observed_rate`` and ``gap`` (``observed_rate - mean_predicted``).
    """
    y, p = _check(y_true, y_prob)
    rows = []
    for i, idx in enumerate(_bins(p, n_bins)):
        rows.append({"bin": i, "n": len(idx), "p_low": float(p[idx].min()),
                     "p_high": float(p[idx].max()), "mean_predicted": float(p[idx].mean()),
                     "observed_rate": float(y[idx].mean())})
    out = pd.DataFrame(rows)
    out["gap"] = out["observed_rate"] - out["mean_predicted"]
    return out


def expected_calibration_error(y_true, y_prob, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error over equal-mass bins (lower is better; 0 is perfect).

    :math:`\\mathrm{ECE} = \\sum_b \\frac{n_b}{n} | \\bar y_b - \\bar p_b |` over the
    bins of :func:`reliability_table` (pairs sorted by probability, cut into ``n_bins``
    bins of as equal size as possible).

    Parameters
    ----------
    y_true, y_prob : array-like
        As :func:`brier_score`.
    n_bins : int
        Number of bins (15 by default).
    """
    table = reliability_table(y_true, y_prob, n_bins)
    return float((table["n"] * table["gap"].abs()).sum() / table["n"].sum())


def calibration_summary(y_true, y_prob, n_bins: int = ECE_BINS) -> dict[str, float]:
    """Brier score, ECE, mean probability and observed rate in one dict (for a table row).

    Returns
    -------
    dict
        ``brier``, ``ece``, ``mean_predicted``, ``observed_rate``.
    """
    y, p = _check(y_true, y_prob)
    return {"brier": brier_score(y, p), "ece": expected_calibration_error(y, p, n_bins),
            "mean_predicted": float(p.mean()), "observed_rate": float(y.mean())}
