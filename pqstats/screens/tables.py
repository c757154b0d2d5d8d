"""Pair tables: the one format every screen's labels come in, and its validation.

A screen's DE table says whether knocking down ``pert`` changes ``gene``; its Dir table
(the DE-positive pairs) says whether ``gene`` goes up (1) or down (0). Both have the
columns ``pert, gene, label, split`` with ``split`` in ``train``/``test``, and no
perturbation in both splits (every test perturbation is unseen).
"""

from __future__ import annotations

import os

import pandas as pd

from pqstats._choices import TASKS

__all__ = ["TASKS", "SPLITS", "PAIR_COLUMNS", "DatasetError", "validate_pairs",
           "read_pairs"]

SPLITS: tuple[str, ...] = ("train", "test")
PAIR_COLUMNS: list[str] = ["pert", "gene", "label", "split"]


class DatasetError(ValueError):
    """A screen or task name is unknown, or a screen's table is invalid."""


def check_task(task: str) -> str:
    """``task`` if it is one of :data:`TASKS`, else a :class:`DatasetError`."""
    if task not in TASKS:
        raise DatasetError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    return task


def validate_pairs(df: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    """Validate a pair table and return it with canonical dtypes.

    Checks: exactly the columns ``pert, gene, label, split``; no missing values; labels
    in {0, 1}; splits in {train, test}; no duplicate (pert, gene) pair; and no
    perturbation in both splits.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    source : str
        What to call the table in error messages (its path).

    Returns
    -------
    pandas.DataFrame
        ``pert, gene, split`` as str and ``label`` as int8, with a fresh index.

    Raises
    ------
    DatasetError
        Naming ``source`` and the first offending rows.
    """
    if list(df.columns) != PAIR_COLUMNS:
        raise DatasetError(
            f"{source}: expected columns {','.join(PAIR_COLUMNS)}, found "
            f"{','.join(map(str, df.columns))}"
        )
    if df.isna().any().any():
        bad = df[df.isna().any(axis=1)].index[:5].tolist()
        raise DatasetError(f"{source}: missing values in rows {bad}")
    label = pd.to_numeric(df["label"], errors="coerce")
    bad_label = ~label.isin([0, 1])
    if bad_label.any():
        rows = df.index[bad_label][:5].tolist()
        raise DatasetError(
            f"{source}: labels must be 0 or 1; rows {rows} have "
            f"{df.loc[bad_label, 'label'].head(5).tolist()}"
        )
    bad_split = ~df["split"].isin(SPLITS)
    if bad_split.any():
        raise DatasetError(
            f"{source}: split must be 'train' or 'test'; found "
            f"{sorted(df.loc[bad_split, 'split'].astype(str).unique())[:5]}"
        )
    dup = df.duplicated(["pert", "gene"])
    if dup.any():
        first = df.loc[dup, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise DatasetError(f"{source}: duplicate (pert, gene) pairs, e.g. {first}")
    splits_per_pert = df.groupby("pert")["split"].nunique()
    leaked = splits_per_pert.index[splits_per_pert > 1]
    if len(leaked):
        raise DatasetError(
            f"{source}: perturbations in both train and test, e.g. {list(leaked[:5])}"
        )
    out = df.astype({"pert": str, "gene": str, "split": str}).copy()
    out["label"] = label.astype("int8")
    return out.reset_index(drop=True)


def read_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """Read a pair table from CSV and validate it (:func:`validate_pairs`)."""
    try:
        df = pd.read_csv(path, dtype={"pert": str, "gene": str, "split": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV ({err})") from err
    return validate_pairs(df, source=str(path))
