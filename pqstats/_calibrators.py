"""Maps from a model's score to a calibrated probability, the map chosen by grouped CV.

:class:`ScoreCalibrator` learns, from out-of-fold scores of *training* pairs and their
labels, one of three maps and picks the one with the lowest grouped cross-validated Brier
score:

* ``"none"``: the score as it is (clipped to [0, 1]);
* ``"sigmoid"``: Platt scaling, :math:`m(s) = 1 / (1 + e^{-(a\\,\\mathrm{logit}(s) + b)})`
  with :math:`a > 0` (a fit with :math:`a \\le 0` would reverse the ranking and is refused);
* ``"isotonic"``: :math:`m(s)` the isotonic regression of the label on the score.

Both are then mixed with a vanishing strictly increasing term,
:math:`p = (1 - \\varepsilon)\\, m(s) + \\varepsilon\\, (\\tfrac12 + \\arctan(s) / \\pi)`
with :math:`\\varepsilon = 10^{-4}`, so that the flat steps of the isotonic fit (or the
clipped logit) do not tie pairs that the score tells apart.

Every map is strictly increasing, so a calibrated score ranks pairs exactly as the raw
score does and the per-gene (or per-knockdown) AUROC does not change; only what a printed
probability means does. The groups are the training perturbations (strict and transfer
tracks) or the source screens (zero-shot track: each source line held out in turn).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["CALIBRATION_METHODS", "ScoreCalibrator"]

#: The maps :class:`ScoreCalibrator` chooses from (``"auto"`` picks one by grouped CV).
CALIBRATION_METHODS: tuple[str, ...] = ("none", "sigmoid", "isotonic")
_EPS_TIE = 1e-4
_CLIP = 1e-6


def _logit(s: np.ndarray) -> np.ndarray:
    p = np.clip(s, _CLIP, 1 - _CLIP)
    return np.log(p / (1 - p))


def _untie(p, x):
    """``p`` plus a vanishing strictly increasing function of the raw score ``x``: pairs
    that a flat step of the map (or the clipped logit) would tie keep their order."""
    return (1 - _EPS_TIE) * p + _EPS_TIE * (0.5 + np.arctan(x) / np.pi)


class _Identity:
    def __call__(self, x):
        return np.clip(x, 0.0, 1.0)


class _Sigmoid:
    def __init__(self, a: float, b: float):
        self.a, self.b = a, b

    def __call__(self, x):
        return _untie(1.0 / (1.0 + np.exp(-(self.a * _logit(x) + self.b))), x)


class _Isotonic:
    def __init__(self, iso):
        self.iso = iso

    def __call__(self, x):
        return _untie(self.iso.predict(x), x)


def _fit_map(method: str, s: np.ndarray, y: np.ndarray):
    """One fitted map (a picklable callable), or None where the method cannot fit."""
    if method == "none":
        return _Identity()
    if len(np.unique(y)) < 2:
        return None
    if method == "sigmoid":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(s)[:, None], y)
        a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        return _Sigmoid(a, b) if a > 0 else None
    from sklearn.isotonic import IsotonicRegression

    return _Isotonic(IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y))


class ScoreCalibrator(BaseEstimator):
    """A strictly increasing map from score to probability, chosen by grouped CV.

    Parameters
    ----------
    method : {"auto", "none", "sigmoid", "isotonic"}
        ``"auto"`` (default) chooses the method with the lowest out-of-fold Brier score
        over ``groups`` (ties go to the simpler method, in the order of
        :data:`CALIBRATION_METHODS`).
    folds : int
        Folds of the grouped CV that chooses the method (at most the number of groups).
    random_state : int
        Seed of the assignment of groups to folds.

    Attributes
    ----------
    method_ : str
        The method in use.
    cv_brier_ : dict
        Out-of-fold Brier score of each candidate method (``"auto"`` only; NaN where a
        method could not be fitted in some fold).
    """

    def __init__(self, method: str = "auto", folds: int = 5, random_state: int = 0):
        self.method = method
        self.folds = folds
        self.random_state = random_state

    def fit(self, scores, y, groups) -> ScoreCalibrator:
        """Learn the map from out-of-fold ``scores`` of training pairs and labels ``y``.

        Parameters
        ----------
        scores : array-like of shape (n,)
            Finite out-of-fold scores of training pairs.
        y : array-like of shape (n,)
            Their 0/1 labels.
        groups : array-like of shape (n,)
            The unit held out together (perturbation, or source screen zero-shot).
        """
        s = np.asarray(scores, dtype=float)
        y = np.asarray(y, dtype=int)
        groups = np.asarray(groups)
        if not (s.shape == y.shape == groups.shape) or s.ndim != 1:
            raise ValueError(f"scores, labels and groups must be 1-d of one length; got "
                             f"{s.shape}, {y.shape} and {groups.shape}")
        if not np.isfinite(s).all():
            raise ValueError(f"{int((~np.isfinite(s)).sum())} scores are not finite numbers; "
                             "calibrate finite out-of-fold scores")
        if self.method not in ("auto", *CALIBRATION_METHODS):
            raise ValueError(f"unknown calibration method {self.method!r}; choose from auto, "
                             f"{', '.join(CALIBRATION_METHODS)}")
        if self.method == "auto":
            self.cv_brier_ = self._cross_validated_brier(s, y, groups)
            finite = {m: b for m, b in self.cv_brier_.items() if np.isfinite(b)}
            self.method_ = min(finite, key=lambda m: (finite[m], CALIBRATION_METHODS.index(m)))
        else:
            self.method_ = self.method
        self.map_ = _fit_map(self.method_, s, y)
        if self.map_ is None:  # one class, or a reversing sigmoid: keep the score
            self.method_, self.map_ = "none", _fit_map("none", s, y)
        return self

    def _cross_validated_brier(self, s, y, groups) -> dict[str, float]:
        from sklearn.model_selection import GroupKFold

        n_groups = len(np.unique(groups))
        if n_groups < 2:
            return {"none": float(np.mean((np.clip(s, 0, 1) - y) ** 2))}
        cv = GroupKFold(n_splits=min(int(self.folds), n_groups), shuffle=True,
                        random_state=self.random_state)
        out = {}
        for method in CALIBRATION_METHODS:
            oof = np.full(len(s), np.nan)
            for fit_idx, held in cv.split(s, y, groups):
                fitted = _fit_map(method, s[fit_idx], y[fit_idx])
                if fitted is None:
                    break
                oof[held] = fitted(s[held])
            out[method] = (float(np.mean((oof - y) ** 2)) if np.isfinite(oof).all()
                           else float("nan"))
        return out

    def transform(self, scores) -> np.ndarray:
        """Calibrated probabilities of ``scores`` (the ranking of the scores is kept)."""
        check_is_fitted(self, "map_")
        return np.asarray(self.map_(np.asarray(scores, dtype=float)), dtype=float)
