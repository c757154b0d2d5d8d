"""Import of a large simulated single-cell screen: 200k cells x 8k genes, as an h5ad.

The issue's budget: within 8 GB and in minutes on 2 cores. The screen is simulated in
row chunks (negative-binomial counts, 500 perturbations of ~380 cells, 10k control cells,
10 up and 10 down genes planted in each of 450 perturbations, 50 without effect) and
written as a sparse CSR h5ad without ever holding the matrix. The import then runs in a
child process limited to 2 threads; its wall time and peak RSS (``ru_maxrss`` of the
child, knowledge-graph loading included) are written to results/bench_import.json and
.md, with the recovery of the planted effects at the default rule.

Run with `make bench` (or `python benchmarks/bench_import.py [--cells N --genes M]`).
The simulated file goes to a temporary folder and is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pqstats._io import atomic_write_text, markdown_table

THREADS = {k: "2" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                            "NUMBA_NUM_THREADS")}


def simulate_h5ad(path: Path, n_cells: int, n_genes: int, n_perts: int = 500,
                  n_null: int = 50, control_cells: int = 10_000, n_planted: int = 10,
                  fold: float = 3.0, chunk: int = 4_000, seed: int = 0) -> pd.DataFrame:
    """Write the simulated screen to ``path``; return the planted ``pert, gene, direction``."""
    import anndata
    import h5py

    rng = np.random.default_rng(seed)
    genes = np.array([f"SIMG{j:05d}" for j in range(n_genes)], dtype=object)
    perts = [f"SIMP{i:04d}" for i in range(n_perts)]
    base = rng.lognormal(-1.0, 1.2, n_genes)
    per = (n_cells - control_cells) // n_perts
    labels = np.array(["non-targeting"] * (n_cells - per * n_perts)
                      + [p for p in perts for _ in range(per)], dtype=object)
    order = rng.permutation(n_cells)  # cells of a perturbation are spread over the file
    labels = labels[order]
    expressed = np.flatnonzero(base > 0.5)
    effect = np.ones((n_perts + 1, n_genes))  # row n_perts: control
    planted = []
    for i, p in enumerate(perts[: n_perts - n_null]):
        hit = rng.choice(expressed, 2 * n_planted, replace=False)
        effect[i, hit[:n_planted]] = fold
        effect[i, hit[n_planted:]] = 1 / fold
        planted += [(p, genes[g], int(k < n_planted)) for k, g in enumerate(hit)]
    code = {p: i for i, p in enumerate(perts)}
    rows = np.array([code.get(x, n_perts) for x in labels])

    obs = pd.DataFrame({"gene": pd.Categorical(labels)},
                       index=[f"cell{k}" for k in range(n_cells)])
    skeleton = anndata.AnnData(sp.csr_matrix((n_cells, n_genes), dtype=np.float32), obs=obs,
                               var=pd.DataFrame(index=genes))
    skeleton.write_h5ad(path)
    r = 5.0  # NB size (dispersion 0.2)
    with h5py.File(path, "r+") as f:
        x = f["X"]
        del x["data"], x["indices"]
        data = x.create_dataset("data", (0,), maxshape=(None,), dtype="float32",
                                chunks=(1 << 20,))
        indices = x.create_dataset("indices", (0,), maxshape=(None,), dtype="int32",
                                   chunks=(1 << 20,))
        indptr = np.zeros(n_cells + 1, dtype=np.int64)
        for start in range(0, n_cells, chunk):
            stop = min(start + chunk, n_cells)
            size = rng.lognormal(0, 0.3, stop - start)[:, None]
            mean = base * effect[rows[start:stop]] * size
            counts = sp.csr_matrix(rng.negative_binomial(r, r / (r + mean)).astype(np.float32))
            n0 = data.shape[0]
            data.resize((n0 + counts.nnz,))
            indices.resize((n0 + counts.nnz,))
            data[n0:] = counts.data
            indices[n0:] = counts.indices
            indptr[start + 1: stop + 1] = n0 + counts.indptr[1:]
        del x["indptr"]
        x.create_dataset("indptr", data=indptr)
    return pd.DataFrame(planted, columns=["pert", "gene", "direction"])


_CHILD = """
import json, sys, time
t = time.perf_counter()
from pqstats.screens.imports import import_screen
res = import_screen("bench_sim", sys.argv[1], cell_line="SIM", data_dir=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "path": str(res.path),
                  "counts": res.counts}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200_000)
    parser.add_argument("--genes", type=int, default=8_000)
    parser.add_argument("--keep", metavar="DIR", help="simulate into DIR and keep the file")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="pqstats-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    h5ad = work / f"sim_{args.cells}x{args.genes}.h5ad"
    try:
        t = time.perf_counter()
        planted = simulate_h5ad(h5ad, args.cells, args.genes)
        simulate_s = time.perf_counter() - t
        print(f"simulated {h5ad.name} ({h5ad.stat().st_size / 2**30:.2f} GiB) in "
              f"{simulate_s:.0f} s")
        data = work / "data"
        shutil.rmtree(data, ignore_errors=True)
        env = {**os.environ, **THREADS}
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(h5ad), str(data)], env=env,
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t
        if proc.returncode:
            sys.exit(f"import failed:\n{proc.stderr[-3000:]}")
        peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        de = pd.read_csv(Path(out["path"]) / "de.csv")
        direction = pd.read_csv(Path(out["path"]) / "dir.csv")
        truth = set(zip(planted["pert"], planted["gene"], strict=True))
        called = set(zip(de.loc[de.label == 1, "pert"], de.loc[de.label == 1, "gene"],
                         strict=True))
        negatives = set(zip(de.loc[de.label == 0, "pert"], de.loc[de.label == 0, "gene"],
                            strict=True))
        hits = planted.merge(direction, on=["pert", "gene"])
        row = {
            "cells": args.cells, "genes": args.genes,
            "file_gib": round(h5ad.stat().st_size / 2**30, 3),
            "threads": 2, "import_wall_s": round(wall, 1),
            "import_in_process_s": round(out["seconds"], 1),
            "peak_rss_gib": round(peak_gib, 2), "simulate_s": round(simulate_s, 1),
            "perts": out["counts"]["perts"], "pairs_de": out["counts"]["pairs_de"],
            "precision": round(len(called & truth) / max(1, len(called)), 4),
            "recall": round(len(called & truth) / len(truth), 4),
            "direction_accuracy": round(float((hits["direction"] == hits["label"]).mean()), 4),
            "planted_in_negatives": len(negatives & truth),
            "budget": "8 GiB, minutes on 2 cores",
        }
        print(json.dumps(row, indent=2))
        results = Path("results")
        atomic_write_text(results / "bench_import.json", json.dumps(row, indent=2) + "\n")
        atomic_write_text(results / "bench_import.md",
                          "# Import of a simulated 200k-cell x 8k-gene h5ad\n\n"
                          "Written by `benchmarks/bench_import.py` (`make bench`): default "
                          "rule (Welch t-test vs control), import in a child process with 2 "
                          "threads; peak RSS includes loading the knowledge graph. On a "
                          "machine shared with other jobs, times are upper bounds.\n\n"
                          + markdown_table(pd.DataFrame([row])) + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
