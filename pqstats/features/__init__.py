"""Features of genes and (perturbation, gene) pairs, derived from the knowledge graph.

* :mod:`~pqstats.features.profiles` — TF-IDF gene profiles per similarity space;
* :mod:`~pqstats.features.retrieval` — kernel retrieval of training outcomes;
* :mod:`~pqstats.features.graph_pairs` — direct graph relations of a pair;
* :mod:`~pqstats.features.transfer` — other screens' training outcomes (transfer track);
* :mod:`~pqstats.features.embeddings` — TF-IDF + SVD gene embeddings;
* :mod:`~pqstats.features.node2vec` — node2vec embeddings (cached);
* :mod:`~pqstats.features.text` — MiniLM embeddings of gene descriptions;
* :mod:`~pqstats.features.pairs` — the scikit-learn pair featuriser combining them.
"""

from __future__ import annotations

from pqstats._lazy import lazy_exports

# each name is imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, {
    "pqstats.features.embeddings": ("pair_embedding_features", "svd_embedding",),
    "pqstats.features.graph_pairs": ("GRAPH_PAIR_FEATURES", "graph_pair_features",),
    "pqstats.features.node2vec": ("IMPLEMENTATIONS", "Node2Vec", "knowledge_graph_embedding",
        "node2vec_embedding",),
    "pqstats.features.pairs": ("FEATURE_GROUPS", "PairFeaturizer", "clear_memos", "load_graph",),
    "pqstats.features.profiles": ("SPACES", "GeneProfiles", "gene_profiles",),
    "pqstats.features.retrieval": ("ResponseRetrieval",),
    "pqstats.features.transfer": ("TransferFeatures", "response_profiles", "transfer_sources",),
})

__all__ = [
    "FEATURE_GROUPS", "GRAPH_PAIR_FEATURES", "IMPLEMENTATIONS", "SPACES", "GeneProfiles",
    "Node2Vec", "PairFeaturizer", "ResponseRetrieval", "TransferFeatures", "clear_memos",
    "gene_profiles", "graph_pair_features", "knowledge_graph_embedding", "load_graph",
    "node2vec_embedding", "pair_embedding_features", "response_profiles", "svd_embedding",
    "transfer_sources",
]
