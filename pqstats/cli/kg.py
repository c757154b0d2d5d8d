"""The ``pqstats kg`` subcommands: build, stats, text."""

from __future__ import annotations

import argparse
import json
import time

from pqstats._choices import DEFAULT_GRAPH_SOURCES, EXCLUDE_ENV, GRAPH_SOURCES
from pqstats.cli._types import name_list, non_negative_int, positive_int

__all__ = ["add_kg"]

def _build(args: argparse.Namespace):
    import sys

    from pqstats.knowledge.graph import build_knowledge_graph

    if not getattr(args, "json", False):
        print("loading the knowledge graph (the first build takes about a minute; it is "
              "cached afterwards)...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    kg = build_knowledge_graph(
        sources=args.sources, drop_iea=args.drop_iea, max_degree=args.max_degree or None,
        min_term_size=args.min_term_size, max_term_size=args.max_term_size,
        bundle_dir=args.bundle_dir, cache=not args.no_cache,
    )
    return kg, time.perf_counter() - t0


def _cmd_build(args: argparse.Namespace) -> int:
    kg, seconds = _build(args)
    summary = kg.summary()
    if args.json:
        print(json.dumps({"seconds": round(seconds, 2), "edge_types": summary.to_dict("records"),
                          "nodes": kg.node_counts(), "meta": kg.meta}, default=str))
        return 0
    print(summary.to_string(index=False))
    nodes = kg.node_counts()
    print(f"\n{nodes['gene']} genes, {sum(nodes.values()) - nodes['gene']} terms, "
          f"{int(summary['edges'].sum())} edges; built or loaded in {seconds:.1f} s")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    import pandas as pd

    from pqstats.screens.coverage import coverage_table, symbol_coverage_table

    kg, seconds = _build(args)
    summary = kg.summary()
    cov = coverage_table(kg)
    sym = symbol_coverage_table()
    if args.json:
        print(json.dumps({"edge_types": summary.to_dict("records"), "nodes": kg.node_counts(),
                          "coverage": cov.to_dict("records"),
                          "symbols": sym.to_dict("records"),
                          "source_symbols": kg.meta["symbols"]}, default=str))
        return 0
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print("Nodes and edges per edge type")
        print(summary.to_string(index=False))
        print("\nIdentifiers of each source resolved to an NCBI symbol")
        src = pd.DataFrame(kg.meta["symbols"]).T[["identifiers", "resolved", "share"]]
        print(src.to_string(float_format=lambda x: f"{x:.3f}"))
        print("\nPerturbQA genes resolved by the symbol mapper")
        print(sym.drop(columns="unresolved_examples").to_string(
            index=False, float_format=lambda x: f"{x:.3f}"))
        print("\nShare of PerturbQA genes with at least one edge (per edge type; any)")
        print(cov.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    floor = cov.loc[cov["what"] == "perts", "any"]
    if len(floor) and (floor < 0.97).any():
        print("\nWARNING: coverage of perturbed genes below 97% on some dataset")
        return 1
    return 0


def _cmd_text(args: argparse.Namespace) -> int:
    from pqstats.knowledge.symbols import resolve_gene_names

    kg, _ = _build(args)
    # any NCBI gene may be described (one without edges says so); names are checked first
    genes = resolve_gene_names(args.genes, kg.mapper, suggest=kg.genes)
    for i, gene in enumerate(genes):
        if i:
            print()
        print(kg.gene_text(gene))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", type=name_list, default=None,
                   help=f"comma-separated graph sources from {','.join(GRAPH_SOURCES)} "
                        f"(default: {','.join(DEFAULT_GRAPH_SOURCES)}, less any named in "
                        f"${EXCLUDE_ENV})")
    p.add_argument("--drop-iea", action="store_true", help="drop electronic GO annotations")
    p.add_argument("--max-degree", type=non_negative_int, default=1000,
                   help="remove GO/STRING nodes with more neighbours (0: keep all)")
    p.add_argument("--min-term-size", type=positive_int, default=1,
                   help="keep terms with at least this many genes")
    p.add_argument("--max-term-size", type=positive_int, default=None,
                   help="keep terms with at most this many genes (default: no limit)")
    p.add_argument("--bundle-dir", default=None,
                   help="read the knowledge files from this folder instead of fetching them "
                        "(default: $PQSTATS_KNOWLEDGE_DIR when set)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")


def add_kg(sub) -> None:
    """Add ``kg`` with its subcommands to an argparse subparsers object."""
    kg = sub.add_parser("kg", help="build and inspect the knowledge graph")
    kgsub = kg.add_subparsers(dest="kg_command", metavar="KG_COMMAND", required=True)
    p = kgsub.add_parser("build", help="build (or load) the graph; print edges per type")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_build)
    p = kgsub.add_parser("stats", help="nodes/edges per source and PerturbQA coverage")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_stats)
    p = kgsub.add_parser("text", help="print the plain-text description of genes")
    _common(p)
    p.add_argument("genes", nargs="+",
                   help="gene symbols, aliases or Ensembl ids (any case; unknown or ambiguous "
                        "names are refused)")
    p.set_defaults(func=_cmd_text)
