"""Names the command line offers as choices, defined once where importing them is free.

The modules that own these names (:mod:`pqstats.screens.tables`, :mod:`pqstats.benchmark`,
:mod:`pqstats.prioritise`, :mod:`pqstats.knowledge.graph`, :mod:`pqstats.screens.imports`,
:mod:`pqstats.enrichment`) import them from here and re-export them, so ``pqstats --help``
builds every parser without importing numpy, pandas or scikit-learn.
"""

from __future__ import annotations

from pqstats._settings import EXCLUDE_SOURCES_ENV

__all__ = [
    "TASKS", "TRACKS", "STRATEGIES", "EDGE_TYPES", "GRAPH_SOURCES", "DEFAULT_GRAPH_SOURCES",
    "EXCLUDE_ENV", "FORMATS", "DE_METHODS", "PERT_COLUMNS", "DEFAULT_LIBRARY", "DEFAULT_TOP",
]

#: The two pair tasks: differential expression and its direction.
TASKS: tuple[str, ...] = ("de", "dir")
#: The benchmark's tracks, kept apart (DESIGN.md: honest evaluation).
TRACKS: tuple[str, ...] = ("strict", "transfer", "zero-shot")

#: Ordering strategies of :func:`pqstats.prioritise.prioritise` → one-line description.
STRATEGIES: dict[str, str] = {
    "effect": "highest predicted share of readout genes changed first",
    "novelty": "least similar to any screened knockdown first",
    "balanced": "mean of the effect and novelty percentile ranks",
    "random": "a random order drawn from the seed (the baseline)",
}

#: Graph source → the edge types it contributes.
EDGE_TYPES: dict[str, tuple[str, ...]] = {
    "bioplex": ("ppi:bioplex",),
    "string": ("ppi:string",),
    "huri": ("ppi:huri",),
    "corum": ("complex:corum",),
    "reactome": ("pathway:reactome",),
    "hallmark": ("geneset:hallmark",),
    "go": ("go:BP", "go:MF", "go:CC"),
    "trrust": ("regulates:trrust",),
    "enrichr_go_bp_2023": ("geneset:enrichr_go_bp_2023",),
    "wikipathways_2023": ("geneset:wikipathways_2023",),
    "chea_2022": ("geneset:chea_2022",),
}
#: Every source the graph can use.
GRAPH_SOURCES: tuple[str, ...] = tuple(EDGE_TYPES)
#: The sources used by default (those of the PerturbQA paper's graph, plus TRRUST).
DEFAULT_GRAPH_SOURCES: tuple[str, ...] = (
    "go", "bioplex", "string", "huri", "corum", "reactome", "hallmark", "trrust",
)
#: Environment variable naming sources to leave out of the default graph, comma-separated
#: (e.g. ``PQSTATS_EXCLUDE_SOURCES=corum`` for commercial use: CORUM is CC BY-NC).
EXCLUDE_ENV = EXCLUDE_SOURCES_ENV

#: Formats of a lab's own screen (:func:`pqstats.screens.import_screen`).
FORMATS: tuple[str, ...] = ("pairs", "stats", "h5ad", "genes", "de-table")
#: Differential-expression tests of an h5ad import.
DE_METHODS: tuple[str, ...] = ("t-test", "deseq2")
#: Perturbation columns of an h5ad, tried in this order when none is named.
PERT_COLUMNS: tuple[str, ...] = ("gene", "perturbation", "target_gene", "gene_target")

#: The library of the ``single`` rule of ``pqstats gse``.
DEFAULT_LIBRARY = "reactome"
#: Candidates of the ``consensus`` medoid, the default rule's size: chosen with it by nested
#: cross-validation over the 77 labelled clusters (the Decisions page, "GSE description rule").
DEFAULT_TOP = 8
