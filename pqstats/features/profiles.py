"""Gene knowledge profiles: TF-IDF-weighted rows of the knowledge graph.

A gene's *profile* in a space is its row of the knowledge-graph adjacency restricted to
that space's edge types (its GO terms, pathways, complexes, interaction partners),
weighted by TF-IDF so that rare, specific terms count more than broad ones, and
L2-normalised so that the dot product of two profiles is their cosine similarity.

Spaces
------
``go``       GO BP / MF / CC terms (propagated annotations)
``ppi``      protein interaction partners (BioPlex, STRING, HuRI) and CORUM complexes
``pathway``  Reactome pathways, hallmark sets and CORUM complexes
``all``      every edge type of the graph
``node2vec`` the gene's node2vec vector on the whole graph (dense; optional, not a default
             space of the models: ~2 min to embed the graph once, then cached)
``text``     MiniLM embedding of the gene's knowledge-graph description (GenePT-like;
             optional, needs the ``text`` extra; genes are embedded on demand and cached)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from pqstats.knowledge.graph import canonical_symbols

__all__ = ["DEFAULT_SPACES", "SPACES", "GeneProfiles", "gene_profiles", "canonical_symbols"]

#: Similarity space → knowledge-graph edge types (prefixes); None = all edge types.
SPACES: dict[str, tuple[str, ...] | None] = {
    "go": ("go",),
    "ppi": ("ppi", "complex"),
    "pathway": ("pathway", "geneset:hallmark", "complex"),
    "all": None,
    "node2vec": None,
    "text": None,
}

#: The spaces retrieval runs in by default (chosen by grouped CV, ``make ablation``).
DEFAULT_SPACES: tuple[str, ...] = ("go", "ppi", "pathway", "all")


@dataclass(frozen=True)
class GeneProfiles:
    """L2-normalised TF-IDF profiles of genes in one space.

    Attributes
    ----------
    space : str
        Name of the space.
    genes : pandas.Index
        Gene symbols, the rows of ``matrix``.
    matrix : scipy.sparse.csr_matrix
        Shape (n_genes, n_features), rows of unit norm (or zero).
    """

    space: str
    genes: pd.Index
    matrix: sp.csr_matrix

    def rows(self, genes: Sequence[str]) -> sp.csr_matrix:
        """Profiles of ``genes`` in order; a gene without a profile gets a zero row."""
        idx = self.genes.get_indexer(list(genes))
        found = (idx >= 0).astype(np.float32)
        out = self.matrix[np.maximum(idx, 0)]
        return (sp.diags(found) @ out).tocsr()

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every gene in ``a`` with every gene in ``b`` (dense)."""
        return np.asarray((self.rows(a) @ self.rows(b).T).todense(), dtype=np.float32)


_MEMO: dict[tuple[int, str], GeneProfiles] = {}


def gene_profiles(kg, space: str = "all") -> GeneProfiles:  # or TextProfiles for "text"
    """TF-IDF gene profiles of one space of a knowledge graph (memoised per graph).

    Parameters
    ----------
    kg : pqstats.knowledge.KnowledgeGraph
        The graph.
    space : str
        A key of :data:`SPACES`.

    Returns
    -------
    GeneProfiles
    """
    if space not in SPACES:
        raise ValueError(f"unknown space {space!r}; choose from {', '.join(SPACES)}")
    key = (id(kg), space)
    if key not in _MEMO and space == "text":
        from pqstats.features.text import TextProfiles

        _MEMO[key] = TextProfiles(kg)
    if key not in _MEMO and space == "node2vec":
        from pqstats.features.node2vec import knowledge_graph_embedding

        emb = knowledge_graph_embedding(kg, workers=1).reindex(kg.genes).fillna(0.0)
        _MEMO[key] = GeneProfiles(space=space, genes=pd.Index(emb.index),
                                  matrix=sp.csr_matrix(normalize(emb.to_numpy(np.float32))))
    if key not in _MEMO:
        mat, names = kg.adjacency(SPACES[space])
        n_genes = len(kg.genes)
        gene_rows = mat[:n_genes].tocsr()
        keep = np.flatnonzero(np.diff(gene_rows.indptr) > 0)
        tfidf = TfidfTransformer(sublinear_tf=False).fit_transform(gene_rows[keep])
        _MEMO[key] = GeneProfiles(
            space=space,
            genes=pd.Index(np.asarray(names)[keep]),
            matrix=normalize(tfidf).astype(np.float32).tocsr(),
        )
    return _MEMO[key]
