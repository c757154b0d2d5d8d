"""The PerturbQA benchmark: its files (name, upstream URL, sha256) and its five screens.

Every file of the benchmark (Wu et al., ICLR 2025) is listed in :data:`REGISTRY` with
its upstream URL and sha256; :func:`fetch` gets one through
:func:`pqstats._fetch.fetch_file` (mirror ``$PQSTATS_MIRROR/perturbqa/<file>`` or
upstream), verified.

Screens
-------
``k562``, ``rpe1`` (Replogle et al. 2022), ``hepg2``, ``jurkat`` (Nadig et al. 2025) and
``k562_set`` (K562 perturbations x 20 gene programmes): :data:`SCREENS`, the built-in
entries of the screen registry (:mod:`pqstats.screens.registry`). Each has a DE table
(does knocking down ``pert`` change ``gene``?) and a Dir table (for DE pairs: 1 = up,
0 = down), with a ``split`` of ``train``/``test`` that shares no perturbation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pqstats._fetch import DataUnavailableError, RemoteFile, fetch_file
from pqstats.screens.record import Screen, ScreenFile
from pqstats.screens.tables import DatasetError

__all__ = ["REGISTRY", "OPTIONAL_FILES", "SCREENS", "fetch", "fetch_all", "read_json",
           "load_gse"]

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

#: Files ``pqstats fetch`` may find missing without failing: none. Every file of the
#: benchmark, Jurkat's included, is required (a missing one is reported, with the fix).
OPTIONAL_FILES: frozenset[str] = frozenset()


def _files(*roles_and_names: tuple[str, str]) -> tuple[ScreenFile, ...]:
    return tuple(ScreenFile(role=role, name=name, sha256=REGISTRY[name].sha256,
                            url=REGISTRY[name].url) for role, name in roles_and_names)


_K562 = ("K562 cells (a chronic myelogenous leukaemia cell line), genome-wide CRISPRi "
         "Perturb-seq screen (Replogle et al. 2022)")
_ESSENTIAL = "CRISPRi Perturb-seq screen of essential genes"
_PERTURBQA = "PerturbQA (Wu et al. 2025) labels"

#: The built-in screens, in the benchmark's order.
SCREENS: tuple[Screen, ...] = (
    Screen(name="k562", cell_line="K562", label="K562", description=_K562,
           study="replogle2022_k562", readout="genes",
           files=_files(("de", "k562-de.csv"), ("dir", "k562-dir.csv"),
                        ("measured", "k562_gw_mapping_full.json")),
           labels=f"{_PERTURBQA} from the genome-wide K562 screen of Replogle et al. 2022"),
    Screen(name="rpe1", cell_line="RPE1", label="RPE1",
           description="hTERT RPE-1 cells (a non-cancerous retinal pigment epithelium cell "
                       f"line), {_ESSENTIAL} (Replogle et al. 2022)",
           study="replogle2022_rpe1", readout="genes",
           files=_files(("de", "rpe1-de.csv"), ("dir", "rpe1-dir.csv")),
           labels=f"{_PERTURBQA} from the RPE1 essential-gene screen of Replogle et al. 2022"),
    Screen(name="hepg2", cell_line="HepG2", label="HepG2",
           description="HepG2 cells (a hepatocellular carcinoma cell line), "
                       f"{_ESSENTIAL} (Nadig et al. 2025)",
           study="nadig2025_hepg2", readout="genes",
           files=_files(("de", "hepg2-de.csv"), ("dir", "hepg2-dir.csv")),
           labels=f"{_PERTURBQA} from the HepG2 essential-gene screen of Nadig et al. 2025"),
    Screen(name="jurkat", cell_line="Jurkat", label="Jurkat",
           description="Jurkat cells (an acute T-cell leukaemia cell line), "
                       f"{_ESSENTIAL} (Nadig et al. 2025)",
           study="nadig2025_jurkat", readout="genes",
           files=_files(("de", "jurkat-de.csv"), ("dir", "jurkat-dir.csv")),
           labels=f"{_PERTURBQA} from the Jurkat essential-gene screen of Nadig et al. 2025"),
    Screen(name="k562_set", cell_line="K562", label="K562 gene programmes", description=_K562,
           study="replogle2022_k562", readout="programmes",
           files=_files(("de", "k562_set-de.csv"), ("dir", "k562_set-dir.csv"),
                        ("programmes", "k562_set-mapping.json"),
                        ("measured", "k562_gw_mapping_full.json")),
           labels=f"{_PERTURBQA} from the K562 screen of Replogle et al. 2022, per gene "
                  "programme (k562_set-mapping.json)"),
)


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


def read_json(filename: str):
    """A benchmark JSON file, parsed (a clear error when it is not valid JSON)."""
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
    records = read_json(filename)
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
