"""The classifier of the ``logistic`` model, in one place for every layer that fits it."""

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
