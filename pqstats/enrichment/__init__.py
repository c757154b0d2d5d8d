"""Enrichment: vectorised ORA, and the PerturbQA gene-set (GSE) task with its scores."""

from pqstats.enrichment._gse import (
    BASELINE_LIBRARIES,
    METHODS,
    PQSTATS_LIBRARIES,
    describe_clusters,
    k562_background,
    load_libraries,
    run_gse,
    score_descriptions,
    write_gse,
)
from pqstats.enrichment._ora import (
    DEFAULT_LIBRARY_NAME,
    GSEAPY_COLUMNS,
    ORA_COLUMNS,
    EnrichmentWarning,
    ora,
    read_gene_list,
    read_gmt_library,
)
from pqstats.enrichment._text import (
    clean_term,
    embed,
    load_sentence_model,
    rouge1,
    semantic_similarity,
    tokenize,
)

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
