"""``pqstats models``, ``benchmark``, ``report`` and ``learning-curve``."""

from __future__ import annotations

import argparse
import json

from pqstats._choices import TASKS, TRACKS
from pqstats.cli._types import name_list, non_negative_int, positive_int

__all__ = ["add_models", "add_benchmark", "add_report", "add_learning_curve"]


def _cmd_models(args: argparse.Namespace) -> int:
    from pqstats import models

    entries = models.available()
    if args.json:
        print(json.dumps(entries, indent=2))
    else:
        width = max(map(len, entries))
        for name, description in entries.items():
            print(f"{name:<{width}}  {description}")
    return 0


def add_models(sub) -> None:
    p = sub.add_parser("models", help="list the registered models with a one-line description")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_models)


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from pqstats.benchmark import make_benchmark

    if args.ablation:
        return _ablation(args)
    results, paths = make_benchmark(
        args.out, datasets=args.datasets, tasks=args.tasks, tracks=args.track,
        models=args.models, n_boot=args.n_boot, seeds=args.seeds, n_jobs=args.n_jobs,
        cache=not args.no_cache, oracles=not args.no_oracles, curves=args.curves,
        figures=not args.no_figures, progress=not args.json)
    if args.json:
        print(results.to_json(orient="records"))
    else:
        _print_summary(results)
        print("wrote " + ", ".join(map(str, paths)))
    return 0


def _print_summary(results) -> None:
    """Per-gene AUROC with its interval, one line per scored cell."""
    ok = results[results["note"].fillna("") == ""]
    for r in ok.itertuples():
        print(f"{r.dataset:<9} {r.task:<4} {r.track:<9} {r.model:<15} AUROC {r.auroc:.3f} "
              f"[{r.ci_low:.3f}, {r.ci_high:.3f}]")
    for r in results[results["note"].fillna("") != ""].drop_duplicates(
            ["dataset", "task"]).itertuples():
        print(f"{r.dataset:<9} {r.task:<4} {r.note.split(':')[0]}")


def _cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from pqstats.report import write_report

    csv = Path(args.out) / "benchmark.csv"
    if not csv.is_file():
        raise FileNotFoundError(f"{csv} does not exist: run `pqstats benchmark --out "
                                f"{args.out}` first")
    results = pd.read_csv(csv, keep_default_na=True)
    results["note"] = results["note"].fillna("")
    results["model"] = results["model"].fillna("")
    paths = write_report(results, args.out, roc=not args.no_roc, progress=not args.json)
    # in a checkout of pqstats, the README's results table follows the results
    from pqstats.report.readme import refresh_readme

    paths += [p for p in [refresh_readme(args.out, results)] if p]
    if args.json:
        print(json.dumps([str(p) for p in paths]))
    else:
        print("wrote " + ", ".join(map(str, paths)))
    return 0


def add_report(sub) -> None:
    p = sub.add_parser("report", help="redraw benchmark.md and the figures from the results "
                                      "(no refitting)")
    p.add_argument("--out", default="results",
                   help="results folder holding benchmark.csv (default: results)")
    p.add_argument("--no-roc", action="store_true",
                   help="skip the ROC curves (they need the cached test scores)")
    p.add_argument("--json", action="store_true", help="print the written paths as JSON")
    p.set_defaults(func=_cmd_report)


def _ablation(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pqstats._io import atomic_write_csv, atomic_write_text
    from pqstats.benchmark import ablation_markdown, run_ablation

    model = (args.models or ["logistic"])[0]
    table = run_ablation(datasets=args.datasets, tasks=args.tasks, model=model,
                         n_boot=min(args.n_boot, 200), progress=not args.json)
    out = Path(args.out)
    atomic_write_csv(out / "ablation.csv", table, float_format="%.6g")
    text = ablation_markdown(table)
    atomic_write_text(out / "ablation.md", text)
    if not args.no_figures:
        from pqstats.report import FIGURE_DIR, plot_ablation

        plot_ablation(table, out / FIGURE_DIR / "ablation.png")
    print(table.to_json(orient="records") if args.json else text)
    return 0


def add_benchmark(sub) -> None:
    p = sub.add_parser("benchmark", help="fit and score every model x screen x task x track "
                                         "-> results (tables, figures)")
    p.add_argument("--datasets", type=name_list, default=None, metavar="SCREENS",
                   help="comma-separated registered screens (default: the PerturbQA "
                        "screens; with --ablation, those available here; name an imported "
                        "screen to run it; `pqstats screen list`)")
    p.add_argument("--tasks", type=name_list, default=list(TASKS), help="de,dir")
    p.add_argument("--models", type=name_list, default=None,
                   help="comma-separated registered models (default: all; see `pqstats models`)")
    p.add_argument("--track", type=name_list, default=["strict"],
                   help=f"comma-separated tracks from {','.join(TRACKS)} (default: strict)")
    p.add_argument("--n-boot", type=positive_int, default=1000,
                   help="bootstrap resamples over genes")
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--no-cache", action="store_true",
                   help="refit every model even when cached scores match all inputs")
    p.add_argument("--no-figures", action="store_true",
                   help="write only benchmark.csv / benchmark.md, no figures")
    p.add_argument("--seeds", type=positive_int, default=5,
                   help="seeds per learned model with a random_state (cell = their mean, "
                        "auroc_sd their spread; deterministic models run once)")
    p.add_argument("--n-jobs", type=positive_int, default=1,
                   help="screens run at once, one process each (same results as 1)")
    p.add_argument("--no-oracles", action="store_true",
                   help="skip the oracle headroom rows (oracles.csv)")
    p.add_argument("--curves", action="store_true",
                   help="also draw the learning curves of each available cell line "
                        "(learning_curve/ in the output folder; `make benchmark` does)")
    p.add_argument("--ablation", action="store_true",
                   help="instead: remove each feature group from one model (default logistic; "
                        "--models picks it) and write ablation.csv / ablation.md")
    p.set_defaults(func=_cmd_benchmark)


def _cmd_learning_curve(args: argparse.Namespace) -> int:
    from pqstats.learning_curve import learning_curve, size_reaching
    from pqstats.report import write_learning_curve
    from pqstats.screens import resolve_screen

    dataset = resolve_screen(args.dataset)
    curve = learning_curve(dataset, args.task, args.model, sizes=args.sizes,
                           repeats=args.repeats, random_state=args.seed, n_boot=args.n_boot)
    paths = write_learning_curve(curve, args.out,
                                 label=f"{dataset} {args.task.upper()}, {args.model}")
    reached = size_reaching(curve)
    if args.json:
        print(json.dumps({"curve": json.loads(curve.to_json(orient="records")),
                          "size_reaching_90pct_of_transfer_gain": reached,
                          "files": {k: str(v) for k, v in paths.items()}}))
        return 0
    print(curve.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if reached is not None:
        print(f"the transfer-track fit reaches 90% of the full transfer track's gain over "
              f"chance at size {reached}")
    print("wrote " + ", ".join(str(v) for v in paths.values()))
    return 0


def _sizes(text: str):
    """argparse type of ``--sizes`` (a string default is parsed by it only when used)."""
    from pqstats.learning_curve import parse_sizes

    try:
        return parse_sizes(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_learning_curve(sub) -> None:

    p = sub.add_parser("learning-curve",
                       help="per-gene AUROC against the number of the target's training "
                            "perturbations, from zero-shot (0) to the transfer track (all)")
    p.add_argument("--dataset", required=True, metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`)")
    p.add_argument("--task", required=True, choices=["de", "dir"])
    p.add_argument("--model", default="logistic",
                   help="a registered model that runs zero-shot (default: logistic)")
    p.add_argument("--sizes", type=_sizes, default="0,10,30,100,300,all",
                   help="comma-separated numbers of training perturbations and 'all' "
                        "(default: 0,10,30,100,300,all)")
    p.add_argument("--repeats", type=positive_int, default=3,
                   help="seeded draws per size between 0 and all (default: 3)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the draws")
    p.add_argument("--n-boot", type=positive_int, default=200,
                   help="bootstrap resamples over genes")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="writes DIR/learning_curve.csv and DIR/learning_curve.png")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_learning_curve)


