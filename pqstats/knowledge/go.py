"""The Gene Ontology in compact form, and gene annotations propagated along the DAG.

:func:`load_go` reads the OBO file once (obonet, validated by
:func:`pqstats.knowledge.read_obo`) and caches a compact :class:`GoDag` (arrays, no
networkx) keyed by the file's sha256. :func:`go_annotations` joins gene2go with the DAG
and propagates every direct annotation to all ancestors (the "true path rule") along the
chosen relations, vectorised as a sparse matrix product:

.. math:: P = \\mathbb{1}[A \\, C > 0],

where :math:`A` is the gene × term matrix of direct annotations and :math:`C` the term ×
term ancestor-or-self closure of the relation graph.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pqstats.knowledge._cache import cached, file_sha256
from pqstats.knowledge.readers import GO_NAMESPACES, read_gene2go, read_obo

__all__ = ["GoDag", "load_go", "go_annotations", "DEFAULT_GO_RELATIONS", "GO_RELATIONS"]

#: Relations along which annotations propagate by default (GO's true path rule).
DEFAULT_GO_RELATIONS: tuple[str, ...] = ("is_a", "part_of")
#: All relations of go-basic.
GO_RELATIONS: tuple[str, ...] = (
    "is_a", "part_of", "regulates", "positively_regulates", "negatively_regulates",
)


@dataclass
class GoDag:
    """A compact GO DAG.

    Attributes
    ----------
    ids : numpy.ndarray of str
        Live term ids, sorted; a term's index is its position.
    names : numpy.ndarray of str
        Term names.
    aspects : numpy.ndarray of str
        ``"BP"``, ``"MF"`` or ``"CC"``.
    child, parent : numpy.ndarray of int32
        One entry per relation: ``child`` → ``parent`` (indices into ``ids``).
    relation : numpy.ndarray of str
        The relation of each edge (``is_a``, ``part_of``, ...).
    alt_ids : dict
        Secondary id → primary id.
    version : str
        ``data-version`` of the file.
    """

    ids: np.ndarray
    names: np.ndarray
    aspects: np.ndarray
    child: np.ndarray
    parent: np.ndarray
    relation: np.ndarray
    alt_ids: dict[str, str]
    version: str
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {t: i for i, t in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, term: str) -> int | None:
        """Index of a term id (secondary ids resolve to their primary term)."""
        i = self._index.get(term)
        if i is None and term in self.alt_ids:
            i = self._index.get(self.alt_ids[term])
        return i

    def closure(self, relations: Sequence[str] = DEFAULT_GO_RELATIONS) -> sp.csr_matrix:
        """Term × term boolean matrix: ``C[i, j]`` if ``j`` is ``i`` or an ancestor of ``i``.

        Built by repeated sparse products over the DAG's depth.
        """
        unknown = set(relations) - set(np.unique(self.relation)) - set(GO_RELATIONS)
        if unknown:
            raise ValueError(f"unknown GO relation(s) {sorted(unknown)}; use {GO_RELATIONS}")
        keep = np.isin(self.relation, list(relations))
        n = len(self.ids)
        step = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.int8),
                              (self.child[keep], self.parent[keep])), shape=(n, n))
        step.data[:] = 1
        closure = sp.identity(n, dtype=np.int8, format="csr")
        frontier = closure
        for _ in range(n):
            frontier = frontier @ step
            frontier.data[:] = 1
            frontier.eliminate_zeros()
            if frontier.nnz == 0:
                break
            closure = closure + frontier
            closure.data[:] = 1
        return closure.tocsr()

    def ancestors(self, term: str, relations: Sequence[str] = DEFAULT_GO_RELATIONS) -> set[str]:
        """Ancestors of a term (not including it) along ``relations``."""
        i = self.index(term)
        if i is None:
            raise KeyError(f"unknown GO term {term!r}")
        keep = np.isin(self.relation, list(relations))
        parents: dict[int, list[int]] = {}
        for c, p in zip(self.child[keep], self.parent[keep], strict=True):
            parents.setdefault(int(c), []).append(int(p))
        seen: set[int] = set()
        stack = [i]
        while stack:
            for p in parents.get(stack.pop(), []):
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return {str(self.ids[j]) for j in seen}


def _build_dag(path: str) -> GoDag:
    graph = read_obo(path, tags=("alt_id",))
    ids = np.array(sorted(graph.nodes), dtype=object)
    index = {t: i for i, t in enumerate(ids)}
    names = np.array([graph.nodes[t]["name"] for t in ids], dtype=object)
    aspects = np.array([GO_NAMESPACES[graph.nodes[t]["namespace"]] for t in ids], dtype=object)
    edges = sorted(graph.edges(keys=True))
    child = np.array([index[u] for u, _, _ in edges], dtype=np.int32)
    parent = np.array([index[v] for _, v, _ in edges], dtype=np.int32)
    relation = np.array([k for _, _, k in edges], dtype=object)
    alt = {a: t for t in ids for a in graph.nodes[t].get("alt_id", [])}
    return GoDag(ids, names, aspects, child, parent, relation, alt,
                 str(graph.graph.get("data-version", "")))


def load_go(path: str | os.PathLike | None = None, *, cache: bool = True) -> GoDag:
    """The GO DAG of the bundle (or of ``path``) as a :class:`GoDag`, cached on disk.

    The first call parses the OBO file with obonet (tens of seconds); later calls read
    the cache (well under a second).
    """
    if path is None:
        from pqstats.knowledge.sources import fetch_source

        path = fetch_source("go")[0]
    path = os.fspath(path)
    return cached("go-dag", {"obo": file_sha256(path)}, lambda: _build_dag(path),
                  enabled=cache)


def go_annotations(
    *,
    evidence_exclude: Sequence[str] = (),
    relations: Sequence[str] = DEFAULT_GO_RELATIONS,
    propagate: bool = True,
    obo: str | os.PathLike | None = None,
    gene2go: str | os.PathLike | None = None,
    gene_info: str | os.PathLike | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Gene → GO term annotations in current symbols, propagated to ancestors.

    Parameters
    ----------
    evidence_exclude : sequence of str
        Evidence codes to drop before propagating, e.g. ``("IEA",)``.
    relations : sequence of str
        Relations to propagate along (default ``is_a`` and ``part_of``).
    propagate : bool
        False returns the direct annotations only.
    obo, gene2go, gene_info : path-like, optional
        Other files than the bundle's.
    cache : bool
        Use the on-disk cache.

    Returns
    -------
    pandas.DataFrame
        ``symbol, term, aspect`` (categoricals; aspect BP / MF / CC), ``direct`` (bool:
        annotated directly, as opposed to inherited from a descendant), sorted by symbol
        and term. Genes
        whose GeneID is not in gene_info, and GO ids that are obsolete or unknown in
        the DAG, are left out.
    """
    from pqstats.knowledge.sources import fetch_source
    from pqstats.knowledge.symbols import load_symbol_mapper

    obo = os.fspath(obo) if obo is not None else os.fspath(fetch_source("go")[0])
    g2g = os.fspath(gene2go) if gene2go is not None else os.fspath(fetch_source("gene2go")[0])
    gi = os.fspath(gene_info) if gene_info is not None else os.fspath(
        fetch_source("gene_info")[0])
    parts = {"obo": file_sha256(obo), "gene2go": file_sha256(g2g), "gene_info": file_sha256(gi),
             "evidence_exclude": sorted(evidence_exclude), "relations": sorted(relations),
             "propagate": propagate, "code": 2}

    def build() -> pd.DataFrame:
        dag = load_go(obo, cache=cache)
        mapper = load_symbol_mapper(gi)
        ann = read_gene2go(g2g, tuple(evidence_exclude), mapper=mapper)
        ids = ann.drop_duplicates("GeneID")
        unresolved = ids.loc[ids["symbol"].isna(), "GeneID"].astype(str)
        report = {"identifiers": int(len(ids)), "resolved": int(ids["symbol"].notna().sum()),
                  "unresolved": int(len(unresolved)),
                  "share": float(ids["symbol"].notna().mean()) if len(ids) else float("nan"),
                  "unresolved_examples": sorted(unresolved)[:10]}
        ann = ann[ann["symbol"].notna()]
        uniq, inv = np.unique(ann["GO_ID"].to_numpy(dtype=str), return_inverse=True)
        lookup = np.array([dag.index(t) if dag.index(t) is not None else -1 for t in uniq],
                          dtype=np.int64)
        term_idx = lookup[inv]
        ok = term_idx >= 0
        ann = ann[ok]
        term_idx = term_idx[ok]
        genes, gene_idx = np.unique(ann["symbol"].to_numpy(dtype=str), return_inverse=True)
        direct = sp.csr_matrix((np.ones(len(gene_idx), dtype=np.int8), (gene_idx, term_idx)),
                               shape=(len(genes), len(dag)))
        direct.data[:] = 1
        if propagate:
            full = (direct @ dag.closure(relations)).tocsr()
            full.data[:] = 1
        else:
            full = direct
        full = full.tocsr()
        full.sort_indices()  # rows = genes (sorted), columns = terms (sorted ids)
        coo = full.tocoo()
        n_terms = np.int64(len(dag))
        dcoo = direct.tocoo()
        is_direct = np.isin(coo.row.astype(np.int64) * n_terms + coo.col,
                            dcoo.row.astype(np.int64) * n_terms + dcoo.col)
        out = pd.DataFrame({
            "symbol": pd.Categorical.from_codes(coo.row, categories=genes),
            "term": pd.Categorical.from_codes(coo.col, categories=dag.ids.astype(str)),
            "aspect": pd.Categorical(dag.aspects[coo.col].astype(str),
                                     categories=["BP", "MF", "CC"]),
            "direct": is_direct,
        })
        out.attrs["gene_ids"] = report  # how gene2go's GeneIDs resolved to symbols
        return out

    return cached("go-annotations", parts, build, enabled=cache)
