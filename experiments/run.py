"""Rerun the model-selection experiments behind pqstats' shipped defaults (``make select``).

Each experiment chooses a default by cross-validation on the training splits only (folds
grouped by perturbation, or each cell line held out) and writes its table beside it, in
``experiments/results/``. The Decisions page (``docs/decisions.md``) holds one row per
experiment, with the rejected ones whose code git keeps.

Run from the repository root: ``python experiments/run.py`` runs every experiment in
order (tens of minutes on 2 cores); ``python experiments/run.py few_shot_selection`` runs
the ones named; ``--list`` prints them.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: the experiments, in the order they run (later ones read the defaults earlier ones chose)
EXPERIMENTS: tuple[tuple[str, str], ...] = (
    ("model_selection", "each model's main setting over every screen and task"),
    ("strict_selection", "the strict track's features and the kernel ridge's settings"),
    ("zero_shot_selection", "the zero-shot model's features, each cell line held out"),
    ("few_shot_selection", "the zero-shot logit as a transfer-track feature"),
    ("within_gene_selection", "zero-shot weights fitted within gene or on raw features"),
    ("other_task_selection", "the screen's other task as XGBoost features"),
    ("ensemble_selection", "the mean of logistic and XGBoost as the strict model"),
    ("boosting_selection", "XGBoost's settings on Dir"),
)


def main(argv: list[str] | None = None) -> int:
    names = [name for name, _ in EXPERIMENTS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", metavar="EXPERIMENT",
                        help=f"run only these (default: all): {', '.join(names)}")
    parser.add_argument("--list", action="store_true", help="print the experiments and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, question in EXPERIMENTS:
            print(f"{name}: {question}")
        return 0
    unknown = sorted(set(args.only) - set(names))
    if unknown:
        parser.error(f"unknown experiment(s) {unknown}; choose from {', '.join(names)} "
                     "(python experiments/run.py --list)")
    for name in [n for n in names if not args.only or n in args.only]:
        start = time.perf_counter()
        print(f"== {name}", flush=True)
        # each in its own process, as `python experiments/NAME.py` (they import their
        # siblings, e.g. zero_shot_selection.held_out_lines)
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py")])
        if code:
            print(f"{name} failed (exit {code})", file=sys.stderr)
            return code
        print(f"== {name}: {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
