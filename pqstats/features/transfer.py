"""Transfer-track features: the perturbation's outcomes in *other screens'* training data.

DESIGN.md's transfer track lets a model use the training splits of datasets from other
screens. Screens: ``k562`` and ``k562_set`` share one (Replogle K562) and never feed each
other; ``rpe1`` (Replogle RPE1), ``hepg2`` and ``jurkat`` (Nadig) are separate. Only
gene-level datasets are used as sources; for ``k562_set`` targets (gene programmes) a
source outcome is averaged over the programme's member genes. No test split is ever read.

Features of a pair (p, g):

* ``transfer_outcome`` — mean over source screens of p's residual outcome on g
  (label minus g's base rate in that screen), 0 when unobserved;
* ``transfer_observed`` — number of source observations behind it;
* ``transfer_strength`` — mean over source screens of p's training positive rate
  minus that screen's overall rate, 0 when p was not screened there;
* ``transfer_screens`` — number of source screens that perturbed p.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqstats._fetch import DataUnavailableError

__all__ = ["SCREENS", "TRANSFER_FEATURES", "transfer_sources", "TransferFeatures"]

#: Dataset → the screen (experiment) its labels come from.
SCREENS = {"k562": "replogle-k562", "k562_set": "replogle-k562", "rpe1": "replogle-rpe1",
           "hepg2": "nadig-hepg2", "jurkat": "nadig-jurkat"}
_GENE_LEVEL = ("k562", "rpe1", "hepg2", "jurkat")
TRANSFER_FEATURES = ["transfer_outcome", "transfer_observed", "transfer_strength",
                     "transfer_screens"]


def _training_residuals(source: str, task: str) -> pd.DataFrame:
    """A source screen's training pairs with ``residual`` = label minus the gene's rate.

    Raises :class:`DataUnavailableError` when the source's file is missing.
    """
    from pqstats.datasets import load_pairs

    pairs = load_pairs(source, task)
    train = pairs[pairs["split"] == "train"]
    return train.assign(residual=train["label"] - train.groupby("gene")["label"].transform("mean"))


def transfer_sources(dataset: str) -> list[str]:
    """Gene-level datasets from screens other than ``dataset``'s."""
    if dataset not in SCREENS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(SCREENS)}")
    return [d for d in _GENE_LEVEL if SCREENS[d] != SCREENS[dataset]]


class TransferFeatures:
    """Outcomes of the same perturbation in other screens' training splits.

    Parameters
    ----------
    dataset : str
        The dataset being modelled (decides which screens may feed it).
    task : {"de", "dir"}
        Which labels to transfer.
    """

    def __init__(self, dataset: str, task: str) -> None:
        self.dataset = dataset
        self.task = task

    def fit(self) -> TransferFeatures:
        """Load the training splits of the allowed source screens (missing ones skipped)."""
        from pqstats.datasets import load_programs

        outcomes, strengths = [], []
        self.sources_: list[str] = []
        for src in transfer_sources(self.dataset):
            try:
                train = _training_residuals(src, self.task)
            except DataUnavailableError:
                continue
            outcomes.append(train[["pert", "gene", "residual"]])
            per_pert = train.groupby("pert")["label"].mean() - train["label"].mean()
            strengths.append(per_pert.rename("strength").reset_index())
            self.sources_.append(src)
        cols = ["pert", "gene", "residual"]
        self.outcomes_ = pd.concat(outcomes) if outcomes else pd.DataFrame(columns=cols)
        self.strengths_ = (pd.concat(strengths).groupby("pert")["strength"].agg(["mean", "size"])
                           if strengths else pd.DataFrame(columns=["mean", "size"]))
        self.members_ = load_programs() if self.dataset == "k562_set" else None
        return self

    def transform(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Transfer features of each pair (index of ``pairs``)."""
        key = pairs[["pert", "gene"]].copy()
        if self.members_ is not None:  # programme → its member genes
            key = key.assign(member=key["gene"].map(self.members_)).explode("member")
            key = key.drop(columns="gene").rename(columns={"member": "gene"})
        merged = key.reset_index().merge(self.outcomes_, on=["pert", "gene"], how="left")
        agg = merged.groupby("index")["residual"].agg(["mean", "count"])
        agg = agg.reindex(pairs.index)
        strength = self.strengths_.reindex(pairs["pert"].to_numpy())
        return pd.DataFrame({
            "transfer_outcome": agg["mean"].fillna(0.0).to_numpy(np.float32),
            "transfer_observed": agg["count"].fillna(0).to_numpy(np.float32),
            "transfer_strength": strength["mean"].fillna(0.0).to_numpy(np.float32),
            "transfer_screens": strength["size"].fillna(0).to_numpy(np.float32),
        }, index=pairs.index)


def response_profiles(dataset: str) -> list:
    """Perturbation response profiles from other screens, as similarity spaces.

    For each allowed source screen (:func:`transfer_sources`), a perturbation's profile
    is its row of residual DE outcomes (label minus the gene's base rate) over the genes
    of that screen's *training* split, L2-normalised. Two perturbations screened there are
    similar when they changed the same genes — a data-driven similarity that
    :class:`~pqstats.features.retrieval.ResponseRetrieval` uses like a knowledge space.

    Returns
    -------
    list of GeneProfiles
        Spaces named ``response_<source>``.
    """
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    from pqstats.features.pairs import load_graph
    from pqstats.features.profiles import GeneProfiles, canonical_symbols

    out = []
    for src in transfer_sources(dataset):
        try:
            train = _training_residuals(src, "de")
        except DataUnavailableError:
            continue
        resid = train["residual"]
        perts = pd.Index(np.unique(train["pert"]))
        genes = pd.Index(np.unique(train["gene"]))
        mat = sp.csr_matrix((resid.to_numpy(np.float32),
                             (perts.get_indexer(train["pert"]), genes.get_indexer(train["gene"]))),
                            shape=(len(perts), len(genes)))
        # named by the graph's symbols, as the retrieval queries them
        names = pd.Index(canonical_symbols(load_graph(), perts.to_numpy()))
        out.append(GeneProfiles(space=f"response_{src}", genes=names,
                                matrix=normalize(mat).astype(np.float32).tocsr()))
    return out
