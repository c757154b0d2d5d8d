"""Zero-shot features: what other screens' training splits say about a pair, and nothing else.

DESIGN.md's zero-shot track scores a screen with no label of its own: only the knowledge
graph and the *training* splits of other studies' screens
(:func:`~pqstats.features.transfer.transfer_sources`). Every feature here means the same
thing in every screen, so a model trained on the pairs of some screens applies to another:

For each source screen ``s`` a :class:`~pqstats.features.retrieval.ResponseRetrieval` is
fitted on ``s``'s training pairs, in two kinds of similarity space:

* ``self`` — a perturbation is similar only to itself: the pair's own residual outcome in
  ``s`` (``self_retrieval``), smoothed over genes that co-respond in ``s``
  (``self_retrieval_smooth``), and the perturbation's strength there (``self_strength``:
  its positive rate minus the screen's);
* the knowledge spaces (``go``, ``ppi``, ``pathway``, ``all``) — what gene g did in ``s``
  under perturbations whose knowledge profiles resemble p's.

Strengths and the gene's rate are taken relative to the source's overall rate. Each
feature is the mean over the sources that measured gene g (pair features) or over all
sources (perturbation features); ``zs_sources`` counts the sources that screened p, and
the label-free graph relations of p and g are added.

Training rows of a zero-shot model are the training pairs of each source ``s``, with
features from the *other* sources only (leave-one-screen-out), so a training row looks
like a target row: evidence from screens other than its own. For programme readouts
(``k562_set``) a feature is the mean over the programme's member genes. No label of the
target screen, and no test split of any screen, is read. The zero-shot logistic model
(:func:`zero_shot_logistic`) fits its weights within each source's gene on DE, where only
what varies among a gene's knockdowns moves the per-gene AUROC.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pqstats._estimators import standardised_logistic, within_group_logistic
from pqstats._fetch import DataUnavailableError
from pqstats.features._cache import pair_rows, pairs_digest, remember
from pqstats.features.graph_pairs import graph_pair_features
from pqstats.features.profiles import (
    DEFAULT_SPACES,
    GeneProfiles,
    canonical_symbols,
    gene_profiles,
)
from pqstats.features.retrieval import ResponseRetrieval
from pqstats.features.transfer import transfer_sources
from pqstats.knowledge.graph import default_graph as load_graph
from pqstats.screens import load_pairs, readout_members

__all__ = ["WITHIN_GENE_TASKS", "ZERO_SHOT_MODEL_KINDS", "ZeroShotFeaturizer", "ZeroShotLogit",
           "clear_memos", "fit_task_logistic", "zero_shot_logistic", "zero_shot_sources"]

#: What a learned zero-shot model reads: each space's raw and smoothed retrieval and
#: strength, plus the graph relations (chosen with each cell line held out, on training
#: splits only: the sharpened retrieval, the maximum similarity, the gene's rate and the
#: source counts did not transfer across screens; see the Decisions page, row 'Zero-shot
#: features')
ZERO_SHOT_MODEL_KINDS = ("retrieval", "retrieval_smooth", "strength")
#: Tasks whose zero-shot logistic model fits its weights within gene (each source screen's
#: gene; :func:`~pqstats._estimators.within_group_logistic`). Chosen with each cell line
#: held out, on training splits only: DE gains on every line, Dir loses (see the Decisions
#: page, row 'Within-gene weights, zero-shot DE').
WITHIN_GENE_TASKS = ("de",)

# per process: a source's fitted retrieval and a target's training set do not depend on
# the model that uses them (logistic and xgboost share them in the benchmark)
_RETRIEVALS: dict[tuple, tuple[pd.DataFrame, ResponseRetrieval]] = {}
_TRAINING_SETS: dict[tuple, tuple[pd.DataFrame, np.ndarray, np.ndarray]] = {}
_TRANSFORMED: dict[tuple, pd.DataFrame] = {}


def clear_memos() -> None:
    """Forget this module's per-process memos (as a new process would start)."""
    for memo in (_RETRIEVALS, _TRAINING_SETS, _TRANSFORMED, _LOGITS, _LOGIT_ROWS):
        memo.clear()


def zero_shot_sources(dataset: str, task: str) -> list[str]:
    """The screens whose training splits may feed ``dataset`` zero-shot and are available.

    Those of :func:`~pqstats.features.transfer.transfer_sources` whose ``task`` table
    loads here (registry order).
    """
    out = []
    for src in transfer_sources(dataset):
        try:
            load_pairs(src, task)
        except DataUnavailableError:
            continue
        out.append(src)
    return out


def _identity_profiles(perts: Sequence[str]) -> GeneProfiles:
    names = pd.Index(pd.unique(np.asarray(perts, dtype=object)))
    return GeneProfiles(space="self", genes=names,
                        matrix=sp.identity(len(names), dtype=np.float32, format="csr"))


class ZeroShotFeaturizer:
    """Features of a screen's pairs from other screens' training splits (see module doc).

    Parameters
    ----------
    dataset : str
        The target screen (decides which screens may feed it); its labels are never read.
    task : {"de", "dir"}
        Which labels the sources contribute.
    spaces : sequence of str
        Knowledge spaces of the retrieval (the ``self`` space is always used).
    gene_weight : float
        Weight of the retrieval's smoothing over co-responding genes.
    graph : bool
        Add the label-free graph relations of p and g.
    max_rows_per_source : int
        Training rows drawn (seeded) from each source for :meth:`training_set`.
    random_state : int
        Seed of that draw.
    ridge : float, optional
        ``lambda_r`` of each source retrieval's kernel ridge, which adds the columns
        ``zs_{space}_ridge``, ``_ridge_smooth`` and ``_ridge_strength`` (None, the default:
        not computed; held-out-line CV finds they do not transfer: see the Decisions
        page, row 'Zero-shot kernel ridge columns').
    """

    def __init__(self, dataset: str, task: str,
                 spaces: Sequence[str] = DEFAULT_SPACES,
                 gene_weight: float = 4.0, graph: bool = True,
                 max_rows_per_source: int = 60000, random_state: int = 0,
                 ridge: float | None = None) -> None:
        self.dataset = dataset
        self.task = task
        self.spaces = tuple(spaces)
        self.gene_weight = gene_weight
        self.graph = graph
        self.max_rows_per_source = max_rows_per_source
        self.random_state = random_state
        self.ridge = ridge

    def fit(self) -> ZeroShotFeaturizer:
        """Fit one retrieval per available source screen on its training split."""
        kg = load_graph()
        knowledge = [gene_profiles(kg, s) for s in self.spaces]
        self.sources_ = zero_shot_sources(self.dataset, self.task)
        self.train_: dict[str, pd.DataFrame] = {}
        self.retrievals_: dict[str, ResponseRetrieval] = {}
        from pqstats.screens import table_sha256

        for src in self.sources_:
            key = (src, self.task, table_sha256(src, self.task), self.spaces,
                   float(self.gene_weight), self.ridge, id(kg))
            if key not in _RETRIEVALS:
                pairs = load_pairs(src, self.task)
                train = pairs[pairs["split"] == "train"].reset_index(drop=True)
                train = train.assign(pert=canonical_symbols(kg, train["pert"].to_numpy()))
                profiles = [_identity_profiles(train["pert"])] + knowledge
                _RETRIEVALS[key] = (train, ResponseRetrieval(
                    profiles, gene_weight=self.gene_weight, ridge=self.ridge,
                ).fit(train, train["label"].to_numpy()))
            self.train_[src], self.retrievals_[src] = _RETRIEVALS[key]
        self._key = (tuple(k[:3] for k in _RETRIEVALS if k[0] in self.sources_
                           and k[1:2] == (self.task,)), self.spaces, float(self.gene_weight),
                     bool(self.graph), int(self.max_rows_per_source), int(self.random_state),
                     self.ridge)
        return self

    def feature_names(self) -> list[str]:
        """Columns of :meth:`transform`."""
        names = []
        for space in ("self", *self.spaces):
            names += [f"zs_{space}_retrieval", f"zs_{space}_retrieval_smooth",
                      f"zs_{space}_retrieval_sharp", f"zs_{space}_strength",
                      f"zs_{space}_max_similarity"]
            if self.ridge is not None:
                names += [f"zs_{space}_ridge", f"zs_{space}_ridge_smooth",
                          f"zs_{space}_ridge_strength"]
        names += ["zs_gene_rate", "zs_gene_sources", "zs_sources"]
        if self.graph:
            from pqstats.features.graph_pairs import GRAPH_PAIR_FEATURES

            names += GRAPH_PAIR_FEATURES
        return names

    def model_columns(self, kinds: Sequence[str] = ZERO_SHOT_MODEL_KINDS) -> list[str]:
        """The columns of :meth:`transform` a learned model reads: ``zs_{space}_{kind}``
        for each space and kind, then the graph relations (when ``graph``)."""
        names = self.feature_names()
        chosen = [f"zs_{space}_{kind}" for space in ("self", *self.spaces) for kind in kinds]
        unknown = [c for c in chosen if c not in names]
        if unknown:
            raise ValueError(f"unknown zero-shot feature(s) {unknown}; the featuriser "
                             f"makes {', '.join(names)}")
        graph = [c for c in names if not c.startswith("zs_")]
        return chosen + graph

    def _source_features(self, src: str, pairs: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        """One source's features of ``pairs`` (canonical names) and whether it measured g."""
        r = self.retrievals_[src]
        f = r.transform(pairs)
        base = r.base_rate_
        out = {}
        for space in ("self", *self.spaces):
            for kind in ("retrieval", "retrieval_smooth", "retrieval_sharp", "max_similarity"):
                out[f"zs_{space}_{kind}"] = f[f"{space}_{kind}"].to_numpy()
            out[f"zs_{space}_strength"] = f[f"{space}_strength"].to_numpy() - base
            if self.ridge is not None:
                for kind in ("ridge", "ridge_smooth", "ridge_strength"):
                    out[f"zs_{space}_{kind}"] = f[f"{space}_{kind}"].to_numpy()
        out["zs_gene_rate"] = f["gene_rate"].to_numpy() - base
        measured = r.genes_.get_indexer(pairs["gene"]) >= 0
        screened = f["self_max_similarity"].to_numpy() > 0
        return pd.DataFrame(out), measured, screened

    def _gene_level(self, pairs: pd.DataFrame, exclude: str | None) -> pd.DataFrame:
        kg = load_graph()
        canon = pd.DataFrame({"pert": canonical_symbols(kg, pairs["pert"].to_numpy()),
                              "gene": pairs["gene"].to_numpy()})
        pair_cols = [c for c in self.feature_names()
                     if c.startswith("zs_") and not c.endswith(("_strength", "_max_similarity"))
                     and c not in ("zs_gene_sources", "zs_sources")]
        total = None
        n_gene = np.zeros(len(canon))
        n_pert = np.zeros(len(canon))
        n_src = 0
        for src in self.sources_:
            if src == exclude:
                continue
            f, measured, screened = self._source_features(src, canon)
            f.loc[~measured, pair_cols] = 0.0
            total = f if total is None else total + f
            n_gene += measured
            n_pert += screened
            n_src += 1
        if total is None:
            raise ValueError(f"no other screen's {self.task} training split is available to "
                             f"feed {self.dataset!r} zero-shot; fetch or import one")
        total[pair_cols] = total[pair_cols].to_numpy() / np.maximum(n_gene, 1)[:, None]
        other = [c for c in total.columns if c not in pair_cols]
        total[other] = total[other].to_numpy() / n_src
        total["zs_gene_sources"] = n_gene
        total["zs_sources"] = n_pert
        return total.set_axis(pairs.index)

    def transform(self, pairs: pd.DataFrame, exclude: str | None = None) -> pd.DataFrame:
        """Features of ``pairs`` of the target screen (``exclude``: a source left out).

        Memoised per process for the target's own pairs (the zero-shot logit and the
        zero-shot track's models, each seed of them, featurise the same test pairs).
        """
        if exclude is not None:  # a training set's rows: memoised whole by training_set
            return self._transform(pairs, exclude)
        key = (self.dataset, tuple(self.sources_), *self._key, id(load_graph()),
               pairs_digest(pairs))
        if key not in _TRANSFORMED:
            remember(_TRANSFORMED, key, self._transform(pairs, None))
        return _TRANSFORMED[key].set_axis(pairs.index).copy()

    def _transform(self, pairs: pd.DataFrame, exclude: str | None) -> pd.DataFrame:
        members = readout_members(self.dataset) if exclude is None else None
        key = pairs[["pert", "gene"]].reset_index(drop=True)
        if members is not None:  # programme → the mean over its member genes
            long = key.assign(gene=key["gene"].map(members)).explode("gene")
            long = long.dropna(subset=["gene"])
            feats = self._gene_level(long, exclude)
            feats = feats.groupby(level=0).mean().reindex(key.index).fillna(0.0)
        else:
            feats = self._gene_level(key, exclude)
        feats = feats.set_axis(pairs.index)
        if self.graph:
            graph = graph_pair_features(load_graph(), pairs, members=members)
            feats = pd.concat([feats, graph], axis=1)
        return feats[self.feature_names()].astype(np.float32)

    def training_rows(self) -> list[tuple[str, pd.DataFrame]]:
        """Each source and the training pairs of it that :meth:`training_set` featurises: a
        seeded draw of at most ``max_rows_per_source`` (all of them when fewer)."""
        rng = np.random.default_rng(self.random_state)
        out = []
        for src in self.sources_:
            train = self.train_[src]
            if len(train) > self.max_rows_per_source:
                train = train.iloc[np.sort(rng.choice(len(train), self.max_rows_per_source,
                                                      replace=False))]
            out.append((src, train))
        return out

    def training_genes(self) -> np.ndarray:
        """``"source|gene"`` of each row of :meth:`training_set` (the groups of a fit
        within gene)."""
        return np.concatenate([src + "|" + train["gene"].astype(str).to_numpy()
                               for src, train in self.training_rows()])

    def training_set(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """Rows to train a zero-shot model: each source's training pairs (a seeded draw of
        at most ``max_rows_per_source``), featurised by the *other* sources only.

        Returns
        -------
        (DataFrame, numpy.ndarray, numpy.ndarray)
            Features, labels, and the source screen of each row.
        """
        if len(self.sources_) < 2:
            raise ValueError(
                f"a zero-shot model for {self.dataset!r} learns from one screen's pairs with "
                f"another's evidence; only {len(self.sources_)} other screen(s) have {self.task} "
                "training labels here (fetch or import another)")
        key = (tuple(self.sources_), *self._key)
        if key in _TRAINING_SETS:
            feats, labels, origin = _TRAINING_SETS[key]
            return feats.copy(), labels.copy(), origin.copy()
        feats, labels, origin = [], [], []
        for src, train in self.training_rows():
            feats.append(self.transform(train[["pert", "gene"]], exclude=src))
            labels.append(train["label"].to_numpy())
            origin.append(np.full(len(train), src, dtype=object))
        out = (pd.concat(feats, ignore_index=True), np.concatenate(labels),
               np.concatenate(origin))
        remember(_TRAINING_SETS, key, out)
        return out[0].copy(), out[1].copy(), out[2].copy()


_LOGITS: dict[tuple, object] = {}
_LOGIT_ROWS: dict[tuple, pd.DataFrame] = {}


def zero_shot_logistic(featurizer: ZeroShotFeaturizer, C: float):
    """The zero-shot track's logistic model, fitted on ``featurizer``'s training set.

    :func:`~pqstats._estimators.standardised_logistic` on
    :meth:`ZeroShotFeaturizer.model_columns`, its weights fitted within gene for the tasks
    of :data:`WITHIN_GENE_TASKS`. Memoised per process (the zero-shot track's ``logistic``
    and the transfer track's :class:`ZeroShotLogit` are this one fit).

    Parameters
    ----------
    featurizer : ZeroShotFeaturizer
        Fitted, with at least two source screens.
    C : float
        Inverse L2 strength of the logistic regression.

    Returns
    -------
    sklearn.pipeline.Pipeline
        The fitted classifier (read-only: it is shared).
    """
    zs = featurizer
    key = (zs.dataset, zs.task, tuple(zs.sources_), *zs._key, float(C))
    if key not in _LOGITS:
        features, labels, _ = zs.training_set()
        X = features[zs.model_columns()].to_numpy(np.float32)
        remember(_LOGITS, key, fit_task_logistic(zs.task, C, X, labels, zs.training_genes()))
    return _LOGITS[key]


def fit_task_logistic(task: str, C: float, X, y, genes):
    """The zero-shot logistic fit of ``task`` on any rows: within gene for the tasks of
    :data:`WITHIN_GENE_TASKS`, on the raw features otherwise.

    Parameters
    ----------
    task : {"de", "dir"}
    C : float
        Inverse L2 strength of the logistic regression.
    X, y : array-like
        Features and labels of the training rows.
    genes : array-like
        The group of each row for a fit within gene (:meth:`ZeroShotFeaturizer.
        training_genes`); unused on the other tasks.

    Returns
    -------
    sklearn.pipeline.Pipeline
        The fitted classifier.
    """
    if task in WITHIN_GENE_TASKS:
        return within_group_logistic(C, X, y, genes)
    return standardised_logistic(C).fit(X, y)


class ZeroShotLogit:
    """The zero-shot logistic model's logit of each pair, as one transfer-track feature.

    It is the model of the zero-shot track (``logistic``: :func:`zero_shot_logistic`,
    fitted on the other studies' training pairs), so it reads no label of ``dataset``:
    training rows of the target get it in-sample without leakage. On the transfer track it
    lets a fit on a small pilot start from what the other screens say (chosen by CV on
    training splits; see the Decisions page, row 'Zero-shot logit on the transfer track').

    Parameters
    ----------
    dataset, task : str
        The target screen and task.
    C : float
        Inverse L2 strength of the logistic regression.
    **featurizer : dict
        Passed to :class:`ZeroShotFeaturizer` (``spaces``, ``max_rows_per_source``, ...).
    """

    def __init__(self, dataset: str, task: str, C: float = 0.1, **featurizer) -> None:
        self.dataset = dataset
        self.task = task
        self.C = C
        self.featurizer = featurizer

    def fit(self) -> ZeroShotLogit:
        """Fit (or reuse, per process) the zero-shot logistic model.

        With fewer than two other screens available there is nothing to learn from: the
        feature is then 0 for every pair (``fitted_`` False), which no model can use.
        """
        self.featurizer_ = ZeroShotFeaturizer(self.dataset, self.task, **self.featurizer).fit()
        self.fitted_ = len(self.featurizer_.sources_) >= 2
        if not self.fitted_:
            return self
        self.classifier_ = zero_shot_logistic(self.featurizer_, self.C)
        return self

    def transform(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """``zero_shot_logit`` of each pair (index of ``pairs``); a pair's logit is kept per
        process (:func:`~pqstats.features._cache.pair_rows`), so every fit of a learning
        curve featurises the shared test split once."""
        if not self.fitted_:
            return pd.DataFrame({"zero_shot_logit": np.zeros(len(pairs), np.float32)},
                                index=pairs.index)
        zs = self.featurizer_
        key = (zs.dataset, tuple(zs.sources_), *zs._key, load_graph(), float(self.C))
        return pair_rows(_LOGIT_ROWS, key, pairs, self._logits)

    def _logits(self, pairs: pd.DataFrame) -> pd.DataFrame:
        feats = self.featurizer_.transform(pairs[["pert", "gene"]])
        logit = self.classifier_.decision_function(
            feats[self.featurizer_.model_columns()].to_numpy(np.float32))
        return pd.DataFrame({"zero_shot_logit": logit.astype(np.float32)}, index=pairs.index)
