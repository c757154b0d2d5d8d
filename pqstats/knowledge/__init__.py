"""Biological knowledge for pqstats: sources, readers, symbol normalisation, gene sets,
and one symbol-normalised knowledge graph.

Layers (each imports only those before it):

* :mod:`~pqstats.knowledge.sources` — the manifest :data:`SOURCES` and fetching;
* :mod:`~pqstats.knowledge.readers` — one reader per standard format;
* :mod:`~pqstats.knowledge.symbols` — :class:`SymbolMapper`, the one gateway every
  reader's genes pass through;
* :mod:`~pqstats.knowledge.go` — the GO DAG and propagated annotations;
* :mod:`~pqstats.knowledge.genesets` — :func:`gene_sets` libraries;
* :mod:`~pqstats.knowledge.graph` — :class:`KnowledgeGraph` and
  :func:`build_knowledge_graph`;
"""

from __future__ import annotations

from pqstats._lazy import lazy_exports

# each name is imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, {
    "pqstats.knowledge._parse": ("KnowledgeFormatError",),
    "pqstats.knowledge.genesets": ("LIBRARIES", "gene_sets", "library_sets",),
    "pqstats.knowledge.go": ("GoDag", "go_annotations", "load_go",),
    "pqstats.knowledge.graph": ("DEFAULT_GRAPH_SOURCES", "EDGE_TYPES", "EXCLUDE_ENV",
        "GRAPH_SOURCES", "KNOWLEDGE_DIR_ENV", "KnowledgeGraph", "build_knowledge_graph",
        "default_bundle_dir", "default_graph_sources", "excluded_sources", "files_read_by",),
    "pqstats.knowledge.readers": ("GeneSetRecord", "read_bioplex", "read_corum",
        "read_gene2go", "read_gene_info", "read_gmt", "read_gmt_records", "read_huri",
        "read_obo", "read_string", "read_string_info", "read_trrust",),
    "pqstats.knowledge.sources": ("SOURCES", "Source", "fetch_all", "fetch_source",
        "source_files",),
    "pqstats.knowledge.symbols": ("RESOLUTION_METHODS", "SymbolMapper", "load_symbol_mapper",),
})

__all__ = [
    "KnowledgeFormatError",
    "SOURCES",
    "Source",
    "fetch_source",
    "fetch_all",
    "source_files",
    "read_obo",
    "read_gene2go",
    "read_gene_info",
    "read_gmt",
    "read_gmt_records",
    "GeneSetRecord",
    "read_bioplex",
    "read_string",
    "read_string_info",
    "read_huri",
    "read_corum",
    "read_trrust",
    "SymbolMapper",
    "load_symbol_mapper",
    "RESOLUTION_METHODS",
    "GoDag",
    "load_go",
    "go_annotations",
    "LIBRARIES",
    "gene_sets",
    "library_sets",
    "KnowledgeGraph",
    "build_knowledge_graph",
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
