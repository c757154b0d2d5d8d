"""pqstats: classical statistics and machine learning for the PerturbQA benchmark.

The flat public API re-exports the most used functions of the modules below::

    import pqstats
    pairs = pqstats.load_de("k562")
    model = pqstats.models.get("gene_frequency").fit(train_pairs, train_labels)
    pqstats.auc_per_gene(test_pairs, model.score_pairs(test_pairs))
"""

from __future__ import annotations

from pqstats._lazy import lazy_exports
from pqstats._version import __version__ as __version__

# each name is imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, {
    "pqstats.enrichment": ("enrichment", "describe_clusters", "ora", "run_gse",),
    "pqstats.evaluation": ("evaluation", "PredictionError", "auc_per_gene", "auc_per_pert",
        "auprc_per_gene", "bootstrap_ci", "cross_validate", "evaluate", "grid_search",
        "pooled_auroc", "score_predictions",),
    "pqstats.knowledge": ("knowledge", "build_knowledge_graph", "gene_sets",
        "load_symbol_mapper",),
    "pqstats.models": ("models",),
    "pqstats.report": ("report", "write_results",),
    "pqstats.screens": ("screens", "TASKS", "DatasetError", "Screen", "available_screens",
        "get_screen", "import_screen", "list_screens", "load_de", "load_dir", "load_gse",
        "load_pairs", "load_programs", "measured_genes", "remove_screen", "resolve_screen",),
    "pqstats._fetch": ("ChecksumError", "DataUnavailableError", "data_dir", "mirror_dir",),
    "pqstats.benchmark": ("make_benchmark", "run_benchmark",),
})

__all__ = [
    "TASKS", "ChecksumError", "DataUnavailableError", "DatasetError", "PredictionError",
    "Screen", "auc_per_gene", "auc_per_pert", "auprc_per_gene", "available_screens",
    "bootstrap_ci", "build_knowledge_graph", "cross_validate", "data_dir",
    "describe_clusters", "enrichment", "evaluate", "evaluation", "gene_sets", "get_screen",
    "grid_search", "import_screen", "knowledge", "list_screens", "load_de", "load_dir", "load_gse",
    "load_pairs", "load_programs", "load_symbol_mapper", "make_benchmark", "measured_genes",
    "mirror_dir",
    "models", "ora", "pooled_auroc", "remove_screen", "report", "resolve_screen",
    "run_benchmark", "run_gse", "score_predictions", "screens", "write_results",
]
