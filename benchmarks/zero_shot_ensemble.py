"""Zero-shot ensembles, with each cell line held out (TRAINING splits only).

As ``zero_shot_selection.py``: the models learn from the other screens' training pairs
(:meth:`pqstats.features.zero_shot.ZeroShotFeaturizer.training_set`) and are scored
(per-gene AUROC) on the held-out line's training split; no test split is read. Compared:
the zero-shot logistic and XGBoost models, the unlearned smoothed retrieval in the
combined space (``knn_retrieval``), the mean of the two learned models' probabilities (the
``ensemble`` model), and means of their ranks.

Writes results/zero_shot_ensemble.csv and .md (`make select`; a few minutes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from zero_shot_selection import held_out_lines

from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.evaluation import auc_per_gene
from pqstats.features.zero_shot import zero_shot_logistic
from pqstats.models import ZERO_SHOT, LogisticModel, XGBoostModel

OUT = "results"


def _rank(scores: np.ndarray) -> np.ndarray:
    return rankdata(scores) / len(scores)


def main() -> None:
    rows = []
    for task, line, _, held_pairs, zs in held_out_lines():
        features, labels, _ = zs.training_set()
        held_out = zs.transform(held_pairs[["pert", "gene"]])
        cols = zs.model_columns()
        X, H = (f[cols].to_numpy(np.float32) for f in (features, held_out))
        logistic = zero_shot_logistic(zs, LogisticModel().C)  # the shipped fit
        xgboost = XGBoostModel(task=task, track=ZERO_SHOT)._make_classifier().fit(X, labels)
        lo, xg = (m.predict_proba(H)[:, 1] for m in (logistic, xgboost))
        knn = held_out["zs_all_retrieval_smooth"].to_numpy()
        scores = {"logistic": lo, "xgboost": xg, "knn_retrieval": knn,
                  "ensemble (mean probability)": (lo + xg) / 2,
                  "mean rank: logistic, xgboost": _rank(lo) + _rank(xg),
                  "mean rank: logistic, xgboost, knn": _rank(lo) + _rank(xg) + _rank(knn)}
        for name, s in scores.items():
            rows.append({"task": task, "held_out": line, "scores": name,
                         "auroc": auc_per_gene(held_pairs, s)})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    atomic_write_csv(f"{OUT}/zero_shot_ensemble.csv", table)
    wide = table.pivot_table(index="scores", columns=["task", "held_out"], values="auroc")
    wide.columns = [f"{t} {d}" for t, d in wide.columns]
    wide["mean"] = wide.mean(axis=1)
    wide = wide.sort_values("mean", ascending=False)
    gain = wide["mean"].iloc[0] - wide.loc["logistic", "mean"]
    text = (
        "# Zero-shot ensembles, with each cell line held out (training splits only)\n\n"
        "`python benchmarks/zero_shot_ensemble.py`. Each model is fitted on the other "
        "screens' training pairs, as the zero-shot track fits it, and scored (per-gene "
        "AUROC) on the held-out line's training split; no test split is read. The best "
        f"row's mean is {gain:+.4f} from the shipped zero-shot logistic model.\n\n"
        + markdown_table(wide.round(4).reset_index(), floatfmt=".4f") + "\n")
    atomic_write_text(f"{OUT}/zero_shot_ensemble.md", text)


if __name__ == "__main__":
    main()
