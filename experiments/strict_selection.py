"""Strict-track choices by grouped cross-validation on the TRAINING splits only.

Two choices are made here, for every available PerturbQA screen and both tasks, with
3-fold CV grouped by perturbation (:func:`pqstats.evaluation.cross_validate`; test labels
are never read):

* ``gene_neighbours`` of the retrieval's smoothing over co-responding genes (20 or 100),
  and whether the kernel ridge (bilinear) features are added (feature group ``ridge``),
  for logistic and XGBoost;
* the ridge penalty and smoothing weight of the ``kernel_ridge`` model.

The configuration with the best mean over every dataset x task is the shipped default.
Writes experiments/results/strict_selection.csv and .md (`make select`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from pqstats import models
from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_builtin_screens
from pqstats.evaluation import cross_validate
from pqstats.screens import load_pairs

OUT = Path("experiments/results")
#: (models, settings): the models of a group share each setting's out-of-fold features
#: (one featurisation per fold, reused by the second model)
GROUPS = [
    (("logistic", "xgboost"), [
        {"gene_neighbours": 20, "feature_groups": ("retrieval", "graph")},
        {"gene_neighbours": 100, "feature_groups": ("retrieval", "graph")},
        {"gene_neighbours": 100, "feature_groups": ("retrieval", "ridge", "graph")}]),
    (("kernel_ridge",), [{"ridge": r, "gene_weight": w} for r in (10.0, 30.0, 100.0, 300.0)
                         for w in (1.0, 4.0)]),
]
MODELS = [m for names, _ in GROUPS for m in names]


def _word(value) -> str:
    """A parameter value as the tables show it: groups joined by +, floats without .0."""
    if isinstance(value, tuple):
        return "+".join(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _setting(params: dict) -> str:
    return ", ".join(f"{k}={_word(v)}" for k, v in params.items())


def main() -> None:
    rows = []
    for dataset in available_builtin_screens():
        for task in ("de", "dir"):
            train = load_pairs(dataset, task).query("split == 'train'").reset_index(drop=True)
            for names, settings in GROUPS:
                for params in settings:
                    for name in names:
                        start = time.perf_counter()
                        model = models.get_for(name, dataset, task, **params)
                        folds, _ = cross_validate(model, train, folds=3)
                        rows.append({"model": name, "dataset": dataset, "task": task,
                                     "setting": _setting(params),
                                     "mean_auroc": folds["auroc"].mean(),
                                     "std_auroc": folds["auroc"].std(),
                                     "seconds": round(time.perf_counter() - start, 1)})
                        print(rows[-1], flush=True)
    res = pd.DataFrame(rows)
    atomic_write_csv(OUT / "strict_selection.csv", res)
    write_markdown(res)


def write_markdown(res: pd.DataFrame) -> None:
    """experiments/results/strict_selection.md: per model, settings x (dataset, task)."""
    lines = ["# Strict-track selection (3-fold CV grouped by perturbation, training splits "
             "only)", "",
             "Mean per-gene AUROC over folds. The shipped default of each model is the "
             "setting with the best mean over every dataset x task; no test label is read "
             "(`python experiments/strict_selection.py`).", ""]
    for name in MODELS:
        sub = res[res.model == name]
        wide = sub.pivot_table(index="setting", columns=["dataset", "task"],
                               values="mean_auroc", sort=False)
        wide["mean"] = wide.mean(axis=1)
        wide = wide.sort_values("mean", ascending=False)
        wide.columns = [" ".join(c).strip() if isinstance(c, tuple) else c
                        for c in wide.columns]
        lines += [f"## {name} (best: {wide.index[0]})", "",
                  markdown_table(wide.reset_index(), floatfmt=".4f"), ""]
    atomic_write_text(OUT / "strict_selection.md", "\n".join(lines) + "\n")
    print("wrote experiments/results/strict_selection.md")


if __name__ == "__main__":
    if "--markdown-only" in sys.argv:
        res = pd.read_csv(OUT / "strict_selection.csv")
        write_markdown(res)
    else:
        main()
