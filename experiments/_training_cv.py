"""Shared plumbing of the selection scripts that score variants fold by fold.

Folds are those of ``pqstats cv``: 3 folds grouped by perturbation
(:func:`pqstats.evaluation.grouped_folds`, seed 0) on a screen's TRAINING split only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from pqstats._io import atomic_write_csv
from pqstats.benchmark import available_builtin_screens
from pqstats.evaluation import grouped_folds


def training_folds(dataset: str, task: str
                   ) -> Iterator[tuple[int, pd.DataFrame, pd.DataFrame, np.ndarray]]:
    """``(fold, fit rows, held rows, fit labels)`` of the screen's training split."""
    from pqstats.screens import load_pairs

    data = load_pairs(dataset, task).query("split == 'train'").reset_index(drop=True)
    y = data["label"].to_numpy().astype(int)
    for fold, (fit_idx, held_idx) in enumerate(grouped_folds(data, 3, 0)):
        yield fold, data.iloc[fit_idx], data.iloc[held_idx], y[fit_idx]


def ensemble_members(dataset: str, task: str, fit: pd.DataFrame, held: pd.DataFrame,
                     y_fit: np.ndarray, track: str = "strict"
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ensemble's members on one fold: XGBoost's features of the fit and held rows,
    and the logistic member's held-out probabilities.

    Both read the ``xgboost`` model's featuriser for the cell (its out-of-fold columns of
    the fit rows), logistic without the screen's other-task columns, as the models' own
    fits do. With one BLAS thread, as the scripts' joblib workers run: called from a
    process with two, K562-sets Dir fold AUROCs moved by up to 0.0015.
    """
    from threadpoolctl import threadpool_limits

    from pqstats import models

    with threadpool_limits(1, "blas"):
        featurizer = models.get_for("xgboost", dataset, task, track)._featurizer()
        A = featurizer.fit_transform(fit[["pert", "gene"]], y_fit)
        B = featurizer.transform(held[["pert", "gene"]])
        own = logistic_columns(A.columns, task)
        logistic = models.get("logistic")._make_classifier().fit(
            A.loc[:, own].to_numpy(np.float32), y_fit)
        p_log = logistic.predict_proba(B.loc[:, own].to_numpy(np.float32))[:, 1]
    return A.to_numpy(np.float32), B.to_numpy(np.float32), p_log


def logistic_columns(columns: pd.Index, task: str) -> np.ndarray:
    """Which of XGBoost's strict feature ``columns`` the logistic member reads: all but the
    screen's other-task columns (logistic's own default features)."""
    from pqstats.features.pairs import OTHER_TASK_GROUPS

    prefixes = tuple(f"{t}_" for t in OTHER_TASK_GROUPS.values() if t != task)
    return ~np.asarray(columns.str.startswith(prefixes))


def every_screen(screen_rows: Callable[[str, str], list[dict]], csv: str
                 ) -> tuple[list[str], pd.DataFrame]:
    """``screen_rows(dataset, task)`` of every PerturbQA screen and task, two at a time;
    the screens and the rows as one table, written to ``csv``."""
    screens = available_builtin_screens()
    jobs = [(d, t) for t in ("de", "dir") for d in screens]
    parts = Parallel(n_jobs=2)(delayed(screen_rows)(d, t) for d, t in jobs)
    table = pd.DataFrame([row for part in parts for row in part])
    atomic_write_csv(csv, table)
    return screens, table
