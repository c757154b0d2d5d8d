"""pqstats: classical statistics and machine learning for the PerturbQA benchmark.

The flat public API re-exports the most used functions of the modules below::

    import pqstats
    pairs = pqstats.load_de("k562")
    model = pqstats.models.get("gene_frequency").fit(train_pairs, train_labels)
    pqstats.auc_per_gene(test_pairs, model.score_pairs(test_pairs))
"""

from pqstats import enrichment, evaluation, knowledge, models, report, screens
from pqstats._fetch import ChecksumError, DataUnavailableError, data_dir, mirror_dir
from pqstats._version import __version__ as __version__
from pqstats.benchmark import make_benchmark, run_benchmark
from pqstats.enrichment import describe_clusters, ora, run_gse
from pqstats.evaluation import (
    PredictionError,
    auc_per_gene,
    auc_per_pert,
    auprc_per_gene,
    bootstrap_ci,
    cross_validate,
    evaluate,
    grid_search,
    pooled_auroc,
    score_predictions,
)
from pqstats.knowledge import build_knowledge_graph, gene_sets, load_symbol_mapper
from pqstats.report import write_results
from pqstats.screens import (
    TASKS,
    DatasetError,
    Screen,
    available_screens,
    get_screen,
    import_screen,
    list_screens,
    load_de,
    load_dir,
    load_gse,
    load_pairs,
    load_programs,
    measured_genes,
    remove_screen,
    resolve_screen,
)

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
