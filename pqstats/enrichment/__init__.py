"""Enrichment: vectorised ORA, and the PerturbQA gene-set (GSE) task with its scores."""

from __future__ import annotations

from pqstats._lazy import lazy_exports

# each name is imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, {
    "pqstats.enrichment._gse": ("BASELINE_LIBRARIES", "DEFAULT_LIBRARY", "DEFAULT_METHOD",
        "DEFAULT_TOP", "METHODS", "PQSTATS_LIBRARIES", "describe_clusters", "k562_background",
        "load_libraries", "run_gse", "score_descriptions", "write_gse",),
    "pqstats.enrichment._ora": ("DEFAULT_LIBRARY_NAME", "GSEAPY_COLUMNS", "ORA_COLUMNS",
        "EnrichmentWarning", "ora", "read_gene_list", "read_gmt_library",),
    "pqstats.enrichment._text": ("clean_term", "embed", "load_sentence_model", "rouge1",
        "semantic_similarity", "tokenize",),
})

__all__ = [
    "ora",
    "read_gene_list",
    "read_gmt_library",
    "EnrichmentWarning",
    "describe_clusters",
    "score_descriptions",
    "run_gse",
    "write_gse",
    "k562_background",
    "load_libraries",
    "BASELINE_LIBRARIES",
    "PQSTATS_LIBRARIES",
    "METHODS",
    "DEFAULT_METHOD",
    "DEFAULT_TOP",
    "DEFAULT_LIBRARY",
    "ORA_COLUMNS",
    "GSEAPY_COLUMNS",
    "DEFAULT_LIBRARY_NAME",
    "clean_term",
    "embed",
    "load_sentence_model",
    "rouge1",
    "semantic_similarity",
    "tokenize",
]
