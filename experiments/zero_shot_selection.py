"""Zero-shot choices by screen-held-out validation on the TRAINING splits only.

The zero-shot model of a cell line learns from other screens' training pairs
(:meth:`pqstats.features.zero_shot.ZeroShotFeaturizer.training_set`). To choose what it
reads, each available PerturbQA cell line is held out in turn: the logistic model is fitted
exactly as the zero-shot track fits it (other screens only) and scored on the held-out
line's *training* split, which plays the part of the unseen line. No test split of any
screen is read. Compared: every column, and subsets by feature kind (with or without the
graph relations), and the kernel ridge columns of the strict track added, at two
regularisation strengths; the subset with the best mean over
lines x tasks is :data:`~pqstats.features.zero_shot.ZERO_SHOT_MODEL_KINDS`.

Writes experiments/results/zero_shot_selection.csv and .md (`make select`; a few minutes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqstats._estimators import standardised_logistic
from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_cell_lines
from pqstats.evaluation import auc_per_gene
from pqstats.features.zero_shot import ZeroShotFeaturizer
from pqstats.screens import load_pairs

OUT = "experiments/results"
#: name → the kinds of zs_{space}_{kind} columns read (None: every column), and graph
SUBSETS: dict[str, tuple[tuple[str, ...] | None, bool]] = {
    "every column (before)": (None, True),
    "every column but the graph relations": (None, False),
    "smoothed retrieval + strength": (("retrieval_smooth", "strength"), False),
    "smoothed retrieval + strength + graph": (("retrieval_smooth", "strength"), True),
    "raw + smoothed retrieval + strength + graph": (
        ("retrieval", "retrieval_smooth", "strength"), True),
    "raw + smoothed retrieval + strength + kernel ridge + graph": (
        ("retrieval", "retrieval_smooth", "strength", "ridge", "ridge_smooth",
         "ridge_strength"), True),
}
#: lambda_r of the sources' kernel ridge (the strict track's), for the kernel ridge subset
RIDGE = 10.0
ROWS_PER_LINE = 60000  # a seeded draw of the held-out line's training pairs


def _columns(zs: ZeroShotFeaturizer, kinds, graph: bool) -> list[str]:
    if kinds is None:  # every column of the featuriser as shipped (no kernel ridge)
        names = [c for c in zs.feature_names() if "_ridge" not in c]
        return names if graph else [c for c in names if c.startswith("zs_")]
    cols = zs.model_columns(kinds)
    return cols if graph else [c for c in cols if c.startswith("zs_")]


def held_out_lines(ridge: float | None = None):
    """Each task and PerturbQA cell line, held out: ``(task, line, train, held_out, zs)``.

    ``train`` is the line's training split, ``held_out`` a seeded draw of at most
    :data:`ROWS_PER_LINE` of its pairs (where the zero-shot models are scored), and ``zs``
    the line's zero-shot featuriser, fitted on the other screens' training splits (with
    the sources' kernel ridge columns when ``ridge`` is given).
    """
    lines = available_cell_lines()
    for task in ("de", "dir"):
        for line in lines:
            train = load_pairs(line, task).query("split == 'train'").reset_index(drop=True)
            held_out = (train.sample(ROWS_PER_LINE, random_state=0).reset_index(drop=True)
                        if len(train) > ROWS_PER_LINE else train)
            yield task, line, train, held_out, ZeroShotFeaturizer(line, task, ridge=ridge).fit()


def main() -> None:
    rows = []
    for task, line, _, pairs, zs in held_out_lines(RIDGE):
        features, labels, _ = zs.training_set()
        held_out = zs.transform(pairs[["pert", "gene"]])
        for name, (kinds, graph) in SUBSETS.items():
            cols = _columns(zs, kinds, graph)
            for C in (0.1, 0.01):
                clf = standardised_logistic(C)
                clf.fit(features[cols].to_numpy(np.float32), labels)
                scores = clf.predict_proba(held_out[cols].to_numpy(np.float32))[:, 1]
                rows.append({"task": task, "held_out": line, "features": name, "C": C,
                             "n_columns": len(cols),
                             "auroc": auc_per_gene(pairs, scores)})
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    atomic_write_csv(f"{OUT}/zero_shot_selection.csv", table)
    wide = table.pivot_table(index=["features", "C"], columns=["task", "held_out"],
                             values="auroc")
    wide.columns = [f"{t} {d}" for t, d in wide.columns]
    wide["mean"] = wide.mean(axis=1)
    wide = wide.sort_values("mean", ascending=False).round(4).reset_index()
    best = wide.iloc[0]
    text = (
        "# Zero-shot features, chosen with each cell line held out (training splits only)\n\n"
        "`python experiments/zero_shot_selection.py`. The logistic zero-shot model is fitted "
        "on the other screens' training pairs, as the zero-shot track fits it, and scored "
        "(per-gene AUROC) on the held-out line's training split; no test split is read.\n\n"
        + markdown_table(wide, floatfmt=".4f") +
        f"\n\nBest mean: **{best['features']}**, C={best['C']:g} ({best['mean']:.4f}).\n")
    atomic_write_text(f"{OUT}/zero_shot_selection.md", text)


if __name__ == "__main__":
    main()
