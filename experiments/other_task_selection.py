"""Do the strict models gain from the same screen's other task? Five seeds, grouped CV.

The choice behind XGBoost's default ``feature_groups`` on the strict track: the shipped
features (``retrieval, ridge, graph``) against the same plus the screen's other task
(:class:`pqstats.features.PairFeaturizer`'s ``de_outcomes`` on Dir, ``dir_outcomes`` on
DE: the retrieval and ridge features of the other task's training rows of the fit's own
knockdowns, out of fold). 3 folds grouped by perturbation on the TRAINING split of each
screen (:func:`pqstats.evaluation.grouped_folds`, seed 0), scored fold by fold; an XGBoost
cell is the mean over seeds 0-4 of the fold mean, ± the standard deviation over seeds
(one seed moves a fold by up to 0.02), and logistic regression, deterministic, runs once.
The shipped features are the other-task fit's columns without the added ones, so both
rows see the same folds and the same values.

No test split is read. Writes experiments/results/other_task_selection.csv and .md (`make select`;
about 20 minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _training_cv import every_screen, training_folds

from pqstats import models
from pqstats._io import atomic_write_text, markdown_table
from pqstats.evaluation import auc_per_gene
from pqstats.features.pairs import OTHER_TASK_GROUPS

OUT = "experiments/results"
SEEDS = {"logistic": range(1), "xgboost": range(5)}
SHIPPED = ("retrieval", "ridge", "graph")
GROUP = {task: g for g, other in OTHER_TASK_GROUPS.items() for task in ("de", "dir")
         if task != other}


def screen_rows(dataset: str, task: str) -> list[dict]:
    """Per (fold, model, variant, seed) per-gene AUROC of one screen's held-out folds."""
    rows = []
    for fold, fit, held, y_fit in training_folds(dataset, task):
        featurizer = models.get_for("xgboost", dataset, task,
                                    feature_groups=SHIPPED + (GROUP[task],))._featurizer()
        A = featurizer.fit_transform(fit[["pert", "gene"]], y_fit)
        B = featurizer.transform(held[["pert", "gene"]])
        added = [c for c in A.columns if c.startswith(f"{OTHER_TASK_GROUPS[GROUP[task]]}_")]
        for variant, drop in (("shipped", added), ("+ other task", [])):
            XA = A.drop(columns=drop).to_numpy(np.float32)
            XB = B.drop(columns=drop).to_numpy(np.float32)
            for name, seeds in SEEDS.items():
                for seed in seeds:
                    model = models.get(name, **({"random_state": seed, "task": task}
                                                if name == "xgboost" else {}))
                    clf = model._make_classifier().fit(XA, y_fit)
                    rows.append({"dataset": dataset, "task": task, "model": name,
                                 "variant": variant, "seed": seed, "fold": fold,
                                 "auroc": auc_per_gene(held, clf.predict_proba(XB)[:, 1])})
    return rows


def main() -> None:
    screens, table = every_screen(screen_rows, f"{OUT}/other_task_selection.csv")
    keys = ["task", "model", "variant"]
    per_seed = table.groupby(keys + ["dataset", "seed"], sort=False)["auroc"].mean()
    cells = per_seed.groupby(keys + ["dataset"], sort=False).agg(["mean", "std"])
    means = per_seed.groupby(keys + ["seed"], sort=False).mean().groupby(keys, sort=False)
    lines = []
    for (task, model, variant), mean in means.mean().items():
        row = {"task": task, "model": model,
               "features": variant.replace("other task", GROUP[task])}
        for d in screens:
            m, sd = cells.loc[(task, model, variant, d)]
            row[d] = f"{m:.4f}" + (f" ± {sd:.4f}" if model == "xgboost" else "")
        row["mean"] = f"{mean:.4f}"
        lines.append(row)
    wide = pd.DataFrame(lines)
    wide_means = means.mean().unstack("variant")
    gains = wide_means["+ other task"] - wide_means["shipped"]
    atomic_write_text(f"{OUT}/other_task_selection.md", "\n".join([
        "# Strict track: the screen's other task as features (grouped CV, 5 XGBoost seeds)",
        "", "`python experiments/other_task_selection.py`. 3 folds grouped by perturbation "
        "on each training split, scored fold by fold; XGBoost: mean over seeds 0-4 of the "
        "fold mean, ± the standard deviation over seeds; logistic: one deterministic fit. "
        "`de_outcomes` (on Dir) and `dir_outcomes` (on DE) add the retrieval and ridge "
        "features of the same screen's other task, from the fit's own knockdowns. No test "
        "split is read.", "",
        markdown_table(wide), "",
        "Gain on the mean of the screens: " + "; ".join(
            f"{task} {model} {g:+.4f}" for (task, model), g in gains.items()) + ".", ""]))


if __name__ == "__main__":
    main()
