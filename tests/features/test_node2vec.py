"""node2vec: structure on known graphs, exact walk law, determinism, bad inputs, cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from pqstats.features import Node2Vec, knowledge_graph_embedding, node2vec_embedding
from pqstats.features._cache import cache_dir
from pqstats.features.node2vec import _Graph, _numba_walks
from pqstats.knowledge._cache import clear_memory

REPO = Path(__file__).resolve().parents[2]
FAST = {"dimensions": 8, "walk_length": 20, "walks_per_node": 20, "epochs": 5}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache folder."""
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))


def two_cliques(k: int = 8) -> tuple[sp.csr_matrix, list[str]]:
    """Two k-cliques joined by one edge (a0 -- b0)."""
    a = np.zeros((2 * k, 2 * k))
    a[:k, :k] = 1
    a[k:, k:] = 1
    np.fill_diagonal(a, 0)
    a[0, k] = a[k, 0] = 1
    return sp.csr_matrix(a), [f"a{i}" for i in range(k)] + [f"b{i}" for i in range(k)]


def mean_cosines(emb: pd.DataFrame, k: int) -> tuple[float, float]:
    x = emb.to_numpy(dtype=float)
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    c = x @ x.T
    within = (c[:k, :k].sum() - k + c[k:, k:].sum() - k) / (2 * k * (k - 1))
    return within, c[:k, k:].mean()


# ------------------------------------------------------------------ structure
# implementation="reference" (the `node2vec` package) and "pecanpy" are exercised by
# benchmarks/bench_node2vec.py, in the environment of their own that `make bench` builds:
# both hold numpy below 2, and this suite runs on numpy 2. The benchmark runs this same
# two-cliques check on them (its `--check` child) before it times them.
def test_two_cliques_embed_apart():
    adj, names = two_cliques()
    emb = node2vec_embedding(adj, names, implementation="numba", cache=False, **FAST)
    assert list(emb.index) == names and emb.shape == (16, 8)
    within, between = mean_cosines(emb, 8)
    assert within > between + 0.3, (within, between)


def test_walks_follow_the_node2vec_law():
    """Empirical P(next | prev, cur) matches w(cur,x) * alpha(prev,x) normalised."""
    rng = np.random.default_rng(3)
    n = 7
    w = np.triu(rng.integers(0, 4, (n, n)).astype(float), 1)
    w[0, 1:] = np.maximum(w[0, 1:], 1.0)  # connected, weighted, with non-edges
    w = w + w.T
    p, q = 0.5, 3.0
    graph = _Graph(sp.csr_matrix(w), n, directed=False)
    assert graph.weighted
    rounds = _numba_walks(graph, walk_length=12, walks_per_node=4000, p=p, q=q, seed=1,
                          workers=1, progress=False)
    walks = np.concatenate(rounds)
    counts: Counter = Counter()
    for s in range(1, walks.shape[1] - 1):
        for t, v, x in zip(walks[:, s - 1], walks[:, s], walks[:, s + 1], strict=True):
            counts[(t, v, x)] += 1
    checked = 0
    for t, v in {(t, v) for t, v, _ in counts}:
        alpha = np.where(np.arange(n) == t, 1 / p, np.where(w[t] > 0, 1.0, 1 / q))
        expect = w[v] * alpha
        expect /= expect.sum()
        obs = np.array([counts[(t, v, x)] for x in range(n)], dtype=float)
        total = obs.sum()
        if total < 2000:
            continue
        assert np.all(obs[w[v] == 0] == 0)  # only edges are walked
        assert np.abs(obs / total - expect).max() < 4.5 * np.sqrt(0.25 / total)
        checked += 1
    assert checked >= 10


def test_directed_walks_follow_edges():
    adj = sp.csr_matrix(np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=float))
    graph = _Graph(adj, 3, directed=True)
    walks = np.concatenate(_numba_walks(graph, walk_length=6, walks_per_node=3, p=1, q=1,
                                        seed=0, workers=1, progress=False))
    assert np.all((walks[:, 1:] - walks[:, :-1]) % 3 == 1)  # 0 -> 1 -> 2 -> 0


# ------------------------------------------------------------------ determinism
def test_deterministic_mode_gives_identical_vectors():
    adj, names = two_cliques()
    a = node2vec_embedding(adj, names, seed=5, cache=False, p=0.5, q=2.0, **FAST)
    b = node2vec_embedding(adj, names, seed=5, cache=False, p=0.5, q=2.0, **FAST)
    c = node2vec_embedding(adj, names, seed=6, cache=False, p=0.5, q=2.0, **FAST)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not np.allclose(a.to_numpy(), c.to_numpy())


def test_walks_do_not_depend_on_thread_count():
    adj, names = two_cliques(30)
    graph = _Graph(adj, len(names), directed=False)
    kw = {"walk_length": 15, "walks_per_node": 3, "p": 0.25, "q": 4.0, "seed": 9,
          "progress": False}
    one = _numba_walks(graph, workers=1, **kw)
    two = _numba_walks(graph, workers=2, **kw)
    assert all(np.array_equal(x, y) for x, y in zip(one, two, strict=True))


def test_identical_across_processes_and_hash_seeds(tmp_path):
    """gensim seeds vectors with hash(); pqstats passes a stable one instead."""
    adj, names = two_cliques()
    here = node2vec_embedding(adj, names, seed=3, cache=False, **FAST)
    script = (
        "import json, sys, numpy as np, scipy.sparse as sp\n"
        "from pqstats.features.node2vec import node2vec_embedding\n"
        "a = sp.csr_matrix(np.array(json.loads(sys.argv[1])))\n"
        "e = node2vec_embedding(a, json.loads(sys.argv[2]), seed=3, cache=False,\n"
        "                       **json.loads(sys.argv[3]))\n"
        "print(json.dumps(e.to_numpy().tolist()))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(adj.toarray().tolist()), json.dumps(names),
         json.dumps(FAST)], capture_output=True, text=True, env=env, cwd=REPO, check=True)
    there = np.array(json.loads(out.stdout.strip().splitlines()[-1]), dtype=np.float32)
    np.testing.assert_array_equal(here.to_numpy(), there)


# ------------------------------------------------------------------ bad inputs
@pytest.mark.parametrize(("params", "match"), [
    ({"dimensions": 0}, "dimensions must be an integer >= 1"),
    ({"dimensions": 2.5}, "dimensions must be an integer"),
    ({"dimensions": True}, "dimensions must be an integer"),
    ({"walk_length": 1}, "walk_length must be an integer >= 2"),
    ({"walks_per_node": 0}, "walks_per_node must be an integer >= 1"),
    ({"p": 0}, "p must be a finite number > 0"),
    ({"p": -1.0}, "p must be a finite number > 0"),
    ({"q": float("nan")}, "q must be a finite number > 0"),
    ({"q": float("inf")}, "q must be a finite number > 0"),
    ({"q": "2"}, "q must be a finite number > 0"),
    ({"window": 0}, "window must be an integer >= 1"),
    ({"epochs": 0}, "epochs must be an integer >= 1"),
    ({"workers": 0}, "workers must be an integer >= 1"),
    ({"random_state": -1}, "random_state must be an integer >= 0"),
    ({"random_state": 2**40}, "random_state must be < 2"),
    ({"implementation": "fast"}, "implementation must be one of"),
])
def test_invalid_parameters(params, match):
    adj, names = two_cliques(3)
    with pytest.raises(ValueError, match=match):
        Node2Vec(**params).fit(adj, names)


@pytest.mark.parametrize(("adj", "names", "match"), [
    (sp.csr_matrix((0, 0)), [], "empty graph"),
    (sp.csr_matrix((2, 3)), ["a", "b"], "must be square"),
    (sp.csr_matrix(np.ones((2, 2))), ["a"], "2 nodes but 1 node names"),
    (sp.csr_matrix(np.ones((2, 2))), ["a", "a"], "node names must be unique"),
    (sp.csr_matrix(np.array([[0, -1.0], [-1.0, 0]])), ["a", "b"], "finite and >= 0"),
    (sp.csr_matrix(np.array([[0, np.nan], [1.0, 0]])), ["a", "b"], "finite and >= 0"),
])
def test_invalid_graphs(adj, names, match):
    with pytest.raises(ValueError, match=match):
        Node2Vec(cache=False).fit(adj, names)


def test_adjacency_type_is_checked():
    with pytest.raises(TypeError, match="scipy.sparse matrix or a numpy array"):
        Node2Vec().fit([[0, 1], [1, 0]], ["a", "b"])


def test_graph_without_edges_gives_zero_vectors():
    with pytest.warns(UserWarning, match="no edges"):
        m = Node2Vec(dimensions=4, cache=False).fit(sp.csr_matrix((3, 3)), ["a", "b", "c"])
    assert m.n_isolated_ == 3 and not m.embedding_.to_numpy().any()


def test_isolated_node_and_self_loop():
    adj, names = two_cliques(4)
    adj = sp.block_diag([adj, sp.csr_matrix([[1.0]])]).tocsr()  # isolated node with a loop
    m = Node2Vec(cache=False, **FAST).fit(adj, [*names, "lonely"])
    assert m.n_isolated_ == 1 and m.n_edges_ == 2 * 6 + 1
    assert not m.embedding_.loc["lonely"].any()
    assert m.embedding_.drop(index="lonely").abs().sum(axis=1).gt(0).all()


def test_unknown_nodes_get_zero_vectors_and_are_counted():
    adj, names = two_cliques(4)
    m = Node2Vec(cache=False, **FAST).fit(adj, names)
    with pytest.raises(RuntimeError, match="not fitted"):
        Node2Vec().transform(["a0"])
    out = m.transform(["a1", "nope", "b2", "zzz", "a1"])
    assert list(out.index) == ["a1", "nope", "b2", "zzz", "a1"]
    assert m.n_unknown_ == 2
    assert not out.loc["nope"].any() and not out.loc["zzz"].any()
    np.testing.assert_array_equal(out.iloc[0], m.embedding_.loc["a1"])


def test_sklearn_clone_and_params():
    m = Node2Vec(dimensions=12, p=0.5)
    c = clone(m)
    assert c.get_params() == m.get_params() and c is not m
    with pytest.raises(ValueError, match="invalid parameter"):
        m.set_params(size=3)


# ------------------------------------------------------------------ cache
def test_cache_hit_and_invalidation(monkeypatch):
    # the `node2vec` package is not in this environment (numpy < 2); a change of
    # implementation must still miss the cache, so "reference" embeds with a stand-in
    def stand_in(graph, *, dimensions, **_):
        return np.ones((graph.n, dimensions)), 0.0

    monkeypatch.setattr("pqstats.features.node2vec._reference", stand_in)
    adj, names = two_cliques(5)
    first = Node2Vec(**FAST).fit(adj, names)
    assert not first.cache_hit_
    entries = list(cache_dir().glob("node2vec-*.pkl"))
    assert len(entries) == 1
    again = Node2Vec(**FAST).fit(adj.copy(), list(names))
    assert again.cache_hit_
    pd.testing.assert_frame_equal(first.embedding_, again.embedding_)
    # equivalent inputs hash alike: dense vs sparse, one triangle vs both
    upper = sp.triu(adj).toarray()
    assert Node2Vec(**FAST).fit(upper, names).cache_hit_
    # any parameter change misses
    for change in ({"p": 2.0}, {"q": 0.5}, {"dimensions": 6}, {"walk_length": 9},
                   {"walks_per_node": 9}, {"window": 3}, {"epochs": 2},
                   {"random_state": 1}, {"workers": 2}, {"implementation": "reference"}):
        assert not Node2Vec(**{**FAST, **change}).fit(adj, names).cache_hit_, change
    # graph changes miss: an extra edge, a weight, a renamed node
    extra = adj.tolil()
    extra[1, 6] = extra[6, 1] = 1.0
    assert not Node2Vec(**FAST).fit(extra.tocsr(), names).cache_hit_
    heavy = adj.copy()
    heavy.data[:2] = 3.0
    assert not Node2Vec(**FAST).fit(heavy, names).cache_hit_
    assert not Node2Vec(**FAST).fit(adj, ["x", *names[1:]]).cache_hit_
    n_before = len(list(cache_dir().glob("node2vec-*.pkl")))
    # cache=False and random_state=None neither read nor write
    assert not Node2Vec(**FAST, cache=False).fit(adj, names).cache_hit_
    assert not Node2Vec(**{**FAST, "random_state": None}).fit(adj, names).cache_hit_
    assert len(list(cache_dir().glob("node2vec-*.pkl"))) == n_before
    assert not list(cache_dir().glob(".*.tmp"))  # atomic writes leave no temporaries


def test_corrupt_cache_entry_is_rebuilt():
    adj, names = two_cliques(4)
    good = Node2Vec(**FAST).fit(adj, names).embedding_
    (entry,) = cache_dir().glob("node2vec-*.pkl")
    entry.write_bytes(b"not a pickle")
    clear_memory()  # as in a new process: only the (corrupt) file is left
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = Node2Vec(**FAST).fit(adj, names)
    assert not m.cache_hit_
    pd.testing.assert_frame_equal(m.embedding_, good)
    assert Node2Vec(**FAST).fit(adj, names).cache_hit_


# ------------------------------------------------------------------ knowledge graph
class _TinyKG:
    """Stands in for KnowledgeGraph: genes g0..g5, terms T1, T2."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def adjacency(self, edge_types=None, *, genes_only=False):
        self.calls.append((edge_types, genes_only))
        names = ["g0", "g1", "g2", "g3", "g4", "g5", "T1", "T2"]
        edges = [(0, 6), (1, 6), (2, 6), (3, 7), (4, 7), (5, 7), (0, 1), (3, 4)]
        if genes_only:
            names, edges = names[:6], [(0, 1), (3, 4)]
        n = len(names)
        r, c = zip(*edges, strict=True)
        a = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
        return (a + a.T).tocsr(), names


def test_knowledge_graph_embedding():
    kg = _TinyKG()
    emb = knowledge_graph_embedding(kg, **FAST)
    assert list(emb.index) == ["g0", "g1", "g2", "g3", "g4", "g5", "T1", "T2"]
    within, between = mean_cosines(emb.iloc[[0, 1, 2, 6, 3, 4, 5, 7]], 4)
    assert within > between
    again = knowledge_graph_embedding(kg, **FAST)
    pd.testing.assert_frame_equal(emb, again)
    genes = knowledge_graph_embedding(kg, edge_types="ppi", genes_only=True, **FAST)
    assert genes.shape == (6, 8)
    assert kg.calls == [(None, False), (None, False), ("ppi", True)]
