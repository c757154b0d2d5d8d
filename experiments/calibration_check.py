"""Calibration on the test splits: raw against calibrated probabilities, per cell.

For each screen x task x track, fits the model as the benchmark does (training pairs only;
zero-shot: none of the target's) once raw and once wrapped in
:class:`pqstats.models.CalibratedModel` (map chosen by grouped CV on training data only),
scores the test pairs and reports Brier score, ECE (15 equal-mass bins) and per-gene AUROC
of both (the map keeps the ranking, so the AUROC columns must agree), and on DE the
knockdown's view of the calibrated P(DE) (``kd_*``: cell-eval's metric names).

    python experiments/calibration_check.py --datasets k562_set,k562 --tasks de,dir \
        --tracks strict,zero-shot --models logistic --out experiments/results/calibration_check.csv
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from pqstats import models
from pqstats._io import atomic_write_text
from pqstats.calibration import calibration_summary
from pqstats.evaluation import auc_per_gene, auc_per_pert
from pqstats.knockdown_view import knockdown_summary
from pqstats.screens import load_pairs


def check_cell(model: str, dataset: str, task: str, track: str) -> dict:
    pairs = load_pairs(dataset, task)
    train = pairs[pairs["split"] == "train"]
    if track == "zero-shot":
        train = train.iloc[:0]
    test = pairs[pairs["split"] == "test"].reset_index(drop=True)
    start = time.perf_counter()
    fitted = models.get_for(model, dataset, task, track, calibrate=True).fit(
        train[["pert", "gene"]], train["label"].to_numpy())
    raw = fitted.raw_scores(test[["pert", "gene"]])
    cal = fitted.score_pairs(test[["pert", "gene"]])
    y = test["label"].to_numpy()
    row = {"dataset": dataset, "task": task, "track": track, "model": model,
           "method": fitted.calibrator_.method_,
           "cv_brier": {k: round(v, 5) for k, v in
                        getattr(fitted.calibrator_, "cv_brier_", {}).items()}}
    for name, s in (("raw", raw), ("calibrated", cal)):
        summary = calibration_summary(y, s.clip(0, 1))
        row.update({f"{name}_{k}": v for k, v in summary.items()})
        row[f"{name}_auroc_gene"] = auc_per_gene(test, s)
        row[f"{name}_auroc_pert"] = auc_per_pert(test, s)
    if task == "de":  # the knockdown's view (cell-eval names) of the calibrated P(DE)
        row.update({f"kd_{k}": v for k, v in knockdown_summary(test, cal).items()})
    row["seconds"] = time.perf_counter() - start
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="k562_set")
    ap.add_argument("--tasks", default="de,dir")
    ap.add_argument("--tracks", default="strict")
    ap.add_argument("--models", default="logistic")
    ap.add_argument("--out", default="results/calibration_check.csv")
    args = ap.parse_args()
    rows = []
    for dataset in args.datasets.split(","):
        for task in args.tasks.split(","):
            for track in args.tracks.split(","):
                for model in args.models.split(","):
                    rows.append(check_cell(model, dataset, task, track))
                    print(pd.DataFrame([rows[-1]]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    atomic_write_text(args.out, table.to_csv(index=False))
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
