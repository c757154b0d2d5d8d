"""Enrichment: vectorised ORA, gene-set libraries and the PerturbQA GSE task."""

from pqstats.enrichment._ora import DEFAULT_LIBRARY_NAME, GSEAPY_COLUMNS, ORA_COLUMNS, ora

__all__ = ["ora", "ORA_COLUMNS", "GSEAPY_COLUMNS", "DEFAULT_LIBRARY_NAME"]
