"""The PerturbQA benchmark files: registry, fetching and validated loaders.

Every file of the benchmark (Wu et al., ICLR 2025) is listed in :data:`REGISTRY` with
its upstream URL and sha256. Loaders fetch through :func:`pqstats._fetch.fetch_file`
(mirror ``$PQSTATS_MIRROR/perturbqa/<file>`` or upstream), validate the table and
return tidy pandas objects.

Datasets
--------
``k562``, ``rpe1`` (Replogle et al. 2022), ``hepg2``, ``jurkat`` (Nadig et al. 2024) and
``k562_set`` (K562 perturbations x 20 gene programmes, :func:`load_programs`).
Each has a DE table (does knocking down ``pert`` change ``gene``?) and a Dir table
(for DE pairs: 1 = up, 0 = down), with a ``split`` of ``train``/``test`` that shares
no perturbation.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pqstats._fetch import DataUnavailableError, RemoteFile, fetch_file

__all__ = [
    "DATASETS",
    "TASKS",
    "REGISTRY",
    "DatasetError",
    "fetch",
    "fetch_all",
    "available_datasets",
    "load_pairs",
    "load_de",
    "load_dir",
    "load_gse",
    "load_programs",
    "measured_genes",
]

DATASETS: tuple[str, ...] = ("k562", "rpe1", "hepg2", "jurkat", "k562_set")
TASKS: tuple[str, ...] = ("de", "dir")
SPLITS: tuple[str, ...] = ("train", "test")
PAIR_COLUMNS: list[str] = ["pert", "gene", "label", "split"]

_UPSTREAM = "https://raw.githubusercontent.com/Genentech/PerturbQA/main/perturbqa/datasets/"
_SHA256 = {
    "k562-de.csv": "e6ab095f3f970bb29f48427414904136785e8cd4945496f8d9a8fa6eab35ee67",
    "k562-dir.csv": "84a0bc9631b33b8720663ed69506a316dad0f686a51f702f277914cc722000f4",
    "rpe1-de.csv": "a66a86aac5db458e0703bccf7f2d638769400a7ccb9f2615cd9421c106b748ca",
    "rpe1-dir.csv": "25fa0b37c7e86cd73e8135b83513ea9d96c55e5a6c3f222ffbb531b91ab0fb0c",
    "hepg2-de.csv": "f94045fb44dcca4af9c69bee5c87de624590061a1123d55d9ee42a9c1ca97932",
    "hepg2-dir.csv": "8c642ab6e6996887dce6c774d5fc58546970ba9216a636c7547b5039062a2cc3",
    "jurkat-de.csv": "cf993f77015bd7df9d71ce9cf1170f6c8e64a571dc6f9ba0aef411ffb103eec5",
    "jurkat-dir.csv": "8e17055a5bbf8c2751317db5284a9e793a2dc5aaccef0afbcdaf87daabc45709",
    "k562_set-de.csv": "d51faff9a337d111ff2f0858890bbf3207669925f26c0ba75164bc7217872c54",
    "k562_set-dir.csv": "3298d18708d82bd0852e9f6a91b9c5b56a000a2183375457143ccab7f218cb7f",
    "k562_gene-gse.json": "718f85e2cbecf58faa57eb710a709a26a6f6cef95354237fce514d83327b62ae",
    "k562_pert-gse.json": "b930662f0226d2bc394f00b2f0eea083aad5f3c3d316cfdf330390e9aa3bf2f4",
    "k562_set-mapping.json": "dd6368b07d81fa134cd0e9558f81f44b809015193bc2350c1367c4d9b925e066",
    "k562_gw_mapping_full.json": "1cc4fb106cd5542751bdfb70df2040ceefe7a1b8aa0f03613c185b9f2c405a98",
}

#: Every PerturbQA file, by file name.
REGISTRY: dict[str, RemoteFile] = {
    name: RemoteFile(name=name, subdir="perturbqa", url=_UPSTREAM + name, sha256=sha)
    for name, sha in _SHA256.items()
}


class DatasetError(ValueError):
    """A benchmark name is unknown, or a benchmark file's contents are invalid."""


def _check_dataset(name: str) -> str:
    if name not in DATASETS:
        raise DatasetError(
            f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}"
        )
    return name


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise DatasetError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    return task


def fetch(filename: str, **kwargs) -> Path:
    """Return the verified local path of one benchmark file, fetching it if needed.

    Parameters
    ----------
    filename : str
        A key of :data:`REGISTRY`, e.g. ``"k562-de.csv"``.
    **kwargs
        Passed to :func:`pqstats._fetch.fetch_file` (``mirror``, ``cache``, ``progress``).
    """
    if filename not in REGISTRY:
        raise DatasetError(
            f"unknown benchmark file {filename!r}; known files: {', '.join(REGISTRY)}"
        )
    return fetch_file(REGISTRY[filename], **kwargs)


def fetch_all(**kwargs) -> dict[str, Path | Exception]:
    """Fetch every benchmark file; return each file's path, or the error that stopped it."""
    out: dict[str, Path | Exception] = {}
    for name in REGISTRY:
        try:
            out[name] = fetch(name, **kwargs)
        except (DataUnavailableError, ValueError) as err:
            out[name] = err
    return out


def available_datasets(task: str = "de") -> dict[str, str | None]:
    """Which datasets can be loaded here: name → None if available, else the reason."""
    _check_task(task)
    status: dict[str, str | None] = {}
    for name in DATASETS:
        try:
            fetch(f"{name}-{task}.csv")
            status[name] = None
        except (DataUnavailableError, ValueError) as err:
            status[name] = str(err)
    return status


def validate_pairs(df: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    """Validate a PerturbQA pair table and return it with canonical dtypes.

    Checks: exactly the columns ``pert, gene, label, split``; no missing values; labels
    in {0, 1}; splits in {train, test}; no duplicate (pert, gene) pair; and no
    perturbation in both splits.

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


@lru_cache(maxsize=16)
def _load_pairs_cached(name: str, task: str) -> pd.DataFrame:
    path = fetch(f"{name}-{task}.csv")
    try:
        df = pd.read_csv(path, dtype={"pert": str, "gene": str, "split": str})
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV ({err})") from err
    return validate_pairs(df, source=str(path))


def load_pairs(name: str, task: str) -> pd.DataFrame:
    """Load one dataset's pairs for ``task`` (``"de"`` or ``"dir"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``pert, gene, label, split`` (label int8 in {0, 1}).
    """
    return _load_pairs_cached(_check_dataset(name), _check_task(task)).copy()


def load_de(name: str) -> pd.DataFrame:
    """Differential-expression pairs of dataset ``name``: ``pert, gene, label, split``."""
    return load_pairs(name, "de")


def load_dir(name: str) -> pd.DataFrame:
    """Direction pairs (DE pairs; label 1 = up) of dataset ``name``."""
    return load_pairs(name, "dir")


def _read_json(filename: str):
    path = fetch(filename)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as err:
        raise DatasetError(f"{path}: not valid JSON ({err})") from err


def load_gse(kind: str, skip_empty: bool = True) -> pd.DataFrame:
    """Gene-set clusters of the GSE task.

    Parameters
    ----------
    kind : {"pert", "gene"}
        Clusters of perturbations (``k562_pert-gse.json``) or of downstream genes
        (``k562_gene-gse.json``).
    skip_empty : bool
        Drop clusters without a human label (the unscored ones).

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster`` (index in the file), ``label`` (str or None) and ``genes``
        (list of symbols).
    """
    if kind not in ("pert", "gene"):
        raise DatasetError(f"unknown GSE kind {kind!r}; choose 'pert' or 'gene'")
    filename = f"k562_{kind}-gse.json"
    records = _read_json(filename)
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and isinstance(r.get("genes"), list) for r in records
    ):
        raise DatasetError(f"{filename}: expected a list of {{genes: [...], label: ...}}")
    df = pd.DataFrame(
        {
            "cluster": range(len(records)),
            "label": [r.get("label") or None for r in records],
            "genes": [[str(g) for g in r["genes"]] for r in records],
        }
    )
    if skip_empty:
        df = df[df["label"].notna()].reset_index(drop=True)
    return df


def load_programs() -> dict[str, list[str]]:
    """The 25 K562 gene programmes of ``k562_set``: programme name → member genes.

    The ``gene`` column of ``k562_set`` pairs names a programme, e.g.
    ``"12-oxidative phosphorylation"``.
    """
    mapping = _read_json("k562_set-mapping.json")
    if not isinstance(mapping, dict):
        raise DatasetError("k562_set-mapping.json: expected {programme: [genes]}")
    return {str(k): [str(g) for g in v] for k, v in mapping.items()}


def measured_genes(name: str = "k562") -> list[str]:
    """The genes measured in a screen (the background for enrichment).

    Only K562 publishes its full measured gene list (``k562_gw_mapping_full.json``,
    symbol → Ensembl id); ``k562_set`` shares it.
    """
    _check_dataset(name)
    if name not in ("k562", "k562_set"):
        raise DatasetError(
            f"PerturbQA publishes the measured gene list only for k562, not {name!r}"
        )
    return sorted(_read_json("k562_gw_mapping_full.json"))
