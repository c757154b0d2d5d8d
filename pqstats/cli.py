"""``pqstats`` command line: one subcommand per job, errors as one clear line.

Each subcommand is added by an ``_add_<name>(subparsers)`` function that sets
``func`` on its parser; ``main`` dispatches. Errors print one line and a hint; run
with ``--debug`` for the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from pqstats._checks import int_at_least, name_list, non_negative_int, positive_int

__all__ = ["main", "build_parser"]



# --- fetch -------------------------------------------------------------------------
def _cmd_fetch(args: argparse.Namespace) -> int:
    from pqstats.screens.perturbqa import OPTIONAL_FILES, fetch_all

    results = fetch_all(progress=not (args.quiet or args.json))
    try:
        from pqstats import knowledge  # available once the knowledge layer is installed

        results.update(knowledge.fetch_all())
    except (ImportError, AttributeError):
        pass
    missing = {k: v for k, v in results.items() if isinstance(v, Exception)}
    if args.json:
        print(json.dumps({name: {"ok": not isinstance(value, Exception), "detail": str(value)}
                          for name, value in results.items()}))
    else:
        for name, value in results.items():
            if not isinstance(value, Exception):
                print(f"ok       {name}")
        for name, err in missing.items():
            print(f"missing  {name}: {err}")
    required_missing = [k for k in missing if k not in OPTIONAL_FILES]
    if (args.strict and missing) or required_missing:
        return 1
    return 0


def _add_fetch(sub) -> None:
    p = sub.add_parser("fetch", help="fetch and verify the benchmark and knowledge files")
    p.add_argument("--strict", action="store_true",
                   help="fail when any file is missing (default: the Jurkat tables, which "
                        "the offline mirror lacks, may be missing)")
    p.add_argument("--quiet", action="store_true", help="no download progress bars")
    p.add_argument("--json", action="store_true",
                   help="print file -> {ok, detail (path or error)} as JSON")
    p.set_defaults(func=_cmd_fetch)


# --- models ------------------------------------------------------------------------
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


def _add_models(sub) -> None:
    p = sub.add_parser("models", help="list the registered models with a one-line description")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_models)


# --- benchmark ---------------------------------------------------------------------
def _cmd_benchmark(args: argparse.Namespace) -> int:
    from pqstats.benchmark import run_benchmark
    from pqstats.report import write_results

    if args.ablation:
        return _ablation(args)

    scores: dict = {}
    results = run_benchmark(datasets=args.datasets, tasks=args.tasks, models=args.models,
                            tracks=args.track, n_boot=args.n_boot, progress=not args.json,
                            cache=not args.no_cache, scores_out=scores, seeds=args.seeds,
                            n_jobs=args.n_jobs)
    if not args.no_oracles:  # their own file, read by the report: never benchmark rows
        from pathlib import Path

        from pqstats._io import atomic_write_csv
        from pqstats.oracles import run_oracles

        scored = results[results["note"].fillna("") == ""]
        oracles = run_oracles(list(dict.fromkeys(scored["dataset"])),
                              list(dict.fromkeys(scored["task"])), n_boot=args.n_boot)
        if not oracles.empty:
            atomic_write_csv(Path(args.out) / "oracles.csv", oracles, float_format="%.6g")
    from pqstats.best_cells import write_best_cells

    # from the kept scores (or the score cache): no refitting; read by the report
    best_cells = write_best_cells(results, args.out, scores=scores, n_boot=args.n_boot)
    paths = write_results(results, args.out, figures=not args.no_figures, scores=scores,
                          progress=not args.json) + best_cells
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
    if args.json:
        print(json.dumps([str(p) for p in paths]))
    else:
        print("wrote " + ", ".join(map(str, paths)))
    return 0


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="redraw benchmark.md and the figures from results/ "
                                      "(no refitting)")
    p.add_argument("--out", default="results",
                   help="results folder holding benchmark.csv (default: results/)")
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


def _add_benchmark(sub) -> None:
    from pqstats.benchmark import TRACKS
    from pqstats.screens import TASKS

    p = sub.add_parser("benchmark", help="fit and score every model x screen x task x track "
                                         "-> results/ (tables, figures)")
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
    p.add_argument("--out", default="results", help="output folder (default: results/)")
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
    p.add_argument("--ablation", action="store_true",
                   help="instead: remove each feature group from one model (default logistic; "
                        "--models picks it) and write ablation.csv / ablation.md")
    p.set_defaults(func=_cmd_benchmark)


# --- score -------------------------------------------------------------------------
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

    if args.task == "effect":
        metrics = score_effect(args.dataset, args.file)
    else:
        metrics = score_predictions(args.dataset, args.task, args.file, n_boot=args.n_boot)
    if args.json:
        print(json.dumps(metrics))
    else:
        _print_metrics(metrics)
    return 0


def _add_score(sub) -> None:
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
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_score)


# --- compare -----------------------------------------------------------------------
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


def _add_compare(sub) -> None:
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


# --- enrich ------------------------------------------------------------------------
def _cmd_enrich(args: argparse.Namespace) -> int:
    import warnings

    from pqstats.enrichment import (
        PQSTATS_LIBRARIES,
        EnrichmentWarning,
        k562_background,
        ora,
        read_gene_list,
    )

    genes = read_gene_list(args.genes)
    background = read_gene_list(args.background) if args.background else k562_background()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EnrichmentWarning)
        res = ora(genes, args.libraries or _default_libraries(PQSTATS_LIBRARIES), background,
                  min_size=args.min_size, max_size=args.max_size, family=args.family,
                  normalise=not args.exact)
    for w in caught:  # genes outside the background: named, one line each
        if issubclass(w.category, EnrichmentWarning):
            print(f"pqstats enrich: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    info = res.attrs["queries"][0]
    if args.out:
        from pqstats._io import atomic_write_csv

        atomic_write_csv(args.out, res)
    if args.json:
        print(res.head(args.top).to_json(orient="records"))
    else:
        cols = ["Gene_set", "Term", "Overlap", "P-value", "Adjusted P-value", "Genes"]
        with _pd_options():
            print(res[cols].head(args.top).to_string(index=False))
        print(f"{info['n_in_background']} of {info['n_unique']} distinct genes in the "
              f"background ({info['share_mapped']:.0%}); {len(res)} sets overlap"
              + (f"; wrote {args.out}" if args.out else ""))
    return 0


def _default_libraries(libraries) -> list[str]:
    """Libraries less the sources named in ``$PQSTATS_EXCLUDE_SOURCES`` (e.g. corum)."""
    from pqstats.knowledge.genesets import allowed_libraries

    return allowed_libraries(libraries)


def _pd_options():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 60)


def _add_enrich(sub) -> None:
    p = sub.add_parser("enrich", help="over-representation analysis of a gene list")
    p.add_argument("genes", help="text file of gene symbols (whitespace/comma separated; "
                                 "'-' for stdin), or a .csv/.tsv with a 'gene' column")
    p.add_argument("--libraries", type=name_list, default=None,
                   help="comma-separated gene-set libraries of pqstats.knowledge or .gmt "
                        "files (default: "
                        "GO BP/MF/CC, CORUM, Reactome, Hallmark, Enrichr GO-BP 2023, "
                        "WikiPathways 2023, less any named in $PQSTATS_EXCLUDE_SOURCES)")
    p.add_argument("--background", default=None,
                   help="file of background genes (default: the 8,454 measured K562 genes)")
    p.add_argument("--family", choices=["tested", "overlapping"], default="tested",
                   help="multiple-testing family per library (overlapping = gseapy's)")
    p.add_argument("--min-size", type=positive_int, default=1,
                   help="smallest set tested (genes in the background)")
    p.add_argument("--max-size", type=positive_int, default=None,
                   help="largest set tested (default: no limit)")
    p.add_argument("--exact", action="store_true",
                   help="match symbols exactly (default: normalise through gene_info)")
    p.add_argument("--top", type=positive_int, default=20, help="rows to print (default 20)")
    p.add_argument("--out", default=None, help="write the whole table to this CSV")
    p.add_argument("--json", action="store_true", help="print the top rows as JSON")
    p.set_defaults(func=_cmd_enrich)


# --- gse ---------------------------------------------------------------------------
def _cmd_gse(args: argparse.Namespace) -> int:
    from pqstats.enrichment import BASELINE_LIBRARIES, METHODS, run_gse, write_gse

    methods = args.methods
    if methods is None:  # a rule whose libraries are excluded is skipped (baseline: CORUM)
        full = _default_libraries(BASELINE_LIBRARIES) == list(BASELINE_LIBRARIES)
        single = bool(_default_libraries([args.library]))
        methods = [m for m in METHODS if (full or m != "baseline")
                   and (single or m != "single")]
    per_cluster, summary, sensitivity = run_gse(methods=methods,
                                                semantic=not args.no_semantic, top=args.top,
                                                library=args.library,
                                                progress=not args.json)
    paths = write_gse(per_cluster, summary, sensitivity, out=args.out)
    if args.json:
        print(summary.to_json(orient="records"))
    else:
        with _pd_options():
            print(summary.to_string(index=False, float_format="%.3f"))
        print("wrote " + ", ".join(map(str, paths)))
    return 0


def _add_gse(sub) -> None:
    from pqstats.enrichment._gse import DEFAULT_LIBRARY, DEFAULT_TOP

    p = sub.add_parser("gse", help="describe and score the PerturbQA gene-set clusters")
    p.add_argument("--methods", type=name_list, default=None,
                   help="comma-separated from baseline,pvalue,bonferroni,consensus,single "
                        "(default: all; baseline and single only when "
                        "$PQSTATS_EXCLUDE_SOURCES leaves their libraries)")
    p.add_argument("--top", type=positive_int, default=DEFAULT_TOP,
                   help=f"candidates of the consensus medoid (default {DEFAULT_TOP})")
    p.add_argument("--library", default=DEFAULT_LIBRARY,
                   help=f"library of the single rule (default {DEFAULT_LIBRARY})")
    p.add_argument("--no-semantic", action="store_true",
                   help="skip the MiniLM similarity (no 'text' extra needed)")
    p.add_argument("--out", default="results", help="output folder (default: results/)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_gse)


# --- kg ----------------------------------------------------------------------------
def _add_kg(sub) -> None:
    from pqstats.knowledge.cli import add_kg_parser

    add_kg_parser(sub)  # kg build / kg stats / kg text


# --- summer ------------------------------------------------------------------------
def _add_summer(sub) -> None:
    from pqstats.summer.cli import add_summer_parser

    add_summer_parser(sub)  # summer run / summer prompt / summer model


# --- cv ----------------------------------------------------------------------------
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


def _add_cv(sub) -> None:
    p = sub.add_parser("cv", help="grouped cross-validation (and grid search) on a training split")
    p.add_argument("--dataset", required=True, metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`)")
    p.add_argument("--task", required=True, choices=["de", "dir"])
    p.add_argument("--model", required=True, help="a registered model (see `pqstats models`)")
    p.add_argument("--track", default="strict", choices=["strict", "transfer"],
                   help="zero-shot has no training split of the target to cross-validate "
                        "(benchmarks/zero_shot_selection.py selects it across screens)")
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


# --- learning curve ----------------------------------------------------------------
def _cmd_learning_curve(args: argparse.Namespace) -> int:
    from pqstats.learning_curve import learning_curve, size_reaching, write_learning_curve
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


def _add_learning_curve(sub) -> None:
    from pqstats.learning_curve import parse_sizes

    def sizes(text: str):
        try:
            return parse_sizes(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    p = sub.add_parser("learning-curve",
                       help="per-gene AUROC against the number of the target's training "
                            "perturbations, from zero-shot (0) to the transfer track (all)")
    p.add_argument("--dataset", required=True, metavar="SCREEN",
                   help="a registered screen (`pqstats screen list`)")
    p.add_argument("--task", required=True, choices=["de", "dir"])
    p.add_argument("--model", default="logistic",
                   help="a registered model that runs zero-shot (default: logistic)")
    p.add_argument("--sizes", type=sizes, default=parse_sizes("0,10,30,100,300,all"),
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


# --- predict / explain / prioritise ----------------------------------------------------
def _add_knockdown(sub) -> None:
    from pqstats.knockdown_cli import add_knockdown_parsers

    add_knockdown_parsers(sub)


# --- screen ------------------------------------------------------------------------
def _add_screen(sub) -> None:
    from pqstats.screens.cli import add_screen_parser

    add_screen_parser(sub)  # screen import / list / show / remove


# --- main --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The ``pqstats`` argument parser with every subcommand."""
    parser = _Parser(
        prog="pqstats",
        description="Classical statistics and ML for the PerturbQA benchmark: predict, for "
                    "an unseen CRISPRi knockdown, which genes respond (DE) and how (Dir); "
                    "describe gene clusters (GSE).",
        epilog="Start with `pqstats fetch`, then `pqstats benchmark`. `pqstats COMMAND -h` "
               "shows a command's options; --json gives machine-readable output where a "
               "command prints results.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback when a command fails")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                title="commands")
    for add in (_add_fetch, _add_kg, _add_models, _add_cv, _add_benchmark, _add_report,
                _add_score, _add_compare, _add_enrich, _add_gse, _add_summer, _add_screen,
                _add_knockdown, _add_learning_curve):
        add(sub)
    for choice in sub.choices.values():
        choice.formatter_class = _Formatter
    return parser


class _UsageError(Exception):
    """A command line argparse refused (already reported on standard error)."""


class _Parser(argparse.ArgumentParser):
    """argparse with pqstats' error convention: one line naming the problem, one hint.

    Subcommand parsers are of the same class (argparse creates them with ``type(self)``).
    """

    def error(self, message: str):  # type: ignore[override]
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        print(f"hint: `{self.prog} -h` lists the options and their ranges", file=sys.stderr)
        raise _UsageError(message)


class _Formatter(argparse.HelpFormatter):
    """Help with every subcommand's one-line purpose on the same line as its name."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=24, width=100)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction):  # names are indented deeper
            longest = max(map(len, action.choices), default=0)
            self._action_max_length = max(self._action_max_length,
                                          longest + self._current_indent + 4)



_HINTS = {
    "KnowledgeFormatError": "repair or re-download the named knowledge file",
    "DataUnavailableError": "set PQSTATS_MIRROR to a folder laid out like ../shared, "
                            "or run `make data`",
    "ChecksumError": "replace the file with the published one",
    "PredictionError": "give exactly one finite score per test pair (columns pert,gene,score; "
                       "for score --task effect pert,gene,p_de,p_up)",
    "DatasetError": "`pqstats screen list` shows the registered screens; tasks are de, dir",
    "UnknownScreenError": "`pqstats screen list` shows the registered screens",
    "ScreenReadoutError": "`pqstats screen show NAME` says what a screen reads out",
    "UnlabelledScreenError": "`pqstats predict --cell-line NAME --track zero-shot` scores a "
                             "screen without labels; benchmark, cv and score need labels",
    "FileNotFoundError": "check the path; `pqstats COMMAND -h` lists the expected inputs",
    "InputFileError": "fix the file as the message says (`pqstats COMMAND -h` describes "
                      "each input)",
    "LLMUnavailableError": "start the model server (or check --server / --model) and rerun",
    "ScreenImportError": "`pqstats screen import -h` describes the three formats and "
                         "their columns",
    "UnknownGeneError": "use an NCBI symbol, alias or Ensembl id of the knowledge graph "
                        "(`pqstats kg text GENE` shows what it knows about a gene)",
    "AmbiguousGeneError": "give the official NCBI symbol of the gene you mean (`pqstats kg "
                          "text SYMBOL` shows each candidate)",
    "UnmeasuredGeneError": "score genes the screen measured: `pqstats predict` without "
                           "--genes scores all of them",
    "SettingError": "fix or unset the named PQSTATS_* environment variable",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pqstats`` command."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError:
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # one clear line; the traceback only with --debug
        if args.debug:
            raise
        name = type(err).__name__
        nested = [v for k, v in vars(args).items() if k.endswith("_command") and v]
        command = " ".join([args.command, *nested])  # e.g. "kg text", "screen remove"
        print(f"pqstats {command}: error: {err}", file=sys.stderr)
        hint = _HINTS.get(name)
        print(f"hint: {hint}" if hint else "hint: rerun with --debug for the traceback",
              file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
