"""The classifier of the ``logistic`` model, in one place for every layer that fits it.

:func:`standardised_logistic` unfitted, and :func:`within_group_logistic`, its weights
fitted within groups (the zero-shot DE model's, :func:`pqstats.features.zero_shot.
zero_shot_logistic`).
"""

from __future__ import annotations


def standardised_logistic(C: float):
    """Standardise each feature, then an L2 logistic regression (lbfgs, deterministic).

    The classifier of :class:`pqstats.models.LogisticModel` on every track, of
    :class:`pqstats.features.zero_shot.ZeroShotLogit`, and of the selection scripts that
    choose their inputs.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength.

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``StandardScaler`` then ``LogisticRegression(C=C, max_iter=2000)``, unfitted.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))


def within_group_logistic(C: float, X, y, groups):
    """:func:`standardised_logistic`, its weights fitted within groups, fitted.

    The weights are fitted on ``X`` centred within each group (the per-gene AUROC ranks the
    knockdowns of one gene, so only what varies within a gene can move it); the intercept
    is then refitted on the raw ``X``, so that the mean probability of the training rows is
    their positive rate. Scores on raw features rank the rows of a group as scores on
    centred ones would (a per-group shift moves no rank within the group).

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength.
    X : array-like of shape (n_rows, n_features)
    y : array-like of shape (n_rows,)
        Binary labels.
    groups : array-like of shape (n_rows,)
        The group of each row (e.g. source screen and gene).

    Returns
    -------
    sklearn.pipeline.Pipeline
        The fitted pipeline of :func:`standardised_logistic` (its ``intercept_`` refitted).
    """
    import numpy as np
    import pandas as pd
    from scipy.optimize import brentq
    from scipy.special import expit

    frame = pd.DataFrame(np.asarray(X, dtype=np.float64))
    y = np.asarray(y)
    if len(frame) != len(y) or len(frame) != len(groups):
        raise ValueError(f"X, y and groups must have one entry per row; got {len(frame)}, "
                         f"{len(y)} and {len(groups)}")
    centred = (frame - frame.groupby(np.asarray(groups)).transform("mean")).to_numpy()
    pipeline = standardised_logistic(C).fit(centred.astype(np.float32), y)
    raw = pipeline.decision_function(frame.to_numpy(np.float32)).astype(np.float64)
    rate = float(np.mean(y == pipeline.classes_[1]))
    offset = brentq(lambda b: expit(raw + b).mean() - rate, -60.0, 60.0, xtol=1e-10)
    pipeline[-1].intercept_ = pipeline[-1].intercept_ + offset
    return pipeline
