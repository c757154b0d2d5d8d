"""Models with one calling convention, and the registry that names them.

Every model is a scikit-learn classifier over *pairs*: ``X`` is a DataFrame with (at
least) the columns ``pert`` and ``gene``, ``y`` the 0/1 labels.

* ``fit(pairs, y)`` validates, learns attributes with a trailing underscore, returns
  ``self``;
* ``predict_proba(pairs)`` returns an ``(n, 2)`` array; ``score_pairs(pairs)`` the
  positive-class column.

A model may declare ``dataset``, ``task`` and ``track`` parameters; the benchmark harness
sets them (via ``set_params``) so that transfer-track models know which screen they are on.

**Zero-shot track.** A model runs on it only when its class says so
(``zero_shot_note is None``; the base class says it cannot, so a new model is skipped until
it opts in). On that track ``fit`` takes *no* pair of the target screen (an empty table):
the model learns from other screens' training splits only
(:class:`~pqstats.features.zero_shot.ZeroShotFeaturizer`), and is refused a labelled table,
so no label of the target can reach it.

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
    "CalibratedModel",
    "for_cell",
    "PriorModel",
    "RandomModel",
    "GeneFrequencyModel",
    "KernelRidgeModel",
    "XGBOOST_DIR_SETTINGS",
    "XGBOOST_SETTINGS",
    "ZERO_SHOT",
    "zero_shot_note",
    "register",
    "get",
    "get_for",
    "available",
    "check_pairs",
    "check_training_pairs",
]


def check_training_pairs(pairs: pd.DataFrame, what: str = "fitting") -> None:
    """Refuse a table that still holds test rows (``split == "test"``) where models learn.

    Test labels reach only the scorer: fitting, cross-validation, grid search and
    simulated screens take training pairs. A table without a ``split`` column is taken
    as training pairs.

    Raises
    ------
    ValueError
        Naming how many test rows there are and how to filter them out.
    """
    if isinstance(pairs, pd.DataFrame) and "split" in pairs.columns:
        n_test = int((pairs["split"].astype(str).str.strip().str.lower() == "test").sum())
        if n_test:
            raise ValueError(
                f"{what} got {n_test} test rows (split == 'test') among {len(pairs)} pairs: "
                "test labels reach only the scorer; pass the training pairs, "
                "pairs[pairs['split'] == 'train']")


def check_pairs(pairs: pd.DataFrame, y=None) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Validate a pair table (and labels): columns ``pert``, ``gene``; labels 0/1.

    With labels (i.e. for fitting) a ``split`` column must hold no test row
    (:func:`check_training_pairs`).
    """
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(
            f"models take a DataFrame with columns 'pert' and 'gene', got {type(pairs).__name__}"
        )
    missing = {"pert", "gene"} - set(pairs.columns)
    if missing:
        raise ValueError(f"pairs are missing column(s) {sorted(missing)}")
    if y is None:
        return pairs, None
    check_training_pairs(pairs, "fit")
    y_arr = np.asarray(y)
    if y_arr.shape != (len(pairs),):
        raise ValueError(f"got {y_arr.shape} labels for {len(pairs)} pairs")
    bad = ~np.isin(y_arr, [0, 1])
    if bad.any():
        shown = ", ".join(map(repr, pd.unique(pd.Series(y_arr[bad]))[:5].tolist()))
        raise ValueError(f"labels must be 0 or 1 (True/False accepted); {int(bad.sum())} of "
                         f"{len(y_arr)} are not: {shown}")
    return pairs, y_arr.astype(int)


ZERO_SHOT = "zero-shot"


def zero_shot_note(name: str) -> str | None:
    """Why the registered model ``name`` cannot run on the zero-shot track (None: it can)."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(_REGISTRY)}")
    return _REGISTRY[name].factory.zero_shot_note


def _one_blas_thread():
    """Fit and score with one BLAS thread, so that a score does not depend on the thread
    count of the process that computed it: the logistic fit's lbfgs stops at another
    iterate when BLAS sums in another order (HepG2 DE test scores moved by up to 0.045
    between one thread and two, from identical features), and a cached score, a parallel
    worker's (joblib gives each one thread) and a fit in this process must agree."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


class PairClassifier(ClassifierMixin, BaseEstimator):
    """Base class: subclasses implement ``_fit(pairs, y)`` and ``_score(pairs)``.

    ``zero_shot_note`` is None for a model that runs on the zero-shot track, else the
    reason it cannot (shown in the benchmark's note).
    """

    zero_shot_note: str | None = "needs the target screen's own training labels"

    def fit(self, pairs: pd.DataFrame, y) -> PairClassifier:
        """Fit on training pairs and their 0/1 labels; returns ``self``.

        On the zero-shot track (``track="zero-shot"``) ``pairs`` must be empty: the model
        learns from other screens' training splits only.
        """
        pairs, y_arr = check_pairs(pairs, y)
        if getattr(self, "track", None) == ZERO_SHOT:
            if self.zero_shot_note is not None:
                raise ValueError(f"{type(self).__name__} cannot run zero-shot: "
                                 f"{self.zero_shot_note}; use track='strict' or 'transfer'")
            if len(pairs):
                raise ValueError(
                    f"the zero-shot track reads no label of the target screen, but fit got "
                    f"{len(pairs)} labelled pairs: fit with an empty table (pairs.iloc[:0]) "
                    "or use track='transfer'")
        self.classes_ = np.array([0, 1])
        with _one_blas_thread():
            self._fit(pairs, y_arr)
        self.n_train_pairs_ = len(pairs)
        return self

    def score_pairs(self, pairs: pd.DataFrame) -> np.ndarray:
        """Probability-like score of the positive class for each pair."""
        check_is_fitted(self, "n_train_pairs_")
        pairs, _ = check_pairs(pairs)
        with _one_blas_thread():
            return np.asarray(self._score(pairs), dtype=float)

    def predict_proba(self, pairs: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape ``(n_pairs, 2)``."""
        p = self.score_pairs(pairs)
        return np.column_stack([1 - p, p])

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """Hard 0/1 calls at probability 0.5."""
        return (self.score_pairs(pairs) >= 0.5).astype(int)

    def out_of_fold_scores(self, pairs: pd.DataFrame, y, folds: int = 5,
                           random_state: int = 0) -> np.ndarray:
        """Scores of training ``pairs``, each from a fit that did not see its perturbation.

        Grouped K-fold over perturbations: a clone of this (unfitted) model is fitted on
        the other folds and scores the held-out fold. The input of calibration
        (:class:`CalibratedModel`); training pairs only.
        """
        from sklearn.base import clone
        from sklearn.model_selection import GroupKFold

        pairs, y_arr = check_pairs(pairs, y)
        oof = np.full(len(pairs), np.nan)
        perts = pairs["pert"].to_numpy()
        cv = GroupKFold(n_splits=min(int(folds), len(pd.unique(perts))), shuffle=True,
                        random_state=random_state)
        for fit_idx, held in cv.split(pairs, y_arr, perts):
            oof[held] = clone(self).fit(pairs.iloc[fit_idx], y_arr[fit_idx]).score_pairs(
                pairs.iloc[held])
        return oof

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


def get_for(name: str, dataset: str, task: str, track: str = "strict",
            calibrate: bool = False, **params) -> PairClassifier:
    """Build model ``name`` for one benchmark cell.

    Sets whichever of ``dataset`` (a registered screen, resolved by
    :func:`pqstats.screens.resolve_screen`), ``task`` and ``track`` the model declares as
    parameters (the baselines declare none), then ``params``. With ``calibrate`` the
    model comes wrapped in :class:`CalibratedModel` (probabilities calibrated on training
    data only, the method chosen by grouped CV).
    """
    from pqstats.screens import resolve_screen

    return for_cell(get(name, **params), resolve_screen(dataset), task, track, calibrate)


def for_cell(model: PairClassifier, dataset: str, task: str, track: str = "strict",
             calibrate: bool = False) -> PairClassifier:
    """A copy of ``model`` set up for one benchmark cell.

    Sets whichever of ``dataset`` (a registered screen's name, as registered), ``task``
    and ``track`` the model declares as parameters; ``model`` itself is left as it was.
    With ``calibrate`` the copy comes wrapped in :class:`CalibratedModel`.
    """
    from sklearn.base import clone

    model = clone(model)
    context = {k: v for k, v in (("dataset", dataset), ("task", task), ("track", track))
               if k in model.get_params()}
    model = model.set_params(**context) if context else model
    return CalibratedModel(model) if calibrate else model


def available() -> dict[str, str]:
    """Registered models: name → one-line description."""
    return {name: entry.description for name, entry in _REGISTRY.items()}


@register("prior", "constant score: the training positive rate (per-gene AUROC = 0.5)")
class PriorModel(PairClassifier):
    """Score every pair with the training share of positives (0.5 with none)."""

    zero_shot_note = None

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

    zero_shot_note = None

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

    zero_shot_note = ("a gene's rate in the target screen needs its labels (and is "
                      "constant per gene: per-gene AUROC 0.5 anyway)")

    def __init__(self, smoothing: float = 1.0):
        self.smoothing = smoothing

    def _fit(self, pairs, y):
        self.prior_ = float(y.mean()) if len(y) else 0.5
        stats = pd.DataFrame({"gene": pairs["gene"].to_numpy(), "y": y}).groupby("gene")["y"]
        s = float(self.smoothing)
        self.gene_rate_ = (stats.sum() + s * self.prior_) / (stats.count() + s)

    def _score(self, pairs):
        return pairs["gene"].map(self.gene_rate_).fillna(self.prior_).to_numpy(dtype=float)


# --- learned models on knowledge-graph and retrieval features ------------------------
class _FeatureModel(PairClassifier):
    """Shared plumbing: a PairFeaturizer followed by a classifier on its features.

    Zero-shot, the featuriser is a :class:`~pqstats.features.zero_shot.ZeroShotFeaturizer`
    and the classifier learns from other screens' training pairs.
    """

    zero_shot_note = None
    #: whether ``feature_groups=None`` adds the screen's other task on the strict track
    _other_task_on_strict = False

    def _groups(self) -> tuple[str, ...]:
        """The feature groups this fit uses: ``feature_groups``, or with None the default
        for the cell (``retrieval, ridge, graph``, with the screen's other task --
        ``de_outcomes`` on Dir, ``dir_outcomes`` on DE -- on the strict track where the
        model's grouped CV chose it)."""
        from pqstats.features.pairs import OTHER_TASK_GROUPS
        from pqstats.screens import get_screen

        if self.feature_groups is not None:
            return tuple(self.feature_groups)
        base = ("retrieval", "ridge", "graph")
        if not (self._other_task_on_strict and self.dataset and self.track == "strict"):
            return base
        # de_outcomes on Dir, dir_outcomes on DE, where the screen has that other table
        return base + tuple(g for g, other in OTHER_TASK_GROUPS.items()
                            if self.task not in (None, other)
                            and get_screen(self.dataset).file(other) is not None)

    def _zero_shot_featurizer(self):
        from pqstats.features.zero_shot import ZeroShotFeaturizer

        if self.dataset is None or self.task is None:
            raise ValueError("the zero-shot track needs dataset and task (which screens may "
                             "feed this one)")
        return ZeroShotFeaturizer(self.dataset, self.task, spaces=tuple(self.spaces),
                                  gene_weight=self.gene_weight,
                                  graph="graph" in self._groups(),
                                  max_rows_per_source=self.zero_shot_rows)

    def _featurizer(self):
        from pqstats.features.pairs import PairFeaturizer

        return PairFeaturizer(groups=self._groups(), spaces=tuple(self.spaces),
                              gene_weight=self.gene_weight,
                              gene_neighbours=self.gene_neighbours, dataset=self.dataset,
                              task=self.task, track=self.track)

    def _make_classifier(self):  # pragma: no cover
        raise NotImplementedError

    def _fit_zero_shot(self):
        """The classifier fitted on ``featurizer_``'s zero-shot training set."""
        features, y, _ = self.featurizer_.training_set()
        return self._make_classifier().fit(
            features[self.feature_names_].to_numpy(np.float32), y)

    def _fit(self, pairs, y):
        if self.track == ZERO_SHOT:
            self.featurizer_ = self._zero_shot_featurizer().fit()
            self.feature_names_ = self.featurizer_.model_columns()
            self.classifier_ = self._fit_zero_shot()
            return
        self.featurizer_ = self._featurizer()
        features = self.featurizer_.fit_transform(pairs, y)
        self.feature_names_ = list(features.columns)
        self.classifier_ = self._make_classifier().fit(features.to_numpy(np.float32), y)

    def _score(self, pairs):
        features = self.featurizer_.transform(pairs)[self.feature_names_]
        return self.classifier_.predict_proba(features.to_numpy(np.float32))[:, 1]

    def _classifier_on(self, X, y, genes):
        """The classifier fitted on rows ``X, y`` of the zero-shot training set."""
        return self._make_classifier().fit(X, y)

    def out_of_fold_scores(self, pairs, y, folds=5, random_state=0):
        """Out-of-fold scores of training pairs, from the featuriser's out-of-fold features.

        The featuriser's training features are already out of fold (a pair's retrieval
        features come from other knockdowns' labels), so only the classifier is refitted
        per fold, grouped by perturbation: as honest as refitting everything, K times
        cheaper.
        """
        from sklearn.model_selection import GroupKFold

        pairs, y_arr = check_pairs(pairs, y)
        with _one_blas_thread():
            X = self._featurizer().fit_transform(pairs, y_arr).to_numpy(np.float32)
            perts = pairs["pert"].to_numpy()
            oof = np.full(len(pairs), np.nan)
            cv = GroupKFold(n_splits=min(int(folds), len(pd.unique(perts))), shuffle=True,
                            random_state=random_state)
            for fit_idx, held in cv.split(X, y_arr, perts):
                clf = self._make_classifier().fit(X[fit_idx], y_arr[fit_idx])
                oof[held] = clf.predict_proba(X[held])[:, 1]
        return oof

    def out_of_source_scores(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Zero-shot: scores of each source screen's training rows from a classifier fitted
        on the other sources' rows only (each source line held out in turn).

        Returns
        -------
        (scores, labels, source)
            One entry per row of the fitted featuriser's training set.
        """
        check_is_fitted(self, "featurizer_")
        features, y, origin = self.featurizer_.training_set()
        X = features[self.feature_names_].to_numpy(np.float32)
        genes = self.featurizer_.training_genes()
        oof = np.full(len(y), np.nan)
        with _one_blas_thread():
            for src in pd.unique(origin):
                held = origin == src
                clf = self._classifier_on(X[~held], y[~held], genes[~held])
                oof[held] = clf.predict_proba(X[held])[:, 1]
        return oof, y, origin


@register("knn_retrieval", "no learning: similarity-weighted training outcomes of the gene, "
                           "smoothed over co-responding genes")
class KnnRetrievalModel(PairClassifier):
    """The retrieval score alone (space ``all``), added to the gene's base rate.

    Zero-shot, the retrieval runs over other screens' training responses instead: the
    mean over those screens of the pair's own gene-smoothed outcome there (``self``) plus
    the smoothed retrieval over perturbations with similar knowledge profiles, added to
    their mean positive rate.

    Parameters
    ----------
    space : str
        Similarity space of the retrieval (see :data:`pqstats.features.SPACES`).
    gene_weight : float
        Weight of the smoothing over co-responding genes.
    dataset, task, track : str
        Set by the benchmark harness; only the zero-shot track changes the model.
    """

    zero_shot_note = None

    def __init__(self, space: str = "all", gene_weight: float = 1.0,
                 dataset: str | None = None, task: str | None = None, track: str = "strict"):
        self.space = space
        self.gene_weight = gene_weight
        self.dataset = dataset
        self.task = task
        self.track = track

    def _fit(self, pairs, y):
        from pqstats.features.pairs import _canonical, load_graph
        from pqstats.features.profiles import gene_profiles
        from pqstats.features.retrieval import ResponseRetrieval

        if self.track == ZERO_SHOT:
            from pqstats.features.zero_shot import ZeroShotFeaturizer

            if self.dataset is None or self.task is None:
                raise ValueError("the zero-shot track needs dataset and task")
            self.featurizer_ = ZeroShotFeaturizer(
                self.dataset, self.task, spaces=(self.space,), gene_weight=self.gene_weight,
                graph=False).fit()
            rates = [r.base_rate_ for r in self.featurizer_.retrievals_.values()]
            self.base_rate_ = float(np.mean(rates)) if rates else 0.5
            return
        profiles = [gene_profiles(load_graph(), self.space)]
        self.retrieval_ = ResponseRetrieval(profiles, gene_weight=self.gene_weight).fit(
            _canonical(pairs), y)

    def terms(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """The additive terms of the score, one row per pair: the gene's base rate
        (``gene_rate``) and the smoothed retrieval (``<space>_retrieval_smooth``);
        zero-shot, the other screens' mean rate (``gene_rate``), the pair's own smoothed
        outcome there (``self_retrieval_smooth``) and the smoothed retrieval."""
        from pqstats.features.pairs import _canonical

        if self.track == ZERO_SHOT:
            f = self.featurizer_.transform(pairs).reset_index(drop=True)
            return pd.DataFrame({
                "gene_rate": np.full(len(f), self.base_rate_),
                "self_retrieval_smooth": f["zs_self_retrieval_smooth"],
                f"{self.space}_retrieval_smooth": f[f"zs_{self.space}_retrieval_smooth"]})
        f = self.retrieval_.transform(_canonical(pairs)).reset_index(drop=True)
        return f[["gene_rate", f"{self.space}_retrieval_smooth"]]

    def _score(self, pairs):
        return np.clip(self.terms(pairs).to_numpy().sum(axis=1), 0.0, 1.0)


@register("kernel_ridge", "no classifier: kernel ridge regression from knowledge profiles to "
                          "training responses (a bilinear model), smoothed over genes")
class KernelRidgeModel(PairClassifier):
    """The kernel ridge (bilinear) retrieval alone, added to the gene's base rate.

    Ridge regression from a perturbation's knowledge profile to its response profile,
    solved in dual form over the training perturbations
    (:class:`~pqstats.features.retrieval.ResponseRetrieval` with ``ridge``): the score of
    (p, g) is g's training rate plus the predicted residual, smoothed over genes that
    co-respond in training. Deterministic; it needs the target screen's own training
    labels (no zero-shot).

    Parameters
    ----------
    space : str
        Similarity space (see :data:`pqstats.features.SPACES`).
    ridge : float
        Ridge penalty ``lambda_r`` (on the scale of the cosine kernel, whose diagonal is 1;
        100 chosen by grouped CV on the training splits; see the Decisions page, row
        'Kernel ridge settings').
    gene_weight : float
        Weight of the smoothing over co-responding genes.
    gene_neighbours : int
        Co-responding genes each gene is smoothed over.
    """

    def __init__(self, space: str = "all", ridge: float = 100.0, gene_weight: float = 1.0,
                 gene_neighbours: int = 100):
        self.space = space
        self.ridge = ridge
        self.gene_weight = gene_weight
        self.gene_neighbours = gene_neighbours

    def _fit(self, pairs, y):
        from pqstats._checks import check_float
        from pqstats.features.pairs import _canonical, load_graph
        from pqstats.features.profiles import gene_profiles
        from pqstats.features.retrieval import ResponseRetrieval

        ridge = check_float(self.ridge, "ridge", minimum=0.0, strict=True)
        self.retrieval_ = ResponseRetrieval(
            [gene_profiles(load_graph(), self.space)], gene_neighbours=self.gene_neighbours,
            gene_weight=self.gene_weight, ridge=ridge).fit(_canonical(pairs), y)

    def _score(self, pairs):
        from pqstats.features.pairs import _canonical

        f = self.retrieval_.transform(_canonical(pairs))
        return np.clip(f["gene_rate"].to_numpy() + f[f"{self.space}_ridge_smooth"].to_numpy(),
                       0.0, 1.0)


@register("logistic", "standardised retrieval + graph features, L2 logistic regression")
class LogisticModel(_FeatureModel):
    """Logistic regression on standardised pair features.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength.
    feature_groups : tuple of str
        Groups from :data:`pqstats.features.FEATURE_GROUPS` (the kernel ridge group
        ``ridge`` chosen by grouped CV on the training splits; see the Decisions page, row
        'Strict features').
    spaces : tuple of str
        Similarity spaces of the retrieval features.
    gene_weight : float
        Weight of the retrieval's smoothing over co-responding genes (0 = none).
    gene_neighbours : int
        Co-responding genes each gene is smoothed over.
    dataset, task, track : str
        Set by the benchmark harness; the transfer track adds other screens' outcomes;
        the zero-shot track learns from other screens only (on DE with its weights fitted
        within gene: :func:`~pqstats.features.zero_shot.zero_shot_logistic`).
    zero_shot_rows : int
        Zero-shot: training pairs drawn from each other screen.
    """

    def __init__(self, C: float = 0.1,
                 feature_groups: tuple[str, ...] = ("retrieval", "ridge", "graph"),
                 spaces: tuple[str, ...] = ("go", "ppi", "pathway", "all"),
                 gene_weight: float = 4.0, gene_neighbours: int = 100,
                 dataset: str | None = None, task: str | None = None, track: str = "strict",
                 zero_shot_rows: int = 60000):
        self.zero_shot_rows = zero_shot_rows
        self.gene_neighbours = gene_neighbours
        self.C = C
        self.feature_groups = feature_groups
        self.spaces = spaces
        self.gene_weight = gene_weight
        self.dataset = dataset
        self.task = task
        self.track = track

    def _make_classifier(self):
        from pqstats._estimators import standardised_logistic

        return standardised_logistic(self.C)

    def _fit_zero_shot(self):
        # the zero-shot logistic fit, within gene on DE (shared with ZeroShotLogit)
        from pqstats.features.zero_shot import zero_shot_logistic

        return zero_shot_logistic(self.featurizer_, self.C)

    def _classifier_on(self, X, y, genes):
        from pqstats.features.zero_shot import fit_task_logistic

        return fit_task_logistic(self.task, self.C, X, y, genes)


#: The ``xgboost`` model's settings, its depth chosen by grouped CV over every cell on the
#: training splits (see the Decisions page, row 'XGBoost depth')
XGBOOST_SETTINGS: dict[str, float] = {"n_estimators": 300, "learning_rate": 0.05,
                                      "max_depth": 4, "min_child_weight": 5.0,
                                      "colsample_bytree": 0.8}
#: Its settings on Dir, strict and zero-shot: slower, shallower, more regularised trees,
#: chosen on Dir's training splits (the strict ensemble +0.004 by grouped CV, zero-shot
#: XGBoost +0.004 with each line held out; on the transfer track they lose 0.003, so it
#: keeps :data:`XGBOOST_SETTINGS`; see the Decisions page, row 'XGBoost Dir settings')
XGBOOST_DIR_SETTINGS: dict[str, float] = {"n_estimators": 600, "learning_rate": 0.025,
                                          "max_depth": 3, "min_child_weight": 20.0,
                                          "colsample_bytree": 0.25}


@register("xgboost", "gradient-boosted trees (XGBoost, hist) on retrieval + graph features")
class XGBoostModel(_FeatureModel):
    """XGBoost on pair features.

    Parameters
    ----------
    n_estimators, max_depth, learning_rate, colsample_bytree, min_child_weight
        XGBoost hyperparameters. None (default): chosen by grouped CV on the training
        splits, :data:`XGBOOST_DIR_SETTINGS` on Dir's strict and zero-shot tracks and
        :data:`XGBOOST_SETTINGS` elsewhere (and when no task is set).
    subsample : float
        XGBoost's row subsampling.
    n_jobs : int
        XGBoost threads. 1 by default: on a busy 2-core machine a second thread spins
        waiting for a core (one RPE1 DE fit took 70 s with 2 threads, 3 s with 1).
    random_state : int
        Seed.
    feature_groups : tuple of str, optional
        Groups from :data:`pqstats.features.FEATURE_GROUPS`. None (default): ``retrieval,
        ridge, graph`` (the kernel ridge group ``ridge`` chosen by grouped CV on the
        training splits), and on the strict track of a screen the same screen's other task
        too (``de_outcomes`` on Dir, ``dir_outcomes`` on DE; grouped CV over five seeds).
        See the Decisions page, rows 'Strict features' and 'The other task's outcomes as
        features'.
    spaces : tuple of str
        Similarity spaces of the retrieval features.
    gene_weight : float
        Weight of the retrieval's smoothing over co-responding genes (0 = none).
    gene_neighbours : int
        Co-responding genes each gene is smoothed over.
    dataset, task, track : str
        Set by the benchmark harness; the transfer track adds other screens' outcomes;
        the zero-shot track learns from other screens only.
    zero_shot_rows : int
        Zero-shot: training pairs drawn from each other screen.
    """

    _other_task_on_strict = True

    def __init__(self, n_estimators: int | None = None, max_depth: int | None = None,
                 learning_rate: float | None = None, subsample: float = 0.8,
                 colsample_bytree: float | None = None,
                 min_child_weight: float | None = None, n_jobs: int = 1, random_state: int = 0,
                 feature_groups: tuple[str, ...] | None = None,
                 spaces: tuple[str, ...] = ("go", "ppi", "pathway", "all"),
                 gene_weight: float = 4.0, gene_neighbours: int = 100,
                 dataset: str | None = None, task: str | None = None, track: str = "strict",
                 zero_shot_rows: int = 60000):
        self.zero_shot_rows = zero_shot_rows
        self.gene_neighbours = gene_neighbours
        self.spaces = spaces
        self.gene_weight = gene_weight
        self.dataset = dataset
        self.task = task
        self.track = track
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.feature_groups = feature_groups

    def _make_classifier(self):
        from pqstats._boosting import SharedMatrixXGBClassifier

        # XGBClassifier; refits on the same features (the benchmark's seeds) share its
        # quantised training matrix
        return SharedMatrixXGBClassifier(
            **self.settings(), subsample=self.subsample, tree_method="hist",
            n_jobs=self.n_jobs, random_state=self.random_state, eval_metric="logloss")

    def settings(self) -> dict[str, float]:
        """The hyperparameters this fit uses: those set, the others
        :data:`XGBOOST_DIR_SETTINGS` on Dir's strict and zero-shot tracks, else
        :data:`XGBOOST_SETTINGS`."""
        on_dir = self.task == "dir" and self.track != "transfer"
        chosen = XGBOOST_DIR_SETTINGS if on_dir else XGBOOST_SETTINGS
        return {name: chosen[name] if getattr(self, name) is None else getattr(self, name)
                for name in chosen}


@register("ensemble", "mean of the logistic and XGBoost probabilities (same features)")
class EnsembleModel(PairClassifier):
    """Average of :class:`LogisticModel` and :class:`XGBoostModel` probabilities.

    Both members are fitted on the same training pairs, each with its own default
    features for the cell (they share the featuriser's out-of-fold features, computed
    once per process); a pair's score is the mean of their positive-class probabilities,
    so it depends on that pair alone. Chosen by grouped CV on the training splits, where
    it beats both members on DE and Dir (see the Decisions page, row 'Strict ensemble'). The
    benchmark averages its members' own test scores (:meth:`member_params`) instead of
    fitting them twice; the scores are the same.

    Parameters
    ----------
    random_state : int
        Seed of the XGBoost member (the logistic member is deterministic).
    dataset, task, track : str
        Set by the benchmark harness, passed to both members.
    """

    zero_shot_note = None  # both members run zero-shot

    def __init__(self, random_state: int = 0, dataset: str | None = None,
                 task: str | None = None, track: str = "strict"):
        self.random_state = random_state
        self.dataset = dataset
        self.task = task
        self.track = track

    def member_params(self) -> list[tuple[str, dict]]:
        """The members as ``(registered name, parameters)``, the cell's context aside."""
        return [("logistic", {}), ("xgboost", {"random_state": self.random_state})]

    def _fit(self, pairs, y):
        context = {"dataset": self.dataset, "task": self.task, "track": self.track}
        self.members_ = [get(name, **params, **context).fit(pairs, y)
                         for name, params in self.member_params()]

    def _score(self, pairs):
        return np.mean([m.score_pairs(pairs) for m in self.members_], axis=0)

    def out_of_fold_scores(self, pairs, y, folds=5, random_state=0):
        """The mean of the members' out-of-fold scores (same folds)."""
        context = {"dataset": self.dataset, "task": self.task, "track": self.track}
        return np.mean([get(name, **params, **context).out_of_fold_scores(
            pairs, y, folds, random_state) for name, params in self.member_params()], axis=0)

    def out_of_source_scores(self):
        """Zero-shot: the mean of the members' out-of-source scores (same rows)."""
        check_is_fitted(self, "members_")
        parts = [m.out_of_source_scores() for m in self.members_]
        for other in parts[1:]:
            if not np.array_equal(other[1], parts[0][1]):
                raise RuntimeError("the ensemble's members trained on different rows")
        return np.mean([p[0] for p in parts], axis=0), parts[0][1], parts[0][2]


# --- calibrated probabilities -------------------------------------------------------
class CalibratedModel(PairClassifier):
    """A registered model whose probabilities are calibrated on its training data only.

    ``fit`` learns a strictly increasing map from the model's score to a probability
    (:class:`pqstats._calibrators.ScoreCalibrator`: isotonic, sigmoid or none, the one
    with the lowest out-of-fold Brier score):

    * strict and transfer tracks: from out-of-fold scores of the training pairs, grouped by
      perturbation (:meth:`PairClassifier.out_of_fold_scores`), the method chosen by CV
      over the same perturbation groups;
    * zero-shot track (no label of the target): from each source screen's training rows
      scored by a fit on the other sources only (``out_of_source_scores``), the method
      chosen by holding out each source line in turn. A model without that method keeps
      its score (``method_ == "none"``, said in ``calibration_note_``).

    The model itself is then fitted on all training pairs. The map keeps the ranking of
    the scores, so per-gene and per-knockdown AUROC are those of the raw model. Attributes
    of the fitted model (``featurizer_``, ``classifier_``, ``terms`` ...) are reachable on
    the wrapper.

    Parameters
    ----------
    estimator : PairClassifier
        An unfitted model (it is cloned).
    method : {"auto", "none", "sigmoid", "isotonic"}
        The calibration map; ``"auto"`` chooses by the grouped CV above.
    folds : int
        Folds of the grouped CV (strict and transfer: for the out-of-fold scores and for
        the choice of method).
    random_state : int
        Seed of the fold assignment.

    Attributes
    ----------
    estimator_ : PairClassifier
        The model fitted on all training pairs.
    calibrator_ : ScoreCalibrator
        The fitted map (``calibrator_.method_``, ``calibrator_.cv_brier_``).
    calibration_note_ : str
        How the map was learned, for a printed answer.
    """

    def __init__(self, estimator=None, method: str = "auto", folds: int = 5,
                 random_state: int = 0):
        self.estimator = estimator
        self.method = method
        self.folds = folds
        self.random_state = random_state

    @property
    def zero_shot_note(self):  # noqa: D401 - the wrapped model's
        return getattr(self.estimator, "zero_shot_note", None)

    def fit(self, pairs: pd.DataFrame, y) -> CalibratedModel:
        """Fit the model on all training pairs and the calibration map on its
        out-of-fold (or out-of-source) scores; returns ``self``."""
        from sklearn.base import clone

        from pqstats._calibrators import ScoreCalibrator

        if not isinstance(self.estimator, PairClassifier):
            raise TypeError("CalibratedModel wraps a pqstats model (models.get(name)), got "
                            f"{type(self.estimator).__name__}")
        pairs, y_arr = check_pairs(pairs, y)
        base = clone(self.estimator)
        track = base.get_params().get("track", "strict")
        calibrator = ScoreCalibrator(self.method, self.folds, self.random_state)
        if track == ZERO_SHOT:
            base.fit(pairs, y_arr)
            if hasattr(base, "out_of_source_scores"):
                oof, labels, groups = base.out_of_source_scores()
                self.calibrator_ = calibrator.fit(oof, labels, groups)
                how = "each source screen held out in turn"
            else:
                self.calibrator_ = ScoreCalibrator("none").fit(np.zeros(1), [0], [0])
                how = f"no out-of-source scores for {type(base).__name__}: not calibrated"
        else:
            oof = base.out_of_fold_scores(pairs, y_arr, self.folds, self.random_state)
            self.calibrator_ = calibrator.fit(oof, y_arr, pairs["pert"].to_numpy())
            base.fit(pairs, y_arr)
            how = f"{self.folds}-fold CV grouped by perturbation on the training pairs"
        self.estimator_ = base
        self.calibration_note_ = f"calibrated ({self.calibrator_.method_}; {how})"
        self.classes_ = np.array([0, 1])
        self.n_train_pairs_ = len(pairs)
        return self

    def raw_scores(self, pairs: pd.DataFrame) -> np.ndarray:
        """The wrapped model's scores before calibration."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.score_pairs(pairs)

    def score_pairs(self, pairs: pd.DataFrame) -> np.ndarray:
        """Calibrated P(positive) of each pair."""
        return self.calibrator_.transform(self.raw_scores(pairs))

    def __getattr__(self, name: str):
        # reach the fitted model's attributes (featurizer_, classifier_, terms, ...)
        if name.startswith("__") or name in ("estimator_", "estimator"):
            raise AttributeError(name)
        inner = self.__dict__.get("estimator_")
        if inner is None:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r} "
                                 "(fit it first to reach the wrapped model's)")
        return getattr(inner, name)
