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
  :func:`build_knowledge_graph`.

The coverage of a screen's genes by the graph is a screen's property:
:mod:`pqstats.screens.coverage`.
"""

from pqstats.knowledge._parse import KnowledgeFormatError
from pqstats.knowledge.genesets import LIBRARIES, gene_sets, library_sets
from pqstats.knowledge.go import GoDag, go_annotations, load_go
from pqstats.knowledge.graph import (
    DEFAULT_GRAPH_SOURCES,
    EDGE_TYPES,
    EXCLUDE_ENV,
    GRAPH_SOURCES,
    KNOWLEDGE_DIR_ENV,
    KnowledgeGraph,
    build_knowledge_graph,
    default_bundle_dir,
    default_graph_sources,
    excluded_sources,
    files_read_by,
)
from pqstats.knowledge.readers import (
    GeneSetRecord,
    read_bioplex,
    read_corum,
    read_gene2go,
    read_gene_info,
    read_gmt,
    read_gmt_records,
    read_huri,
    read_obo,
    read_string,
    read_string_info,
    read_trrust,
)
from pqstats.knowledge.sources import SOURCES, Source, fetch_all, fetch_source, source_files
from pqstats.knowledge.symbols import RESOLUTION_METHODS, SymbolMapper, load_symbol_mapper

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
