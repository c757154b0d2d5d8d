"""node2vec node embeddings of (knowledge) graphs, fast, deterministic and cached.

node2vec (Grover & Leskovec, KDD 2016) samples biased second-order random walks and
trains skip-gram word2vec on them. From a walk that went ``t -> v``, the next node ``x``
is drawn with probability proportional to ``w(v, x) * alpha(t, x)`` where

.. math::

    \\alpha(t, x) = \\begin{cases} 1/p & x = t \\\\ 1 & (x, t) \\text{ is an edge} \\\\
    1/q & \\text{otherwise} \\end{cases}

(``p`` = return parameter, ``q`` = in-out parameter; ``p = q = 1`` is DeepWalk). The
first step of a walk is first-order (``\\propto w(v, x)``).

Implementations (``implementation=``):

``"numba"`` (default)
    pqstats' own walk sampler: numba-compiled, on the CSR arrays, with *rejection
    sampling* for the second-order step (KnightKing, SOSP 2019): draw ``x`` from the
    first-order distribution, accept it with probability ``alpha(t, x) / max(1/p, 1,
    1/q)`` (the edge test is a binary search in ``x``'s sorted neighbour list). This is
    exact, needs no precomputed transition tables (memory O(edges)) and costs O(log d)
    per step instead of O(d) (PecanPy's SparseOTF) or O(sum d^2) memory (the
    ``node2vec`` package). Each walk draws from its own counter-based random stream
    (splitmix64 seeded by ``(random_state, walk id)``), so the walks are identical for
    any number of threads. Skip-gram training is gensim's ``Word2Vec``.
``"pecanpy"``
    walks from PecanPy's ``SparseOTF`` (optional dependency), same word2vec training.
    Not the default: it imports ``nptyping``, which fails on numpy >= 2; its numba
    kernels are closures that are recompiled in every process (~30 s); its O(d) per
    step on-the-fly probabilities are slower on hub nodes; and it seeds one stream per
    thread, so its walks are reproducible only with ``workers=1``.
``"reference"``
    the ``node2vec`` package (Elior Cohen's; networkx + Python walks with precomputed
    transition probabilities). Slow and memory hungry: for small graphs and for checking
    the fast path (``make bench`` compares the two).

All three train ``gensim.models.Word2Vec(sg=1, negative=5, min_count=1, sample=1e-3,
hashfxn=<stable>)`` on walks whose tokens are node indices, so their vectors are
comparable in distribution, not identical (different random walk streams).

Determinism. With ``workers=1`` two fits with the same ``random_state`` give identical
vectors, in the same or another process: the walks are seeded, gensim trains in a single
thread, and gensim's initial vectors -- seeded by ``hashfxn(word + str(seed))``, by
default Python's salted ``hash`` -- use a stable CRC32 instead, so ``PYTHONHASHSEED``
does not matter. With ``workers > 1`` the walks are still identical but the parallel
asynchronous SGD is not.

Nodes without any edge (isolated) never occur in a context window; word2vec would leave
their random initial vectors. They get the zero vector instead, and are counted in
``n_isolated_``.

Caching. A fitted embedding is stored under ``data_dir()/cache/features/`` keyed by the
graph's content hash (CSR arrays after canonicalisation + node names) and every
parameter, so a repeated fit is a file read and any change of graph or parameter
recomputes.
"""

from __future__ import annotations

import logging
import time
import warnings
import zlib
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pqstats.features._cache import array_digest, cached

__all__ = [
    "Node2Vec",
    "node2vec_embedding",
    "knowledge_graph_embedding",
    "IMPLEMENTATIONS",
]

log = logging.getLogger(__name__)

#: Walk samplers: name → one-line description.
IMPLEMENTATIONS: dict[str, str] = {
    "numba": "pqstats' numba walks (rejection sampling, per-walk RNG) + gensim Word2Vec",
    "pecanpy": "PecanPy SparseOTF walks + gensim Word2Vec (optional dependency)",
    "reference": "the `node2vec` package (networkx, precomputed probabilities); small graphs",
}
#: Bump when the embedding an unchanged input gives changes (invalidates the cache).
_CODE_VERSION = 1

def _stable_hash(text: str) -> int:
    """A hash that does not depend on ``PYTHONHASHSEED`` (gensim's ``hashfxn``)."""
    return zlib.crc32(text.encode("utf-8"))


# ============================================================================ walks
def _numba_walks(graph: _Graph, *, walk_length: int, walks_per_node: int, p: float,
                 q: float, seed: int, workers: int, progress: bool) -> list[np.ndarray]:
    """Walks as int32 arrays (one per round, shape ``(n, walk_length)``, -1 padded).

    Round ``r`` starts one walk from every node, in a seeded random order (as the
    reference does); chunks of a round run in ``workers`` threads (the kernel releases
    the GIL), and each walk's random stream depends only on ``(seed, walk id)``.
    """
    from concurrent.futures import ThreadPoolExecutor

    from tqdm.auto import tqdm

    from pqstats._extras import require

    require("numba", "node2vec", "node2vec walks")
    from pqstats.features._walks import walk_chunk

    n = graph.n
    rng = np.random.default_rng(seed)
    inv_p, inv_q, useed = 1.0 / p, 1.0 / q, np.uint64(seed)
    bounds = np.linspace(0, n, min(workers, n) + 1).astype(np.int64)
    rounds = []

    def run(starts: np.ndarray, first_id: int, out: np.ndarray) -> None:
        walk_chunk(graph.indptr, graph.indices, graph.cumw, graph.weighted, starts,
                   np.int64(first_id), walk_length, inv_p, inv_q, useed, out)

    with ThreadPoolExecutor(max_workers=len(bounds) - 1) as pool:
        for r in tqdm(range(walks_per_node), desc="node2vec walks", disable=not progress):
            starts = rng.permutation(n).astype(np.int64)
            out = np.full((n, walk_length), -1, dtype=np.int32)
            jobs = [pool.submit(run, starts[lo:hi], r * n + lo, out[lo:hi])
                    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
            for job in jobs:
                job.result()
            rounds.append(out)
    return rounds


def _pecanpy_walks(graph: _Graph, *, walk_length: int, walks_per_node: int, p: float,
                   q: float, seed: int, workers: int, progress: bool) -> list[np.ndarray]:
    try:
        import numba
        from pecanpy.pecanpy import SparseOTF
    except (ImportError, AttributeError) as err:  # pragma: no cover - environment
        # pecanpy imports nptyping, which fails on numpy >= 2 (np.bool8 is gone)
        raise ImportError("implementation='pecanpy' needs the package pecanpy and numpy<2 "
                          "(`make setup-node2vec` builds an environment with them, "
                          f".venv-node2vec): {err}") from err
    g = SparseOTF(p=p, q=q, workers=workers, verbose=progress, random_state=seed)
    g.set_node_ids([str(i) for i in range(graph.n)])
    g.indptr = graph.indptr.astype(np.uint32)
    g.indices = graph.indices.astype(np.uint32)
    g.data = graph.data.astype(np.float32)
    threads = numba.get_num_threads()
    numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
    try:
        # pecanpy's walk_length counts steps: its walks hold walk_length + 1 nodes
        walks = g.simulate_walks(num_walks=walks_per_node, walk_length=walk_length - 1)
    finally:
        numba.set_num_threads(threads)
    out = np.full((len(walks), walk_length), -1, dtype=np.int32)
    for i, w in enumerate(walks):
        out[i, : len(w)] = np.asarray(w, dtype=np.int64)
    return [out]


def _to_sentences(rounds: list[np.ndarray], n: int) -> list[list[str]]:
    """Walk index arrays → lists of string tokens (``"0"``, ``"1"``, ...)."""
    tokens = np.array([str(i) for i in range(n)], dtype=object)
    sentences: list[list[str]] = []
    for mat in rounds:
        full = mat[:, -1] >= 0
        rows = tokens[mat[full]].tolist()  # one C-level conversion for complete walks
        it = iter(rows)
        for i in range(mat.shape[0]):
            if full[i]:
                sentences.append(next(it))
            else:
                sentences.append(tokens[mat[i, mat[i] >= 0]].tolist())
    return sentences


def _word2vec(sentences: list[list[str]], n: int, *, dimensions: int, window: int,
              epochs: int, seed: int, workers: int, progress: bool) -> np.ndarray:
    """Skip-gram vectors (float32, shape ``(n, dimensions)``, row i = token ``str(i)``)."""
    from pqstats._extras import require

    require("gensim", "node2vec", "node2vec's skip-gram training")
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec
    from tqdm.auto import tqdm

    bar = tqdm(total=epochs, desc="node2vec word2vec", disable=not progress)

    class _Tick(CallbackAny2Vec):
        def on_epoch_end(self, model: Any) -> None:  # noqa: ARG002 (gensim API)
            bar.update(1)

    try:
        model = Word2Vec(sentences, **_w2v_params(dimensions, window, epochs, seed, workers),
                         callbacks=[_Tick()])
    finally:
        bar.close()
    return _vectors(model, n, dimensions)


def _w2v_params(dimensions: int, window: int, epochs: int, seed: int, workers: int) -> dict:
    return {"vector_size": dimensions, "window": window, "epochs": epochs, "seed": seed,
            "workers": workers, "sg": 1, "hs": 0, "negative": 5, "min_count": 1,
            "sample": 1e-3, "hashfxn": _stable_hash}


def _vectors(model: Any, n: int, dimensions: int) -> np.ndarray:
    out = np.zeros((n, dimensions), dtype=np.float32)
    kv = model.wv
    for i in range(n):
        j = kv.key_to_index.get(str(i))
        if j is not None:
            out[i] = kv.vectors[j]
    return out


def _reference(graph: _Graph, *, dimensions: int, walk_length: int, walks_per_node: int,
               p: float, q: float, window: int, epochs: int, seed: int, workers: int,
               progress: bool) -> tuple[np.ndarray, float]:
    """Embed with the ``node2vec`` package; also return when its walks were done."""
    try:
        import networkx as nx
        from node2vec import Node2Vec as _RefNode2Vec
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("implementation='reference' needs the `node2vec` package, which "
                          "holds numpy below 2: `make setup-node2vec` builds an environment "
                          "with it (.venv-node2vec)") from err
    mat = sp.csr_matrix((graph.data, graph.indices, graph.indptr), shape=(graph.n, graph.n))
    g = nx.from_scipy_sparse_array(mat, create_using=nx.DiGraph if graph.directed
                                   else nx.Graph)
    ref = _RefNode2Vec(g, dimensions=dimensions, walk_length=walk_length,
                       num_walks=walks_per_node, p=p, q=q, workers=workers, seed=seed,
                       quiet=not progress)
    t_walks = time.perf_counter()
    params = _w2v_params(dimensions, window, epochs, seed, workers)
    params.pop("vector_size")
    model = ref.fit(**params)
    return _vectors(model, graph.n, dimensions), t_walks


# ============================================================================ graph
class _Graph:
    """Canonical CSR form of the input: sorted indices, positive weights, float64."""

    def __init__(self, adjacency: Any, n_names: int, directed: bool) -> None:
        if isinstance(adjacency, np.ndarray) or sp.issparse(adjacency):
            mat = sp.csr_matrix(adjacency, dtype=np.float64, copy=True)
        else:
            raise TypeError("adjacency must be a scipy.sparse matrix or a numpy array, "
                            f"not {type(adjacency).__name__}")
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
            raise ValueError(f"adjacency must be square, got shape {mat.shape}")
        if mat.shape[0] == 0:
            raise ValueError("empty graph: the adjacency matrix has no nodes")
        if mat.shape[0] != n_names:
            raise ValueError(f"adjacency has {mat.shape[0]} nodes but {n_names} node names "
                             "were given")
        if not np.all(np.isfinite(mat.data)) or np.any(mat.data < 0):
            raise ValueError("edge weights must be finite and >= 0")
        coo = mat.tocoo()
        keep = (coo.row != coo.col) & (coo.data > 0)  # no self-loops, no explicit zeros
        mat = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])),
                            shape=mat.shape)  # sums duplicates
        if not directed:
            mat = mat.maximum(mat.T).tocsr()
        mat.sort_indices()
        self.n = mat.shape[0]
        self.directed = directed
        self.indptr = mat.indptr.astype(np.int64)
        self.indices = mat.indices.astype(np.int32)
        self.data = mat.data.astype(np.float64)
        self.weighted = bool(len(self.data)) and bool(np.ptp(self.data) > 0)
        # per-row cumulative weights for first-order sampling
        cs = np.cumsum(self.data)
        row_start = np.repeat(np.concatenate([[0.0], cs])[self.indptr[:-1]],
                              np.diff(self.indptr))
        self.cumw = cs - row_start if self.weighted else np.zeros(1)
        deg_out = np.diff(self.indptr)
        deg_in = np.bincount(self.indices, minlength=self.n)
        self.isolated = (deg_out == 0) & (deg_in == 0)
        self.n_edges = int(len(self.indices) if directed else len(self.indices) // 2)

    def digest(self, names: Sequence[str]) -> str:
        return array_digest([self.indptr, self.indices, self.data], names)


# ============================================================================ estimator
def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) \
            or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


class Node2Vec:
    """node2vec embedding of a graph, scikit-learn style.

    Parameters
    ----------
    dimensions : int, default 64
        Length of each node's vector.
    walk_length : int, default 20
        Nodes per walk (including the start node); >= 2.
    walks_per_node : int, default 10
        Walks started from every node.
    p : float, default 1.0
        Return parameter: ``1/p`` weighs stepping back to the previous node.
    q : float, default 1.0
        In-out parameter: ``1/q`` weighs moving away from the previous node
        (``q < 1``: DFS-like, homophily; ``q > 1``: BFS-like, structural roles).
    window : int, default 5
        Skip-gram context window.
    epochs : int, default 1
        Passes of word2vec over the walks.
    random_state : int or None, default 0
        Seed for walks and word2vec; ``None`` draws one (and disables the cache).
    workers : int, default 1
        Threads for walks and word2vec. ``1`` is the deterministic mode.
    implementation : {"numba", "pecanpy", "reference"}, default "numba"
        Walk sampler, see :data:`IMPLEMENTATIONS`.
    directed : bool, default False
        Walk along rows → columns only; otherwise the adjacency is symmetrised
        (``max(A, A.T)``).
    cache : bool, default True
        Read / write the on-disk cache (``data_dir()/cache/features``).
    progress : bool, default False
        Show tqdm bars.

    Attributes
    ----------
    embedding_ : pandas.DataFrame
        One row per node (index = node names, in input order), columns ``0..dimensions-1``
        (float32).
    nodes_ : list of str
        Node names.
    n_isolated_ : int
        Nodes without edges (given the zero vector).
    n_edges_ : int
        Edges after canonicalisation (undirected edges counted once).
    graph_hash_ : str
        Content hash of the canonical graph (part of the cache key).
    cache_hit_ : bool
        Whether the fit was read from the cache.
    fit_seconds_ : float
        Wall time of the fit.
    timings_ : dict
        ``{"walks": s, "word2vec": s}`` of the last computed (not cached) embedding;
        ``walks`` includes graph preprocessing (the reference's transition tables).
    n_unknown_ : int
        Unknown nodes in the last :meth:`transform` call (given the zero vector).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> adj = sp.csr_matrix(np.ones((3, 3)) - np.eye(3))
    >>> emb = Node2Vec(dimensions=8, cache=False).fit(adj, ["a", "b", "c"]).embedding_
    >>> emb.shape
    (3, 8)
    """

    def __init__(
        self,
        dimensions: int = 64,
        walk_length: int = 20,
        walks_per_node: int = 10,
        p: float = 1.0,
        q: float = 1.0,
        window: int = 5,
        epochs: int = 1,
        random_state: int | None = 0,
        workers: int = 1,
        implementation: str = "numba",
        directed: bool = False,
        cache: bool = True,
        progress: bool = False,
    ) -> None:
        self.dimensions = dimensions
        self.walk_length = walk_length
        self.walks_per_node = walks_per_node
        self.p = p
        self.q = q
        self.window = window
        self.epochs = epochs
        self.random_state = random_state
        self.workers = workers
        self.implementation = implementation
        self.directed = directed
        self.cache = cache
        self.progress = progress

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:  # noqa: ARG002 (sklearn API)
        """Constructor parameters (scikit-learn API)."""
        return {k: getattr(self, k) for k in (
            "dimensions", "walk_length", "walks_per_node", "p", "q", "window", "epochs",
            "random_state", "workers", "implementation", "directed", "cache", "progress")}

    def set_params(self, **params: Any) -> Node2Vec:
        """Set constructor parameters (scikit-learn API)."""
        valid = self.get_params()
        for k, v in params.items():
            if k not in valid:
                raise ValueError(f"invalid parameter {k!r} for Node2Vec")
            setattr(self, k, v)
        return self

    def _validated(self) -> dict[str, Any]:
        if self.implementation not in IMPLEMENTATIONS:
            raise ValueError(f"implementation must be one of {sorted(IMPLEMENTATIONS)}, "
                             f"got {self.implementation!r}")
        seed = self.random_state
        if seed is not None:
            seed = _check_int("random_state", seed, 0)
            if seed >= 2**32:
                raise ValueError(f"random_state must be < 2**32, got {seed}")
        return {
            "dimensions": _check_int("dimensions", self.dimensions, 1),
            "walk_length": _check_int("walk_length", self.walk_length, 2),
            "walks_per_node": _check_int("walks_per_node", self.walks_per_node, 1),
            "p": _check_positive("p", self.p),
            "q": _check_positive("q", self.q),
            "window": _check_int("window", self.window, 1),
            "epochs": _check_int("epochs", self.epochs, 1),
            "random_state": seed,
            "workers": _check_int("workers", self.workers, 1),
            "implementation": self.implementation,
            "directed": bool(self.directed),
        }

    # ------------------------------------------------------------------ fit
    def fit(self, adjacency: sp.spmatrix | sp.sparray | np.ndarray,
            nodes: Sequence[str]) -> Node2Vec:
        """Embed the graph.

        Parameters
        ----------
        adjacency : scipy.sparse matrix or numpy array, shape (n, n)
            Edge weights (>= 0; zero = no edge). Duplicates are summed, self-loops
            dropped; undirected unless ``directed=True``.
        nodes : sequence of str
            Names of the n nodes (unique), in the order of the adjacency's rows.

        Returns
        -------
        Node2Vec
            ``self``, with :attr:`embedding_` set.

        Raises
        ------
        ValueError
            Invalid parameters, an empty graph, mismatched or duplicate node names,
            negative or non-finite weights.
        """
        t0 = time.perf_counter()
        params = self._validated()
        names = [str(x) for x in nodes]
        if len(set(names)) != len(names):
            dup = pd.Index(names)[pd.Index(names).duplicated()].unique()[:5].tolist()
            raise ValueError(f"node names must be unique; duplicated: {dup}")
        graph = _Graph(adjacency, len(names), params["directed"])
        seed = params["random_state"]
        use_cache = bool(self.cache) and seed is not None
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1)[0])
        self.graph_hash_ = graph.digest(names)
        parts = {"graph": self.graph_hash_, "params": params, "code": _CODE_VERSION}
        vectors, hit = cached("node2vec", parts,
                              lambda: self._embed(graph, params, seed), enabled=use_cache)
        self.embedding_ = pd.DataFrame(vectors, index=pd.Index(names, name="node"),
                                       columns=pd.RangeIndex(params["dimensions"]))
        self.nodes_ = names
        self.n_isolated_ = int(graph.isolated.sum())
        self.n_edges_ = graph.n_edges
        self.cache_hit_ = hit
        self.n_unknown_ = 0
        if hit:
            self.timings_ = {}
        self.fit_seconds_ = time.perf_counter() - t0
        log.info("node2vec: %d nodes, %d edges, %s in %.1f s", graph.n, graph.n_edges,
                 "cache hit" if hit else "computed", self.fit_seconds_)
        return self

    def _embed(self, graph: _Graph, params: dict, seed: int) -> np.ndarray:
        self.timings_: dict[str, float] = {}
        if graph.isolated.all():
            warnings.warn("graph has no edges: every node gets the zero vector",
                          stacklevel=3)
            return np.zeros((graph.n, params["dimensions"]), dtype=np.float32)
        walk_opts = {"walk_length": params["walk_length"],
                     "walks_per_node": params["walks_per_node"], "p": params["p"],
                     "q": params["q"], "seed": seed, "workers": params["workers"],
                     "progress": self.progress}
        impl = params["implementation"]
        t0 = time.perf_counter()
        if impl == "reference":
            vec, t_walks = _reference(graph, dimensions=params["dimensions"],
                                      window=params["window"], epochs=params["epochs"],
                                      **walk_opts)
        else:
            sampler = _numba_walks if impl == "numba" else _pecanpy_walks
            rounds = sampler(graph, **walk_opts)
            sentences = _to_sentences(rounds, graph.n)
            del rounds
            t_walks = time.perf_counter()
            vec = _word2vec(sentences, graph.n, dimensions=params["dimensions"],
                            window=params["window"], epochs=params["epochs"], seed=seed,
                            workers=params["workers"], progress=self.progress)
        t1 = time.perf_counter()
        self.timings_ = {"walks": t_walks - t0, "word2vec": t1 - t_walks}
        vec[graph.isolated] = 0.0
        return vec

    # ------------------------------------------------------------------ lookup
    def _check_fitted(self) -> None:
        if not hasattr(self, "embedding_"):
            raise RuntimeError("this Node2Vec instance is not fitted yet; call fit() first")

    def transform(self, nodes: Sequence[str]) -> pd.DataFrame:
        """Vectors of ``nodes``; unknown nodes get the zero vector (and are counted).

        Parameters
        ----------
        nodes : sequence of str
            Node names (repeats allowed).

        Returns
        -------
        pandas.DataFrame
            One row per requested node, in order, indexed by the names. The number of
            unknown names is stored in :attr:`n_unknown_` (and logged).
        """
        self._check_fitted()
        names = [str(x) for x in nodes]
        emb = self.embedding_
        pos = emb.index.get_indexer(names)
        unknown = pos < 0
        out = np.zeros((len(names), emb.shape[1]), dtype=np.float32)
        out[~unknown] = emb.to_numpy()[pos[~unknown]]
        self.n_unknown_ = int(unknown.sum())
        if self.n_unknown_:
            log.info("node2vec: %d of %d nodes unknown, given the zero vector",
                     self.n_unknown_, len(names))
        return pd.DataFrame(out, index=pd.Index(names, name="node"), columns=emb.columns)


# ============================================================================ functions
def node2vec_embedding(
    adjacency: sp.spmatrix | sp.sparray | np.ndarray,
    nodes: Sequence[str],
    *,
    dimensions: int = 64,
    walk_length: int = 20,
    walks_per_node: int = 10,
    p: float = 1.0,
    q: float = 1.0,
    window: int = 5,
    epochs: int = 1,
    seed: int | None = 0,
    workers: int = 1,
    implementation: str = "numba",
    directed: bool = False,
    cache: bool = True,
    progress: bool = False,
) -> pd.DataFrame:
    """node2vec vectors of a graph's nodes (see :class:`Node2Vec` for the parameters).

    ``seed`` is :class:`Node2Vec`'s ``random_state``.

    Returns
    -------
    pandas.DataFrame
        Index = node names (input order), columns ``0..dimensions-1``, float32.
    """
    model = Node2Vec(dimensions=dimensions, walk_length=walk_length,
                     walks_per_node=walks_per_node, p=p, q=q, window=window, epochs=epochs,
                     random_state=seed, workers=workers, implementation=implementation,
                     directed=directed, cache=cache, progress=progress)
    return model.fit(adjacency, nodes).embedding_


def knowledge_graph_embedding(
    kg: Any = None,
    *,
    edge_types: str | Sequence[str] | None = None,
    genes_only: bool = False,
    **params: Any,
) -> pd.DataFrame:
    """node2vec vectors of the knowledge graph's nodes (genes and terms), cached.

    Parameters
    ----------
    kg : pqstats.knowledge.KnowledgeGraph, optional
        The graph; by default :func:`pqstats.knowledge.graph.build_knowledge_graph` with
        its default sources.
    edge_types : str or list of str, optional
        Edge types or prefixes to walk on (``"ppi"``, ``"go:BP"``, ...); all by default.
    genes_only : bool
        Gene–gene edges over gene nodes only.
    **params
        Parameters of :func:`node2vec_embedding` (``dimensions``, ``p``, ``q``, ``seed``,
        ``workers``, ...).

    Returns
    -------
    pandas.DataFrame
        Index = node names (genes first, then terms), columns ``0..dimensions-1``.
        Gene rows are official symbols; use :meth:`Node2Vec.transform` or
        ``DataFrame.reindex(...).fillna(0)`` for lists that may hold unknown genes.
    """
    if kg is None:
        from pqstats.knowledge.graph import build_knowledge_graph

        kg = build_knowledge_graph()
    adjacency, names = kg.adjacency(edge_types, genes_only=genes_only)
    return node2vec_embedding(adjacency, names, **params)
