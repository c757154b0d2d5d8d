"""One symbol-normalised knowledge graph over genes and terms.

:func:`build_knowledge_graph` reads the chosen sources, normalises every gene through
one :class:`~pqstats.knowledge.SymbolMapper`, and returns a :class:`KnowledgeGraph`:

* **gene nodes**, named by official NCBI symbol;
* **term nodes**: GO terms (``GO:0032543``), Reactome pathways (``R-HSA-164843``),
  CORUM complexes (``CORUM:1``), hallmark sets (``HALLMARK_...``) and, when asked for,
  Enrichr gene sets (``<library>:<set name>``);
* **typed edges**, one type per source:

  ====================  ===========  ====================================================
  edge type             between      notes
  ====================  ===========  ====================================================
  ppi:bioplex           gene–gene    BioPlex 3.0 (Entrez ids, symbols as fallback)
  ppi:string            gene–gene    STRING v12 physical, score >= 900
  ppi:huri              gene–gene    HuRI (Ensembl ids)
  complex:corum         gene–term    subunit of a CORUM complex
  pathway:reactome      gene–term    member of a Reactome pathway
  geneset:hallmark      gene–term    member of an MSigDB hallmark set
  go:BP, go:MF, go:CC   gene–term    gene2go, propagated to ancestors (``direct`` flags
                                     the original annotations)
  regulates:trrust      TF → target  directed; ``sign`` +1 activation, -1 repression,
                                     0 unknown or conflicting
  geneset:<library>     gene–term    optional: enrichr_go_bp_2023, wikipathways_2023,
                                     chea_2022
  ====================  ===========  ====================================================

Self-loops are dropped, and each (node, node, type) edge is kept once. Hub removal (the
PerturbQA paper removed nodes with more than 1,000 neighbours from GO and STRING): for
each source in ``hub_sources``, nodes with more than ``max_degree`` neighbours *within
that source* lose that source's edges (in GO these are broad terms such as "protein
binding"; no gene has 1,000 GO terms). Term-size limits then drop terms with fewer than
``min_term_size`` or more than ``max_term_size`` genes.

Built graphs are cached on disk (``data_dir()/cache/knowledge/kg-*.pkl``) keyed by the
sha256 of every input file and every option, so a second build is a file read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from pqstats._choices import DEFAULT_GRAPH_SOURCES, EDGE_TYPES, EXCLUDE_ENV, GRAPH_SOURCES
from pqstats._settings import KNOWLEDGE_DIR_ENV as _KNOWLEDGE_DIR_ENV
from pqstats._settings import SettingError, knowledge_dir, name_list
from pqstats.knowledge._cache import cached, file_sha256
from pqstats.knowledge.readers import (
    read_bioplex,
    read_corum,
    read_gmt_records,
    read_huri,
    read_string,
    read_trrust,
)
from pqstats.knowledge.sources import SOURCES, source_files
from pqstats.knowledge.symbols import SymbolMapper, load_symbol_mapper

__all__ = [
    "KnowledgeGraph",
    "build_knowledge_graph",
    "canonical_symbols",
    "default_graph",
    "GRAPH_SOURCES",
    "DEFAULT_GRAPH_SOURCES",
    "EXCLUDE_ENV",
    "KNOWLEDGE_DIR_ENV",
    "default_graph_sources",
    "default_bundle_dir",
    "excluded_sources",
    "files_read_by",
    "EDGE_TYPES",
]

# EDGE_TYPES, GRAPH_SOURCES, DEFAULT_GRAPH_SOURCES and EXCLUDE_ENV: pqstats._choices
#: Environment variable naming a folder of your own knowledge files (standard names, see
#: :data:`pqstats.knowledge.SOURCES`) that the default graph reads instead of the bundle.
KNOWLEDGE_DIR_ENV = _KNOWLEDGE_DIR_ENV
_DIRECTED = frozenset({"regulates:trrust"})
_GENE_GENE = frozenset({"ppi:bioplex", "ppi:string", "ppi:huri", "regulates:trrust"})
_CODE_VERSION = 4  # 4: unresolved GMT genes no longer become edges under pandas 3

_ASPECT_TITLE = {"go:BP": "Biological process (GO)", "go:MF": "Molecular function (GO)",
                 "go:CC": "Cellular component (GO)"}


# ============================================================================ build
@dataclass
class _Part:
    """What one source contributes: edges, term labels, identifier resolution."""

    edges: pd.DataFrame  # a, b, type, sign, direct
    terms: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (type, label)
    ids: pd.DataFrame | None = None  # raw identifier → symbol (None if unresolved)
    report: dict | None = None  # or a ready-made resolution report


def _edges(a: Iterable, b: Iterable, etype: str, sign: Iterable | int = 0,
           direct: Iterable | bool = True) -> pd.DataFrame:
    a = np.asarray(list(a) if not isinstance(a, np.ndarray) else a, dtype=object)
    b = np.asarray(list(b) if not isinstance(b, np.ndarray) else b, dtype=object)
    n = len(a)
    return pd.DataFrame({
        "a": a, "b": b, "type": etype,
        "sign": np.broadcast_to(np.asarray(sign, dtype=np.int8), (n,)).copy()
        if np.ndim(sign) == 0 else np.asarray(sign, dtype=np.int8),
        "direct": np.broadcast_to(np.asarray(direct, dtype=bool), (n,)).copy()
        if np.ndim(direct) == 0 else np.asarray(direct, dtype=bool),
    })


def _ids(raw: Iterable, sym: Iterable) -> pd.DataFrame:
    return pd.DataFrame({"raw": list(map(str, raw)), "symbol": list(sym)}).drop_duplicates()


def _gene_gene(df: pd.DataFrame, ca: str, cb: str, etype: str, raw_a: str,
               raw_b: str) -> _Part:
    ok = df[ca].notna() & df[cb].notna()
    ids = pd.concat([_ids(df[raw_a], df[ca]), _ids(df[raw_b], df[cb])]).drop_duplicates()
    return _Part(_edges(df.loc[ok, ca].to_numpy(), df.loc[ok, cb].to_numpy(), etype),
                 ids=ids)


def _part_go(files: dict[str, list[str]], mapper: SymbolMapper, opts: dict) -> _Part:
    from pqstats.knowledge.go import go_annotations, load_go

    obo, g2g, gi = files["go"][0], files["gene2go"][0], files["gene_info"][0]
    ann = go_annotations(evidence_exclude=opts["evidence_exclude"],
                         relations=opts["go_relations"], obo=obo, gene2go=g2g, gene_info=gi)
    dag = load_go(obo)
    aspect = ann["aspect"].astype(str).to_numpy()
    edges = _edges(ann["symbol"].astype(str).to_numpy(), ann["term"].astype(str).to_numpy(),
                   "go:", direct=ann["direct"].to_numpy())
    edges["type"] = np.char.add("go:", aspect.astype(str)).astype(object)
    used = set(ann["term"].cat.categories[np.unique(ann["term"].cat.codes)])
    terms = {t: (f"go:{a}", n) for t, a, n in zip(dag.ids, dag.aspects, dag.names, strict=True)
             if t in used}
    return _Part(edges, terms, report=ann.attrs.get("gene_ids"))


def _part_gmt(path: str, mapper: SymbolMapper, etype: str, library: str) -> _Part:
    records = read_gmt_records(path)
    genes = list({g for r in records for g in r.genes})
    lookup = dict(zip(genes, mapper.normalise(genes), strict=True))
    a, b, terms = [], [], {}
    for r in records:
        if library == "reactome":
            tid, label = r.description, " ".join(r.name.replace("-", " ").split())
        elif library == "hallmark":
            tid, label = r.name, r.name
        else:
            tid, label = f"{library}:{r.name}", r.name
        terms[tid] = (etype, label)
        for g in r.genes:
            s = lookup[g]
            if s is not None:
                a.append(s)
                b.append(tid)
    return _Part(_edges(a, b, etype), terms, _ids(genes, [lookup[g] for g in genes]))


def _part(source: str, files: dict[str, list[str]], mapper: SymbolMapper, opts: dict) -> _Part:
    if source == "go":
        return _part_go(files, mapper, opts)
    paths = files[source]
    if source == "bioplex":
        df = read_bioplex(paths[0], mapper=mapper)
        return _gene_gene(df, "symbolA", "symbolB", "ppi:bioplex", "GeneA", "GeneB")
    if source == "string":
        df = read_string(paths[0], paths[1], mapper=mapper)
        return _gene_gene(df, "symbol1", "symbol2", "ppi:string", "protein1", "protein2")
    if source == "huri":
        df = read_huri(paths[0], mapper=mapper)
        return _gene_gene(df, "symbol1", "symbol2", "ppi:huri", "ensembl1", "ensembl2")
    if source == "trrust":
        df = read_trrust(paths[0], mapper=mapper)
        part = _gene_gene(df, "tf_symbol", "target_symbol", "regulates:trrust", "tf", "target")
        ok = df["tf_symbol"].notna() & df["target_symbol"].notna()
        part.edges["sign"] = df.loc[ok, "sign"].to_numpy()
        return part
    if source == "corum":
        df = read_corum(paths[0], mapper=mapper)
        tids = [f"CORUM:{i}" for i in df["ComplexID"]]
        terms = {t: ("complex:corum", n) for t, n in zip(tids, df["ComplexName"], strict=True)}
        ex = df.assign(term=tids).explode("symbols").dropna(subset=["symbols"])
        raw = [g for gs in df["genes"] for g in gs]
        return _Part(_edges(ex["symbols"].to_numpy(), ex["term"].to_numpy(), "complex:corum"),
                     terms, _ids(raw, mapper.normalise(raw)))
    etype = EDGE_TYPES[source][0]
    return _part_gmt(paths[0], mapper, etype, source)


def _first_of_groups(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sort rows by ``keys`` (last key most significant, as np.lexsort) and return the
    order and a mask of the first row of each group of equal keys."""
    order = np.lexsort(keys)
    first = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        same = np.ones(len(order) - 1, dtype=bool)
        for k in keys[-3:]:  # the group keys are the last three: b, a, type
            ks = k[order]
            same &= ks[1:] == ks[:-1]
        first[1:] = ~same
    return order, first


def _build(sources: tuple[str, ...], files: dict[str, list[str]], opts: dict) -> dict:
    """Assemble the graph; all edge operations run on integer codes."""
    t0 = time.perf_counter()
    mapper = load_symbol_mapper(files["gene_info"][0])
    parts = {s: _part(s, files, mapper, opts) for s in sources}
    edges = pd.concat([p.edges for p in parts.values()], ignore_index=True)
    terms: dict[str, tuple[str, str]] = {}
    for p in parts.values():
        terms.update(p.terms)
    n = len(edges)
    codes, vocab = pd.factorize(np.concatenate([edges["a"].to_numpy(dtype=object),
                                                edges["b"].to_numpy(dtype=object)]))
    if (codes < 0).any():  # a code of -1 would silently index the last symbol
        raise ValueError("an edge of the knowledge graph has no gene or term (a missing "
                         "symbol reached the edge list); report this as a bug")
    ia, ib = codes[:n].astype(np.int64), codes[n:].astype(np.int64)
    tcodes, tnames = pd.factorize(edges["type"])
    tnames = list(tnames)
    sign = edges["sign"].to_numpy(dtype=np.int8)
    direct = edges["direct"].to_numpy(dtype=bool)
    gene_gene = np.isin(tcodes, [k for k, t in enumerate(tnames) if t in _GENE_GENE])
    directed = np.isin(tcodes, [k for k, t in enumerate(tnames) if t in _DIRECTED])
    # undirected gene-gene pairs in canonical order; no self-loops
    swap = gene_gene & ~directed & (ia > ib)
    ia[swap], ib[swap] = ib[swap], ia[swap]
    keep = ia != ib
    ia, ib, tcodes, sign, direct = ia[keep], ib[keep], tcodes[keep], sign[keep], direct[keep]
    directed = directed[keep]
    # dedupe (type, a, b): keep a direct copy first; TRRUST signs agree or become 0
    order, first = _first_of_groups([~direct, ib, ia, tcodes])
    group = np.cumsum(first) - 1
    sgn = sign[order].astype(np.int16)
    signed = sgn != 0
    big = np.full(int(group[-1]) + 1 if len(group) else 0, 9, dtype=np.int16)
    lo = big.copy()
    np.minimum.at(lo, group[signed], sgn[signed])
    hi = -big
    np.maximum.at(hi, group[signed], sgn[signed])
    agg_sign = np.where((lo == hi) & (lo != 9), lo, 0).astype(np.int8)
    sel = order[first]
    ia, ib, tcodes, direct = ia[sel], ib[sel], tcodes[sel], direct[sel]
    sign = np.where(directed[sel], agg_sign, 0).astype(np.int8)
    gene_gene = np.isin(tcodes, [k for k, t in enumerate(tnames) if t in _GENE_GENE])
    # hub removal, per source
    removed: dict[str, list[str]] = {}
    keep = np.ones(len(ia), dtype=bool)
    if opts["max_degree"] is not None:
        for src in opts["hub_sources"]:
            if src not in sources:
                continue
            mask = np.isin(tcodes, [k for k, t in enumerate(tnames) if t in EDGE_TYPES[src]])
            deg = (np.bincount(ia[mask], minlength=len(vocab))
                   + np.bincount(ib[mask], minlength=len(vocab)))
            hubs = deg > opts["max_degree"]
            removed[src] = sorted(vocab[np.flatnonzero(hubs)].tolist())
            keep &= ~(mask & (hubs[ia] | hubs[ib]))
    # term-size limits
    size = np.bincount(ib[keep & ~gene_gene], minlength=len(vocab))
    is_term = np.zeros(len(vocab), dtype=bool)
    is_term[ib[~gene_gene]] = True
    lo_sz, hi_sz = opts["min_term_size"], opts["max_term_size"]
    bad = is_term & ((size < lo_sz) | ((size > hi_sz) if hi_sz is not None else False))
    bad_terms = int((bad & (size > 0)).sum())
    keep &= ~(~gene_gene & bad[ib])
    ia, ib, tcodes, sign, direct = ia[keep], ib[keep], tcodes[keep], sign[keep], direct[keep]
    gene_gene = gene_gene[keep]
    # nodes: genes (sorted) first, then terms sorted by (type, id)
    gene_codes = np.union1d(ia, ib[gene_gene])
    term_codes = np.unique(ib[~gene_gene])
    clash = np.intersect1d(gene_codes, term_codes)
    if len(clash):
        raise ValueError(f"term ids collide with gene symbols: {vocab[clash][:5].tolist()}")
    genes = sorted(vocab[gene_codes].tolist())
    tlist = sorted(vocab[term_codes].tolist(), key=lambda t: (terms[t][0], t))
    nodes = np.array(genes + tlist, dtype=object)
    pos = np.full(len(vocab), -1, dtype=np.int64)
    pos[pd.Index(vocab).get_indexer(nodes)] = np.arange(len(nodes))
    u, v = pos[ia].astype(np.int32), pos[ib].astype(np.int32)
    etypes = sorted(set(np.array(tnames, dtype=object)[np.unique(tcodes)].tolist()),
                    key=_type_order)
    remap = np.array([etypes.index(t) if t in etypes else -1 for t in tnames], dtype=np.int8)
    tcode = remap[tcodes]
    order = np.lexsort((v, u, tcode))
    info = {}
    for g in genes:
        d = mapper.describe(g)
        if d is not None:
            info[g] = (d["name"], tuple(d["synonyms"]), d["type"])
    symbol_report = {}
    for src, p in parts.items():
        if p.report is not None:
            symbol_report[src] = p.report
        elif p.ids is not None and len(p.ids):
            res = p.ids.drop_duplicates("raw")
            unresolved = res.loc[res["symbol"].isna(), "raw"]
            symbol_report[src] = {
                "identifiers": int(len(res)),
                "resolved": int(res["symbol"].notna().sum()),
                "unresolved": int(len(unresolved)),
                "share": float(res["symbol"].notna().mean()),
                "unresolved_examples": sorted(unresolved)[:10],
            }
    return {
        "nodes": nodes,
        "n_genes": len(genes),
        "term_type": np.array([terms[t][0] for t in tlist], dtype=object),
        "term_label": np.array([terms[t][1] for t in tlist], dtype=object),
        "edge_types": etypes,
        "u": u[order], "v": v[order], "etype": tcode[order],
        "sign": sign[order], "direct": direct[order],
        "gene_info": info,
        "meta": {
            "sources": list(sources),
            "options": opts,
            "versions": {s: SOURCES[s].version for s in sources},
            "hubs_removed": {s: len(h) for s, h in removed.items()},
            "hub_examples": {s: h[:10] for s, h in removed.items()},
            "terms_removed_by_size": bad_terms,
            "symbols": symbol_report,
            "gene_info_path": files["gene_info"][0],
            "build_seconds": round(time.perf_counter() - t0, 2),
        },
    }


def _type_order(t: str) -> tuple[int, str]:
    prefix = ["ppi", "regulates", "complex", "pathway", "geneset", "go"]
    head = t.split(":")[0]
    return (prefix.index(head) if head in prefix else len(prefix), t)


def excluded_sources() -> set[str]:
    """Source names listed in ``$PQSTATS_EXCLUDE_SOURCES`` (lower-case; empty when unset).

    This is the one reader of the variable: the graph, the models, the gene-set libraries
    of ``enrich`` / ``gse`` and the report all ask it.

    Raises
    ------
    pqstats._settings.SettingError
        The variable names an unknown source (a typo such as ``corun`` must not let the
        source through).
    """
    return set(name_list(EXCLUDE_ENV, GRAPH_SOURCES, "source"))


def default_graph_sources() -> tuple[str, ...]:
    """:data:`DEFAULT_GRAPH_SOURCES` without the sources named in ``$PQSTATS_EXCLUDE_SOURCES``.

    This is what every model's graph is built from, so ``PQSTATS_EXCLUDE_SOURCES=corum``
    leaves CORUM (non-commercial licence) out of the features, the models and the
    benchmark (whose score cache is keyed by it).

    Raises
    ------
    ValueError
        When the variable names an unknown source, or leaves no source.
    """
    excluded = excluded_sources()
    kept = tuple(s for s in DEFAULT_GRAPH_SOURCES if s not in excluded)
    if not kept:
        raise SettingError(f"{EXCLUDE_ENV} leaves no knowledge source")
    return kept


def files_read_by(sources: Sequence[str]) -> tuple[str, ...]:
    """Manifest entries a graph of ``sources`` reads: the sources themselves, ``gene_info``
    (symbols) and, with GO, ``gene2go`` (annotations); in that order, without repeats."""
    return tuple(dict.fromkeys([*sources, "gene_info", *(["gene2go"] if "go" in sources
                                                          else [])]))


def default_bundle_dir() -> str | None:
    """The folder named by ``$PQSTATS_KNOWLEDGE_DIR``, or None (use the verified bundle).

    Raises
    ------
    pqstats._settings.SettingError
        The variable names a file or a missing folder.
    """
    folder = knowledge_dir()
    return None if folder is None else os.fspath(folder)


_SYMBOLS: dict[tuple[int, str], str] = {}


def canonical_symbols(kg: KnowledgeGraph, names) -> np.ndarray:
    """The knowledge graph's symbol for each name (outdated symbols and aliases resolve).

    PerturbQA names some genes by symbols that NCBI has since replaced (``AARS`` is now
    ``AARS1``); looking them up as-is would treat them as unknown to the graph. A name the
    graph cannot resolve is kept unchanged. Label-free, and memoised per graph.
    """
    names = np.asarray(names, dtype=object)
    uniq = pd.unique(names)
    known = pd.Index(kg.genes)
    todo = [n for n in uniq if (id(kg), n) not in _SYMBOLS and n not in known]
    if todo:
        for n, sym in zip(todo, kg.resolve_many(todo), strict=True):
            _SYMBOLS[(id(kg), n)] = sym if sym is not None else n
    lookup = {n: _SYMBOLS.get((id(kg), n), n) for n in uniq}
    return np.array([lookup[n] for n in names], dtype=object)


_DEFAULT_GRAPH: KnowledgeGraph | None = None


def default_graph() -> KnowledgeGraph:
    """The default knowledge graph (:func:`build_knowledge_graph` without arguments), built
    once per process and cached on disk: the graph every feature, model and screen import
    reads."""
    global _DEFAULT_GRAPH
    if _DEFAULT_GRAPH is None:
        _DEFAULT_GRAPH = build_knowledge_graph()
    return _DEFAULT_GRAPH


def build_knowledge_graph(
    sources: Sequence[str] | None = None,
    *,
    drop_iea: bool = False,
    evidence_exclude: Sequence[str] = (),
    go_relations: Sequence[str] = ("is_a", "part_of"),
    max_degree: int | None = 1000,
    hub_sources: Sequence[str] = ("go", "string"),
    min_term_size: int = 1,
    max_term_size: int | None = None,
    bundle_dir: str | os.PathLike | None = None,
    cache: bool = True,
) -> KnowledgeGraph:
    """Build (or load from the cache) the knowledge graph.

    Parameters
    ----------
    sources : sequence of str, optional
        Graph sources, from :data:`GRAPH_SOURCES`; by default
        :func:`default_graph_sources` (:data:`DEFAULT_GRAPH_SOURCES` less any named in
        ``$PQSTATS_EXCLUDE_SOURCES``). Sources given here are used as they are.
    drop_iea : bool
        Drop electronically inferred GO annotations (evidence ``IEA``).
    evidence_exclude : sequence of str
        Further GO evidence codes to drop.
    go_relations : sequence of str
        GO relations along which annotations propagate.
    max_degree : int or None
        Hub removal threshold (None: keep hubs).
    hub_sources : sequence of str
        Sources where hubs are removed (default GO and STRING, as in the paper).
    min_term_size, max_term_size : int
        Keep term nodes with this many genes (after hub removal).
    bundle_dir : path-like, optional
        Read the files from this folder (standard names) instead of fetching them; by
        default ``$PQSTATS_KNOWLEDGE_DIR`` when set (so the models read your files), else
        the fetched, checksum-verified bundle.
    cache : bool
        Read / write the on-disk cache.

    Returns
    -------
    KnowledgeGraph
    """
    sources = tuple(dict.fromkeys(default_graph_sources() if sources is None else sources))
    unknown = [s for s in sources if s not in EDGE_TYPES]
    if unknown or not sources:
        raise ValueError(f"unknown graph source(s) {unknown}; choose from "
                         f"{', '.join(GRAPH_SOURCES)}")
    bad_hub = [s for s in hub_sources if s not in EDGE_TYPES]
    if bad_hub:
        raise ValueError(f"unknown hub source(s) {bad_hub}; choose from "
                         f"{', '.join(GRAPH_SOURCES)}")
    if max_degree is not None and max_degree < 1:
        raise ValueError("max_degree must be >= 1 or None")
    if min_term_size < 1 or (max_term_size is not None and max_term_size < min_term_size):
        raise ValueError("need 1 <= min_term_size <= max_term_size")
    excl = sorted(set(evidence_exclude) | ({"IEA"} if drop_iea else set()))
    opts = {"evidence_exclude": tuple(excl), "go_relations": tuple(sorted(go_relations)),
            "max_degree": max_degree, "hub_sources": tuple(sorted(hub_sources)),
            "min_term_size": int(min_term_size),
            "max_term_size": None if max_term_size is None else int(max_term_size)}
    needed = files_read_by(sources)
    bundle_dir = default_bundle_dir() if bundle_dir is None else bundle_dir
    files = {s: [os.fspath(p) for p in source_files(s, bundle_dir)] for s in sorted(needed)}
    parts = {"sources": sorted(sources), "options": opts, "code": _CODE_VERSION,
             "files": {s: [file_sha256(p) for p in ps] for s, ps in files.items()}}
    data = cached("kg", parts, lambda: _build(sources, files, opts), enabled=cache)
    return KnowledgeGraph(data)


# ============================================================================ graph
class KnowledgeGraph:
    """A typed gene/term graph. Build it with :func:`build_knowledge_graph`.

    Every method that takes a gene accepts any identifier the symbol mapper resolves
    (official symbol, alias, old symbol, Ensembl / Entrez id); unknown genes raise
    ``KeyError`` except where noted. Edge-type filters accept a full type
    (``"go:BP"``), a prefix (``"go"``, ``"ppi"``) or a list of them.
    """

    def __init__(self, data: dict) -> None:
        self._d = data
        self._nodes: np.ndarray = data["nodes"]
        self._index = {n: i for i, n in enumerate(self._nodes)}
        self._n_genes: int = data["n_genes"]
        self._mapper: SymbolMapper | None = None
        self._incidence: tuple[np.ndarray, np.ndarray] | None = None
        self._term_size: np.ndarray | None = None

    # ------------------------------------------------------------ basic properties
    @property
    def genes(self) -> list[str]:
        """Gene nodes (official symbols with at least one edge), sorted."""
        return self._nodes[: self._n_genes].tolist()

    @property
    def terms(self) -> list[str]:
        """Term nodes, sorted by type then id."""
        return self._nodes[self._n_genes:].tolist()

    @property
    def nodes(self) -> list[str]:
        """All nodes: genes first, then terms (the order of :meth:`adjacency`)."""
        return self._nodes.tolist()

    @property
    def edge_types(self) -> list[str]:
        """Edge types present in the graph."""
        return list(self._d["edge_types"])

    @property
    def meta(self) -> dict:
        """Sources, options, versions, hub removal, symbol resolution, build time."""
        return self._d["meta"]

    def __repr__(self) -> str:
        return (f"KnowledgeGraph({self._n_genes} genes, {len(self._nodes) - self._n_genes} "
                f"terms, {len(self._d['u'])} edges, types={self.edge_types})")

    def __contains__(self, item: object) -> bool:
        return self.resolve(item) is not None if isinstance(item, str) else False

    def term_label(self, term: str) -> str:
        """Human-readable name of a term node."""
        i = self._index.get(term)
        if i is None or i < self._n_genes:
            raise KeyError(f"{term!r} is not a term node")
        return str(self._d["term_label"][i - self._n_genes])

    def term_type(self, term: str) -> str:
        """Edge type linking genes to a term node (e.g. ``"go:BP"``)."""
        i = self._index.get(term)
        if i is None or i < self._n_genes:
            raise KeyError(f"{term!r} is not a term node")
        return str(self._d["term_type"][i - self._n_genes])

    # ------------------------------------------------------------ gene resolution
    @property
    def mapper(self) -> SymbolMapper:
        """The symbol mapper the graph's genes were normalised with (loaded on first use)."""
        return self._get_mapper()

    def _get_mapper(self) -> SymbolMapper:
        if self._mapper is None:
            path = self.meta.get("gene_info_path")
            self._mapper = load_symbol_mapper(path if path and os.path.isfile(path) else None)
        return self._mapper

    def resolve(self, gene: object, ensembl_hints: Mapping[str, str] | None = None
                ) -> str | None:
        """Official symbol of ``gene`` if it is a gene node of the graph, else None."""
        if isinstance(gene, str):
            i = self._index.get(gene)
            if i is not None and i < self._n_genes:
                return gene
        sym = self._get_mapper().normalise([gene], ensembl_hints)[0]
        i = self._index.get(sym) if sym is not None else None
        return sym if i is not None and i < self._n_genes else None

    def resolve_many(self, genes: Iterable[object],
                     ensembl_hints: Mapping[str, str] | None = None) -> list[str | None]:
        """:meth:`resolve` for many genes at once (one mapper call)."""
        genes = list(genes)
        out: list[str | None] = [None] * len(genes)
        todo = []
        for k, g in enumerate(genes):
            i = self._index.get(g) if isinstance(g, str) else None
            if i is not None and i < self._n_genes:
                out[k] = g
            else:
                todo.append(k)
        if todo:
            syms = self._get_mapper().normalise([genes[k] for k in todo], ensembl_hints)
            for k, s in zip(todo, syms, strict=True):
                i = self._index.get(s) if s is not None else None
                out[k] = s if i is not None and i < self._n_genes else None
        return out

    def index_of(self, genes: Iterable[object]) -> np.ndarray:
        """Row of each gene in :meth:`adjacency` (all nodes order); -1 when absent."""
        return np.array([self._index[s] if s is not None else -1
                         for s in self.resolve_many(genes)], dtype=np.int64)

    def _gene_index(self, gene: object) -> int:
        sym = self.resolve(gene)
        if sym is None:
            raise KeyError(f"{gene!r} is not a gene of the knowledge graph (no edges, or not "
                           "resolvable to an NCBI symbol)")
        return self._index[sym]

    # ------------------------------------------------------------ edge selection
    def _type_codes(self, edge_types: str | Sequence[str] | None) -> np.ndarray:
        types = self._d["edge_types"]
        if edge_types is None:
            return np.arange(len(types), dtype=np.int8)
        if isinstance(edge_types, str):
            edge_types = [edge_types]
        codes = []
        for spec in edge_types:
            hit = [k for k, t in enumerate(types) if t == spec or t.split(":")[0] == spec]
            if not hit:
                known = sorted(set(types) | {t.split(":")[0] for t in types})
                raise KeyError(f"no edge type matches {spec!r}; known: {', '.join(known)}")
            codes += hit
        return np.unique(np.array(codes, dtype=np.int8))

    def _edge_mask(self, edge_types: str | Sequence[str] | None) -> np.ndarray:
        if edge_types is None:
            return np.ones(len(self._d["u"]), dtype=bool)
        return np.isin(self._d["etype"], self._type_codes(edge_types))

    def _incident(self, node: int) -> np.ndarray:
        """Ids of the edges touching ``node``."""
        if self._incidence is None:
            u, v = self._d["u"], self._d["v"]
            ends = np.concatenate([u, v]).astype(np.int64)
            eid = np.concatenate([np.arange(len(u)), np.arange(len(v))])
            order = np.argsort(ends, kind="stable")
            ptr = np.searchsorted(ends[order], np.arange(len(self._nodes) + 1))
            self._incidence = (ptr, eid[order])
        ptr, eid = self._incidence
        return eid[ptr[node]:ptr[node + 1]]

    # ------------------------------------------------------------ views
    def edge_table(self, edge_types: str | Sequence[str] | None = None) -> pd.DataFrame:
        """The edges as a DataFrame: ``source, target, type, sign, direct``.

        For gene–term edges ``source`` is the gene; for TRRUST it is the TF.
        """
        m = self._edge_mask(edge_types)
        types = np.array(self._d["edge_types"], dtype=object)
        return pd.DataFrame({
            "source": self._nodes[self._d["u"][m]],
            "target": self._nodes[self._d["v"][m]],
            "type": types[self._d["etype"][m]],
            "sign": self._d["sign"][m],
            "direct": self._d["direct"][m],
        })

    def edge_counts(self) -> dict[str, int]:
        """Number of edges per edge type."""
        counts = np.bincount(self._d["etype"], minlength=len(self._d["edge_types"]))
        return {t: int(c) for t, c in zip(self._d["edge_types"], counts, strict=True)}

    def node_counts(self) -> dict[str, int]:
        """Number of gene nodes and of term nodes per term type."""
        out = {"gene": self._n_genes}
        tt, cnt = np.unique(self._d["term_type"].astype(str), return_counts=True)
        out.update({str(t): int(c) for t, c in zip(tt, cnt, strict=True)})
        return out

    def summary(self) -> pd.DataFrame:
        """Per edge type: ``edges``, ``genes`` (with such an edge), ``terms``."""
        rows = []
        for k, t in enumerate(self._d["edge_types"]):
            m = self._d["etype"] == k
            u, v = self._d["u"][m], self._d["v"][m]
            if t in _GENE_GENE:
                genes, terms = len(np.unique(np.concatenate([u, v]))), 0
            else:
                genes, terms = len(np.unique(u)), len(np.unique(v))
            rows.append({"edge_type": t, "edges": int(m.sum()), "genes": genes,
                         "terms": terms})
        return pd.DataFrame(rows)

    def adjacency(
        self,
        edge_types: str | Sequence[str] | None = None,
        *,
        genes_only: bool = False,
        directed: bool = False,
        binary: bool = True,
    ) -> tuple[sp.csr_matrix, list[str]]:
        """Sparse adjacency matrix and its node order.

        Parameters
        ----------
        edge_types : str or list, optional
            Edge types (or prefixes) to include; all by default.
        genes_only : bool
            Only gene–gene edges, over the gene nodes.
        directed : bool
            Keep TRRUST edges one-way (TF row → target column); other edges are always
            symmetric.
        binary : bool
            Entries are 1.0; otherwise they count the edge types linking two nodes.

        Returns
        -------
        (scipy.sparse.csr_matrix, list of str)
            float32 matrix of shape (n, n) and the node names of its rows/columns
            (genes first, then terms; or the genes only).
        """
        m = self._edge_mask(edge_types)
        u, v, et = self._d["u"][m], self._d["v"][m], self._d["etype"][m]
        n = self._n_genes if genes_only else len(self._nodes)
        if genes_only:
            keep = v < self._n_genes
            u, v, et = u[keep], v[keep], et[keep]
        directed_codes = [k for k, t in enumerate(self._d["edge_types"]) if t in _DIRECTED]
        one_way = np.isin(et, directed_codes) if directed else np.zeros(len(u), dtype=bool)
        rows = np.concatenate([u, v[~one_way]])
        cols = np.concatenate([v, u[~one_way]])
        mat = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, n))
        mat.sum_duplicates()
        if binary:
            mat.data[:] = 1.0
        names = self._nodes[:n].tolist()
        return mat, names

    def neighbours(self, gene: object, edge_type: str | Sequence[str] | None = None,
                   direction: str = "both") -> set[str]:
        """Direct neighbours of a gene (genes for PPI / TRRUST, terms for term edges).

        Parameters
        ----------
        direction : {"both", "out", "in"}
            For TRRUST edges: ``"out"`` = the gene's targets, ``"in"`` = its regulators.
        """
        if direction not in ("both", "out", "in"):
            raise ValueError("direction must be 'both', 'out' or 'in'")
        i = self._gene_index(gene)
        e = self._incident(i)
        e = e[self._edge_mask(edge_type)[e]]
        u, v = self._d["u"][e], self._d["v"][e]
        if direction == "out":
            other = v[u == i]
        elif direction == "in":
            other = u[v == i]
        else:
            other = np.where(u == i, v, u)
        return set(self._nodes[other].tolist())

    def gene_neighbours(self, gene: object, edge_type: str | Sequence[str] | None = None
                        ) -> set[str]:
        """Genes one step away: gene–gene neighbours plus genes sharing a term."""
        i = self._gene_index(gene)
        out = set()
        for n in self.neighbours(gene, edge_type):
            j = self._index[n]
            if j < self._n_genes:
                out.add(n)
            else:
                e = self._incident(j)
                e = e[self._edge_mask(edge_type)[e]]
                out.update(self._nodes[self._d["u"][e]].tolist())
        out.discard(self._nodes[i])
        return out

    def neighbour_sets(self, edge_type: str | Sequence[str] | None = None
                       ) -> dict[str, set[str]]:
        """Every gene → its direct neighbours through ``edge_type`` (genes with none omitted)."""
        mat, names = self.adjacency(edge_type)
        mat = mat[: self._n_genes].tocsr()
        out = {}
        for i in range(self._n_genes):
            cols = mat.indices[mat.indptr[i]:mat.indptr[i + 1]]
            if len(cols):
                out[names[i]] = {names[c] for c in cols}
        return out

    def gene_terms(self, gene: object, kind: str | Sequence[str] | None = None, *,
                   direct_only: bool = False) -> dict[str, str]:
        """Terms of a gene: term id → name, sorted by id.

        Parameters
        ----------
        kind : str or list, optional
            Edge types or prefixes (``"go"``, ``"go:BP"``, ``"pathway"``, ...).
        direct_only : bool
            GO: only the direct annotations, not those inherited by propagation.
        """
        i = self._gene_index(gene)
        e = self._incident(i)
        e = e[self._edge_mask(kind)[e]]
        e = e[self._d["v"][e] >= self._n_genes]
        if direct_only:
            e = e[self._d["direct"][e]]
        terms = sorted(self._nodes[self._d["v"][e]].tolist())
        lab = self._d["term_label"]
        return {t: str(lab[self._index[t] - self._n_genes]) for t in terms}

    def term_genes(self, term: str) -> set[str]:
        """Genes attached to a term node."""
        j = self._index.get(term)
        if j is None or j < self._n_genes:
            raise KeyError(f"{term!r} is not a term node")
        return set(self._nodes[self._d["u"][self._incident(j)]].tolist())

    def term_size(self, term: str) -> int:
        """Number of genes attached to a term node."""
        if self._term_size is None:
            self._term_size = np.bincount(self._d["v"], minlength=len(self._nodes))
        j = self._index.get(term)
        if j is None or j < self._n_genes:
            raise KeyError(f"{term!r} is not a term node")
        return int(self._term_size[j])

    def to_networkx(self, edge_types: str | Sequence[str] | None = None, *,
                    directed: bool = False) -> nx.MultiGraph | nx.MultiDiGraph:
        """The graph as networkx (slow for the full graph: prefer :meth:`adjacency`).

        Nodes carry ``kind`` ("gene" / "term"), ``label`` and, for terms, ``type``. Edges
        are keyed by edge type and carry ``sign`` and ``direct``; in the undirected view
        TRRUST edges also carry ``tf`` (the regulator). ``directed=True`` returns a
        MultiDiGraph where undirected edges appear in both directions.
        """
        g: nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
        info = self._d["gene_info"]
        g.add_nodes_from((n, {"kind": "gene", "label": info.get(n, ("",))[0]})
                         for n in self.genes)
        g.add_nodes_from(
            (n, {"kind": "term", "label": str(lab), "type": str(tt)})
            for n, lab, tt in zip(self.terms, self._d["term_label"], self._d["term_type"],
                                  strict=True))
        df = self.edge_table(edge_types)
        for s, t, typ, sign, direct in df.itertuples(index=False):
            attrs = {"sign": int(sign), "direct": bool(direct)}
            if typ in _DIRECTED and not directed:
                attrs["tf"] = s
            g.add_edge(s, t, key=typ, **attrs)
            if directed and typ not in _DIRECTED:
                g.add_edge(t, s, key=typ, **attrs)
        return g

    # ------------------------------------------------------------ coverage
    def coverage(self, genes: Iterable[object], *,
                 ensembl_hints: Mapping[str, str] | None = None) -> dict[str, float]:
        """Share of distinct ``genes`` with at least one edge, per edge type and ``"any"``."""
        uniq = sorted({str(g) for g in genes})
        if not uniq:
            raise ValueError("no genes given")
        syms = self.resolve_many(uniq, ensembl_hints)
        idx = np.array([self._index[s] for s in syms if s is not None], dtype=np.int64)
        out = {}
        for k, t in enumerate(self._d["edge_types"]):
            m = self._d["etype"] == k
            has = np.zeros(len(self._nodes), dtype=bool)
            has[self._d["u"][m]] = True
            if t in _GENE_GENE:
                has[self._d["v"][m]] = True
            out[t] = float(has[idx].sum() / len(uniq))
        out["any"] = float(len(idx) / len(uniq))
        return out

    # ------------------------------------------------------------ text
    def gene_text(self, symbol: object, *, max_terms: int = 10,
                  max_interactors: int = 20, strict: bool = False) -> str:
        """A deterministic plain-text description of a gene from the graph.

        Sections (each only when non-empty): symbol, full name and aliases; GO terms by
        aspect (direct annotations, most specific first: fewest genes, then id); Reactome
        pathways; hallmark sets; CORUM complexes (smallest first); physical interactors
        (most supporting PPI sources first, then alphabetical); TRRUST regulators and
        targets with their sign. Lists are cut at ``max_terms`` / ``max_interactors``
        with the total given.

        With ``strict=False`` (for names from data files, as the models read them) an
        alias several genes share takes the mapper's tie-break and an unknown gene gets a
        one-line text saying so. With ``strict=True`` (for a name a person typed) the name
        goes through :func:`pqstats.knowledge.symbols.resolve_gene_names`: any case is
        accepted, and an unknown or ambiguous name raises
        :class:`~pqstats.knowledge.symbols.UnknownGeneError` with the closest symbols.
        """
        if strict:
            from pqstats.knowledge.symbols import resolve_gene_names

            symbol = resolve_gene_names([symbol], self.mapper, suggest=self.genes)[0]
        sym = self.resolve(symbol)
        if sym is None:
            mapped = self._get_mapper().normalise_one(symbol)
            if mapped is None:
                return f"{symbol}: no record in NCBI Gene or the knowledge graph."
            d = self._get_mapper().describe(mapped)
            return (f"{mapped} ({d['name']}): no entries in the knowledge graph."
                    if d else f"{mapped}: no entries in the knowledge graph.")
        name, synonyms, gtype = self._d["gene_info"].get(sym, ("", (), ""))
        head = sym + (f" ({name})" if name and name != "-" else "")
        if synonyms:
            head += f"; also known as {', '.join(synonyms)}"
        lines = [head + (f". Type: {gtype}." if gtype else ".")]

        def cut(items: list[str], limit: int) -> str:
            text = "; ".join(items[:limit])
            return text + (f" (and {len(items) - limit} more)" if len(items) > limit else "")

        i = self._index[sym]
        e = self._incident(i)
        types = self._d["edge_types"]
        et = np.array(types, dtype=object)[self._d["etype"][e]]
        if self._term_size is None:
            self._term_size = np.bincount(self._d["v"], minlength=len(self._nodes))
        lab = self._d["term_label"]

        def term_list(etype: str, direct_only: bool) -> list[str]:
            sel = e[(et == etype) & ((self._d["direct"][e]) if direct_only else True)]
            tv = self._d["v"][sel]
            order = sorted(tv.tolist(), key=lambda j: (self._term_size[j], self._nodes[j]))
            return [str(lab[j - self._n_genes]) for j in order]

        for etype in ("go:BP", "go:MF", "go:CC"):
            items = term_list(etype, True)
            if items:
                lines.append(f"{_ASPECT_TITLE[etype]}: {cut(items, max_terms)}.")
        for etype, title in (("pathway:reactome", "Reactome pathways"),
                             ("geneset:hallmark", "Hallmark gene sets"),
                             ("complex:corum", "Protein complexes (CORUM)")):
            items = term_list(etype, False)
            if items:
                lines.append(f"{title}: {cut(items, max_terms)}.")
        ppi = e[np.char.startswith(et.astype(str), "ppi:")]
        if len(ppi):
            other = np.where(self._d["u"][ppi] == i, self._d["v"][ppi], self._d["u"][ppi])
            names, support = np.unique(self._nodes[other].astype(str), return_counts=True)
            order = sorted(range(len(names)), key=lambda k: (-support[k], names[k]))
            ranked = [str(names[k]) for k in order]
            srcs = sorted({t.split(":")[1] for t in et if t.startswith("ppi:")})
            lines.append(f"Physical interactors ({', '.join(srcs)}; {len(ranked)} in total): "
                         f"{cut(ranked, max_interactors)}.")
        reg = e[et == "regulates:trrust"]
        if len(reg):
            word = {1: "activation", -1: "repression", 0: "unknown"}
            u, v, s = self._d["u"][reg], self._d["v"][reg], self._d["sign"][reg]
            regs = sorted(f"{self._nodes[a]} ({word[int(x)]})"
                          for a, b, x in zip(u, v, s, strict=True) if b == i)
            tgts = sorted(f"{self._nodes[b]} ({word[int(x)]})"
                          for a, b, x in zip(u, v, s, strict=True) if a == i)
            if regs:
                lines.append(f"Regulated by (TRRUST): {cut(regs, max_interactors)}.")
            if tgts:
                lines.append(f"Regulates (TRRUST): {cut(tgts, max_interactors)}.")
        return "\n".join(lines)
