"""Hyperparameter selection by grouped cross-validation on the TRAINING splits only.

For each learned model, a small grid is scored with 3-fold CV grouped by perturbation on
the training split of every available gene-level dataset, for DE and Dir; the
configuration with the best mean per-gene AUROC across all of them is the one shipped as
the model's default (one configuration for every dataset). Test labels are never read.

Writes experiments/results/model_selection.csv and .md. Run with `make select`;
`python experiments/model_selection.py --markdown-only` rewrites the .md from the .csv.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from pqstats import models
from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_builtin_screens
from pqstats.evaluation import grid_search
from pqstats.screens import load_pairs

GRIDS = {
    "knn_retrieval": {"gene_weight": [0.0, 1.0, 4.0]},
    "logistic": {"C": [0.1, 1.0, 10.0]},
    "xgboost": {"max_depth": [3, 4, 6]},
}
OUT = Path("experiments/results")


def main() -> None:
    rows = []
    for dataset in available_builtin_screens():
        for task in ("de", "dir"):
            train = load_pairs(dataset, task).query("split == 'train'").reset_index(drop=True)
            for name, grid in GRIDS.items():
                model = models.get_for(name, dataset, task)
                start = time.perf_counter()
                table = grid_search(model, grid, train, folds=3)
                table = table.assign(model=name, dataset=dataset, task=task,
                                     seconds=round(time.perf_counter() - start, 1))
                print(table.to_string(index=False), flush=True)
                rows.append(table)
    res = pd.concat(rows, ignore_index=True)
    atomic_write_csv(OUT / "model_selection.csv", res)
    write_markdown(res)


def write_markdown(res: pd.DataFrame) -> None:
    """experiments/results/model_selection.md: per model, the grid x (dataset, task) table."""
    lines = ["# Model selection (3-fold CV grouped by perturbation, training splits only)", "",
             "Mean per-gene AUROC over folds; the shipped default is the configuration with "
             "the best mean over every dataset x task.", ""]
    for name, grid in GRIDS.items():
        param = next(iter(grid))
        sub = res[res.model == name]
        wide = sub.pivot_table(index=param, columns=["dataset", "task"], values="mean_auroc")
        wide["mean"] = wide.mean(axis=1)
        default = models.get(name).get_params()[param]
        if default is None:  # xgboost: Dir's own are in experiments/results/boosting_selection.md
            default = models.XGBOOST_SETTINGS[param]
        lines += [f"## {name} ({param}; shipped default {default})", "",
                  markdown_table(wide.set_axis(wide.index.astype(str)).reset_index(),
                                 floatfmt=".4f"), ""]
    atomic_write_text(OUT / "model_selection.md", "\n".join(lines) + "\n")
    print("wrote experiments/results/model_selection.md")


if __name__ == "__main__":
    if "--markdown-only" in sys.argv:
        write_markdown(pd.read_csv(OUT / "model_selection.csv"))
    else:
        main()
