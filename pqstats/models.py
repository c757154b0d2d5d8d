"""Models with one calling convention, and the registry that names them.

Every model is a scikit-learn classifier over *pairs*: ``X`` is a DataFrame with (at
least) the columns ``pert`` and ``gene``, ``y`` the 0/1 labels.

* ``fit(pairs, y)`` validates, learns attributes with a trailing underscore, returns
  ``self``;
* ``predict_proba(pairs)`` returns an ``(n, 2)`` array; ``score_pairs(pairs)`` the
  positive-class column.

A model may declare ``dataset`` and ``track`` parameters; the benchmark harness sets
them (via ``set_params``) so that transfer-track models know which screen they are on.

**Leakage invariant.** A pair's score must not depend on which other pairs are scored
with it (no transductive features): ``score_pairs(test)[i] == score_pairs(test[i:i+1])``.
The test suite checks this for every registered model.

Use :func:`get` to build a registered model by name and :func:`available` to list them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "PairClassifier",
    "PriorModel",
    "RandomModel",
    "GeneFrequencyModel",
    "register",
    "get",
    "available",
    "check_pairs",
]


def check_pairs(pairs: pd.DataFrame, y=None) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Validate a pair table (and labels): columns ``pert``, ``gene``; labels 0/1."""
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(
            f"models take a DataFrame with columns 'pert' and 'gene', got {type(pairs).__name__}"
        )
    missing = {"pert", "gene"} - set(pairs.columns)
    if missing:
        raise ValueError(f"pairs are missing column(s) {sorted(missing)}")
    if y is None:
        return pairs, None
    y_arr = np.asarray(y)
    if y_arr.shape != (len(pairs),):
        raise ValueError(f"got {y_arr.shape} labels for {len(pairs)} pairs")
    if not np.isin(y_arr, [0, 1]).all():
        raise ValueError("labels must be 0 or 1")
    return pairs, y_arr.astype(int)


class PairClassifier(ClassifierMixin, BaseEstimator):
    """Base class: subclasses implement ``_fit(pairs, y)`` and ``_score(pairs)``."""

    def fit(self, pairs: pd.DataFrame, y) -> PairClassifier:
        """Fit on training pairs and their 0/1 labels; returns ``self``."""
        pairs, y_arr = check_pairs(pairs, y)
        self.classes_ = np.array([0, 1])
        self._fit(pairs, y_arr)
        self.n_train_pairs_ = len(pairs)
        return self

    def score_pairs(self, pairs: pd.DataFrame) -> np.ndarray:
        """Probability-like score of the positive class for each pair."""
        check_is_fitted(self, "n_train_pairs_")
        pairs, _ = check_pairs(pairs)
        return np.asarray(self._score(pairs), dtype=float)

    def predict_proba(self, pairs: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape ``(n_pairs, 2)``."""
        p = self.score_pairs(pairs)
        return np.column_stack([1 - p, p])

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """Hard 0/1 calls at probability 0.5."""
        return (self.score_pairs(pairs) >= 0.5).astype(int)

    def _fit(self, pairs: pd.DataFrame, y: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    def _score(self, pairs: pd.DataFrame) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class _Entry:
    name: str
    factory: Callable[..., PairClassifier]
    description: str


_REGISTRY: dict[str, _Entry] = {}


def register(name: str, description: str):
    """Class decorator adding a model to the registry under ``name``."""

    def deco(cls):
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is already registered")
        _REGISTRY[name] = _Entry(name, cls, description)
        return cls

    return deco


def get(name: str, **params) -> PairClassifier:
    """Build the registered model ``name`` with ``params``."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(_REGISTRY)}")
    return _REGISTRY[name].factory(**params)


def available() -> dict[str, str]:
    """Registered models: name → one-line description."""
    return {name: entry.description for name, entry in _REGISTRY.items()}


@register("prior", "constant score: the training positive rate (per-gene AUROC = 0.5)")
class PriorModel(PairClassifier):
    """Score every pair with the training share of positives."""

    def _fit(self, pairs, y):
        self.prior_ = float(y.mean()) if len(y) else 0.5

    def _score(self, pairs):
        return np.full(len(pairs), self.prior_)


@register("random", "uniform random scores, a fixed function of (seed, pert, gene)")
class RandomModel(PairClassifier):
    """Random scores that are reproducible per pair.

    Each score is a hash of ``(random_state, pert, gene)`` mapped to [0, 1), so a pair
    gets the same score whatever else is scored with it (no order dependence).

    Parameters
    ----------
    random_state : int
        Seed; different seeds give independent scores.
    """

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def _fit(self, pairs, y):
        pass

    def _score(self, pairs):
        key = f"{int(self.random_state):016d}"[-16:]
        h = pd.util.hash_pandas_object(pairs[["pert", "gene"]], index=False, hash_key=key)
        return (h.to_numpy(dtype=np.uint64) >> np.uint64(11)) / float(2**53)


@register("gene_frequency", "a gene's training positive rate (constant per gene: AUROC 0.5)")
class GeneFrequencyModel(PairClassifier):
    """Score a pair by its gene's positive rate in training (global rate if unseen).

    Parameters
    ----------
    smoothing : float
        Pseudo-count pulling rare genes towards the global rate.
    """

    def __init__(self, smoothing: float = 1.0):
        self.smoothing = smoothing

    def _fit(self, pairs, y):
        self.prior_ = float(y.mean()) if len(y) else 0.5
        stats = pd.DataFrame({"gene": pairs["gene"].to_numpy(), "y": y}).groupby("gene")["y"]
        s = float(self.smoothing)
        self.gene_rate_ = (stats.sum() + s * self.prior_) / (stats.count() + s)

    def _score(self, pairs):
        return pairs["gene"].map(self.gene_rate_).fillna(self.prior_).to_numpy(dtype=float)
