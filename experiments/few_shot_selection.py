"""Whether the transfer track reads the zero-shot model's logit, by CV on TRAINING splits.

For each available PerturbQA cell line and task, a pilot of n of the line's training
perturbations is drawn (seeded; n = 30, 100, 300, two draws each) and the transfer-track
logistic model is fitted on it, with and without the ``zero_shot_logit`` column
(:class:`pqstats.features.zero_shot.ZeroShotLogit`). Both are scored (per-gene AUROC) on
the line's *other* training perturbations, so the folds are grouped by perturbation and
no test split is read. The zero-shot model alone is scored on the same pairs.

Writes experiments/results/few_shot_selection.csv and .md (`make select`; several minutes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pqstats._estimators import standardised_logistic
from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_cell_lines
from pqstats.evaluation import auc_per_gene
from pqstats.features.pairs import PairFeaturizer
from pqstats.models import LogisticModel
from pqstats.screens import load_pairs

OUT = "experiments/results"
SIZES = (30, 100, 300)
DRAWS = 2
VALIDATION_ROWS = 40000  # a seeded draw of the held-out perturbations' pairs


def main() -> None:
    rows = []
    lines = available_cell_lines()
    for task in ("dir", "de"):
        for line in lines:
            train = load_pairs(line, task).query("split == 'train'").reset_index(drop=True)
            perts = np.array(sorted(train["pert"].unique()))
            for n in SIZES:
                for draw in range(DRAWS):
                    rng = np.random.default_rng(100 * n + draw)
                    pilot_perts = rng.choice(perts, n, replace=False)
                    in_pilot = train["pert"].isin(pilot_perts)
                    pilot = train[in_pilot].reset_index(drop=True)
                    held = train[~in_pilot]
                    held = held.sample(min(len(held), VALIDATION_ROWS),
                                       random_state=draw).reset_index(drop=True)
                    featurizer = PairFeaturizer(
                        groups=("retrieval", "ridge", "graph"), gene_neighbours=100,
                        dataset=line, task=task, track="transfer")
                    fit = featurizer.fit_transform(pilot, pilot["label"].to_numpy())
                    held_features = featurizer.transform(held)
                    row = {"task": task, "cell_line": line, "pilot": n, "draw": draw,
                           "zero_shot": auc_per_gene(held, held_features["zero_shot_logit"])}
                    for name, cols in (
                            ("without", [c for c in fit.columns if c != "zero_shot_logit"]),
                            ("with", list(fit.columns))):
                        clf = standardised_logistic(LogisticModel().C)  # its default
                        clf.fit(fit[cols].to_numpy(np.float32), pilot["label"])
                        scores = clf.predict_proba(held_features[cols].to_numpy(np.float32))
                        row[f"transfer_{name}_zero_shot_logit"] = auc_per_gene(
                            held, scores[:, 1])
                    rows.append(row)
                    print(row, flush=True)
    table = pd.DataFrame(rows)
    atomic_write_csv(f"{OUT}/few_shot_selection.csv", table)
    summary = (table.groupby(["task", "cell_line", "pilot"])
               [["transfer_without_zero_shot_logit", "transfer_with_zero_shot_logit",
                 "zero_shot"]].mean().reset_index())
    gain = (summary["transfer_with_zero_shot_logit"]
            - summary["transfer_without_zero_shot_logit"])
    text = (
        "# The zero-shot logit on the transfer track, by CV on training splits\n\n"
        "`python experiments/few_shot_selection.py`. A pilot of n training perturbations "
        f"({DRAWS} seeded draws), the transfer-track logistic model fitted on it with and "
        "without `zero_shot_logit`, scored (per-gene AUROC) on the line's other training "
        "perturbations; no test split is read. `zero_shot`: the zero-shot model alone on "
        "the same pairs.\n\n"
        + markdown_table(summary, floatfmt=".4f")
        + f"\n\nWith the logit the transfer model is better in {int((gain > 0).sum())} of "
        f"{len(gain)} cells (mean change {gain.mean():+.4f}).\n")
    atomic_write_text(f"{OUT}/few_shot_selection.md", text)


if __name__ == "__main__":
    main()
