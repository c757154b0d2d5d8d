"""XGBoost's settings on Dir, beyond its depth: grouped CV on training splits, 5 seeds.

``experiments/results/model_selection.md`` chose the ``xgboost`` model's depth over every cell, with
its other settings fixed (:data:`BEFORE`, still DE's). This script scores, on Dir, its
learning rate and number of trees, leaf size, row and column subsampling and L2 penalty:
first one change at a time, then the best changes together (the rows in the order they
were tried); each variant alone and in the ``ensemble`` (the mean with the logistic
model's probabilities, as the shipped ensemble averages them).

* Strict track: the shipped strict features of each member (the featuriser's out-of-fold
  columns, computed once per fold); 3 folds grouped by perturbation on the TRAINING split
  of each screen (:func:`pqstats.evaluation.grouped_folds`, seed 0), scored fold by fold;
  a cell is the mean over seeds 0-4 of the fold mean.
* Transfer track, for :data:`BEFORE` and the chosen settings: the same folds, the
  transfer features (other screens' training splits too).
* Zero-shot, for :data:`BEFORE` and the chosen settings: each cell line held out, the model
  learns from the other screens' training pairs (as ``zero_shot_selection.py``) and is
  scored on the held-out line's training split, seeds 0-4.

No test split is read. Writes experiments/results/boosting_selection.csv and .md (`make select`;
about 25 minutes on 2 cores; `--markdown-only` redraws the .md from the .csv).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from _training_cv import ensemble_members, every_screen, training_folds
from zero_shot_selection import held_out_lines

from pqstats import models
from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.evaluation import auc_per_gene

OUT = "experiments/results"
SEEDS = range(5)
TASK = "dir"
#: the settings before this choice (``models.XGBOOST_SETTINGS``, still DE's and transfer's)
BEFORE = {"n_estimators": 300, "learning_rate": 0.05, "max_depth": 4,
          "min_child_weight": 5.0, "colsample_bytree": 0.8, "subsample": 0.8}
_SLOW = {"n_estimators": 600, "learning_rate": 0.025}
_COMBINED = {**_SLOW, "max_depth": 3, "min_child_weight": 20.0, "colsample_bytree": 0.4}
#: changes from BEFORE, in the order tried: one at a time, then together
VARIANTS: dict[str, dict] = {
    "before": {},
    "600 trees, rate 0.025": _SLOW,
    "150 trees, rate 0.1": {"n_estimators": 150, "learning_rate": 0.1},
    "depth 2": {"max_depth": 2},
    "depth 3": {"max_depth": 3},
    "leaf weight 1": {"min_child_weight": 1.0},
    "leaf weight 20": {"min_child_weight": 20.0},
    "leaf weight 50": {"min_child_weight": 50.0},
    "columns 0.4": {"colsample_bytree": 0.4},
    "rows 0.5": {"subsample": 0.5},
    "L2 penalty 10": {"reg_lambda": 10.0},
    "600 trees, rate 0.025, depth 3, leaf weight 20, columns 0.4": _COMBINED,
    "... 1000 trees, rate 0.015": {**_COMBINED, "n_estimators": 1000, "learning_rate": 0.015},
    "... depth 2": {**_COMBINED, "max_depth": 2},
    "... depth 4": {**_COMBINED, "max_depth": 4},
    "... L2 penalty 10": {**_COMBINED, "reg_lambda": 10.0},
    "... columns 0.25": {**_COMBINED, "colsample_bytree": 0.25},
}
#: the row shipped as ``models.XGBOOST_DIR_SETTINGS`` (best strict ensemble mean)
CHOSEN = "... columns 0.25"


def _classifier(seed: int, change: dict):
    """XGBoost as the ``xgboost`` model builds it, with :data:`BEFORE` and ``change``."""
    clf = models.get("xgboost", random_state=seed)._make_classifier()
    return clf.set_params(**{**BEFORE, **change})


def screen_rows(dataset: str, task: str) -> list[dict]:
    """Per (track, fold, variant, member, seed) per-gene AUROC of one screen's held-out
    folds: every variant on the strict track, ``before`` and :data:`CHOSEN` on transfer."""
    if task != TASK:
        return []
    rows = []
    for track, variants in (("strict", VARIANTS), ("transfer", ("before", CHOSEN))):
        for fold, fit, held, y_fit in training_folds(dataset, task):
            XA, XB, p_log = ensemble_members(dataset, task, fit, held, y_fit, track)
            for variant in variants:
                for seed in SEEDS:
                    clf = _classifier(seed, VARIANTS[variant]).fit(XA, y_fit)
                    p = clf.predict_proba(XB)[:, 1]
                    for member, scores in (("xgboost", p), ("ensemble", (p_log + p) / 2)):
                        rows.append({"track": track, "dataset": dataset, "variant": variant,
                                     "model": member, "seed": seed, "fold": fold,
                                     "auroc": auc_per_gene(held, scores)})
    return rows


def zero_shot_rows() -> list[dict]:
    """Per (held-out line, variant, seed) per-gene AUROC of the zero-shot XGBoost."""
    rows = []
    for task, line, _, held_pairs, zs in held_out_lines():
        if task != TASK:
            continue
        features, labels, _ = zs.training_set()
        held_out = zs.transform(held_pairs[["pert", "gene"]])
        cols = zs.model_columns()
        X, H = (f[cols].to_numpy(np.float32) for f in (features, held_out))
        for variant in ("before", CHOSEN):
            for seed in SEEDS:
                p = _classifier(seed, VARIANTS[variant]).fit(X, labels).predict_proba(H)[:, 1]
                rows.append({"track": "zero-shot", "dataset": line, "variant": variant,
                             "model": "xgboost", "seed": seed, "fold": 0,
                             "auroc": auc_per_gene(held_pairs, p)})
    return rows


def _lines(table: pd.DataFrame, screens: list[str], variants) -> list[dict]:
    per_seed = table.groupby(["model", "variant", "dataset", "seed"])["auroc"].mean()
    cells = per_seed.groupby(["model", "variant", "dataset"]).mean()
    means = per_seed.groupby(["model", "variant", "seed"]).mean()
    lines = []
    for model in pd.unique(table["model"]):
        base = means[(model, "before")]
        for variant in variants:
            diff = means[(model, variant)] - base
            lines.append({"model": model, "variant": variant,
                          **{d: f"{cells[(model, variant, d)]:.4f}" for d in screens},
                          "mean": f"{means[(model, variant)].mean():.4f}",
                          "change": f"{diff.mean():+.4f} ± {diff.std():.4f}"})
    return lines


def main() -> None:
    screens, cv = every_screen(screen_rows, f"{OUT}/boosting_selection.csv")
    table = pd.concat([cv, pd.DataFrame(zero_shot_rows())], ignore_index=True)
    atomic_write_csv(f"{OUT}/boosting_selection.csv", table)
    write_markdown(table, screens)


def write_markdown(table: pd.DataFrame, screens: list[str]) -> None:
    """experiments/results/boosting_selection.md from the per-fold table."""
    strict, transfer, zero_shot = (table[table["track"] == t]
                                   for t in ("strict", "transfer", "zero-shot"))
    lines_zs = sorted(pd.unique(zero_shot["dataset"]))
    atomic_write_text(f"{OUT}/boosting_selection.md", "\n".join([
        "# XGBoost's settings on Dir (training splits only, 5 seeds)", "",
        "`python experiments/boosting_selection.py`. `before`: the settings chosen over "
        "every cell (300 trees, rate 0.05, depth 4, leaf weight 5, columns 0.8, rows 0.8); "
        "each row changes some of them, in the order tried (`...`: the changes of the "
        "row above it, and this one). `ensemble`: the mean with the logistic model's "
        "probabilities. `change`: the row's mean over the screens minus `before`'s, "
        "paired by seed, ± its standard deviation over the seeds. No test split is read.",
        "", "## Strict track: 3 folds grouped by perturbation on each training split", "",
        "A cell is the mean over seeds 0-4 of the fold mean.", "",
        markdown_table(pd.DataFrame(_lines(strict, screens, VARIANTS))), "",
        f"Chosen: `{CHOSEN}` (the best strict ensemble mean), shipped as "
        "`pqstats.models.XGBOOST_DIR_SETTINGS` for Dir's strict and zero-shot tracks; "
        "the transfer track, where it loses, keeps `before`.", "",
        "## Transfer track: the same folds, with the other screens' training splits", "",
        markdown_table(pd.DataFrame(_lines(transfer, screens, ("before", CHOSEN)))), "",
        "## Zero-shot: each cell line held out", "",
        "Fitted on the other screens' training pairs, scored on the held-out line's "
        "training split (as `zero_shot_selection.py`).", "",
        markdown_table(pd.DataFrame(_lines(zero_shot, lines_zs, ("before", CHOSEN)))), ""]))


if __name__ == "__main__":
    if "--markdown-only" in sys.argv:
        table = pd.read_csv(f"{OUT}/boosting_selection.csv")
        write_markdown(table, list(pd.unique(table.loc[table["track"] == "strict",
                                                       "dataset"])))
    else:
        main()
