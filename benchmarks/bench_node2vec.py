"""pqstats' node2vec vs the `node2vec` package: wall time and peak memory, same graph.

Each run is a fresh subprocess (so peak RSS is its own): it loads the graph, warms up
(imports, numba's cached kernel) on a tiny graph, records its RSS, then fits with
``cache=False`` and reports the wall time (split into walks and word2vec), the peak RSS
(``ru_maxrss``) and its growth during the fit, and the quality of the vectors (AUROC of
cosine similarity, edges vs random non-edges, on up to 20,000 of each).

Graphs: the PPI part of the knowledge graph (gene-gene edges of BioPlex, STRING, HuRI;
isolated genes dropped) for all implementations, and the full knowledge graph (genes and
terms, every edge type) for pqstats alone -- the `node2vec` package's transition tables
need O(sum of squared degrees) memory there (4.8e8 entries).

The `node2vec` and `pecanpy` packages hold numpy below 2, so every run (pqstats' too, so
that all three share one stack) happens in an environment of their own, `.venv-node2vec`,
which `make bench` builds (`make setup-node2vec`): this script may run in any environment.
Before timing, each implementation must embed two cliques joined by one edge apart (the
check tests/test_node2vec.py runs on pqstats' walks); a failed check or run fails the script.

Writes results/bench_node2vec.json and results/bench_node2vec.md. Run with `make bench`.
Environment: PQSTATS_BENCH_N2V_IMPLS (default "numba,reference,pecanpy"),
PQSTATS_BENCH_N2V_FULL_WORKERS (default "2"), PQSTATS_BENCH_N2V_PYTHON (default
.venv-node2vec/bin/python).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
N2V_PYTHON = os.environ.get("PQSTATS_BENCH_N2V_PYTHON",
                            str(REPO / ".venv-node2vec" / "bin" / "python"))
PARAMS = {"dimensions": 64, "walk_length": 20, "walks_per_node": 10, "p": 1.0, "q": 0.5,
          "window": 5, "epochs": 1, "random_state": 0}


def _graph(name: str):
    import scipy.sparse as sp

    from pqstats.knowledge.graph import build_knowledge_graph

    kg = build_knowledge_graph()
    if name == "ppi":
        adj, names = kg.adjacency("ppi", genes_only=True)
    elif name == "kg":
        adj, names = kg.adjacency()
    else:
        raise ValueError(name)
    adj = sp.csr_matrix(adj)
    deg = np.diff(adj.indptr)
    keep = np.flatnonzero(deg > 0)
    return adj[keep][:, keep].tocsr(), [names[i] for i in keep]


def _edge_auc(adj, emb: np.ndarray, seed: int = 0) -> float:
    import scipy.sparse as sp
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    up = sp.triu(adj, 1).tocoo()
    m = min(20000, up.nnz)
    pick = rng.choice(up.nnz, m, replace=False)
    pos = np.c_[up.row[pick], up.col[pick]]
    neg = rng.integers(0, adj.shape[0], (3 * m, 2))
    neg = neg[neg[:, 0] != neg[:, 1]]
    neg = neg[np.asarray(adj[neg[:, 0], neg[:, 1]]).ravel() == 0][:m]
    x = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
    pairs = np.r_[pos, neg]
    score = np.einsum("ij,ij->i", x[pairs[:, 0]], x[pairs[:, 1]])
    return float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], score))


def child(impl: str, graph: str, workers: int) -> None:
    """One measured run; prints a JSON line."""
    import scipy.sparse as sp

    from pqstats.features.node2vec import Node2Vec

    adj, names = _graph(graph)
    tiny = sp.csr_matrix(np.ones((4, 4)) - np.eye(4))
    Node2Vec(dimensions=4, walk_length=4, walks_per_node=2, implementation=impl,
             cache=False).fit(tiny, list("abcd"))  # imports + numba kernels
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    model = Node2Vec(**PARAMS, workers=workers, implementation=impl, cache=False).fit(
        adj, names)
    wall = time.perf_counter() - t
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "implementation": impl, "graph": graph, "workers": workers,
        "nodes": adj.shape[0], "edges": int(adj.nnz // 2),
        "wall_s": round(wall, 2),
        "walks_s": round(model.timings_["walks"], 2),
        "word2vec_s": round(model.timings_["word2vec"], 2),
        "peak_rss_mb": round(rss1), "rss_before_fit_mb": round(rss0),
        "fit_rss_growth_mb": round(rss1 - rss0),
        "edge_auroc": round(_edge_auc(adj, model.embedding_.to_numpy()), 4),
    }))


def check(impl: str) -> None:
    """Two 8-cliques joined by one edge embed apart (as in tests/test_node2vec.py)."""
    import scipy.sparse as sp

    from pqstats.features.node2vec import node2vec_embedding

    k = 8
    a = np.zeros((2 * k, 2 * k))
    a[:k, :k] = a[k:, k:] = 1
    np.fill_diagonal(a, 0)
    a[0, k] = a[k, 0] = 1
    emb = node2vec_embedding(sp.csr_matrix(a), [f"n{i}" for i in range(2 * k)],
                             implementation=impl, cache=False, dimensions=8, walk_length=20,
                             walks_per_node=20, epochs=5).to_numpy(dtype=float)
    x = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    c = x @ x.T
    within = (c[:k, :k].sum() - k + c[k:, k:].sum() - k) / (2 * k * (k - 1))
    between = c[:k, k:].mean()
    if not within > between + 0.3:
        raise SystemExit(f"{impl}: two cliques not apart (within {within:.3f}, between "
                         f"{between:.3f})")
    import numpy

    print(json.dumps({"implementation": impl, "within": round(float(within), 3),
                      "between": round(float(between), 3), "numpy": numpy.__version__,
                      "python": platform.python_version()}))


def _child(args: list[str]) -> dict:
    if not Path(N2V_PYTHON).is_file():
        raise SystemExit(f"{N2V_PYTHON} is missing: `make setup-node2vec` builds the "
                         "environment of this comparison (numpy<2, node2vec, pecanpy)")
    proc = subprocess.run([N2V_PYTHON, __file__, *args], capture_output=True, text=True,
                          cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr.strip()[-2000:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    print("   ", row, flush=True)
    return row


def _run(impl: str, graph: str, workers: int) -> dict:
    print(f"... {impl} on {graph} (workers={workers})", flush=True)
    return _child(["--child", impl, graph, str(workers)])


def main() -> None:
    impls = os.environ.get("PQSTATS_BENCH_N2V_IMPLS", "numba,reference,pecanpy").split(",")
    full_workers = [int(w) for w in
                    os.environ.get("PQSTATS_BENCH_N2V_FULL_WORKERS", "2").split(",") if w]
    checks = []
    for impl in impls:
        print(f"... {impl}: two cliques embed apart", flush=True)
        checks.append(_child(["--check", impl]))
    rows = [_run(impl, "ppi", 1) for impl in impls]
    rows += [_run("numba", "kg", w) for w in full_workers]
    by = {(r["implementation"], r["graph"], r["workers"]): r for r in rows}
    ours, ref = by.get(("numba", "ppi", 1)), by.get(("reference", "ppi", 1))
    ratio = {}
    if ours and ref:
        ratio = {
            "time": round(ref["wall_s"] / ours["wall_s"], 1),
            "walks_time": round(ref["walks_s"] / ours["walks_s"], 1),
            "peak_memory": round(ref["peak_rss_mb"] / ours["peak_rss_mb"], 1),
            "fit_memory_growth": round(ref["fit_rss_growth_mb"]
                                       / max(ours["fit_rss_growth_mb"], 1), 1),
        }
    result = {"params": PARAMS, "machine": {"cpus": os.cpu_count(),
                                            "python": checks[0]["python"] if checks else None,
                                            "numpy": checks[0]["numpy"] if checks else None,
                                            "load_avg_at_end": os.getloadavg()},
              "checks": checks, "runs": rows, "reference_over_pqstats": ratio}
    out = Path("results")
    out.mkdir(exist_ok=True)
    from pqstats._io import atomic_write_text

    atomic_write_text(out / "bench_node2vec.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(out / "bench_node2vec.md", _markdown(result))
    print(f"wrote {out / 'bench_node2vec.json'} and .md")


def _markdown(result: dict) -> str:
    p = result["params"]
    lines = [
        "# node2vec: pqstats vs the `node2vec` package",
        "",
        f"Parameters: dimensions {p['dimensions']}, walk length {p['walk_length']}, "
        f"{p['walks_per_node']} walks per node, p={p['p']}, q={p['q']}, window "
        f"{p['window']}, {p['epochs']} epoch, seed {p['random_state']}. Every run in its own "
        "process; wall time of `fit` (cache off) after a warm-up; peak memory = the "
        "process's max RSS. `ppi` = gene-gene PPI part of the knowledge graph, `kg` = the "
        "whole graph (genes + terms). Edge AUROC = cosine of edges vs random non-edges.",
        "",
        "| implementation | graph | workers | nodes | edges | wall s | walks s | word2vec s "
        "| peak RSS MB | RSS growth MB | edge AUROC |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["runs"]:
        lines.append(
            f"| {r['implementation']} | {r['graph']} | {r['workers']} | {r['nodes']} | "
            f"{r['edges']} | {r['wall_s']} | {r['walks_s']} | {r['word2vec_s']} | "
            f"{r['peak_rss_mb']} | {r['fit_rss_growth_mb']} | {r['edge_auroc']} |")
    ratio = result["reference_over_pqstats"]
    if ratio:
        lines += ["", "Reference / pqstats on `ppi` (higher = pqstats better): "
                  f"time {ratio['time']}x (walks alone {ratio['walks_time']}x), peak memory "
                  f"{ratio['peak_memory']}x, memory growth during fit "
                  f"{ratio['fit_memory_growth']}x.",
                  "", "Both train the same gensim skip-gram on the same number of walks, "
                  "so the word2vec column is a shared floor; the difference is in the walks "
                  "(the reference's per-edge transition tables and Python sampling)."]
    lines += ["", f"Machine: {result['machine']['cpus']} CPUs (shared), Python "
              f"{result['machine']['python']}, numpy {result['machine']['numpy']} (the "
              "comparison's own environment, .venv-node2vec); load average at the end "
              f"{[round(x, 1) for x in result['machine']['load_avg_at_end']]}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        main()
