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

from pqstats.features.embeddings import pair_embedding_features, svd_embedding
from pqstats.features.graph_pairs import GRAPH_PAIR_FEATURES, graph_pair_features
from pqstats.features.node2vec import (
    IMPLEMENTATIONS,
    Node2Vec,
    knowledge_graph_embedding,
    node2vec_embedding,
)
from pqstats.features.pairs import FEATURE_GROUPS, PairFeaturizer, clear_memos, load_graph
from pqstats.features.profiles import SPACES, GeneProfiles, gene_profiles
from pqstats.features.retrieval import ResponseRetrieval
from pqstats.features.transfer import TransferFeatures, response_profiles, transfer_sources

__all__ = [
    "FEATURE_GROUPS", "GRAPH_PAIR_FEATURES", "IMPLEMENTATIONS", "SPACES", "GeneProfiles",
    "Node2Vec", "PairFeaturizer", "ResponseRetrieval", "TransferFeatures", "clear_memos",
    "gene_profiles", "graph_pair_features", "knowledge_graph_embedding", "load_graph",
    "node2vec_embedding", "pair_embedding_features", "response_profiles", "svd_embedding",
    "transfer_sources",
]
