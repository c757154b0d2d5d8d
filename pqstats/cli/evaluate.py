"""``pqstats score``, ``compare`` and ``cv``: scoring a predictions file, comparing two,
and grouped cross-validation on a training split."""

from __future__ import annotations

import argparse
import json

from pqstats.cli._types import int_at_least, non_negative_int, positive_int

__all__ = ["add_score", "add_compare", "add_cv"]


_METRIC_NAMES = {"auroc": "per-gene AUROC (the benchmark's metric)",
                 "ci_low": "  95% interval, low", "ci_high": "  95% interval, high",
                 "auprc": "per-gene AUPRC", "auroc_per_pert": "per-perturbation AUROC",
                 "pooled_auroc": "pooled AUROC (all pairs)", "n_genes": "genes scored",
                 "accuracy": "three-class accuracy", "macro_f1": "three-class macro-F1",
                 "n_pairs": "pairs scored"}


def _print_metrics(metrics: dict) -> None:
    for key, value in metrics.items():
        name = _METRIC_NAMES.get(key, key)
        print(f"{name:<42} {value:.4f}" if isinstance(value, float) else
              f"{name:<42} {value}")


def _cmd_score(args: argparse.Namespace) -> int:
    from pqstats.evaluation import score_effect, score_predictions

    if args.by == "knockdown":  # the knockdown's view, in cell-eval's metric names
        from pqstats.knockdown_view import score_by_knockdown

        metrics = score_by_knockdown(args.dataset, args.task, args.file)
    elif args.task == "effect":
        metrics = score_effect(args.dataset, args.file)
    else:
        metrics = score_predictions(args.dataset, args.task, args.file, n_boot=args.n_boot)
    if args.json:
        print(json.dumps(metrics))
    else:
        _print_metrics(metrics)
    return 0


def add_score(sub) -> None:
    p = sub.add_parser("score", help="score a predictions CSV (pert,gene,score) on a test split")
    p.add_argument("file", help="CSV (or .tsv) with columns pert,gene,score: one row per "
                                "test pair, every score a finite number; for --task effect "
                                "columns pert,gene,p_de,p_up over the DE test pairs")
    p.add_argument("--dataset", required=True, metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`)")
    p.add_argument("--task", required=True, choices=["de", "dir", "effect"],
                   help="de, dir (per-gene / per-perturbation / pooled AUROC, AUPRC) or "
                        "effect (three classes not DE / down / up: not DE when p_de < 0.5, "
                        "else up when p_up >= 0.5, else down; accuracy and macro-F1)")
    p.add_argument("--n-boot", type=positive_int, default=1000,
                   help="bootstrap resamples over genes")
    p.add_argument("--by", choices=["gene", "knockdown"], default="gene",
                   help="gene: the benchmark's per-gene metrics; knockdown: per-knockdown "
                        "metrics named as cell-eval names them (roc_auc, pr_auc, "
                        "precision_at_k, overlap_at_N, de_spearman_sig; de_direction_match "
                        "for --task dir)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_score)


def _cmd_compare(args: argparse.Namespace) -> int:
    from pqstats.evaluation import compare_scores

    result = compare_scores(args.dataset, args.task, args.a, args.b, n_boot=args.n_boot,
                            random_state=args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"A {args.a}: per-gene AUROC {result['auroc_a']:.4f}")
        print(f"B {args.b}: per-gene AUROC {result['auroc_b']:.4f}")
        print(f"delta (A - B) {result['delta']:+.4f}  95% paired bootstrap interval "
              f"[{result['ci_low']:+.4f}, {result['ci_high']:+.4f}]  bootstrap p "
              f"{result['bootstrap_p']:.4g}")
        print(f"Wilcoxon signed-rank over {result['n_genes']} per-gene AUROCs: p "
              f"{result['wilcoxon_p']:.4g}")
    return 0


def add_compare(sub) -> None:
    p = sub.add_parser("compare", help="paired comparison of two score files on the same "
                                       "test pairs (bootstrap over genes, Wilcoxon)")
    p.add_argument("a", help="CSV (or .tsv) pert,gene,score of model A, one row per test pair")
    p.add_argument("b", help="the same for model B")
    p.add_argument("--dataset", required=True, metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`)")
    p.add_argument("--task", required=True, choices=["de", "dir"])
    p.add_argument("--n-boot", type=positive_int, default=1000,
                   help="paired bootstrap resamples over genes")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the bootstrap")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_compare)


def _parse_grid(items: list[str]) -> dict[str, list]:
    grid = {}
    for item in items:
        name, _, values = item.partition("=")
        if not values:
            raise ValueError(f"--grid takes NAME=V1,V2,...; got {item!r}")
        grid[name] = [json.loads(v) if v[:1].isdigit() or v[:1] in "-[{" or v in
                      ("true", "false", "null") else v for v in values.split(",")]
    return grid


def _cmd_cv(args: argparse.Namespace) -> int:
    from pqstats import models
    from pqstats._cluster import joblib_backend
    from pqstats.evaluation import cross_validate, grid_search
    from pqstats.screens import load_pairs, resolve_screen

    args.dataset = resolve_screen(args.dataset)
    train = load_pairs(args.dataset, args.task).query("split == 'train'").reset_index(drop=True)
    model = models.get_for(args.model, args.dataset, args.task, args.track)
    with joblib_backend(args.backend, scheduler=args.scheduler, n_workers=args.n_jobs,
                        scatter=[train]):
        if args.grid:
            table = grid_search(model, _parse_grid(args.grid), train, folds=args.folds,
                                random_state=args.seed, n_jobs=args.n_jobs,
                                progress=not args.json)
        else:
            table, _ = cross_validate(model, train, folds=args.folds, random_state=args.seed,
                                      n_jobs=args.n_jobs, progress=not args.json)
    if args.json:
        print(table.to_json(orient="records"))
    else:
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
        if not args.grid:
            print(f"mean per-gene AUROC {table['auroc'].mean():.4f} "
                  f"(sd {table['auroc'].std():.4f}) over {args.folds} folds grouped by "
                  "perturbation, training split only")
    return 0


def add_cv(sub) -> None:
    p = sub.add_parser("cv", help="grouped cross-validation (and grid search) on a training split")
    p.add_argument("--dataset", required=True, metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`)")
    p.add_argument("--task", required=True, choices=["de", "dir"])
    p.add_argument("--model", required=True, help="a registered model (see `pqstats models`)")
    p.add_argument("--track", default="strict", choices=["strict", "transfer"],
                   help="zero-shot has no training split of the target to cross-validate "
                        "(its choices are made with each cell line held out: see the "
                        "Decisions page)")
    p.add_argument("--folds", type=int_at_least(2), default=5,
                   help="folds grouped by perturbation (at least 2)")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="seed of the fold assignment")
    p.add_argument("--grid", nargs="*", default=None, metavar="NAME=V1,V2",
                   help="grid search over model parameters, e.g. --grid C=0.1,1,10")
    p.add_argument("--n-jobs", type=positive_int, default=1,
                   help="parallel folds (joblib); also the workers of a local cluster")
    p.add_argument("--backend", default="loky", choices=["loky", "threading", "dask", "ray"],
                   help="where the folds run (dask / ray need pqstats[dask] / pqstats[ray])")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running dask scheduler (tcp://host:8786) or ray cluster "
                        "(ray://host:10001); default: start a local one")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_cv)


