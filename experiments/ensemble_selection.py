"""Does the mean of the logistic and XGBoost probabilities beat both? Grouped CV, 5 seeds.

The choice behind the ``ensemble`` model's place in the default benchmark: each member
with its own default features for the strict track (logistic: ``retrieval, ridge,
graph``; XGBoost: the same plus the screen's other task), fitted on the same fold, and
the ensemble the mean of their positive-class probabilities. 3 folds grouped by
perturbation on the TRAINING split of each screen (:func:`pqstats.evaluation.
grouped_folds`, seed 0), scored fold by fold; a seeded cell (XGBoost, the ensemble) is
the mean over seeds 0-4 of the fold mean, ± the standard deviation over seeds, and
logistic regression, deterministic, runs once. Both members read the same featuriser's
columns (logistic without the other-task ones), as the models' own fits do. Two ways
to remove the variance of XGBoost's seed are scored too: the mean of the five seeds' fits
(a bag), and XGBoost without row or column subsampling (deterministic), alone and in the
ensemble.

No test split is read. Writes experiments/results/ensemble_selection.csv and .md (`make select`;
about 10 minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _training_cv import ensemble_members, every_screen, training_folds

from pqstats import models
from pqstats._io import atomic_write_text, markdown_table
from pqstats.evaluation import auc_per_gene

OUT = "experiments/results"
SEEDS = range(5)
ORDER = ("logistic", "xgboost", "ensemble", "xgboost, 5 seeds averaged",
         "ensemble, 5 XGBoost seeds averaged", "xgboost, no subsampling",
         "ensemble, XGBoost without subsampling")


def screen_rows(dataset: str, task: str) -> list[dict]:
    """Per (fold, model, seed) per-gene AUROC of one screen's held-out folds."""
    rows = []
    for fold, fit, held, y_fit in training_folds(dataset, task):
        XA, XB, p_log = ensemble_members(dataset, task, fit, held, y_fit)
        scored = [("logistic", 0, p_log)]
        for seed in SEEDS:
            clf = models.get("xgboost", random_state=seed, task=task)._make_classifier().fit(
                XA, y_fit)
            p_xgb = clf.predict_proba(XB)[:, 1]
            scored += [("xgboost", seed, p_xgb), ("ensemble", seed, (p_log + p_xgb) / 2)]
        # variance of XGBoost's seed, removed two ways: a bag of the five seeds' fits, and
        # a fit without row or column subsampling (deterministic, one run)
        bag = np.mean([p for model, _, p in scored if model == "xgboost"], axis=0)
        whole = models.get("xgboost", subsample=1.0, colsample_bytree=1.0,
                           task=task)._make_classifier()
        p_whole = whole.fit(XA, y_fit).predict_proba(XB)[:, 1]
        scored += [("xgboost, 5 seeds averaged", 0, bag),
                   ("ensemble, 5 XGBoost seeds averaged", 0, (p_log + bag) / 2),
                   ("xgboost, no subsampling", 0, p_whole),
                   ("ensemble, XGBoost without subsampling", 0, (p_log + p_whole) / 2)]
        rows += [{"dataset": dataset, "task": task, "model": model, "seed": seed,
                  "fold": fold, "auroc": auc_per_gene(held, scores)}
                 for model, seed, scores in scored]
    return rows


def main() -> None:
    screens, table = every_screen(screen_rows, f"{OUT}/ensemble_selection.csv")
    per_seed = table.groupby(["task", "model", "dataset", "seed"])["auroc"].mean()
    cells = per_seed.groupby(["task", "model", "dataset"]).agg(["mean", "std"])
    means = per_seed.groupby(["task", "model", "seed"]).mean().groupby(
        ["task", "model"]).mean()
    lines = []
    for task in ("de", "dir"):
        for model in ORDER:
            row = {"task": task, "model": model}
            for d in screens:
                m, sd = cells.loc[(task, model, d)]
                row[d] = f"{m:.4f}" + ("" if np.isnan(sd) else f" ± {sd:.4f}")
            row["mean"] = f"{means[(task, model)]:.4f}"
            lines.append(row)
    gains = "; ".join(
        f"{task} {means[(task, 'ensemble')] - means[(task, m)]:+.4f} over {m}"
        for task in ("de", "dir") for m in ("logistic", "xgboost"))
    atomic_write_text(f"{OUT}/ensemble_selection.md", "\n".join([
        "# Strict track: the mean of logistic and XGBoost (grouped CV, 5 XGBoost seeds)",
        "", "`python experiments/ensemble_selection.py`. 3 folds grouped by perturbation on "
        "each training split, scored fold by fold; XGBoost and the ensemble: mean over "
        "seeds 0-4 of the fold mean, ± the standard deviation over seeds; logistic: one "
        "deterministic fit. Each member has its own default strict features. No test "
        "split is read.", "",
        markdown_table(pd.DataFrame(lines)), "",
        f"Ensemble on the mean of the screens: {gains}.", ""]))


if __name__ == "__main__":
    main()
