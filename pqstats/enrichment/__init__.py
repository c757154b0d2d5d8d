"""Enrichment: vectorised ORA, and the text side of the PerturbQA GSE task."""

from pqstats.enrichment._ora import DEFAULT_LIBRARY_NAME, GSEAPY_COLUMNS, ORA_COLUMNS, ora
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
