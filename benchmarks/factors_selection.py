"""Do the models gain from reduced-rank response factors? Five seeds, grouped CV.

The ``factors`` feature group (:class:`pqstats.features.PairFeaturizer`): in each
knowledge space, û_p · v_g of a reduced-rank model Y ≈ P W Vᵀ (30 gene loadings from
the training responses, the knockdown's scores by kernel ridge from its knowledge
profile; :class:`~pqstats.features.retrieval.ResponseRetrieval`'s ``factors``). Each model
with its strict features without the factors (what the models shipped before), against
the same plus the factors (on the screen's
other task too, for XGBoost); the ensemble is the mean of the two within a variant.
3 folds grouped by perturbation on the TRAINING split of each screen
(:func:`pqstats.evaluation.grouped_folds`, seed 0), scored fold by fold; a seeded cell
is the mean over seeds 0-4 of the fold mean. Every variant reads the same featuriser's
columns, so all see the same folds and values.

No test split is read. Writes results/factors_selection.csv and .md (`make select`;
about 10 minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
from _training_cv import every_screen, training_folds

from pqstats import models
from pqstats._io import atomic_write_text, markdown_table
from pqstats.evaluation import auc_per_gene
from pqstats.features.pairs import OTHER_TASK_GROUPS

OUT = "results"
SEEDS = range(5)
OTHER = {"dir": "de_outcomes", "de": "dir_outcomes"}


def screen_rows(dataset: str, task: str) -> list[dict]:
    """Per (fold, model, variant, seed) per-gene AUROC of one screen's held-out folds."""
    other_prefix = f"{OTHER_TASK_GROUPS[OTHER[task]]}_"
    rows = []
    for fold, fit, held, y_fit in training_folds(dataset, task):
        featurizer = models.get_for(
            "xgboost", dataset, task,
            feature_groups=("retrieval", "ridge", "factors", "graph", OTHER[task]))._featurizer()
        A = featurizer.fit_transform(fit[["pert", "gene"]], y_fit)
        B = featurizer.transform(held[["pert", "gene"]])
        factor_cols = [c for c in A.columns if c.endswith("_factors")]
        other_cols = [c for c in A.columns if c.startswith(other_prefix)]
        drops = {("logistic", "without factors"): set(factor_cols) | set(other_cols),
                 ("logistic", "+ factors"): set(other_cols),
                 ("xgboost", "without factors"): set(factor_cols),
                 ("xgboost", "+ factors"): set()}
        scored = []
        for (name, variant), drop in drops.items():
            keep = [c for c in A.columns if c not in drop]
            XA, XB = A[keep].to_numpy(np.float32), B[keep].to_numpy(np.float32)
            for seed in (SEEDS if name == "xgboost" else [0]):
                model = models.get(name, **({"random_state": seed, "task": task}
                                            if name == "xgboost" else {}))
                clf = model._make_classifier().fit(XA, y_fit)
                scored.append((name, variant, seed, clf.predict_proba(XB)[:, 1]))
        log = {v: s for n, v, _, s in scored if n == "logistic"}
        scored += [("ensemble", v, seed, (log[v] + s) / 2)
                   for n, v, seed, s in list(scored) if n == "xgboost"]
        rows += [{"dataset": dataset, "task": task, "model": name, "variant": variant,
                  "seed": seed, "fold": fold, "auroc": auc_per_gene(held, s)}
                 for name, variant, seed, s in scored]
    return rows


def main() -> None:
    screens, table = every_screen(screen_rows, f"{OUT}/factors_selection.csv")
    keys = ["task", "model", "variant"]
    per_seed = table.groupby(keys + ["dataset", "seed"])["auroc"].mean()
    cells = per_seed.groupby(keys + ["dataset"]).mean().unstack("dataset")[screens]
    cells["mean"] = per_seed.groupby(keys + ["seed"]).mean().groupby(keys).mean()
    wide = cells.round(4).reset_index()
    means = cells["mean"].unstack("variant")
    gains = "; ".join(f"{task} {model} {g:+.4f}" for (task, model), g in
                      (means["+ factors"] - means["without factors"]).items())
    atomic_write_text(f"{OUT}/factors_selection.md", "\n".join([
        "# Reduced-rank response factors as features (grouped CV, 5 XGBoost seeds)", "",
        "`python benchmarks/factors_selection.py`. 3 folds grouped by perturbation on each "
        "training split, scored fold by fold; seeded cells: mean over seeds 0-4 of the "
        "fold mean. `+ factors`: the strict features without them plus û_p · v_g of a "
        "30-factor reduced-rank response model in each knowledge space. No test split is "
        "read.", "", markdown_table(wide), "",
        f"Gain on the mean of the screens: {gains}.", ""]))


if __name__ == "__main__":
    main()
