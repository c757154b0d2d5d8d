"""Text embedding of genes: the knowledge graph's gene description through MiniLM.

A GenePT-like representation that runs offline: each gene's deterministic description
(:meth:`pqstats.knowledge.KnowledgeGraph.gene_text`: full name, GO terms, pathways,
complexes, interactors) is embedded with all-MiniLM-L6-v2 (the ``text`` extra ships its
weights). Embeddings are cached on disk keyed by the graph's sources and options, the
text parameters and the model, and grow incrementally: only genes not yet embedded are
encoded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pqstats._sentence import MINILM_PACKAGE, embed
from pqstats.features._cache import cache_dir
from pqstats.knowledge._cache import cache_key

__all__ = ["TextProfiles", "gene_text_embedding"]

_TEXT_VERSION = 1


def _cache_file(kg):
    key = cache_key({"kind": "gene-text", "model": MINILM_PACKAGE, "version": _TEXT_VERSION,
                     "graph": {k: kg.meta.get(k) for k in ("sources", "options", "versions")}})
    return cache_dir() / f"gene-text-{key[:24]}.npz"


def gene_text_embedding(kg, genes: Sequence[str] | None = None, *, batch_size: int = 64,
                        progress: bool = False) -> pd.DataFrame:
    """MiniLM embeddings (384 dims, unit length) of the genes' knowledge-graph text.

    Parameters
    ----------
    kg : pqstats.knowledge.KnowledgeGraph
    genes : sequence of str, optional
        Gene symbols (default: every gene of the graph). Genes the graph does not know
        get the embedding of their "no entries" description.
    batch_size : int
        Encoder batch size.
    progress : bool
        Show a progress bar over batches still to encode.

    Returns
    -------
    DataFrame
        Index: the requested genes; columns ``text0 .. text383``.
    """
    from tqdm.auto import tqdm

    from pqstats._io import atomic_write

    genes = list(kg.genes if genes is None else dict.fromkeys(genes))
    path = _cache_file(kg)
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as f:
                known = dict(zip(f["genes"].tolist(), f["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            known = {}  # unreadable: rebuilt below
    missing = [g for g in genes if g not in known]
    if missing:
        chunks = range(0, len(missing), batch_size * 16)
        for start in tqdm(chunks, desc="gene text", disable=not progress):
            block = missing[start:start + batch_size * 16]
            vecs = embed([kg.gene_text(g) for g in block], batch_size=batch_size)
            known.update(zip(block, vecs.astype(np.float32), strict=True))
        names = np.array(sorted(known))

        def write(tmp):
            with open(tmp, "wb") as fh:
                np.savez(fh, genes=names, vectors=np.stack([known[g] for g in names]))

        atomic_write(path, write)
    mat = np.stack([known[g] for g in genes]) if genes else np.zeros((0, 384), np.float32)
    return pd.DataFrame(mat, index=pd.Index(genes, name="gene"),
                        columns=[f"text{i}" for i in range(mat.shape[1])])


class TextProfiles:
    """Gene-text embeddings as a retrieval space, embedded on demand.

    Offers what :class:`~pqstats.features.retrieval.ResponseRetrieval` needs of a
    :class:`~pqstats.features.profiles.GeneProfiles` (``space``, ``rows``,
    ``similarity``) without embedding all 20,000 genes up front: only the perturbations a
    model meets are encoded (and cached). Genes unknown to the graph get zero rows.
    """

    space = "text"

    def __init__(self, kg) -> None:
        self.kg = kg

    def rows(self, genes: Sequence[str]):
        """Unit-length embeddings of ``genes`` as a sparse matrix (zero rows if unknown)."""
        import scipy.sparse as sp

        genes = list(genes)
        known = pd.Index(self.kg.genes)
        emb = gene_text_embedding(self.kg, [g for g in genes if g in known])
        out = emb.reindex(genes).fillna(0.0).to_numpy(np.float32)
        return sp.csr_matrix(out.reshape(len(genes), -1) if len(genes) else
                             np.zeros((0, 384), np.float32))

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every gene in ``a`` with every gene in ``b``."""
        return np.asarray((self.rows(a) @ self.rows(b).T).todense(), dtype=np.float32)
