"""The knockdown subcommands: ``pqstats predict``, ``explain`` and ``prioritise``.

They answer a bench biologist's questions about knockdowns in a registered screen's cell
line (``--cell-line`` takes a screen name, resolved by :func:`pqstats.screens.get_screen`);
the screens themselves are managed by ``pqstats screen`` (:mod:`pqstats.cli.screen`).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from pqstats._choices import STRATEGIES, TRACKS
from pqstats.cli._types import non_negative_int, positive_int

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_knockdown"]

_CELL_LINE_HELP = ("the screen of the cell line: a registered screen that reads out genes "
                   "(k562, rpe1, hepg2, jurkat or an imported one; `pqstats screen list`)")


def _add_track(p: argparse.ArgumentParser) -> None:
    p.add_argument("--track", choices=TRACKS, default=None,
                   help="default: strict, or zero-shot for a screen imported as a list of "
                        "readout genes (it has no labels, so strict and transfer are refused)")


def _write_csv(df: pd.DataFrame, path: str | None) -> None:
    if path:
        from pqstats._io import atomic_write_csv

        atomic_write_csv(path, df)


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records"))


# --- predict -------------------------------------------------------------------------
def _cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from pqstats.enrichment import read_gene_list
    from pqstats.predict import predict_knockdown, responder_themes

    genes = read_gene_list(args.genes) if args.genes else None
    table = predict_knockdown(args.cell_line, args.pert, genes=genes, model=args.model,
                              track=args.track, verbose=True)
    themes = responder_themes(table, top=args.top, by=args.themes_by)
    _write_csv(table, args.out)
    meta = table.attrs
    if args.json:
        print(json.dumps({**meta, "predictions": _records(table.head(args.top)),
                          "themes": _records(themes[["Gene_set", "Term", "Overlap",
                                                     "P-value", "Adjusted P-value"]]
                                             .head(args.n_themes))}, indent=2))
        return 0
    screened = ("it was screened: its training pairs are marked *"
                if meta["pert_screened"] else "it is not in the training screen")
    print(f"Knockdown of {meta['pert']} in {meta['cell_line'].upper()} — {meta['model']}, "
          f"{meta['track']} track; {screened}. {len(table)} genes scored, top {args.top}:")
    if meta["evidence_screens"]:
        print(f"Zero-shot: no label of {meta['cell_line']} was used; the evidence comes from "
              f"the screens {', '.join(meta['evidence_screens'])}.")
    print()
    shown = table.head(args.top).assign(
        gene=lambda d: d["gene"] + d["in_training"].map({True: "*", False: ""}))
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(shown[["gene", "p_de", "p_up", "base_rate", "lift", "evidence"]].to_string(
            index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\nEnriched themes among the top {args.top} responders by {args.themes_by} "
          "(hypergeometric, BH-adjusted p < 0.05, background = the scored genes):")
    if themes.empty:
        print("  none")
    for r in themes.head(args.n_themes).itertuples():
        print(f"  {r.Gene_set:9s} {r.Term}  ({r.Overlap}, adj. p = {r._5:.2g})")
    return 0


def _add_predict(sub) -> None:
    p = sub.add_parser("predict", help="score every readout gene for a new knockdown, "
                                       "with evidence and enriched themes")
    p.add_argument("--cell-line", required=True, metavar="SCREEN", help=_CELL_LINE_HELP)
    p.add_argument("--pert", required=True,
                   help="gene to knock down (symbol, alias or Ensembl id; any case)")
    p.add_argument("--genes", help="file of readout genes to score (default: every gene the "
                                   "screen measured; others are refused)")
    p.add_argument("--top", type=positive_int, default=50,
                   help="rows to show and responders for ORA")
    p.add_argument("--themes-by", choices=("lift", "p_de"), default="lift",
                   help="rank responders for ORA by lift over the gene's base rate "
                        "(default) or by P(DE)")
    p.add_argument("--n-themes", type=positive_int, default=10, help="themes to show")
    p.add_argument("--model", default="xgboost")
    _add_track(p)
    p.add_argument("--out", help="write the full table to this CSV")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_predict)


# --- explain -------------------------------------------------------------------------
def _cmd_explain(args: argparse.Namespace) -> int:
    from pqstats.explain import explain

    result = explain(args.cell_line, args.pert, args.gene, task=args.task, model=args.model,
                     track=args.track, n_neighbours=args.neighbours, max_paths=args.paths,
                     verbose=True)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        print("\n".join(result.sentences(n_neighbours=args.neighbours, n_paths=args.paths,
                                         n_features=args.features)))
    return 0


def _add_explain(sub) -> None:
    p = sub.add_parser("explain", help="why a (knockdown, gene) pair got its score: similar "
                                       "screened knockdowns, graph paths, feature contributions")
    p.add_argument("--cell-line", required=True, metavar="SCREEN",
                   help="a registered screen (gene programme screens such as k562_set too)")
    p.add_argument("--pert", required=True,
                   help="the knocked-down gene (symbol, alias or Ensembl id; any case)")
    p.add_argument("--gene", required=True,
                   help="a readout the screen measured (a programme for a programme screen)")
    p.add_argument("--task", choices=("de", "dir"), default="de")
    p.add_argument("--model", default="xgboost",
                   help="xgboost, logistic or knn_retrieval")
    _add_track(p)
    p.add_argument("--neighbours", type=positive_int, default=5,
                   help="similar knockdowns per space")
    p.add_argument("--paths", type=positive_int, default=5, help="graph paths to show")
    p.add_argument("--features", type=positive_int, default=6, help="contributions to show")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_explain)


# --- prioritise ----------------------------------------------------------------------
def _cmd_prioritise(args: argparse.Namespace) -> int:
    from pqstats.enrichment import read_gene_list
    from pqstats.prioritise import prioritise

    ranking = prioritise(args.cell_line, read_gene_list(args.candidates), budget=args.budget,
                         strategy=args.strategy, model=args.model, track=args.track,
                         seed=args.seed, verbose=True)
    _write_csv(ranking, args.out)
    if args.json:
        print(json.dumps({**ranking.attrs, "ranking": _records(ranking)}, indent=2))
        return 0
    meta = ranking.attrs
    print(f"Next knockdowns for {meta['cell_line'].upper()} by {meta['strategy']} "
          f"({meta['n_screened']} perturbations screened so far; {meta['model']}, "
          f"{meta['track']} track):\n")
    for r in ranking.itertuples():
        print(f"{r.rank:3d}. {r.pert:10s} {r.reason}")
    return 0


def _add_prioritise(sub) -> None:
    p = sub.add_parser("prioritise", help="rank candidate knockdowns for the next screen by "
                                          "predicted effect and novelty")
    p.add_argument("--cell-line", required=True, metavar="SCREEN", help=_CELL_LINE_HELP)
    p.add_argument("--candidates", required=True, help="file with one gene per line")
    p.add_argument("--budget", type=positive_int, help="how many knockdowns to pick")
    p.add_argument("--strategy", choices=tuple(STRATEGIES), default="balanced",
                   help="; ".join(f"{k}: {v}" for k, v in STRATEGIES.items()))
    p.add_argument("--model", default="xgboost")
    _add_track(p)
    p.add_argument("--seed", type=non_negative_int, default=0, help="tie-breaking seed")
    p.add_argument("--out", help="write the ranking to this CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_prioritise)


def add_knockdown(sub) -> None:
    """Add ``predict``, ``explain`` and ``prioritise`` to the ``pqstats`` subparsers."""
    for add in (_add_predict, _add_explain, _add_prioritise):
        add(sub)
