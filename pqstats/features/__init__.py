"""Features derived from the knowledge: node2vec embeddings (cached), ..."""

from pqstats.features.node2vec import (
    IMPLEMENTATIONS,
    Node2Vec,
    knowledge_graph_embedding,
    node2vec_embedding,
)

__all__ = ["IMPLEMENTATIONS", "Node2Vec", "knowledge_graph_embedding", "node2vec_embedding"]
