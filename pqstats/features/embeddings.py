"""Dense gene embeddings from the knowledge graph: TF-IDF profiles + truncated SVD.

A gene's embedding in a space is the truncated SVD (latent semantic analysis) of the
TF-IDF gene profiles of :mod:`pqstats.features.profiles`, L2-normalised: a few dozen
dense coordinates summarising its GO terms, pathways, complexes and partners. Used as
pair features (the perturbation's vector, the gene's vector and their product), so a
model can learn which kinds of perturbation move which kinds of gene.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from pqstats.features.profiles import gene_profiles

__all__ = ["svd_embedding", "pair_embedding_features"]

_MEMO: dict[tuple, pd.DataFrame] = {}


def svd_embedding(kg, space: str = "all", dimensions: int = 16, random_state: int = 0
                  ) -> pd.DataFrame:
    """Truncated-SVD embedding of the TF-IDF gene profiles (memoised per graph).

    Returns
    -------
    DataFrame
        Index: gene symbols; columns ``<space>_svd0 ...``; rows of unit norm.
    """
    if dimensions < 1:
        raise ValueError(f"dimensions must be >= 1, got {dimensions}")
    key = (id(kg), space, dimensions, random_state)
    if key not in _MEMO:
        prof = gene_profiles(kg, space)
        svd = TruncatedSVD(n_components=dimensions, algorithm="randomized", n_iter=7,
                           random_state=random_state)
        vecs = normalize(svd.fit_transform(prof.matrix)).astype(np.float32)
        _MEMO[key] = pd.DataFrame(vecs, index=prof.genes,
                                  columns=[f"{space}_svd{i}" for i in range(dimensions)])
    return _MEMO[key]


def pair_embedding_features(emb: pd.DataFrame, pairs: pd.DataFrame,
                            members: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Perturbation vector, gene vector and their elementwise product for each pair.

    A readout in ``members`` (a gene programme) is the mean of its members' vectors;
    unknown genes get zero vectors.
    """
    dims = emb.shape[1]
    zeros = np.zeros(dims, dtype=np.float32)
    table = emb.to_numpy()
    index = emb.index

    def vectors(names: pd.Series) -> np.ndarray:
        uniq = pd.unique(names)
        rows = []
        for name in uniq:
            genes = members.get(name, [name]) if members else [name]
            idx = index.get_indexer(genes)
            idx = idx[idx >= 0]
            rows.append(table[idx].mean(0) if len(idx) else zeros)
        lookup = np.vstack(rows) if rows else np.zeros((0, dims), np.float32)
        return lookup[pd.Index(uniq).get_indexer(names)]

    p = vectors(pairs["pert"])
    g = vectors(pairs["gene"])
    cols = list(emb.columns)
    return pd.DataFrame(np.hstack([p, g, p * g]), index=pairs.index,
                        columns=[f"pert_{c}" for c in cols] + [f"gene_{c}" for c in cols]
                        + [f"prod_{c}" for c in cols])
