"""Direct knowledge-graph relations between a perturbation and a gene.

Label-free features of a pair (p, g), computed from the graph alone:

* ``ppi_edge`` — p and g interact (BioPlex, STRING or HuRI);
* ``ppi_shared_partners`` — number of interaction partners they share;
* ``ppi_distance`` — shortest-path length in the interaction graph, capped at
  :data:`MAX_DISTANCE` (the cap also stands for "unreachable");
* ``trrust_sign`` — p is a TF regulating g: +1 activation, -1 repression, 0.5 unknown
  sign, 0 no edge;
* ``shared_complex``, ``shared_pathway`` — CORUM complexes / Reactome + hallmark sets
  containing both;
* ``go_cosine``, ``all_cosine`` — cosine of their TF-IDF profiles.

Outdated symbols and aliases are resolved to the graph's symbols first
(:func:`~pqstats.features.profiles.canonical_symbols`); genes still unknown to the graph
get zeros (and ``ppi_distance`` the cap).

When the readout is a *gene programme* (``k562_set``), pass ``members`` (programme →
genes): each feature is then the mean over the programme's member genes, and
``pert_is_member`` says whether the perturbed gene belongs to the programme.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pqstats.features._cache import pair_rows
from pqstats.features.profiles import canonical_symbols, gene_profiles

__all__ = ["MAX_DISTANCE", "GRAPH_PAIR_FEATURES", "graph_pair_features"]

MAX_DISTANCE = 4
GRAPH_PAIR_FEATURES = ["ppi_edge", "ppi_shared_partners", "ppi_distance", "trrust_sign",
                       "shared_complex", "shared_pathway", "go_cosine", "all_cosine",
                       "pert_is_member"]

# per process: the features of every pair computed, by graph and programme readouts
_ROWS: dict[tuple, pd.DataFrame] = {}


def _pair_index(pi: np.ndarray, gi: np.ndarray):
    ok = (pi >= 0) & (gi >= 0)
    up, p_inv = np.unique(pi[ok], return_inverse=True)
    ug, g_inv = np.unique(gi[ok], return_inverse=True)
    return ok, up, p_inv, ug, g_inv


def _pair_products(a: sp.csr_matrix, b: sp.csr_matrix, pi: np.ndarray, gi: np.ndarray
                   ) -> np.ndarray:
    """Row dot products ``a[pi] . b[gi]`` for index arrays (-1 = unknown → 0)."""
    out = np.zeros(len(pi), dtype=np.float32)
    ok, up, p_inv, ug, g_inv = _pair_index(pi, gi)
    prod = (a[up] @ b[ug].T).toarray()
    out[ok] = prod[p_inv, g_inv]
    return out


def _distances(adj: sp.csr_matrix, pi: np.ndarray, gi: np.ndarray) -> np.ndarray:
    """Shortest-path length (capped) by breadth-first expansion with sparse products."""
    out = np.full(len(pi), MAX_DISTANCE, dtype=np.float32)
    ok, up, p_inv, ug, g_inv = _pair_index(pi, gi)
    adj = (adj > 0).astype(np.float32).tocsr()
    frontier = adj[up]
    dist = np.full((len(up), len(ug)), MAX_DISTANCE, dtype=np.float32)
    for step in range(1, MAX_DISTANCE):
        reached = frontier[:, ug].toarray() > 0
        dist[reached & (dist == MAX_DISTANCE)] = step
        if step < MAX_DISTANCE - 1:
            frontier = frontier @ adj
            frontier.data[:] = 1.0
    out[ok] = dist[p_inv, g_inv]
    return out


def graph_pair_features(kg, pairs: pd.DataFrame,
                        members: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Label-free graph relations of each (pert, gene) pair.

    Parameters
    ----------
    kg : pqstats.knowledge.KnowledgeGraph
    pairs : DataFrame with columns ``pert`` and ``gene``
    members : dict, optional
        Readout name → member genes, for readouts that are gene programmes; features are
        averaged over the members. Readouts not in ``members`` stand for themselves.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GRAPH_PAIR_FEATURES`, index of ``pairs``.

    Each pair's features are kept per process (:func:`~pqstats.features._cache.pair_rows`),
    so a pair featurised before is not computed again.
    """
    readouts = None if not members else hash(tuple((k, tuple(v))
                                                   for k, v in sorted(members.items())))
    # the graph itself in the key (not its id, which a later graph could reuse)
    return pair_rows(_ROWS, (kg, readouts), pairs,
                     lambda new: _graph_pair_features(kg, new, members))


def _graph_pair_features(kg, pairs: pd.DataFrame,
                         members: dict[str, list[str]] | None) -> pd.DataFrame:
    if members:
        key = pd.DataFrame({"row": np.arange(len(pairs)), "pert": pairs["pert"].to_numpy(),
                            "gene": pairs["gene"].to_numpy()})
        key["member"] = [members.get(g, [g]) for g in key["gene"]]
        long = key.explode("member", ignore_index=True)
        feats = _relations(kg, pd.DataFrame({"pert": long["pert"], "gene": long["member"]}))
        feats["pert_is_member"] = (long["pert"] == long["member"]).astype(np.float32)
        out = feats.groupby(long["row"].to_numpy()).mean().reindex(np.arange(len(pairs)))
        return out.set_axis(pairs.index)[GRAPH_PAIR_FEATURES].astype(np.float32)
    feats = _relations(kg, pairs)
    feats["pert_is_member"] = np.float32(0.0)
    return feats[GRAPH_PAIR_FEATURES]


def _relations(kg, pairs: pd.DataFrame) -> pd.DataFrame:
    pairs = pd.DataFrame({"pert": canonical_symbols(kg, pairs["pert"].to_numpy()),
                          "gene": canonical_symbols(kg, pairs["gene"].to_numpy())},
                         index=pairs.index)
    genes = pd.Index(kg.genes)
    n = len(genes)
    pi = genes.get_indexer(pairs["pert"])
    gi = genes.get_indexer(pairs["gene"])
    ppi, _ = kg.adjacency("ppi", genes_only=True)
    complexes = kg.adjacency("complex")[0][:n]
    pathways = kg.adjacency(["pathway", "geneset:hallmark"])[0][:n]
    ok = (pi >= 0) & (gi >= 0)
    edge = np.zeros(len(pairs), dtype=np.float32)
    edge[ok] = np.asarray(ppi[pi[ok], gi[ok]]).ravel()
    trrust = kg.edge_table("regulates:trrust")
    sign = trrust["sign"].astype(np.float32).replace(0.0, 0.5).to_numpy()
    tf = sp.csr_matrix((sign, (genes.get_indexer(trrust["source"]),
                               genes.get_indexer(trrust["target"]))), shape=(n, n))
    trr = np.zeros(len(pairs), dtype=np.float32)
    trr[ok] = np.asarray(tf[pi[ok], gi[ok]]).ravel()
    out = {
        "ppi_edge": edge,
        "ppi_shared_partners": _pair_products(ppi, ppi, pi, gi),
        "ppi_distance": _distances(ppi, pi, gi),
        "trrust_sign": trr,
        "shared_complex": _pair_products(complexes, complexes, pi, gi),
        "shared_pathway": _pair_products(pathways, pathways, pi, gi),
    }
    for space in ("go", "all"):
        prof = gene_profiles(kg, space)
        out[f"{space}_cosine"] = _pair_products(
            prof.matrix, prof.matrix, prof.genes.get_indexer(pairs["pert"]),
            prof.genes.get_indexer(pairs["gene"]))
    return pd.DataFrame(out, index=pairs.index)
