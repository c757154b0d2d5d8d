"""Fit one benchmark cell and cache its test scores on disk, keyed by every input.

A cell is a screen, a task, a track and a model. :func:`fit_predict` fits the model on the
cell's training split and scores its test split (test labels never reach the fit);
:func:`cached_fit_predict` does the same through a score cache under
``data_dir()/cache/benchmark`` whose key (:func:`fit_cache_key`) holds every input that
decides the scores: the model's parameters, the cell, a hash of the pairs, the source of
the scoring code (:func:`_source_digest`) and the knowledge graph's files. A warm rerun of
the benchmark therefore only re-scores. :func:`cached_scores` reads the cache and never
fits (the best cells, comparisons and ROC curves use it).

A model name is resolved into an estimator once, where it enters (the first line of a
public function); from there on the estimator is passed.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from pqstats import models as model_registry
from pqstats._checks import check_int
from pqstats._io import atomic_write
from pqstats.models import PairClassifier

__all__ = ["fit_predict", "cached_fit_predict", "cached_scores", "fit_cache_key",
           "model_seeds"]


def _estimator(model: str | PairClassifier, params: dict | None = None) -> PairClassifier:
    """The one place a model name becomes an estimator (an estimator is passed through,
    with ``params`` set on a copy)."""
    if isinstance(model, str):
        return model_registry.get(model, **(params or {}))
    return clone(model).set_params(**params) if params else model


def fit_predict(model: str | PairClassifier, dataset: str, task: str, track: str,
                pairs: pd.DataFrame, params: dict | None = None) -> tuple[np.ndarray, float]:
    """Fit a model on the training split and score the test split.

    Only the training rows' labels reach the model; the test rows are passed as
    ``pert, gene`` alone. On the zero-shot track no row of ``pairs`` reaches the fit
    (the model learns from other screens' training splits only).

    Parameters
    ----------
    model : str or PairClassifier
        A registered model name (resolved here, with ``params``) or an estimator (a copy
        is fitted; ``params`` are set on it).
    dataset, task, track : str
        The cell; the model gets whichever of them it declares as parameters.
    pairs : DataFrame
        :func:`pqstats.screens.load_pairs` of the screen and task.
    params : dict, optional
        Model parameters.

    Returns
    -------
    (numpy.ndarray, float)
        Scores of the test rows (in their order in ``pairs``) and the seconds taken.
    """
    if isinstance(model, str):
        from pqstats.screens import resolve_screen

        dataset = resolve_screen(dataset)
    model = model_registry.for_cell(_estimator(model, params), dataset, task, track)
    train = pairs[pairs["split"] == "train"]
    if track == "zero-shot":
        train = train.iloc[:0]
    test = pairs.loc[pairs["split"] == "test", ["pert", "gene"]]
    start = time.perf_counter()
    model.fit(train[["pert", "gene"]], train["label"].to_numpy())
    scores = model.score_pairs(test)
    return scores, time.perf_counter() - start


# The code that decides a test score: the models, their features, the knowledge graph and
# the data loaders. Reporting, enrichment, the CLI and the LLM adapter are left out, so
# working on them keeps the cached scores.
_SCORING_CODE = ("models.py", "_estimators.py", "_boosting.py", "_calibrators.py", "screens",
                 "_sentence.py", "features", "knowledge", "_choices.py")


@lru_cache(maxsize=1)
def _source_digest() -> str:
    """sha256 over the source that decides a test score, plus :func:`fit_predict` itself.

    Any change to the models, features, knowledge graph or data loaders invalidates the
    cached scores. Computed once per process: it stands for the code this process imported.
    """
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(inspect.getsource(fit_predict).encode())
    paths = []
    for entry in _SCORING_CODE:
        target = root / entry
        paths += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _knowledge_key() -> dict:
    """What a cache key must add about the knowledge graph: ``{}`` for the default graph
    from the verified bundle; else the graph's sources (``PQSTATS_EXCLUDE_SOURCES``) and,
    for your own files (``PQSTATS_KNOWLEDGE_DIR``), their checksums.

    Keys of the default graph stay as they were; anything cached from a model fitted on
    the graph (scores, fitted models) should merge this into its key.
    """
    from pqstats.knowledge._cache import file_sha256
    from pqstats.knowledge.graph import (
        DEFAULT_GRAPH_SOURCES,
        default_bundle_dir,
        default_graph_sources,
        files_read_by,
    )
    from pqstats.knowledge.sources import source_files

    sources = default_graph_sources()
    key: dict = {} if sources == DEFAULT_GRAPH_SOURCES else {"graph_sources": list(sources)}
    folder = default_bundle_dir()
    if folder is not None:
        needed = sorted(files_read_by(sources))
        key["knowledge_files"] = {s: [file_sha256(p) for p in source_files(s, folder)]
                                  for s in needed}
    return key


def fit_cache_key(model_name: str, params: dict, cell: Sequence[str],
                  pairs: pd.DataFrame) -> str:
    """Key of anything cached from fitting a model: every input that decides the fit.

    The model's name and parameters, the cell (screen, task, track), a hash of ``pairs``
    (labels included), :func:`_source_digest` and :func:`_knowledge_key`; on the transfer
    track also the other screens that feed it, with their tables' checksums
    (:func:`pqstats.features.transfer.transfer_fingerprint`), so importing or removing a
    screen refits what it changes; on the zero-shot track the target's labels are left
    out of the hash (they decide nothing there).
    """
    if cell[2] == "zero-shot":  # no label of the target decides a zero-shot fit
        pairs = pairs[[c for c in ("pert", "gene", "split") if c in pairs.columns]]
    content = pd.util.hash_pandas_object(pairs, index=False).to_numpy()
    parts = {"model": model_name, "params": params, "cell": list(cell),
             "pairs": hashlib.sha256(content.tobytes()).hexdigest(), "code": _source_digest(),
             **_knowledge_key()}
    if cell[2] in ("transfer", "zero-shot"):
        from pqstats.features.transfer import transfer_fingerprint

        parts["transfer_sources"] = transfer_fingerprint(cell[0], cell[1])
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()
                          ).hexdigest()[:32]


def _score_cache_path(model_name: str, model: PairClassifier, dataset: str, task: str,
                      track: str, pairs: pd.DataFrame) -> Path:
    """Where :func:`cached_fit_predict` keeps the test scores of one fit of ``model``
    (the estimator registered as ``model_name``, before the cell's context is set)."""
    from pqstats._fetch import data_dir

    key = fit_cache_key(model_name, model.get_params(), (dataset, task, track), pairs)
    return data_dir() / "cache" / "benchmark" / f"{key}.npz"


def _members(model: PairClassifier) -> list[tuple[str, dict]] | None:
    """A composite model's members as ``(name, parameters)`` (None: not a composite)."""
    return model.member_params() if hasattr(model, "member_params") else None


def _seeded(model: PairClassifier) -> bool:
    return "random_state" in model.get_params()


def cached_scores(model_name: str, dataset: str, task: str, track: str,
                  pairs: pd.DataFrame) -> np.ndarray | None:
    """The cached test scores of a benchmark cell's first seed, or None; never fits.

    Parameters
    ----------
    model_name, dataset, task, track : str
        The cell, as in :func:`pqstats.benchmark.run_benchmark` (``dataset`` as
        registered).
    pairs : DataFrame
        :func:`pqstats.screens.load_pairs` of the screen and task.

    Returns
    -------
    numpy.ndarray or None
        Scores of the test rows (in their order in ``pairs``), as
        :func:`pqstats.benchmark.run_benchmark` keeps them in ``scores_out``; None when the
        score cache does not hold them.
    """
    model = _estimator(model_name)
    members = _members(model)
    if members is not None:  # a composite: the mean of its members' first-seed scores
        parts = [cached_scores(name, dataset, task, track, pairs) for name, _ in members]
        return None if any(p is None for p in parts) else np.mean(parts, axis=0)
    # a seeded model is cached under its seed 0; a seeds=1 run caches it under the
    # default parameters (the same key when the default seed is 0)
    for params in ([{"random_state": 0}, None] if _seeded(model) else [None]):
        path = _score_cache_path(model_name, _estimator(model, params), dataset, task, track,
                                 pairs)
        if path.is_file():
            with np.load(path) as f:
                return f["scores"]
    return None


def cached_fit_predict(model_name: str, dataset: str, task: str, track: str,
                       pairs: pd.DataFrame, cache: bool = True, params: dict | None = None,
                       memo: dict | None = None, *, model: PairClassifier | None = None
                       ) -> tuple[np.ndarray, float]:
    """:func:`fit_predict`, with the test scores cached on disk keyed by every input.

    The key holds the model's parameters, the cell, a hash of the pairs (labels of the
    training rows included), :func:`_source_digest` and, when some are left out
    (``PQSTATS_EXCLUDE_SOURCES``), the graph's sources; the knowledge files are pinned by
    checksums in the code. A warm rerun of the benchmark therefore only re-scores.

    A composite model (one with ``member_params``, the ``ensemble``) is the mean of its
    members' test scores, each fitted (or read from the cache) as its own cell would be,
    and its seconds are theirs together: what :meth:`fit` then ``score_pairs`` would give,
    without fitting a member twice. ``memo`` (a dict kept over one screen's cells) holds
    the scores of every fit made with it, so that a run without the cache fits each
    member once too.

    Parameters
    ----------
    model_name : str
        The registered model (the name in the key).
    dataset, task, track : str
        The cell (``dataset`` as registered).
    pairs : DataFrame
        :func:`pqstats.screens.load_pairs` of the screen and task.
    cache : bool
        Read and write the score cache.
    params : dict, optional
        Model parameters.
    memo : dict, optional
        Fits made so far over one screen's cells.
    model : PairClassifier, optional
        ``model_name``'s estimator, already built (``params`` are then set on a copy):
        the name is not resolved again.

    Returns
    -------
    (numpy.ndarray, float)
        Scores of the test rows (in their order in ``pairs``) and the seconds taken.
    """
    model = _estimator(model_name if model is None else model, params)
    members = _members(model)
    if members is not None:
        parts = [cached_fit_predict(name, dataset, task, track, pairs, cache, p, memo)
                 for name, p in members]
        return np.mean([s for s, _ in parts], axis=0), float(sum(t for _, t in parts))
    path = _score_cache_path(model_name, model, dataset, task, track, pairs)
    if memo is not None and path in memo:
        return memo[path]
    if cache and path.is_file():
        with np.load(path) as f:
            return f["scores"], float(f["seconds"])
    scores, seconds = fit_predict(model, dataset, task, track, pairs)
    if memo is not None:
        memo[path] = (scores, seconds)
    if cache:
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, scores=scores, seconds=seconds)

        atomic_write(path, write)
    return scores, seconds


def model_seeds(model: str | PairClassifier, seeds: int) -> list[int]:
    """The seeds a model runs with: ``range(seeds)`` when it declares ``random_state``
    (its estimator's seed; the out-of-fold features use fixed, seed-free grouped folds),
    else ``[0]`` — a deterministic model runs once.

    ``model`` is a registered name or its estimator.
    """
    seeds = check_int(seeds, "seeds")
    return list(range(seeds)) if _seeded(_estimator(model)) else [0]
