"""The pair featuriser: a scikit-learn transformer over ``pert, gene`` rows.

Feature groups
--------------
``retrieval``
    :class:`~pqstats.features.retrieval.ResponseRetrieval` scores in each similarity
    space (plain and gene-smoothed), their support, the predicted perturbation strength
    (kernel-weighted training positive rate of similar perturbations), the nearest
    training perturbation's similarity, and the gene's base rate.
``ridge``
    With ``retrieval``: the kernel ridge (bilinear) variant of the retrieval in each
    space, ridge regression from knowledge profiles to response profiles
    (:class:`~pqstats.features.retrieval.ResponseRetrieval`'s ``ridge``), with the
    perturbation's strength predicted the same way.
``graph``
    :func:`~pqstats.features.graph_pairs.graph_pair_features`: direct relations of p and
    g in the knowledge graph (label-free).
``embedding``
    :func:`~pqstats.features.embeddings.svd_embedding` vectors of p and g (TF-IDF + SVD
    of the combined space) and their product (label-free).
``de_outcomes`` (a Dir task) / ``dir_outcomes`` (a DE task)
    The ``retrieval`` (and ``ridge``) features computed on the same screen's *other*
    task (columns prefixed ``de_`` / ``dir_``), from its training rows of the fit's own
    knockdowns: for Dir, whether similar knockdowns change g at all; for DE, which way
    they change it. Training pairs get them out of fold (the folds of the retrieval), so
    no pair sees its own knockdown's other-task labels; a pilot or a CV fold reads the
    other task's rows of its own knockdowns only, and no test row is ever read. XGBoost's
    default on the strict track (grouped CV on training splits; see the Decisions page,
    row 'The other task's outcomes as features').

On the transfer track (``track="transfer"`` with ``dataset`` and ``task`` set), the
retrieval also runs in the response-profile spaces of other screens
(:func:`~pqstats.features.transfer.response_profiles`), and the
:class:`~pqstats.features.transfer.TransferFeatures` are added, with the zero-shot
model's logit of the pair (:class:`~pqstats.features.zero_shot.ZeroShotLogit`, which
reads no label of the screen), so a fit on a small pilot can lean on the other screens.

Honest fitting
--------------
Like :class:`sklearn.preprocessing.TargetEncoder`, ``fit_transform`` returns
*out-of-fold* retrieval features for the training pairs (folds grouped by perturbation,
so a pair never sees its own perturbation's labels), while ``fit`` followed by
``transform`` uses every training pair — the features a model sees at training time are
distributed like those it sees on unseen perturbations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GroupKFold

from pqstats.features._cache import pairs_digest, remember
from pqstats.features.embeddings import pair_embedding_features, svd_embedding
from pqstats.features.graph_pairs import graph_pair_features
from pqstats.features.profiles import (
    DEFAULT_SPACES,
    SPACES,
    canonical_symbols,
    gene_profiles,
)
from pqstats.features.retrieval import ResponseRetrieval
from pqstats.features.transfer import TransferFeatures, response_profiles, transfer_fingerprint
from pqstats.features.zero_shot import ZeroShotLogit
from pqstats.features.zero_shot import clear_memos as _clear_zero_shot_memos

__all__ = ["FEATURE_GROUPS", "PairFeaturizer", "clear_memos", "load_graph"]

FEATURE_GROUPS = ("retrieval", "ridge", "graph", "embedding", "de_outcomes", "dir_outcomes")
#: the groups that read the screen's other task: group → the task whose outcomes it reads
OTHER_TASK_GROUPS = {"de_outcomes": "de", "dir_outcomes": "dir"}

# per process, keyed by everything a fit reads (parameters, training pairs and labels, the
# graph, other screens' tables): models sharing a featuriser — logistic and XGBoost, and
# XGBoost's seeds in the benchmark — fit it, featurise the training pairs out of fold, and
# featurise the test pairs once
_FITTED: dict[tuple, dict] = {}
_OOF_MEMO: dict[tuple, pd.DataFrame] = {}
_TRANSFORMED: dict[tuple, pd.DataFrame] = {}


def clear_memos() -> None:
    """Forget every per-process memo of the featurisers (as a new process would start): for
    a caller that changes what a screen's loader returns in the same process."""
    from pqstats.features import graph_pairs

    for memo in (_FITTED, _OOF_MEMO, _TRANSFORMED, graph_pairs._ROWS):
        memo.clear()
    _clear_zero_shot_memos()


def load_graph():
    """The default knowledge graph (:func:`pqstats.knowledge.graph.default_graph`)."""
    from pqstats.knowledge.graph import default_graph

    return default_graph()


def _canonical(pairs: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with each perturbation named by the graph's symbol (see canonical_symbols)."""
    return pairs.assign(pert=canonical_symbols(load_graph(), pairs["pert"].to_numpy()))


class PairFeaturizer(TransformerMixin, BaseEstimator):
    """Features of (pert, gene) pairs from the knowledge graph and training outcomes.

    Parameters
    ----------
    spaces : sequence of str
        Similarity spaces for retrieval (keys of :data:`pqstats.features.SPACES`).
    groups : sequence of str
        Feature groups to compute (:data:`FEATURE_GROUPS`).
    gene_neighbours, gene_weight, shrinkage
        Passed to :class:`ResponseRetrieval` (``gene_neighbours`` = 100 chosen by grouped CV
        on the training splits; see the Decisions page, row 'Strict features').
    ridge : float
        ``lambda_r`` of the ``ridge`` group's kernel ridge.
    n_splits : int
        Folds (grouped by perturbation) for out-of-fold training features.
    dataset, task : str, optional
        The screen and task being modelled: a programme screen's (``k562_set``) readouts
        are gene programmes, and the transfer track needs both to know which screens may
        feed this one.
    track : {"strict", "transfer"}
        The transfer track adds other screens' training outcomes.
    """

    def __init__(self, spaces: Sequence[str] = DEFAULT_SPACES,
                 groups: Sequence[str] = ("retrieval", "graph"), gene_neighbours: int = 100,
                 gene_weight: float = 4.0, shrinkage: float = 1.0, ridge: float = 10.0,
                 n_splits: int = 5,
                 dataset: str | None = None, task: str | None = None, track: str = "strict"):
        self.spaces = spaces
        self.groups = groups
        self.gene_neighbours = gene_neighbours
        self.gene_weight = gene_weight
        self.shrinkage = shrinkage
        self.ridge = ridge
        self.n_splits = n_splits
        self.dataset = dataset
        self.task = task
        self.track = track

    def _validate(self) -> None:
        bad = [g for g in self.groups if g not in FEATURE_GROUPS]
        if bad or not self.groups:
            raise ValueError(f"unknown feature group(s) {bad}; choose from {FEATURE_GROUPS}")
        if "ridge" in self.groups and "retrieval" not in self.groups:
            raise ValueError("the 'ridge' feature group extends the retrieval: give it with "
                             "'retrieval', e.g. groups=('retrieval', 'ridge', 'graph')")
        bad = [s for s in self.spaces if s not in SPACES]
        if bad:
            raise ValueError(f"unknown space(s) {bad}; choose from {', '.join(SPACES)}")
        if self.track not in ("strict", "transfer"):
            raise ValueError(f"track must be 'strict' or 'transfer', got {self.track!r}")
        if self.track == "transfer" and (self.dataset is None or self.task is None):
            raise ValueError("the transfer track needs dataset and task (which screens may "
                             "feed this one)")
        for group, other in OTHER_TASK_GROUPS.items():
            if group in self.groups and "retrieval" not in self.groups:
                raise ValueError(f"the {group!r} feature group extends the retrieval: give "
                                 f"it with 'retrieval', e.g. groups=('retrieval', 'ridge', "
                                 f"'graph', {group!r})")
            if group in self.groups and (self.dataset is None or self.task in (None, other)):
                task = {"de": "dir", "dir": "de"}[other]
                raise ValueError(f"the {group!r} feature group reads the screen's {other} "
                                 f"outcomes for a {task} task: set dataset and "
                                 f"task={task!r}, or leave the group out "
                                 f"(task={self.task!r}, dataset={self.dataset!r})")

    def _retrieval(self, knowledge_only: bool = False) -> ResponseRetrieval:
        """A new retrieval over the fit's spaces (the knowledge spaces only, without the
        transfer track's response spaces, for the other task's outcomes)."""
        profiles = self.profiles_[:len(self.spaces)] if knowledge_only else self.profiles_
        return ResponseRetrieval(profiles,
                                 gene_neighbours=self.gene_neighbours,
                                 gene_weight=self.gene_weight, shrinkage=self.shrinkage,
                                 ridge=self.ridge if "ridge" in self.groups else None)

    def fit(self, pairs: pd.DataFrame, y) -> PairFeaturizer:
        """Fit the retrieval on every training pair (for :meth:`transform`).

        Memoised per process: a second fit on the same inputs reuses the first.
        """
        self._validate()
        if self._other_task() is not None:
            return self._fit_with_other_task(pairs, y)
        kg = load_graph()
        y = np.asarray(y)
        sources = ([transfer_fingerprint(self.dataset, t) for t in ("de", self.task)]
                   if self.track == "transfer" else None)
        self.fit_key_ = (repr(sorted(self.get_params().items())), pairs_digest(pairs),
                         hash(y.tobytes()), id(kg), repr(sources))
        if self.fit_key_ in _FITTED:
            self.__dict__.update(_FITTED[self.fit_key_])
            return self
        # similarity spaces, built once per fit and shared by every out-of-fold retrieval
        self.profiles_ = [gene_profiles(kg, s) for s in self.spaces]
        if self.track == "transfer":
            self.profiles_ += response_profiles(self.dataset, kg)
        canon = _canonical(pairs)
        if "retrieval" in self.groups:
            self.retrieval_ = self._retrieval().fit(canon, y)
        if self.track == "transfer":
            self.transfer_ = TransferFeatures(self.dataset, self.task).fit()
            self.zero_shot_ = ZeroShotLogit(self.dataset, self.task).fit()
        perts = pd.Index(canon["pert"].unique())
        self.n_unknown_perts_ = int((~perts.isin(pd.Index(kg.genes))).sum())
        remember(_FITTED, self.fit_key_, {k: v for k, v in vars(self).items()
                                           if k.endswith("_") and k != "fit_key_"})
        return self

    def _fit_with_other_task(self, pairs: pd.DataFrame, y) -> PairFeaturizer:
        """Fit the featuriser without its other-task group (``base_``: its fits, features
        and memos are those of every model without the group), then the other task's
        retrieval on that task's training rows of the same knockdowns."""
        base = PairFeaturizer(**{**self.get_params(), "groups": tuple(
            g for g in self.groups if g not in OTHER_TASK_GROUPS)}).fit(pairs, y)
        other = self._other_task_rows(pairs)
        self.fit_key_ = (base.fit_key_, self._other_task(), pairs_digest(other),
                         hash(other["label"].to_numpy(np.int8).tobytes()))
        if self.fit_key_ in _FITTED:
            self.__dict__.update(_FITTED[self.fit_key_])
            return self
        self.__dict__.update({k: v for k, v in vars(base).items()
                              if k.endswith("_") and k != "fit_key_"})
        self.base_ = base
        self.other_task_retrieval_ = self._retrieval(knowledge_only=True).fit(
            _canonical(other), other["label"].to_numpy())
        remember(_FITTED, self.fit_key_, {k: v for k, v in vars(self).items()
                                           if k.endswith("_") and k != "fit_key_"})
        return self

    def _other_task(self) -> str | None:
        """The task an other-task group reads (``"de"`` / ``"dir"``), or None."""
        return next((t for g, t in OTHER_TASK_GROUPS.items() if g in self.groups), None)

    def _other_task_rows(self, pairs: pd.DataFrame) -> pd.DataFrame | None:
        """The other task's training rows of the knockdowns in ``pairs`` (never a test
        row), or None without an other-task group."""
        from pqstats.screens import get_screen, load_pairs

        task = self._other_task()
        if task is None:
            return None
        if get_screen(self.dataset).file(task) is None:
            group = next(g for g, t in OTHER_TASK_GROUPS.items() if t == task)
            raise ValueError(f"screen {self.dataset!r} has no {task} table, which the "
                             f"{group!r} feature group reads: leave the group out, or "
                             f"import the screen with its {task} table")
        rows = load_pairs(self.dataset, task)
        keep = (rows["split"] == "train") & rows["pert"].isin(pd.unique(pairs["pert"]))
        return rows[keep].reset_index(drop=True)

    def _members(self) -> dict[str, list[str]] | None:
        """Programme → member genes when the screen reads out programmes, else None."""
        if self.dataset is None:
            return None
        from pqstats.screens import readout_members

        return readout_members(self.dataset)

    def _graph(self, pairs: pd.DataFrame) -> pd.DataFrame:
        kg = load_graph()
        feats = graph_pair_features(kg, pairs, members=self._members())
        # a perturbation the graph does not know falls back to zero similarity everywhere;
        # this flag lets a model tell "unknown" from "dissimilar"
        feats["pert_in_graph"] = _canonical(pairs)["pert"].isin(pd.Index(kg.genes)).astype(
            np.float32)
        return feats

    def _label_free(self, pairs: pd.DataFrame) -> list[pd.DataFrame]:
        parts = []
        if "graph" in self.groups:
            parts.append(self._graph(pairs))
        if "embedding" in self.groups:
            emb = svd_embedding(load_graph(), "all")
            parts.append(pair_embedding_features(emb, pairs, self._members()))
        if self.track == "transfer":
            parts.append(self.transfer_.transform(pairs))
            parts.append(self.zero_shot_.transform(pairs))
        return parts

    def transform(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Features of any pairs, using every training pair (memoised per process)."""
        key = (self.fit_key_, pairs_digest(pairs))
        if key not in _TRANSFORMED:
            if self._other_task() is not None:
                parts = [self.base_.transform(pairs),
                         self.other_task_retrieval_.transform(_canonical(pairs))
                         .add_prefix(f"{self._other_task()}_").set_axis(pairs.index)]
            else:
                parts = ([self.retrieval_.transform(_canonical(pairs))]
                         if "retrieval" in self.groups else []) + self._label_free(pairs)
            remember(_TRANSFORMED, key, pd.concat(parts, axis=1))
        return _TRANSFORMED[key].set_axis(pairs.index).copy()

    def _out_of_fold(self, pairs: pd.DataFrame, canon: pd.DataFrame, names: list[str],
                     fit_fold) -> pd.DataFrame:
        """Each held fold's features (``n_splits`` folds grouped by perturbation), from the
        retrieval that ``fit_fold(fit_idx)`` fits on the other folds."""
        oof = pd.DataFrame(index=pairs.index, columns=names, dtype=float)
        folds = GroupKFold(n_splits=min(self.n_splits, pairs["pert"].nunique()))
        for fit_idx, held_idx in folds.split(pairs, groups=pairs["pert"]):
            oof.iloc[held_idx] = fit_fold(fit_idx).transform(canon.iloc[held_idx]).to_numpy()
        return oof

    def fit_transform(self, pairs: pd.DataFrame, y=None, **fit_params) -> pd.DataFrame:
        """Fit, and return out-of-fold features for the training pairs themselves.

        The result is memoised per process for identical parameters, pairs and labels,
        so models sharing a featuriser (e.g. logistic and XGBoost in the benchmark)
        compute it once.
        """
        self.fit(pairs, y)
        y = np.asarray(y)
        key = self.fit_key_
        if key in _OOF_MEMO:
            return _OOF_MEMO[key].set_axis(pairs.index).copy()
        canon = _canonical(pairs)
        task = self._other_task()
        if task is not None:
            # out of fold, in the retrieval's folds: each held knockdown's features come
            # from the other task's rows of the fold's other knockdowns only
            other = self._other_task_rows(pairs)
            canon_other, labels = _canonical(other), other["label"].to_numpy()

            def fit_fold(fit_idx):
                mine = other["pert"].isin(pd.unique(pairs["pert"].iloc[fit_idx])).to_numpy()
                return self._retrieval(knowledge_only=True).fit(canon_other[mine], labels[mine])

            oof = self._out_of_fold(pairs, canon, self.other_task_retrieval_.feature_names(),
                                    fit_fold)
            out = pd.concat([self.base_.fit_transform(pairs, y), oof.add_prefix(f"{task}_")],
                            axis=1)
        else:
            parts = []
            if "retrieval" in self.groups:
                parts.append(self._out_of_fold(
                    pairs, canon, self.retrieval_.feature_names(),
                    lambda fit_idx: self._retrieval().fit(canon.iloc[fit_idx], y[fit_idx])))
            out = pd.concat(parts + self._label_free(pairs), axis=1)
        remember(_OOF_MEMO, key, out.copy())
        return out
