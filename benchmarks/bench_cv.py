"""Cross-validation wall time on each joblib backend: the overhead of parallelism.

5-fold grouped CV of the logistic model on the k562 Dir training split, run sequentially
(n_jobs=1), on loky with 2 workers, and on a dask LocalCluster with 2 single-threaded
worker processes (the pairs table scattered once). Every run must give identical fold
scores. Writes results/bench_cv.json and .md. Run with `make bench`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd

from pqstats import models
from pqstats._cluster import joblib_backend
from pqstats._io import atomic_write_text
from pqstats.evaluation import cross_validate
from pqstats.screens import load_dir


def main() -> None:
    pairs = load_dir("k562")
    train = pairs[pairs.split == "train"].reset_index(drop=True)
    model = models.get("logistic", dataset="k562", task="dir")
    cross_validate(model, train, folds=5, n_jobs=1)  # warm caches (graph, profiles)
    runs = [("sequential", "loky", 1), ("loky", "loky", 2), ("dask", "dask", 2)]
    rows, reference = [], None
    for label, backend, n_jobs in runs:
        with joblib_backend(backend, n_workers=n_jobs, scatter=[train]):
            start = time.perf_counter()
            folds, _ = cross_validate(model, train, folds=5, n_jobs=n_jobs)
            seconds = time.perf_counter() - start
        reference = folds if reference is None else reference
        rows.append({"run": label, "backend": backend, "n_jobs": n_jobs,
                     "seconds": round(seconds, 2), "mean_auroc": float(folds.auroc.mean()),
                     "identical_to_sequential": bool(folds.equals(reference))})
        print(rows[-1], flush=True)
    base = rows[0]["seconds"]
    for r in rows:
        r["speedup_vs_sequential"] = round(base / r["seconds"], 2)
    out = Path("results")
    atomic_write_text(out / "bench_cv.json", json.dumps(rows, indent=2) + "\n")
    table = pd.DataFrame(rows)
    lines = ["# Cross-validation on each backend", "",
             "5-fold grouped CV of `logistic` on the k562 Dir training split "
             f"({len(train)} pairs), {os.cpu_count()} CPUs (`benchmarks/bench_cv.py`).", "",
             "| run | backend | n_jobs | seconds | speed-up | identical fold scores |",
             "|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.run} | {r.backend} | {r.n_jobs} | {r.seconds:.2f} | "
                     f"{r.speedup_vs_sequential:.2f}x | {r.identical_to_sequential} |")
    atomic_write_text(out / "bench_cv.md", "\n".join(lines) + "\n")
    print(f"wrote {out / 'bench_cv.md'}")


if __name__ == "__main__":
    main()
