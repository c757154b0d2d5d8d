"""Grouped CV (training splits only) of the ensemble against its members.

Fills results/model_selection_ensemble.md.

Usage: python benchmarks/cv_ensemble.py TASKS DATASETS (comma-separated).
"""
import json
import sys

import numpy as np

from pqstats import models
from pqstats.evaluation import cross_validate, evaluate, grouped_folds
from pqstats.screens import load_pairs

for task in sys.argv[1].split(","):
    for ds in sys.argv[2].split(","):
        train = load_pairs(ds, task).query("split == 'train'").reset_index(drop=True)
        oof = {}
        for m in ["logistic", "xgboost"]:
            _, oof[m] = cross_validate(models.get_for(m, ds, task), train, folds=3)
        oof["ensemble"] = (oof["logistic"] + oof["xgboost"]) / 2
        r = {"dataset": ds, "task": task}
        for name, s in oof.items():  # mean over folds of the per-gene AUROC, as `pqstats cv`
            r[name] = float(np.mean([evaluate(train.iloc[te], s[te], n_boot=0)["auroc"]
                                     for _, te in grouped_folds(train, 3, 0)]))
        print(json.dumps(r), flush=True)
