"""Transfer-track features: the perturbation's outcomes in *other screens'* training data.

DESIGN.md's transfer track lets a model use the training splits of other studies'
screens. The sources of a screen are the registered screens (:mod:`pqstats.screens`)
that read out single genes and belong to another *study*: ``k562`` and ``k562_set``
share one (Replogle K562) and never feed each other. A PerturbQA screen draws only on the
other PerturbQA screens; an imported screen draws on those and on the imported screens
declared sources (``import_screen(..., source=True)``, ``--source``), never on an
imported screen that was not (so a broken or unrelated import cannot touch its run).
Sources whose tables are unavailable here are skipped. For programme targets
(``k562_set``) a source outcome is averaged over the programme's member genes. No test
split is ever read.

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
from pqstats.features.profiles import GeneProfiles, canonical_symbols
from pqstats.screens import get_screen, list_screens, load_pairs, readout_members, table_sha256

__all__ = ["TRANSFER_FEATURES", "transfer_sources", "transfer_fingerprint",
           "TransferFeatures", "response_profiles"]

TRANSFER_FEATURES = ["transfer_outcome", "transfer_observed", "transfer_strength",
                     "transfer_screens"]


def _training_residuals(source: str, task: str) -> pd.DataFrame:
    """A source screen's training pairs with ``residual`` = label minus the gene's rate.

    Raises :class:`DataUnavailableError` when the source's file is missing.
    """
    pairs = load_pairs(source, task)
    train = pairs[pairs["split"] == "train"]
    return train.assign(residual=train["label"] - train.groupby("gene")["label"].transform("mean"))


def transfer_sources(dataset: str) -> list[str]:
    """Registered gene-level screens of studies other than ``dataset``'s, in registry order.

    A built-in PerturbQA screen draws only on the other built-in screens: the benchmark's
    transfer track means the same thing on every machine, whatever screens a user has
    imported there. An imported screen draws on every other study's built-in screen and
    on the imported screens of other studies that were declared sources (manifest
    ``"source": true``). A screen without labels (a list of readout genes) feeds nothing.
    Whether their tables are available here is not checked (the features skip those that
    are not).
    """
    target = get_screen(dataset)
    return [s.name for s in list_screens(user=not target.builtin)
            if s.readout == "genes" and s.labelled and s.study != target.study
            and (s.builtin or s.manifest.get("source") is True)]


def transfer_fingerprint(dataset: str, task: str) -> list[list[str]]:
    """``[source, sha256 of its task table]`` for each available source: what decides the
    transfer features besides the target's own pairs (for cache keys)."""
    out = []
    for src in transfer_sources(dataset):
        try:
            out.append([src, table_sha256(src, task)])
        except DataUnavailableError:
            continue
    return out


class TransferFeatures:
    """Outcomes of the same perturbation in other screens' training splits.

    Parameters
    ----------
    dataset : str
        The screen being modelled (decides which screens may feed it).
    task : {"de", "dir"}
        Which labels to transfer.
    """

    def __init__(self, dataset: str, task: str) -> None:
        self.dataset = dataset
        self.task = task

    def fit(self) -> TransferFeatures:
        """Load the training splits of the allowed source screens (missing ones skipped)."""
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
        self.members_ = readout_members(self.dataset)
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


def response_profiles(dataset: str, kg) -> list[GeneProfiles]:
    """Perturbation response profiles from other screens, as similarity spaces.

    For each allowed source screen (:func:`transfer_sources`), a perturbation's profile
    is its row of residual DE outcomes (label minus the gene's base rate) over the genes
    of that screen's *training* split, L2-normalised. Two perturbations screened there are
    similar when they changed the same genes — a data-driven similarity that
    :class:`~pqstats.features.retrieval.ResponseRetrieval` uses like a knowledge space.

    Parameters
    ----------
    dataset : str
        The screen being modelled.
    kg : KnowledgeGraph
        Names the profiles' perturbations by the graph's symbols, as retrieval queries
        them.

    Returns
    -------
    list of GeneProfiles
        Spaces named ``response_<source>``.
    """
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

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
        names = pd.Index(canonical_symbols(kg, perts.to_numpy()))
        out.append(GeneProfiles(space=f"response_{src}", genes=names,
                                matrix=normalize(mat).astype(np.float32).tocsr()))
    return out
